"""OpenAI-format messages: checked, flattened, and turned into a prompt for models
that are sent plain text (the text-generation route)."""

from __future__ import annotations

from typing import Any

from ._errors import BadRequestError

ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
PARTS = "_parts"  # a normalized message's original content parts, when some are not text


def has_media(content: Any) -> bool:
    """True for OpenAI content parts that are not all text (``image_url``, ``input_audio``...)."""
    return isinstance(content, list) and any(
        isinstance(part, dict) and part.get("type") not in (None, "text") for part in content
    )


def require_text_only(messages: list[dict[str, Any]], route: str) -> None:
    """:class:`BadRequestError` when a message carries images (or other media) on a route that takes text."""
    if any(PARTS in m for m in messages):
        raise BadRequestError(
            f"A message carries an image (or other media), which the {route} route cannot take: only a chat route "
            "to a vision model can; pick a chat model that reads images, or send text only."
        )


def content_text(content: Any) -> str:
    """A message's content as text: a string as is, a list of parts joined by their text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "\n".join(texts)
    raise BadRequestError(
        f"A message's content must be text or a list of text parts, not {type(content).__name__}; "
        'write it as {"role": "user", "content": "..."}.'
    )


def normalize_messages(messages: Any) -> list[dict[str, Any]]:
    """Messages checked and copied with text content; ``developer`` becomes ``system``.

    Raises :class:`BadRequestError` (nothing is sent) when they are not OpenAI chat messages.
    """
    if not isinstance(messages, (list, tuple)) or not messages:
        raise BadRequestError(
            'messages must be a non-empty list such as [{"role": "user", "content": "Hello"}].'
        )
    normalized = []
    for position, message in enumerate(messages, 1):
        if not isinstance(message, dict) or "role" not in message:
            raise BadRequestError(
                f'Message {position} is not a chat message; each must look like {{"role": "user", "content": "..."}}.'
            )
        role = message["role"]
        if role not in ROLES:
            raise BadRequestError(
                f"Message {position} has role {role!r}; use one of system, user, assistant or tool."
            )
        copy = {key: value for key, value in message.items() if key != "content"}
        copy["role"] = "system" if role == "developer" else role
        copy["content"] = content_text(message.get("content"))
        if has_media(message.get("content")):
            copy[PARTS] = list(message["content"])  # images and the like: sent as given on chat routes
        normalized.append(copy)
    if not any(m["role"] == "user" for m in normalized):
        raise BadRequestError("The conversation has no user message; add one with the question or text to send.")
    return normalized


def last_user_text(messages: list[dict[str, Any]]) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


def system_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"].strip())


def is_llama2_chat(model: str) -> bool:
    lowered = model.lower()
    return "chat" in lowered and ("meta-llama" in lowered or "llama-2" in lowered)


def build_prompt(messages: list[dict[str, Any]], model: str) -> str:
    """The text sent on the text-generation route for a conversation."""
    if is_llama2_chat(model):
        return llama2_prompt(messages)
    return "\n".join(m["content"] for m in messages if m["content"])


def llama2_prompt(messages: list[dict[str, Any]]) -> str:
    """Llama-2 chat format, as its chat template writes it::

        [INST] <<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user} [/INST] {assistant} </s><s>[INST] {user} [/INST]

    The first ``<s>`` is left out because the server's tokenizer adds the BOS token itself.
    """
    system = system_text(messages)
    turns: list[list[str | None]] = []
    for message in messages:
        if message["role"] == "system":
            continue
        if message["role"] == "assistant":
            if turns and turns[-1][1] is None:
                turns[-1][1] = message["content"]
            else:
                turns.append(["", message["content"]])
        else:
            turns.append([message["content"], None])
    if not turns:
        turns.append(["", None])
    pieces = []
    for index, (user, assistant) in enumerate(turns):
        user = (user or "").strip()
        if index == 0 and system:
            user = f"<<SYS>>\n{system.strip()}\n<</SYS>>\n\n{user}"
        piece = f"[INST] {user} [/INST]"
        if assistant is not None:
            piece += f" {assistant.strip()}"
        pieces.append(piece)
    return " </s><s>".join(pieces)
