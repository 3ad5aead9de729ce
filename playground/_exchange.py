"""The record of one HTTP exchange, as the payload view shows it.

The transport fills one in for every request it sends: what went out (token redacted),
what came back, and when. Streams append their events as they arrive.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Exchange:
    """One request and its response (or the failure that stood in for one)."""

    purpose: str
    """Why it was sent: "chat", "text-generation", "fallback to text-generation", ..."""
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    """Parsed JSON when the body is JSON, else its text; None for a stream."""
    events: list[str] | None = None
    """For a stream: each event's data, verbatim (see :meth:`parsed_events`)."""
    error: str | None = None
    """What stood in for a response: connection refused, timeout, stream cut short."""
    started_at: float = 0.0
    """Wall-clock time (epoch seconds) the request was sent."""
    time_to_first_byte: float | None = None
    time_to_first_token: float | None = None
    total_time: float | None = None
    clock_start: float = field(default=0.0, repr=False)
    """time.perf_counter() when sent: the origin of the durations above."""
    note: str | None = None
    """What the library changed on the way and why (e.g. the model name an engine serves)."""
    provider: str | None = None
    """The Inference Provider that answered (the router's ``x-inference-provider``)."""
    engine: str | None = None
    """The dedicated endpoint's engine and version, when known ("vLLM 0.11.0", "TGI 3.2.1")."""

    def elapsed(self) -> float:
        return time.perf_counter() - self.clock_start

    @property
    def is_stream(self) -> bool:
        return self.events is not None

    def parsed_events(self) -> list[Any]:
        """The stream's events parsed as JSON where they are JSON (``[DONE]`` stays text)."""
        parsed = []
        for data in self.events or []:
            try:
                parsed.append(json.loads(data))
            except (ValueError, RecursionError):
                parsed.append(data)
        return parsed

    def to_dict(self) -> dict[str, Any]:
        """Plain data, JSON-serialisable, for the UI and for logs."""
        return {
            "purpose": self.purpose,
            **({"note": self.note} if self.note else {}),
            **({"provider": self.provider} if self.provider else {}),
            **({"engine": self.engine} if self.engine else {}),
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": dict(self.request_headers),
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": dict(self.response_headers),
                **({"events": list(self.events)} if self.events is not None else {"body": self.response_body}),
                **({"error": self.error} if self.error else {}),
            },
            "timings": {
                "started_at": self.started_at,
                "time_to_first_byte": self.time_to_first_byte,
                "time_to_first_token": self.time_to_first_token,
                "total_time": self.total_time,
            },
        }

    def __repr__(self) -> str:
        return f"<Exchange {self.purpose}: {self.method} {self.url} -> {self.status if self.status is not None else self.error}>"


def parse_body(raw: bytes, content_type: str | None) -> Any:
    """A response body as JSON if it parses, else as text (undecodable bytes replaced)."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return text
    if content_type is None or "json" in content_type or text.lstrip()[:1] in "[{":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            pass
    return text
