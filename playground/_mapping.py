"""Hugging Face replies to OpenAI shapes, and error replies to typed exceptions.

Pure functions of the status, headers and body: nothing here does I/O. Anything that
is not the shape expected (HTML, empty, wrong JSON) becomes an :class:`APIError` with a
sentence, never a ``KeyError``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import (
    APIConnectionError,
    APIError,
    BadRequestError,
    ContextWindowExceededError,
    InternalServerError,
    RateLimitError,
    error_for_status,
)
from ._exchange import Exchange
from ._prepare import CHAT, QA, TEXT, pinned_provider
from ._types import ModelResponse, ModelResponseStream, Usage, content_chunk, make_chunk, make_response, make_usage, new_id

TGI_FINISH_REASONS = {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}
MAX_ERROR_TEXT = 500


# --- errors -------------------------------------------------------------------------


@dataclass(frozen=True)
class HFError:
    """What an error body says, in HF's words."""

    text: str | None
    error_type: str | None = None
    estimated_time: float | None = None
    code: str | None = None
    """An OpenAI-style ``error.code`` (``model_not_supported``, ...), as text."""
    param: str | None = None
    """An OpenAI-style ``error.param``: the request field at fault (``model``, ...)."""


def read_hf_error(body: Any) -> HFError:
    """Error bodies of every server we speak to: HF's ``{"error": "..."}`` and
    ``{"error": [...]}``, TGI's ``error_type``, the serverless ``estimated_time``, the
    OpenAI style ``{"error": {"message", "type", "code"}}`` (router, vLLM, llama.cpp),
    older vLLM's top-level ``message``, FastAPI's ``{"detail": ...}``; a text or HTML
    body is described, not dumped."""
    if isinstance(body, dict):
        error = body.get("error")
        error_type = body.get("error_type") if isinstance(body.get("error_type"), str) else None
        code = None
        param = error.get("param") if isinstance(error, dict) and isinstance(error.get("param"), str) else None
        if isinstance(error, list):
            error = "; ".join(str(item) for item in error)
        elif isinstance(error, dict):
            error_type = error_type or (error.get("type") if isinstance(error.get("type"), str) else None)
            code = error.get("code")
            error = error.get("message") or json.dumps(error)
        elif error is None and isinstance(body.get("message"), str):
            error = body["message"]
            error_type = error_type or (body.get("type") if isinstance(body.get("type"), str) else None)
            code = body.get("code")
        elif error is None and body.get("detail") not in (None, ""):
            detail = body["detail"]
            error = detail if isinstance(detail, str) else "; ".join(
                str(item.get("msg", item)) if isinstance(item, dict) else str(item) for item in (detail if isinstance(detail, list) else [detail])
            )
        return HFError(
            text=_clip(str(error)) if error not in (None, "") else None,
            error_type=error_type,
            estimated_time=_seconds(body.get("estimated_time")),
            code=str(code) if isinstance(code, (str, int)) and not isinstance(code, bool) and code != "" else None,
            param=param,
        )
    if isinstance(body, str) and body.strip():
        stripped = body.strip()
        if stripped[:1] == "<":
            return HFError(text="the endpoint answered with an HTML page, not JSON")
        return HFError(text=_clip(stripped))
    if body is None or (isinstance(body, (str, bytes)) and not body.strip()):  # nothing said, or only blanks
        return HFError(text=None)
    return HFError(text=_clip(json.dumps(body, default=str)))


def _seconds(value: Any) -> float | None:
    """A server's estimate in seconds, if it is a usable one (not NaN, infinite, negative or huge)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds < 10**7 else None


def _secs(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"


def _finish_reason(value: Any, default: str = "stop") -> str:
    """OpenAI's finish reasons from TGI's (older TGI chat says "eos_token" too)."""
    if not isinstance(value, str) or not value:
        return default
    return TGI_FINISH_REASONS.get(value, value)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # only a 429 with an HTTP-date needs it; costs ~30 ms to import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    exchanges: list[Exchange],
    model: str,
    url: str,
    dedicated: bool,
    sent_token: bool,
    waited: float = 0.0,
    router: bool = False,
    provider: str | None = None,
    alternatives: tuple[str, ...] = (),
) -> APIError:
    """The one mapping from an HTTP error reply to a typed exception with a sentence.

    ``router``: the reply came from the Inference Providers router (``provider``: the one
    that answered or was pinned; ``alternatives``: the providers the Hub says serve the model)."""
    hf = read_hf_error(body)
    said = f"HTTP {status}: {hf.text}" if hf.text else f"HTTP {status}"
    if router:
        where = f"Inference Providers ({provider}) for {model}" if provider else f"Inference Providers for {model}"
    else:
        where = f"the endpoint at {url}" if dedicated else f"the Inference API for {model}"
    Where = where[0].upper() + where[1:]  # noqa: N806 (str.capitalize would lower the model id)
    kind = error_for_status(status)
    extra: dict[str, Any] = {}
    routed = _router_message(status, hf, said, model, sent_token, provider, alternatives) if router else None
    if routed is not None:
        message = routed
    elif status in (401, 403):
        if status == 403 or (hf.text and "gated" in hf.text.lower()):
            message = (
                f"{Where} refused the token ({said}). If {model or 'the model'} is gated, ask for access on "
                "its model page; otherwise use a token with read access (check HF_TOKEN or pass api_key)."
            )
        elif sent_token:
            message = (
                f"{Where} refused the token ({said}): check HF_TOKEN or pass api_key=\"hf_...\" "
                "with a valid token that can use this endpoint."
            )
        else:
            message = (
                f"{Where} needs a token ({said}): set HF_TOKEN or pass api_key=\"hf_...\"."
            )
    elif status == 402:
        message = f"{Where} asks for payment ({said}): check the account's billing settings at https://huggingface.co/settings/billing."
    elif status == 404 and dedicated and hf.param == "model":
        message = (
            f"The endpoint at {url} does not serve a model called {model!r} ({said}): use the name it lists at "
            "/v1/models, or \"tgi\" to let the playground find it."
        )
    elif status == 404:
        message = (
            f"Nothing answers at {url} ({said}): check the endpoint URL and that the endpoint is running."
            if dedicated
            else f"No model {model!r} on the Inference API ({said}): check the model id, or give api_base for a dedicated endpoint."
        )
    elif status in (400, 422):
        if is_template_error(status, body):  # not every template_error: a template that raises means the model has one
            message = (
                f"{model or 'This model'} has no chat template, so it cannot be sent chat messages ({said}): "
                "use the text-generation route (task=\"text-generation\", or leave the route on auto)."
            )
        elif hf.text and ("must be <=" in hf.text or "context length" in hf.text.lower()):
            kind = ContextWindowExceededError
            message = f"The conversation and max_tokens are too long for this model ({said}): lower max_tokens or shorten the conversation."
        else:
            message = f"{Where} refused the request ({said}): check the parameters in the request shown with it."
    elif status == 429:
        retry_after = retry_after_seconds(headers)
        extra["retry_after"] = retry_after
        wait = f"wait {retry_after:.0f} s" if retry_after is not None else "wait a minute"
        message = f"Too many requests to {where} ({said}): {wait} and try again, or use a token with a higher rate limit."
    elif status == 503:
        extra["estimated_time"] = hf.estimated_time
        if waited and hf.estimated_time is not None:
            message = (
                f"{model or 'The model'} was still loading after {_secs(waited)} s of waiting ({said}): "
                "try again in a minute, or allow a longer wait with wait_for_model."
            )
        elif hf.estimated_time is not None:
            message = (
                f"{model or 'The model'} is still loading ({said}, about {_secs(hf.estimated_time)} s more): "
                "try again shortly, or allow a longer wait with wait_for_model."
            )
        elif waited:
            message = (
                f"{Where} was still unavailable after {_secs(waited)} s of waiting ({said}): it may be paused, or still "
                "scaling up from zero; try again in a minute, or allow a longer wait with wait_for_model."
            )
        else:
            message = (
                f"{Where} is unavailable ({said}): it may be paused, scaled to zero or restarting; "
                "wait a minute and try again."
            )
    elif 300 <= status < 400:
        location = next((v for k, v in headers.items() if k.lower() == "location"), "another address")
        message = f"{Where} redirected to {location} ({said}); use that address as the endpoint URL."
    elif status >= 500 or status == 424:
        message = f"{Where} failed while answering ({said}): try again; if it keeps failing, check the endpoint's logs."
    else:
        message = f"{Where} answered with an unexpected status ({said})."
    return kind(
        message,
        status_code=status,
        hf_error=hf.text,
        error_type=hf.error_type,
        exchanges=exchanges,
        model=model,
        code=hf.code,
        provider=provider,
        **extra,
    )


PROVIDERS_SETTINGS = "https://hf.co/settings/inference-providers"


def _router_message(
    status: int, hf: HFError, said: str, model: str, sent_token: bool, provider: str | None, alternatives: tuple[str, ...]
) -> str | None:
    """The router's own refusals, in words that name what to change; None: the general mapping."""
    hub_id = model.partition(":")[0]
    text = (hf.text or "").lower()
    if status == 400 and (hf.code == "model_not_supported" or "not supported by any provider" in text):
        pinned = pinned_provider(model)
        if pinned:
            return (
                f"{pinned} does not serve {hub_id} for you ({said}): drop the :{pinned} suffix to let the router choose, "
                f"pin a provider that serves it (playground.list_models() lists them), or enable {pinned} at {PROVIDERS_SETTINGS}."
            )
        if alternatives:
            choice = f"pick one of {', '.join(alternatives)} (as {hub_id}:<provider>)"
        else:
            choice = "pick another model (playground.list_models() lists those the router serves)"
        return f"No provider you have enabled serves {model} ({said}): {choice}, or enable providers at {PROVIDERS_SETTINGS}."
    if status == 401:
        if not sent_token:
            return (
                f"Inference Providers need a Hugging Face token ({said}): set HF_TOKEN or pass api_key=\"hf_...\" "
                "(a token with the \"Make calls to Inference Providers\" permission)."
            )
        return (
            f"Inference Providers refused the token ({said}): it is wrong or revoked; copy a fresh one from "
            "https://huggingface.co/settings/tokens and pass it as api_key or HF_TOKEN."
        )
    if status == 402:
        return (
            f"Your monthly included credits for Inference Providers are used up ({said}): buy pre-paid credits at "
            "https://huggingface.co/settings/billing, subscribe to PRO (https://huggingface.co/pro) for more included credits, "
            "or bill an organisation you belong to with bill_to=\"<org>\"."
        )
    if status == 403 and "gated" not in text and "restricted" not in text:
        return (
            f"Your token may not call Inference Providers ({said}): give it the \"Make calls to Inference Providers\" "
            "permission (fine-grained tokens) at https://huggingface.co/settings/tokens, or use another token."
        )
    if status == 410:
        who = provider or "The pinned provider"
        return f"{who} no longer serves {hub_id} ({said}): drop the :{provider or 'provider'} suffix to let the router choose, or pin another provider."
    if status == 404:
        return f"The router does not know {model} ({said}): check the model id; playground.list_models() lists the models it serves."
    if status >= 500 and status != 503:
        who = f"The provider {provider}" if provider else "The provider that took the request"
        return f"{who} failed while answering for {hub_id} ({said}): try again, or pin another provider with {hub_id}:<provider>."
    return None


