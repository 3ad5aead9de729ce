"""The stream object a caller holds: what it says it is from the start (route, task, engine,
provider, exchanges) whether the server streams or the answer comes whole; closing it
early, or dropping it, ends the HTTP stream (the server sees the cut) and times the
exchange; sync and async alike."""

import asyncio
import gc
import time

import pytest

import playground

CHAT = [{"role": "system", "content": "Paris is the capital of France."}, {"role": "user", "content": "What is the capital of France?"}]
TOKEN = "hf_fake_valid_user_token"


def read(stream):
    return [chunk.choices[0].delta.get("content") or "" for chunk in stream if chunk.choices]


async def aread(stream):
    return [chunk.choices[0].delta.get("content") or "" async for chunk in stream if chunk.choices]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("model", "endpoint", "route", "task", "engine", "provider"), [
    ("", "vllm-chat", "chat", None, "vllm", None),  # the server streams
    ("", "zephyr-tgi1", "chat", "text-generation", "tgi", None),  # TGI streams, its task from /info
    ("deepset/roberta-base-squad2", None, "question-answering", "question-answering", None, "hf-inference"),  # a whole answer, as chunks
    ("HuggingFaceH4/zephyr-7b-beta", None, "chat", "text-generation", None, "hf-inference"),  # streamed, its task from the Hub
    ("meta-llama/Llama-3.1-8B-Instruct:novita", None, "chat", None, None, "novita"),  # the router, a pinned provider (no Hub look-up)
])
def test_a_stream_says_what_it_is_from_the_start(fake, mode, model, endpoint, route, task, engine, provider):
    kwargs = {"model": model, "messages": CHAT, "stream": True, "api_key": TOKEN if not endpoint else False, "max_tokens": 3,
              "api_base": fake.endpoint_url(endpoint) if endpoint else None}
    if mode == "sync":
        stream = playground.completion(**kwargs)
        facts = (stream.route, stream.task, stream.engine, stream.provider, len(stream.exchanges))
        text = read(stream)
    else:
        async def run():
            stream = await playground.acompletion(**kwargs)
            return stream, (stream.route, stream.task, stream.engine, stream.provider, len(stream.exchanges)), await aread(stream)

        stream, facts, text = asyncio.run(run())
    assert facts[:4] == (route, task, engine, provider)
    assert facts[4] >= 1 and "".join(text).strip()
    assert stream.exchanges[-1].total_time is not None


def test_closing_a_stream_early_cuts_it_and_times_it(fake):
    fake.token_delay = 0.05
    stream = playground.completion(model="", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), stream=True, max_tokens=12)
    next(stream)
    exchange = stream.exchanges[-1]
    assert exchange.total_time is None  # still streaming
    stream.close()
    assert exchange.total_time is not None and exchange.total_time >= exchange.time_to_first_byte
    deadline = time.monotonic() + 5
    while fake.streams_cut == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.streams_cut == 1


def test_closing_an_async_stream_early_cuts_it_and_times_it(fake):
    fake.token_delay = 0.05

    async def run():
        stream = await playground.acompletion(model="", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), stream=True,
                                              max_tokens=12)
        await stream.__anext__()
        exchange = stream.exchanges[-1]
        assert exchange.total_time is None
        await stream.aclose()
        assert exchange.total_time is not None and exchange.total_time >= exchange.time_to_first_byte
        deadline = time.monotonic() + 5
        while fake.streams_cut == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    asyncio.run(run())
    assert fake.streams_cut == 1


def test_a_stream_dropped_unread_is_closed(fake):
    fake.token_delay = 0.05
    stream = playground.completion(model="", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), stream=True, max_tokens=12)
    next(stream)
    del stream
    gc.collect()
    deadline = time.monotonic() + 5
    while fake.streams_cut == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.streams_cut == 1
