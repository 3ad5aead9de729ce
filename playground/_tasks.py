"""What a model does, learnt once and remembered.

* The Hub model API (``GET /api/models/{id}``: ``pipeline_tag``, ``tags`` and
  ``inferenceProviderMapping``), cached per Hub and model for an hour (a model gains and
  loses providers); a failed look-up is remembered for a minute so that an offline machine
  does not pay a timeout on every call. ``HF_HUB_OFFLINE=1`` skips it. The flow sends it
  through our transport, like /info, so it shows in the exchanges (huggingface_hub's
  ``model_info`` would add a telemetry request of its own).
* TGI's ``GET /info`` for a dedicated endpoint, cached per URL (sent by the flow, so it
  shows in the exchanges).
* What engine serves a dedicated endpoint (TGI from ``/info``; vLLM, SGLang, llama.cpp
  from ``/v1/models``), cached per URL with /info: the same entry.
* The Hub's ``inferenceProviderMapping`` of a model (which Inference Providers serve it,
  for which task), cached with its task: the same look-up.
* The router's model list (``GET {router}/v1/models``), for ten minutes.
* Endpoints whose chat route answered 422 ``template_error``: later calls go straight to
  text generation.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


HUB_FAILURE_TTL = 60.0
HUB_ANSWER_TTL = 3600.0  # providers come and go: the Hub is asked again after an hour
ROUTER_MODELS_TTL = 600.0

# Engines of dedicated endpoints. "openai" is an OpenAI-compatible server we could not name;
# "container" answers neither /info nor /v1/models (an Inference Toolkit or custom container).
TGI, VLLM, SGLANG, LLAMACPP, OPENAI, CONTAINER = "tgi", "vllm", "sglang", "llamacpp", "openai", "container"
ENGINE_NAMES = {
    TGI: "TGI", VLLM: "vLLM", SGLANG: "SGLang", LLAMACPP: "llama.cpp", OPENAI: "an OpenAI-compatible server", CONTAINER: "a task container",
    # Engines the Endpoints API names that the playground does not chat with.
    "tei": "TEI", "toolkit": "Inference Toolkit", "custom": "custom container", "hf-serve": "HF Serve",
}


def engine_name(engine: str) -> str:
    """An engine's name as a person reads it ("vllm" → "vLLM"); an unknown key as it is."""
    return ENGINE_NAMES.get(engine, engine)


@dataclass(frozen=True)
class ProviderMapping:
    """One Inference Provider serving a model, as the Hub's ``inferenceProviderMapping`` says."""

    provider: str
    provider_id: str | None = None
    status: str | None = None
    """"live", "staging" or "error"."""
    task: str | None = None
    """"conversational" for chat; otherwise the pipeline task it serves."""


def parse_provider_mapping(value: object) -> tuple[ProviderMapping, ...] | None:
    """The Hub's mapping in either form (object keyed by provider, or a list); None when absent."""
    if isinstance(value, dict):
        items = [{**entry, "provider": name} for name, entry in value.items() if isinstance(entry, dict)]
    elif isinstance(value, list):
        items = [entry for entry in value if isinstance(entry, dict)]
    else:
        return None

    def text(entry: dict, key: str) -> str | None:
        return entry[key] if isinstance(entry.get(key), str) else None

    return tuple(
        ProviderMapping(entry["provider"], text(entry, "providerId"), text(entry, "status"), text(entry, "task"))
        for entry in items
        if isinstance(entry.get("provider"), str) and entry["provider"]
    )


@dataclass(frozen=True)
class ModelTask:
    """A model's task as the Hub or the endpoint describes it."""

    pipeline_tag: str | None
    tags: frozenset[str] | None = None
    """None when unknown (TGI's /info has no tags)."""
    source: str = "hub"
    providers: tuple[ProviderMapping, ...] | None = None
    """The Hub's provider mapping; None when unknown, empty when no provider serves the model."""
    engine: str | None = None
    """A dedicated endpoint's server: TGI, VLLM, SGLANG, LLAMACPP, OPENAI or CONTAINER."""
    engine_version: str | None = None
    served: tuple[str, ...] = ()
    """The model names an OpenAI-compatible engine serves (``/v1/models`` ids and aliases)."""

    @property
    def chat_providers(self) -> tuple[ProviderMapping, ...]:
        """Providers that serve the model for chat (through the router's ``/v1``)."""
        return tuple(p for p in self.providers or () if p.task == "conversational")

    @property
    def openai_engine(self) -> bool:
        return self.engine in (VLLM, SGLANG, LLAMACPP, OPENAI)

    @property
    def has_chat_template(self) -> bool | None:
        """The Hub tags chat models "conversational"; None when we cannot tell."""
        return None if self.tags is None else "conversational" in self.tags


_lock = threading.Lock()
_hub: dict[tuple[str, str], tuple[float, ModelTask | None, bool]] = {}
_endpoint_info: dict[str, ModelTask | None] = {}
_no_chat_template: set[str] = set()
_router_models: dict[str, tuple[float, list]] = {}


def clear_caches() -> None:
    """Forget every look-up (for tests, and after redeploying an endpoint)."""
    with _lock:
        _hub.clear()
        _endpoint_info.clear()
        _no_chat_template.clear()
        _router_models.clear()


def cached_hub_task(hub: str, model: str) -> tuple[bool, ModelTask | None, bool]:
    """(known, task, answered) for a model on a Hub: ``answered`` is False for a look-up
    that failed (no answer), which is known for a minute only."""
    with _lock:
        cached = _hub.get((hub, model))
    if cached is None or cached[0] <= time.monotonic():
        return False, None, False
    _, task, answered = cached
    return True, task, answered


def remember_hub_task(hub: str, model: str, task: ModelTask | None, *, final: bool) -> None:
    """``final``: the Hub answered (a 404 included), kept for an hour; else a minute."""
    with _lock:
        _hub[(hub, model)] = (time.monotonic() + (HUB_ANSWER_TTL if final else HUB_FAILURE_TTL), task, final)


def cached_endpoint_task(url: str) -> tuple[bool, ModelTask | None]:
    """(known, task) for a dedicated endpoint's URL."""
    with _lock:
        return (url in _endpoint_info, _endpoint_info.get(url))


def remember_endpoint_task(url: str, task: ModelTask | None) -> None:
    with _lock:
        _endpoint_info[url] = task


def lacks_chat_template(url: str) -> bool:
    return url in _no_chat_template


def remember_no_chat_template(url: str) -> None:
    with _lock:
        _no_chat_template.add(url)


def cached_router_models(router: str) -> list | None:
    with _lock:
        cached = _router_models.get(router)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def remember_router_models(router: str, models: list) -> None:
    with _lock:
        _router_models[router] = (time.monotonic() + ROUTER_MODELS_TTL, models)
