"""The decisions of a call, written once for the sync and the async client.

:func:`plan` is a generator that never does I/O: it yields what it needs done (send a
request, sleep, ask the Hub) and is sent back the result. ``completion()`` drives it
with blocking calls and ``acompletion()`` with awaits, so route choice, the chat to
text fallback, retries and the wait for a loading model exist in one place only.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any

from . import _tasks
from ._errors import APIError, BadRequestError
from ._exchange import Exchange
from ._mapping import (
    StreamState,
    chat_response,
    error_from_response,
    is_template_error,
    read_hf_error,
    task_response,
    text_response,
    unused_model_kwargs,
)
from ._prepare import (
    CHAT,
    QA,
    TASK_TO_ROUTE,
    TEXT,
    GenerationParams,
    PreparedRequest,
    Target,
    prepare_chat,
    prepare_hub_model,
    prepare_info,
    prepare_question_answering,
    prepare_task,
    prepare_text,
)
from ._settings import Settings
from ._tasks import ModelTask
from ._transport import Reply
from ._types import ModelResponse

CHAT_TASKS = ("text-generation", "conversational", "image-text-to-text")
NOT_TGI = "endpoint without /info"
MAX_PAUSE = 10.0  # re-check a loading model at least this often, whatever estimated_time says
COUNTDOWN_STEP = 1.0


@dataclass(frozen=True)
class Send:
    request: PreparedRequest
    optional: bool = False
    """True: a connection failure comes back as None instead of raising."""
    timeout: float | None = None


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class LoadingStatus:
    """Passed to ``on_wait`` about once a second while a model loads."""

    model: str
    estimated_time: float
    """The server's latest estimate of the seconds left, from its 503 reply."""
    retry_in: float
    """Seconds until the next attempt."""
    waited: float
    """Seconds waited so far in this call."""
    budget: float
    """The most this call will wait in all (``wait_for_model``)."""
    exchanges: list[Exchange] = field(default_factory=list)
    """The call's exchanges so far (the 503 replies among them)."""


@dataclass
class Call:
    """A call's inputs, checked and resolved."""

    target: Target
    messages: list[dict[str, Any]]
    params: GenerationParams
    token: str | None
    stream: bool
    task: str | None
    context: str | None
    settings: Settings
    wait_for_model: float
    timeout: float | None = None
    on_wait: Callable[[LoadingStatus], None] | None = None
    waited: float = 0.0
    """Seconds already spent waiting for a loading model, across all of the call's requests."""


@dataclass
class StreamStart:
    """A stream that opened with 2xx: the driver reads it through ``state``."""

    reply: Reply
    state: StreamState
    route: str
    task: str | None


Plan = Generator[Send | Sleep, Any, "ModelResponse | StreamStart"]


def plan(call: Call, exchanges: list[Exchange]) -> Plan:
    """Choose the route, send, fall back or retry, and map the answer.

    Returns a :class:`ModelResponse`, or a :class:`StreamStart` for a stream that opened.
    Raises the typed error of the last reply when no route answers.
    """
    route, found = yield from choose_route(call.target, call.token, call.task, call.settings)
    task = found.pipeline_tag if found else None
    target, params = call.target, call.params
    purpose = None

    if route == CHAT:
        request = prepare_chat(target, call.messages, params, call.token, stream=call.stream)
        reply, waited = yield from _send_waiting(call, request, exchanges)
        if reply.ok:
            return _answer(call, CHAT, reply, _conversation_text(call.messages), task, exchanges)
        if call.task is None and is_template_error(reply.status, reply.body):
            _tasks.remember_no_chat_template(target.base_url)
            route, purpose = TEXT, "fallback to text-generation (no chat template)"
        else:
            raise _failure(call, reply, exchanges, waited)

    if route == TEXT:
        dropped: frozenset[str] = frozenset()
        while True:
            request, prompt = prepare_text(
                target, call.messages, params, call.token, stream=call.stream, purpose=purpose or TEXT, drop_params=dropped
            )
            reply, waited = yield from _send_waiting(call, request, exchanges)
            if reply.ok:
                return _answer(call, TEXT, reply, prompt, task, exchanges)
            unused = unused_model_kwargs(reply.status, reply.body) & set(request.json["parameters"])
            if not unused:
                raise _failure(call, reply, exchanges, waited)
            # A transformers backend (not TGI) names the parameters it does not take: resend without them.
            dropped |= unused
            purpose = "retry without " + ", ".join(sorted(unused))

    if route == QA:
        request = prepare_question_answering(target, call.messages, call.context, call.token)
        prompt = request.json["inputs"]["question"]
    else:
        request = prepare_task(route, target, call.messages, params, call.token)
        prompt = request.json["inputs"]
    reply, waited = yield from _send_waiting(call, request, exchanges)
    if not reply.ok:
        raise _failure(call, reply, exchanges, waited)
    return task_response(route, reply.body, model=target.model, prompt=prompt, exchanges=exchanges, task=task or route)


