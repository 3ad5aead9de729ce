"""Server-sent events, decoded incrementally from bytes as they arrive.

Follows the SSE spec where TGI's servers differ from each other: ``data:`` with or
without a space, ``\\n``, ``\\r\\n`` or ``\\r`` line ends, comment lines (``: keep-alive``),
multi-line data, and events split anywhere across network reads (multi-byte UTF-8
characters included, since lines are decoded only once whole). A line longer than
``max_line_bytes`` raises instead of growing the buffer without bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class SSEEvent(NamedTuple):
    """One event: its data lines joined with ``\n``, and its type. A named tuple: one is made
    per token, and a frozen dataclass costs several times as much to make."""

    data: str
    event: str = "message"


class SSEDecodeError(ValueError):
    """The stream broke the format in a way that cannot be read past."""


class SSEDecoder:
    """Feed it bytes; it returns the events each feed completed."""

    def __init__(self, max_line_bytes: int = 4 * 1024 * 1024) -> None:
        self._buffer = bytearray()
        self._data: list[str] = []
        self._event = ""
        self._max_line_bytes = max_line_bytes

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buffer = self._buffer
        buffer += chunk
        events: list[SSEEvent] = []
        lines: Iterable[str] = ()
        if b"\r" not in buffer:  # the usual case, \n line ends only: every whole line decoded and split at once
            last = buffer.rfind(b"\n")
            if last != -1:
                text = buffer[:last].decode("utf-8", errors="replace")
                del buffer[: last + 1]
                if not self._data and not self._event and text.startswith("data:") and text.find("\n") == len(text) - 1:
                    # One whole event of one data line, as most servers send each token: no line-by-line walk.
                    events.append(SSEEvent(text[6:-1] if text.startswith(" ", 5) else text[5:-1]))
                else:
                    lines = text.split("\n")
        else:
            lines = iter(self._next_line, None)
        for line in lines:
            event = self._process(line)
            if event is not None:
                events.append(event)
        if len(self._buffer) > self._max_line_bytes:
            raise SSEDecodeError(f"a stream line is longer than {self._max_line_bytes} bytes")
        return events

    def flush(self) -> list[SSEEvent]:
        """At end of stream: a last ``\r`` held back in case ``\n`` followed ends its line."""
        if self._buffer.endswith(b"\r"):
            return self.feed(b"\n")
        return []

    @property
    def pending(self) -> bool:
        """True while part of an event has arrived without the blank line that ends it."""
        return bool(self._data or self._buffer.strip())

    def _next_line(self) -> str | None:
        buffer = self._buffer
        newline, carriage = buffer.find(b"\n"), buffer.find(b"\r")
        if carriage == -1 or (newline != -1 and newline < carriage):
            if newline == -1:
                return None
            end, skip = newline, newline + 1
        else:  # a \r, alone or the first half of \r\n
            if carriage + 1 == len(buffer):
                return None  # wait: the \n may come in the next read
            end = carriage
            skip = carriage + 2 if buffer[carriage + 1] == 0x0A else carriage + 1
        line = bytes(buffer[:end]).decode("utf-8", errors="replace")
        del buffer[:skip]
        return line

    def _process(self, line: str) -> SSEEvent | None:
        if line.startswith("data:"):  # most lines
            self._data.append(line[6:] if line.startswith(" ", 5) else line[5:])
            return None
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = SSEEvent("\n".join(self._data), self._event or "message")
            self._data, self._event = [], ""
            return event
        if line.startswith(":"):
            return None  # comment, e.g. a keep-alive
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None  # id and retry are not used by any HF server
