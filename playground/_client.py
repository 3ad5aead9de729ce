"""``completion()`` and ``acompletion()``: check the inputs, drive the plan, deliver.

The public signature follows LiteLLM's ``completion(..., custom_llm_provider="huggingface")``
so that swapping the import is enough.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from . import _catalog, _doctor, _endpoints, _transport
from ._catalog import RouterModel
from ._endpoints import InferenceEndpoint
from ._auth import resolve_token, scrub
from ._errors import APIConnectionError, APIError, BadRequestError
from ._doctor import EndpointReport
from ._exchange import Exchange
from ._flow import Call, LoadingStatus, Routing, Send, StreamStart, choose_route, plan
from ._mapping import StreamState, chunks_of, malformed
from ._prepare import CHAT, CHAT_PASSTHROUGH, HF_TEXT_PARAMS, TEXT, GenerationParams, Target
from ._prompt import normalize_messages
from ._settings import Settings
from ._sse import SSEDecodeError, SSEDecoder, SSEEvent
from ._transport import Reply
from ._types import ModelResponse, ModelResponseStream

# LiteLLM housekeeping arguments that mean nothing for one HF call; accepted so that
# code written for LiteLLM runs unchanged.
IGNORED_KWARGS = frozenset(
    {"metadata", "num_retries", "user", "drop_params", "caching", "logger_fn", "api_version", "mock_response", "litellm_logging_obj"}
)
PROVIDER = "huggingface"


def _make_call(
    model: str,
    messages: Any,
    *,
    api_base: str | None,
    api_key: str | bool | None,
    custom_llm_provider: str | None,
    task: str | None,
    context: str | None,
    stream: bool,
    timeout: float | None,
    wait_for_model: float | bool | None,
    on_wait: Callable[[LoadingStatus], None] | None,
    bill_to: str | None,
    params: dict[str, Any],
    extra: dict[str, Any],
) -> Call:
    if custom_llm_provider not in (None, PROVIDER):
        raise BadRequestError(
            f'custom_llm_provider={custom_llm_provider!r} is not supported here: this library calls Hugging Face only; '
            'pass custom_llm_provider="huggingface" or leave it out.'
        )
    if not isinstance(model, str):
        raise BadRequestError(f"model must be a model id such as 'meta-llama/Llama-2-7b-chat-hf', not {model!r}.")
    for alias, name in (("base_url", "api_base"), ("request_timeout", "timeout")):
        if alias in extra:
            value = extra.pop(alias)
            if name == "api_base":
                api_base = api_base or value
            else:
                timeout = timeout if timeout is not None else value
    model, hf_inference = _parse_model(model, dedicated=bool(api_base))
    if "max_completion_tokens" in extra:  # the OpenAI client's newer name; max_tokens wins when both are given
        alias = extra.pop("max_completion_tokens")
        if params.get("max_tokens") is None:
            params["max_tokens"] = alias
    unknown = set(extra) - HF_TEXT_PARAMS - CHAT_PASSTHROUGH - IGNORED_KWARGS
    if unknown:
        raise TypeError(f"completion() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise BadRequestError(f"timeout must be a positive number of seconds, not {timeout!r}.")

    settings = Settings.from_env()
    if wait_for_model is None or wait_for_model is True:
        budget = settings.wait_for_model
    elif wait_for_model is False:
        budget = 0.0
    elif isinstance(wait_for_model, (int, float)) and wait_for_model >= 0:
        budget = float(wait_for_model)
    else:
        raise BadRequestError(f"wait_for_model must be a number of seconds (or True/False), not {wait_for_model!r}.")
    if context is not None and not isinstance(context, str):
        raise BadRequestError("context must be the text passage the question is about.")
    if bill_to is not None and (not isinstance(bill_to, str) or not bill_to.strip() or not bill_to.strip().isprintable() or not bill_to.isascii()):
        raise BadRequestError(f"bill_to must be the name of an organisation you belong to, not {bill_to!r}.")
    stream_options = extra.get("stream_options")
    if stream_options is not None and not isinstance(stream_options, dict):
        raise BadRequestError(f'stream_options must be a dict such as {{"include_usage": True}}, not {stream_options!r}.')
    n = extra.get("n")
    if n is not None and n != 1:
        raise BadRequestError(f"n={n!r}: the playground reads one choice per call; make {n!r} calls instead (with a seed each for different answers).")

    headers: tuple[tuple[str, str], ...] = ()
    if api_base:
        # Ask the Inference Endpoints proxy to hold the request while a scaled-to-zero
        # endpoint starts, rather than answer 503 at once (within the call's wait and timeout).
        hold = min(budget, timeout or settings.read_timeout)
        headers = (("X-Scale-Up-Timeout", str(int(hold))),) if hold >= 1 else ()
    elif bill_to:
        headers = (("X-HF-Bill-To", bill_to.strip()),)

    return Call(
        hf_inference=hf_inference,
        target=Target.resolve(model, api_base, settings, headers),
        messages=normalize_messages(messages),
        params=GenerationParams.from_openai(**params, extra={k: v for k, v in extra.items() if k not in IGNORED_KWARGS}),
        token=resolve_token(api_key, settings),
        stream=bool(stream),
        task=task,
        context=context,
        settings=settings,
        wait_for_model=budget,
        timeout=timeout,
        on_wait=on_wait,
    )


def _parse_model(model: str, *, dedicated: bool = False) -> tuple[str, bool]:
    """The model id to use, and whether it is pinned to the hf-inference API.

    LiteLLM's spellings: ``huggingface/<org>/<model>`` is ``<org>/<model>``;
    ``huggingface/<provider>/<org>/<model>`` is ``<org>/<model>:<provider>`` on the router,
    except for ``hf-inference``, which keeps the hf-inference API (it serves task models
    too: question answering, summarization...). A Hub id has at most one slash, so three
    parts always start with a provider. With a dedicated endpoint (``dedicated``) the name
    is the endpoint's business, taken as given."""
    model = model.strip()
    if model.startswith(PROVIDER + "/"):
        model = model[len(PROVIDER) + 1 :]
    if dedicated:
        return model, False
    parts = model.split("/")
    if len(parts) == 3 and all(parts):
        provider, rest = parts[0], "/".join(parts[1:])
        if provider == "hf-inference":
            return rest, True
        return f"{rest.partition(':')[0]}:{provider}", False
    return model, False


OPENAI_PARAMS = ("max_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty", "frequency_penalty")


def _call_from(arguments: dict[str, Any]) -> Call:
    """A Call from the public functions' arguments (both share one signature)."""
    extra = arguments.pop("kwargs")
    params = {name: arguments.pop(name) for name in OPENAI_PARAMS}
    return _make_call(**arguments, params=params, extra=extra)


class StreamReader:
    """Bytes of an open stream in, OpenAI chunks out; records each event in the exchange."""

    def __init__(self, reply: Reply, state: StreamState, exchanges: list[Exchange], settings: Settings) -> None:
        self.exchange = reply.exchange
        self.state = state
        self.exchanges = exchanges
        self.limit = settings.max_response_bytes
        self.decoder = SSEDecoder(max_line_bytes=min(self.limit, 4 * 1024 * 1024))
        self.received = 0
        self.secret = reply.secret

    @property
    def done(self) -> bool:
        return self.state.done

    def feed(self, raw: bytes) -> Iterator[ModelResponseStream]:
        """The chunks of what ``raw`` completed, one by one, so that those before an error event
        reach the caller first. Not a generator itself: the read's checks run at the call, and
        each read makes one generator (``_deliver``'s), not two; this runs once per token."""
        self.received += len(raw)
        if self.received > self.limit:
            self.exchange.error = f"stream larger than {self.limit} bytes; reading stopped"
            raise APIError(
                f"The endpoint's stream passed {self.limit // (1024 * 1024)} MB without ending, so it was stopped: "
                "ask for fewer tokens (max_tokens).",
                status_code=self.exchange.status,
                exchanges=self.exchanges,
            )
        try:
            events = self.decoder.feed(raw)
        except SSEDecodeError as error:
            self.exchange.error = str(error)
            raise malformed("a readable event stream", str(error), exchanges=self.exchanges, model=self.state.model) from None
        return self._deliver(events)

    def _deliver(self, events: list[SSEEvent]) -> Iterator[ModelResponseStream]:
        exchange, secret, on_event = self.exchange, self.secret, self.state.on_event
        for event in events:
            data = scrub(event.data, secret) if secret else event.data  # a server echoing the token back: shown redacted
            exchange.events.append(data)  # verbatim, as on the wire
            produced = on_event(data, self.exchanges)
            if exchange.time_to_first_token is None and any(c["choices"] and c["choices"][0]["delta"].get("content") for c in produced):
                exchange.time_to_first_token = exchange.elapsed()
            yield from produced

    def end(self) -> Iterator[ModelResponseStream]:
        """At end of stream: what the decoder held back, then the closing chunk (or an error)."""
        yield from self._deliver(self.decoder.flush())
        self.closed()
        yield from self.state.finish(self.exchanges)

    def closed(self) -> None:
        if self.exchange.total_time is None:
            self.exchange.total_time = self.exchange.elapsed()


