"""Control characters inside a word (``co\\x00de``, ``Twi\\x07lio``, a colour code inside ``code``): a paste
deletes them before it reads a line (``_text.clean``), so ``diagnose triage``, whose byte pre-filter reads
the raw bytes, must find the same errors in the same text."""

from __future__ import annotations

import io
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._extract import _STRONG, is_anchor
from diagnose.paste._stream import _candidates
from diagnose.paste._text import clean

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))
# What a paste deletes from a line (but the line breaks among them, which split it): controls, a colour
DELETED = [chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, 0x7F]]
INSERTS = st.sampled_from(DELETED) | st.sampled_from(
    ["\x1b[1m", "\x1b[0;31m", "\x1b", "\x00\x00", "\x1b[0m\x1b[2m", "\x1b]0;title\x07", "\x1b]8;;https://e.x\x1b\\"]
)
# The words a line must hold to be read (_extract.is_anchor), where an insertion hides them from a byte search
WORDS = re.compile("|".join(re.escape(w) for w in (*_STRONG, "error", "failed", "failure", "http")), re.IGNORECASE)


def _inside_words(text: str) -> list[int]:
    return [i for m in WORDS.finditer(text) for i in range(m.start() + 1, m.end())]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.integers(0, 10**6), INSERTS, st.booleans()), min_size=1, max_size=3),
    st.sampled_from([3, 257, 1 << 20]),
)
def test_control_characters_inside_anchor_words_read_as_in_a_paste(
    sample: Path, inserted: list[tuple[int, str, bool]], chunk: int
) -> None:
    # on main, triage missed 11 of 1,500 random insertions that a paste still read
    text = sample.read_text(encoding="utf-8")
    for at, what, in_word in inserted:
        places = (_inside_words(text) if in_word else range(len(text) + 1)) or [0]
        at = places[at % len(places)]
        text = text[:at] + what + text[at:]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


ANCHOR_PIECES = [*_STRONG, "error", "err", "failed", "failure", "http", "HTTP/1.1", "21408", "400", ": ", " ", "x"]


@st.composite
def _split(draw: st.DrawFn) -> str:
    """An anchor piece with something a paste deletes inside it."""
    word = draw(st.sampled_from(ANCHOR_PIECES))
    at = draw(st.integers(0, len(word)))
    return word[:at] + draw(INSERTS) + word[at:]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ANCHOR_PIECES) | _split() | st.text(max_size=3), max_size=10).map("".join))
def test_the_prefilter_lets_every_anchor_line_through_whatever_controls_it_holds(line: str) -> None:
    line = "".join(" " if c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else c for c in line)
    if is_anchor(clean(line)):
        assert _candidates(line.encode()) == [0], line


def test_an_anchor_word_split_by_a_control_character_is_found_by_triage() -> None:
    for line in ["ERROR co\x00de=21408 to=+33612345678", "sms failed: co\x1b[1mde=21408 to=+33612345678"]:
        text = "INFO start\n" + line + "\nINFO done\n"
        expected = extract(text)
        assert [(e.code, e.to, e.line) for e in expected] == [(21408, "+33612345678", 2)]
        for chunk in (5, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected


def test_a_wording_cut_short_with_a_control_inside_is_read_as_in_a_paste() -> None:
    # _stream._TAIL gates a wording cut before its anchor word: it must read the line as cleaned too
    text = "INFO x\nDial: Call blo\x00cked by T\nINFO y\n"
    assert list(scan(io.BytesIO(text.encode()))) == extract(text)


def test_a_coloured_log_reads_as_in_a_paste() -> None:
    # every line coloured, a title and a link among them, one anchor word split by a colour: read as a paste
    lines = [
        "\x1b[2m2026-11-30T10:00:00Z\x1b[0m \x1b[32mINFO\x1b[0m GET /api/v1/users/42 200",
        "\x1b]0;app\x07\x1b[2m2026-11-30T10:00:01Z\x1b[0m \x1b[33mWARN\x1b[0m sms co\x1b[1mde=21408 to=+33612345678",
        "\x1b[2m2026-11-30T10:00:02Z\x1b[0m \x1b[33mWARN\x1b[0m call failed: Twi\x1b]8;;https://e.x\x1b\\lio "
        "21215 to +4915123456789",
        "\x1b[2m2026-11-30T10:00:03Z\x1b[0m \x1b[32mINFO\x1b[0m done",
    ]
    text = "\n".join(lines * 40) + "\n"
    expected = extract(text)
    assert len(expected) == 80
    for chunk in (97, 4096, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected


def test_a_wrap_that_opens_with_a_control_character_is_joined_by_triage_too() -> None:
    # "…Dial: Forbidden" / "\x00 phone number": a paste deletes the NUL, sees a wrap and joins the two
    text = "INFO a\ncall failed: Dial: Forbidden\n\x00 phone number +4915123456789\nINFO b\n"
    expected = extract(text)
    assert [(e.code, e.to) for e in expected] == [(13225, "+4915123456789")]
    for chunk in (5, 1 << 20):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected
