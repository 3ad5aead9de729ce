"""What the page shows as a person switches views: compare mode on and off, the presenter
view and its wire, side B's boxes per endpoint kind, the headline, each pane's title and the
example prompts that fit the model. The page's own handlers, called as Gradio calls them
(tests/pagecalls.py); the page is built once for the module."""

from __future__ import annotations

import gradio as gr
import pytest

from pagecalls import PageCalls
from playground_ui import AppSettings, build_app
from playground_ui.chat_pane import EXAMPLES, TASK_EXAMPLES
from playground_ui.compare import SideB
from playground_ui.presenter import HIDE_WIRE, SHOW_WIRE
from playground_ui.turn import DEFAULT, LOCAL, PRIVATE, PUBLIC

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
TOKEN = "hf_fake_valid_user_token"


def as_gradio_sends(role: str, text: str) -> dict:
    """A chat message as a handler receives it from the browser (content in parts)."""
    return {"role": role, "metadata": None, "content": [{"type": "text", "text": text}], "options": None}


SHOWN = [as_gradio_sends("user", "Hi"), as_gradio_sends("assistant", "Hello!")]
FLAT = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]


@pytest.fixture(scope="module")
def app(fake_server) -> PageCalls:
    f = fake_server
    return PageCalls(build_app(AppSettings.from_env({
        "HF_INFERENCE_ENDPOINT": f.inference_url, "HF_ENDPOINT": f.url, "HF_ROUTER_URL": f.router_url, "HF_ENDPOINTS_API_URL": f.endpoints_api_url,
    })))


@pytest.fixture
def page(app):
    return app.block_fn("on_retry").fn.__self__.page


def shown(update: dict) -> dict:
    """An update without Gradio's marker: what it changes."""
    return {k: v for k, v in update.items() if k != "__type__"}


# --- Compare side by side ------------------------------------------------------------------------


def test_turning_compare_on_shows_two_panes_that_start_from_the_conversation_so_far(app, page):
    convo = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    out = app.call("on_compare", {page.panel.compare: True, page.chat.chatbot: SHOWN, page.chat.conversation: convo}).outputs[0]
    assert shown(out[page.chat.chatbot]) == {"visible": False}  # hidden, its messages left as they are
    assert shown(out[page.compare.row]) == {"visible": True}
    assert shown(out[page.payload.column]) == {"visible": False}  # each pane has its own wire
    assert out[page.compare.a.chatbot] == FLAT and out[page.compare.b.chatbot] == FLAT
    assert out[page.compare.b.conversation] == convo  # side B's next turn is sent the conversation so far
    assert out[page.compare.b.conversation] is not convo


def test_turning_compare_on_before_any_message_starts_two_empty_panes(app, page):
    out = app.call("on_compare", {page.panel.compare: True, page.chat.chatbot: None, page.chat.conversation: None}).outputs[0]
    assert out[page.compare.a.chatbot] == [] and out[page.compare.b.chatbot] == [] and out[page.compare.b.conversation] == []


def test_turning_compare_off_brings_back_one_chat_with_side_as_messages_and_the_wire(app, page):
    out = app.call("on_compare", {page.panel.compare: False, page.chat.chatbot: [], page.compare.a.chatbot: SHOWN}).outputs[0]
    assert shown(out[page.chat.chatbot]) == {"visible": True, "value": FLAT}
    assert shown(out[page.compare.row]) == {"visible": False}
    assert shown(out[page.payload.column]) == {"visible": True}
    assert set(out) == {page.chat.chatbot, page.compare.row, page.payload.column}  # the panes keep their chats


@pytest.mark.parametrize("wire_shown", [False, True])
def test_leaving_compare_in_the_presenter_view_keeps_the_wire_as_the_presenter_left_it(app, page, wire_shown):
    given = {page.panel.compare: False, page.compare.a.chatbot: SHOWN, page.presenter.toggle: True, page.presenter.wire_shown: wire_shown}
    out = app.call("on_compare", given).outputs[0]
    assert shown(out[page.payload.column]) == {"visible": wire_shown}
    assert shown(out[page.chat.chatbot]) == {"visible": True, "value": FLAT}


def test_a_side_with_no_model_says_so_in_its_title_and_its_chat(app, page, fake):
    b = page.compare.side_b
    given = {
        page.panel.compare: True, page.chat.message: "Hi", page.panel.endpoint: DEFAULT, page.panel.model: MODEL, page.panel.token: TOKEN,
        b.endpoint: DEFAULT, b.model: "", b.api_base: "", b.token: "",  # the box emptied
    }
    call = app.call("on_send", given)
    titles = [u["label"] for u in call.updates(page.compare.b.chatbot) if isinstance(u, dict)]
    assert titles == ["Side B · no model · Inference Providers"]
    assert "Choose a model first" in call.final(page.compare.b.chatbot)[-1]["content"]


# --- Side B's boxes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "url_box", "token_label", "token_box"), [
    (DEFAULT, False, "Side B: token (optional)", True),
    (PUBLIC, True, "Side B: token (optional)", True),
    (PRIVATE, True, "Side B: token (required)", True),
    (LOCAL, False, "Side B: token (optional)", False),
])
def test_side_bs_endpoint_kind_shows_the_boxes_it_needs(app, page, kind, url_box, token_label, token_box):
    call = app.call("on_kind", {page.compare.side_b.endpoint: kind}, owner=lambda who: isinstance(who, SideB))
    url, token = call.outputs[0]
    assert url == gr.update(visible=url_box)
    assert token == gr.update(label=token_label, visible=token_box)


# --- The presenter view --------------------------------------------------------------------------


def view(app, page, on: bool, comparing: bool = False) -> dict:
    given = {page.presenter.toggle: on, page.panel.compare: comparing, page.panel.endpoint: DEFAULT, page.panel.model: MODEL,
             page.panel.api_base: ""}
    return app.call("on_view", given).outputs[0]


def test_the_presenter_view_folds_the_settings_and_the_wire_away_and_says_what_answers(app, page):
    out = view(app, page, True)
    p = page.presenter
    assert shown(out[page.sidebar]) == {"open": False}
    assert shown(out[page.intro]) == {"visible": False}
    assert shown(out[p.headline]) == {"visible": True, "value": f"Talking to **{MODEL}** on Inference Providers"}
    assert shown(out[p.show_wire]) == {"visible": True, "value": SHOW_WIRE}
    assert out[p.wire_shown] is False
    assert shown(out[page.payload.column]) == {"visible": False}


@pytest.mark.parametrize("comparing", [False, True])
def test_leaving_the_presenter_view_brings_the_full_page_back(app, page, comparing):
    out = view(app, page, False, comparing)
    p = page.presenter
    assert shown(out[page.sidebar]) == {"open": True}
    assert shown(out[page.intro]) == {"visible": True}
    assert out[p.headline]["visible"] is False and shown(out[p.show_wire]) == {"visible": False, "value": SHOW_WIRE}
    assert out[p.wire_shown] is False
    assert shown(out[page.payload.column]) == {"visible": not comparing}  # compare mode has a wire in each pane


def test_the_presenter_view_while_comparing_keeps_the_one_wire_hidden(app, page):
    assert shown(view(app, page, True, comparing=True)[page.payload.column]) == {"visible": False}


def show_wire(app, page, wire_shown: bool, comparing: bool = False) -> dict:
    return app.call("on_show_wire", {page.presenter.wire_shown: wire_shown, page.panel.compare: comparing}).outputs[0]


def test_show_what_was_sent_brings_the_wire_back_and_offers_to_hide_it(app, page):
    p = page.presenter
    out = show_wire(app, page, False)
    assert out[p.wire_shown] is True and shown(out[p.show_wire]) == {"value": HIDE_WIRE}
    assert shown(out[page.payload.column]) == {"visible": True}
    again = show_wire(app, page, True)
    assert again[p.wire_shown] is False and shown(again[p.show_wire]) == {"value": SHOW_WIRE}
    assert shown(again[page.payload.column]) == {"visible": False}


def test_show_what_was_sent_while_comparing_leaves_the_panes_own_wires(app, page):
    out = show_wire(app, page, False, comparing=True)
    assert out[page.presenter.wire_shown] is True and shown(out[page.payload.column]) == {"visible": False}


@pytest.mark.parametrize(("kind", "model", "url", "line"), [
    (DEFAULT, MODEL, "", f"Talking to **{MODEL}** on Inference Providers"),
    (LOCAL, "local-demo/canned-chat", "", "Talking to **local-demo/canned-chat** on Local demo"),
    (PUBLIC, " tgi ", "  https://xyz.endpoints.huggingface.cloud/v1/  ", "Talking to **tgi** on xyz.endpoints.huggingface.cloud"),
    (PRIVATE, "  ", "https://abc.us-east-1.aws.endpoints.huggingface.cloud", "Talking to **the endpoint's model** on abc.us-east-1.aws.endpoints.huggingface.cloud"),
    (PUBLIC, None, None, "Talking to **the endpoint's model** on no URL"),
    (PUBLIC, "m", "", "Talking to **m** on no URL"),
    (PUBLIC, "m", "my-endpoint.internal:8080", "Talking to **m** on my-endpoint.internal:8080"),  # no scheme: as typed
    (PUBLIC, "m", "x" * 80, "Talking to **m** on " + "x" * 60),  # a long one cut short
], ids=["providers", "local demo", "host of a URL", "no model", "nothing typed", "no URL", "no scheme", "long"])
def test_the_headline_says_what_answers_in_plain_words(app, page, kind, model, url, line):
    call = app.call("headline", {page.panel.endpoint: kind, page.panel.model: model, page.panel.api_base: url})
    assert call.outputs == [line]
    presenting = app.call("on_view", {
        page.presenter.toggle: True, page.panel.compare: False, page.panel.endpoint: kind, page.panel.model: model, page.panel.api_base: url,
    }).outputs[0]
    assert shown(presenting[page.presenter.headline]) == {"visible": True, "value": line}


# --- Examples that fit the model -----------------------------------------------------------------


@pytest.mark.parametrize(("model", "examples", "context_box"), [
    (MODEL, EXAMPLES, False),
    ("deepset/deberta-v3-large-squad2", TASK_EXAMPLES["question-answering"], True),
    ("gpt2", TASK_EXAMPLES["text-generation"], False),
    ("facebook/bart-large-cnn", TASK_EXAMPLES["summarization"], False),
], ids=["chat", "question answering", "text generation", "summarization"])
def test_the_examples_fit_what_the_model_does(app, page, fake, model, examples, context_box):
    given = {page.panel.endpoint: DEFAULT, page.panel.model: model, page.panel.api_base: "", page.panel.token: TOKEN}
    out = app.call("on_target", given).outputs[0]
    # A component returned as an update reaches the browser as its constructor's arguments.
    assert out[page.chat.examples.dataset].constructor_args["samples"] == [[text] for text in examples]
    assert out[page.chat.context]["visible"] is context_box
