"""Lines longer than ``MAX_LINE`` (8,192) bytes: a paste and a log's reader (``diagnose triage``, ``diagnose
FILE``) read one in windows around its candidates, never whole (nor in fixed pieces, which cut an error in
two: ``test_paste_cut_errors``), the errors of each keeping the line number of the line they are on, in the
file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.models import Evidence
from diagnose.paste import extract, scan
from diagnose.paste._stream import _LONG, _SEGMENT
from diagnose.paste._text import MAX_LINE

CORPUS = Path(__file__).parent / "data" / "paste"

ERRORS = [
    (" ERROR 21408 to +33612345678 ", 21408, "+33612345678"),
    (' {"code": 21215, "message": "Account not authorized to call +2348031234567", "status": 400} ', 21215, None),
    (" twilio error code=13227 to=+4915123456789 ", 13227, "+4915123456789"),
]
FILLER = st.sampled_from(["lorem ipsum dolor ", "x" * 50, "é ü ", "a=1, b=2; ", "𝄞 "])


@st.composite
def long_line(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str | None]]]:
    """A line of 8,193 characters to 32 KB, with errors anywhere in it; and (offset, code, to) of each error
    alone within a window's reach."""
    size = draw(st.integers(MAX_LINE + 1, 4 * MAX_LINE))
    unit = draw(FILLER)
    line = (unit * (size // len(unit) + 1))[:size]
    placed = []
    for _ in range(draw(st.integers(0, 3))):
        text, code, to = draw(st.sampled_from(ERRORS))
        at = draw(st.integers(0, len(line)))
        if any(p < at < p + n for p, _, _, n in placed):
            continue  # never inside another error
        line = line[:at] + text + line[at:]
        placed = [(p + len(text) if p >= at else p, c, t, n) for p, c, t, n in placed]
        placed.append((at, code, to, len(text)))
    while len(line.encode()) > 4 * MAX_LINE:  # multi-byte filler: cut back to 32 KB
        line = line[:-64]
    # alone within a window's reach: two errors on one line are the parsers' matter, not this test's
    reach = MAX_LINE + 2 * _SEGMENT
    alone = [
        (at, code, to)
        for at, code, to, n in placed
        if at + n <= len(line) and all(p == at or abs(p - at) > reach for p, _, _, _ in placed)
    ]
    return line, sorted(alone)


OTHER = st.sampled_from(
    [
        "2026-11-30T10:00:00Z INFO GET /api/v1/users/42 200 12ms",
        "2026-11-30T10:00:01Z ERROR sms failed code=21408 to=+2348031234567",
        "    at Twilio.RestException (/app/node_modules/twilio/lib/base/RestException.js:12:5)",
        "",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(OTHER.map(lambda line: (line, [])), long_line()), min_size=1, max_size=8),
    st.sampled_from([4096, 65_537, 1 << 20]),
)
def test_errors_anywhere_in_lines_of_8k_to_32k_read_as_in_a_paste(
    rows: list[tuple[str, list[tuple[int, int, str | None]]]], chunk: int
) -> None:
    text = "\n".join(line for line, _ in rows) + "\n"
    expected = extract(text)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected
    # each error is found, on its line of the file, wherever it falls (across 8,192 characters too)
    found = {(e.line, e.code) for e in expected}
    for number, (_, placed) in enumerate(rows, 1):
        for _, code, _ in placed:
            assert (number, code) in found, (number, code)


def test_the_errors_after_a_cut_line_keep_their_line_numbers() -> None:
    text = "x" * 20_000 + " ERROR 21408 to +33612345678\nok\nERROR 21215 to +4915123456789\n"
    expected = [(21408, "FR", 1), (21215, "DE", 3)]
    assert [(e.code, e.country, e.line) for e in extract(text)] == expected
    assert [(e.code, e.country, e.line) for e in scan(io.BytesIO(text.encode()))] == expected


def test_every_sample_after_a_long_line_reads_as_in_a_paste() -> None:
    long_line = "2026-11-30T10:00:00Z DEBUG payload " + "{'k': 'v'}, " * 2_000 + "\n"  # 24 KB
    for sample in sorted(CORPUS.glob("*.txt")):
        body = sample.read_text(encoding="utf-8")
        text = long_line + body + long_line + body
        expected = extract(text)
        assert [e.line for e in expected[: len(expected) // 2]] == [e.line + 1 for e in extract(body)]
        for chunk in (4096, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected, sample.name


# Lines over _LONG bytes: a reader never holds one whole and reads windows around its candidates; a paste
# reads it the same way, so the two agree whatever the chunks, and an error across an edge between
# 8,192-character pieces (where a paste once cut it) is read whole by both.
DENSE = st.sampled_from(["ab ", "é ü 𝄞 ", '"zip_code": "x", ', "x" * 64, '"failed_at": "2026-11-30", ', "code "])


Spec = tuple[int, str, list[tuple[int, bool, int]]]


def _longer_line(spec: Spec) -> tuple[str, list[tuple[int, int]]]:
    """The line a spec stands for (hypothesis shows the spec, not 100 KB of filler), and the (offset, code)
    of each error placed in it alone: most across an edge between two pieces of ``MAX_LINE`` characters."""
    size, unit, errors = spec
    line = (unit * (size // len(unit) + 1))[:size]
    while len(line.encode()) <= _LONG:
        line += unit * 64
    placed: list[tuple[int, int, int]] = []
    for which, across, value in errors:
        text, code, _ = ERRORS[which]
        if across:
            edge = MAX_LINE * (1 + value % max(1, len(line) // MAX_LINE))
            at = edge - 1 - value % (len(text) - 1)
        else:
            at = value % (len(line) + 1)
        at = max(0, min(at, len(line)))
        if any(p - 64 < at < p + n + 64 for p, _, n in placed):
            continue  # two errors side by side are the parsers' matter, not this test's
        line = line[:at] + text + line[at:]
        placed = [(p + len(text) if p >= at else p, c, n) for p, c, n in placed]
        placed.append((at, code, len(text)))
    # alone in its window (two errors on one line are the parsers' matter): none within a window's reach
    reach = MAX_LINE + 2 * _SEGMENT
    alone = [(at, code) for at, code, _ in placed if all(p == at or abs(p - at) > reach for p, _, _ in placed)]
    return line, sorted(alone)


LONGER = st.tuples(
    st.integers(MAX_LINE + 1, 12 * MAX_LINE),
    DENSE,
    st.lists(st.tuples(st.integers(0, len(ERRORS) - 1), st.booleans(), st.integers(0, 10**6)), min_size=1, max_size=4),
).map(_longer_line)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.one_of(OTHER.map(lambda line: (line, [])), LONGER), min_size=1, max_size=5),
    st.sampled_from([4096, 10_007, 65_537, 1 << 20]),
    st.sampled_from(["\n", ""]),
)
def test_errors_across_piece_edges_of_lines_over_8k_are_read_alike_and_never_lost(
    rows: list[tuple[str, list[tuple[int, int]]]], chunk: int, end: str
) -> None:
    text = "\n".join(line for line, _ in rows) + end  # the last line ended or not
    expected = extract(text)
    got = list(scan(io.BytesIO(text.encode()), chunk_size=chunk))
    assert _summary(got) == _summary(expected)
    assert got == expected
    found = [(e.line, e.code) for e in expected]
    for number, (_, placed) in enumerate(rows, 1):
        # candidates all along a line cut its windows every 8 KB: an error across a cut is read whole too
        for _, code in placed:
            assert (number, code) in found, (number, code)


def _summary(found: list[Evidence]) -> list[tuple[object, ...]]:
    """What a failure shows of each error: its place and fields, its excerpt's length and ends (not the
    whole of a window of filler)."""
    return [
        (e.line, e.code, e.to, e.http_status, e.message, len(e.excerpt), e.excerpt[:40], e.excerpt[-40:]) for e in found
    ]


def test_an_error_across_a_piece_edge_of_a_line_over_8k_is_read_whole() -> None:
    # a paste cut this line at 8,192 characters, through the error: it lost it (and triage read it whole)
    line = "ab " * 2728 + " ERROR 21408 to +33612345678 " + "ab " * 12_000
    assert line.index("ERROR") < MAX_LINE < line.index("+3361") and len(line) > _LONG
    text = line + "\nok\n"
    expected = [(21408, "+33612345678", 1)]
    assert [(e.code, e.to, e.line) for e in extract(text)] == expected
    for chunk in (4096, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


def test_an_error_just_above_a_line_over_8k_reads_none_of_it() -> None:
    # the lines around an error stop at a line over 8 KB, which is read in its own windows: its error is
    # read once (triage once read it twice: with the error above, and in its window)
    text = "ERROR 21408 to +33612345678\n" + " ERROR 21408 to +4915123456789 " + "ab " * 12_000 + "\n"
    expected = [(21408, "+33612345678", 1), (21408, "+4915123456789", 2)]
    assert [(e.code, e.to, e.line) for e in extract(text)] == expected
    for chunk in (4096, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


def test_small_reads_of_a_long_line_read_its_tail_in_windows() -> None:
    # reads of 4 KB: a round that holds only the middle of a long line kept it for the next, which then took
    # the line's tail for a line of its own and read it with the next line, cut as a paste cuts 8 KB lines
    line = "ab " * 40_000 + " ERROR 21408 to +33612345678 " + "ab " * 3_000
    text = line + "\nERROR 21215 to +4915123456789\n"
    expected = extract(text)
    assert [(e.code, e.line) for e in expected] == [(21408, 1), (21215, 2)]
    for chunk in (4096, 10_007, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected


def test_a_line_of_exactly_8k_above_an_error_is_read_with_it() -> None:
    # a line of _LONG bytes is a line (read whole), not a long one (read in windows, alone): the number at its
    # end is the error's below it, for triage as for a paste (triage once stopped above it)
    for size in (_LONG - 1, _LONG, _LONG + 1):
        line = "x" * (size - 19) + " to=+4915123456789 "
        assert len(line) == size
        text = "INFO start\n" + line + "\ntwilio error code=13227\n"
        expected = extract(text)
        assert [(e.code, e.to) for e in expected] == [(13227, "+4915123456789" if size <= _LONG else None)], size
        for chunk in (4096, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected, (size, chunk)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(LONGER, st.integers(0, 40)), min_size=3, max_size=8))
def test_a_file_of_lines_over_8k_reads_alike_in_blocks(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[tuple[str, list[tuple[int, int]]], int]]
) -> None:
    # each worker reads a block from its first byte: its long lines' windows are where one reader's are
    quiet = "2026-11-30T10:00:00Z INFO quiet\n"
    text = "".join(line + "\n" + quiet * gap for (line, _), gap in rows)
    path = tmp_path_factory.mktemp("long") / "app.log"
    path.write_bytes(text.encode())
    expected = extract(text)
    with path.open("rb") as handle:
        got = list(scan(handle, chunk_size=1 << 14, workers=2))
    assert _summary(got) == _summary(expected)
    assert got == expected


def test_the_first_candidates_of_a_long_line_after_another_are_its_own() -> None:
    # after a candidate in a long line the pre-filter skips ahead; it once skipped past the line's end into
    # the next long line, whose first candidates (an error at its start) a paste of it finds: its window
    # then started elsewhere
    first = '"zip_code": "x", ' * 4000 + ' {"code": 21215, "message": "Account not authorized to call +2348031234567"}'
    second = " twilio error code=13227 to=+4915123456789 " + "é ü 𝄞 " * 3000
    text = first + "\n" + second + "\n"
    expected = extract(text)
    assert [(e.code, e.line) for e in expected] == [(21215, 1), (13227, 2)]
    for chunk in (4096, 65_537, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected, chunk
