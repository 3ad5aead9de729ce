"""Inference Providers on the page: the model list, the provider picker and a turn's cost.

Pure functions of the library's catalogue (``playground.list_models()``); no Gradio. The
picker's labels start with the provider's (or the policy's) name, so a person, a screen
reader and a browser test can pick one by name.
"""

from __future__ import annotations

import math
from typing import Any

from playground import ProviderOffer, RouterModel

AUTO = "auto"
POLICIES: list[tuple[str, str]] = [
    ("auto · the router picks (fastest)", AUTO),
    ("fastest · highest throughput", "fastest"),
    ("cheapest · lowest price per output token", "cheapest"),
    ("preferred · your order at hf.co/settings/inference-providers", "preferred"),
]


def offer_label(offer: ProviderOffer) -> str:
    """"novita · live · $0.02 / $0.05 per 1M tokens in / out · 16,384 tokens of context"."""
    parts = [offer.provider, "live" if offer.live else "error: failing the router's health checks" if offer.status == "error" else (offer.status or "status unknown")]
    if offer.input_price is not None and offer.output_price is not None:
        parts.append(f"${offer.input_price:g} / ${offer.output_price:g} per 1M tokens in / out")
    if offer.context_length:
        parts.append(f"{offer.context_length:,} tokens of context")
    return " · ".join(parts)


def provider_choices(model: RouterModel | None) -> list[tuple[str, str]]:
    """The picker's choices: the policies, then each provider that serves the model."""
    return POLICIES + [(offer_label(offer), offer.provider) for offer in (model.providers if model else ())]


def with_provider(model: str, choice: str | None) -> str:
    """The model id to send: ``org/model:<provider or policy>``; "auto" (or a model that
    already has a suffix) is sent as typed."""
    if not choice or choice == AUTO or ":" in model:
        return model
    return f"{model}:{choice}"


def find(models: list[RouterModel], model_id: str) -> RouterModel | None:
    hub_id = model_id.partition(":")[0]
    return next((m for m in models if m.id == hub_id), None)


def turn_cost(usage: Any, offer: ProviderOffer | None) -> float | None:
    """What a turn cost in USD from the provider's prices and the usage, or None when the
    price or the counts are unknown (always an estimate: the page shows it with "≈")."""
    if offer is None or offer.input_price is None or offer.output_price is None or not usage:
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return (prompt * offer.input_price + completion * offer.output_price) / 1_000_000


def dollars(cost: float) -> str:
    """A small amount with two significant digits: "$0.00002", "$0.0013", "$1.25"."""
    if cost >= 0.01:
        return f"${cost:.2f}"
    if cost <= 0:
        return "$0"
    decimals = 1 - math.floor(math.log10(cost))  # two significant digits
    return "$" + f"{cost:.{decimals}f}".rstrip("0").rstrip(".")