def is_template_error(status: int, body: Any) -> bool:
    """True when a chat was refused because the model has no chat template: TGI's 422
    ``template_error``, or an OpenAI-compatible engine's 400 (vLLM: "default chat template
    is no longer allowed"; SGLang and newer vLLM relay transformers' "tokenizer.chat_template
    is not set")."""
    if status not in (400, 422):
        return False
    hf = read_hf_error(body)
    text = (hf.text or "").lower()
    if status == 422:
        # TGI's template_error also covers templates that raise (roles must alternate, no
        # system role): those models have a template, so only a missing one falls back.
        return (hf.error_type == "template_error" and (not text or "not found" in text)) or "template not found" in text
    return "chat template" in text and any(s in text for s in ("no longer allowed", "must provide", "does not define", "not found", "is not set"))


def unused_model_kwargs(status: int, body: Any) -> frozenset[str]:
    """Parameters a transformers (non-TGI) backend says it does not use (HTTP 400)."""
    if status != 400:
        return frozenset()
    hf = read_hf_error(body)
    marker = "model_kwargs` are not used by the model:"
    if not hf.text or marker not in hf.text:
        return frozenset()
    listed = hf.text.split(marker, 1)[1].split("]", 1)[0]
    return frozenset(part.strip(" ['\"") for part in listed.split(",") if part.strip(" ['\""))


