"""What Send does on the page, called as Gradio calls it (tests/pagecalls.py) against the
loopback fake Hugging Face: it waits while a reply still streams, the code view shows the
call in the language chosen, and the task line gains the route the turn really took."""

from __future__ import annotations

import pytest

from pagecalls import Call, PageCalls
from playground_ui import AppSettings, build_app
from playground_ui.chat_events import STILL_RUNNING
from playground_ui.turn import DEFAULT

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
TOKEN = "hf_fake_valid_user_token"  # the fake router knows it
ROUTER_CHAT = "/v1/chat/completions"
QUESTION = "What is the capital of France?"
TASK_LINE = "Chat model on Inference Providers"


@pytest.fixture(scope="module")
def app(fake_server) -> PageCalls:
    return PageCalls(build_app(AppSettings.from_env({
        "HF_INFERENCE_ENDPOINT": fake_server.inference_url, "HF_ENDPOINT": fake_server.url, "HF_ROUTER_URL": fake_server.router_url,
        "HF_ENDPOINTS_API_URL": fake_server.endpoints_api_url,
    })))


@pytest.fixture
def page(app):
    return app.block_fn("on_send").fn.__self__.page


def send(app, page, given: dict) -> Call:
    """Send a question to a chat model on Inference Providers, with a token; ``given``: more inputs."""
    inputs = {page.panel.endpoint: DEFAULT, page.panel.model: MODEL, page.panel.token: TOKEN, page.chat.message: QUESTION, **given}
    return app.call("on_send", inputs)


def test_send_while_a_reply_still_streams_waits_for_it_and_sends_nothing(app, page, fake):
    call = send(app, page, {page.chat.busy: True})
    assert call.warnings == [STILL_RUNNING]
    assert call.outputs == [{}]  # nothing changes on the page
    assert fake.seen(ROUTER_CHAT) == []


def test_the_code_view_shows_the_sent_call_in_the_language_chosen(app, page, fake):
    call = send(app, page, {page.payload.code_choice: "curl"})
    code = call.final(page.payload.code)
    assert code.startswith("curl ") and f"{fake.router_url}{ROUTER_CHAT}" in code


def test_the_task_line_gains_the_route_the_turn_really_took(app, page, fake):
    call = send(app, page, {page.panel.task_base: TASK_LINE})
    assert call.final(page.panel.task_info) == f"{TASK_LINE} · last turn: chat"
