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
    completion_response,
    error_from_response,
    is_template_error,
    read_hf_error,
    retry_after_seconds,
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
    prepare_completion,
    prepare_get,
    prepare_hub_model,
    prepare_info,
    prepare_models,
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
SCALE_UP_PAUSE = 5.0  # between attempts while a dedicated endpoint starts (its 503 gives no estimate)
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
    """Passed to ``on_wait`` about once a second while a model loads or an endpoint starts."""

    model: str
    estimated_time: float
    """The server's latest estimate of the seconds left, from its 503 reply (while an
    endpoint scales up, which gives no estimate: the seconds to the next attempt)."""
    retry_in: float
    """Seconds until the next attempt."""
    waited: float
    """Seconds waited so far in this call."""
    budget: float
    """The most this call will wait in all (``wait_for_model``)."""
    exchanges: list[Exchange] = field(default_factory=list)
    """The call's exchanges so far (the 503 replies among them)."""
    scaling_up: bool = False
    """True for a dedicated endpoint that answered 503 without an estimate: it is starting
    (scaled to zero, or initializing)."""


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
    hf_inference: bool = False
    """Pinned to the hf-inference API (LiteLLM's ``huggingface/hf-inference/<model>``)."""


@dataclass
class StreamStart:
    """A stream that opened with 2xx: the driver reads it through ``state``."""

    reply: Reply
    state: StreamState
    route: str
    task: str | None
    provider: str | None = None
    engine: str | None = None


@dataclass(frozen=True)
class Routing:
    """Where and how a call goes: the route, the target (the router, or an engine's served
    model name, filled in), and what was learnt on the way."""

    route: str
    target: Target
    found: ModelTask | None
    asleep: Reply | None = None
    """The 503 a dedicated endpoint's first probe got and the call could not wait out."""

    @property
    def task(self) -> str | None:
        return self.found.pipeline_tag if self.found else None

    @property
    def engine(self) -> str | None:
        return self.found.engine if self.found and self.target.dedicated else None

    @property
    def engine_label(self) -> str | None:
        """The engine and its version as a person reads them: "vLLM 0.11.0", "TGI 3.2.1"."""
        if self.engine is None or self.engine == _tasks.CONTAINER:
            return None
        name = _tasks.ENGINE_NAMES.get(self.engine, self.engine)
        return f"{name} {self.found.engine_version}" if self.found.engine_version else name


Plan = Generator[Send | Sleep, Any, "ModelResponse | StreamStart"]


def plan(call: Call, exchanges: list[Exchange]) -> Plan:
    """Choose the route, send, fall back or retry, and map the answer.

    Returns a :class:`ModelResponse`, or a :class:`StreamStart` for a stream that opened.
    Raises the typed error of the last reply when no route answers.
    """
    def wake(request: PreparedRequest) -> Generator[Send | Sleep, Any, Reply]:
        # The first probe of an endpoint that is scaled to zero waits for it like a request does.
        reply, _ = yield from _send_waiting(call, request, exchanges)
        return reply

    routing = yield from choose_route(call.target, call.token, call.task, call.settings, hf_inference=call.hf_inference, send_probe=wake)
    if routing.asleep is not None:  # guessing a route now would send the wrong model name or payload
        raise _failure(call, routing, routing.asleep, exchanges, call.waited)
    route, target = routing.route, routing.target
    params = call.params
    purpose = None

    if route == CHAT:
        request = prepare_chat(target, call.messages, params, call.token, stream=call.stream)
        reply, waited = yield from _send_waiting(call, request, exchanges)
        if reply.ok:
            return _answer(call, routing, CHAT, reply, _conversation_text(call.messages), exchanges)
        if call.task is None and not target.router and is_template_error(reply.status, reply.body):
            _tasks.remember_no_chat_template(target.base_url)
            route, purpose = TEXT, "fallback to text-generation (no chat template)"
        else:
            raise _failure(call, routing, reply, exchanges, waited)

    if route == TEXT and target.openai:
        request, prompt = prepare_completion(target, call.messages, params, call.token, stream=call.stream, purpose=purpose or TEXT)
        reply, waited = yield from _send_waiting(call, request, exchanges)
        if reply.ok:
            return _answer(call, routing, TEXT, reply, prompt, exchanges)
        raise _failure(call, routing, reply, exchanges, waited)

    if route == TEXT:
        dropped: frozenset[str] = frozenset()
        while True:
            request, prompt = prepare_text(
                target, call.messages, params, call.token, stream=call.stream, purpose=purpose or TEXT, drop_params=dropped
            )
            reply, waited = yield from _send_waiting(call, request, exchanges)
            if reply.ok:
                return _answer(call, routing, TEXT, reply, prompt, exchanges)
            unused = unused_model_kwargs(reply.status, reply.body) & set(request.json["parameters"])
            if not unused:
                raise _failure(call, routing, reply, exchanges, waited)
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
        raise _failure(call, routing, reply, exchanges, waited)
    response = task_response(route, reply.body, model=target.model, prompt=prompt, exchanges=exchanges, task=routing.task or route)
    response.provider = _provider(routing, reply)
    response.engine = routing.engine
    return response