def malformed(what: str, body: Any, *, exchanges: list[Exchange], model: str, status: int | None = 200) -> APIError:
    shown = read_hf_error(body).text if not isinstance(body, (list, dict)) else None
    detail = f" ({shown})" if shown else ""
    return APIError(
        f"The endpoint's reply is not {what}{detail}: check that the URL points at a model server of that kind; "
        "the full reply is in the payload view.",
        status_code=status,
        exchanges=exchanges,
        model=model,
    )


# --- whole answers --------------------------------------------------------------------


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = next((v for k, v in headers.items() if k.lower() == name), None)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _usage_from_chat(usage: Any, prompt: str, completion: str) -> Usage:
    if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int) and isinstance(usage.get("completion_tokens"), int):
        return make_usage(usage["prompt_tokens"], usage["completion_tokens"], prompt_text=prompt, completion_text=completion, details=usage)
    return make_usage(None, None, prompt_text=prompt, completion_text=completion)


def chat_response(body: Any, *, model: str, prompt: str, exchanges: list[Exchange], task: str | None) -> ModelResponse:
    """A ``/v1/chat/completions`` reply (TGI 1.x ``text_completion`` or 3.x ``chat.completion``)."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
        tool_calls = message.get("tool_calls")
        content = message.get("content")
        if content is None and not tool_calls:
            content = ""
        if not (content is None or isinstance(content, str)) or not (tool_calls is None or isinstance(tool_calls, list)):
            raise TypeError
    except (KeyError, IndexError, TypeError, AttributeError):
        raise malformed("a chat completion", body, exchanges=exchanges, model=model) from None
    response = make_response(
        model=body.get("model") or model,
        content=content,
        finish_reason=_finish_reason(choice.get("finish_reason"), "tool_calls" if tool_calls else "stop"),
        usage=_usage_from_chat(body.get("usage"), prompt, content or ""),
        response_id=body.get("id") or None,
        created=body.get("created") if isinstance(body.get("created"), int) else None,
        system_fingerprint=body.get("system_fingerprint"),
        tool_calls=tool_calls or None,
        extra_message=_message_extras(message),  # not only past two keys: a server may leave "content" out
        exchanges=exchanges,
        route=CHAT,
        task=task,
    )
    if choice.get("logprobs") is not None:
        response["choices"][0]["logprobs"] = choice["logprobs"]
    return response


def _message_extras(message: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI message fields beyond role, content and tool calls that a server sent;
    a provider's ``reasoning`` reads as ``reasoning_content``, as LiteLLM names it."""
    extras = {k: message[k] for k in ("refusal", "function_call", "reasoning_content") if message.get(k) is not None}
    if isinstance(message.get("reasoning"), str) and "reasoning_content" not in extras:
        extras["reasoning_content"] = message["reasoning"]
    return extras


