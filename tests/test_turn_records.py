"""What the session export keeps of each turn: who asked what on which endpoint, the reply,
its status, the route, the figures and the exchanges; and, past the last turns kept in
full, that older turns keep their text but drop their exchanges."""

import json

from playground import Exchange
from playground_ui.session import MAX_LOGGED_TURNS, export_json, log_turns, turn_record
from playground_ui.turn import TurnInputs, TurnUpdate
from playground_ui.views import CallShape, Figures

TOKEN = "hf_test_not_a_real_token_0001"
INPUTS = TurnInputs(endpoint="private", model="my/model", api_base="https://xyz.endpoints.example", token=TOKEN)
SENT = Exchange("chat", "POST", "https://xyz.endpoints.example/v1/chat/completions", {"authorization": "Bearer hf_***"},
                {"messages": [{"role": "user", "content": "Hi"}]}, status=200, response_body={"ok": True})
FIGURES = Figures(route="text-generation", time_to_first_token=0.5, total_time=1.5, completion_tokens=10, finish_reason="stop")


def exported_turns(*records) -> list[dict]:
    return json.loads(export_json(INPUTS, [], list(records)))["turns"]


def test_a_finished_turn_is_exported_with_its_side_endpoint_message_reply_status_route_figures_and_exchanges():
    update = TurnUpdate(reply="Hello!", exchanges=[SENT], figures=FIGURES, status="done",
                        call=CallShape(model="my/model", messages=[], route="text-generation"))
    [record] = exported_turns(turn_record("b", INPUTS, "Hi", update))
    assert record == {
        "side": "b",
        "endpoint": {"kind": "private", "model": "my/model", "api_base": "https://xyz.endpoints.example"},
        "user": "Hi",
        "reply": "Hello!",
        "status": "done",
        "error": None,
        "route": "text-generation",
        "figures": {**FIGURES.__dict__, "tokens_per_second": 10.0},
        "exchanges": [json.loads(json.dumps(SENT.to_dict()))],
    }


def test_a_refused_turn_is_exported_with_its_error_and_no_route_figures_or_exchanges():
    [record] = exported_turns(turn_record(None, INPUTS, "Hi", TurnUpdate(reply="", status="refused", error="Type a token.")))
    assert (record["status"], record["error"], record["route"], record["figures"], record["exchanges"]) == ("refused", "Type a token.", None, None, [])


def test_an_exchange_holding_a_value_json_cannot_write_is_kept_as_its_text():
    odd = Exchange("chat", "POST", "https://xyz.endpoints.example/", {}, None, status=200, response_body=b"\x00binary")
    record = turn_record(None, INPUTS, "Hi", TurnUpdate(reply="", exchanges=[odd], status="done"))
    assert record["exchanges"][0]["response"]["body"] == "b'\\x00binary'"


def test_turns_past_the_last_ones_kept_in_full_keep_an_empty_list_of_exchanges_and_say_they_were_dropped():
    record = turn_record(None, INPUTS, "Hi", TurnUpdate(reply="Hello!", exchanges=[SENT], status="done"))
    log = log_turns([], *[json.loads(json.dumps(record)) for _ in range(MAX_LOGGED_TURNS + 1)])
    oldest, *kept = exported_turns(*log)
    assert oldest["exchanges"] == [] and oldest["exchanges_dropped"] is True and oldest["reply"] == "Hello!"
    assert all(r["exchanges"] and "exchanges_dropped" not in r for r in kept)