def choose_route(
    target: Target, token: str | None, task: str | None, settings: Settings, *, hf_inference: bool = False,
    send_probe: Callable[[PreparedRequest], Generator[Send | Sleep, Any, Reply]] | None = None,
) -> Generator[Send | Sleep, Any, Routing]:
    """The route for a model, and where it goes.

    * A dedicated endpoint: its engine, from ``/info`` (TGI) or ``/v1/models`` (vLLM,
      SGLang, llama.cpp), learnt once per URL. An OpenAI-compatible engine gets chat, or
      ``/v1/completions`` for text, with the model name it serves.
    * The default endpoint: a ``:provider`` / ``:policy`` suffix goes to the Inference
      Providers router; otherwise the Hub says (task and provider mapping, learnt once per
      model): a model some provider serves for chat goes to the router, others keep the
      hf-inference task API. No Hub answer (offline, unreachable): a chat goes to the router.
    * ``task=`` forces the route and skips the look-up (on the default endpoint: the
      hf-inference API, unless the model has a suffix).
    """
    forced = None
    if task:
        forced = TASK_TO_ROUTE.get(task)
        if forced is None:
            raise BadRequestError(
                f"task={task!r} is not one the playground speaks: use one of {', '.join(sorted(TASK_TO_ROUTE))}, "
                "or leave task unset to learn it from the model."
            )

    if not target.dedicated and target.suffix and not hf_inference:
        if forced not in (None, CHAT):
            raise BadRequestError(
                f"{target.model} names an Inference Provider ({target.suffix}), and providers are reached for chat only: "
                f"drop the :{target.suffix} suffix to use the hf-inference {forced} API."
            )
        found = ModelTask(pipeline_tag=task, source="task=") if forced else None
        return Routing(CHAT, target.on_router(settings), found)

    info: ModelTask | None = None
    asleep: Reply | None = None
    if target.dedicated:  # forced route or not, the engine decides the wire format
        learnt = yield from _endpoint_engine(target, token, send_probe)
        asleep, info = (learnt, None) if isinstance(learnt, Reply) else (None, learnt)
        if info is not None and info.openai_engine:
            return on_openai_engine(target, info, forced)
    # What the endpoint said of its server (TGI, a task container) stays in what the call reports.
    server = {"engine": info.engine, "engine_version": info.engine_version} if info is not None else {}
    if forced:
        return Routing(forced, target, ModelTask(pipeline_tag=task, source="task=", **server), asleep)

    found = info if info is not None and info.pipeline_tag else None
    hub_answered = False
    if found is None and target.hub_id and target.hub_id != "tgi" and not settings.hub_offline:
        found, hub_answered = yield from _hub_task(target.hub_id, token, settings)
        found = replace(found, **server) if found is not None else None

    tag = found.pipeline_tag if found else None
    route = route_for_tag(tag, found.has_chat_template if found else None)
    if not target.dedicated and not hf_inference and to_router(route, found, hub_answered):
        return Routing(CHAT, target.on_router(settings), found)
    if route is None:
        raise BadRequestError(
            f"{target.model or 'This endpoint'} does {tag}, which the playground cannot chat with: it speaks "
            "text generation, chat, question answering, summarization, translation, text2text generation "
            "and text classification. Pass task=... if the endpoint serves one of those.",
            model=target.model,
        )
    if route == CHAT and (_tasks.lacks_chat_template(target.base_url) or (info is not None and info.source == NOT_TGI)):
        route = TEXT  # a known missing template, or a server without /info, which has no chat route either
    return Routing(route, target, found, asleep)


