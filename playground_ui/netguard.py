"""Refusing endpoint URLs that point into the server's own network, with a sentence.

On a public deployment (a Hugging Face Space) a visitor must not make the server call
loopback, private, link-local (cloud metadata) or other non-public addresses. This check
runs before anything is sent, to say so in the page; the library's
``refuse_private_addresses()`` (turned on by the app on a public deployment) then makes
every connection go to an address it checked itself, so a DNS answer that changes after
this check cannot lead there either. The library follows no redirects.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from playground import _netguard, refuse_private_addresses
from playground._netguard import is_public, refusal

from .local_demo import LOCAL_DEMO
from .settings import AppSettings

__all__ = ["PrivateAddressRefused", "check_public_url", "is_public", "protect_process"]


def protect_process(settings: AppSettings) -> bool:
    """On a public deployment, every connection of this process goes only to public
    addresses it checked itself (the Local demo, the app's own, excepted). Says whether."""
    if settings.block_private_urls:
        refuse_private_addresses(allow=LOCAL_DEMO.serves)
    return settings.block_private_urls


class PrivateAddressRefused(Exception):
    """The URL's host is, or resolves to, an address a public server must not call."""


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
            addresses = await _netguard.resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return
    blocked = [address for address in addresses if not _netguard.is_public(address)]
    if blocked:
        raise PrivateAddressRefused(refusal(host, blocked[0]))
