"""Whatever a server sends back, the caller gets an answer or a typed error: never another
exception, never a hang. Bodies come from hypothesis: recorded replies cut short, HTML
pages, empty bodies, JSON of any shape, invalid UTF-8, event streams cut mid-event."""

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import playground
from fakehf import RECORDED, Reply

MODEL = "HuggingFaceH4/zephyr-7b-beta"
PATHS = {
    "conversational": f"/hf-inference/models/{MODEL}/v1/chat/completions",
    "text-generation": f"/hf-inference/models/{MODEL}",
    "question-answering": f"/hf-inference/models/{MODEL}",
}
CHAT = [{"role": "system", "content": "Paris is in France."}, {"role": "user", "content": "Where is Paris?"}]

RECORDED_BODIES = [
    (entry["response"]["body"] if isinstance(entry["response"]["body"], str) else json.dumps(entry["response"]["body"])).encode()
    for entry in RECORDED.values()
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["choices", "message", "delta", "content", "generated_text", "answer", "error", "estimated_time",
                         "token", "text", "details", "finish_reason", "usage", "index", "special"]) | st.text(max_size=8),
        inner, max_size=5),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=300),  # anything, invalid UTF-8 included
    st.builds(lambda body, cut: body[: cut % (len(body) + 1)], st.sampled_from(RECORDED_BODIES), st.integers(0, 10**5)),  # cut short
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", b"null", b"[]", b"{}"]),
    st.lists(json_values.map(lambda v: b"data:" + json.dumps(v).encode() + b"\n\n"), max_size=5).map(b"".join)
    .flatmap(lambda events: st.integers(0, len(events)).map(lambda cut: events[:cut])),  # an event stream, maybe cut mid-event
)
replies = st.builds(
    Reply,
    status=st.sampled_from([200, 200, 200, 400, 401, 403, 404, 413, 422, 424, 429, 500, 502, 503, 504]),
    body=bodies,
    content_type=st.sampled_from(["application/json", "text/event-stream", "text/html", "text/plain", ""]),
    headers=st.sampled_from([{}, {"retry-after": "3"}, {"retry-after": "soon"}, {"x-error-type": "model loading"}]),
)
ACCEPTED = (playground.APIError,)


def check_answer(response, stream):
    if stream:
        text = ""
        for chunk in response:
            delta = chunk.choices[0].delta
            assert isinstance(delta.get("content") or "", str)
            text += delta.get("content") or ""
        return text
    content = response.choices[0].message.content
    assert isinstance(content, str) and response.choices[0].finish_reason
    return content


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reply=replies, task=st.sampled_from(sorted(PATHS)), stream=st.booleans())
def test_any_reply_gives_an_answer_or_a_typed_error(fake, reply, task, stream):
    fake.scripts.clear()
    fake.script(PATHS[task], reply)
    try:
        response = playground.completion(model=MODEL, messages=CHAT, task=task, stream=stream, wait_for_model=False, timeout=5)
        check_answer(response, stream)
    except ACCEPTED as error:
        message = str(error)
        assert message and "Traceback" not in message
        assert error.exchanges, "the raw exchange goes with every error from the wire"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reply=replies, stream=st.booleans())
def test_the_async_twin_too(fake, reply, stream):
    fake.scripts.clear()
    fake.script(PATHS["conversational"], reply)

    async def call():
        response = await playground.acompletion(model=MODEL, messages=CHAT, task="conversational", stream=stream, wait_for_model=False)
        if stream:
            return [chunk async for chunk in response]
        return response

    try:
        answer = asyncio.run(call())
    except ACCEPTED as error:  # as the sync call: a sentence, with the raw exchange
        assert str(error) and "Traceback" not in str(error)
        assert error.exchanges, "the raw exchange goes with every error from the wire"
        return
    if stream:
        text = "".join(chunk.choices[0].delta.get("content") or "" for chunk in answer if chunk.choices)
        assert isinstance(text, str) and any(chunk.choices and chunk.choices[0].finish_reason for chunk in answer)
    else:
        assert isinstance(answer.choices[0].message.content, str) and answer.choices[0].finish_reason


def test_an_endless_stream_is_stopped_at_the_size_bound(fake, monkeypatch):
    """A server that never ends its stream: the read stops at PLAYGROUND_MAX_RESPONSE_MB
    with a typed error, rather than growing without bound."""
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "0.05")
    event = b'data:{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" more"},"finish_reason":null}]}\n\n'
    fake.script(PATHS["conversational"], Reply(200, event * 2000, "text/event-stream"))  # 200 kB, never a [DONE]
    text = ""
    with pytest.raises(playground.APIError, match="without ending"):
        for chunk in playground.completion(model=MODEL, messages=CHAT, task="conversational", stream=True):
            text += chunk.choices[0].delta.get("content") or ""
    assert len(text) < 60_000
