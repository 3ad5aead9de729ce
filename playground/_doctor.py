"""The endpoint doctor: what is wrong with an endpoint, found with the least traffic.

A dedicated endpoint gets ``GET /health`` and ``GET /info`` (TGI), or where /info does not
exist ``GET /v1/models`` and the engine's version route (vLLM, SGLang, llama.cpp); the
serverless API gets the Hub model API (task, chat template, gated, Inference Providers).
Then one tiny authenticated request (one generated token at most, and a
second only when the first was refused for want of a chat template) tells a missing or
refused token from a wrong URL, a loading model or a route the model lacks.

Like :func:`._flow.plan`, :func:`diagnose` never does I/O: it yields :class:`Send` steps
(all optional, so a connection failure comes back as None with the reason on the
exchange) and the client's drivers run it blocking or async.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from ._errors import BadRequestError
from ._exchange import Exchange
from ._flow import Send, on_openai_engine, openai_engine, route_for_tag, to_router
from ._mapping import error_from_response, is_template_error, read_hf_error
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
from ._tasks import ENGINE_NAMES, OPENAI, ModelTask, parse_provider_mapping

OK, WARN, FAIL = "ok", "warn", "fail"
PROBE_MESSAGES = [{"role": "user", "content": "Hi"}]
PROBE_CONTEXT = "The playground checks that this endpoint answers."
ONE_TOKEN = GenerationParams(max_tokens=1)


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``level`` is "ok" (green), "warn" (amber) or "fail" (red)."""

    level: str
    sentence: str


@dataclass
class EndpointReport:
    """What :func:`check_endpoint` found: plain sentences, the facts learnt, every probe."""

    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    """What the endpoint told about itself: model id, TGI version, token limits, task, gated..."""
    exchanges: list[Exchange] = field(default_factory=list)
    route: str | None = None
    """The wire format a chat would use, when the doctor could tell."""

    @property
    def healthy(self) -> bool:
        return bool(self.findings) and all(f.level != FAIL for f in self.findings)

    @property
    def level(self) -> str:
        levels = {f.level for f in self.findings}
        return FAIL if FAIL in levels else WARN if WARN in levels else OK

    def add(self, level: str, sentence: str) -> None:
        self.findings.append(Finding(level, sentence))


Steps = Generator[Send, Any, None]


def diagnose(target: Target, token: str | None, task: str | None, settings: Settings, report: EndpointReport, *, hf_inference: bool = False) -> Steps:
    """Fill ``report`` with findings; the driver appends each probe's exchange to ``report.exchanges``."""
    forced = None
    if task:
        forced = TASK_TO_ROUTE.get(task)
        if forced is None:
            report.add(FAIL, f"task={task!r} is not one the playground speaks; leave it unset to learn it from the model.")
            return
    if target.dedicated:
        route, target = yield from _dedicated(target, token, forced, settings, report)
    else:
        route, target = yield from _serverless(target, token, forced, settings, report, hf_inference)
    if route is None:
        return
    report.route = route
    yield from _probe(target, token, route, report)


Routed = Generator[Send, Any, tuple[str | None, Target]]


def _dedicated(target: Target, token: str | None, forced: str | None, settings: Settings, report: EndpointReport) -> Routed:
    host = urlsplit(target.root_url).netloc
    reply = yield Send(prepare_get("health check (GET /health)", target.root_url + "/health", token), optional=True, timeout=settings.connect_timeout)
    if reply is None:
        report.add(FAIL, _unreachable(host, report.exchanges[-1]))
        return None, target
    if reply.status in (401, 403):
        report.add(FAIL, _token_sentence(reply.status, token, host, gated_model=None))
        return None, target
    if reply.ok:
        report.add(OK, f"{host} is up: GET /health answered {reply.status}.")
    elif reply.status == 503:
        report.add(WARN, _starting_sentence(reply.body, host))
    elif reply.status in (404, 405):
        report.add(WARN, f"{host} has no /health route (HTTP {reply.status}): the URL may have a path too many.")
    else:
        report.add(WARN, f"GET /health answered HTTP {reply.status}: the endpoint may be unhealthy.")

    reply = yield Send(prepare_info(target, token, purpose="endpoint info (GET /info)"), optional=True, timeout=settings.connect_timeout)
    info = reply.body if reply is not None and reply.ok and isinstance(reply.body, dict) else None
    tag = None
    if info is not None:
        tag = _info_facts(info, target, report)
    elif reply is not None and reply.status in (404, 405):
        engine = yield from _engine_facts(target, token, settings, report)
        if engine is not None:
            return _on_engine(target, engine, forced, report)
        report.add(WARN, "The endpoint has neither /info nor /v1/models, so it is a task container, not a TGI, vLLM, SGLang or llama.cpp server: the playground will send text generation (no chat route).")
    else:
        report.add(WARN, "GET /info did not answer, so the model and its limits are unknown; the test request below still tells whether chat works.")
    if forced:
        return forced, target
    if info is None:
        return (TEXT if reply is not None and reply.status in (404, 405) else CHAT), target
    return _route_for(tag, None, target.model or "This endpoint", report), target


