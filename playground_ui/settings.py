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


@dataclass(frozen=True)
class AppSettings:
    server_token: str | None = None
    """The server's own token (``HF_TOKEN``): used when a visitor types none, and only
    for Hugging Face hosts over https or the hosts in ``token_hosts``."""
    token_hosts: tuple[str, ...] = ()
    """``PLAYGROUND_TOKEN_HOSTS``: more hosts (comma-separated) that may receive the server token."""
    concurrency: int = 64
    """``PLAYGROUND_CONCURRENCY``: chats served at once, for all visitors together."""
    library: Settings = Settings()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        hosts = tuple(h.strip().lower() for h in env.get("PLAYGROUND_TOKEN_HOSTS", "").split(",") if h.strip())
        return cls(
            server_token=(env.get("HF_TOKEN") or "").strip() or None,
            token_hosts=hosts,
            concurrency=_int(env, "PLAYGROUND_CONCURRENCY", cls.concurrency),
            library=Settings.from_env(env),
        )

    def __repr__(self) -> str:  # never show the token, even in a debugger or a log line
        return f"AppSettings(server_token={'set' if self.server_token else None}, token_hosts={self.token_hosts}, concurrency={self.concurrency})"
