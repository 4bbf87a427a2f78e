"""A message cut off inside its wording, before the anchor word it held ("Dial: Call blocked by T"): a paste
reads such a line as that wording (a truncated tail), and a log's reader finds it too."""

from __future__ import annotations

import io

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._extract import _is_wording, is_anchor
from diagnose.paste._stream import _candidates, _is_anchor_line
from diagnose.paste._text import clean
from diagnose.paste._wording import default_table


def _tails() -> list[tuple[int, str]]:
    """Every cut of a wording of a code the knowledge explains that a paste reads as a line of that code
    by itself, while it holds no anchor word: (code, text)."""
    table = default_table()
    wordings = {w for bucket in table._by_bigram.values() for _, w in bucket if w.code in table.known_codes}
    out = []
    for wording in sorted(wordings, key=lambda w: (w.code, w.written)):
        text = wording.written
        for end in range(1, len(text) + 1):
            cut = text[:end]
            if _is_wording(cut, table) and not is_anchor(cut):
                out.append((wording.code, cut))
    return out


TAILS = _tails()
PREFIXES = ["", "2026-11-30T10:00:00Z ERROR ", "Nov 30 10:00:00 web-1 app[42]: WARN  ", "error: ", "  "]


def test_the_cuts_that_lose_their_anchor_word_are_known() -> None:
    # the wordings whose first words hold no anchor word: cut early, only those words are left
    starts = {text.split(" blocked")[0] if " blocked" in text else " ".join(text.split()[:3]) for _, text in TAILS}
    assert starts >= {"Dial: Call", "API: Call", "Forwarded Call", "Account not allowed", "Failed to Update"}
    assert ("13225", "Dial: Call blocked by T") in {(str(code), text) for code, text in TAILS}


def test_every_cut_wording_passes_the_prefilter_and_is_read_as_an_anchor() -> None:
    # derived from the knowledge: a wording added later whose cut loses its anchor word fails here
    for code, tail in TAILS:
        for prefix in PREFIXES:
            for line in (prefix + tail, prefix + tail.upper()):
                data = line.encode()
                assert _candidates(data) == [0], (code, line)
                assert _is_anchor_line(data, 0, len(data)), (code, line)


def test_every_cut_wording_among_log_lines_is_found_as_in_a_paste() -> None:
    noise = "".join(f"2026-11-30T10:00:{i:02d}Z INFO GET /api/v1/users/{i} 200 12ms\n" for i in range(40))
    for code, tail in TAILS:
        text = noise + "2026-11-30T10:00:41Z ERROR " + tail + "\n" + noise
        expected = extract(text)
        assert [(e.code, e.line) for e in expected] == [(code, 41)], tail
        for chunk in (257, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected, (tail, chunk)


SEPARATORS = st.sampled_from([" ", "  ", "\t", " - ", "_", ": ", ", ", " / ", "\u00a0", "…"])


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(TAILS),
    st.data(),
    st.sampled_from(PREFIXES),
    st.lists(st.sampled_from(["INFO ok", "2026-11-30T10:00:00Z DEBUG cache hit", ""]), max_size=30),
    st.sampled_from([1, 7, 257, 1 << 20]),
)
def test_a_cut_wording_written_any_way_reads_as_in_a_paste(
    tail: tuple[int, str], data: st.DataObject, prefix: str, around: list[str], chunk: int
) -> None:
    # other spacing and punctuation between the words, other case: still the wording's words to a paste
    words = tail[1].split()
    line = words[0] + "".join(data.draw(SEPARATORS) + word for word in words[1:])
    if data.draw(st.booleans()):
        line = line.lower()
    line = prefix + line
    assume(_is_wording(clean(line), default_table()) and not is_anchor(clean(line)))
    half = len(around) // 2
    text = "\n".join([*around[:half], line, *around[half:]]) + "\n"
    expected = extract(text)
    assert [e.code for e in expected] == [tail[0]]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected
