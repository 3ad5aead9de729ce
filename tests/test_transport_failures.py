"""What a caller gets when the wire itself fails: a connection cut or stalled while a reply
or a stream is being read, a connection that never opens, a reply too large to hold, a
failure whose message carries the token. Each is one typed error with a sentence saying
what to do, and the exchange that shows what happened; sync and async alike. And what goes
out: one header of each name, the text as written, no body on a GET, one connection reused."""

import asyncio
import json
import socket
import time

import httpx
import pytest

import playground
from playground import _transport
from playground._netguard import PrivateAddressError
from playground._prepare import USER_AGENT
from rawserver import RawServer

CHAT = [{"role": "user", "content": "hi"}]
TOKEN = "hf_" + "q" * 34
EVENT = b'data: {"object":"chat.completion.chunk","id":"1","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n'


def answer_body(content: str = "hello") -> bytes:
    return json.dumps({"object": "chat.completion", "id": "1", "created": 0, "model": "m",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()


NOT_FOUND = b'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{"detail":"Not Found"}'


def Scripted(chat) -> RawServer:
    """A server where ``GET /info`` is a 404 (an engine without TGI's routes) and every other
    request runs ``chat(wfile)``, which writes whatever bytes the test wants and may stall or
    drop the connection."""

    def answer(lines, body, wfile):
        if lines[0].startswith("GET /info "):
            wfile.write(NOT_FOUND)
            return None
        return chat(wfile)

    return RawServer(answer)


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


STREAM_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def cut_after_one_event(wfile):
    wfile.write(STREAM_HEAD + chunked(EVENT))
    wfile.flush()
    time.sleep(0.05)
    return "close"  # no last chunk: the stream ends mid-way


def stall_after_one_event(wfile):
    wfile.write(STREAM_HEAD + chunked(EVENT))
    wfile.flush()
    time.sleep(2)
    return "close"


def cut_body(wfile):
    wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n" + answer_body()[:30])
    wfile.flush()
    return "close"


def stall_body(wfile):
    wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n" + answer_body()[:30])
    wfile.flush()
    time.sleep(2)
    return "close"


def run(mode: str, url: str, **kwargs):
    """A completion's text (the stream read to its end) in ``mode`` "sync" or "async"; the
    text read before an error is kept on the error as ``.partial``."""
    kwargs = {"model": "m", "messages": CHAT, "api_base": url, "api_key": False, "task": "conversational", **kwargs}
    parts: list[str] = []
    if mode == "sync":
        try:
            answer = playground.completion(**kwargs)
            if not kwargs.get("stream"):
                return answer
            for chunk in answer:
                parts.append(chunk.choices[0].delta.get("content") or "")
            return "".join(parts)
        except playground.APIError as error:
            error.partial = "".join(parts)
            raise

    async def call():
        try:
            answer = await playground.acompletion(**kwargs)
            if not kwargs.get("stream"):
                return answer
            async for chunk in answer:
                parts.append(chunk.choices[0].delta.get("content") or "")
            return "".join(parts)
        except playground.APIError as error:
            error.partial = "".join(parts)
            raise

    return asyncio.run(call())


def streamed(mode: str, url: str):
    """A chat streamed from ``url`` in ``mode``, read to its end: the stream object and its text."""
    kwargs = {"model": "m", "messages": CHAT, "api_base": url, "api_key": False, "task": "conversational", "stream": True}
    if mode == "sync":
        answer = playground.completion(**kwargs)
        return answer, "".join(chunk.choices[0].delta.get("content") or "" for chunk in answer if chunk.choices)

    async def call():
        answer = await playground.acompletion(**kwargs)
        return answer, "".join([chunk.choices[0].delta.get("content") or "" async for chunk in answer if chunk.choices])

    return asyncio.run(call())


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_a_stream_cut_mid_way_is_a_connection_error_after_what_arrived(mode):
    server = Scripted(cut_after_one_event)
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, server.url, stream=True)
    error = caught.value
    assert error.partial == "Hel"  # what arrived was shown before the error
    assert str(error).startswith(f"The connection to {server.host} failed (")
    assert str(error).endswith("): check your network connection and try again.")
    exchange = error.exchanges[-1]
    assert exchange.url == f"{server.url}/v1/chat/completions" and exchange.status == 200
    assert exchange.error.startswith("RemoteProtocolError: ")


@MODES
@pytest.mark.parametrize("given", ["timeout=", "PLAYGROUND_READ_TIMEOUT"])
def test_a_stream_that_stalls_is_a_timeout_at_the_callers_limit(mode, given, monkeypatch):
    server = Scripted(stall_after_one_event)
    started = time.perf_counter()
    limit = {"timeout": 0.4} if given == "timeout=" else {}
    if not limit:
        monkeypatch.setenv("PLAYGROUND_READ_TIMEOUT", "0.4")
    with pytest.raises(playground.Timeout) as caught:
        run(mode, server.url, stream=True, **limit)
    assert time.perf_counter() - started < 1.8  # the caller's 0.4 s, not the server's 2 s stall
    assert caught.value.partial == "Hel"
    assert str(caught.value) == (f"{server.host} did not answer within 0.4 s: the endpoint may be busy, loading or unreachable; "
                                 "try again, or allow longer with timeout=.")
    assert caught.value.exchanges[-1].error == "timed out after 0.4 s (ReadTimeout)"


@MODES
def test_a_reply_cut_short_is_a_connection_error_with_its_exchange(mode):
    server = Scripted(cut_body)
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, server.url)
    error = caught.value
    assert str(error).startswith(f"The connection to {server.host} failed (")
    assert error.exchanges[0].url.endswith("/info")  # every exchange of the call, the failed one last
    assert error.exchanges[-1].url == f"{server.url}/v1/chat/completions"
    assert error.exchanges[-1].status == 200
    assert error.exchanges[-1].error.startswith("RemoteProtocolError: ")


