"""The one place that talks HTTP.

Sends prepared requests on shared connection pools (one ``httpx.Client`` per process,
one ``httpx.AsyncClient`` per event loop), records each exchange, bounds what it reads
into memory, and maps httpx's failures to this library's exceptions at this boundary.
httpx is imported on first use, so ``import playground`` stays fast.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._auth import redact_headers, redact_token, scrub
from ._errors import APIConnectionError, APIError, Timeout
from ._exchange import Exchange, parse_body
from ._prepare import PreparedRequest
from ._netguard import PrivateAddressError
from ._settings import Settings

if TYPE_CHECKING:
    import asyncio

    import httpx

_sync_lock = threading.Lock()

POOL_LIMITS = {"max_connections": 512, "max_keepalive_connections": 64}
# refuse_private_addresses(): (sync, async) httpcore backends that connect only to checked public addresses.
_guarded: tuple[Any, Any] | None = None


def refuse_private_addresses(allow: Callable[[str, int], bool] = lambda host, port: False) -> None:
    """From now on, this process connects only to public addresses: every host name is
    resolved once, all its addresses are checked, and the connection goes to a checked one
    (so a DNS answer that changes after a check cannot lead into a private network). A
    refused connection raises :class:`APIConnectionError` with ``code="private_address"``.
    ``allow(host, port)`` exempts services of your own (say, a local demo server). For a
    server open to the public; a program on your own machine does not need it."""
    global _guarded, _sync_pool
    from ._netguard import guarded_backends

    _guarded = guarded_backends(allow)
    _sync_pool = None  # new pools, on guarded connections (the old ones finish what they carry)
    _async_pools.clear()


@dataclass
class Reply:
    """What came back: status, headers, body; or, for a stream that opened, the live response."""

    status: int
    headers: dict[str, str]
    body: Any
    exchange: Exchange
    stream: Any = None  # an open httpx.Response whose body is an event stream
    secret: str | None = field(default=None, repr=False)
    """The token this request carried, so that a stream's reader can scrub it from what it shows."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _limits() -> httpx.Limits:
    import httpx

    return httpx.Limits(**POOL_LIMITS)


def _sync_transport() -> httpx.HTTPTransport:
    import httpx

    transport = httpx.HTTPTransport(limits=_limits())
    assert _guarded is not None
    transport._pool._network_backend = _guarded[0]  # httpx has no argument for it; httpcore's pool takes one
    return transport


def _async_transport() -> httpx.AsyncHTTPTransport:
    import httpx

    transport = httpx.AsyncHTTPTransport(limits=_limits())
    assert _guarded is not None
    transport._pool._network_backend = _guarded[1]
    return transport


@dataclass(frozen=True)
class _Pool:
    """A connection pool and how a request reaches it. Requests are built here, with the
    client's default headers (Accept-Encoding...) and never its cookie jar: in the app one
    process calls for many visitors, and a cookie an endpoint set for one must not go out
    with another's call. With no proxy in the environment (and always behind
    refuse_private_addresses()), a request goes straight to the pool's transport:
    httpx.Client's layers (auth, redirects, cookies, event hooks) do nothing this library
    uses and cost about a tenth of a millisecond a call. With a proxy set, the client
    sends it, as it picks each URL's proxy."""

    client: Any
    direct: Any
    headers: tuple[tuple[str, str], ...]


_sync_pool: _Pool | None = None
_async_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = weakref.WeakKeyDictionary()


def _environment_proxies() -> bool:
    """Whether httpx would send some request through a proxy (HTTP(S)_PROXY, ALL_PROXY...).
    Read once, as the client is made: httpx reads them then too."""
    from urllib.request import getproxies

    return any(scheme != "no" for scheme in getproxies())


def _pool(client_class: Any, transport_class: Any, guarded: Any) -> _Pool:
    if guarded is not None:  # httpx applies the environment's proxies only to its own transports
        transport = guarded()
        client = client_class(transport=transport, follow_redirects=False)
    elif _environment_proxies():
        transport, client = None, client_class(limits=_limits(), follow_redirects=False)
    else:
        transport = transport_class(limits=_limits())
        client = client_class(transport=transport, follow_redirects=False)
    headers = tuple((name.decode(), value.decode()) for name, value in client.headers.raw)
    return _Pool(client, transport, headers)


