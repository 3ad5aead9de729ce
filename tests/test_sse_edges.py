"""The SSE decoder against a plain reading of the spec: the same events, delivered as soon as their blank line
arrives, whatever the line ends (\\n, \\r\\n, \\r, mixed), however the bytes are split, on the fast path or the slow."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from playground._sse import SSEDecodeError, SSEDecoder


def spec_reading(raw: bytes):
    """The events of the whole lines of ``raw``, in the spec's words, and whether part of an event is left over."""
    *lines, tail = re.split(rb"\r\n|\r|\n", raw)
    events, data, kind = [], [], ""
    for line in (whole.decode("utf-8", "replace") for whole in lines):
        if not line:  # a blank line dispatches the event (if it has data) and forgets its type
            if data:
                events.append((kind or "message", "\n".join(data)))
            data, kind = [], ""
        elif not line.startswith(":"):  # a comment is skipped
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "event":
                kind = value
    return events, bool(data or tail.strip())


def delivered(events):
    return [(e.event, e.data) for e in events]


def cut(raw: bytes, points):
    points = sorted({p % (len(raw) + 1) for p in points})
    edges = [0, *points, len(raw)]
    return [raw[a:b] for a, b in zip(edges, edges[1:])]


TEXT = st.text(alphabet="ab é日:", max_size=6)
DATA = st.tuples(st.sampled_from(["data: ", "data:", "data:  "]), TEXT).map("".join)
LINE = st.one_of(  # a blank line, a data line, an event type or anything else, alike often
    st.just(""),
    DATA,
    st.sampled_from(["event: error", "event:tokens", "event", "event:"]),
    st.sampled_from(["data", ": keep-alive", ":", "id: 7", "retry: 100", "unknown: x", " data: not a data line"]),
)
ENDINGS = st.sampled_from([("\n",), ("\r\n",), ("\r",), ("\n", "\r\n", "\r")])  # one style, or mixed line by line


@st.composite
def streams(draw):
    """A stream's bytes and the reads they arrive in: cut anywhere, between lines, or after each blank line."""
    endings = draw(ENDINGS)
    usual = DATA.map(lambda data: [data, ""])  # one data line and its blank line: most events of most servers
    units = draw(st.lists(st.one_of(usual, st.lists(LINE, max_size=4)), max_size=6))
    lines = [line + draw(st.sampled_from(endings)) for unit in units for line in unit]
    raw = "".join(lines).encode()
    points = draw(st.lists(st.integers(min_value=0, max_value=10**4), max_size=8))
    ends = [len("".join(lines[:i]).encode()) for i in range(len(lines) + 1)]
    reads = draw(st.sampled_from(["anywhere", "between lines", "event by event"]))
    if reads == "between lines":  # as servers write: whole lines, some reads holding several
        points = [ends[p % len(ends)] for p in points]
    elif reads == "event by event":  # as most servers write: each read ends on a blank line
        points = [end for end, line in zip(ends[1:], lines) if not line.strip("\r\n")]
    return raw, cut(raw, points)


@settings(max_examples=400, deadline=None)
@given(stream=streams())
@example(stream=(b"data: a\n\n:\ndata: b\r\n\r\nevent: e\rdata: c\r\r", [b"data: a\n\n:\ndata: b\r\n\r\nevent: e\rdata: c\r\r"]))
@example(stream=(b"event: error\ndata: x\n\ndata: y\n\n", [b"event: error\n", b"data: x\n\n", b"data: y\n\n"]))
@example(stream=(b"data: a\ndata: b\n\n", [b"data: a\n", b"data: b\n\n"]))  # an event's first line in an earlier read
def test_every_read_delivers_exactly_the_events_its_bytes_completed(stream):
    raw, reads = stream
    decoder, got, fed = SSEDecoder(), [], b""
    for piece in reads:
        fed += piece
        got += delivered(decoder.feed(piece))
        held = fed[:-1] if fed.endswith(b"\r") else fed  # a last \r waits: a \n may follow and belong to it
        assert (got, decoder.pending) == spec_reading(held)
    got += delivered(decoder.flush())
    assert (got, decoder.pending) == spec_reading(raw)


@pytest.mark.parametrize(
    "raw, events",
    [
        (b"data: a\n\ndata: b\r\n\r\n", ["a", "b"]),  # \n lines, then CR LF ones, in one read
        (b":\ndata: a\r\n\r\n", ["a"]),  # a one-character line ended by \n before a CR LF
        (b"data: a\r\n\r\ndata: b\n\n", ["a", "b"]),
        (b"data: a\rdata: b\n\r", ["a\nb"]),
    ],
)
def test_mixed_line_ends_in_one_read_are_each_one_line_end(raw, events):
    decoder = SSEDecoder()
    assert [e.data for e in decoder.feed(raw) + decoder.flush()] == events
    assert not decoder.pending


def test_with_bare_cr_line_ends_each_event_arrives_with_the_next_byte_not_at_the_end_of_the_stream():
    decoder = SSEDecoder()
    assert [e.data for e in decoder.feed(b"data: a\r\rdata: b\r\r")] == ["a"]  # b's last \r might be half of a CR LF
    assert [e.data for e in decoder.feed(b"data: c\r\r")] == ["b"]
    assert [e.data for e in decoder.flush()] == ["c"] and not decoder.pending


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_a_stream_ending_on_its_blank_line_leaves_nothing_pending(end):
    decoder = SSEDecoder()
    events = decoder.feed(f"data: a{end}{end}".encode()) + decoder.flush()
    assert [e.data for e in events] == ["a"] and not decoder.pending
    assert decoder.flush() == []


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_bytes_that_are_not_utf8_read_as_replacement_characters_on_every_line_end(end):
    decoder = SSEDecoder()
    events = decoder.feed(b"event: t\xffpe" + end + b"data: caf\xe9" + end + end) + decoder.flush()
    assert [(e.event, e.data) for e in events] == [("t\ufffdpe", "caf\ufffd")]


@pytest.mark.parametrize("end", [b"\n", b"\r\n"])
def test_the_line_limit_holds_even_when_an_event_completes_in_the_same_read(end):
    event = b"data: a" + end + end
    with pytest.raises(SSEDecodeError, match="longer than 100 bytes"):
        SSEDecoder(max_line_bytes=100).feed(event + b"data: " + b"x" * 95)
    decoder = SSEDecoder(max_line_bytes=100)
    assert [e.data for e in decoder.feed(event + b"data: " + b"x" * 94)] == ["a"] and decoder.pending


def test_the_one_line_event_of_the_fast_path_reads_as_the_slow_path_reads_it():
    for body in [b"data: x", b"data:x", b"data:  x", b"data:", b"data: ", b"data: a: b"]:
        fast, slow = SSEDecoder(), SSEDecoder()
        assert fast.feed(body + b"\n\n") == slow.feed(body + b"\r\n\r\n") and not fast.pending and not slow.pending
