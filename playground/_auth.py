"""Which token a call uses, where a token may go, and how it is shown.

The chain, first match wins (written down once, here):

1. the ``api_key=`` argument (``api_key=False`` means "no token": the chain is skipped);
2. ``playground.huggingface_key``;
3. ``HF_TOKEN``;
4. ``HUGGINGFACE_API_KEY``;
5. the token saved by ``huggingface-cli login`` / ``hf auth login`` (``huggingface_hub.get_token()``).

A token is never printed: every place that shows a request uses :func:`redact_headers`
and :func:`scrub`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from ._errors import BadRequestError
from ._settings import Settings

AUTHORIZATION = "authorization"

# Hosts that belong to Hugging Face, where a token may be sent over https: huggingface.co
# and its subdomains, endpoints.huggingface.cloud and its subdomains (Inference Endpoints),
# and hf.space itself. Not *.hf.space: every Space runs its owner's code.
HF_DOMAINS = ("huggingface.co", "endpoints.huggingface.cloud")
HF_EXACT_HOSTS = ("hf.space",)


def resolve_token(api_key: str | bool | None, settings: Settings) -> str | None:
    """The token for a call, or None for an anonymous call."""
    if api_key is False:
        return None
    if isinstance(api_key, str) and api_key.strip():
        return check_token(api_key.strip(), "api_key")
    package = sys.modules.get("playground")
    package_key = getattr(package, "huggingface_key", None)
    if isinstance(package_key, str) and package_key.strip():
        return check_token(package_key.strip(), "playground.huggingface_key")
    for name, candidate in (("HF_TOKEN", settings.hf_token), ("HUGGINGFACE_API_KEY", settings.huggingface_api_key)):
        if candidate and candidate.strip():
            return check_token(candidate.strip(), name)
    saved = _saved_login_token(settings)
    return check_token(saved, "the saved login token") if saved else None


def check_token(token: str, source: str) -> str:
    """The token if it can go in a header; otherwise :class:`BadRequestError` naming where it
    came from, never quoting it (a pasted token with a line break would otherwise end up in
    an HTTP library's error message)."""
    if not (0 < len(token) <= 4096) or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise BadRequestError(
            f"The token in {source} has characters a token cannot have (spaces, line breaks or non-ASCII): "
            "copy it again from your Hugging Face settings.",
            code="malformed_token",
        )
    return token


SAVED_TOKEN_REUSE = 30.0
"""Seconds a saved login token read from disk is reused while its file is unchanged."""
_saved: tuple[object, float, str | None] | None = None


def _login_state(settings: Settings) -> object:
    """What says the saved login may have changed: the token file's path, identity, size and
    modification time (a new ``hf auth login`` or a logout changes them). None: do not
    reuse (with HF_OIDC_RESOURCE the token comes from an OIDC exchange, short-lived, which
    huggingface_hub caches itself)."""
    from huggingface_hub import constants

    if settings.oidc_resource:
        return None
    path = constants.HF_TOKEN_PATH
    try:
        status = os.stat(path)
    except OSError:
        return (path, None)
    return (path, status.st_ino, status.st_size, status.st_mtime_ns)


def _saved_login_token(settings: Settings) -> str | None:
    """huggingface_hub's saved login (``get_token()``), read from disk at most once every
    SAVED_TOKEN_REUSE seconds while the token file is unchanged: reading it costs ~20 µs a
    call, checking the file ~2 µs. The time limit lets huggingface_hub refresh an OAuth
    login that nears its expiry (it does so well ahead of it)."""
    global _saved
    # Imported here: huggingface_hub's auth helpers cost ~0.1 s to import and most
    # calls find a token earlier in the chain.
    try:
        from huggingface_hub import get_token

        state = _login_state(settings)
        now = time.monotonic()
        saved = _saved
        if state is not None and saved is not None and saved[0] == state and now - saved[1] < SAVED_TOKEN_REUSE:
            return saved[2]
        token = get_token()
    except Exception:  # a broken token file or OIDC setup must not break an anonymous call
        return None
    token = token.strip() if token and token.strip() else None
    _saved = (state, now, token)
    return token


def auth_headers(token: str | None) -> dict[str, str]:
    """``Authorization: Bearer ...`` for a token; no header at all without one."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def redact_token(token: str) -> str:
    """How a token is shown: its ``hf_`` prefix kept, the secret part starred."""
    return "hf_***" if token.startswith("hf_") else "***"


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of request headers fit to show: the Authorization value redacted."""
    shown: dict[str, str] = {}
    for name, value in headers:
        if name.lower() in (AUTHORIZATION, "proxy-authorization", "x-api-key", "cookie"):
            scheme, _, secret = value.partition(" ")
            value = f"{scheme} {redact_token(secret)}" if secret else redact_token(value)
        shown[name] = value
    return shown


def scrub(text: str, token: str | None) -> str:
    """``text`` with every occurrence of ``token`` replaced by its redacted form."""
    if token and len(token) >= 4 and token in text:
        return text.replace(token, redact_token(token))
    return text


def is_huggingface_url(url: str, extra_hosts: Iterable[str] = ()) -> bool:
    """True for an https URL on a Hugging Face host, or on one of ``extra_hosts`` (exact names)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or not host or parts.username or parts.password:
        return False
    if host in HF_EXACT_HOSTS or host in (h.strip().lower() for h in extra_hosts):
        return True
    return any(host == domain or host.endswith("." + domain) for domain in HF_DOMAINS)
