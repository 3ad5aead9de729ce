"""Compare mode's two sides from the page's boxes (Page.split): side B has its own endpoint,
model, URL and token and shares the rest; both are the same visitor (their sign-in, their
hourly budget); side B's sentences point at side B's boxes. No page is built: split reads
only the values it is given."""

import asyncio
from dataclasses import fields

from playground_ui.page import Page
from playground_ui.settings import AppSettings
from playground_ui.settings_panel import SETTING_FIELDS
from playground_ui.turn import TurnInputs, run_turn
from playground_ui.visitors import Visitor

SIGNED_IN = "hf_test_not_a_real_token_0001"
VISITOR = Visitor("203.0.113.7", SIGNED_IN)
A = dict(endpoint="public", model="meta-llama/Llama-2-7b-hf", api_base="https://a.example", token="hf_test_not_a_real_token_0002",
         context="", system_prompt="Be brief.", max_tokens=64, temperature=0.2, top_p=0.9, stop="###", seed="7", route="chat",
         provider="cheapest", bill_to="my-org")
B_BOXES = ("private", "HuggingFaceH4/zephyr-7b-beta", "https://b.example", "")


def split(who: Visitor = VISITOR) -> tuple[TurnInputs, TurnInputs]:
    page = Page(*(None,) * len(fields(Page)))
    return page.split((*[A[name] for name in SETTING_FIELDS], *B_BOXES), who)


def test_side_b_has_its_own_endpoint_and_shares_the_rest_with_side_a():
    a, b = split()
    assert a == TurnInputs(**A, signed_in=SIGNED_IN, visitor="203.0.113.7")
    own = dict(zip(("endpoint", "model", "api_base", "token"), B_BOXES), provider="auto")  # the provider box is side A's
    assert b == TurnInputs(**{**A, **own}, side="B", signed_in=SIGNED_IN, visitor="203.0.113.7")


def test_side_b_s_refusal_points_at_side_b_s_token_box():
    _, b = split(Visitor("203.0.113.7", ""))

    async def turn():
        return [u async for u in run_turn([], "Hi", b, AppSettings.from_env({}))][-1]

    final = asyncio.run(turn())
    assert final.status == "refused" and "side B's Token box" in final.error