def completion_response(body: Any, *, model: str, prompt: str, exchanges: list[Exchange], task: str | None) -> ModelResponse:
    """An OpenAI ``/v1/completions`` reply (vLLM, SGLang, llama.cpp) as a chat answer."""
    try:
        choice = body["choices"][0]
        text = choice["text"]
        if not isinstance(text, str):
            raise TypeError
    except (KeyError, IndexError, TypeError, AttributeError):
        raise malformed("a text completion", body, exchanges=exchanges, model=model) from None
    return make_response(
        model=body.get("model") or model,
        content=text,
        finish_reason=_finish_reason(choice.get("finish_reason")),
        usage=_usage_from_chat(body.get("usage"), prompt, text),
        response_id=body.get("id") or None,
        created=body.get("created") if isinstance(body.get("created"), int) else None,
        system_fingerprint=body.get("system_fingerprint"),
        exchanges=exchanges,
        route=TEXT,
        task=task,
    )


def text_response(
    body: Any, headers: Mapping[str, str], *, model: str, prompt: str, exchanges: list[Exchange], task: str | None
) -> ModelResponse:
    """A text-generation reply: ``[{"generated_text": ...}]`` (compat route) or an object."""
    item = body[0] if isinstance(body, list) and body else body
    text = item.get("generated_text") if isinstance(item, dict) else None
    if not isinstance(text, str):
        raise malformed("generated text", body, exchanges=exchanges, model=model)
    if prompt and text.startswith(prompt):
        text = text[len(prompt) :]  # a backend that ignored return_full_text=false
    details = item.get("details") if isinstance(item.get("details"), dict) else {}
    finish = _finish_reason(details.get("finish_reason"))
    completion_tokens = details.get("generated_tokens") if isinstance(details.get("generated_tokens"), int) else None
    completion_tokens = _header_int(headers, "x-generated-tokens") or completion_tokens
    return make_response(
        model=model,
        content=text,
        finish_reason=finish,
        usage=make_usage(_header_int(headers, "x-prompt-tokens"), completion_tokens, prompt_text=prompt, completion_text=text),
        exchanges=exchanges,
        route=TEXT,
        task=task,
    )


def task_response(route: str, body: Any, *, model: str, prompt: str, exchanges: list[Exchange], task: str | None) -> ModelResponse:
    """Question answering and the other pipeline tasks: their output as the reply's text."""
    content = task_output_text(route, body)
    if content is None:
        raise malformed(f"a {route} answer", body, exchanges=exchanges, model=model)
    return make_response(
        model=model,
        content=content,
        finish_reason="stop",
        usage=make_usage(None, None, prompt_text=prompt, completion_text=content),
        exchanges=exchanges,
        route=route,
        task=task,
    )


def task_output_text(route: str, body: Any) -> str | None:
    """The text to show for a task's output, or None if the body is not that output."""
    first = body[0] if isinstance(body, list) and body else body
    if route == QA:
        answer = first.get("answer") if isinstance(first, dict) else None
        return answer if isinstance(answer, str) else None
    if route == "text-classification":
        labels = first if isinstance(first, list) else body
        if not isinstance(labels, list) or not labels:
            return None
        lines = []
        for entry in labels:
            if not (isinstance(entry, dict) and isinstance(entry.get("label"), str) and isinstance(entry.get("score"), (int, float))):
                return None
            lines.append(f"{entry['label']}: {entry['score']:.4f}")
        return "\n".join(lines)
    key = {"summarization": "summary_text", "translation": "translation_text"}.get(route, "generated_text")
    value = first.get(key) if isinstance(first, dict) else None
    return value if isinstance(value, str) else None


def chunks_of(response: ModelResponse) -> list[ModelResponseStream]:
    """A whole answer as stream chunks: its text in one, then the closing one."""
    common = {"response_id": response["id"], "created": response["created"], "model": response["model"]}
    message = response["choices"][0]["message"]
    calls = message.get("tool_calls")
    if calls:  # a streamed tool call piece says which call it belongs to
        calls = [{"index": i, **call} for i, call in enumerate(calls)]
    return [
        make_chunk(**common, role="assistant", content=message.get("content"), tool_calls=calls),
        make_chunk(**common, finish_reason=response["choices"][0]["finish_reason"], usage=response["usage"]),
    ]


# --- streams --------------------------------------------------------------------------

