"""The answer records a user holds: every field as the server meant it, read as attribute or item, dumped as plain data."""

import json
import re
import time

import pytest

from fakehf import Reply
from playground import Exchange, ModelResponse, completion, timings_of

TOKEN = "hf_fake_valid_user_token"
ROUTER = dict(model="meta-llama/Llama-3.1-8B-Instruct:together", api_key=TOKEN)
ASK = [{"role": "user", "content": "x" * 40}]  # 40 characters: an estimate of 10 tokens


def answer(fake, message=None, **body):
    """One router answer whose body is exactly what the test says (nothing the fake adds)."""
    message = message or {"role": "assistant", "content": "Hi"}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    fake.script("/v1/chat/completions", Reply(200, {"choices": [choice], **body}))
    return completion(messages=ASK, **ROUTER)


def test_the_servers_id_and_created_are_kept_and_made_up_ones_look_like_openais(fake):
    r = answer(fake, id="chatcmpl-from-the-server", created=1_700_000_000)
    assert (r.id, r.created, r.object) == ("chatcmpl-from-the-server", 1_700_000_000, "chat.completion")
    first, second = answer(fake), answer(fake)
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{24}", first.id) and first.id != second.id
    assert abs(first.created - time.time()) < 60 and isinstance(first.created, int)
    assert first.object == "chat.completion" and first.model_dump()["object"] == "chat.completion"


@pytest.mark.parametrize(
    "content, completion_tokens",
    [("", 0), ("Hi", 1), ("y" * 10, 2), ("y" * 40, 10), ("y" * 400, 100)],
)
def test_a_server_that_counts_nothing_gets_an_estimate_of_four_characters_a_token(fake, content, completion_tokens):
    r = answer(fake, {"role": "assistant", "content": content})
    assert r.usage.model_dump() == {"prompt_tokens": 10, "completion_tokens": completion_tokens,
                                    "total_tokens": 10 + completion_tokens, "estimated": True}
    assert r.usage.estimated


def test_a_servers_own_token_counts_are_never_flagged_as_an_estimate_and_keep_their_details(fake):
    details = {"cached_tokens": 4}
    sent = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 99, "estimated": True, "prompt_tokens_details": details}
    r = answer(fake, usage=sent)
    assert r.usage.model_dump() == {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7,
                                    "prompt_tokens_details": details}
    assert not r.usage.estimated and r.usage.prompt_tokens_details.cached_tokens == 4


def test_a_prompt_count_from_tgis_headers_is_kept_when_only_the_completion_is_estimated(fake):
    fake.script("/endpoints/public-base", Reply(200, [{"generated_text": "y" * 40}], headers={"x-prompt-tokens": "7"}))
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=ASK, api_base=fake.endpoint_url("public-base"))
    assert r.usage.model_dump() == {"prompt_tokens": 7, "completion_tokens": 10, "total_tokens": 17, "estimated": True}


def test_a_tool_call_in_a_whole_answer_reads_none_for_the_fields_the_server_left_out(fake):
    call = {"id": "call_1", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}  # no "type"
    r = answer(fake, {"role": "assistant", "content": None, "tool_calls": [call]})
    [got] = r.choices[0].message.tool_calls
    assert (got.id, got.type, got.index, got.function.name) == ("call_1", None, None, "get_weather")
    assert got.model_dump() == call


def test_an_unknown_field_raises_an_attribute_error_naming_the_record_and_the_field(fake):
    r = answer(fake)
    with pytest.raises(AttributeError, match=r"^ModelResponse has no field 'not_an_openai_field'$"):
        r.not_an_openai_field
    with pytest.raises(AttributeError, match=r"^Message has no field 'colour'$"):
        r.choices[0].message.colour
    assert getattr(r, "colour", "absent") == "absent" and not hasattr(r.usage, "colour")


