"""The gist of a streamed response in the payload view: how many events arrived and the text
they carry (chat deltas, text-completion pieces, TGI tokens without the special ones)."""

import json

from playground import Exchange
from playground_ui.views import stream_summary


def streamed(*events) -> str:
    data = [event if isinstance(event, str) else json.dumps(event) for event in events]
    return stream_summary(Exchange("chat", "POST", "https://router.example/v1/chat/completions", {}, {}, status=200, events=data))


def test_chat_deltas_are_joined_into_the_text_they_carry():
    assert streamed({"choices": [{"delta": {"content": "Paris "}}]}, {"choices": [{"delta": {"content": "is."}}]}) == (
        "Stream: 2 events; the text they carry: “Paris is.”"
    )


def test_text_completion_pieces_are_joined_into_the_text_they_carry():
    assert streamed({"choices": [{"text": "Paris"}]}, {"choices": [{"text": " is."}]}, "[DONE]") == (
        "Stream: 3 events; the text they carry: “Paris is.”"
    )


def test_tgi_tokens_are_joined_without_the_special_end_of_text_token():
    events = ({"token": {"text": "Paris", "special": False}}, {"token": {"text": "</s>", "special": True}})
    assert streamed(*events) == "Stream: 2 events; the text they carry: “Paris”"


def test_a_single_event_is_counted_in_the_singular():
    assert streamed({"choices": [{"delta": {"content": "Paris"}}]}) == "Stream: 1 event; the text they carry: “Paris”"
    assert streamed("[DONE]") == "Stream: 1 event, no text."


def test_a_stream_without_text_says_so_with_its_event_count():
    assert streamed({"choices": [{"delta": {"role": "assistant"}}]}, "[DONE]") == "Stream: 2 events, no text."
    assert streamed() == "Stream: 0 events, no text."


def test_up_to_300_characters_are_shown_whole_and_longer_text_is_cut_to_299_and_an_ellipsis():
    exactly = "a" * 300
    assert streamed({"choices": [{"text": exactly}]}) == f"Stream: 1 event; the text they carry: “{exactly}”"
    longer = "b" * 299 + "cd"
    assert streamed({"choices": [{"text": longer}]}) == f"Stream: 1 event; the text they carry: “{'b' * 299}…”"