def _engine_facts(target: Target, token: str | None, settings: Settings, report: EndpointReport) -> Generator[Send, Any, ModelTask | None]:
    """An OpenAI-compatible engine's name, version and served model, for the report."""
    reply = yield Send(prepare_models(target, token, purpose="engine look-up (GET /v1/models)"), optional=True, timeout=settings.connect_timeout)
    engine = (yield from openai_engine(target, token, reply)) if reply is not None else None
    if engine is None:
        return None
    name = ENGINE_NAMES.get(engine.engine or "", "An OpenAI-compatible server")
    served = engine.served[0]
    context = _context_length(reply.body)
    report.facts.update({"engine": engine.engine, "version": engine.engine_version, "model_id": served, "served_models": list(engine.served)})
    if context is not None:
        report.facts["max_total_tokens"] = context
    said = f"{name} {engine.engine_version}" if engine.engine_version else name
    if engine.engine == OPENAI:  # "an OpenAI-compatible server" opens the sentence; "vLLM", "llama.cpp" keep their spelling
        said = said[0].upper() + said[1:]
    report.add(OK, f"{said} serves {served}" + (f": at most {_count(context)} tokens in all." if context is not None else "."))
    named = target.model.strip()
    if named and named not in ("tgi", *engine.served):
        report.add(WARN, f"The endpoint serves {served}, not {named}: the playground sends {served} as the model name, and the replies come from it.")
    return engine


def _context_length(body: Any) -> int | None:
    for entry in body.get("data", []) if isinstance(body, dict) else []:
        if isinstance(entry, dict):
            meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
            for value in (entry.get("max_model_len"), entry.get("context_length"), meta.get("n_ctx")):
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
    return None


def _on_engine(target: Target, engine: ModelTask, forced: str | None, report: EndpointReport) -> tuple[str | None, Target]:
    try:
        routing = on_openai_engine(target, engine, forced)
    except BadRequestError as refused:
        report.add(FAIL, str(refused))
        return None, target
    return routing.route, routing.target


def _info_facts(info: dict[str, Any], target: Target, report: EndpointReport) -> str | None:
    model_id = info.get("model_id") if isinstance(info.get("model_id"), str) else None
    tag = info.get("model_pipeline_tag") if isinstance(info.get("model_pipeline_tag"), str) else "text-generation"
    facts = {
        "model_id": model_id,
        "version": info.get("version"),
        "task": tag,
        "max_input_tokens": info.get("max_input_tokens", info.get("max_input_length")),
        "max_total_tokens": info.get("max_total_tokens"),
        "max_stop_sequences": info.get("max_stop_sequences"),
    }
    report.facts.update({k: v for k, v in facts.items() if v is not None})
    limits = [
        f"{_count(facts['max_input_tokens'])} input tokens" if facts["max_input_tokens"] is not None else None,
        f"{_count(facts['max_total_tokens'])} tokens in all" if facts["max_total_tokens"] is not None else None,
        f"{_count(facts['max_stop_sequences'])} stop sequences" if facts["max_stop_sequences"] is not None else None,
    ]
    shown = [item for item in limits if item]
    version = f"TGI {facts['version']}" if facts["version"] else "TGI"
    serves = f"{version} serves {model_id or 'a model'} ({tag})"
    report.add(OK, serves + (f": at most {', '.join(shown)}." if shown else "."))
    named = target.model.strip()
    if model_id and named and named not in ("tgi", model_id) and not model_id.endswith("/" + named) and model_id != "/repository":
        report.add(WARN, f"The endpoint serves {model_id}, not {named}: the replies come from {model_id} whatever the Model box says.")
    return tag


def _serverless(target: Target, token: str | None, forced: str | None, settings: Settings, report: EndpointReport, hf_inference: bool) -> Routed:
    """The route and target a call would take, decided as ``completion()`` decides them."""
    if target.suffix and not hf_inference:
        if forced not in (None, CHAT):
            report.add(FAIL, f"{target.model} names an Inference Provider ({target.suffix}), and providers are reached for chat only: drop the suffix.")
            return None, target
        report.add(OK, f"{target.model} names an Inference Provider or a policy ({target.suffix}): the test request goes to the router.")
        return CHAT, target.on_router(settings)
    route, found, answered = yield from _serverless_route(target, token, forced, settings, report)
    if route is not None and not forced and not hf_inference and to_router(route, found, answered):
        return CHAT, target.on_router(settings)
    return route, target


