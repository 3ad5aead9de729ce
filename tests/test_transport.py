"""How requests leave the process: through a proxy the environment names, with the same
headers on every path, and without carrying one caller's cookies into another's call."""

import asyncio
import json

import pytest

import playground
from playground import _transport
from rawserver import RawServer

ANSWER = {"object": "chat.completion", "id": "", "created": 0, "model": "m", "system_fingerprint": "",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "through the proxy"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}}


def Recorder() -> RawServer:
    """A server that answers every request with a chat completion, setting a cookie."""
    body = json.dumps(ANSWER).encode()
    reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: visitor=alice; Path=/\r\n"
             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def answer(lines, request_body, wfile):
        wfile.write(reply)

    return RawServer(answer)


@pytest.fixture
def fresh_pools():
    """Pools are made once per process (the environment's proxies are read then): start and end afresh."""
    _transport._sync_pool = None
    _transport._async_pools.clear()
    yield
    _transport._sync_pool = None
    _transport._async_pools.clear()


def call(**kwargs):
    return playground.completion(model="m", messages=[{"role": "user", "content": "hi"}], api_key=False, max_tokens=3,
                                 task="conversational", **kwargs)


async def acall(**kwargs):
    return await playground.acompletion(model="m", messages=[{"role": "user", "content": "hi"}], api_key=False, max_tokens=3,
                                        task="conversational", **kwargs)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_http_proxy_in_the_environment_carries_the_call(monkeypatch, fresh_pools, mode):
    proxy = Recorder()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    where = {"api_base": "http://endpoint.invalid"}  # a name that resolves nowhere: only the proxy can reach it
    answer = call(**where) if mode == "sync" else asyncio.run(acall(**where))
    assert answer.choices[0].message.content == "through the proxy"
    assert proxy.heads[-1].startswith("POST http://endpoint.invalid/v1/chat/completions HTTP/1.1")


def test_both_paths_send_the_same_headers(monkeypatch, fresh_pools):
    server = Recorder()
    call(api_base=server.url)
    direct = server.heads[-1]
    _transport._sync_pool = None
    monkeypatch.setenv("HTTP_PROXY", server.url)  # now the client's path (the server plays the proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    call(api_base="http://endpoint.invalid")
    proxied = server.heads[-1]

    def names(head: str) -> list[str]:
        return sorted(line.split(":")[0].lower() for line in head.split("\r\n")[1:] if line)

    assert names(direct) == names(proxied)
    for wanted in ("accept-encoding", "user-agent", "content-type"):
        assert wanted in names(direct)


def test_a_cookie_one_endpoint_sets_is_never_sent_with_a_later_call(fresh_pools):
    server = Recorder()
    url = server.url.replace("127.0.0.1", "localhost")  # a host name: a cookie jar keeps cookies for names
    call(api_base=url)
    call(api_base=url)

    async def twice():
        await playground.acompletion(model="m", messages=[{"role": "user", "content": "hi"}], api_key=False, max_tokens=3,
                                     task="conversational", api_base=url)

    asyncio.run(twice())
    assert sum(head.startswith("POST") for head in server.heads) == 3
    assert all("cookie:" not in head.lower() for head in server.heads)  # in the app, the next call may be another visitor's
