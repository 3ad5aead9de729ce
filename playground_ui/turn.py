"""One chat turn: the person's settings to a library call, and the call's progress to updates.

No Gradio here: the layout turns :class:`TurnUpdate` objects into component values, and
the ``chat`` API turns them into its reply. The decision of which token to send, if any,
is made here and only here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import playground
from playground import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    Exchange,
    LoadingStatus,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    acompletion,
    alist_models,
    is_huggingface_url,
)

from .local_demo import LOCAL_DEMO
from .netguard import PrivateAddressRefused, check_public_url
from .settings import AppSettings
from .providers import find, turn_cost, with_provider
from .views import CallShape, Figures, route_taken

log = logging.getLogger("playground_ui")

DEFAULT, PUBLIC, PRIVATE, LOCAL = "default", "public", "private", "local"
KINDS = (DEFAULT, PUBLIC, PRIVATE, LOCAL)
OFFLINE_HINT = " No network here? Choose the “Local demo” endpoint to try the playground offline."
SIGN_IN = (
    "This public Space does not pay for visitors' calls: sign in with Hugging Face (the button at the top) to use your own "
    "account, or paste your token (hf_...) in the Token box. The Local demo works without either."
)
TYPE_A_TOKEN = (
    "This public Space does not pay for visitors' calls: paste your Hugging Face token (hf_...) in the Token box. "
    "The Local demo works without one."
)
ROUTE_CHOICES = {"auto": None, "chat": "conversational", "text generation": "text-generation", "question answering": "question-answering"}
UPDATE_INTERVAL = 0.05  # seconds between streamed updates to the browser, for one chat alone
VIEW_INTERVAL = 0.5  # seconds between renders of the payload views while a reply streams (see PaneTurn)
UPDATES_PER_SECOND = 150  # a share of what Gradio's queue sustains on two cores (~600/s), split among the chats streaming at once


class _Streaming:
    """How many replies this process is streaming now (a load figure, not session state):
    Gradio spends CPU on every update it sends, so with many chats at once each one sends
    fewer updates (the first token always goes at once) rather than all of them falling behind."""

    active = 0

    @classmethod
    def interval(cls) -> float:
        return max(UPDATE_INTERVAL, cls.active / UPDATES_PER_SECOND)



@dataclass
class TurnInputs:
    """Everything the person set, as the page holds it."""

    endpoint: str = DEFAULT
    model: str = ""
    api_base: str = ""
    token: str = ""
    context: str = ""
    system_prompt: str = ""
    max_tokens: float | None = 256
    temperature: float | None = 0.7
    top_p: float | None = 0.95
    stop: str = ""
    seed: float | str | None = None
    """A number, or the seed box's text (empty: none)."""
    route: str = "auto"
    provider: str = "auto"
    """Inference Providers: "auto", a policy (fastest, cheapest, preferred) or a provider's name."""
    bill_to: str = ""
    """An organisation that pays for Inference Providers calls (sent as X-HF-Bill-To)."""
    side: str = ""
    """"B" for compare mode's second side, whose boxes are its own."""
    signed_in: str = ""
    """A signed-in visitor's OAuth token ("Sign in with Hugging Face" on a Space): used like
    a typed token, but only toward Hugging Face hosts; never shown, stored or exported."""
    visitor: str = ""
    """Who is calling, for the hourly budget of turns on the owner's token (see visitors.py)."""

    def __repr__(self) -> str:  # the tokens never reach a log line
        return (
            f"TurnInputs(endpoint={self.endpoint!r}, model={self.model!r}, api_base={self.api_base!r}, "
            f"token={'set' if self.token else 'empty'}, signed_in={'yes' if self.signed_in else 'no'})"
        )


class InputProblem(Exception):
    """Something the person must fix before anything can be sent; the message says what."""


@dataclass(frozen=True)
class Endpoint:
    model: str
    api_base: str | None
    api_key: str | bool
    """The token to send, or False for none (the library's own chain is never consulted)."""
    local: bool = False
    """The app's own Local demo endpoint."""
    server: bool = False
    """``api_key`` is the server's own token (on a Space: the owner's, within a visitor's budget)."""

    @property
    def uses_token(self) -> bool:
        return isinstance(self.api_key, str)


def choose_endpoint(inputs: TurnInputs, settings: AppSettings, *, need_token: bool = True) -> Endpoint:
    """Where the turn goes and with which token; :class:`InputProblem` when it cannot go.
    ``need_token=False`` (the doctor) lets a private endpoint go without one, to show its refusal."""
    kind = inputs.endpoint if inputs.endpoint in KINDS else DEFAULT
    model = (inputs.model or "").strip()
    typed = (inputs.token or "").strip()
    if kind == LOCAL:
        return Endpoint(model or "local-demo/canned-chat", LOCAL_DEMO.model_url(model), False, local=True)
    if kind == DEFAULT:
        if not model:
            raise InputProblem("Choose a model first: pick one of the presets or type a model id such as gpt2.")
        model = with_provider(model, inputs.provider)
        # The default endpoint is two hosts (the router and hf-inference): the server's token
        # may go only if both are Hugging Face's.
        url = f"{settings.library.inference_endpoint}/models/{model}"
        if not is_huggingface_url(settings.library.router_url, settings.token_hosts):
            url = settings.library.router_url
        api_base = None
    else:
        api_base = (inputs.api_base or "").strip()
        if not api_base:
            raise InputProblem("Paste the endpoint's URL in the API base URL box (it looks like https://xyz.endpoints.huggingface.cloud).")
        url = api_base
    if typed:
        return Endpoint(model, api_base, typed)
    huggingface = is_huggingface_url(url, settings.token_hosts)
    signed_in = (inputs.signed_in or "").strip()
    # A visitor's sign-in goes only to this app's own services (the router, hf-inference; the
    # Hub): a dedicated endpoint, even on huggingface.cloud, may be anyone's, set by a link.
    if signed_in and settings.is_service(url):
        return Endpoint(model, api_base, signed_in)
    # On a Space the owner's token serves visitors only when the owner says so (it spends their
    # credits), and only on the Default endpoint: a visitor's own endpoint must never receive it.
    server_may_send = settings.server_token and huggingface and (
        not settings.on_space or (settings.visitors_use_server_token and kind == DEFAULT)
    )
    if server_may_send:
        return Endpoint(model, api_base, settings.server_token, server=True)
    if kind == DEFAULT and settings.on_space and need_token:  # a look-up of a public model needs none
        raise InputProblem(SIGN_IN if settings.sign_in else TYPE_A_TOKEN)
    if kind == PRIVATE and need_token:
        raise InputProblem("A private endpoint needs a token: paste a Hugging Face token (hf_...) in the Token box.")
    return Endpoint(model, api_base, False)


BILL_TO_NEEDS_OWN_TOKEN = (
    "“Bill to” works only with your own account here: sign in with Hugging Face or paste your token in the Token box, "
    "or empty “Bill to” (generation settings)."
)


def within_budget(endpoint: Endpoint, visitor: str, settings: AppSettings) -> bool:
    """Counts a call on a Space owner's token for ``visitor``; False when their hour's turns are used up."""
    if not (endpoint.server and settings.on_space):
        return True
    return settings.budget.take(visitor, settings.visitor_turns_per_hour)


def budget_sentence(visitor: str, settings: AppSettings) -> str:
    minutes = settings.budget.minutes_until_next(visitor)
    ways = "sign in with Hugging Face or paste your own token in the Token box" if settings.sign_in else "paste your own token in the Token box"
    turns = settings.visitor_turns_per_hour
    return (
        f"You have used this Space's {turns} turn{'s' * (turns != 1)} an hour on its owner's account "
        f"(the next one in about {minutes} min): {ways} to go on now."
    )


async def prepare_endpoint(inputs: TurnInputs, settings: AppSettings, *, need_token: bool = True) -> Endpoint:
    """:func:`choose_endpoint`, then, on a public deployment, the refusal of URLs that lead
    into the server's own network (the Local demo is the app's own and exempt)."""
    endpoint = choose_endpoint(inputs, settings, need_token=need_token)
    if settings.block_private_urls and endpoint.api_base and not endpoint.local:
        try:
            await check_public_url(endpoint.api_base)
        except PrivateAddressRefused as refused:
            raise InputProblem(str(refused)) from None
    return endpoint


def conversation_messages(conversation: list[dict[str, Any]], message: str, inputs: TurnInputs) -> list[dict[str, Any]]:
    system = (inputs.system_prompt or "").strip()
    head = [{"role": "system", "content": system}] if system else []
    return [*head, *conversation, {"role": "user", "content": message}]


def length_problem(message: str, messages: list[dict[str, Any]], context: str | None, settings: AppSettings) -> str | None:
    """A sentence when the turn would send more text than the server allows, else None."""
    if len(message) > settings.max_message_chars:
        return (
            f"Your message is {len(message):,} characters long; this playground sends at most "
            f"{settings.max_message_chars:,} in one message. Shorten it and send again (your text stays in the chat above to copy from)."
        )
    if context and len(context) > settings.max_message_chars:
        return (
            f"The context is {len(context):,} characters long; this playground sends at most "
            f"{settings.max_message_chars:,}. Shorten it and send again."
        )
    total = sum(len(m["content"]) for m in messages if isinstance(m.get("content"), str)) + len(context or "")
    if total > settings.max_conversation_chars:
        return (
            f"The conversation has grown to {total:,} characters, more than the {settings.max_conversation_chars:,} "
            "this playground sends in one turn. Press Clear to start a new conversation (or shorten the system prompt)."
        )
    return None


def generation_params(inputs: TurnInputs) -> dict[str, Any]:
    """The settings box as OpenAI parameters (blank fields left out)."""
    # Comma-separated, the spaces around each dropped; a typed \n is a new line, and kept
    # ("\n\n", the end of a paragraph, is a common stop: the box's placeholder offers it).
    stops = [text.replace("\\n", "\n") for text in (part.strip(" \t") for part in (inputs.stop or "").split(",")) if text]
    params: dict[str, Any] = {
        "max_tokens": int(inputs.max_tokens) if inputs.max_tokens else None,
        "temperature": float(inputs.temperature) if inputs.temperature is not None else None,
        "top_p": float(inputs.top_p) if inputs.top_p is not None else None,
        "stop": stops or None,
        "seed": _seed(inputs.seed),
    }
    return {k: v for k, v in params.items() if v is not None}


def _seed(value: float | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or number < 0:
        raise InputProblem(f"The seed must be a whole number of 0 or more (or empty for a new one each time), not {str(value)[:40]!r}.")
    return int(number)


@dataclass
class TurnUpdate:
    """The state of a turn, as often as it changes."""

    reply: str
    exchanges: list[Exchange] = field(default_factory=list)
    figures: Figures | None = None
    call: CallShape | None = None
    status: str = "streaming"
    """"waiting", "loading", "streaming", "done", "error" (something failed) or "refused" (nothing sent)."""
    error: str | None = None
    paused: bool = False
    """The endpoint has sent nothing for a while: everything is worth drawing now, the payload views too."""

    @property
    def finished(self) -> bool:
        return self.status in ("done", "error", "refused")

    @property
    def succeeded(self) -> bool:
        return self.status == "done"


def loading_sentence(status: LoadingStatus) -> str:
    if status.scaling_up:
        return (
            f"The endpoint is starting (scaled to zero or initializing): next check in {status.retry_in:.0f} s; "
            f"waited {status.waited:.0f} s of at most {status.budget:.0f} s."
        )
    return (
        f"{status.model or 'The model'} is loading on the endpoint: about {status.estimated_time:.0f} s left "
        f"(next check in {status.retry_in:.0f} s; waited {status.waited:.0f} s of at most {status.budget:.0f} s)."
    )


async def run_turn(
    conversation: list[dict[str, Any]], message: str, inputs: TurnInputs, settings: AppSettings
) -> AsyncIterator[TurnUpdate]:
    """Send the turn and stream its progress. The last update is finished; the turn
    succeeded only if its status is "done". Closing this generator (Stop) closes the
    HTTP stream, which cancels the generation upstream."""
    message = (message or "").strip()
    if not message:
        yield TurnUpdate(reply="", status="refused", error="Type a message first.")
        return
    try:
        endpoint = await prepare_endpoint(inputs, settings)
        params = generation_params(inputs)
    except (InputProblem, ValueError, TypeError) as problem:
        yield TurnUpdate(reply="", status="refused", error=for_side(str(problem), inputs.side))
        return
    if endpoint.server and settings.on_space and (inputs.bill_to or "").strip():
        yield TurnUpdate(reply="", status="refused", error=BILL_TO_NEEDS_OWN_TOKEN)
        return
    messages = conversation_messages(conversation, message, inputs)
    forced = ROUTE_CHOICES.get(inputs.route or "auto")
    context = (inputs.context or "").strip() or None
    too_long = length_problem(message, messages, context, settings)
    if too_long:
        yield TurnUpdate(reply="", status="refused", error=too_long)
        return
    if not within_budget(endpoint, inputs.visitor, settings):
        yield TurnUpdate(reply="", status="refused", error=for_side(budget_sentence(inputs.visitor, settings), inputs.side))
        return
    shape = CallShape(
        model=endpoint.model, messages=messages, api_base=endpoint.api_base, uses_token=endpoint.uses_token,
        task=forced, context=context, params=params,
    )
    loading: asyncio.Queue[LoadingStatus] = asyncio.Queue()
    serverless = endpoint.api_base is None and not endpoint.local
    if serverless:  # Inference Providers: the server's usage (for the cost), and who pays
        params = {**params, "stream_options": {"include_usage": True}}
        if (inputs.bill_to or "").strip():
            params["bill_to"] = inputs.bill_to.strip()
            shape.params = {**shape.params, "bill_to": params["bill_to"]}  # the code view shows who pays
    call = asyncio.ensure_future(
        acompletion(
            model=endpoint.model, messages=messages, api_base=endpoint.api_base, api_key=endpoint.api_key,
            task=forced, context=context, stream=True, on_wait=loading.put_nowait, **params,
        )
    )
    stream = None
    text = ""
    try:
        yield TurnUpdate(reply="", call=shape, status="waiting")
        while not call.done():
            waiter = asyncio.ensure_future(loading.get())
            await asyncio.wait({call, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if waiter.done():
                status = waiter.result()
                yield TurnUpdate(reply=loading_sentence(status), exchanges=list(status.exchanges), call=shape, status="loading")
            else:
                waiter.cancel()
        stream = call.result()
        shape.route = stream.route
        shape.provider = stream.provider
        last_sent = 0.0
        finish, usage = None, None
        # When the endpoint pauses, what came before the pause is shown: the text once the
        # interval is up, and once more when the payload views are next drawn.
        unshown = False  # text came within the interval and waits for the next update
        views_behind = False  # an update went since the views were last sure to be drawn
        ahead: asyncio.Future[Any] | None = None  # the next chunk, being read
        _Streaming.active += 1
        try:
            while True:
                ahead = ahead or asyncio.ensure_future(anext(stream))
                if unshown or views_behind:
                    due = last_sent + (_Streaming.interval() if unshown else VIEW_INTERVAL)
                    await asyncio.wait({ahead}, timeout=max(0.0, due - time.monotonic()))
                    if not ahead.done():
                        paused = not unshown
                        views_behind, unshown = unshown, False
                        last_sent = time.monotonic()
                        yield TurnUpdate(reply=text, exchanges=stream.exchanges, call=shape, paused=paused)
                        continue
                read, ahead = ahead, None
                try:
                    chunk = await read
                except StopAsyncIteration:
                    break
                usage = chunk.get("usage") or usage
                if not chunk.choices:  # a usage-only chunk
                    continue
                choice = chunk.choices[0]
                finish = choice.finish_reason or finish
                piece = choice.delta.get("content") or ""
                if not piece and choice.finish_reason:  # the closing chunk: the last update follows it
                    continue
                text += piece  # (a chunk of reasoning or the role's has none, and still shows that the reply streams)
                now = time.monotonic()
                if now - last_sent < _Streaming.interval():
                    unshown = True
                    continue
                last_sent, unshown, views_behind = now, False, True
                yield TurnUpdate(reply=text, exchanges=stream.exchanges, call=shape)
                # A fast endpoint can keep the stream's buffer full: give the event loop a turn
                # so that the update reaches the browser now, and other chats get their share.
                await asyncio.sleep(0)
        finally:
            _Streaming.active -= 1
            if ahead is not None and not ahead.done():  # closed (Stop) while a chunk was being read
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
        figures = _figures(stream.route, stream.exchanges, usage, finish)
        figures.score = _score(stream.exchanges) if stream.route == "question-answering" else None
        if endpoint.local:
            figures.provider = "Local demo (canned)"
        figures.cost = await _cost(stream.provider, endpoint.model, usage) if shape.router else None
        yield TurnUpdate(reply=text, exchanges=stream.exchanges, call=shape, status="done", figures=figures)
    except APIError as error:
        exchanges = error.exchanges or (stream.exchanges if stream is not None else [])
        figures = None
        if exchanges:
            route = stream.route if stream is not None else route_taken(exchanges)
            figures = _figures(route, exchanges, None, "error")
            if not text:
                figures.time_to_first_token = None  # no token ever came
        sentence = for_side(page_sentence(error, typed=bool((inputs.token or "").strip()), serverless=serverless), inputs.side)
        sentence += OFFLINE_HINT if isinstance(error, APIConnectionError) and not endpoint.local else ""
        # The library's checks of the inputs (a malformed token, a URL with credentials) send nothing.
        status = "refused" if isinstance(error, BadRequestError) and not exchanges and not text else "error"
        yield TurnUpdate(reply=text, exchanges=exchanges, call=shape, status=status, error=sentence, figures=figures)
    except Exception:  # a bug of ours: a sentence for the person, the traceback for the server log
        log.exception("chat turn failed for %r", inputs)
        yield TurnUpdate(
            reply=text, exchanges=stream.exchanges if stream is not None else [], call=shape, status="error",
            error="Something went wrong inside the playground; the server log has the details. Try again, or report it.",
        )
    finally:
        if not call.done():
            call.cancel()
        if stream is not None:
            await stream.aclose()


async def _cost(provider: str | None, model: str, usage: Any) -> float | None:
    """The turn's cost from the router's price list (cached) and the usage; None if unknown."""
    try:
        catalogue = await alist_models()
    except APIError:
        return None
    listed = find(catalogue, model)
    return turn_cost(usage, listed.provider(provider) if listed and provider else None)


SIDE_BOXES = ("Token box", "API base URL box", "Model box")


def for_side(sentence: str, side: str) -> str:
    """A sentence of ours that names a box, pointed at that side's box in compare mode."""
    if not side:
        return sentence
    for box in SIDE_BOXES:
        sentence = sentence.replace(f"the {box}", f"side {side}'s {box}").replace(f"in {box}", f"in side {side}'s {box}")
    return sentence


def page_sentence(error: APIError, *, typed: bool, serverless: bool) -> str:
    """The library's errors in the page's words: each names the box to change (the Token
    box, the Context box, the API base URL box...) where the library names an argument.
    The raw reply stays in the payload view; anything not listed keeps the library's sentence."""
    said = f" (HTTP {error.status_code}: {error.hf_error})" if error.hf_error else (f" (HTTP {error.status_code})" if error.status_code else "")
    gated = "gated" in (error.hf_error or "").lower() or "restricted" in (error.hf_error or "").lower()
    if error.code == "missing_context":
        return "This model answers questions about a passage of text: paste the passage in the Context box, then send again."
    if error.code == "malformed_token":
        return "The token in the Token box has characters a token cannot have (spaces, line breaks): copy it again from your Hugging Face settings."
    if serverless:
        if isinstance(error, PaymentRequiredError):
            return (
                f"Your monthly Inference Providers credits are used up{said}: buy pre-paid credits at "
                "https://huggingface.co/settings/billing or subscribe to PRO, put an organisation that pays in “Bill to” "
                "(generation settings), or type the token of another account in the Token box."
            )
        if isinstance(error, PermissionDeniedError) and not gated:
            return (
                f"The token may not call Inference Providers{said}: give it the “Make calls to Inference Providers” permission "
                "at https://huggingface.co/settings/tokens, or type another token in the Token box."
            )
        if isinstance(error, BadRequestError) and error.code == "model_not_supported":
            return (
                f"No provider you have enabled serves this model{said}: choose another provider in the Provider box, another "
                "model in the Model box, or enable more providers at https://hf.co/settings/inference-providers."
            )
    if isinstance(error, PermissionDeniedError) and gated:
        return f"{error.model or 'This model'} is gated and the token's account has no access{said}: ask for access on the model's page, then send again."
    if isinstance(error, AuthenticationError):
        if typed:
            return f"The token in the Token box was refused{said}: it is wrong, revoked or without access; paste a fresh one from https://huggingface.co/settings/tokens."
        if serverless:
            return f"Inference Providers need a Hugging Face token{said}: type one in the Token box (with the “Make calls to Inference Providers” permission)."
        return f"This endpoint needs a token{said}: type one (hf_...) in the Token box."
    if isinstance(error, ContextWindowExceededError):
        return f"The conversation and the reply asked for are too long for this model{said}: lower “Max new tokens” in the generation settings, or press Clear to start over."
    if isinstance(error, NotFoundError) and error.exchange is not None:
        if serverless:
            return f"No model {error.model!r} is served there{said}: check the Model box, or choose Public or Private endpoint for your own."
        return f"Nothing answers at {error.exchange.url}{said}: check the API base URL box, and that the endpoint is running."
    if isinstance(error, ServiceUnavailableError):
        return f"The endpoint is not ready yet{said}: it is loading, paused or starting from zero; send again in a minute, or press Check endpoint."
    if isinstance(error, RateLimitError):
        wait = f"wait {error.retry_after:.0f} s" if error.retry_after is not None else "wait a minute"
        return f"Too many requests{said}: {wait} and send again" + ("." if typed else ", or type your own token in the Token box.")
    return error.message


def _score(exchanges: list[Exchange]) -> float | None:
    """The score of a question-answering reply, from its raw body."""
    body = exchanges[-1].response_body if exchanges else None
    body = body[0] if isinstance(body, list) and body else body
    score = body.get("score") if isinstance(body, dict) else None
    return float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None


def _figures(route: str | None, exchanges: list[Exchange], usage: Any, finish: str | None) -> Figures:
    timings = playground.timings_of(exchanges)
    return Figures(
        route=route,
        time_to_first_token=timings["time_to_first_token"],
        total_time=timings["total_time"],
        completion_tokens=usage.get("completion_tokens") if usage else None,
        estimated=bool(usage and usage.get("estimated")),
        finish_reason=finish,
        provider=next((e.provider for e in reversed(exchanges) if e.provider), None),
        engine=next((e.engine for e in reversed(exchanges) if e.engine), None),
    )


async def run_side_by_side(**turns: AsyncIterator[TurnUpdate]) -> AsyncIterator[tuple[str, TurnUpdate]]:
    """Run several turns at once and yield ``(name, update)`` as each arrives. A turn that
    fails ends with its own error update and leaves the others running; closing this
    generator (Stop) closes every turn, which closes their HTTP streams."""
    arrivals: asyncio.Queue[tuple[str, TurnUpdate | None]] = asyncio.Queue()

    async def pump(name: str, turn: AsyncIterator[TurnUpdate]) -> None:
        try:
            async for update in turn:
                arrivals.put_nowait((name, update))
        finally:
            arrivals.put_nowait((name, None))

    pumps = [asyncio.ensure_future(pump(name, turn)) for name, turn in turns.items()]
    try:
        running = len(pumps)
        while running:
            name, update = await arrivals.get()
            if update is None:
                running -= 1
            else:
                yield name, update
    finally:
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        for turn in turns.values():
            await turn.aclose()  # type: ignore[attr-defined]


async def until_set(event: asyncio.Event, items: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """``items`` until ``event`` is set, then closes ``items`` (a turn: its HTTP streams) at
    once, even while it waits for a slow server, and ends."""
    stopped = asyncio.ensure_future(event.wait())
    try:
        while not event.is_set():
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait({step, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not step.done():  # Stop came first: what was awaited is cancelled where it waits
                step.cancel()
                await asyncio.gather(step, return_exceptions=True)
                return
            try:
                item = step.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        stopped.cancel()
        await items.aclose()  # type: ignore[attr-defined]
