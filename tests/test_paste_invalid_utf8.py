"""Invalid UTF-8 (and ``\\r\\n``) in or before a line over 32 KB: a paste of the decoded text and a log's reader,
in one process or in blocks, read the same windows of it, so they find the same errors."""

from __future__ import annotations

import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnose.models import Evidence
from diagnose.paste import decode, extract, scan
from diagnose.paste._repair import Repaired
from diagnose.paste._stream import _LONG
from diagnose.paste._text import SNIFF, wide_codec

ERROR = b" ERROR 21408 to +33612345678 "
JUNK = st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\x80\x80", b"\r\n"])
FILLER = st.sampled_from([b"ab ", b'"zip_code": "x", ', b"x" * 64, "é ü 𝄞 ".encode()])


@st.composite
def long_line(draw: st.DrawFn) -> bytes:
    """A line over 32 KB with an error in it and invalid sequences (or a \\r\\n, which splits it) anywhere."""
    unit = draw(FILLER)
    size = draw(st.integers(_LONG + 1, 3 * _LONG))
    line = (unit * (size // len(unit) + 1))[:size]
    at = draw(st.integers(0, len(line)))
    line = line[:at] + ERROR + line[at:]
    for where, junk in draw(st.lists(st.tuples(st.integers(0, 10**6), JUNK), max_size=5)):
        where %= len(line) + 1
        line = line[:where] + junk + line[where:]
    return line


BEFORE = st.lists(
    st.sampled_from([b"INFO start", b"INFO st\xffart", b"INFO caf\xc3\xa9", b"INFO \xe2\x80"]), max_size=3
)


def _summary(found: list[Evidence]) -> list[tuple[object, ...]]:
    return [(e.line, e.code, e.to, len(e.excerpt), e.excerpt[:40], e.excerpt[-40:]) for e in found]


@settings(max_examples=120, deadline=None)
@given(BEFORE, st.lists(long_line(), min_size=1, max_size=3), st.sampled_from([4096, 10_007, 1 << 20]))
def test_invalid_utf8_in_or_before_a_long_line_reads_as_the_decoded_paste(
    before: list[bytes], lines: list[bytes], chunk: int
) -> None:
    # on main, the reader placed its windows by raw bytes, the paste by the decoded text's (U+FFFD is 3 bytes)
    data = b"\r\n".join(before) + b"\n" + b"\nok\n".join(lines) + b"\n"
    expected = extract(decode(data))
    got = list(scan(io.BytesIO(data), chunk_size=chunk))
    assert _summary(got) == _summary(expected)
    assert got == expected


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(long_line(), st.sampled_from([b"", b"\xff", b"\xe2\x80", b"\r\n"]), st.integers(0, 40)),
        min_size=3,
        max_size=6,
    )
)
def test_blocks_after_invalid_utf8_or_crlf_read_long_lines_as_one_reader(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[bytes, bytes, int]]
) -> None:
    # a worker guessed its block's place in the stream from the file's offsets, which \r\n and invalid UTF-8
    # above it move: its long lines' windows then differed from one reader's
    data = b"".join(
        line + b"\n" + (b"2026-11-30T10:00:00Z INFO qu" + junk + b"iet\n") * gap for line, junk, gap in rows
    )
    path = tmp_path_factory.mktemp("utf8") / "app.log"
    path.write_bytes(data)
    expected = extract(decode(data))
    with path.open("rb") as handle:
        got = list(scan(handle, chunk_size=1 << 14, workers=2))
    assert _summary(got) == _summary(expected)
    assert got == expected


class _Dribble:
    """A stream that hands out its bytes a few at a time, as a pipe may."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes = data, sizes or [1]

    def read(self, size: int) -> bytes:
        n = min(size, self.sizes[len(self.data) % len(self.sizes)])
        out, self.data = self.data[:n], self.data[n:]
        return out


@given(
    st.binary(max_size=64) | st.lists(JUNK | st.sampled_from([b"a", "é".encode(), "𝄞".encode()])).map(b"".join),
    st.lists(st.integers(1, 7), max_size=5),
    st.integers(1, 9),
)
def test_a_repaired_stream_is_the_decoded_text_whatever_its_reads(data: bytes, sizes: list[int], size: int) -> None:
    # Repaired reads UTF-8: scan hands it no stream decode() reads as UTF-16 or UTF-32 (b"\xfe\xff", a byte-order
    # mark, found by Hypothesis), which _stream._Utf8 transcodes first
    assume(wide_codec(data[:SNIFF]) is None)
    stream = Repaired(_Dribble(data, sizes))
    pieces = []
    while piece := stream.read(size):
        pieces.append(piece)
    assert all(len(piece) >= size for piece in pieces[:-1])  # a short read only at the end, as a file's
    assert b"".join(pieces) == decode(data).encode()
