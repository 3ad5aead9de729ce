"""Every error status becomes a typed error with a sentence and the exchange behind it."""

import json
import socket

import pytest

import playground
from fakehf import Reply, recorded
from playground import completion

CHAT = [{"role": "user", "content": "Hi"}]
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
CHAT_PATH = f"/hf-inference/models/{ZEPHYR}/v1/chat/completions"


def call_zephyr(**kwargs):
    return completion(model=ZEPHYR, messages=CHAT, task="conversational", **kwargs)


@pytest.mark.parametrize(
    "name, kind, status, hint",
    [
        ("chat_401_invalid_token_router", playground.AuthenticationError, 401, "HF_TOKEN"),
        ("serverless_404_unknown_model", playground.NotFoundError, 404, "check the model id"),
        ("tg_422_validation_error", playground.ContextWindowExceededError, 422, "lower max_tokens"),
        ("chat_422_axum_deserialize_text_plain", playground.BadRequestError, 422, "check the parameters"),
        ("serverless_429_rate_limit_anonymous", playground.RateLimitError, 429, "try again"),
        ("qa_400_missing_context", playground.BadRequestError, 400, "check the parameters"),
    ],
)
def test_recorded_error_replies_become_typed_errors(fake, name, kind, status, hint):
    fake.script(CHAT_PATH, recorded(name))
    with pytest.raises(kind) as caught:
        call_zephyr()
    error = caught.value
    assert type(error) is kind and error.status_code == status
    assert hint in str(error)
    assert error.hf_error and error.hf_error in str(error)
    assert error.exchange.status == status and error.exchange.url.endswith("/v1/chat/completions")
    assert isinstance(error, playground.APIError)


def test_rate_limit_reports_retry_after(fake):
    fake.script(CHAT_PATH, Reply(429, {"error": "Rate limit reached."}, headers={"retry-after": "17"}))
    with pytest.raises(playground.RateLimitError) as caught:
        call_zephyr()
    assert caught.value.retry_after == 17 and "wait 17 s" in str(caught.value)


def test_loading_model_is_waited_for_then_answers(fake):
    loading = json.loads(recorded("serverless_503_model_loading").body)
    loading["estimated_time"] = 0.2
    fake.script(CHAT_PATH, Reply(503, loading), Reply(503, {**loading, "estimated_time": 0.1}))
    ticks = []
    r = call_zephyr(on_wait=ticks.append)
    assert r.choices[0].message.content
    assert [e.status for e in r.exchanges] == [503, 503, 200]
    assert "retry after the model loaded" in r.exchanges[-1].purpose
    assert ticks and ticks[0].estimated_time == pytest.approx(0.2) and ticks[0].budget == 120
    assert all(isinstance(t, playground.LoadingStatus) for t in ticks)


def test_loading_beyond_the_wait_budget_raises_with_the_estimate(fake):
    loading = Reply(503, {"error": f"Model {ZEPHYR} is currently loading", "estimated_time": 0.1})
    fake.script(CHAT_PATH, *[loading] * 10)
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        call_zephyr(wait_for_model=0.25)
    error = caught.value
    assert error.estimated_time == 0.1 and "still loading after" in str(error) and "wait_for_model" in str(error)
    assert 2 <= len(error.exchanges) <= 4


def test_no_wait_when_asked_not_to(fake):
    fake.script(CHAT_PATH, recorded("serverless_503_model_loading"))
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        call_zephyr(wait_for_model=False)
    assert caught.value.estimated_time == 20.0 and len(caught.value.exchanges) == 1


def test_unavailable_without_estimate_is_not_waited_for(fake):
    fake.script(CHAT_PATH, Reply(503, b"", "text/plain"))
    with pytest.raises(playground.ServiceUnavailableError, match="paused, scaled to zero"):
        call_zephyr()


