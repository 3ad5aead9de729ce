"""The app's settings, read once at start from the environment (and ``.env``, loaded by app.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playground import Settings

from .visitors import Budget


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
    lists endpoints, since every visitor would see the owner's, and serves visitors' calls
    only with ``visitors_use_server_token``."""
    sign_in: bool = False
    """"Sign in with Hugging Face" is offered: on a Space (``SYSTEM=spaces``, ``SPACE_ID``)
    whose front matter says ``hf_oauth: true`` (the Space then sets ``OAUTH_CLIENT_ID``)."""
    visitors_use_server_token: bool = False
    """``PLAYGROUND_VISITORS_USE_SERVER_TOKEN=1``: on a Space, a visitor with neither a sign-in
    nor a typed token is served with the owner's ``HF_TOKEN`` (within ``visitor_turns_per_hour``)."""
    visitor_turns_per_hour: int = 20
    """``PLAYGROUND_VISITOR_TURNS_PER_HOUR``: the turns each visitor may send an hour on the owner's token."""
    budget: Budget = field(default_factory=Budget, compare=False, repr=False)
    """The turns visitors took on the owner's token (this process's count)."""
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
            # Gradio's own test for a Space (SYSTEM=spaces): anywhere else a LoginButton gets
            # Gradio's local mock, which logs in with the machine's token by calling hf.co.
            sign_in=env.get("SYSTEM") == "spaces" and bool(env.get("SPACE_ID")) and bool((env.get("OAUTH_CLIENT_ID") or "").strip()),
            visitors_use_server_token=_flag(env, "PLAYGROUND_VISITORS_USE_SERVER_TOKEN"),
            visitor_turns_per_hour=_int(env, "PLAYGROUND_VISITOR_TURNS_PER_HOUR", cls.visitor_turns_per_hour),
            library=Settings.from_env(env),
        )

    def is_service(self, url: str) -> bool:
        """Whether ``url`` is on one of the Hugging Face services this app is set up to call
        (the router, hf-inference, the Hub, the Endpoints API: set by its owner, never by a
        visitor). A signed-in visitor's token may go there, as to any Hugging Face host."""
        library = self.library
        origin = urlsplit(url)
        return any(
            (origin.scheme, origin.netloc) == (urlsplit(service).scheme, urlsplit(service).netloc)
            for service in (library.router_url, library.inference_endpoint, library.hub_endpoint, library.endpoints_api_url)
            if service
        )

    def __repr__(self) -> str:  # never show the token, even in a debugger or a log line
        return (
            f"AppSettings(server_token={'set' if self.server_token else None}, token_hosts={self.token_hosts}, "
            f"concurrency={self.concurrency}, max_sessions={self.max_sessions}, block_private_urls={self.block_private_urls}, "
            f"default_endpoint={self.default_endpoint!r}, on_space={self.on_space}, sign_in={self.sign_in}, "
            f"visitors_use_server_token={self.visitors_use_server_token})"
        )