def to_router(route: str | None, found: ModelTask | None, hub_answered: bool) -> bool:
    """Whether a default-endpoint call goes to the Inference Providers router: a model some
    provider serves for chat; a chat with no Hub answer; a chat model no provider serves
    (the router's refusal names what to do). A model hf-inference serves, and every task
    model, keeps the hf-inference API."""
    if found is not None and found.chat_providers:
        return True
    if route != CHAT:
        return False
    if found is None:
        return not hub_answered
    providers = found.providers
    return providers is not None and not any(p.provider == "hf-inference" for p in providers)


def on_openai_engine(target: Target, info: ModelTask, forced: str | None) -> Routing:
    """Chat or text completions on vLLM / SGLang / llama.cpp, with the model name the server serves."""
    served = info.served
    wire = None if not served or target.model in served else served[0]
    target = replace(target, openai=True, wire_model=wire)
    engine = _tasks.ENGINE_NAMES.get(info.engine or "", info.engine)
    if forced not in (None, CHAT, TEXT):
        raise BadRequestError(
            f"The endpoint runs {engine}, which serves chat and text generation only, not {forced}: "
            "leave task unset, or use task=\"text-generation\".",
            model=target.model,
        )
    route = forced or (TEXT if _tasks.lacks_chat_template(target.base_url) else CHAT)
    return Routing(route, target, info)


def route_for_tag(tag: str | None, has_chat_template: bool | None) -> str | None:
    """The route for a model's pipeline tag; None for a task the playground cannot chat with."""
    if tag is None or tag in CHAT_TASKS:
        return TEXT if has_chat_template is False else CHAT
    return TASK_TO_ROUTE.get(tag)


def _endpoint_engine(
    target: Target, token: str | None, send_probe: Callable[[PreparedRequest], Generator[Send | Sleep, Any, Reply]] | None = None
) -> Generator[Send | Sleep, Any, ModelTask | Reply | None]:
    """What serves a dedicated endpoint, learnt once per URL with the least traffic:
    ``GET /info`` (TGI); if that route does not exist, ``GET /v1/models`` (``owned_by``
    names vLLM, SGLang or llama.cpp) and the engine's version route (see
    :func:`openai_engine`). None when the endpoint did not say (down, refused token): the
    next call asks again; the 503 reply of an endpoint still asleep after any wait the
    caller allowed."""
    known, info = _tasks.cached_endpoint_task(target.root_url)
    if known:
        return info
    request = prepare_info(target, token)
    reply = (yield from send_probe(request)) if send_probe is not None else (yield Send(request))
    if reply.status == 503:
        return reply
    info = _task_from_info(reply)
    final = info is not None  # answered, or not a TGI server: both final
    if info is not None and info.source == NOT_TGI:
        models = yield Send(prepare_models(target, token), optional=True)
        engine = (yield from openai_engine(target, token, models)) if models is not None else None
        if engine is not None:
            info = engine
        else:  # no model list: a task container if the route does not exist; ask again next time otherwise
            final = models is not None and models.status in (404, 405)
            info = replace(info, engine=_tasks.CONTAINER) if final else info
    if final:
        _tasks.remember_endpoint_task(target.root_url, info)
    return info


