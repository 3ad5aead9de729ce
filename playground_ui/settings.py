"""The app's settings, read once at start from the environment (and ``.env``, loaded by app.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from playground import Settings


def _int(env: Mapping[str, str], name: str, default: int, low: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number; set it to e.g. {default}.") from None
    if value < low:
        raise SystemExit(f"{name} must be at least {low}, not {value}.")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class AppSettings:
    server_token: str | None = None
    """The server's own token (``HF_TOKEN``): used when a visitor types none, and only
    for Hugging Face hosts over https or the hosts in ``token_hosts``."""
    token_hosts: tuple[str, ...] = ()
    """``PLAYGROUND_TOKEN_HOSTS``: more hosts (comma-separated) that may receive the server token."""
    concurrency: int = 256
    """``PLAYGROUND_CONCURRENCY``: chats served at once, for all visitors together."""
    max_message_chars: int = 100_000
    """``PLAYGROUND_MAX_MESSAGE_CHARS``: the longest message (and question context) a turn sends."""
    max_conversation_chars: int = 400_000
    """``PLAYGROUND_MAX_CONVERSATION_CHARS``: the most text a turn sends in all (system prompt,
    history, context and message); about 100,000 tokens."""
    max_sessions: int = 1000
    """``PLAYGROUND_MAX_SESSIONS``: browser sessions whose state the server keeps (Gradio's
    ``state_session_capacity``, about 0.1 MB each here); past it the least recently used
    one is dropped, and its next chat starts with fresh settings state."""
    block_private_urls: bool = False
    """Refuse endpoint URLs that lead to private, loopback or link-local addresses: on by
    itself on a Space (``SPACE_ID``) or with ``PLAYGROUND_BLOCK_PRIVATE_URLS=1``; off with
    ``PLAYGROUND_ALLOW_PRIVATE_URLS=1`` (self-hosters reaching their own network)."""
    default_endpoint: str = "local"
    """The endpoint kind selected when the page opens (``PLAYGROUND_DEFAULT_ENDPOINT``):
    "default" when the server has a token, else the Local demo, which works offline."""
    on_space: bool = False
    """Running as a Hugging Face Space (``SPACE_ID`` set): the server's token then never
    lists endpoints, since every visitor would see the owner's."""
    library: Settings = Settings()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        hosts = tuple(h.strip().lower() for h in env.get("PLAYGROUND_TOKEN_HOSTS", "").split(",") if h.strip())
        server_token = (env.get("HF_TOKEN") or "").strip() or None
        block = bool(env.get("SPACE_ID")) or _flag(env, "PLAYGROUND_BLOCK_PRIVATE_URLS")
        default = (env.get("PLAYGROUND_DEFAULT_ENDPOINT") or ("default" if server_token else "local")).strip().lower()
        if default not in ("default", "public", "private", "local"):
            raise SystemExit(f"PLAYGROUND_DEFAULT_ENDPOINT={default!r}: use default, public, private or local.")
        return cls(
            server_token=server_token,
            token_hosts=hosts,
            concurrency=_int(env, "PLAYGROUND_CONCURRENCY", cls.concurrency),
            max_sessions=_int(env, "PLAYGROUND_MAX_SESSIONS", cls.max_sessions),
            max_message_chars=_int(env, "PLAYGROUND_MAX_MESSAGE_CHARS", cls.max_message_chars),
            max_conversation_chars=_int(env, "PLAYGROUND_MAX_CONVERSATION_CHARS", cls.max_conversation_chars),
            block_private_urls=block and not _flag(env, "PLAYGROUND_ALLOW_PRIVATE_URLS"),
            default_endpoint=default,
            on_space=bool(env.get("SPACE_ID")),
            library=Settings.from_env(env),
        )

    def __repr__(self) -> str:  # never show the token, even in a debugger or a log line
        return (
            f"AppSettings(server_token={'set' if self.server_token else None}, token_hosts={self.token_hosts}, "
            f"concurrency={self.concurrency}, max_sessions={self.max_sessions}, block_private_urls={self.block_private_urls}, default_endpoint={self.default_endpoint!r})"
        )