def choose_route(
    target: Target, token: str | None, task: str | None, settings: Settings
) -> Generator[Send, Any, tuple[str, ModelTask | None]]:
    """The route for a model: forced by ``task``, else from the endpoint's /info or the Hub."""
    if task:
        route = TASK_TO_ROUTE.get(task)
        if route is None:
            raise BadRequestError(
                f"task={task!r} is not one the playground speaks: use one of {', '.join(sorted(TASK_TO_ROUTE))}, "
                "or leave task unset to learn it from the model."
            )
        return route, ModelTask(pipeline_tag=task, source="task=")

    info: ModelTask | None = None
    if target.dedicated:
        known, info = _tasks.cached_endpoint_task(target.info_url)
        if not known:
            reply = yield Send(prepare_info(target, token))
            info = _task_from_info(reply)
            if info is not None:  # answered, or not a TGI server: both final
                _tasks.remember_endpoint_task(target.info_url, info)
    found = info if info is not None and info.pipeline_tag else None
    if found is None and target.model and target.model != "tgi" and not settings.hub_offline:
        found = yield from _hub_task(target.model, token, settings)

    tag = found.pipeline_tag if found else None
    route = route_for_tag(tag, found.has_chat_template if found else None)
    if route is None:
        raise BadRequestError(
            f"{target.model or 'This endpoint'} does {tag}, which the playground cannot chat with: it speaks "
            "text generation, chat, question answering, summarization, translation, text2text generation "
            "and text classification. Pass task=... if the endpoint serves one of those.",
            model=target.model,
        )
    if route == CHAT and (_tasks.lacks_chat_template(target.base_url) or (info is not None and info.source == NOT_TGI)):
        route = TEXT  # a known missing template, or a server without /info, which has no chat route either
    return route, found


def route_for_tag(tag: str | None, has_chat_template: bool | None) -> str | None:
    """The route for a model's pipeline tag; None for a task the playground cannot chat with."""
    if tag is None or tag in CHAT_TASKS:
        return TEXT if has_chat_template is False else CHAT
    return TASK_TO_ROUTE.get(tag)


def _hub_task(model: str, token: str | None, settings: Settings) -> Generator[Send, Any, ModelTask | None]:
    known, found = _tasks.cached_hub_task(settings.hub_endpoint, model)
    if known:
        return found
    reply = yield Send(prepare_hub_model(settings, model, token), optional=True, timeout=settings.connect_timeout)
    found = None
    if reply is not None and reply.ok and isinstance(reply.body, dict):
        tag, tags = reply.body.get("pipeline_tag"), reply.body.get("tags")
        found = ModelTask(
            pipeline_tag=tag if isinstance(tag, str) else None,
            tags=frozenset(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else None,
            source="hub",
        )
    # Unknown, private or unreachable: the endpoint itself will tell. A 404 will not change soon.
    _tasks.remember_hub_task(settings.hub_endpoint, model, found, final=found is not None or (reply is not None and reply.status == 404))
    return found


def _task_from_info(reply: Reply) -> ModelTask | None:
    """What /info says; a 404/405 means a server that is not TGI; None when it could not tell."""
    if reply.status in (404, 405):
        return ModelTask(pipeline_tag=None, tags=None, source=NOT_TGI)
    body = reply.body if reply.ok and isinstance(reply.body, dict) else None
    if body is None:
        return None
    tag = body.get("model_pipeline_tag")
    return ModelTask(pipeline_tag=tag if isinstance(tag, str) else "text-generation", tags=None, source="endpoint /info")


def _send_waiting(call: Call, request: PreparedRequest, exchanges: list[Exchange]) -> Generator[Send | Sleep, Any, tuple[Reply, float]]:
    """Send; while the model is loading (503 with estimated_time), wait and resend,
    following the estimate, within ``wait_for_model`` seconds for the whole call."""
    attempt = request
    while True:
        reply: Reply = yield Send(attempt)
        if reply.status != 503:
            return reply, call.waited
        estimated = read_hf_error(reply.body).estimated_time
        remaining = call.wait_for_model - call.waited
        if estimated is None or remaining <= 0:
            return reply, call.waited
        pause = min(max(estimated, 0.05), remaining, MAX_PAUSE)
        left = pause
        while left > 0:
            step = min(COUNTDOWN_STEP, left)
            if call.on_wait is not None:
                call.on_wait(
                    LoadingStatus(
                        model=call.target.model,
                        estimated_time=max(estimated - (pause - left), 0.0),
                        retry_in=left,
                        waited=call.waited,
                        budget=call.wait_for_model,
                        exchanges=exchanges,
                    )
                )
            yield Sleep(step)
            call.waited += step
            left -= step
        attempt = replace(request, purpose=f"{request.purpose}, retry after the model loaded for {call.waited:.0f} s")


def _answer(call: Call, route: str, reply: Reply, prompt: str, task: str | None, exchanges: list[Exchange]) -> ModelResponse | StreamStart:
    model = call.target.model
    if reply.stream is not None:
        state = StreamState(route=route, model=model, prompt=prompt, max_tokens=call.params.max_tokens)
        return StreamStart(reply=reply, state=state, route=route, task=task)
    if route == CHAT:
        return chat_response(reply.body, model=model, prompt=prompt, exchanges=exchanges, task=task)
    return text_response(reply.body, reply.headers, model=model, prompt=prompt, exchanges=exchanges, task=task)


def _conversation_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["content"] for m in messages)


def _failure(call: Call, reply: Reply, exchanges: list[Exchange], waited: float) -> APIError:
    return error_from_response(
        reply.status,
        reply.headers,
        reply.body,
        exchanges=exchanges,
        model=call.target.model,
        url=reply.exchange.url,
        dedicated=call.target.dedicated,
        sent_token=call.token is not None,
        waited=waited,
    )