def openai_engine(target: Target, token: str | None, reply: Reply) -> Generator[Send, Any, ModelTask | None]:
    """The engine behind a ``/v1/models`` answer, with its version: vLLM's ``GET /version``,
    llama.cpp's ``GET /props`` (``build_info``). A server whose ``owned_by`` names no engine
    is told by which of the two routes it has. One look-up per URL (the caller caches it)."""
    served = served_models(reply.body) if reply.ok else None
    if served is None:
        return None
    ids, owners = served
    engine = next((_ENGINE_OWNERS[o] for o in owners if o in _ENGINE_OWNERS), None)
    version = None
    if engine in (None, _tasks.VLLM):
        probe = yield Send(prepare_get("engine version (GET /version)", target.root_url + "/version", token, target.headers), optional=True)
        if probe is not None and probe.ok and isinstance(probe.body, dict) and isinstance(probe.body.get("version"), str):
            engine, version = _tasks.VLLM, probe.body["version"]
    if engine in (None, _tasks.LLAMACPP):
        probe = yield Send(prepare_get("engine version (GET /props)", target.root_url + "/props", token, target.headers), optional=True)
        if probe is not None and probe.ok and isinstance(probe.body, dict) and probe.body.get("build_info") is not None:
            engine, version = _tasks.LLAMACPP, str(probe.body["build_info"])
    return ModelTask(
        pipeline_tag=None, tags=None, source="endpoint /v1/models", engine=engine or _tasks.OPENAI, engine_version=version, served=ids
    )


_ENGINE_OWNERS = {"vllm": _tasks.VLLM, "sglang": _tasks.SGLANG, "llamacpp": _tasks.LLAMACPP, "llama.cpp": _tasks.LLAMACPP}


