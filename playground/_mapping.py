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
    ServiceUnavailableError,
    error_for_status,
)
from ._exchange import Exchange
from ._prepare import CHAT, QA, TEXT
from ._types import ModelResponse, ModelResponseStream, Usage, make_chunk, make_response, make_usage, new_id

TGI_FINISH_REASONS = {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}
MAX_ERROR_TEXT = 500


# --- errors -------------------------------------------------------------------------


@dataclass(frozen=True)
class HFError:
    """What an error body says, in HF's words."""

    text: str | None
    error_type: str | None = None
    estimated_time: float | None = None


def read_hf_error(body: Any) -> HFError:
    """HF error bodies: ``{"error": "..."}``, ``{"error": [...]}``, TGI's ``error_type``,
    the serverless ``estimated_time``; a text or HTML body is described, not dumped."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, list):
            error = "; ".join(str(item) for item in error)
        elif isinstance(error, dict):
            error = error.get("message") or json.dumps(error)
        elif error is None and isinstance(body.get("message"), str):
            error = body["message"]
        return HFError(
            text=_clip(str(error)) if error not in (None, "") else None,
            error_type=body.get("error_type") if isinstance(body.get("error_type"), str) else None,
            estimated_time=_seconds(body.get("estimated_time")),
        )
    if isinstance(body, str) and body.strip():
        stripped = body.strip()
        if stripped[:1] == "<":
            return HFError(text="the endpoint answered with an HTML page, not JSON")
        return HFError(text=_clip(stripped))
    if body in (None, "", b""):
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
) -> APIError:
    """The one mapping from an HTTP error reply to a typed exception with a sentence."""
    hf = read_hf_error(body)
    said = f"HTTP {status}: {hf.text}" if hf.text else f"HTTP {status}"
    where = f"the endpoint at {url}" if dedicated else f"the Inference API for {model}"
    Where = where[0].upper() + where[1:]  # noqa: N806 (str.capitalize would lower the model id)
    kind = error_for_status(status)
    extra: dict[str, Any] = {}
    if status in (401, 403):
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
    elif status == 404:
        message = (
            f"Nothing answers at {url} ({said}): check the endpoint URL and that the endpoint is running."
            if dedicated
            else f"No model {model!r} on the Inference API ({said}): check the model id, or give api_base for a dedicated endpoint."
        )
    elif status in (400, 422):
        if hf.error_type == "template_error":
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
        **extra,
    )


def is_template_error(status: int, body: Any) -> bool:
    """True for TGI's 422 ``template_error``: the model has no chat template."""
    if status != 422:
        return False
    hf = read_hf_error(body)
    return hf.error_type == "template_error" or bool(hf.text and "template not found" in hf.text.lower())


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
        return make_usage(usage["prompt_tokens"], usage["completion_tokens"], prompt_text=prompt, completion_text=completion)
    return make_usage(None, None, prompt_text=prompt, completion_text=completion)


def chat_response(body: Any, *, model: str, prompt: str, exchanges: list[Exchange], task: str | None) -> ModelResponse:
    """A ``/v1/chat/completions`` reply (TGI 1.x ``text_completion`` or 3.x ``chat.completion``)."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
        content = message.get("content") or ""
        if not isinstance(content, str):
            raise TypeError
    except (KeyError, IndexError, TypeError, AttributeError):
        raise malformed("a chat completion", body, exchanges=exchanges, model=model) from None
    return make_response(
        model=body.get("model") or model,
        content=content,
        finish_reason=_finish_reason(choice.get("finish_reason")),
        usage=_usage_from_chat(body.get("usage"), prompt, content),
        response_id=body.get("id") or None,
        created=body.get("created") if isinstance(body.get("created"), int) else None,
        system_fingerprint=body.get("system_fingerprint"),
        tool_calls=message.get("tool_calls"),
        exchanges=exchanges,
        route=CHAT,
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
    content = response["choices"][0]["message"]["content"]
    return [
        make_chunk(**common, role="assistant", content=content),
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
    before its last event.
    """

    route: str
    model: str
    prompt: str
    max_tokens: int | None = None
    response_id: str = field(default_factory=new_id)
    created: int = field(default_factory=lambda: int(time.time()))
    text: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    token_events: int = 0
    done: bool = False
    _sent_role: bool = False

    def _chunk(self, **fields: Any) -> ModelResponseStream:
        role = None if self._sent_role else "assistant"
        self._sent_role = True
        return make_chunk(response_id=self.response_id, created=self.created, model=self.model, role=role, **fields)

    @property
    def usage(self) -> Usage:
        # TGI sends one token per event: without server figures, the count of events is a
        # better estimate of the completion tokens than the length of the text.
        completion = self.completion_tokens if self.completion_tokens is not None else (self.token_events or None)
        return make_usage(self.prompt_tokens, completion, prompt_text=self.prompt, completion_text="".join(self.text))

    def on_event(self, data: str, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        if self.done:
            return []
        if data.strip() == "[DONE]":
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
        if self.route == CHAT:
            return self._on_chat(payload, exchanges)
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
            chunks.append(self._chunk(content=token["text"]))
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

    def _on_chat(self, payload: Any, exchanges: list[Exchange]) -> list[ModelResponseStream]:
        try:
            choice = payload["choices"][0] if payload["choices"] else {}
            delta = choice.get("delta") or {}
            if not isinstance(choice, dict) or not isinstance(delta, dict):
                raise TypeError
        except (KeyError, IndexError, TypeError, AttributeError):
            raise malformed("a chat completion stream", payload, exchanges=exchanges, model=self.model) from None
        usage = payload.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
            self.prompt_tokens = usage.get("prompt_tokens") if isinstance(usage.get("prompt_tokens"), int) else None
            self.completion_tokens = usage["completion_tokens"]
        chunks = []
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            self.token_events += 1
            self.text.append(content)
            chunks.append(self._chunk(content=content))
        if isinstance(choice.get("finish_reason"), str) and choice["finish_reason"]:
            # Stay open: a [DONE] or a usage-only chunk may follow; finish() closes.
            self.finish_reason = _finish_reason(choice["finish_reason"])
        return chunks

    def _close(self) -> list[ModelResponseStream]:
        self.done = True
        return [self._chunk(finish_reason=self.finish_reason, usage=self.usage)]

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
