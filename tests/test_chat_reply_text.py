"""What the chat shows in the assistant's bubble while a reply streams, once it ends and
after an error; and the first update a pane renders. Pure: the turn's updates as run_turn
yields them."""

from __future__ import annotations

from playground_ui.chat_pane import Pane, PaneTurn, assistant_text, error_note
from playground_ui.turn import TurnUpdate
from playground_ui.views import Figures

FAILED = "The endpoint is not ready yet (HTTP 503): it is loading, paused or starting from zero; send again in a minute, or press Check endpoint."


def test_an_error_after_some_text_keeps_the_text_and_adds_the_sentence_in_its_red_box():
    update = TurnUpdate(reply="Paris is", status="error", error=FAILED)
    assert assistant_text(update) == f'Paris is\n\n<div class="turn-error" role="alert">\n\n⚠️ {FAILED}\n\n</div>'


def test_an_error_before_any_text_is_the_sentence_alone():
    assert assistant_text(TurnUpdate(reply="", status="error", error=FAILED)) == error_note(FAILED)


def test_a_question_answering_reply_shows_how_sure_the_model_is():
    update = TurnUpdate(reply="Berlin is in Germany.", status="done", figures=Figures(score=0.4567))
    assert assistant_text(update) == "Berlin is in Germany.\n\n*score 0.46*"


def test_a_reply_without_a_score_is_the_text_alone():
    assert assistant_text(TurnUpdate(reply="Hello.", status="done", figures=Figures())) == "Hello."


def test_while_nothing_came_yet_the_bubble_shows_an_ellipsis():
    for status in ("waiting", "loading", "streaming"):
        assert assistant_text(TurnUpdate(reply="", status=status)) == "…"


def test_a_reply_that_ended_empty_says_the_model_returned_no_text():
    assert assistant_text(TurnUpdate(reply="", status="done", figures=Figures())) == "(the model returned no text)"


def test_a_panes_first_streamed_update_shows_the_chat_and_the_views_at_once():
    pane = Pane(chatbot="chat", conversation="convo", metrics="metrics", request="request", response="response")
    turn = PaneTurn(pane, "Hi", [], [])
    out, fresh = turn.render(TurnUpdate(reply="Hel", status="streaming"))
    assert fresh and out["chat"] == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hel"}]
    assert out["metrics"] == "Streaming…"
