"""Who is calling, on a public Space: a visitor's own token from "Sign in with Hugging
Face", and the hourly budget of turns a visitor may take on the owner's token. No Gradio here.

A visitor is told apart by the address their requests come from (the first address of
``X-Forwarded-For`` behind the Spaces proxy), which a reload does not change.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

HOUR = 3600.0


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
    forwarded = (headers.get("x-forwarded-for") or "").split(",")[0].strip()
    client = getattr(request, "client", None)
    key = forwarded or str(getattr(client, "host", "") or "") or str(getattr(request, "session_hash", "") or "")
    return Visitor(key, token)


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
            if len(self._turns) > 10_000:  # forget visitors whose hour is over
                for old in [k for k, t in self._turns.items() if not t or now - t[-1] >= HOUR]:
                    del self._turns[old]
            return True

    def minutes_until_next(self, key: str) -> int:
        with self._lock:
            turns = self._turns.get(key)
            if not turns:
                return 0
            return max(1, round((HOUR - (self._clock() - turns[0])) / 60))
