"""OpenAI-shaped answers that read both ways: ``r.choices[0].message.content`` and
``r["choices"][0]["message"]["content"]``.

They are plain dicts underneath (``json.dumps(r)`` works); the raw HTTP exchanges and
the route taken hang off the answer as attributes, outside the OpenAI data.
"""

from __future__ import annotations

import os
import time
from operator import methodcaller
from typing import Any

from ._exchange import Exchange


class Record(dict):
    """A dict whose keys also read and write as attributes, all the way down.

    A subclass names its OpenAI fields in ``_optional`` (they read as None when absent, as
    on OpenAI's and LiteLLM's objects) and the record type of nested fields in ``_children``.
    """

    _attributes: tuple[str, ...] = ()
    _optional: frozenset[str] = frozenset()
    _children: dict[str, type[Record]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            dict.__setitem__(self, key, _wrap(value, self._children.get(key, Record)))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each optional field reads through a property that calls the dict's own get (C all
        # the way): `chunk.choices[0].delta.content` costs a fifth of what the __getattr__
        # fallback below costs, which matters once per streamed token. Same answers: the
        # value, or None when absent.
        super().__init_subclass__(**kwargs)
        for name in cls._optional:
            if name not in cls._attributes and name not in cls.__dict__:
                setattr(cls, name, property(methodcaller("get", name)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name in type(self)._optional:
                return None
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or name in type(self)._attributes:
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, _wrap(value, self._children.get(key, Record)))

    def model_dump(self) -> dict[str, Any]:
        """A plain-dict copy (the pydantic name, as LiteLLM's objects have it)."""
        return _unwrap(self)

    to_dict = model_dump


def _wrap(value: Any, kind: type[Record] = Record) -> Any:
    if isinstance(value, dict) and not isinstance(value, kind):
        return kind(value)
    if isinstance(value, list):
        return [_wrap(v, kind) for v in value]
    return value


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


class Function(Record):
    """A tool call's function: ``name`` and ``arguments`` (a JSON string, in pieces when streamed)."""

    _optional = frozenset({"name", "arguments"})


class ToolCall(Record):
    """One tool call: ``id``, ``type`` ("function"), ``function``; streamed pieces carry ``index``."""

    _optional = frozenset({"id", "type", "function", "index"})
    _children = {"function": Function}


class Message(Record):
    """An answer's message; every OpenAI field reads as None when the server sent none."""

    _optional = frozenset({"content", "role", "tool_calls", "function_call", "refusal", "reasoning_content", "audio", "annotations"})
    _children = {"tool_calls": ToolCall, "function_call": Function}


class Delta(Message):
    """A streamed chunk's piece of the message (same fields as :class:`Message`)."""


class Choice(Record):
    _optional = frozenset({"index", "message", "finish_reason", "logprobs"})
    _children = {"message": Message}


class StreamChoice(Record):
    _optional = frozenset({"index", "delta", "finish_reason", "logprobs"})
    _children = {"delta": Delta}


class Usage(Record):
    """Token counts. An estimate carries ``estimated: True``; server figures carry no flag."""

    _optional = frozenset({"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"})

    @property
    def estimated(self) -> bool:
        return bool(self.get("estimated", False))


class ModelResponse(Record):
    """A whole answer in OpenAI's ``chat.completion`` shape.

    Extra attributes: ``exchanges`` (list of :class:`Exchange`, in the order sent),
    ``route`` (the wire format used: "chat", "text-generation", "question-answering", ...),
    ``task`` (the model's task as learnt, or None), ``timings``, ``provider`` (the
    Inference Provider that served it, None off the router) and ``engine`` (the
    dedicated endpoint's server: "tgi", "vllm", "sglang", "llamacpp", ... or None).
    """

    _attributes = ("exchanges", "route", "task", "timings", "provider", "engine")
    _optional = frozenset({"id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"})
    _children = {"choices": Choice, "usage": Usage}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "provider", None)
        object.__setattr__(self, "engine", None)


class ModelResponseStream(Record):
    """One streamed chunk in OpenAI's ``chat.completion.chunk`` shape. A chunk asked for with
    ``stream_options={"include_usage": True}`` has ``choices == []`` and the usage."""

    _optional = frozenset({"id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"})
    _children = {"choices": StreamChoice, "usage": Usage}


def new_id() -> str:
    return "chatcmpl-" + os.urandom(12).hex()  # 24 random hex digits, as uuid4().hex[:24] gave, in a fifth of the time


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token for English text)."""
    return max(1, round(len(text) / 4)) if text else 0


def make_usage(
    prompt_tokens: int | None,
    completion_tokens: int | None,
    *,
    prompt_text: str,
    completion_text: str,
    details: dict[str, Any] | None = None,
) -> Usage:
    """Usage from the server's figures where it gave both (with its other usage fields,
    ``details``, such as ``prompt_tokens_details``), else an estimate marked as one."""
    if prompt_tokens is not None and completion_tokens is not None:
        extra = {k: v for k, v in (details or {}).items() if k not in ("prompt_tokens", "completion_tokens", "total_tokens", "estimated")}
        return Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
            **extra,
        )
    prompt = prompt_tokens if prompt_tokens is not None else estimate_tokens(prompt_text)
    completion = completion_tokens if completion_tokens is not None else estimate_tokens(completion_text)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion, estimated=True)


def make_response(
    *,
    model: str,
    content: str | None,
    finish_reason: str | None,
    usage: Usage,
    response_id: str | None = None,
    created: int | None = None,
    system_fingerprint: str | None = None,
    tool_calls: list[Any] | None = None,
    extra_message: dict[str, Any] | None = None,
    exchanges: list[Exchange],
    route: str,
    task: str | None,
) -> ModelResponse:
    # Built record by record (not through Record's recursive wrapping): this runs once per call.
    message = _built(Message, role="assistant", content=content)
    if tool_calls:
        dict.__setitem__(message, "tool_calls", _wrap(tool_calls, ToolCall))
    for key, value in (extra_message or {}).items():
        if key not in message:
            message[key] = value
    choice = _built(Choice, index=0, message=message, finish_reason=finish_reason)
    response = _built(
        ModelResponse,
        id=response_id or new_id(),
        object="chat.completion",
        created=created or int(time.time()),
        model=model,
        system_fingerprint=system_fingerprint,
        choices=[choice],
        usage=usage,
    )
    object.__setattr__(response, "provider", None)
    object.__setattr__(response, "engine", None)
    response.exchanges = exchanges
    response.route = route
    response.task = task
    response.timings = timings_of(exchanges)
    return response


def make_chunk(
    *,
    response_id: str,
    created: int,
    model: str,
    content: str | None = None,
    role: str | None = None,
    finish_reason: str | None = None,
    usage: Usage | None = None,
    tool_calls: list[Any] | None = None,
    reasoning_content: str | None = None,
    no_choice: bool = False,
    system_fingerprint: str | None = None,
) -> ModelResponseStream:
    # Built field by field, not through Record's recursive wrapping: a stream makes one
    # chunk per token, and this is most of the library's own work per token.
    chunk = _built(ModelResponseStream, id=response_id, object="chat.completion.chunk", created=created, model=model, choices=[])
    if system_fingerprint:
        dict.__setitem__(chunk, "system_fingerprint", system_fingerprint)
    if not no_choice:
        delta = _built(Delta)
        if role:
            dict.__setitem__(delta, "role", role)
        if content is not None:
            dict.__setitem__(delta, "content", content)
        if tool_calls:
            dict.__setitem__(delta, "tool_calls", _wrap(tool_calls, ToolCall))
        if reasoning_content is not None:
            dict.__setitem__(delta, "reasoning_content", reasoning_content)
        chunk["choices"].append(_built(StreamChoice, index=0, delta=delta, finish_reason=finish_reason))
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def content_chunk(response_id: str, created: int, model: str, content: str, system_fingerprint: str | None) -> ModelResponseStream:
    """``make_chunk(content=...)`` after the first chunk (no role, no finish): most chunks of
    a stream, built with the fewest steps."""
    delta = _new(Delta)
    dict.__setitem__(delta, "content", content)
    choice = _new(StreamChoice)
    dict.update(choice, {"index": 0, "delta": delta, "finish_reason": None})
    chunk = _new(ModelResponseStream)
    dict.update(chunk, {"id": response_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]})
    if system_fingerprint:
        dict.__setitem__(chunk, "system_fingerprint", system_fingerprint)
    return chunk


_new = dict.__new__  # a record's dict with no __init__: what is put in needs no wrapping


def _built(cls: type[Record], **fields: Any) -> Any:
    """A record of fields that need no wrapping (scalars, records, lists of records)."""
    record = cls.__new__(cls)
    dict.update(record, fields)
    return record


def timings_of(exchanges: list[Exchange]) -> dict[str, float | None]:
    """The turn's figures: first byte and first token of the answering exchange, and the
    total from the first request sent to the end of the last."""
    if not exchanges:
        return {"time_to_first_byte": None, "time_to_first_token": None, "total_time": None}
    first, last = exchanges[0], exchanges[-1]
    offset = last.started_at - first.started_at

    def shifted(value: float | None) -> float | None:
        return None if value is None else offset + value

    return {
        "time_to_first_byte": shifted(last.time_to_first_byte),
        "time_to_first_token": shifted(last.time_to_first_token),
        "total_time": shifted(last.total_time),
    }
