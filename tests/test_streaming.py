"""Streams on the wire: both TGI dialects, awkward reads, errors before and during."""

import asyncio

import pytest

import playground
from fakehf import RECORDED, Reply, recorded
from playground import acompletion, completion

CHAT = [{"role": "user", "content": "Tell me about Paris."}]
SENTENCE = " Paris is the capital of France. It has museums, cafes and parks"


def text_of(chunks):
    return "".join(chunk.choices[0].delta.get("content") or "" for chunk in chunks)


@pytest.mark.parametrize(
    "kwargs, route",
    [
        ({"model": "meta-llama/Llama-2-7b-hf"}, "text-generation"),  # serverless TGI 2: "data:{...}", no [DONE]
        ({"model": "HuggingFaceH4/zephyr-7b-beta"}, "chat"),  # serverless chat, TGI 3: "data: {...}" and [DONE]
        ({"model": "tgi", "endpoint": "zephyr-tgi1"}, "chat"),  # TGI 1.4 chat: "data:{...}", empty last delta, no [DONE]
        ({"model": "meta-llama/Llama-2-7b-chat-hf", "endpoint": "private-chat", "api_key": "hf_fake_private_endpoint_token"}, "chat"),
    ],
)
def test_streams_of_every_dialect_give_the_same_chunks(fake, kwargs, route):
    kwargs = dict(kwargs)
    if "endpoint" in kwargs:
        kwargs["api_base"] = fake.endpoint_url(kwargs.pop("endpoint"))
    stream = completion(messages=CHAT, stream=True, max_tokens=50, **kwargs)
    chunks = list(stream)
    assert stream.route == route
    assert text_of(chunks) == SENTENCE
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage.completion_tokens == 14  # from TGI's details, or one token per chat event
    assert chunks[-1].usage.estimated == (route == "chat")  # chat streams carry no usage unless asked
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    answering = stream.exchanges[-1]
    assert answering.is_stream and len(answering.events) >= 14
    assert answering.time_to_first_token is not None and answering.total_time >= answering.time_to_first_token


def test_special_tokens_are_not_shown(fake):
    chunks = list(completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, max_tokens=50))
    assert "</s>" not in text_of(chunks)
    assert chunks[-1].usage.prompt_tokens == 4  # TGI's StreamDetails.input_length


@pytest.mark.parametrize("split", [1, 3, 7, 50])
def test_events_split_across_reads_with_keepalive_comments(fake, split):
    fake.stream_split = split
    fake.keepalive = True
    chunks = list(completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True))
    assert text_of(chunks) == SENTENCE


def test_stream_http_error_raises_at_the_call(fake):
    with pytest.raises(playground.AuthenticationError):
        completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=fake.endpoint_url("private-chat"), stream=True)


def test_stream_falls_back_to_text_generation_too(fake):
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=fake.endpoint_url("public-base"), stream=True, max_tokens=3)
    assert text_of(stream) == " Paris is the"
    assert [e.status for e in stream.exchanges] == [200, 422, 200]
    assert stream.exchanges[-1].parsed_events()[-1]["details"]["finish_reason"] == "length"


def test_recorded_validation_error_inside_a_200_stream(fake):
    path = "/hf-inference/models/meta-llama/Llama-2-7b-hf"
    fake.script(path, recorded("tg_stream_validation_error_in_sse"))
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, max_tokens=10000, task="text-generation")
    with pytest.raises(playground.ContextWindowExceededError) as caught:
        list(stream)
    assert "before any text" in str(caught.value) and caught.value.error_type == "validation"
    assert stream.exchanges[-1].parsed_events()[0]["error_type"] == "validation"


def test_error_event_mid_stream_keeps_the_text_already_given(fake):
    path = "/hf-inference/models/meta-llama/Llama-2-7b-hf"
    body = (
        'data:{"index":1,"token":{"id":1,"text":" Hello","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'
        'data:{"index":2,"token":{"id":2,"text":" world","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'
        'data:{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"}\n\n'
    )
    fake.script(path, Reply(200, body, "text/event-stream"))
    received = []
    with pytest.raises(playground.InternalServerError) as caught:
        for chunk in completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation"):
            received.append(chunk)
    assert text_of(received) == " Hello world"
    assert "after 12 characters" in str(caught.value) and "CUDA out of memory" in str(caught.value)


