"""HTML entities inside a word (``co&#100;e=21408``, ``Twi&#108;io``, ``Per&#109;ission to send…``, a support
ticket's or a web console's HTML export that escaped more than it needed), and a JSON string's ``\\u`` escapes
(``Per\\u006dission``): a paste unescapes entities before it reads a line (``_text.clean``) and decodes both
before it compares a line's words with Twilio's wordings, so ``diagnose triage``, whose byte pre-filter reads
the raw bytes, must find the same errors in the same text (``_escapes``)."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._extract import is_anchor
from diagnose.paste._stream import _candidates
from diagnose.paste._text import clean
from tests.test_paste_controls import ANCHOR_PIECES, _inside_words

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))
# the named entities of some punctuation (HTML5): letters and digits have only numeric ones
NAMED = {":": "&colon;", "=": "&equals;", "'": "&apos;", '"': "&quot;", ".": "&period;", "(": "&lpar;", "_": "&lowbar;"}


def _entity(c: str, how: int) -> str:
    """``c`` as an HTML entity: decimal, hexadecimal (either case), or its name where it has one; or as a JSON
    string's ``\\u`` escape."""
    if how == 4:
        return f"\\u{ord(c):04x}"
    if how == 3 and c in NAMED:
        return NAMED[c]
    if how == 0:
        return f"&#{ord(c)};"
    return f"&#x{ord(c):x};" if how == 1 else f"&#X{ord(c):X};"


def _escaped(text: str, places: list[tuple[int, int, bool]]) -> str:
    for at, how, in_word in places:
        spots = [i for i in (_inside_words(text) if in_word else range(len(text))) if text[i] not in "\n&"]
        if not spots:
            continue
        i = spots[at % len(spots)]
        text = text[:i] + _entity(text[i], how) + text[i + 1 :]
    return text


def test_an_anchor_word_with_an_entity_inside_is_found_by_triage() -> None:
    # main's pre-filter read the raw bytes: "co&#100;e" holds no "code", so triage found nothing a paste found
    for line, expected in (
        ("ERROR co&#100;e=21408 to=+33612345678", (21408, "+33612345678")),
        ("sms failed: Twi&#x6c;io error 21408 to +4915123456789", (21408, "+4915123456789")),
        (
            "Per&#109;ission&#32;to send an SMS has not been enabled for the region indicated by the 'To' number: "
            "+2348031234567",
            (21408, "+2348031234567"),
        ),
        ("call failed: Dial: Forbidden ph&#111;ne number +4915123456789", (13225, "+4915123456789")),
        ("call failed: Dial: No International A&#X75;thorization: +4915123456789", (13227, "+4915123456789")),
        (
            '{"level":"error","msg":"SMS failed: Per\\u006dission to send an SMS has not been enabled for the '
            "region indicated by the 'To' number: +33612345678\"}",
            (21408, "+33612345678"),
        ),
    ):
        text = "2026-11-30T10:00:00Z INFO start\n2026-11-30T10:00:01Z " + line + "\n2026-11-30T10:00:02Z INFO done\n"
        found = extract(text)
        assert [(e.code, e.to) for e in found] == [expected], line
        for chunk in (5, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == found, line


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 4), st.booleans()), min_size=1, max_size=3),
    st.sampled_from([3, 257, 1 << 20]),
)
def test_entities_inside_anchor_words_read_as_in_a_paste(
    sample: Path, places: list[tuple[int, int, bool]], chunk: int
) -> None:
    text = _escaped(sample.read_text(encoding="utf-8"), places)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


@st.composite
def _split(draw: st.DrawFn) -> str:
    """An anchor piece with one of its characters written as an entity."""
    word = draw(st.sampled_from(ANCHOR_PIECES))
    if not word:
        return word
    at = draw(st.integers(0, len(word) - 1))
    return word[:at] + _entity(word[at], draw(st.integers(0, 4))) + word[at + 1 :]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ANCHOR_PIECES) | _split() | st.text(max_size=3), max_size=10).map("".join))
def test_the_prefilter_lets_every_anchor_line_through_whatever_entities_it_holds(line: str) -> None:
    line = "".join(" " if c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else c for c in line)
    if is_anchor(clean(line)):
        assert _candidates(line.encode()) == [0], line
