"""The session file word for word: what an export looks like to a person who opens it, each
sentence an import refuses with, and the edges of what it accepts."""

import json
import re
import time
from datetime import datetime, timezone

import pytest

import playground
from playground_ui.session import MAX_FILE_BYTES, ImportProblem, export_json, read_export, turn_record
from playground_ui.settings import AppSettings
from playground_ui.turn import TurnInputs, TurnUpdate

SETTINGS = AppSettings.from_env({})
CONVO = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
TOKEN_A = "hf_canary_side_a_token_for_file_0123"
TOKEN_B = "hf_canary_side_b_token_for_file_4567"


def inputs(**overrides):
    fields = dict(endpoint="default", model="my/model", api_base="", token=TOKEN_A, system_prompt="", max_tokens=64,
                  temperature=0.2, top_p=0.9, stop="", seed=7, route="auto")
    return TurnInputs(**{**fields, **overrides})


def session(**changes):
    data = json.loads(export_json(inputs(), CONVO, []))
    data.update(changes)
    return data


def load(data):
    return read_export(json.dumps(data).encode(), SETTINGS)


def refusal(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(ImportProblem) as refused:
        read_export(raw, SETTINGS)
    return str(refused.value)


# What an export looks like


def test_an_export_outside_compare_mode_has_no_compare_section_even_with_side_b_filled():
    data = json.loads(export_json(inputs(), CONVO, [], inputs_b=inputs(model="other/model"), conversation_b=CONVO))
    assert "compare" not in data
    assert load(data).compare is None


def test_an_export_says_when_in_utc_and_which_playground_made_it(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a local time would be another day
    time.tzset()
    try:
        data = json.loads(export_json(inputs(), CONVO, []))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["exported_at"])
    written = datetime.strptime(data["exported_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - written).total_seconds()) < 60
    assert data["playground_version"] == playground.__version__


def test_an_export_is_indented_for_people_and_keeps_their_letters():
    text = export_json(inputs(system_prompt="Réponds en français ☕"), [{"role": "user", "content": "Ça va ?"},
                                                                      {"role": "assistant", "content": "Très bien 👍"}], [])
    assert text.startswith('{\n  "format": ')
    assert "Réponds en français ☕" in text and "Très bien 👍" in text  # not \u escapes


def test_side_bs_token_echoed_in_a_turn_is_scrubbed_from_the_export():
    update = TurnUpdate(reply=f"you sent {TOKEN_B}", exchanges=[], status="done")
    record = turn_record("b", inputs(token=TOKEN_B), "Hi", update)
    text = export_json(inputs(), CONVO, [record], compare=True, inputs_b=inputs(token=TOKEN_B), conversation_b=CONVO)
    assert TOKEN_B not in text and TOKEN_A not in text
    assert json.loads(text)["turns"][0]["reply"].startswith("you sent ")


# Every sentence an import refuses with


@pytest.mark.parametrize(
    "changes, sentence",
    [
        (dict(format="something else"), "The file is JSON but not a session exported from this playground: choose a file saved with the Export button."),
        (dict(version="1"), "The file was made by a newer playground (format version '1'); update the playground to load it."),
        (dict(version=True), "The file was made by a newer playground (format version True); update the playground to load it."),
        (dict(endpoint=None), "The file has no endpoint settings; the file may have been edited or cut short."),
        (dict(endpoint={"kind": "k" * 60}), f"The file's endpoint kind {'k' * 40!r} is not one of default, public, private, local."),
        (dict(endpoint={"kind": "default", "model": 3}), "The file's endpoint model is not a short piece of text."),
        (dict(turns=[1, 2]), "The file's \"turns\" is not a list of turns; the file may have been edited or cut short."),
        (dict(compare=["a", "b"]), "The file's \"compare\" section is not readable; the file may have been edited."),
        (dict(compare={"conversation": []}), "The file has no compare endpoint settings; the file may have been edited or cut short."),
        (dict(compare={"endpoint": {"kind": "default"}, "conversation": "Hi"}), "The file's compare conversation is not a list of messages."),
        (dict(generation="hot"), "The file's generation settings are not readable; the file may have been edited."),
        (dict(generation={"seed": "s" * 60}), f"The file's seed is {'s' * 40!r}; it must be a whole number."),
        (dict(generation={"max_tokens": 10**50}), f"The file's max_tokens is {str(10**50)[:40]}; it must be a number from 1 to 4096."),
        (dict(generation={"route": "r" * 60}), f"The file's route {'r' * 40!r} is not one of auto, chat, text generation, question answering."),
        (dict(generation={"system_prompt": 5}), "The file's system prompt is not text."),
        (dict(conversation=None), "The file's conversation is not a list of messages."),
        (dict(conversation=[CONVO[0], CONVO[0]]),
         "Message 2 of the file's conversation is not an assistant message with text; a conversation alternates user and assistant messages."),
    ],
)
def test_each_refusal_reads_as_its_sentence(changes, sentence):
    assert refusal(session(**changes)) == sentence


def test_a_file_over_the_limit_says_its_size():
    assert refusal(b" " * (60 * 1024 * 1024)) == "The file is 60.0 MB; a session export is at most 5 MB."


def test_a_file_of_exactly_the_limit_loads():
    data = session(note="")
    padding = MAX_FILE_BYTES - len(json.dumps(data).encode())
    data["note"] = "x" * padding
    raw = json.dumps(data).encode()
    assert len(raw) == MAX_FILE_BYTES
    assert read_export(raw, SETTINGS).conversation == CONVO


# The edges of what an import accepts


def test_a_file_without_turns_or_optional_endpoint_fields_loads():
    data = session(endpoint={"kind": "public"})
    del data["turns"]
    restored = load(data)
    assert restored.turns == []
    assert restored.endpoint == {"kind": "public", "model": "", "api_base": ""}


def test_a_compare_section_without_a_conversation_loads_with_an_empty_one():
    restored = load(session(compare={"endpoint": {"kind": "default", "model": "b/model"}}))
    assert restored.compare == {"endpoint": {"kind": "default", "model": "b/model", "api_base": ""}, "conversation": []}


def test_an_endpoint_field_of_2000_characters_loads_and_one_more_does_not():
    url = "https://e.example/" + "a" * (2000 - len("https://e.example/"))
    assert load(session(endpoint={"kind": "public", "api_base": url})).endpoint["api_base"] == url
    assert refusal(session(endpoint={"kind": "public", "api_base": url + "a"})) == "The file's endpoint api_base is not a short piece of text."


def test_the_seed_box_text_is_read_as_a_number_and_a_blank_one_is_skipped():
    assert load(session(generation={"seed": " 42 ", "route": "chat"})).generation == {"seed": 42, "route": "chat"}
    assert load(session(generation={"seed": "  ", "route": "chat", "context": "Paris is in France."})).generation == {
        "route": "chat", "context": "Paris is in France."}


@pytest.mark.parametrize("name, low, high", [("max_tokens", 1, 4096), ("temperature", 0, 2), ("top_p", 0.01, 1)])
def test_each_range_includes_both_ends(name, low, high):
    assert load(session(generation={name: low, "stop": "###"})).generation == {name: low, "stop": "###"}
    assert load(session(generation={name: high})).generation == {name: high}


def test_a_conversation_of_several_turns_alternates_from_a_user_message():
    convo = [{"role": "user", "content": f"q{i}"} if i % 2 == 0 else {"role": "assistant", "content": f"a{i}"} for i in range(6)]
    assert load(session(conversation=convo)).conversation == convo


def test_a_conversation_exactly_at_the_size_limit_loads():
    settings = AppSettings.from_env({"PLAYGROUND_MAX_CONVERSATION_CHARS": "10"})
    fits = [{"role": "user", "content": "12345"}, {"role": "assistant", "content": "67890"}]
    assert read_export(json.dumps(session(conversation=fits)).encode(), settings).conversation == fits
    over = [{"role": "user", "content": "12345"}, {"role": "assistant", "content": "678901"}]
    with pytest.raises(ImportProblem) as refused:
        read_export(json.dumps(session(conversation=over)).encode(), settings)
    assert str(refused.value) == "The file's conversation has 11 characters, more than the 10 this playground sends in one turn."