class CompletionStream(Iterator[ModelResponseStream]):
    """What ``completion(..., stream=True)`` returns: an iterator of OpenAI chunks.

    ``exchanges``, ``route`` and ``task`` are there from the start; the events fill in as
    they arrive. ``close()`` (or leaving a ``with`` block) closes the HTTP response, which
    cancels the generation upstream; it may be called from another thread (a Stop button)
    while one is reading.
    """

    def __init__(
        self, chunks: Iterator[ModelResponseStream], exchanges: list[Exchange], route: str, task: str | None, response: Any = None,
        provider: str | None = None, engine: str | None = None,
    ) -> None:
        self._chunks = chunks
        self._response = response
        self.exchanges = exchanges
        self.route = route
        self.task = task
        self.provider = provider
        """The Inference Provider that serves the stream (None off the router)."""
        self.engine = engine
        """A dedicated endpoint's server ("tgi", "vllm", "llamacpp", ...), when known."""

    def __next__(self) -> ModelResponseStream:
        return next(self._chunks)

    def close(self) -> None:
        if self._response is not None:
            self._response.close()  # first: it also wakes a reader blocked in another thread
            if self.exchanges and self.exchanges[-1].total_time is None:
                self.exchanges[-1].total_time = self.exchanges[-1].elapsed()
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        except ValueError:  # "generator already executing": its reader ends on the closed response
            pass

    def __enter__(self) -> CompletionStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A stream dropped unread must not keep its connection (and the generation) going.
        response = getattr(self, "_response", None)
        if response is not None and not response.is_closed:
            response.close()