_STREAM_ERROR_TYPES: dict[str, tuple[type[APIError], int]] = {
    "validation": (BadRequestError, 422),
    "template_error": (BadRequestError, 422),
    "overloaded": (RateLimitError, 429),
    "generation": (InternalServerError, 500),
    "incomplete_generation": (InternalServerError, 500),
}


@dataclass
class StreamState:
    """Turns a route's stream events into OpenAI chunks; one per stream.

    ``on_event`` takes each event's data; ``finish`` is called at end of stream. Both
    raise typed errors: an error event, a reply that is not JSON, or a stream that stops
    before its last event. ``dialect`` says what the events are: "tgi" (TGI's token
    events), "openai" (OpenAI chat chunks on the chat route, text-completion chunks on the
    text route). With ``include_usage`` the stream ends, as OpenAI's does, with a chunk
    whose ``choices`` is empty and whose ``usage`` is the server's (an estimate if it sent none).
    """

    route: str
    model: str
    prompt: str
    max_tokens: int | None = None
    dialect: str = "tgi"
    include_usage: bool = False
    response_id: str = field(default_factory=new_id)
    created: int = field(default_factory=lambda: int(time.time()))
    text: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage_details: dict[str, Any] | None = None
    system_fingerprint: str | None = None
    token_events: int = 0
    done: bool = False
    _sent_role: bool = False
    _tool_calls: bool = False

    def _chunk(self, **fields: Any) -> ModelResponseStream:
        role = None if self._sent_role else "assistant"
        self._sent_role = True
        return make_chunk(
            response_id=self.response_id, created=self.created, model=self.model, role=role,
            system_fingerprint=self.system_fingerprint, **fields,
        )

    def _text_chunk(self, content: str) -> ModelResponseStream:
        """A chunk of text alone: after the first chunk (which carries the role), built in one step."""
        if self._sent_role:
            return content_chunk(self.response_id, self.created, self.model, content, self.system_fingerprint)
        return self._chunk(content=content)

    @property
    def usage(self) -> Usage:
        # TGI sends one token per event: without server figures, the count of events is a
        # better estimate of the completion tokens than the length of the text.
        completion = self.completion_tokens if self.completion_tokens is not None else (self.token_events or None)
        return make_usage(
            self.prompt_tokens, completion, prompt_text=self.prompt, completion_text="".join(self.text), details=self.usage_details
        )

    def on_event(self, data: str, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        if self.done:
            return []
        if not data.startswith("{") and data.strip() == "[DONE]":  # a JSON object (most events) is never [DONE]
            if self.finish_reason is None:
                self.finish_reason = "stop"
            return self._close()
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            raise APIError(
                "The endpoint sent a stream event that is not JSON; the payload view shows it. "
                "Check that the URL points at a text-generation server.",
                status_code=200,
                exchanges=exchanges,
                model=self.model,
            ) from None
        if isinstance(payload, dict) and payload.get("error") is not None:
            raise self._error_event(payload, exchanges)
        if self.route == CHAT or self.dialect == "openai":
            return self._on_openai(payload, exchanges)
        return self._on_text(payload, exchanges)

    def _error_event(self, payload: dict[str, Any], exchanges: list[Exchange]) -> APIError:
        hf = read_hf_error(payload)
        kind, status = _STREAM_ERROR_TYPES.get(hf.error_type or "", (APIError, 500))
        if hf.text and "must be <=" in hf.text:
            kind = ContextWindowExceededError
        shown = "".join(self.text)
        where = f"after {len(shown)} characters" if shown else "before any text"
        hint = (
            "lower max_tokens or shorten the conversation"
            if kind in (BadRequestError, ContextWindowExceededError)
            else "try again"
        )
        return kind(
            f"The endpoint stopped with an error {where} ({hf.text or 'no detail given'}): {hint}.",
            status_code=status,
            hf_error=hf.text,
            error_type=hf.error_type,
            exchanges=exchanges,
            model=self.model,
        )

    def _on_text(self, payload: Any, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        token = payload.get("token") if isinstance(payload, dict) else None
        if not isinstance(token, dict) or not isinstance(token.get("text"), str):
            raise malformed("a text-generation stream", payload, exchanges=exchanges, model=self.model)
        chunks = []
        self.token_events += 1
        if not token.get("special"):
            self.text.append(token["text"])
            chunks.append(self._text_chunk(token["text"]))
        if payload.get("generated_text") is not None:  # only the last event carries it
            details = payload.get("details") if isinstance(payload.get("details"), dict) else {}
            if isinstance(details.get("finish_reason"), str) and details["finish_reason"]:
                self.finish_reason = _finish_reason(details["finish_reason"])
            elif token.get("special"):
                self.finish_reason = "stop"
            elif self.max_tokens and isinstance(payload.get("index"), int) and payload["index"] >= self.max_tokens:
                self.finish_reason = "length"
            else:
                self.finish_reason = "stop"
            if isinstance(details.get("generated_tokens"), int):
                self.completion_tokens = details["generated_tokens"]
            if isinstance(details.get("input_length"), int):  # TGI's StreamDetails
                self.prompt_tokens = details["input_length"]
            chunks += self._close()
        return chunks

    def _on_openai(self, payload: Any, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        """An OpenAI chunk: chat (``delta``) or text completion (``text``)."""
        try:
            choice = payload["choices"][0] if payload["choices"] else {}
            delta = choice.get("delta") or {} if self.route == CHAT else {"content": choice.get("text")}
            if not isinstance(choice, dict) or not isinstance(delta, dict):
                raise TypeError
        except (KeyError, IndexError, TypeError, AttributeError):
            what = "a chat completion stream" if self.route == CHAT else "a text completion stream"
            raise malformed(what, payload, exchanges=exchanges, model=self.model) from None
        if not self._sent_role:
            if isinstance(payload.get("id"), str) and payload["id"]:
                self.response_id = payload["id"]  # the server's id, before the first chunk carries ours
            if isinstance(payload.get("system_fingerprint"), str):
                self.system_fingerprint = payload["system_fingerprint"]
        usage = payload.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
            self.prompt_tokens = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) else None
            self.completion_tokens = usage["completion_tokens"]
            self.usage_details = usage
        chunks = []
        content = delta.get("content")
        content = content if isinstance(content, str) and content else None
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")  # vLLM / SGLang, and some providers
        reasoning = reasoning if isinstance(reasoning, str) and reasoning else None
        tool_calls = delta.get("tool_calls")
        tool_calls = [call for call in tool_calls if isinstance(call, dict)] if isinstance(tool_calls, list) else None
        if content is not None or tool_calls or reasoning is not None:
            self.token_events += 1
            if content is not None:
                self.text.append(content)
            if tool_calls:
                self._tool_calls = True
            if tool_calls or reasoning is not None:
                chunks.append(self._chunk(content=content, tool_calls=tool_calls or None, reasoning_content=reasoning))
            else:
                chunks.append(self._text_chunk(content))
        if isinstance(choice.get("finish_reason"), str) and choice["finish_reason"]:
            # Stay open: a [DONE] or a usage-only chunk may follow; finish() closes.
            self.finish_reason = _finish_reason(choice["finish_reason"])
        return chunks

    def _close(self) -> list[ModelResponseStream]:
        self.done = True
        if self.finish_reason == "stop" and self._tool_calls:
            self.finish_reason = "tool_calls"  # a server that ended a tool call with "stop" (or only [DONE])
        usage = self.usage
        if self.include_usage:  # as OpenAI: the usage only on the last, choiceless chunk
            return [self._chunk(finish_reason=self.finish_reason), self._chunk(no_choice=True, usage=usage)]
        return [self._chunk(finish_reason=self.finish_reason, usage=usage)]

    def finish(self, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        """At end of stream: the closing chunk, or an error if the stream stopped early."""
        if self.done:
            return []
        if self.finish_reason is not None:
            return self._close()
        shown = "".join(self.text)
        raise APIConnectionError(
            f"The endpoint closed the stream before the reply was complete ({len(shown)} characters arrived): try again.",
            exchanges=exchanges,
            model=self.model,
        )
