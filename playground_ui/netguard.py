"""Refusing endpoint URLs that point into the server's own network.

On a public deployment (a Hugging Face Space) a visitor must not make the server call
loopback, private, link-local (cloud metadata) or other non-public addresses. Every address
the host resolves to is checked; the library follows no redirects, so no later hop can
lead there either.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class PrivateAddressRefused(Exception):
    """The URL's host is, or resolves to, an address a public server must not call."""


async def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


resolve = _getaddrinfo  # replaced by tests with a stub: tests never send to a private address


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_public_url(url: str) -> None:
    """Raises :class:`PrivateAddressRefused` with a sentence when ``url`` leads into a private network.
    A host that does not resolve passes: the request then fails by itself, with its own sentence."""
    parts = urlsplit(url)
    host = (parts.hostname or "").strip("[]")
    if not host:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return
    blocked = [address for address in addresses if not is_public(address)]
    if blocked:
        raise PrivateAddressRefused(
            f"{host} leads to a private or local address ({blocked[0]}), which this public playground does not call: "
            "use the endpoint's public URL, or run the playground yourself to reach your own network."
        )
