"""What the chat shows in the assistant's bubble while a reply streams, once it ends and
after an error; and the first update a pane renders. Pure: the turn's updates as run_turn
yields them."""

from __future__ import annotations

import types

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


def test_before_anything_is_sent_both_wire_views_say_so_and_the_figures_say_what_the_turn_is_doing():
    pane = Pane(chatbot="chat", conversation="convo", metrics="metrics", request="request", response="response")
    turn = PaneTurn(pane, "Hi", [], [])
    out, _ = turn.render(TurnUpdate(reply="", status="waiting"))
    assert (out["request"], out["response"], out["metrics"]) == ("Waiting for the endpoint…", "Waiting for the endpoint…", "Sending…")
    out, _ = turn.render(TurnUpdate(reply="The model is loading", status="loading"))
    assert out["metrics"] == "Waiting for the model to load…"
    out, _ = turn.render(TurnUpdate(reply="Hi", status="done", figures=Figures(route="chat", completion_tokens=8, total_time=1.25)))
    assert out["metrics"] == "**route** chat · **first token** – · **total** 1.25 s · **tokens** 8 · **tokens/s** – · **finish** –"


def test_the_wire_views_follow_a_stream_twice_a_second_and_always_show_its_start_pauses_and_end(monkeypatch):
    """The payload views grow with every event: while a reply streams they are rendered at
    most every half second (the chat at every update); a wait, the first token, a pause in
    the stream and the end always show."""
    from playground import Exchange
    from playground_ui import chat_pane

    clock = iter([0.1, 0.25, 0.45, 0.74, 0.75, 0.8, 0.9])
    # chat_pane's own clock only: the time module itself is shared with every thread of the session
    monkeypatch.setattr(chat_pane, "time", types.SimpleNamespace(monotonic=lambda: next(clock)))
    pane = Pane(chatbot="chat", conversation="convo", metrics="metrics", request="request", response="response")
    turn = PaneTurn(pane, "Hi", [], [])
    sent = [Exchange("chat", "POST", "https://e.example/v1/chat/completions", {}, {"messages": []}, status=200, events=[])]
    views, figures = [], []
    steps = [("waiting", False), ("streaming", False), ("streaming", False), ("streaming", False), ("streaming", False),
             ("streaming", True), ("done", False)]
    for status, paused in steps:
        out, fresh = turn.render(TurnUpdate(reply="Hel" if status != "waiting" else "", exchanges=[] if status == "waiting" else sent,
                                            status=status, paused=paused))
        assert out["chat"][-1]["content"] and fresh == ("request" in out)  # the chat always; the views only when fresh
        views.append(out.get("request"))
        figures.append(out.get("metrics"))
    waiting, first, soon, not_yet, at_half, paused, end = views
    assert waiting == "Waiting for the endpoint…" and figures[0] == "Sending…"  # a wait shows at once
    assert first is not None and "POST https://e.example/v1/chat/completions" in first  # the first token: the request sent
    assert figures[1] == "Streaming…"  # and the figures say so at once
    assert soon is None and not_yet is None  # 0.2 s and 0.49 s after the last render: not yet
    assert at_half is not None  # half a second on, to the tick
    assert paused is not None  # 0.1 s later, but the endpoint paused: what came is worth showing now
    assert end is not None  # and the end always


def test_a_wait_says_which_model_loads_or_that_the_endpoint_starts_with_the_times():
    from playground._flow import LoadingStatus
    from playground_ui.turn import loading_sentence

    assert loading_sentence(LoadingStatus("gpt2", estimated_time=12.4, retry_in=1, waited=3, budget=300)) == (
        "gpt2 is loading on the endpoint: about 12 s left (next check in 1 s; waited 3 s of at most 300 s).")
    assert loading_sentence(LoadingStatus("", estimated_time=12, retry_in=2, waited=0, budget=60)).startswith(
        "The model is loading on the endpoint: about 12 s left")
    assert loading_sentence(LoadingStatus("", estimated_time=2, retry_in=2, waited=5, budget=60, scaling_up=True)) == (
        "The endpoint is starting (scaled to zero or initializing): next check in 2 s; waited 5 s of at most 60 s.")


def test_the_figures_line_word_for_word():
    from playground_ui.views import metrics_markdown

    assert metrics_markdown(None) == "No turn yet: send a message to see its route, timings and tokens."
    served = Figures(route="chat", time_to_first_token=0.25, total_time=2.25, completion_tokens=40, finish_reason="stop",
                     provider="novita", cost=0.0000123)
    assert metrics_markdown(served) == ("**provider** novita · **route** chat · **first token** 250 ms · **total** 2.25 s · "
                                        "**tokens** 40 · **cost** ≈ $0.000012 · **tokens/s** 20.0 · **finish** stop")
    dedicated = Figures(route="chat", time_to_first_token=0.9994, total_time=1.0, completion_tokens=3, estimated=True,
                        finish_reason="length", engine="vLLM")
    assert metrics_markdown(dedicated) == ("**engine** vLLM · **route** chat · **first token** 999 ms · **total** 1.00 s · "
                                           "**tokens** 3 (estimated) · **tokens/s** 5000.0 · **finish** length")
    answered = Figures(route="question-answering", total_time=0.0456, score=0.9731, finish_reason=None, completion_tokens=2)
    assert metrics_markdown(answered) == "**route** question-answering · **total** 46 ms · **score** 0.97 · **finish** –"
    failed = Figures(finish_reason="error")  # nothing came back: no route reached, no token
    assert metrics_markdown(failed) == "**route** – · **first token** – · **total** – · **tokens** – · **tokens/s** – · **finish** error"
    labelled = Figures(route="text-classification", provider="hf-inference", total_time=1.5)
    assert metrics_markdown(labelled) == "**provider** hf-inference · **route** text-classification · **total** 1.50 s · **finish** –"


def test_a_turns_figures_as_data_carry_the_speed():
    figures = Figures(route="chat", time_to_first_token=0.5, total_time=2.5, completion_tokens=10)
    assert figures.to_dict()["tokens_per_second"] == 5.0 and figures.to_dict()["completion_tokens"] == 10
    assert Figures(route="chat", time_to_first_token=1.0, total_time=1.0, completion_tokens=10).tokens_per_second is None  # no time to divide
