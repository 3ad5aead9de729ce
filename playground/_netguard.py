"""Connecting only to public addresses, for a server open to anyone (a public Space).

Checking a URL's addresses and then letting the connection resolve the name again leaves
a gap: a host whose DNS answer changes in between (DNS rebinding) reaches a private
address after passing the check. Here the check *is* the connection: the host name is
resolved once, every address is checked, and the socket goes to a checked address, while
TLS (SNI, certificate) and the ``Host`` header keep the name, as httpcore does for any
connection. httpcore is imported only when the guard is on.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Any


def is_public(address: str) -> bool:
    """True for an address on the public internet (not loopback, private, link-local,
    reserved or multicast; an IPv4-mapped IPv6 address is judged as its IPv4 one)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _getaddrinfo(host: str, port: int) -> list[str]:
    import asyncio  # loaded on first use: it costs more to import than the rest of the package

    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _sync_getaddrinfo(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


# The name resolvers (replaced by tests with stubs: tests never connect to a private address by name).
resolve: Callable[[str, int], Awaitable[list[str]]] = _getaddrinfo
resolve_sync: Callable[[str, int], list[str]] = _sync_getaddrinfo


def refusal(host: str, address: str) -> str:
    return (
        f"{host} leads to a private or local address ({address}), which this public playground does not call: "
        "use the endpoint's public URL, or run the playground yourself to reach your own network."
    )


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def _checked(host: str, addresses: list[str]) -> str:
    """The address to connect to: the first one, once every one of them is public."""
    if not addresses:
        raise OSError(f"{host} did not resolve to any address")
    for address in addresses:
        if not is_public(address):
            raise PrivateAddressError(refusal(host, address))
    return addresses[0]


class PrivateAddressError(OSError):
    """A connection refused because the host is, or resolves to, a non-public address."""


def guarded_backends(allow: Callable[[str, int], bool]) -> tuple[Any, Any]:
    """httpcore network backends (sync, async) that connect only to checked public
    addresses; ``allow(host, port)`` exempts the app's own services (its Local demo)."""
    import asyncio

    import httpcore
    from httpcore._backends.auto import AutoBackend
    from httpcore._backends.sync import SyncBackend

    class ConnectRefused(httpcore.ConnectError, PrivateAddressError):
        """httpx maps it to its ConnectError, keeping it as the cause: the transport tells it apart."""

    def address_of(host: str, port: int, addresses: list[str] | None) -> str:
        try:
            return _checked(host, addresses if addresses is not None else [])
        except PrivateAddressError as refused:
            raise ConnectRefused(str(refused)) from None

    class AsyncGuarded(AutoBackend):
        async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                              socket_options: Any = None) -> Any:
            if not allow(host, port):
                literal = _literal(host)
                if literal is not None:
                    address = address_of(host, port, [literal])
                else:
                    try:
                        found = await asyncio.wait_for(resolve(host, port), timeout) if timeout else await resolve(host, port)
                    except (OSError, UnicodeError) as error:
                        raise httpcore.ConnectError(f"{host}: {error}") from None
                    except asyncio.TimeoutError:
                        raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
                    address = address_of(host, port, found)
                host = address  # the socket goes where the check looked; TLS and Host keep the name
            return await super().connect_tcp(host, port, timeout=timeout, local_address=local_address, socket_options=socket_options)

    class SyncGuarded(SyncBackend):
        def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                        socket_options: Any = None) -> Any:
            if not allow(host, port):
                literal = _literal(host)
                if literal is not None:
                    address = address_of(host, port, [literal])
                else:
                    try:
                        found = resolve_sync(host, port)
                    except (OSError, UnicodeError) as error:
                        raise httpcore.ConnectError(f"{host}: {error}") from None
                    address = address_of(host, port, found)
                host = address
            return super().connect_tcp(host, port, timeout=timeout, local_address=local_address, socket_options=socket_options)

    return SyncGuarded(), AsyncGuarded()
