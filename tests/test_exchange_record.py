"""The record of each HTTP exchange, as the payload view and the app's API show it: plain data with fixed keys,
optional parts only when there is something to say, honest timings, and bodies read as the server meant them."""

import json
import time

import pytest

import playground
from apprun import free_port
from fakehf import Reply
from playground import completion

TOKEN = "hf_fake_valid_user_token"
CHAT = [{"role": "user", "content": "Hi"}]
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
CHAT_PATH = f"/hf-inference/models/{ZEPHYR}/v1/chat/completions"


def call_zephyr(**kwargs):
    return completion(model=ZEPHYR, messages=CHAT, task="conversational", api_key=TOKEN, **kwargs)


def test_a_plain_exchange_reads_as_request_response_and_timings_with_no_empty_extras(fake):
    exchange = call_zephyr().exchanges[-1]
    shown = exchange.to_dict()
    assert json.loads(json.dumps(shown)) == shown  # plain data
    assert list(shown) == ["purpose", "request", "response", "timings"]  # no note, provider, engine: nothing to say
    assert shown["purpose"] == "chat"
    assert shown["request"] == {"method": "POST", "url": f"{fake.url}{CHAT_PATH}", "headers": exchange.request_headers,
                                "body": {"model": ZEPHYR, "messages": CHAT, "stream": False}}
    assert shown["request"]["headers"]["authorization"] == "Bearer hf_***"
    response = shown["response"]
    assert list(response) == ["status", "headers", "body"]  # no "error": nothing stood in for the reply
    assert response["status"] == 200 and response["headers"]["content-type"] == "application/json"
    assert response["body"]["choices"][0]["message"]["content"].startswith(" Paris")
    assert list(shown["timings"]) == ["started_at", "time_to_first_byte", "time_to_first_token", "total_time"]
    assert abs(shown["timings"]["started_at"] - time.time()) < 60  # wall-clock epoch seconds
    assert repr(exchange) == f"<Exchange chat: POST {fake.url}{CHAT_PATH} -> 200>"


def test_the_record_says_what_the_library_changed_and_which_engine_answered(fake):
    exchange = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), max_tokens=4).exchanges[-1]
    shown = exchange.to_dict()
    assert shown["engine"] == "vLLM 0.11.0"
    assert "'tgi'" in shown["note"] and "llama-3-1-8b-instruct-xyz" in shown["note"]


def test_a_streamed_exchange_shows_its_events_verbatim_and_done_stays_text(fake):
    stream = call_zephyr(stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    exchange = stream.exchanges[-1]
    response = exchange.to_dict()["response"]
    assert "body" not in response and response["events"] == exchange.events and response["events"][-1] == "[DONE]"
    parsed = exchange.parsed_events()
    assert parsed[-1] == "[DONE]" and all(isinstance(event, dict) for event in parsed[:-1])
    assert "".join(event["choices"][0]["delta"]["content"] for event in parsed[:-1]) == text


def test_a_refused_connection_is_recorded_as_the_error_that_stood_in_for_a_reply(fake):
    with pytest.raises(playground.APIConnectionError) as caught:
        completion(model="m", messages=CHAT, api_base=f"http://127.0.0.1:{free_port()}", task="text-generation")
    exchange = caught.value.exchange
    response = exchange.to_dict()["response"]
    assert response["status"] is None and response["error"] == exchange.error and exchange.error
    assert repr(exchange).endswith(f"-> {exchange.error}>") and "-> None>" not in repr(exchange)


def test_timings_are_durations_within_the_call(fake):
    before = time.perf_counter()
    exchange = call_zephyr().exchanges[-1]
    took = time.perf_counter() - before
    assert 0 <= exchange.time_to_first_byte <= exchange.total_time <= took
    before = time.perf_counter()
    stream = call_zephyr(stream=True)
    list(stream)
    took = time.perf_counter() - before
    exchange = stream.exchanges[-1]
    assert 0 <= exchange.time_to_first_byte <= exchange.time_to_first_token <= exchange.total_time <= took


@pytest.mark.parametrize(
    "raw, content_type, body, hf_error",
    [
        (b'"model overloaded"', "application/json", "model overloaded", "model overloaded"),  # JSON, if not an object
        (b'"model overloaded"', "application/problem+json", "model overloaded", "model overloaded"),
        (b"42", "text/plain", "42", "42"),  # text that happens to parse stays text
        (b'\n  {"error": "boom"}', "text/plain", {"error": "boom"}, "boom"),  # an object sent as text is read as one
        (b"  [1, 2]", "text/html", [1, 2], "[1, 2]"),
        (b"{not json", "application/json", "{not json", "{not json"),
        ('{"error": "caf\u00e9 ferm\u00e9"}'.encode(), "text/plain", {"error": "caf\u00e9 ferm\u00e9"}, "caf\u00e9 ferm\u00e9"),
        (b'bad \xff byte', "text/plain", "bad \ufffd byte", "bad \ufffd byte"),
    ],
)
def test_an_error_body_is_read_as_the_server_meant_it(fake, raw, content_type, body, hf_error):
    fake.script(CHAT_PATH, Reply(500, raw, content_type))
    with pytest.raises(playground.InternalServerError) as caught:
        call_zephyr()
    assert caught.value.exchange.response_body == body
    assert caught.value.hf_error == hf_error
