"""What a caller sees of a reply's odd corners that the other files pass over:

* a stream event that is not JSON at all is an error that says so, with the status the
  stream was opened with (200), the model asked for and the exchange the event is in;
* a chat stream delta carrying text and reasoning together keeps both in its chunk;
* a finish reason that is empty or not text reads as the usual one ("stop", or
  "tool_calls" for a tool call), in chat answers, text completions and TGI answers;
* a question-answering answer that is not text is a sentence, not an answer.
"""

import json

import pytest

import playground
from fakehf import Reply
from playground import completion

CHAT = [{"role": "user", "content": "Tell me about Paris."}]
TOKEN = "hf_fake_valid_user_token"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
ROUTER_CHAT = "/v1/chat/completions"
TEXT_PATH = "/hf-inference/models/meta-llama/Llama-2-7b-hf"
ONE_TOKEN = 'data:{"index":1,"token":{"id":1,"text":" Hello","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'


def chat_event(delta, finish=None):
    return "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": LLAMA,
                                  "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"


# --- a stream event that is not JSON ---------------------------------------------------------------


@pytest.mark.parametrize("event", ["data: Internal Server Error\n\n", "data: {\"index\":1,\"token\":\n\n"])
def test_a_stream_event_that_is_not_json_is_an_error_of_the_opened_stream_naming_the_model(fake, event):
    fake.script(TEXT_PATH, Reply(200, ONE_TOKEN + event, "text/event-stream"))
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation")
    received = []
    with pytest.raises(playground.APIError) as caught:
        for chunk in stream:
            received.append(chunk)
    assert "".join(c.choices[0].delta.content or "" for c in received) == " Hello"  # what came before is delivered
    error = caught.value
    assert type(error) is playground.APIError and error.status_code == 200 and error.model == "meta-llama/Llama-2-7b-hf"
    assert str(error) == ("The endpoint sent a stream event that is not JSON; the payload view shows it. "
                          "Check that the URL points at a text-generation server.")
    assert error.exchange is stream.exchanges[-1] and error.exchange.events[-1] == event[len("data: "):].rstrip("\n")


# --- text and reasoning in one delta -----------------------------------------------------------------


def test_a_delta_with_text_and_reasoning_together_keeps_both_in_its_chunk(fake):
    raw = (chat_event({"role": "assistant", "content": " Paris", "reasoning_content": "The user asks about Paris."})
           + chat_event({"content": " is.", "reasoning": "Short answer."}) + chat_event({}, "stop") + "data: [DONE]\n\n")
    fake.script(ROUTER_CHAT, Reply(200, raw, "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    assert [dict(c.choices[0].delta) for c in chunks[:2]] == [
        {"role": "assistant", "content": " Paris", "reasoning_content": "The user asks about Paris."},
        {"content": " is.", "reasoning_content": "Short answer."},
    ]
    assert chunks[-1].choices[0].finish_reason == "stop"


# --- finish reasons that say nothing -----------------------------------------------------------------


@pytest.mark.parametrize("finish", ["", 1, ["stop"]])
def test_a_chat_answer_whose_finish_reason_is_empty_or_not_text_finishes_with_stop(fake, finish):
    fake.script(ROUTER_CHAT, Reply(200, {"id": "c1", "object": "chat.completion", "created": 1767665333, "model": LLAMA, "choices": [
        {"index": 0, "message": {"role": "assistant", "content": " Paris"}, "finish_reason": finish}]}))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content == " Paris"


def test_a_tool_call_answer_whose_finish_reason_is_empty_finishes_with_tool_calls(fake):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
    fake.script(ROUTER_CHAT, Reply(200, {"id": "c1", "object": "chat.completion", "created": 1767665333, "model": LLAMA, "choices": [
        {"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [call]}, "finish_reason": ""}]}))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    assert r.choices[0].finish_reason == "tool_calls" and r.choices[0].message.tool_calls[0].function.name == "get_weather"


@pytest.mark.parametrize("finish", ["", 1])
def test_a_text_completion_or_tgi_answer_whose_finish_reason_is_empty_or_not_text_finishes_with_stop(fake, finish):
    fake.script("/endpoints/vllm-chat/v1/completions", Reply(200, {
        "id": "cmpl-1", "object": "text_completion", "created": 1767665333, "model": "llama-3-1-8b-instruct-xyz",
        "choices": [{"index": 0, "text": " Paris is the", "logprobs": None, "finish_reason": finish}]}))
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), task="text-generation")
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content == " Paris is the"
    fake.script("/hf-inference/models/gpt2", Reply(200, [{"generated_text": " Paris is the", "details": {"finish_reason": finish}}]))
    r = completion(model="gpt2", messages=CHAT, task="text-generation")
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content == " Paris is the"


# --- a question-answering answer that is not text ---------------------------------------------------


@pytest.mark.parametrize("answer", [42, ["Paris"], None])
def test_a_question_answering_answer_that_is_not_text_is_a_sentence(fake, answer):
    fake.script("/hf-inference/models/deepset/deberta-v3-large-squad2", Reply(200, {"answer": answer, "score": 0.97, "start": 25, "end": 30}))
    with pytest.raises(playground.APIError) as caught:
        completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, context="The capital of France is Paris.")
    assert type(caught.value) is playground.APIError and caught.value.model == "deepset/deberta-v3-large-squad2"
    assert str(caught.value).startswith("The endpoint's reply is not a question-answering answer: check that the URL points")
