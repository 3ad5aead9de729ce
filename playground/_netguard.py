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


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the last 32 bits are an IPv4 address
# Never a public host, whatever Python's tables say: local-use NAT64 (RFC 8215), IPv4-compatible
# (deprecated, ::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) and site-local (deprecated) addresses.
NOT_PUBLIC_V6 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96", "fec0::/10"))


def is_public(address: str) -> bool:
    """True for an address on the public internet (not loopback, private, link-local,
    shared, reserved or multicast). An IPv6 address that carries an IPv4 one (mapped,
    NAT64, 6to4, Teredo) is judged by the IPv4 address it leads to as well."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in NOT_PUBLIC_V6):
            return False
        carried = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in NAT64:
            carried.append(ipaddress.IPv4Address(ip.packed[-4:]))
        return all(is_public(str(inner)) for inner in carried if inner is not None)
    return True


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


def _checked(host: str, addresses: list[str]) -> list[str]:
    """The addresses to connect to, in order, once every one of them is public."""
    if not addresses:
        raise OSError(f"{host} did not resolve to any address")
    for address in addresses:
        if not is_public(address):
            raise PrivateAddressError(refusal(host, address))
    return list(dict.fromkeys(addresses))


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

    def checked(host: str, addresses: list[str]) -> list[str]:
        try:
            return _checked(host, addresses)
        except PrivateAddressError as refused:
            raise ConnectRefused(str(refused)) from None

    class AsyncGuarded(AutoBackend):
        async def connect_tcp(self, host: str, port: int, **options: Any) -> Any:
            if not allow(host, port):
                try:  # a literal address resolves to itself, without asking anyone
                    found = await asyncio.wait_for(resolve(host, port), options.get("timeout"))
                except asyncio.TimeoutError:  # before OSError, which it is since Python 3.11
                    raise httpcore.ConnectTimeout(f"{host} did not resolve in time") from None
                except (OSError, UnicodeError) as error:
                    raise httpcore.ConnectError(f"{host}: {error}") from None
                # The socket goes where the check looked (each checked address in turn, as a
                # resolving connect would try them); TLS and Host keep the name.
                *others, host = checked(host, found)
                for address in others:
                    try:
                        return await super().connect_tcp(address, port, **options)
                    except httpcore.ConnectError:
                        continue
            return await super().connect_tcp(host, port, **options)

    class SyncGuarded(SyncBackend):
        def connect_tcp(self, host: str, port: int, **options: Any) -> Any:
            if not allow(host, port):
                try:
                    found = resolve_sync(host, port)
                except (OSError, UnicodeError) as error:
                    raise httpcore.ConnectError(f"{host}: {error}") from None
                *others, host = checked(host, found)
                for address in others:
                    try:
                        return super().connect_tcp(address, port, **options)
                    except httpcore.ConnectError:
                        continue
            return super().connect_tcp(host, port, **options)

    return SyncGuarded(), AsyncGuarded()
