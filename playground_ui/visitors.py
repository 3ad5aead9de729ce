"""Who is calling, on a public Space: a visitor's own token from "Sign in with Hugging
Face", and the hourly budget of turns a visitor may take on the owner's token. No Gradio here.

A visitor is told apart by the address their requests come from, which a reload does not
change: behind the Spaces proxy, the last public address of ``X-Forwarded-For`` (the one a
proxy of Hugging Face's added; the first entries are whatever the caller wrote).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from playground._netguard import is_public

HOUR = 3600.0
MAX_VISITORS = 10_000  # remembered at once; past it the longest idle half is forgotten


@dataclass(frozen=True)
class Visitor:
    key: str = ""
    """Who, for the budget: an address, else the browser session."""
    token: str = ""
    """The OAuth token of a signed-in visitor (never shown, stored or exported)."""

    def __repr__(self) -> str:
        return f"Visitor(key={self.key!r}, token={'set' if self.token else 'none'})"


def visitor_of(request: object | None, oauth: object | None) -> Visitor:
    """The visitor behind a Gradio request and their OAuth token (``gr.OAuthToken`` or None)."""
    token = str(getattr(oauth, "token", "") or "")
    if request is None:
        return Visitor("", token)
    headers: Mapping[str, str] = getattr(request, "headers", None) or {}
    forwarded = [part.strip() for part in (headers.get("x-forwarded-for") or "").split(",") if part.strip()]
    proxied = next((address for address in reversed(forwarded) if _public(address)), "")
    client = getattr(request, "client", None)
    key = proxied or str(getattr(client, "host", "") or "") or str(getattr(request, "session_hash", "") or "")
    return Visitor(key, token)


def _public(address: str) -> bool:
    try:
        return is_public(address)
    except ValueError:  # not an address at all
        return False


class Budget:
    """Turns per visitor in the last hour (a sliding window), for the whole process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._turns: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, per_hour: int) -> bool:
        """Counts a turn for ``key`` and says True, or says False (counting nothing) when
        ``key`` already took ``per_hour`` turns in the last hour."""
        now = self._clock()
        with self._lock:
            turns = self._turns.setdefault(key, deque())
            while turns and now - turns[0] >= HOUR:
                turns.popleft()
            if len(turns) >= per_hour:
                return False
            turns.append(now)
            if len(self._turns) > MAX_VISITORS:  # forget visitors whose hour is over, else the longest idle
                idle = sorted(self._turns, key=lambda k: self._turns[k][-1] if self._turns[k] else 0.0)
                for old in idle[: len(idle) - MAX_VISITORS // 2]:
                    if old != key:
                        del self._turns[old]
            return True

    def minutes_until_next(self, key: str) -> int:
        with self._lock:
            turns = self._turns.get(key)
            if not turns:
                return 0
            return max(1, round((HOUR - (self._clock() - turns[0])) / 60))
