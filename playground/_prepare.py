"""Messages and parameters to prepared requests: URLs, headers and JSON bodies, as data.

Nothing here sends anything. The prepared request is exactly what goes on the wire and
what the payload view shows (with the token redacted).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from ._auth import auth_headers, is_huggingface_url
from ._errors import BadRequestError
from ._prompt import PARTS, build_prompt, last_user_text, require_text_only, system_text
from ._settings import Settings

# Routes: the wire formats we speak.
CHAT = "chat"
TEXT = "text-generation"
QA = "question-answering"
TASK_ROUTES = ("text2text-generation", "summarization", "translation", "text-classification")
ROUTES = (CHAT, TEXT, QA, *TASK_ROUTES)

# What ``task=`` accepts, and the route each forces.
TASK_TO_ROUTE = {
    "conversational": CHAT,
    "chat": CHAT,
    "text-generation": TEXT,
    "question-answering": QA,
    **{task: task for task in TASK_ROUTES},
}

# Parameters only the text route understands (TGI's GenerateParameters); passed through.
HF_TEXT_PARAMS = frozenset(
    {
        "top_k",
        "repetition_penalty",
        "do_sample",
        "truncate",
        "typical_p",
        "watermark",
        "best_of",
        "top_n_tokens",
        "decoder_input_details",
        "details",
        "return_full_text",
        "grammar",
        "adapter_id",
        "max_new_tokens",
    }
)
# OpenAI parameters the chat route passes through as given.
CHAT_PASSTHROUGH = frozenset(
    {"tools", "tool_choice", "tool_prompt", "response_format", "logprobs", "top_logprobs", "n", "logit_bias", "stream_options"}
)

USER_AGENT = "hf-endpoint-playground/0.1"


@dataclass(frozen=True)
class PreparedRequest:
    """One HTTP request, ready to send."""

    purpose: str
    method: str
    url: str
    headers: dict[str, str]
    json: Any = None
    stream: bool = False
    note: str | None = None
    """Shown with the exchange: what the library changed and why."""


@dataclass(frozen=True)
class GenerationParams:
    """OpenAI-named generation settings, checked once; mapped per route below."""

    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    hf_params: dict[str, Any] = field(default_factory=dict)
    chat_params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_openai(
        cls,
        *,
        max_tokens: Any = None,
        temperature: Any = None,
        top_p: Any = None,
        stop: Any = None,
        seed: Any = None,
        presence_penalty: Any = None,
        frequency_penalty: Any = None,
        extra: dict[str, Any] | None = None,
    ) -> GenerationParams:
        """Checks values a person could get wrong; raises :class:`BadRequestError` before sending."""
        extra = {k: v for k, v in (extra or {}).items() if v is not None}
        if "max_new_tokens" in extra and max_tokens is None:
            max_tokens = extra.pop("max_new_tokens")
        extra.pop("max_new_tokens", None)
        if max_tokens is not None and (not _is_int(max_tokens) or max_tokens < 1):
            raise BadRequestError(f"max_tokens must be a whole number of at least 1, not {max_tokens!r}.")
        if temperature is not None and (not _is_number(temperature) or temperature < 0):
            raise BadRequestError(f"temperature must be a number of 0 or more (0 means greedy), not {temperature!r}.")
        if top_p is not None and (not _is_number(top_p) or not 0 < top_p <= 1):
            raise BadRequestError(f"top_p must be a number above 0 and at most 1, not {top_p!r}.")
        if seed is not None and (not _is_int(seed) or seed < 0):
            raise BadRequestError(f"seed must be a whole number of 0 or more, not {seed!r}.")
        for name, value in (("presence_penalty", presence_penalty), ("frequency_penalty", frequency_penalty)):
            if value is not None and not _is_number(value):
                raise BadRequestError(f"{name} must be a number, not {value!r}.")
        if stop is None:
            stops: list[str] = []
        elif isinstance(stop, str):
            stops = [stop] if stop else []
        elif isinstance(stop, (list, tuple)) and all(isinstance(s, str) for s in stop):
            stops = [s for s in stop if s]
        else:
            raise BadRequestError(f"stop must be a string or a list of strings, not {stop!r}.")
        return cls(
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            stop=stops,
            seed=seed,
            presence_penalty=presence_penalty,
            frequency_penalty=frequency_penalty,
            hf_params={k: v for k, v in extra.items() if k in HF_TEXT_PARAMS},
            chat_params={k: v for k, v in extra.items() if k in CHAT_PASSTHROUGH},
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None and value != []}


@dataclass(frozen=True)
class Target:
    """Where a model is served: the hf-inference task API, the Inference Providers router,
    or a dedicated endpoint's URL."""

    model: str
    base_url: str
    dedicated: bool
    router: bool = False
    """The Inference Providers router: chat only, at ``{router}/v1/chat/completions``."""
    openai: bool = False
    """A dedicated endpoint on an OpenAI-compatible engine (vLLM, SGLang, llama.cpp):
    text generation goes to ``/v1/completions``, never to TGI's routes."""
    wire_model: str | None = None
    """The ``model`` to send when it differs from ``model`` (the name an engine serves)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Headers every request to this target carries (``X-HF-Bill-To``, ``X-Scale-Up-Timeout``)."""

    @classmethod
    def resolve(cls, model: str, api_base: str | None, settings: Settings, headers: tuple[tuple[str, str], ...] = ()) -> Target:
        if api_base:
            return cls(model=model, base_url=check_endpoint_url(api_base), dedicated=True, headers=headers)
        if not model:
            raise BadRequestError(
                'Name a model, e.g. model="meta-llama/Llama-3.1-8B-Instruct", or give api_base for a dedicated endpoint.'
            )
        hub_id, _, _ = model.partition(":")
        return cls(model=model, base_url=f"{settings.inference_endpoint}/models/{hub_id}", dedicated=False, headers=headers)

    def on_router(self, settings: Settings) -> Target:
        """The same model, sent to the Inference Providers router's OpenAI route."""
        return replace(self, base_url=f"{settings.router_url}/v1", router=True)

    @property
    def hub_id(self) -> str:
        """The model id without a ``:provider`` or ``:policy`` suffix."""
        return self.model.partition(":")[0]

    @property
    def suffix(self) -> str | None:
        """What follows the model id's colon: a provider, or fastest / cheapest / preferred."""
        return self.model.partition(":")[2] or None

    @property
    def pinned_provider(self) -> str | None:
        """The provider the model id's suffix pins, if it names one (not a policy)."""
        return pinned_provider(self.model)

    @cached_property
    def root_url(self) -> str:
        """The URL with any OpenAI-style suffix removed: where text and task payloads go."""
        url = self.base_url
        for suffix in ("/v1/chat/completions", "/chat/completions", "/v1/completions", "/v1"):
            if url.endswith(suffix):
                return url[: -len(suffix)]
        return url

    @property
    def chat_url(self) -> str:
        if self.base_url.endswith("/chat/completions"):
            return self.base_url
        return self.root_url + "/v1/chat/completions"

    @property
    def completions_url(self) -> str:
        return self.root_url + "/v1/completions"

    @property
    def info_url(self) -> str:
        return self.root_url + "/info"


