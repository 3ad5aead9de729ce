"""What the page shows as a person switches views: compare mode on and off, the presenter
view and its wire, side B's boxes per endpoint kind, the headline, each pane's title and the
example prompts that fit the model. The page's own handlers, called as Gradio calls them
(tests/pagecalls.py); the page is built once for the module."""

from __future__ import annotations

import gradio as gr
import pytest
from pagecalls import page_calls_fixture, page_parts_fixture  # noqa: F401 (fixtures)

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


def shown(update: dict) -> dict:
    """An update without Gradio's marker: what it changes."""
    return {k: v for k, v in update.items() if k != "__type__"}


# --- Compare side by side ------------------------------------------------------------------------


def test_turning_compare_on_shows_two_panes_that_start_from_the_conversation_so_far(app, ui):
    convo = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    out = app.call("on_compare", {ui.panel.compare: True, ui.chat.chatbot: SHOWN, ui.chat.conversation: convo}).outputs[0]
    assert shown(out[ui.chat.chatbot]) == {"visible": False}  # hidden, its messages left as they are
    assert shown(out[ui.compare.row]) == {"visible": True}
    assert shown(out[ui.payload.column]) == {"visible": False}  # each pane has its own wire
    assert out[ui.compare.a.chatbot] == FLAT and out[ui.compare.b.chatbot] == FLAT
    assert out[ui.compare.b.conversation] == convo  # side B's next turn is sent the conversation so far
    assert out[ui.compare.b.conversation] is not convo


def test_turning_compare_on_before_any_message_starts_two_empty_panes(app, ui):
    out = app.call("on_compare", {ui.panel.compare: True, ui.chat.chatbot: None, ui.chat.conversation: None}).outputs[0]
    assert out[ui.compare.a.chatbot] == [] and out[ui.compare.b.chatbot] == [] and out[ui.compare.b.conversation] == []


def test_turning_compare_off_brings_back_one_chat_with_side_as_messages_and_the_wire(app, ui):
    out = app.call("on_compare", {ui.panel.compare: False, ui.chat.chatbot: [], ui.compare.a.chatbot: SHOWN}).outputs[0]
    assert shown(out[ui.chat.chatbot]) == {"visible": True, "value": FLAT}
    assert shown(out[ui.compare.row]) == {"visible": False}
    assert shown(out[ui.payload.column]) == {"visible": True}
    assert set(out) == {ui.chat.chatbot, ui.compare.row, ui.payload.column}  # the panes keep their chats


@pytest.mark.parametrize("wire_shown", [False, True])
def test_leaving_compare_in_the_presenter_view_keeps_the_wire_as_the_presenter_left_it(app, ui, wire_shown):
    given = {ui.panel.compare: False, ui.compare.a.chatbot: SHOWN, ui.presenter.toggle: True, ui.presenter.wire_shown: wire_shown}
    out = app.call("on_compare", given).outputs[0]
    assert shown(out[ui.payload.column]) == {"visible": wire_shown}
    assert shown(out[ui.chat.chatbot]) == {"visible": True, "value": FLAT}


def test_a_side_with_no_model_says_so_in_its_title_and_its_chat(app, ui, fake):
    b = ui.compare.side_b
    given = {
        ui.panel.compare: True, ui.chat.message: "Hi", ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL, ui.panel.token: TOKEN,
        b.endpoint: DEFAULT, b.model: "", b.api_base: "", b.token: "",  # the box emptied
    }
    call = app.call("on_send", given)
    titles = [u["label"] for u in call.updates(ui.compare.b.chatbot) if isinstance(u, dict)]
    assert titles == ["Side B · no model · Inference Providers"]
    assert "Choose a model first" in call.final(ui.compare.b.chatbot)[-1]["content"]


# --- Side B's boxes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "url_box", "token_label", "token_box"), [
    (DEFAULT, False, "Side B: token (optional)", True),
    (PUBLIC, True, "Side B: token (optional)", True),
    (PRIVATE, True, "Side B: token (required)", True),
    (LOCAL, False, "Side B: token (optional)", False),
])
def test_side_bs_endpoint_kind_shows_the_boxes_it_needs(app, ui, kind, url_box, token_label, token_box):
    call = app.call("on_kind", {ui.compare.side_b.endpoint: kind}, owner=lambda who: isinstance(who, SideB))
    url, token = call.outputs[0]
    assert url == gr.update(visible=url_box)
    assert token == gr.update(label=token_label, visible=token_box)


# --- The presenter view --------------------------------------------------------------------------


def view(app, ui, on: bool, comparing: bool = False) -> dict:
    given = {ui.presenter.toggle: on, ui.panel.compare: comparing, ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL,
             ui.panel.api_base: ""}
    return app.call("on_view", given).outputs[0]


def test_the_presenter_view_folds_the_settings_and_the_wire_away_and_says_what_answers(app, ui):
    out = view(app, ui, True)
    p = ui.presenter
    assert shown(out[ui.sidebar]) == {"open": False}
    assert shown(out[ui.intro]) == {"visible": False}
    assert shown(out[p.headline]) == {"visible": True, "value": f"Talking to **{MODEL}** on Inference Providers"}
    assert shown(out[p.show_wire]) == {"visible": True, "value": SHOW_WIRE}
    assert out[p.wire_shown] is False
    assert shown(out[ui.payload.column]) == {"visible": False}


@pytest.mark.parametrize("comparing", [False, True])
def test_leaving_the_presenter_view_brings_the_full_page_back(app, ui, comparing):
    out = view(app, ui, False, comparing)
    p = ui.presenter
    assert shown(out[ui.sidebar]) == {"open": True}
    assert shown(out[ui.intro]) == {"visible": True}
    assert out[p.headline]["visible"] is False and shown(out[p.show_wire]) == {"visible": False, "value": SHOW_WIRE}
    assert out[p.wire_shown] is False
    assert shown(out[ui.payload.column]) == {"visible": not comparing}  # compare mode has a wire in each pane


def test_the_presenter_view_while_comparing_keeps_the_one_wire_hidden(app, ui):
    assert shown(view(app, ui, True, comparing=True)[ui.payload.column]) == {"visible": False}


def show_wire(app, ui, wire_shown: bool, comparing: bool = False) -> dict:
    return app.call("on_show_wire", {ui.presenter.wire_shown: wire_shown, ui.panel.compare: comparing}).outputs[0]


def test_show_what_was_sent_brings_the_wire_back_and_offers_to_hide_it(app, ui):
    p = ui.presenter
    out = show_wire(app, ui, False)
    assert out[p.wire_shown] is True and shown(out[p.show_wire]) == {"value": HIDE_WIRE}
    assert shown(out[ui.payload.column]) == {"visible": True}
    again = show_wire(app, ui, True)
    assert again[p.wire_shown] is False and shown(again[p.show_wire]) == {"value": SHOW_WIRE}
    assert shown(again[ui.payload.column]) == {"visible": False}


def test_show_what_was_sent_while_comparing_leaves_the_panes_own_wires(app, ui):
    out = show_wire(app, ui, False, comparing=True)
    assert out[ui.presenter.wire_shown] is True and shown(out[ui.payload.column]) == {"visible": False}


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
def test_the_headline_says_what_answers_in_plain_words(app, ui, kind, model, url, line):
    call = app.call("headline", {ui.panel.endpoint: kind, ui.panel.model: model, ui.panel.api_base: url})
    assert call.outputs == [line]
    presenting = app.call("on_view", {
        ui.presenter.toggle: True, ui.panel.compare: False, ui.panel.endpoint: kind, ui.panel.model: model, ui.panel.api_base: url,
    }).outputs[0]
    assert shown(presenting[ui.presenter.headline]) == {"visible": True, "value": line}


# --- Examples that fit the model -----------------------------------------------------------------


@pytest.mark.parametrize(("model", "examples", "context_box"), [
    (MODEL, EXAMPLES, False),
    ("deepset/deberta-v3-large-squad2", TASK_EXAMPLES["question-answering"], True),
    ("gpt2", TASK_EXAMPLES["text-generation"], False),
    ("facebook/bart-large-cnn", TASK_EXAMPLES["summarization"], False),
], ids=["chat", "question answering", "text generation", "summarization"])
def test_the_examples_fit_what_the_model_does(app, ui, fake, model, examples, context_box):
    given = {ui.panel.endpoint: DEFAULT, ui.panel.model: model, ui.panel.api_base: "", ui.panel.token: TOKEN}
    out = app.call("on_target", given).outputs[0]
    # A component returned as an update reaches the browser as its constructor's arguments.
    assert out[ui.chat.examples.dataset].constructor_args["samples"] == [[text] for text in examples]
    assert out[ui.chat.context]["visible"] is context_box
