"""Answers that behave exactly like OpenAI's and LiteLLM's objects, on every route."""

import io
import json
from contextlib import redirect_stdout

import pytest

import playground
from fakehf import Reply
from playground import completion
from playground._mapping import read_hf_error

TOKEN = "hf_fake_valid_user_token"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
CHAT = [{"role": "user", "content": "Tell me about Paris."}]
SENTENCE = " Paris is the capital of France. It has museums, cafes and parks"
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def routes(fake):
    """(name, completion kwargs) for every route the library speaks."""
    return {
        "tgi3 chat": dict(model="meta-llama/Llama-2-7b-chat-hf", api_base=fake.endpoint_url("private-chat"), api_key="hf_fake_private_endpoint_token"),
        "tgi1 chat": dict(model="HuggingFaceH4/zephyr-7b-beta", api_base=fake.endpoint_url("zephyr-tgi1")),
        "tgi text": dict(model="meta-llama/Llama-2-7b-hf", api_base=fake.endpoint_url("public-base")),
        "hf-inference chat": dict(model="HuggingFaceH4/zephyr-7b-beta", task="conversational"),
        "hf-inference text": dict(model="gpt2"),
        "router": dict(model=LLAMA, api_key=TOKEN),
        "vllm": dict(model="tgi", api_base=fake.endpoint_url("vllm-chat")),
        "vllm text": dict(model="tgi", api_base=fake.endpoint_url("vllm-chat"), task="text-generation"),
        "llama.cpp": dict(model="tgi", api_base=fake.endpoint_url("llamacpp-chat")),
        "sglang": dict(model="tgi", api_base=fake.endpoint_url("sglang-chat")),
    }


FINGERPRINTS = {"tgi3 chat": "3.2.1-native", "tgi1 chat": "1.4.3-sha-e6bb3ff", "hf-inference chat": "3.2.1-native", "llama.cpp": "b1-0c1e570"}
ROUTE_NAMES = ["tgi3 chat", "tgi1 chat", "tgi text", "hf-inference chat", "hf-inference text", "router", "vllm", "vllm text", "llama.cpp", "sglang"]


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_the_usual_openai_streaming_loop_runs_on_every_route(fake, name):
    kwargs = routes(fake)[name]
    printed = io.StringIO()
    with redirect_stdout(printed):
        for c in completion(messages=CHAT, stream=True, **kwargs):
            print(c.choices[0].delta.content or "", end="")
    assert printed.getvalue() == SENTENCE


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_every_openai_field_reads_on_every_route(fake, name):
    r = completion(messages=CHAT, max_tokens=3, **routes(fake)[name])
    message, choice = r.choices[0].message, r.choices[0]
    assert message.content == " Paris is the" and message.role == "assistant"
    assert (message.tool_calls, message.function_call, message.refusal) == (None, None, None)
    assert choice.logprobs is None and choice.finish_reason == "length" and choice.index == 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.system_fingerprint == FINGERPRINTS.get(name)  # the server's, where it sends one
    assert json.loads(json.dumps(r))["choices"][0]["message"]["content"] == " Paris is the"  # still a plain dict
    with pytest.raises(AttributeError):
        r.not_an_openai_field


@pytest.mark.parametrize("name", ["tgi3 chat", "router", "vllm", "vllm text", "llama.cpp"])
def test_include_usage_ends_the_stream_with_the_servers_usage(fake, name):
    chunks = list(completion(messages=CHAT, stream=True, max_tokens=3, stream_options={"include_usage": True}, **routes(fake)[name]))
    last = chunks[-1]
    assert last.choices == [] and last.object == "chat.completion.chunk"
    assert last.usage.completion_tokens == 3 and not last.usage.estimated  # the server's count, not an estimate
    assert chunks[-2].choices[0].finish_reason == "length"
    assert all(c.usage is None for c in chunks[:-1])  # as OpenAI: counted once, on the last chunk