class AsyncCompletionStream(AsyncIterator[ModelResponseStream]):
    """The async twin of :class:`CompletionStream` (``async for``, ``aclose()``)."""

    def __init__(
        self, chunks: AsyncIterator[ModelResponseStream], exchanges: list[Exchange], route: str, task: str | None, response: Any = None,
        provider: str | None = None, engine: str | None = None,
    ) -> None:
        self._chunks = chunks
        self._response = response
        self.exchanges = exchanges
        self.route = route
        self.task = task
        self.provider = provider
        self.engine = engine

    async def __anext__(self) -> ModelResponseStream:
        return await self._chunks.__anext__()

    async def aclose(self) -> None:
        try:
            aclose = getattr(self._chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        except RuntimeError:  # "asynchronous generator is already running": close the response below
            pass
        if self._response is not None:
            await self._response.aclose()
            if self.exchanges and self.exchanges[-1].total_time is None:
                self.exchanges[-1].total_time = self.exchanges[-1].elapsed()

    async def __aenter__(self) -> AsyncCompletionStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _sync_chunks(start: StreamStart, call: Call, exchanges: list[Exchange]) -> Iterator[ModelResponseStream]:
    import httpx

    reader = StreamReader(start.reply, start.state, exchanges, call.settings)
    response = start.reply.stream
    try:
        for raw in response.iter_bytes():
            yield from reader.feed(raw)
            if reader.done:
                break
        yield from reader.end()
    except httpx.HTTPError as error:
        raise _transport.stream_failure(error, reader.exchange, exchanges, call.settings, call.timeout) from None
    finally:
        reader.closed()
        response.close()


async def _async_chunks(start: StreamStart, call: Call, exchanges: list[Exchange]) -> AsyncIterator[ModelResponseStream]:
    import httpx

    reader = StreamReader(start.reply, start.state, exchanges, call.settings)
    response = start.reply.stream
    try:
        async for raw in response.aiter_bytes():
            for chunk in reader.feed(raw):
                yield chunk
            if reader.done:
                break
        for chunk in reader.end():
            yield chunk
    except httpx.HTTPError as error:
        raise _transport.stream_failure(error, reader.exchange, exchanges, call.settings, call.timeout) from None
    finally:
        reader.closed()
        await response.aclose()


async def _aiter(items: list[ModelResponseStream]) -> AsyncIterator[ModelResponseStream]:
    for item in items:
        yield item


def _run(steps: Generator[Any, Any, Any], settings: Settings, timeout: float | None, exchanges: list[Exchange]) -> Any:
    """Drive a plan with blocking I/O; returns what the plan returns."""
    result: Any = None
    while True:
        try:
            action = steps.send(result)
        except StopIteration as done:
            return done.value
        if isinstance(action, Send):
            try:
                result = _transport.send(action.request, settings, exchanges, action.timeout or timeout)
            except APIConnectionError:
                if not action.optional:
                    raise
                result = None
        else:
            time.sleep(action.seconds)
            result = None


async def _arun(steps: Generator[Any, Any, Any], settings: Settings, timeout: float | None, exchanges: list[Exchange]) -> Any:
    """Drive a plan with awaits."""
    import asyncio

    result: Any = None
    while True:
        try:
            action = steps.send(result)
        except StopIteration as done:
            return done.value
        if isinstance(action, Send):
            try:
                result = await _transport.asend(action.request, settings, exchanges, action.timeout or timeout)
            except APIConnectionError:
                if not action.optional:
                    raise
                result = None
        else:
            await asyncio.sleep(action.seconds)
            result = None


@dataclass(frozen=True)
class RouteInfo:
    """What :func:`resolve_route` learnt: the wire format a call would use, and why."""

    route: str
    """"chat", "text-generation", "question-answering", "summarization", ..."""
    task: str | None
    """The model's pipeline tag, when known."""
    source: str | None
    """Where it came from: "hub", "endpoint /info", "endpoint /v1/models", "task=", or None when unknown."""
    exchanges: list[Exchange]
    router: bool = False
    """True when the call goes to the Inference Providers router."""
    engine: str | None = None
    """A dedicated endpoint's server ("tgi", "vllm", "sglang", "llamacpp", ...), when known."""
    url: str | None = None
    """Where the generation request goes."""
    served_model: str | None = None
    """The model a dedicated endpoint says it serves (``/info`` ``model_id``, or ``/v1/models``)."""
    engine_version: str | None = None


def _route_steps(model: str, api_base: str | None, api_key: str | bool | None, task: str | None) -> tuple[Any, Settings]:
    settings = Settings.from_env()
    token = resolve_token(api_key, settings)
    name, hf_inference = _parse_model(model, dedicated=bool(api_base))
    target = Target.resolve(name, api_base, settings)
    return choose_route(target, token, task, settings, hf_inference=hf_inference), settings


def _route_info(routing: Routing, exchanges: list[Exchange]) -> RouteInfo:
    found, target = routing.found, routing.target
    url = target.chat_url if routing.route == CHAT else (target.completions_url if target.openai and routing.route == TEXT else target.root_url)
    served = found.served[0] if found is not None and found.served and target.dedicated else None
    return RouteInfo(
        routing.route, routing.task, found.source if found else None, exchanges, router=target.router, engine=routing.engine, url=url,
        served_model=served, engine_version=found.engine_version if found is not None and target.dedicated else None,
    )


def resolve_route(model: str, *, api_base: str | None = None, api_key: str | bool | None = None, task: str | None = None) -> RouteInfo:
    """The route a call to ``model`` would take, learnt as a call learns it (and cached
    the same way), without sending a generation request. Raises :class:`BadRequestError`
    for a task the playground cannot chat with, and connection errors for a dead endpoint."""
    steps, settings = _route_steps(model, api_base, api_key, task)
    exchanges: list[Exchange] = []
    return _route_info(_run(steps, settings, None, exchanges), exchanges)


async def aresolve_route(model: str, *, api_base: str | None = None, api_key: str | bool | None = None, task: str | None = None) -> RouteInfo:
    """The async twin of :func:`resolve_route`."""
    steps, settings = _route_steps(model, api_base, api_key, task)
    exchanges: list[Exchange] = []
    return _route_info(await _arun(steps, settings, None, exchanges), exchanges)


def _doctor_steps(model: str, api_base: str | None, api_key: str | bool | None, task: str | None) -> tuple[Any, Settings, EndpointReport]:
    settings = Settings.from_env()
    token = resolve_token(api_key, settings)
    name, hf_inference = _parse_model(model or "", dedicated=bool(api_base))
    target = _doctor.target_for(name, api_base, settings)
    report = EndpointReport()
    return _doctor.diagnose(target, token, task, settings, report, hf_inference=hf_inference), settings, report


def check_endpoint(
    model: str = "", *, api_base: str | None = None, api_key: str | bool | None = None, task: str | None = None
) -> EndpointReport:
    """Check an endpoint with the least traffic that tells what is wrong (``GET /health``
    and ``/info`` on a dedicated endpoint, the Hub model API for the serverless one, then
    one request for a single token): a report of plain sentences, each "ok", "warn" or
    "fail", with every probe in ``report.exchanges``. Raises :class:`BadRequestError` only
    for inputs that cannot be sent (a malformed URL or token); what the endpoint does is
    reported, never raised."""
    steps, settings, report = _doctor_steps(model, api_base, api_key, task)
    _run(steps, settings, None, report.exchanges)
    return report


async def acheck_endpoint(
    model: str = "", *, api_base: str | None = None, api_key: str | bool | None = None, task: str | None = None
) -> EndpointReport:
    """The async twin of :func:`check_endpoint`."""
    steps, settings, report = _doctor_steps(model, api_base, api_key, task)
    await _arun(steps, settings, None, report.exchanges)
    return report


def list_endpoints(*, api_key: str | bool | None = None) -> list[InferenceEndpoint]:
    """The Inference Endpoints of the token's user and organisations (``GET
    {HF_ENDPOINT}/api/whoami-v2``, then the Endpoints API at ``HF_ENDPOINTS_API_URL``):
    name, state, URL, model, engine. The token (``api_key``, else the usual chain) goes only
    to Hugging Face hosts over https or to this machine. Raises :class:`AuthenticationError`
    without a token or with a refused one, :class:`PermissionDeniedError` for a token that may
    not read endpoints; an organisation the token cannot see is skipped."""
    settings = Settings.from_env()
    exchanges: list[Exchange] = []
    token = resolve_token(api_key, settings)
    return _run(_endpoints.endpoint_listing(settings, token, exchanges), settings, None, exchanges)


async def alist_endpoints(*, api_key: str | bool | None = None) -> list[InferenceEndpoint]:
    """The async twin of :func:`list_endpoints`."""
    settings = Settings.from_env()
    exchanges: list[Exchange] = []
    token = resolve_token(api_key, settings)
    return await _arun(_endpoints.endpoint_listing(settings, token, exchanges), settings, None, exchanges)


def list_models(*, refresh: bool = False) -> list[RouterModel]:
    """The chat models Inference Providers serve (``GET {HF_ROUTER_URL}/v1/models``, sent
    without a token), each with its providers: status, context length, price per million
    tokens, tool and structured-output support. Cached for ten minutes; ``refresh=True``
    asks again. Raises the :class:`APIError` subclass of a refusal or an unreadable reply."""
    settings = Settings.from_env()
    exchanges: list[Exchange] = []
    return _run(_catalog.catalogue(settings, exchanges, refresh=refresh), settings, None, exchanges)


async def alist_models(*, refresh: bool = False) -> list[RouterModel]:
    """The async twin of :func:`list_models`."""
    settings = Settings.from_env()
    exchanges: list[Exchange] = []
    return await _arun(_catalog.catalogue(settings, exchanges, refresh=refresh), settings, None, exchanges)


def completion(
    model: str,
    messages: list[dict[str, Any]],
    *,
    api_base: str | None = None,
    api_key: str | bool | None = None,
    custom_llm_provider: str | None = None,
    task: str | None = None,
    context: str | None = None,
    stream: bool = False,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
    presence_penalty: float | None = None,
    frequency_penalty: float | None = None,
    timeout: float | None = None,
    wait_for_model: float | bool | None = None,
    on_wait: Callable[[LoadingStatus], None] | None = None,
    bill_to: str | None = None,
    **kwargs: Any,
) -> ModelResponse | CompletionStream:
    """Send OpenAI-format chat ``messages`` to a Hugging Face model; get an OpenAI answer.

    Where it goes: on the default endpoint, a chat model that Inference Providers serve (or
    any ``model:<provider>`` / ``model:fastest|cheapest|preferred``) goes to the router
    (``HF_ROUTER_URL``) and other models to the hf-inference task API
    (``HF_INFERENCE_ENDPOINT``); with ``api_base``, the dedicated endpoint there, whatever
    its engine (TGI, vLLM, SGLang, llama.cpp). ``bill_to="org"`` bills Inference Providers
    calls to an organisation. The token: ``api_key``, else
    ``playground.huggingface_key``, ``HF_TOKEN``, ``HUGGINGFACE_API_KEY``, the saved login;
    ``api_key=False`` sends none.

    How: the wire format follows the model's task (from the Hub, or the endpoint's
    ``/info``), or ``task=`` ("conversational", "text-generation", "question-answering",
    "summarization", "translation", "text2text-generation", "text-classification").
    Chat models get ``/v1/chat/completions``; a model without a chat template falls back
    to text generation. Question answering takes ``context=`` or the system message.
    HF-only parameters (``top_k``, ``repetition_penalty``, ``do_sample``, ...) go to the
    text-generation route. A loading model is waited for, up to ``wait_for_model``
    seconds (default 120, ``False`` for no wait), calling ``on_wait`` each second.

    Returns a :class:`ModelResponse` (``.exchanges`` holds the raw HTTP exchanges), or
    with ``stream=True`` a :class:`CompletionStream` of chunks. HTTP errors raise here,
    before the first chunk; an error event mid-stream raises during iteration.

    Raises :class:`BadRequestError` for inputs refused before sending, and the other
    :class:`APIError` subclasses for what the endpoint answers (see ``playground.errors``).
    """
    call = _call_from(dict(locals()))
    exchanges: list[Exchange] = []
    outcome = _run(plan(call, exchanges), call.settings, call.timeout, exchanges)
    if isinstance(outcome, StreamStart):
        return CompletionStream(
            _sync_chunks(outcome, call, exchanges), exchanges, outcome.route, outcome.task, outcome.reply.stream, outcome.provider, outcome.engine
        )
    if call.stream:
        return CompletionStream(iter(chunks_of(outcome)), exchanges, outcome.route, outcome.task, provider=outcome.provider, engine=outcome.engine)
    return outcome


async def acompletion(
    model: str,
    messages: list[dict[str, Any]],
    *,
    api_base: str | None = None,
    api_key: str | bool | None = None,
    custom_llm_provider: str | None = None,
    task: str | None = None,
    context: str | None = None,
    stream: bool = False,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
    presence_penalty: float | None = None,
    frequency_penalty: float | None = None,
    timeout: float | None = None,
    wait_for_model: float | bool | None = None,
    on_wait: Callable[[LoadingStatus], None] | None = None,
    bill_to: str | None = None,
    **kwargs: Any,
) -> ModelResponse | AsyncCompletionStream:
    """The async twin of :func:`completion`: same arguments, same answers and errors;
    with ``stream=True`` an :class:`AsyncCompletionStream` for ``async for``."""
    call = _call_from(dict(locals()))
    exchanges: list[Exchange] = []
    outcome = await _arun(plan(call, exchanges), call.settings, call.timeout, exchanges)
    if isinstance(outcome, StreamStart):
        return AsyncCompletionStream(
            _async_chunks(outcome, call, exchanges), exchanges, outcome.route, outcome.task, outcome.reply.stream, outcome.provider, outcome.engine
        )
    if call.stream:
        return AsyncCompletionStream(_aiter(chunks_of(outcome)), exchanges, outcome.route, outcome.task, provider=outcome.provider, engine=outcome.engine)
    return outcome
