"""The app's one public API, ``/chat``: a turn for scripts (gradio_client), streamed."""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from .chat_pane import display
from .providers import AUTO
from .settings import AppSettings
from .settings_panel import PRESETS
from .turn import DEFAULT, TurnInputs, TurnUpdate, run_turn
from .views import Figures
from .visitors import visitor_of


def details(update: TurnUpdate, *, with_exchanges: bool = True) -> dict[str, Any]:
    figures: Figures | None = update.figures
    return json.loads(
        json.dumps(
            {
                "status": update.status,
                "error": update.error,
                "route": update.call.route if update.call else None,
                "figures": None if figures is None else figures.to_dict(),
                "provider": figures.provider if figures else None,
                "engine": figures.engine if figures else None,
                "cost": figures.cost if figures else None,
                "exchanges": [exchange.to_dict() for exchange in update.exchanges] if with_exchanges else [],
            },
            default=str,
        )
    )


def chat_api(settings: AppSettings):
    """The ``chat`` function given to ``gr.api`` (its signature is the API's)."""

    async def chat(
        message: str,
        history: list[dict] | None = None,
        endpoint: str = DEFAULT,
        model: str = PRESETS[2],
        api_base: str = "",
        token: str = "",
        context: str = "",
        system_prompt: str = "",
        max_tokens: int = 256,
        temperature: float = 0.7,
        top_p: float = 0.95,
        stop: str = "",
        seed: int | None = None,
        route: str = "auto",
        provider: str = AUTO,
        bill_to: str = "",
        request: gr.Request = None,  # who calls (not part of the API): the budget of turns on a Space owner's token
    ) -> tuple[str, dict]:
        """One chat turn, streamed: yields (reply so far, details). The details hold
        "status" ("done", "error", ...), "error" (a sentence, or null), "route",
        "figures", "provider", "engine", "cost" (USD, an estimate from the provider's prices)
        and "exchanges" (every HTTP exchange of the turn, token redacted). ``history`` is
        the earlier turns as [{"role": ..., "content": ...}]. On the default endpoint,
        ``provider`` is "auto", a policy (fastest, cheapest, preferred) or a provider's
        name, and ``bill_to`` an organisation that pays."""
        inputs = TurnInputs(
            endpoint=endpoint, model=model, api_base=api_base, token=token, context=context, system_prompt=system_prompt,
            max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, seed=seed, route=route,
            provider=provider or AUTO, bill_to=bill_to or "", visitor=visitor_of(request, None).key,
        )
        async for update in run_turn(display(history), message, inputs, settings):
            if update.status == "waiting":
                continue  # nothing to tell a script yet; every update costs Gradio's queue a full round
            # Partial updates carry the reply; the exchanges come once, with the last one
            # (sending every event again with every token would grow as the square of the reply).
            yield update.reply, details(update, with_exchanges=update.finished)

    return chat
