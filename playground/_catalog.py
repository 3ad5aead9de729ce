"""The Inference Providers catalogue: ``GET {router}/v1/models``, read into plain records.

The router lists every model some provider serves for chat, with each provider's status,
context length, price and abilities. It needs no token, so none is sent. The list is
cached for ten minutes per router URL (``clear_caches()`` or ``refresh=True`` forgets it).
Like the call's plan, :func:`catalogue` never does I/O: the client's drivers run it.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from . import _tasks
from ._exchange import Exchange
from ._flow import Send
from ._mapping import error_from_response, malformed
from ._prepare import prepare_get
from ._settings import Settings


@dataclass(frozen=True)
class ProviderOffer:
    """One provider's offer for a model. Prices are USD per million tokens; None when not given."""

    provider: str
    status: str | None = None
    """"live", or "error" when the router's last health check of it failed."""
    context_length: int | None = None
    input_price: float | None = None
    output_price: float | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None
    throughput: float | None = None
    """Tokens per second."""
    first_token_latency_ms: float | None = None
    is_free: bool | None = None

    @property
    def live(self) -> bool:
        return self.status == "live"


@dataclass(frozen=True)
class RouterModel:
    """A chat model on the router and the providers that serve it."""

    id: str
    providers: tuple[ProviderOffer, ...]
    input_modalities: tuple[str, ...] = ("text",)

    def provider(self, name: str) -> ProviderOffer | None:
        return next((p for p in self.providers if p.provider == name), None)

    @property
    def live_providers(self) -> tuple[ProviderOffer, ...]:
        return tuple(p for p in self.providers if p.live)

    @property
    def context_length(self) -> int | None:
        """The smallest context among the providers: the auto-router may pick any of them."""
        lengths = [p.context_length for p in self.providers if p.context_length]
        return min(lengths) if lengths else None

    @property
    def supports_tools(self) -> bool:
        return any(p.supports_tools for p in self.providers)

    @property
    def vision(self) -> bool:
        return "image" in self.input_modalities


def catalogue(settings: Settings, exchanges: list[Exchange], *, refresh: bool = False) -> Generator[Send, Any, list[RouterModel]]:
    """The router's models; raises the typed error of a refusal, or of a reply that is not a list."""
    if not refresh:
        cached = _tasks.cached_router_models(settings.router_url)
        if cached is not None:
            return cached
    url = f"{settings.router_url}/v1/models"
    reply = yield Send(prepare_get("model list (GET /v1/models)", url, None))
    if not reply.ok:
        raise error_from_response(
            reply.status, reply.headers, reply.body, exchanges=exchanges, model="the model list", url=url,
            dedicated=False, sent_token=False, router=True,
        )
    data = reply.body.get("data") if isinstance(reply.body, dict) else None
    if not isinstance(data, list):
        raise malformed("a model list", reply.body, exchanges=exchanges, model="")
    models = [model for model in (_model(entry) for entry in data) if model is not None]
    _tasks.remember_router_models(settings.router_url, models)
    return models


def _model(entry: Any) -> RouterModel | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    listed = entry.get("providers") if isinstance(entry.get("providers"), list) else []
    offers = tuple(offer for offer in (_offer(p) for p in listed) if offer)
    architecture = entry.get("architecture") if isinstance(entry.get("architecture"), dict) else {}
    modalities = architecture.get("input_modalities")
    return RouterModel(
        id=entry["id"],
        providers=offers,
        input_modalities=tuple(m for m in modalities if isinstance(m, str)) if isinstance(modalities, list) else ("text",),
    )


def _offer(entry: Any) -> ProviderOffer | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("provider"), str):
        return None
    pricing = entry.get("pricing") if isinstance(entry.get("pricing"), dict) else {}
    return ProviderOffer(
        provider=entry["provider"],
        status=_of(entry, "status", str),
        context_length=_of(entry, "context_length", int),
        input_price=_number(pricing.get("input")),
        output_price=_number(pricing.get("output")),
        supports_tools=_of(entry, "supports_tools", bool),
        supports_structured_output=_of(entry, "supports_structured_output", bool),
        throughput=_number(entry.get("throughput")),
        first_token_latency_ms=_number(entry.get("first_token_latency_ms")),
        is_free=_of(entry, "is_free", bool),
    )


def _of(entry: dict[str, Any], key: str, kind: type) -> Any:
    value = entry.get(key)
    if kind is int and isinstance(value, bool):
        return None
    return value if isinstance(value, kind) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