def sync_pool() -> _Pool:
    global _sync_pool
    if _sync_pool is None:
        with _sync_lock:
            if _sync_pool is None:
                import httpx

                _sync_pool = _pool(httpx.Client, httpx.HTTPTransport, _sync_transport if _guarded is not None else None)
    return _sync_pool


def async_pool() -> _Pool:
    """The pool for the running event loop (a pool's connections belong to one loop)."""
    import asyncio

    import httpx

    loop = asyncio.get_running_loop()
    pool = _async_pools.get(loop)
    if pool is None:
        pool = _pool(httpx.AsyncClient, httpx.AsyncHTTPTransport, _async_transport if _guarded is not None else None)
        _async_pools[loop] = pool
    return pool


def _timeout(settings: Settings, timeout: float | None) -> dict[str, float]:
    read = timeout if timeout is not None else settings.read_timeout
    return _timeout_of(read, min(settings.connect_timeout, read))


@lru_cache(maxsize=64)
def _timeout_of(read: float, connect: float) -> dict[str, float]:
    """httpcore's timeouts (the ``timeout`` request extension), as httpx.Timeout(read, connect=connect) gives them."""
    return {"connect": connect, "read": read, "write": read, "pool": read}


@lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    """A URL parsed once (httpx.URL is immutable): parsing costs more than the rest of building a request."""
    import httpx

    return httpx.URL(url)


def _start(pool: _Pool, prepared: PreparedRequest, settings: Settings, timeout: float | None, exchanges: list[Exchange]) -> tuple[httpx.Request, Exchange]:
    import httpx

    content = None
    if prepared.json is not None:
        import json

        content = json.dumps(prepared.json, ensure_ascii=False).encode("utf-8")
    given = {name.lower() for name in prepared.headers}
    headers = [(name, value) for name, value in pool.headers if name.lower() not in given]
    headers.extend(prepared.headers.items())
    request = httpx.Request(prepared.method, _url(prepared.url), headers=headers, content=content,
                            extensions={"timeout": _timeout(settings, timeout)})
    exchange = Exchange(
        purpose=prepared.purpose,
        note=prepared.note,
        method=prepared.method,
        url=str(request.url),
        request_headers=redact_headers(request.headers.items()),
        request_body=prepared.json,
        started_at=time.time(),
        clock_start=time.perf_counter(),
    )
    exchanges.append(exchange)
    return request, exchange


def _failure(
    error: Exception, exchange: Exchange, exchanges: list[Exchange], settings: Settings, timeout: float | None, secret: str | None = None
) -> APIError:
    """httpx's exceptions, mapped once to ours. ``secret`` (the token sent) is scrubbed from
    the library's message: tokens are checked before sending, but a message must never carry one."""
    import httpx

    host = urlsplit(exchange.url).netloc or exchange.url
    if isinstance(error, httpx.TimeoutException):
        limit = settings.connect_timeout if isinstance(error, httpx.ConnectTimeout) else (timeout or settings.read_timeout)
        exchange.error = f"timed out after {limit:g} s ({type(error).__name__})"
        return Timeout(
            f"{host} did not answer within {limit:g} s: the endpoint may be busy, loading or unreachable; "
            "try again, or allow longer with timeout=.",
            exchanges=exchanges,
        )
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        exchange.error = scrub(str(error), secret)
        return APIConnectionError(f"{exchange.url} is not a URL that can be called: give an http:// or https:// address.", exchanges=exchanges)
    reason = scrub(str(error) or type(error).__name__, secret)
    exchange.error = f"{type(error).__name__}: {reason}"
    if isinstance(error.__cause__, PrivateAddressError):  # refused by refuse_private_addresses(), nothing was sent
        return APIConnectionError(reason, exchanges=exchanges, code="private_address")
    if isinstance(error, httpx.ConnectError):
        return APIConnectionError(
            f"Could not connect to {host} ({reason}): check the endpoint URL and your network connection.",
            exchanges=exchanges,
        )
    return APIConnectionError(
        f"The connection to {host} failed ({reason}): check your network connection and try again.",
        exchanges=exchanges,
    )


def _secret(prepared: PreparedRequest) -> str | None:
    return prepared.headers.get("Authorization", "").partition(" ")[2] or None


