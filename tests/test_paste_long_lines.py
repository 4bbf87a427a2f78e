"""Lines longer than ``MAX_LINE`` (8,192) characters: a paste reads one as pieces of that size and a log's
reader (``diagnose triage``, ``diagnose FILE``) reads every piece too, the errors of each keeping the
line number of the line they are on, in the file. (Lines over 32 KB are read in windows around their
candidates: ``test_paste_stream``.)"""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._stream import _LONG
from diagnose.paste._text import MAX_LINE, bounded_lines, cut_lines

CORPUS = Path(__file__).parent / "data" / "paste"

ERRORS = [
    (" ERROR 21408 to +33612345678 ", 21408, "+33612345678"),
    (' {"code": 21215, "message": "Account not authorized to call +2348031234567", "status": 400} ', 21215, None),
    (" twilio error code=13227 to=+4915123456789 ", 13227, "+4915123456789"),
]
FILLER = st.sampled_from(["lorem ipsum dolor ", "x" * 50, "é ü ", "a=1, b=2; ", "𝄞 "])


@st.composite
def long_line(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str | None]]]:
    """A line of 8,193 to 32 KB (at most ``_LONG`` bytes in UTF-8, so a reader reads it as a line), with
    errors anywhere in it; and (offset, code, to) of each error that no piece edge cuts, alone in its piece."""
    size = draw(st.integers(MAX_LINE + 1, _LONG))
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
    while len(line.encode()) > _LONG:  # multi-byte filler: cut back to what a reader holds as one line
        line = line[:-64]
    whole = [
        (at, code, to)
        for at, code, to, n in placed
        if at // MAX_LINE == (at + n - 1) // MAX_LINE and at + n <= len(line)
    ]
    # alone in its piece: two errors on one line are the parsers' matter, not this test's
    alone = [
        (at, code, to) for at, code, to in whole if [a // MAX_LINE for a, _, _, _ in placed].count(at // MAX_LINE) == 1
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
    # each error that no piece edge cuts is found, on its line of the file
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


def test_a_cut_line_names_its_pieces_line() -> None:
    lines = ["a", "b" * (2 * MAX_LINE + 1), "", "c" * MAX_LINE]
    pieces, origin = cut_lines(lines)
    assert pieces == ["a", "b" * MAX_LINE, "b" * MAX_LINE, "b", "", "c" * MAX_LINE]
    assert origin == [0, 1, 1, 1, 2, 3]
    assert cut_lines(["a", "c" * MAX_LINE]) == (["a", "c" * MAX_LINE], None)
    assert bounded_lines("\n".join(lines)) == pieces