@MODES
def test_a_reply_that_stalls_is_a_timeout_at_the_callers_limit(mode, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_READ_TIMEOUT", "30")
    server = Scripted(stall_body)
    with pytest.raises(playground.Timeout) as caught:
        run(mode, server.url, timeout=0.4)
    assert str(caught.value).startswith(f"{server.host} did not answer within 0.4 s: ")
    assert caught.value.exchanges[-1].error == "timed out after 0.4 s (ReadTimeout)"


@MODES
def test_a_stream_that_ends_before_its_reply_is_complete_says_so_with_its_exchanges(mode):
    """The HTTP stream ends properly, but with no finish reason and no [DONE]."""
    def ends_early(wfile):
        wfile.write(STREAM_HEAD + chunked(EVENT) + b"0\r\n\r\n")
        wfile.flush()

    server = Scripted(ends_early)
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, server.url, stream=True)
    assert str(caught.value) == "The endpoint closed the stream before the reply was complete (3 characters arrived): try again."
    assert caught.value.partial == "Hel"
    assert caught.value.exchanges[0].url == f"{server.url}/info"  # every exchange of the call, the stream's last
    assert caught.value.exchanges[-1].url == f"{server.url}/v1/chat/completions" and caught.value.exchanges[-1].events


@MODES
def test_a_server_that_never_answers_is_a_timeout_at_the_callers_limit(mode, monkeypatch):
    """Connected, the request sent, and no status line ever comes."""
    monkeypatch.setenv("PLAYGROUND_READ_TIMEOUT", "30")

    def silent(wfile):
        time.sleep(2)
        return "close"

    server = Scripted(silent)
    with pytest.raises(playground.Timeout) as caught:
        run(mode, server.url, timeout=0.4)
    assert str(caught.value).startswith(f"{server.host} did not answer within 0.4 s: ")
    assert caught.value.exchanges[-1].error == "timed out after 0.4 s (ReadTimeout)"
    assert caught.value.exchanges[-1].status is None