def test_stream_cut_short_is_an_error_after_the_text(fake):
    path = "/hf-inference/models/meta-llama/Llama-2-7b-hf"
    whole = RECORDED["tg_stream_llama2_7b_hf"]["response"]["body"]
    fake.script(path, Reply(200, whole[: len(whole) // 2], "text/event-stream"))
    received = []
    with pytest.raises(playground.APIConnectionError, match="before the reply was complete"):
        for chunk in completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation"):
            received.append(chunk)
    assert text_of(received).startswith(" How does the fish")


def test_question_answering_streams_as_one_chunk(fake):
    stream = completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, context="The capital of France is Paris.", stream=True)
    chunks = list(stream)
    assert text_of(chunks) == "Paris" and chunks[-1].choices[0].finish_reason == "stop"
    assert stream.route == "question-answering"


def test_closing_a_stream_early_stops_reading(fake):
    fake.token_delay = 0.05
    stream = completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True)
    first = next(stream)
    stream.close()
    assert first.choices[0].delta.content == " Paris"
    with pytest.raises(StopIteration):
        next(stream)
    assert stream.exchanges[-1].total_time is not None and len(stream.exchanges[-1].events) < 5


def test_async_stream(fake):
    async def main():
        stream = await acompletion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, api_base=fake.endpoint_url("public-base"))
        return stream, [chunk async for chunk in stream]

    stream, chunks = asyncio.run(main())
    assert text_of(chunks) == SENTENCE and stream.route == "text-generation"


def test_async_calls_run_concurrently_on_one_pool(fake):
    fake.token_delay = 0.02

    async def one(i):
        stream = await acompletion(model="HuggingFaceH4/zephyr-7b-beta", messages=[{"role": "user", "content": f"n{i}"}], stream=True, max_tokens=5)
        return text_of([c async for c in stream])

    async def main():
        return await asyncio.gather(*(one(i) for i in range(20)))

    assert asyncio.run(main()) == [" Paris is the capital of"] * 20


def test_closing_an_unread_stream_closes_its_response(fake):
    fake.token_delay = 0.05
    stream = completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True)
    stream.close()
    assert stream._response.is_closed and stream.exchanges[-1].total_time is not None

    async def main():
        astream = await acompletion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True)
        await astream.aclose()
        return astream

    assert asyncio.run(main())._response.is_closed


def test_close_from_another_thread_stops_a_blocked_reader(fake):
    import threading
    import time

    fake.token_delay = 0.3
    stream = completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True)
    got, failure = [], []

    def read():
        try:
            for chunk in stream:
                got.append(chunk)
        except playground.APIError as error:  # a closed connection mid-read is a typed error at worst
            failure.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 10
    while not got:  # the first chunk (fails, rather than hangs, if none comes)
        assert time.monotonic() < deadline and reader.is_alive(), f"no chunk arrived: {failure}"
        time.sleep(0.01)
    stream.close()
    reader.join(timeout=5)
    assert not reader.is_alive() and len(got) < 5


def test_calls_run_at_once_not_one_after_the_other(fake):
    """Eight chats at once against a slow endpoint: the endpoint sees all eight streams open
    together (a connection pool of one, or a lock around sending, would show one at a time)."""
    fake.token_delay = 0.05

    async def one():
        stream = await acompletion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True)
        return "".join([chunk.choices[0].delta.get("content") or "" async for chunk in stream if chunk.choices])

    async def eight():
        return await asyncio.gather(*(one() for _ in range(8)))

    texts = asyncio.run(eight())
    assert all("Paris" in text for text in texts)
    assert fake.most_open_streams == 8


def test_a_busy_space_streams_well_over_a_hundred_chats_at_once(fake):
    """A Space with many visitors: 120 chats stream together (httpx's own pool would hold
    every call past the hundredth until another ended). The fake holds each stream's first
    event until all 120 are open (or 10 s pass)."""
    fake.hold_streams_until = 120

    async def one():
        stream = await acompletion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, stream=True, max_tokens=8)
        return "".join([chunk.choices[0].delta.get("content") or "" async for chunk in stream if chunk.choices])

    async def many():
        return await asyncio.gather(*(one() for _ in range(120)))

    texts = asyncio.run(many())
    assert len(texts) == 120 and all(texts)
    assert fake.most_open_streams == 120