def test_model_dump_is_plain_json_data_all_the_way_down(fake):
    r = answer(fake, usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})
    dumped = r.model_dump()
    assert dumped == json.loads(json.dumps(r)) and dumped["choices"][0]["message"]["content"] == "Hi"
    assert type(dumped) is dict and type(dumped["choices"]) is list and type(dumped["choices"][0]["message"]) is dict
    assert r.to_dict() == dumped


def test_dicts_put_into_an_answer_read_as_records_of_their_kind(fake):
    r = answer(fake)
    r.usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}  # server figures: no flag
    assert r.usage.total_tokens == 3 and r.usage.estimated is False and r.usage.prompt_tokens_details is None
    r.choices[0].message = {"role": "assistant", "content": "Bonjour"}
    assert r.choices[0].message.content == "Bonjour" and r.choices[0].message.tool_calls is None
    r["metadata"] = {"trace": {"id": 7}}
    assert r.metadata.trace.id == 7 and r.model_dump()["metadata"] == {"trace": {"id": 7}}


def test_an_answer_rebuilt_from_its_json_reads_as_the_original(fake):
    r = answer(fake, usage={"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})
    again = ModelResponse(json.loads(json.dumps(r)), service_tier="default")
    assert again == {**r, "service_tier": "default"} and again.choices[0].message.content == "Hi"
    assert again.usage.estimated is False and again.choices[0].message.refusal is None
    assert (again.provider, again.engine, again.service_tier) == (None, None, "default")  # no route: nothing served it


def test_every_chunk_carries_the_servers_id_and_fingerprint_the_model_asked_and_one_creation_time(fake):
    def event(delta, finish=None):
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        sent = {"id": "chatcmpl-srv", "object": "chat.completion.chunk", "created": 1, "model": "served-name",
                "system_fingerprint": "fp_srv", "choices": [choice]}
        return "data: " + json.dumps(sent) + "\n\n"

    raw = event({"role": "assistant", "content": "Par"}) + event({"content": "is"}) + event({"content": "."}) + event({}, "stop")
    fake.script("/v1/chat/completions", Reply(200, (raw + "data: [DONE]\n\n").encode(), "text/event-stream"))
    chunks = list(completion(messages=ASK, stream=True, stream_options={"include_usage": True}, **ROUTER))
    assert len(chunks) == 5 and "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == "Paris."
    created = chunks[0].created
    assert isinstance(created, int) and abs(created - time.time()) < 60
    for chunk in chunks:
        assert (chunk.id, chunk.object, chunk.model, chunk.created, chunk.system_fingerprint) == (
            "chatcmpl-srv", "chat.completion.chunk", ROUTER["model"], created, "fp_srv")
    assert all(c.choices[0].index == 0 and c.model_dump()["choices"][0]["index"] == 0 for c in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 3


def test_timings_are_measured_from_the_first_request_within_the_calls_own_duration(fake):
    started = time.perf_counter()
    r = answer(fake)
    took = time.perf_counter() - started
    assert 0 < r.timings["time_to_first_byte"] <= r.timings["total_time"] <= took


def test_timings_of_shift_the_answering_exchanges_figures_by_when_it_was_sent():
    def sent(at, first_byte, first_token, total):
        return Exchange("chat", "POST", "http://127.0.0.1:9/v1/chat/completions", {}, started_at=at,
                        time_to_first_byte=first_byte, time_to_first_token=first_token, total_time=total)

    figures = timings_of([sent(1000.0, 0.1, None, 0.2), sent(1001.5, 0.25, None, 0.5)])
    assert figures == {"time_to_first_byte": pytest.approx(1.75), "time_to_first_token": None, "total_time": pytest.approx(2.0)}
    assert timings_of([sent(1000.0, 0.1, 0.3, 0.4)]) == {"time_to_first_byte": 0.1, "time_to_first_token": 0.3, "total_time": 0.4}
    assert timings_of([]) == {"time_to_first_byte": None, "time_to_first_token": None, "total_time": None}