@pytest.fixture
def full_listener():
    """A port whose listen queue is full: a new connection is never accepted, so connecting times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    waiting = []
    for _ in range(4):
        client = socket.socket()
        client.setblocking(False)
        try:
            client.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        waiting.append(client)
    time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    for client in waiting:
        client.close()
    listener.close()


@MODES
def test_a_connection_that_never_opens_times_out_at_the_connect_limit(mode, monkeypatch, full_listener):
    monkeypatch.setenv("PLAYGROUND_CONNECT_TIMEOUT", "0.3")
    with pytest.raises(playground.Timeout) as caught:
        run(mode, full_listener, timeout=20)
    host = full_listener.removeprefix("http://")
    assert str(caught.value).startswith(f"{host} did not answer within 0.3 s: ")  # the connect limit, not the read limit
    assert caught.value.exchanges[-1].error == "timed out after 0.3 s (ConnectTimeout)"


@pytest.fixture
def failing_pools(monkeypatch):
    """Pools whose transport raises what the test sets (as a proxy or a socket error might),
    after recording the request."""
    state = {"error": None, "requests": []}

    def handler(request):
        state["requests"].append(request)
        raise state["error"]

    def pool(client_class, transport_class):
        transport = transport_class(handler)
        return _transport._Pool(client_class(transport=transport), transport, ())

    _transport._sync_pool = pool(httpx.Client, httpx.MockTransport)
    monkeypatch.setattr(_transport, "async_pool",
                        lambda: _transport._async_pools.setdefault(asyncio.get_running_loop(), pool(httpx.AsyncClient, httpx.MockTransport)))
    yield state
    _transport._sync_pool = None
    _transport._async_pools.clear()


@MODES
def test_a_failure_message_never_carries_the_token(mode, failing_pools):
    failing_pools["error"] = httpx.ConnectError(f"proxy said: bad credentials Bearer {TOKEN}")
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, "http://endpoint.test", api_key=TOKEN)
    assert failing_pools["requests"][-1].headers["authorization"] == f"Bearer {TOKEN}"  # it was sent; it is never shown
    assert str(caught.value).startswith("Could not connect to endpoint.test (proxy said: bad credentials Bearer ")
    assert str(caught.value).endswith("check the endpoint URL and your network connection.")
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.exchanges[-1].error
    assert caught.value.exchanges[-1].error.startswith("ConnectError: proxy said")

    failing_pools["error"] = httpx.UnsupportedProtocol(f"no protocol for {TOKEN}")
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, "http://endpoint.test", api_key=TOKEN)
    assert str(caught.value) == "http://endpoint.test/info is not a URL that can be called: give an http:// or https:// address."
    assert caught.value.exchanges[-1].error.startswith("no protocol for hf_")
    assert TOKEN not in caught.value.exchanges[-1].error


@MODES
def test_a_refused_private_address_says_so_with_its_exchange(mode, failing_pools):
    refused = httpx.ConnectError("endpoint.test leads to 10.0.0.5, a private address: this server does not call private networks.")
    refused.__cause__ = PrivateAddressError("10.0.0.5")
    failing_pools["error"] = refused
    with pytest.raises(playground.APIConnectionError) as caught:
        run(mode, "http://endpoint.test")
    assert caught.value.code == "private_address"
    assert str(caught.value) == str(refused)
    assert caught.value.exchanges[-1].error == f"ConnectError: {refused}"


def large_reply(size: int):
    """A chat answer of exactly ``size`` bytes, sent in 64 kB chunks."""
    body = answer_body("big")
    body += b" " * (size - len(body))

    def chat(wfile):
        wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for start in range(0, len(body), 65536):
            wfile.write(chunked(body[start:start + 65536]))
        wfile.write(b"0\r\n\r\n")
        wfile.flush()

    return chat


@MODES
def test_a_reply_over_the_size_limit_is_not_read(mode, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "1")
    server = Scripted(large_reply(2**20 + 1))  # one byte over, in pieces each well under it
    with pytest.raises(playground.APIError) as caught:
        run(mode, server.url)
    assert str(caught.value) == ("The endpoint's reply is larger than 1 MB, so it was not read: "
                                 "ask for fewer tokens or check that the URL points at a model endpoint.")
    assert caught.value.status_code == 200
    assert caught.value.exchanges[-1].error == f"reply larger than {2**20} bytes; reading stopped"


@MODES
def test_a_reply_exactly_at_the_size_limit_is_read(mode, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "1")
    server = Scripted(large_reply(2**20))
    assert run(mode, server.url).choices[0].message.content == "big"


def large_stream(size: int, *, line: int = 60_000, piece: int = 65536):
    """A server whose chat stream is exactly ``size`` bytes: one event, comment lines of
    ``line`` bytes as padding (which SSE ignores), then ``[DONE]``; sent in chunks of ``piece`` bytes."""
    done = b"data: [DONE]\n\n"
    padding = size - len(EVENT) - len(done)
    lines = [b":" + b"p" * (line - 2) + b"\n"] * (padding // line)
    rest = padding - line * len(lines)
    lines += [b":" + b"p" * (rest - 2) + b"\n"] if rest >= 2 else [b"\n"] * rest
    body = EVENT + b"".join(lines) + done
    assert len(body) == size

    def answer(lines, _, wfile):
        if lines[0].startswith("GET "):  # no /info, no model list: an engine known only by its chat route
            wfile.write(NOT_FOUND)
            return None
        wfile.write(STREAM_HEAD)
        for start in range(0, len(body), piece):
            wfile.write(chunked(body[start:start + piece]))
        wfile.write(b"0\r\n\r\n")
        wfile.flush()
        return None

    return RawServer(answer)


@MODES
def test_a_stream_over_the_size_limit_is_stopped_after_what_arrived(mode, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "1")
    server = large_stream(2**20 + 1)  # one byte over, in reads each well under it
    with pytest.raises(playground.APIError) as caught:
        run(mode, server.url, stream=True)
    assert str(caught.value) == "The endpoint's stream passed 1 MB without ending, so it was stopped: ask for fewer tokens (max_tokens)."
    assert (caught.value.status_code, caught.value.partial) == (200, "Hel")
    assert caught.value.exchanges[-1].error == f"stream larger than {2**20} bytes; reading stopped"


@MODES
def test_a_stream_exactly_at_the_size_limit_is_read(mode, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "1")
    assert run(mode, large_stream(2**20).url, stream=True) == "Hel"


def test_one_line_of_a_stream_over_4_mb_is_refused_whatever_the_size_limit(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_RESPONSE_MB", "8")
    server = large_stream(4 * 2**20 + 3000, line=4 * 2**20 + 2048, piece=1024)  # read 1 kB at a time
    with pytest.raises(playground.APIError) as caught:
        run("sync", server.url, stream=True)
    assert str(caught.value) == (f"The endpoint's reply is not a readable event stream (a stream line is longer than {4 * 2**20} "
                                 "bytes): check that the URL points at a model server of that kind; the full reply is in the payload view.")
    assert caught.value.exchanges[-1].error == f"a stream line is longer than {4 * 2**20} bytes"
    assert (caught.value.model, caught.value.partial) == ("m", "Hel")
    assert run("sync", large_stream(4 * 2**20 + 3000, line=4 * 2**20 - 100, piece=1024).url, stream=True) == "Hel"


def chunk_event(delta: dict) -> bytes:
    chunk = {"object": "chat.completion.chunk", "id": "1", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


@MODES
def test_a_streams_first_token_is_timed_when_its_first_text_arrives(mode):
    """Engines open a chat stream with a chunk that only names the role, and reasoning models
    think aloud first: the first token is the answer's first text, half a second later here;
    not those chunks, nor the last text."""
    def stream(wfile):
        wfile.write(STREAM_HEAD + chunked(chunk_event({"role": "assistant", "content": ""}))
                    + chunked(chunk_event({"reasoning_content": "The user greets me."})))
        for text in ("Hel", "lo"):
            wfile.flush()
            time.sleep(0.5)
            wfile.write(chunked(chunk_event({"content": text})))
        wfile.write(chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        wfile.flush()

    answer, text = streamed(mode, Scripted(stream).url)
    exchange = answer.exchanges[-1]
    assert text == "Hello"
    assert exchange.time_to_first_byte < 0.4 <= exchange.time_to_first_token < 0.9 <= exchange.total_time


def test_a_read_reply_is_timed_as_its_first_token():
    server = Scripted(lambda wfile: wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                                                 % (len(answer_body()), answer_body())))
    exchange = run("sync", server.url).exchanges[-1]
    assert exchange.total_time > 0 and exchange.time_to_first_token == exchange.total_time


def replies(wfile):
    body = answer_body("naïve café")
    wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


@MODES
def test_what_goes_out(mode):
    """One header of each name (ours, not httpx's defaults), the text as written (UTF-8,
    not escapes), no body on a GET, and one kept-alive connection for a call's requests."""
    server = Scripted(replies)
    run(mode, server.url, messages=[{"role": "user", "content": "Où est la café ? 東京"}])
    (info_head, info_body), (chat_head, chat_body) = server.requests[0], server.requests[-1]
    names = [line.split(":")[0].lower() for line in chat_head[1:]]
    assert sorted(set(names)) == sorted(names)
    assert f"user-agent: {USER_AGENT}".lower() in [line.lower() for line in chat_head]
    assert "accept: application/json" in [line.lower() for line in chat_head]
    assert "Où est la café ? 東京".encode() in chat_body
    assert info_head[0].startswith("GET /info") and info_body == b""
    assert not any(line.lower().startswith(("content-length:", "transfer-encoding:")) for line in info_head)
    assert server.connections == 1