@pytest.mark.parametrize(
    "reply, kind, words",
    [
        (Reply(500, {"error": "CUDA out of memory", "error_type": "generation"}), playground.InternalServerError, "CUDA out of memory"),
        (Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"), playground.InternalServerError, "HTML page"),
        # TGI's answer when generation fails after the request was accepted (its OpenAPI document: 424 GenerationError).
        (Reply(424, {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "generation"}),
         playground.InternalServerError, "failed while answering"),
        (Reply(200, b"<!DOCTYPE html><html>Sign in</html>", "text/html"), playground.APIError, "not a chat completion"),
        (Reply(200, b"", "application/json"), playground.APIError, "not a chat completion"),
        (Reply(200, {"choices": []}), playground.APIError, "not a chat completion"),
        (Reply(200, b"\xff\xfe\x00garbage", "application/json"), playground.APIError, "not a chat completion"),
        (Reply(307, b"", "text/plain", headers={"location": "https://elsewhere.example/"}), playground.APIError, "redirected to https://elsewhere.example/"),
    ],
)
def test_bad_bodies_become_typed_errors_with_sentences(fake, reply, kind, words):
    fake.script(CHAT_PATH, reply)
    with pytest.raises(kind) as caught:
        call_zephyr()
    assert words in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_connection_refused(fake):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(playground.APIConnectionError) as caught:
        completion(model="m", messages=CHAT, api_base=f"http://127.0.0.1:{port}", task="text-generation")
    assert f"127.0.0.1:{port}" in str(caught.value) and "check the endpoint URL" in str(caught.value)
    assert caught.value.exchange.error and caught.value.status_code is None


def test_timeout(fake):
    fake.script(CHAT_PATH, Reply(200, {"never": "read"}, delay=2))
    with pytest.raises(playground.Timeout, match="did not answer within 0.3 s"):
        call_zephyr(timeout=0.3)


@pytest.mark.parametrize("api_base", ["ftp://example.org", "example.org/path", "https://user:pass@example.org"])
def test_bad_urls_are_refused_before_sending(fake, api_base):
    with pytest.raises(playground.BadRequestError):
        completion(model="m", messages=CHAT, api_base=api_base)
    assert fake.requests == []


def test_reply_too_large_is_not_read_into_memory(fake, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "0.001")
    fake.script(CHAT_PATH, Reply(200, b"[" + b"1," * 5000 + b"1]"))
    with pytest.raises(playground.APIError, match="larger than"):
        call_zephyr()


def test_async_twin_raises_the_same_errors(fake):
    import asyncio

    fake.script(CHAT_PATH, recorded("serverless_404_unknown_model"))

    async def main():
        return await playground.acompletion(model=ZEPHYR, messages=CHAT, task="conversational")

    with pytest.raises(playground.NotFoundError):
        asyncio.run(main())


def test_loading_wait_is_one_budget_for_the_whole_call(fake, monkeypatch):
    # Pinned to the hf-inference API with the task unknown: chat first, then the fallback.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loading = Reply(503, {"error": "Model google/gemma-2b is currently loading", "estimated_time": 0.2})
    template = Reply(422, {"error": "Template error: template not found", "error_type": "template_error"})
    fake.script("/hf-inference/models/google/gemma-2b/v1/chat/completions", loading, template)
    fake.script("/hf-inference/models/google/gemma-2b", loading, loading, loading)
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        completion(model="huggingface/hf-inference/google/gemma-2b", messages=CHAT, wait_for_model=0.3)
    # chat 503, wait 0.2, chat 422, text 503, wait 0.1 (the rest of the budget), text 503: no more waiting
    assert [e.status for e in caught.value.exchanges] == [503, 422, 503, 503]
    assert "still loading after 0.3 s of waiting" in str(caught.value)


@pytest.mark.parametrize("estimate", ["NaN", "Infinity", "-5", "1" + "0" * 400])
def test_unusable_estimates_are_not_waited_on(fake, estimate):
    raw = ('{"error": "Model is currently loading", "estimated_time": %s}' % estimate).encode()
    fake.script(CHAT_PATH, *[Reply(503, raw)] * 50)
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        call_zephyr(wait_for_model=5)
    assert len(caught.value.exchanges) == 1 and caught.value.estimated_time is None


@pytest.mark.parametrize(
    "body",
    [
        {"choices": [{"message": {"content": "hi"}, "finish_reason": []}]},
        {"choices": [["not", "a", "dict"]]},
        {"choices": "nope"},
        "[" * 100_000 + "]" * 100_000,
        {"choices": [{"message": {"content": ["parts"]}}]},
    ],
)
def test_odd_reply_shapes_are_typed_errors_or_answers(fake, body):
    fake.script(CHAT_PATH, Reply(200, body))
    try:
        r = call_zephyr()
    except playground.APIError as error:
        assert str(error)
    else:
        assert isinstance(r.choices[0].message.content, str) and r.choices[0].finish_reason == "stop"


def test_old_tgi_chat_finish_reason_is_openai_s(fake):
    body = {"id": "", "object": "text_completion", "created": 1, "model": ZEPHYR,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "eos_token"}]}
    fake.script(CHAT_PATH, Reply(200, body))
    assert call_zephyr().choices[0].finish_reason == "stop"


def test_a_stream_that_ends_with_done_and_no_finish_reason_ends_with_stop(fake):
    events = [{"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": None}]}
              for word in ("Paris", " is", " lovely")]
    body = b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events) + b"data: [DONE]\n\n"
    fake.script(CHAT_PATH, Reply(200, body, "text/event-stream"))
    chunks = list(call_zephyr(stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Paris is lovely"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