def _too_large(exchange: Exchange, exchanges: list[Exchange], limit: int) -> APIError:
    exchange.error = f"reply larger than {limit} bytes; reading stopped"
    return APIError(
        f"The endpoint's reply is larger than {limit // (1024 * 1024)} MB, so it was not read: "
        "ask for fewer tokens or check that the URL points at a model endpoint.",
        status_code=exchange.status,
        exchanges=exchanges,
    )


def _opened(response: httpx.Response, exchange: Exchange) -> None:
    exchange.status = response.status_code
    exchange.response_headers = dict(response.headers.items())
    exchange.time_to_first_byte = exchange.elapsed()


def _is_event_stream(prepared: PreparedRequest, response: httpx.Response) -> bool:
    return prepared.stream and response.is_success and "text/event-stream" in response.headers.get("content-type", "")


def _finish_body(response: httpx.Response, raw: bytes, exchange: Exchange, secret: str | None) -> Reply:
    # A server may echo the token it was sent (in an error message, say): what is shown, and
    # what the answer or the error is made from, never carries it.
    if secret and secret.encode() in raw:
        raw = raw.replace(secret.encode(), redact_token(secret).encode())
    exchange.response_body = parse_body(raw, response.headers.get("content-type"))
    exchange.total_time = exchange.elapsed()
    exchange.time_to_first_token = exchange.total_time
    return Reply(response.status_code, exchange.response_headers, exchange.response_body, exchange)


def send(prepared: PreparedRequest, settings: Settings, exchanges: list[Exchange], timeout: float | None = None) -> Reply:
    """Send one request; a stream that opens with 2xx comes back open, anything else read."""
    import httpx

    pool = sync_pool()
    request, exchange = _start(pool, prepared, settings, timeout, exchanges)
    try:
        response = pool.direct.handle_request(request) if pool.direct is not None else pool.client.send(request, stream=True)
    except httpx.HTTPError as error:
        raise _failure(error, exchange, exchanges, settings, timeout, _secret(prepared)) from None
    _opened(response, exchange)
    if _is_event_stream(prepared, response):
        exchange.events = []
        return Reply(response.status_code, exchange.response_headers, None, exchange, stream=response, secret=_secret(prepared))
    try:
        raw = bytearray()
        for piece in response.iter_bytes():
            raw += piece
            if len(raw) > settings.max_response_bytes:
                raise _too_large(exchange, exchanges, settings.max_response_bytes)
    except httpx.HTTPError as error:
        raise _failure(error, exchange, exchanges, settings, timeout, _secret(prepared)) from None
    finally:
        response.close()
    return _finish_body(response, bytes(raw), exchange, _secret(prepared))


async def asend(prepared: PreparedRequest, settings: Settings, exchanges: list[Exchange], timeout: float | None = None) -> Reply:
    """The async twin of :func:`send`."""
    import httpx

    pool = async_pool()
    request, exchange = _start(pool, prepared, settings, timeout, exchanges)
    try:
        response = await (pool.direct.handle_async_request(request) if pool.direct is not None else pool.client.send(request, stream=True))
    except httpx.HTTPError as error:
        raise _failure(error, exchange, exchanges, settings, timeout, _secret(prepared)) from None
    _opened(response, exchange)
    if _is_event_stream(prepared, response):
        exchange.events = []
        return Reply(response.status_code, exchange.response_headers, None, exchange, stream=response, secret=_secret(prepared))
    try:
        raw = bytearray()
        async for piece in response.aiter_bytes():
            raw += piece
            if len(raw) > settings.max_response_bytes:
                raise _too_large(exchange, exchanges, settings.max_response_bytes)
    except httpx.HTTPError as error:
        raise _failure(error, exchange, exchanges, settings, timeout, _secret(prepared)) from None
    finally:
        await response.aclose()
    return _finish_body(response, bytes(raw), exchange, _secret(prepared))


def stream_failure(error: Exception, exchange: Exchange, exchanges: list[Exchange], settings: Settings, timeout: float | None) -> APIError | None:
    """For the stream readers: an httpx failure mid-stream as our exception (None if not httpx's)."""
    import httpx

    if isinstance(error, httpx.HTTPError):
        return _failure(error, exchange, exchanges, settings, timeout)
    return None
