"""Session export and import, below the page: what the file holds and what an import refuses."""

import json

import pytest

from playground import Exchange
from playground_ui.session import MAX_LOGGED_TURNS, ImportProblem, export_json, log_turns, read_export, turn_record
from playground_ui.settings import AppSettings
from playground_ui.turn import TurnInputs, TurnUpdate

SETTINGS = AppSettings.from_env({})
CANARY = "hf_canary_typed_token_for_export_0123"
CANARY_B = "hf_canary_side_b_token_0123456789"
CONVO = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]


def inputs(**overrides):
    fields = dict(endpoint="private", model="my/model", api_base="https://xyz.endpoints.huggingface.cloud", token=CANARY,
                  system_prompt="Be brief.", max_tokens=64, temperature=0.2, top_p=0.9, stop="###", seed=7, route="chat")
    return TurnInputs(**{**fields, **overrides})


def a_record(reply_body="ok"):
    exchange = Exchange(purpose="chat", method="POST", url="https://xyz.endpoints.huggingface.cloud/v1/chat/completions",
                        request_headers={"authorization": "Bearer hf_***"}, request_body={"messages": CONVO[:1]},
                        status=200, response_body=reply_body)
    return turn_record(None, inputs(), "Hi", TurnUpdate(reply="Hello!", exchanges=[exchange], status="done"))


def test_an_export_round_trips_settings_and_conversation_without_any_token():
    text = export_json(inputs(), CONVO, [a_record(f"the server echoed {CANARY}")], compare=True,
                       inputs_b=inputs(endpoint="default", model="gpt2", api_base="", token=CANARY_B), conversation_b=CONVO)
    assert CANARY not in text and CANARY_B not in text  # not in the settings, and scrubbed from an echoing reply
    data = json.loads(text)
    assert data["endpoint"] == {"kind": "private", "model": "my/model", "api_base": "https://xyz.endpoints.huggingface.cloud"}
    assert data["turns"][0]["exchanges"][0]["request"]["headers"]["authorization"] == "Bearer hf_***"
    restored = read_export(text.encode(), SETTINGS)
    assert restored.endpoint == data["endpoint"] and restored.conversation == CONVO
    assert restored.generation == {"system_prompt": "Be brief.", "max_tokens": 64, "temperature": 0.2, "top_p": 0.9,
                                   "stop": "###", "seed": 7, "route": "chat", "context": ""}
    assert restored.compare == {"endpoint": {"kind": "default", "model": "gpt2", "api_base": ""}, "conversation": CONVO}
    assert len(restored.turns) == 1


def valid(**changes):
    data = json.loads(export_json(inputs(), CONVO, []))
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "raw, says",
    [
        (b"\x89PNG\r\n", "not JSON"),
        (b'{"messages": []}', "not a session exported from this playground"),
        (b"[1, 2]", "not a session exported from this playground"),
        (valid(version=9), "made by a newer playground"),
        (valid(endpoint={"kind": "elsewhere"}), "kind 'elsewhere' is not one of"),
        (valid(conversation=[{"role": "assistant", "content": "Hi"}]), "Message 1 of the file's conversation is not a user message"),
        (valid(conversation=[{"role": "user", "content": "Hi"}]), "ends with a user message that has no reply"),
        (valid(conversation=[{"role": "user", "content": ["a", "list"]}, CONVO[1]]), "is not a user message with text"),
        (valid(generation={"temperature": 99}), "temperature is 99; it must be a number from 0 to 2"),
        (valid(generation={"max_tokens": "lots"}), "max_tokens is lots"),
        (valid(generation={"route": "telepathy"}), "route 'telepathy' is not one of"),
        (valid(turns="all of them"), "is not a list of turns"),
        (valid(conversation=[{"role": "user", "content": "x" * 500_000}, CONVO[1]]), "more than the 400,000 this playground sends"),
        (b" " * (5 * 1024 * 1024 + 1), "a session export is at most 5 MB"),
    ],
)
def test_a_file_that_is_not_a_valid_export_is_refused_with_a_sentence(raw, says):
    with pytest.raises(ImportProblem) as refused:
        read_export(raw, SETTINGS)
    assert says in str(refused.value)
    assert str(refused.value).endswith(".")


def test_a_token_written_into_a_file_is_never_restored():
    data = json.loads(export_json(inputs(), CONVO, []))
    data["endpoint"]["token"] = CANARY
    restored = read_export(json.dumps(data).encode(), SETTINGS)
    assert CANARY not in json.dumps(restored.__dict__)


def test_the_log_keeps_exchanges_of_the_last_turns_only():
    log = []
    for _ in range(MAX_LOGGED_TURNS + 3):
        log = log_turns(log, a_record())
    assert len(log) == MAX_LOGGED_TURNS + 3
    assert [bool(r["exchanges"]) for r in log].count(False) == 3 and all(r.get("exchanges_dropped") for r in log[:3])