POLICIES = ("fastest", "cheapest", "preferred", "auto")
"""The router's provider-selection policies, written as a model id's ``:suffix``."""


def pinned_provider(model: str) -> str | None:
    """The provider ``org/model:<provider>`` pins; None without a suffix or for a policy."""
    suffix = model.partition(":")[2]
    return suffix if suffix and suffix not in POLICIES else None


def check_endpoint_url(url: str) -> str:
    """An endpoint URL as it will be used, or :class:`BadRequestError` saying what to fix."""
    return _checked_url(url if isinstance(url, str) else "")


@lru_cache(maxsize=256)  # the same URL on every call; a refusal raises, so it is never cached
def _checked_url(url: str) -> str:
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if "@" in parts.netloc:  # checked first so that a password is never echoed back
        raise BadRequestError(
            "The endpoint URL contains a user name or password; remove it and give the token as api_key instead."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequestError(
            f"{cleaned[:200]!r} is not an endpoint URL: give the full http(s) address, "
            "e.g. https://xyz.endpoints.huggingface.cloud."
        )
    if parts.query or parts.fragment:
        raise BadRequestError("The endpoint URL has a ?query or #fragment; give the address without it.")
    return cleaned


def base_headers(token: str | None, *, stream: bool = False, extra: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The one header builder: every request we send starts from this."""
    return {
        "Accept": "text/event-stream" if stream else "application/json",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **dict(extra),
        **auth_headers(token),
    }


def prepare_get(purpose: str, url: str, token: str | None, extra: tuple[tuple[str, str], ...] = ()) -> PreparedRequest:
    """A ``GET`` with the usual headers (no body, so no Content-Type)."""
    headers = {k: v for k, v in base_headers(token, extra=extra).items() if k != "Content-Type"}
    return PreparedRequest(purpose=purpose, method="GET", url=url, headers=headers)


def prepare_info(target: Target, token: str | None, purpose: str = "task look-up (GET /info)") -> PreparedRequest:
    """``GET /info`` on a TGI endpoint: model id and pipeline tag."""
    return prepare_get(purpose, target.info_url, token, target.headers)


def prepare_models(target: Target, token: str | None, purpose: str = "engine look-up (GET /v1/models)") -> PreparedRequest:
    """``GET /v1/models`` on an OpenAI-compatible engine: the names it serves, and who it is."""
    return prepare_get(purpose, target.root_url + "/v1/models", token, target.headers)


def prepare_hub_model(
    settings: Settings, model: str, token: str | None, *, expand: tuple[str, ...] = ("pipeline_tag", "tags", "inferenceProviderMapping"),
    purpose: str = "task look-up (Hub model API)",
) -> PreparedRequest:
    """``GET {hub}/api/models/{id}``, asking only for the ``expand`` fields. The token goes only
    to a Hugging Face host over https (a private model needs it; a mirror must not get it)."""
    sent = token if is_huggingface_url(settings.hub_endpoint) else None
    fields = "&".join(f"expand={name}" for name in expand)
    return prepare_get(purpose, f"{settings.hub_endpoint}/api/models/{model}?{fields}", sent)


def prepare_chat(
    target: Target, messages: list[dict[str, Any]], params: GenerationParams, token: str | None, *, stream: bool
) -> PreparedRequest:
    """``POST .../v1/chat/completions``: the server applies the model's own chat template."""
    messages_sent = {"messages": [_chat_message(m) for m in messages]}
    return _openai_request(target, CHAT, target.chat_url, messages_sent, params, params.chat_params, token, stream)


def prepare_completion(
    target: Target,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    token: str | None,
    *,
    stream: bool,
    purpose: str = TEXT,
) -> tuple[PreparedRequest, str]:
    """``POST .../v1/completions`` (OpenAI text completion) on an OpenAI-compatible engine;
    returns it and the prompt."""
    require_text_only(messages, TEXT)
    prompt = build_prompt(messages, target.model)
    passed = {k: v for k, v in params.chat_params.items() if k in ("stream_options", "logprobs", "n", "logit_bias", "response_format")}
    if isinstance(passed.get("logprobs"), bool):
        passed.pop("logprobs")  # chat's logprobs=True; text completions take a number (top_logprobs)
    return _openai_request(target, purpose, target.completions_url, {"prompt": prompt}, params, passed, token, stream), prompt


def _openai_request(
    target: Target, purpose: str, url: str, payload: dict[str, Any], params: GenerationParams, passed: dict[str, Any],
    token: str | None, stream: bool,
) -> PreparedRequest:
    """The one builder of OpenAI-style bodies. ``model`` comes first: the router reads it
    from the start of the body."""
    body = _drop_none(
        {
            "model": target.wire_model or target.model or "tgi",
            **payload,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": _top_p(params.top_p),
            "stop": params.stop,
            "seed": params.seed,
            "presence_penalty": params.presence_penalty,
            "frequency_penalty": params.frequency_penalty,
            **passed,
        }
    )
    body["stream"] = stream
    return PreparedRequest(
        purpose=purpose, method="POST", url=url, headers=base_headers(token, stream=stream, extra=target.headers), json=body,
        stream=stream, note=_served_note(target),
    )


def _served_note(target: Target) -> str | None:
    if not target.wire_model:
        return None
    if not target.model:
        return f"No model was named; the request names {target.wire_model!r}, the model the endpoint serves."
    return f"The endpoint does not serve the model {target.model!r}; the request names {target.wire_model!r}, the model it serves."


def _chat_message(message: dict[str, Any]) -> dict[str, Any]:
    keep = ("role", "content", "name", "tool_calls", "tool_call_id")
    sent = {key: message[key] for key in keep if key in message and message[key] is not None}
    if PARTS in message:
        sent["content"] = message[PARTS]
    return sent


def _top_p(top_p: float | None) -> float | None:
    # TGI refuses top_p == 1.0 (it wants 0 < top_p < 1); 1.0 means "no nucleus filter" anyway.
    return None if top_p is None or top_p >= 1.0 else top_p


def text_parameters(params: GenerationParams) -> dict[str, Any]:
    """OpenAI names mapped to TGI's ``GenerateParameters``."""
    temperature = params.temperature
    sampling: dict[str, Any] = {}
    if temperature == 0:
        # TGI wants temperature > 0; OpenAI's 0 means greedy decoding.
        temperature, sampling = None, {"do_sample": False}
    return _drop_none(
        {
            "max_new_tokens": params.max_tokens,
            "temperature": temperature,
            "top_p": _top_p(params.top_p),
            "stop": params.stop,
            "seed": params.seed,
            "frequency_penalty": params.frequency_penalty,
            "return_full_text": False,
            "details": True,
            **sampling,
            **params.hf_params,
        }
    )


def prepare_text(
    target: Target,
    messages: list[dict[str, Any]],
    params: GenerationParams,
    token: str | None,
    *,
    stream: bool,
    purpose: str = TEXT,
    drop_params: frozenset[str] = frozenset(),
) -> tuple[PreparedRequest, str]:
    """``POST {url}`` with ``{"inputs": prompt, "parameters": ...}``; returns it and the prompt."""
    require_text_only(messages, TEXT)
    prompt = build_prompt(messages, target.model)
    parameters = {k: v for k, v in text_parameters(params).items() if k not in drop_params}
    body = {"inputs": prompt, "parameters": parameters, "stream": stream}
    request = PreparedRequest(
        purpose=purpose, method="POST", url=target.root_url, headers=base_headers(token, stream=stream, extra=target.headers),
        json=body, stream=stream,
    )
    return request, prompt


def prepare_question_answering(
    target: Target, messages: list[dict[str, Any]], context: str | None, token: str | None
) -> PreparedRequest:
    """``{"inputs": {"question": ..., "context": ...}}``; the question is the last user
    message, the context ``context=`` or else the system message."""
    question = last_user_text(messages).strip()
    passage = (context if context is not None else system_text(messages)).strip()
    if not passage:
        raise BadRequestError(
            f"{target.model or 'This model'} answers questions about a passage of text, and none was given: "
            "pass it as context=\"...\" or put it in a system message.",
            code="missing_context",
        )
    if not question:
        raise BadRequestError("The last user message is empty; write the question to ask about the context.")
    return PreparedRequest(
        purpose=QA,
        method="POST",
        url=target.root_url,
        headers=base_headers(token, extra=target.headers),
        json={"inputs": {"question": question, "context": passage}},
    )


def prepare_task(
    task: str, target: Target, messages: list[dict[str, Any]], params: GenerationParams, token: str | None
) -> PreparedRequest:
    """Payloads for the other pipeline tasks: the last user message is the input."""
    require_text_only(messages, task)
    body: dict[str, Any] = {"inputs": last_user_text(messages)}
    if task == "text2text-generation":
        parameters = _drop_none(
            {"max_new_tokens": params.max_tokens, "temperature": params.temperature or None, "top_p": _top_p(params.top_p)}
        )
        if parameters:
            body["parameters"] = parameters
    return PreparedRequest(purpose=task, method="POST", url=target.root_url, headers=base_headers(token, extra=target.headers), json=body)