def test_async_calls_in_one_event_loop_share_connections():
    server = Scripted(replies)

    async def three():
        for _ in range(3):
            await playground.acompletion(model="m", messages=CHAT, api_base=server.url, api_key=False, task="conversational")

    asyncio.run(three())
    assert sum(head[0].startswith("POST /v1/chat/completions") for head, _ in server.requests) == 3
    assert server.connections == 1


@MODES
def test_a_stream_through_a_proxy_arrives_as_it_is_made(mode, monkeypatch):
    """Behind a proxy the environment names, a chat still streams: the first text shows
    before the last one is written (read whole, it would all come at the end)."""
    def answer(lines, _, wfile):
        if lines[0].startswith("GET "):
            wfile.write(NOT_FOUND)
            return None
        wfile.write(STREAM_HEAD + chunked(chunk_event({"role": "assistant", "content": "Hel"})))
        wfile.flush()
        time.sleep(0.6)
        wfile.write(chunked(chunk_event({"content": "lo"})) + chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        wfile.flush()
        return None

    proxy = RawServer(answer)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _transport._sync_pool = None
    _transport._async_pools.clear()
    try:
        answer, text = streamed(mode, "http://endpoint.test")
    finally:
        _transport._sync_pool = None
        _transport._async_pools.clear()
    exchange = answer.exchanges[-1]
    assert text == "Hello" and exchange.url == "http://endpoint.test/v1/chat/completions"
    assert exchange.time_to_first_token < 0.4 < 0.6 <= exchange.total_time


def test_a_redirect_through_a_proxy_is_not_followed(monkeypatch):
    """A 3xx is the endpoint's answer, shown as it is: following it could carry the call
    (and its body) somewhere the person never chose."""
    proxy = Scripted(lambda wfile: wfile.write(b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.test/v1/chat/completions\r\n"
                                               b"Content-Length: 0\r\n\r\n"))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    _transport._sync_pool = None
    try:
        with pytest.raises(playground.APIError) as caught:
            run("sync", "http://endpoint.test")
    finally:
        _transport._sync_pool = None
    assert caught.value.status_code == 302
    assert [head[0].split()[1] for head, _ in proxy.requests] == ["http://endpoint.test/info", "http://endpoint.test/v1/chat/completions"]


@MODES
def test_a_streamed_chat_answered_whole_without_a_content_type_still_gives_the_answer(mode):
    """A server that ignores ``stream`` and sends its JSON answer with no Content-Type header at
    all: the answer arrives, as a stream of that one reply."""
    body = answer_body("whole")
    server = Scripted(lambda wfile: wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)))
    stream, text = streamed(mode, server.url)
    assert text == "whole"
    assert stream.exchanges[-1].response_body["choices"][0]["message"]["content"] == "whole"