def _serverless_route(
    target: Target, token: str | None, forced: str | None, settings: Settings, report: EndpointReport
) -> Generator[Send, Any, tuple[str | None, ModelTask | None, bool]]:
    """(route, what the Hub said, whether it answered), reporting what was found."""
    model = target.model
    if settings.hub_offline:
        report.add(WARN, "HF_HUB_OFFLINE is set, so the Hub was not asked about the model; the test request below still tells whether it answers.")
        return forced or CHAT, None, False
    request = prepare_hub_model(settings, model, token, expand=("pipeline_tag", "tags", "gated", "inferenceProviderMapping"), purpose="model look-up (Hub model API)")
    reply = yield Send(request, optional=True, timeout=settings.connect_timeout)
    body = reply.body if reply is not None and reply.ok and isinstance(reply.body, dict) else None
    if reply is None:
        report.add(WARN, f"The Hub did not answer ({report.exchanges[-1].error}), so {model}'s task is unknown.")
        return forced or CHAT, None, False
    if reply.status in (401, 404) and body is None:
        report.add(
            FAIL,
            f"The Hub has no public model called {model}: check the spelling (ids look like owner/name)"
            + (", or paste a token that can see it if it is private." if token is None else " and that your token can see it."),
        )
        return forced, None, reply.status == 404  # the test request still shows what the Inference API says, if a route is forced
    if body is None:
        report.add(WARN, f"The Hub answered HTTP {reply.status} about {model}, so its task is unknown.")
        return forced or CHAT, None, False
    tag = body.get("pipeline_tag") if isinstance(body.get("pipeline_tag"), str) else None
    tags = body.get("tags") if isinstance(body.get("tags"), list) else []
    chat_template = "conversational" in tags
    gated = body.get("gated")
    report.facts.update({"model_id": model, "task": tag, "gated": gated or False, "chat_template": chat_template})
    described = f"{model} is on the Hub: task {tag or 'not set'}" + (", with a chat template." if chat_template else ".")
    report.add(OK, described)
    mapping = parse_provider_mapping(body.get("inferenceProviderMapping"))
    if mapping is not None:
        report.facts["providers"] = [{"provider": p.provider, "status": p.status, "task": p.task} for p in mapping]
        chat = [p for p in mapping if p.task == "conversational"]
        if chat:
            listed = ", ".join(f"{p.provider} ({p.status or 'status unknown'})" for p in chat)
            live = [p for p in chat if p.status == "live"]
            report.add(OK if live else WARN, f"Inference Providers serve it for chat: {listed}." + ("" if live else " None is live now."))
    if gated:
        how = "approved by its authors" if gated == "manual" else "granted when you accept its terms"
        report.add(
            WARN,
            f"{model} is gated (access is {how}): "
            + ("the test request below shows whether your token's account has access." if token else "calls need a token whose account has access."),
        )
    found = ModelTask(pipeline_tag=tag, tags=frozenset(t for t in tags if isinstance(t, str)), providers=mapping)
    if forced:
        return forced, found, True
    return _route_for(tag, chat_template, model, report), found, True


def _route_for(tag: str | None, chat_template: bool | None, model: str, report: EndpointReport) -> str | None:
    route = route_for_tag(tag, chat_template)
    if route is None:
        report.add(FAIL, f"{model} does {tag}, which the playground cannot chat with: choose a text model.")
    return route


def _probe(target: Target, token: str | None, route: str, report: EndpointReport) -> Steps:
    request = _probe_request(target, token, route)
    reply = yield Send(request, optional=True)
    if reply is not None and route == CHAT and not target.router and is_template_error(reply.status, reply.body):
        report.add(WARN, "This model has no chat template; the playground will use text generation.")
        report.route = TEXT
        request = _probe_request(target, token, TEXT)
        reply = yield Send(request, optional=True)
    host = urlsplit(target.root_url).netloc
    if reply is None:
        report.add(FAIL, _unreachable(host, report.exchanges[-1]))
        return
    exchange = report.exchanges[-1]
    if reply.ok:
        took = f" in {exchange.total_time * 1000:.0f} ms" if exchange.total_time is not None else ""
        served = next((v for k, v in reply.headers.items() if k.lower() == "x-inference-provider"), None)
        by = f", served by {served}" if served else ""
        report.add(OK, f"A one-token test request on the {report.route} route answered{took}{by}: the playground can chat with this endpoint.")
        if served:
            report.facts["provider"] = served
        return
    if target.router:  # the router's refusals have sentences of their own (credits, permission, no provider)
        failure = error_from_response(
            reply.status, reply.headers, reply.body, exchanges=report.exchanges, model=target.model, url=exchange.url,
            dedicated=False, sent_token=token is not None, router=True,
        )
        report.add(WARN if reply.status in (429, 503) else FAIL, failure.message)
        return
    error = read_hf_error(reply.body)
    detail = f" ({error.text})" if error.text else ""
    if reply.status in (401, 403):
        gated_model = target.model if _is_gated_refusal(reply.headers, error.text) else None
        report.add(FAIL, _token_sentence(reply.status, token, host, gated_model=gated_model))
    elif reply.status == 404:
        where = f"The Inference API has no model {target.model}" if not target.dedicated else f"Nothing answers at {exchange.url}"
        report.add(FAIL, f"{where} (HTTP 404): check the {'model id' if not target.dedicated else 'URL'}.")
    elif reply.status == 503:
        report.add(WARN, _starting_sentence(reply.body, host))
    elif reply.status == 429:
        report.add(WARN, f"The endpoint is rate limiting requests (HTTP 429){detail}: wait a minute" + (", or paste a token." if token is None else "."))
    elif reply.status in (400, 422):
        report.add(FAIL, f"The endpoint refused the {report.route} request (HTTP {reply.status}){detail}: try another Route in the generation settings.")
    else:
        report.add(FAIL, f"The test request failed with HTTP {reply.status}{detail}: the endpoint is up but could not generate.")


def _probe_request(target: Target, token: str | None, route: str) -> PreparedRequest:
    if route == CHAT:
        request = prepare_chat(target, PROBE_MESSAGES, ONE_TOKEN, token, stream=False)
    elif route == TEXT and target.openai:
        request, _ = prepare_completion(target, PROBE_MESSAGES, ONE_TOKEN, token, stream=False)
    elif route == TEXT:
        request, _ = prepare_text(target, PROBE_MESSAGES, ONE_TOKEN, token, stream=False)
    elif route == QA:
        request = prepare_question_answering(target, PROBE_MESSAGES, PROBE_CONTEXT, token)
    else:
        request = prepare_task(route, target, PROBE_MESSAGES, ONE_TOKEN, token)
    return replace(request, purpose=f"test request ({route}, one token)")


def _unreachable(host: str, exchange: Exchange) -> str:
    reason = exchange.error or "no answer"
    lowered = reason.lower()
    if "timed out" in lowered:
        return f"{host} did not answer in time ({reason}): the endpoint may be paused, busy or behind a firewall."
    if any(s in lowered for s in ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo", "no address associated")):
        return f"The host name {urlsplit(exchange.url).hostname} does not exist (DNS lookup failed): check the URL for typos."
    if "refused" in lowered:
        return f"Nothing is listening at {host} (connection refused): check the URL and port, or whether the endpoint is running."
    return f"Could not reach {host} ({reason}): check the URL and your network connection."


def _token_sentence(status: int, token: str | None, host: str, *, gated_model: str | None) -> str:
    if token is None:
        return f"{host} needs a token (HTTP {status}): paste a Hugging Face token (hf_...) in the Token box."
    if gated_model:
        return (
            f"{gated_model} is gated and your token's account has no access (HTTP {status}): "
            f"ask for access on https://huggingface.co/{gated_model}, then try again."
        )
    if status == 403:
        return (
            f"{host} refused your token (HTTP 403): it is valid but lacks permission; for a fine-grained token, "
            "allow it to make calls to Inference Endpoints or the Inference API."
        )
    return f"{host} refused your token (HTTP 401): it is wrong or revoked; copy a fresh one from your Hugging Face settings."


def _is_gated_refusal(headers: dict[str, str], text: str | None) -> bool:
    code = next((v for k, v in headers.items() if k.lower() == "x-error-code"), "")
    return code == "GatedRepo" or (text is not None and ("restricted" in text.lower() or "gated" in text.lower()))


def _starting_sentence(body: Any, host: str) -> str:
    estimated = read_hf_error(body).estimated_time
    if estimated is not None:
        return (
            f"The model is loading (HTTP 503): about {estimated:.0f} s left. A message sent now waits for it "
            "and the chat shows a countdown."
        )
    return (
        f"{host} is starting up or scaled to zero (HTTP 503): the first message wakes it, which can take a few "
        "minutes; check again shortly."
    )


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def target_for(model: str, api_base: str | None, settings: Settings) -> Target:
    """The target to check; :class:`BadRequestError` for a URL that cannot be called."""
    if not api_base and not model:
        raise BadRequestError("Name a model to check, or give the endpoint's URL.")
    return Target.resolve(model, api_base, settings)
