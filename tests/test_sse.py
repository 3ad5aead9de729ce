"""The SSE decoder: whatever the split of the bytes, the same events."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakehf import RECORDED
from playground._sse import SSEDecodeError, SSEDecoder

STREAMS = [name for name, entry in RECORDED.items() if entry["response"]["headers"]["content-type"] == "text/event-stream"]


def decode(pieces):
    decoder = SSEDecoder()
    events = []
    for piece in pieces:
        events += decoder.feed(piece)
    events += decoder.flush()
    return events, decoder


def cut(raw: bytes, points):
    points = sorted({p % (len(raw) + 1) for p in points})
    edges = [0, *points, len(raw)]
    return [raw[a:b] for a, b in zip(edges, edges[1:])]


@pytest.mark.parametrize("name", STREAMS)
@settings(max_examples=40, deadline=None)
@given(points=st.lists(st.integers(min_value=0, max_value=10**6), max_size=30))
def test_recorded_streams_decode_the_same_however_split(name, points):
    raw = RECORDED[name]["response"]["body"].encode()
    whole, _ = decode([raw])
    assert whole and all(e.data for e in whole)
    pieces, decoder = decode(cut(raw, points))
    assert pieces == whole
    assert not decoder.pending


@settings(max_examples=60, deadline=None)
@given(
    datas=st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), min_size=1), min_size=1, max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    space=st.booleans(),
    points=st.lists(st.integers(min_value=0, max_value=10**4), max_size=10),
)
def test_any_text_any_line_ending_any_split(datas, newline, space, points):
    prefix = "data: " if space else "data:"
    raw = "".join(f": keep-alive{newline}{prefix}{d}{newline}{newline}" for d in datas).encode()
    events, _ = decode(cut(raw, points))
    expected = [d[1:] if (not space and d.startswith(" ")) else d for d in datas]
    assert [e.data for e in events] == expected


def test_multi_line_data_and_event_names():
    events, _ = decode([b"event: error\ndata: line one\ndata: line two\n\n"])
    assert [(e.event, e.data) for e in events] == [("error", "line one\nline two")]


def test_a_cut_event_is_pending_not_delivered():
    events, decoder = decode([b'data: {"a": 1}\n\ndata: {"b"'])
    assert [e.data for e in events] == ['{"a": 1}']
    assert decoder.pending


def test_multibyte_characters_split_between_reads():
    raw = 'data: {"text": "café 日本"}\n\n'.encode()
    events, _ = decode([raw[:15], raw[15:17], raw[17:]])
    assert events[0].data == '{"text": "café 日本"}'


def test_an_endless_line_is_refused_not_buffered():
    decoder = SSEDecoder(max_line_bytes=1000)
    with pytest.raises(SSEDecodeError):
        for _ in range(100):
            decoder.feed(b"data: " + b"x" * 100)


@settings(max_examples=60, deadline=None)
@given(points=st.lists(st.integers(min_value=0, max_value=10**6), max_size=12))
def test_multi_line_data_with_crlf_is_one_event_with_newlines_however_split(points):
    """The spec joins an event's data: lines with one newline; CR LF is one line end, never two."""
    raw = b'data: {"a":\r\ndata: 1}\r\n\r\ndata: second\r\n\r\n'
    events, decoder = decode(cut(raw, points))
    assert [e.data for e in events] == ['{"a":\n1}', "second"]
    assert not decoder.pending


def test_an_events_type_is_its_own_and_message_by_default():
    """TGI sends errors as "event: error"; the type must not stick to the events after it."""
    events, _ = decode([b'data: first\n\nevent: error\ndata: {"error":"x"}\n\ndata: next\n\n: keep-alive\n\ndata: last\n\n'])
    assert [(e.event, e.data) for e in events] == [
        ("message", "first"), ("error", '{"error":"x"}'), ("message", "next"), ("message", "last")]


def test_a_line_as_long_as_the_limit_is_read_and_a_longer_one_is_refused_with_its_size():
    line = b"data: " + b"x" * 94 + b"\n\n"  # 100 bytes before its line end
    decoder = SSEDecoder(max_line_bytes=100)
    assert decoder.feed(line[:100]) == [] and [e.data for e in decoder.feed(line[100:])] == ["x" * 94]
    with pytest.raises(SSEDecodeError, match="longer than 100 bytes"):
        SSEDecoder(max_line_bytes=100).feed(b"data: " + b"x" * 95)
