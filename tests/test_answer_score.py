"""The score of a question-answering answer, as the figures line under the chat shows it,
whatever shape the server's answer takes (one answer, a list of answers, a score that is
not a number). Turns run against the loopback fake, several in one event loop (fast)."""

import asyncio

from fakehf import Reply
from playground_ui.settings import AppSettings
from playground_ui.turn import TurnInputs, run_turn
from playground_ui.views import metrics_markdown

MODEL = "deepset/deberta-v3-large-squad2"
ANSWERS = f"/hf-inference/models/{MODEL}"
QUESTION = TurnInputs(endpoint="default", model=MODEL, context="The capital of France is Paris.")


def finished_turns(fake, count: int) -> list:
    settings = AppSettings.from_env(
        {"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url})

    async def turns():
        finished = []
        for _ in range(count):
            finished.append([u async for u in run_turn([], "What is the capital of France?", QUESTION, settings)][-1])
        return finished

    return asyncio.run(turns())


def answer(**fields) -> Reply:
    return Reply(200, {"answer": "Paris", "start": 25, "end": 30, **fields})


def test_the_answer_s_score_is_shown_after_the_task_look_up_and_when_the_route_is_remembered(fake):
    fake.script(ANSWERS, answer(score=0.9703), Reply(200, [{"answer": "Paris", "score": 0.81, "start": 25, "end": 30},
                                                           {"answer": "France", "score": 0.1, "start": 19, "end": 25}]))
    looked_up, remembered = finished_turns(fake, 2)
    assert len(looked_up.exchanges) == 2 and len(remembered.exchanges) == 1  # the Hub's look-up, then only the answer
    assert (looked_up.status, looked_up.figures.score) == ("done", 0.9703)
    assert "**score** 0.97" in metrics_markdown(looked_up.figures)
    assert (remembered.status, remembered.figures.score) == ("done", 0.81)  # of the best answer, the first listed
    assert "**score** 0.81" in metrics_markdown(remembered.figures)


def test_a_score_that_is_not_a_number_is_left_out_and_the_answer_still_shown(fake):
    fake.script(ANSWERS, answer(score="high"), answer(score=True), answer())
    turns = finished_turns(fake, 3)
    assert [(t.status, t.reply, t.figures.score) for t in turns] == [("done", "Paris", None)] * 3
    assert all("score" not in metrics_markdown(t.figures) for t in turns)