def test_without_include_usage_no_choiceless_chunk_and_the_last_chunk_says_why(fake):
    chunks = list(completion(messages=CHAT, stream=True, max_tokens=3, **routes(fake)["router"]))
    assert all(c.choices for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "length" and chunks[-1].choices[0].delta.content is None
    assert chunks[-1].choices[0].delta.tool_calls is None and chunks[-1].choices[0].delta.refusal is None


def test_a_plain_answer_has_no_tool_calls_and_a_streams_last_delta_reads(fake):
    r = completion(messages=CHAT, **routes(fake)["tgi3 chat"])
    assert r.choices[0].message.tool_calls is None
    last = list(completion(messages=CHAT, stream=True, **routes(fake)["tgi text"]))[-1]
    assert last.choices[0].delta.content is None and last.choices[0].delta.role is None


@pytest.mark.parametrize("name", ["router", "vllm", "llama.cpp"])
def test_tool_calls_whole(fake, name):
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    r = completion(messages=ask, tools=TOOLS, tool_choice="auto", **routes(fake)[name])
    assert r.choices[0].finish_reason == "tool_calls" and r.choices[0].message.content is None
    [call] = r.choices[0].message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id.startswith("call_")
    sent = fake.requests[-1].body
    assert sent["tools"] == TOOLS and sent["tool_choice"] == "auto"
    # The answer to the tool goes back as OpenAI messages, and the model answers in words.
    follow = ask + [{"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                    {"role": "tool", "tool_call_id": call.id, "content": "21 °C"}]
    r = completion(messages=follow, tools=TOOLS, **routes(fake)[name])
    assert r.choices[0].message.content == " It is 21 °C in Paris." and r.choices[0].finish_reason == "stop"
    assert fake.requests[-1].body["messages"][1]["tool_calls"][0]["id"] == call.id
    assert fake.requests[-1].body["messages"][2] == {"role": "tool", "content": "21 °C", "tool_call_id": call.id}


@pytest.mark.parametrize("name", ["router", "vllm", "llama.cpp"])
def test_tool_calls_streamed_arrive_as_deltas(fake, name):
    ask = [{"role": "user", "content": "What is the weather in Paris?"}]
    chunks = list(completion(messages=ask, tools=TOOLS, stream=True, **routes(fake)[name]))
    pieces = [call for c in chunks for call in (c.choices[0].delta.tool_calls or [])]
    assert len(pieces) > 2 and all(p.index == 0 for p in pieces)
    assert pieces[0].id.startswith("call_") and pieces[0].function.name == "get_weather"
    assert all(p.id is None and p.function.name is None for p in pieces[1:])  # later pieces carry arguments only
    assert json.loads("".join(p.function.arguments for p in pieces)) == {"city": "Paris"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ""


def test_tgi_generation_error_424_is_an_internal_server_error(fake):
    fake.script("/endpoints/public-base", Reply(424, {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "generation"}))
    with pytest.raises(playground.InternalServerError) as caught:
        completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=fake.endpoint_url("public-base"))
    assert caught.value.status_code == 424 and caught.value.error_type == "generation"
    assert "failed while answering (HTTP 424: Request failed during generation" in str(caught.value)


@pytest.mark.parametrize("crlf, multiline", [(True, False), (False, True), (True, True)])
def test_streams_with_crlf_and_multi_line_data_read_the_same(fake, crlf, multiline):
    fake.crlf, fake.multiline = crlf, multiline
    for name in ("tgi3 chat", "tgi text", "vllm"):
        chunks = list(completion(messages=CHAT, stream=True, **routes(fake)[name]))
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == SENTENCE
        assert chunks[-1].choices[0].finish_reason == "stop"
    import httpx  # the fake really sends those line ends

    raw = httpx.post(fake.endpoint_url("vllm-chat") + "/v1/chat/completions", json={"model": "llama-3-1-8b-instruct-xyz", "messages": CHAT, "stream": True}).content
    assert (b"\r\n\r\n" in raw) == crlf and (b",\r\ndata: " in raw or b",\ndata: " in raw) == multiline


@pytest.mark.parametrize(
    "body, text, kind, code",
    [
        ({"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}}, "Invalid API Key", "authentication_error", "401"),
        ({"error": {"message": "no", "type": "invalid_request_error", "param": "model", "code": "model_not_supported"}}, "no", "invalid_request_error", "model_not_supported"),
        ({"object": "error", "message": "The model `x` does not exist.", "type": "NotFoundError", "code": 404}, "The model `x` does not exist.", "NotFoundError", "404"),
        ({"detail": "Not Found"}, "Not Found", None, None),
        ({"detail": [{"loc": ["body"], "msg": "Field required"}, {"msg": "Input should be a string"}]}, "Field required; Input should be a string", None, None),
        ({"error": "Template error: template not found", "error_type": "template_error"}, "Template error: template not found", "template_error", None),
    ],
)
def test_error_bodies_of_every_server_read_alike(body, text, kind, code):
    said = read_hf_error(body)
    assert (said.text, said.error_type, said.code) == (text, kind, code)


def test_streamed_reasoning_arrives_apart_from_the_answer(fake):
    def event(delta, finish=None):
        return "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                      "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"

    raw = event({"role": "assistant", "reasoning_content": "Think"}) + event({"reasoning": " more."}) + event({"content": "Paris."}) + event({}, "stop") + "data: [DONE]\n\n"
    fake.script("/v1/chat/completions", Reply(200, raw.encode(), "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    assert "".join(c.choices[0].delta.reasoning_content or "" for c in chunks) == "Think more."
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Paris."
    fake.script("/v1/chat/completions", Reply(200, {"id": "c2", "object": "chat.completion", "created": 1, "model": "m", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Paris.", "reasoning": "Think."}, "finish_reason": "stop"}]}))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    assert (r.choices[0].message.content, r.choices[0].message.reasoning_content) == ("Paris.", "Think.")


def test_a_tgi_template_that_raises_is_not_taken_for_a_missing_one(fake):
    url = fake.endpoint_url("private-chat")
    raised = Reply(422, {"error": "Template error: Conversation roles must alternate user/assistant/user/assistant/...", "error_type": "template_error"})
    fake.script("/endpoints/private-chat/v1/chat/completions", raised)
    kwargs = dict(model="meta-llama/Llama-2-7b-chat-hf", api_base=url, api_key="hf_fake_private_endpoint_token")
    with pytest.raises(playground.BadRequestError, match="roles must alternate"):
        completion(messages=CHAT, **kwargs)
    r = completion(messages=CHAT, **kwargs)  # not remembered as "no chat template"
    assert r.route == "chat"


def test_a_dedicated_model_name_is_taken_as_given(fake):
    r = completion(model="huggingface/models/7B/x.gguf", messages=CHAT, api_base=fake.endpoint_url("llamacpp-chat"))
    assert fake.seen("/endpoints/llamacpp-chat")[-1].body["model"] == "meta-llama/Llama-2-7b-chat-hf"  # the served name
    assert "the model 'models/7B/x.gguf'" in r.exchanges[-1].note  # not read as provider "models"


@pytest.mark.parametrize("name", ["tgi3 chat", "tgi text", "router", "vllm", "vllm text", "llama.cpp"])
def test_every_chunk_of_a_stream_has_openais_shape_with_one_id_and_the_role_once(fake, name):
    chunks = list(completion(messages=CHAT, stream=True, **routes(fake)[name]))
    assert len(chunks) > 3
    first, middle, last = chunks[0], chunks[1:-1], chunks[-1]
    for chunk in chunks:
        assert chunk.object == "chat.completion.chunk" and chunk.id == first.id and chunk.created == first.created
        assert chunk.model == first.model and chunk.system_fingerprint == first.system_fingerprint
        assert set(chunk) - {"system_fingerprint", "usage"} == {"id", "object", "created", "model", "choices"}
        assert set(chunk.choices[0]) == {"index", "delta", "finish_reason"} and chunk.choices[0].index == 0
    assert first.choices[0].delta.role == "assistant"
    for chunk in middle:  # text only: no role again, no finish, no usage
        assert dict(chunk.choices[0].delta) == {"content": chunk.choices[0].delta.content}
        assert chunk.choices[0].finish_reason is None and chunk.usage is None
        assert json.loads(json.dumps(chunk)) == chunk  # plain JSON underneath, as OpenAI's
    assert last.choices[0].finish_reason == "stop" and last.usage.total_tokens > 0