def served_models(body: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """``(names, owners)`` from an OpenAI ``/v1/models`` body (ids and llama.cpp's aliases);
    None when the body is not a model list."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    names: list[str] = []
    owners: list[str] = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        names.append(entry["id"])
        aliases = entry.get("aliases")
        names += [a for a in aliases if isinstance(a, str) and a not in names] if isinstance(aliases, list) else []
        if isinstance(entry.get("owned_by"), str):
            owners.append(entry["owned_by"].lower())
    return (tuple(names), tuple(owners)) if names else None


def _hub_task(model: str, token: str | None, settings: Settings) -> Generator[Send, Any, tuple[ModelTask | None, bool]]:
    """What the Hub says of a model, and whether it answered at all (a 404 is an answer:
    no public model of that name; a connection failure or a 5xx is not)."""
    known, found, answered = _tasks.cached_hub_task(settings.hub_endpoint, model)
    if known:
        return found, answered
    reply = yield Send(prepare_hub_model(settings, model, token), optional=True, timeout=settings.connect_timeout)
    found = None
    if reply is not None and reply.ok and isinstance(reply.body, dict):
        tag, tags = reply.body.get("pipeline_tag"), reply.body.get("tags")
        found = ModelTask(
            pipeline_tag=tag if isinstance(tag, str) else None,
            tags=frozenset(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else None,
            source="hub",
            providers=_tasks.parse_provider_mapping(reply.body.get("inferenceProviderMapping")),
        )
    # Unknown, private or unreachable: the endpoint itself will tell. A 404 will not change soon.
    answered = found is not None or (reply is not None and reply.status == 404)
    _tasks.remember_hub_task(settings.hub_endpoint, model, found, final=answered)
    return found, answered


def _task_from_info(reply: Reply) -> ModelTask | None:
    """What /info says; a 404/405 means a server that is not TGI; None when it could not tell."""
    if reply.status in (404, 405):
        return ModelTask(pipeline_tag=None, tags=None, source=NOT_TGI)
    body = reply.body if reply.ok and isinstance(reply.body, dict) else None
    if body is None:
        return None
    tag = body.get("model_pipeline_tag")
    version = body.get("version") if isinstance(body.get("version"), str) else None
    model_id = body.get("model_id") if isinstance(body.get("model_id"), str) else None
    return ModelTask(
        pipeline_tag=tag if isinstance(tag, str) else "text-generation", tags=None, source="endpoint /info",
        engine=_tasks.TGI, engine_version=version, served=(model_id,) if model_id else (),
    )


def _send_waiting(call: Call, request: PreparedRequest, exchanges: list[Exchange]) -> Generator[Send | Sleep, Any, tuple[Reply, float]]:
    """Send; while the model is loading (503 with estimated_time), wait and resend,
    following the estimate, within ``wait_for_model`` seconds for the whole call."""
    attempt = request
    starts = 0
    while True:
        reply: Reply = yield Send(attempt)
        if reply.status != 503:
            return reply, call.waited
        estimated = read_hf_error(reply.body).estimated_time
        remaining = call.wait_for_model - call.waited
        # A dedicated endpoint scaling up from zero says 503 without an estimate: it is
        # waited for too (the X-Scale-Up-Timeout header asked its proxy to hold the request).
        scaling_up = estimated is None and call.target.dedicated
        if (estimated is None and not scaling_up) or remaining <= 0:
            return reply, call.waited
        if scaling_up:  # the server's Retry-After, else 1, 2, 4, 5, 5... seconds
            hinted = retry_after_seconds(reply.headers)
            estimated = hinted if hinted is not None else min(SCALE_UP_PAUSE, 2.0**starts)
            starts += 1
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
                        scaling_up=scaling_up,
                    )
                )
            yield Sleep(step)
            call.waited += step
            left -= step
        waiting_for = "the endpoint started" if scaling_up else "the model loaded"
        attempt = replace(request, purpose=f"{request.purpose}, retry after {waiting_for} for {call.waited:.0f} s")


def _answer(call: Call, routing: Routing, route: str, reply: Reply, prompt: str, exchanges: list[Exchange]) -> ModelResponse | StreamStart:
    target = routing.target
    model = target.model
    provider = _provider(routing, reply)
    if target.router:
        reply.exchange.provider = provider  # x-inference-provider, or the pinned provider when the router named none
    reply.exchange.engine = routing.engine_label
    dialect = "openai" if route == CHAT or target.openai else "tgi"
    if reply.stream is not None:
        include_usage = bool((call.params.chat_params.get("stream_options") or {}).get("include_usage"))
        state = StreamState(route=route, model=model, prompt=prompt, max_tokens=call.params.max_tokens, dialect=dialect, include_usage=include_usage)
        return StreamStart(reply=reply, state=state, route=route, task=routing.task, provider=provider, engine=routing.engine)
    if route == CHAT:
        response = chat_response(reply.body, model=model, prompt=prompt, exchanges=exchanges, task=routing.task)
    elif target.openai:
        response = completion_response(reply.body, model=model, prompt=prompt, exchanges=exchanges, task=routing.task)
    else:
        response = text_response(reply.body, reply.headers, model=model, prompt=prompt, exchanges=exchanges, task=routing.task)
    response.provider = provider
    response.engine = routing.engine
    return response


def _provider(routing: Routing, reply: Reply) -> str | None:
    """Who served the answer: the router's ``x-inference-provider``, else the provider pinned
    by the suffix; "hf-inference" for its task API; None for a dedicated endpoint."""
    target = routing.target
    if target.dedicated:
        return None
    if not target.router:
        return "hf-inference"
    named = next((v for k, v in reply.headers.items() if k.lower() == "x-inference-provider"), None)
    return named or target.pinned_provider


def _conversation_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["content"] for m in messages)


def _failure(call: Call, routing: Routing, reply: Reply, exchanges: list[Exchange], waited: float) -> APIError:
    target = routing.target
    found = routing.found
    alternatives = tuple(p.provider for p in found.chat_providers if p.status != "error") if found else ()
    provider = _provider(routing, reply)
    if target.router:
        reply.exchange.provider = provider
    reply.exchange.engine = routing.engine_label
    return error_from_response(
        reply.status,
        reply.headers,
        reply.body,
        exchanges=exchanges,
        model=target.model,
        url=reply.exchange.url,
        dedicated=target.dedicated,
        sent_token=call.token is not None,
        waited=waited,
        router=target.router,
        provider=provider,
        alternatives=alternatives,
    )
