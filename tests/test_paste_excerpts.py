"""An error's excerpt is the text around the error, even in a line of kilobytes: not the line's (or, in a
line over 8 KB, its window's) first 1,200 characters, which may be filler far from it."""

from __future__ import annotations

import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

EXCERPT = 1200  # characters of a line an excerpt shows at most

ERRORS = [
    (" ERROR 21408 to +33612345678 ", "21408"),
    (' {"code": 21215, "message": "Account not authorized to call +2348031234567", "status": 400} ', "21215"),
    (" twilio error code=13227 to=+4915123456789 ", "13227"),
]
FILLER = st.sampled_from(["ab ", "x" * 64, "é ü 𝄞 ", '"zip_code": "x", ', "lorem ipsum, "])


@settings(max_examples=80, deadline=None)
@given(
    st.integers(EXCERPT + 1, 70_000),
    FILLER,
    st.sampled_from(range(len(ERRORS))),
    st.floats(0, 1),
    st.sampled_from([4096, 65_537, 1 << 20]),
)
# an error across 8,192 characters of a line of 16 K, where a paste once cut such a line in two: Hypothesis found
# both, the record ending in the first piece and spanning the two
@example(size=16204, unit="ab ", which=1, where=0.5, chunk=4096)
@example(size=16228, unit="ab ", which=1, where=0.5, chunk=4096)
# a line of 4,511 characters and 8,193 bytes: a paste read it whole (no more than 8,192 characters) while triage
# read it in windows (more than 8,192 bytes); now both do (a line is long by its UTF-8 bytes)
@example(size=4419, unit="é ü 𝄞 ", which=1, where=0.0, chunk=4096)
def test_the_excerpt_of_an_error_in_a_long_line_shows_the_error(
    size: int, unit: str, which: int, where: float, chunk: int
) -> None:
    text, code = ERRORS[which]
    filler = (unit * (size // len(unit) + 1))[:size]
    at = int(where * size)
    line = filler[:at] + text + filler[at:]
    data = "INFO start\n" + line + "\nINFO done\n"
    found = extract(data)
    assert list(scan(io.BytesIO(data.encode()), chunk_size=chunk)) == found
    ours = [e for e in found if str(e.code) == code]
    assert ours, (at, size)
    for e in ours:
        assert len(e.excerpt) <= EXCERPT
        assert text.strip() in e.excerpt, (at, size, e.excerpt[:80])


def test_an_error_cut_inside_its_number_is_read_whole() -> None:
    # Hypothesis found it (size=16236, 'ab ' filler, the 21215 body at the middle): a paste cut the line at 8,192
    # characters, "+234803123" | "4567", and the error lost its number and read the filler as its message
    text = ERRORS[1][0]
    filler = ("ab " * 5413)[:16236]
    data = "INFO start\n" + filler[:8118] + text + filler[8118:] + "\nINFO done\n"
    found = extract(data)
    assert list(scan(io.BytesIO(data.encode()))) == found  # paste and triage agree (they did on the wrong reading)
    ((e),) = [e for e in found if e.code == 21215]
    assert e.to == "+2348031234567" and e.message == "Account not authorized to call +2348031234567"
    assert text.strip() in e.excerpt


def test_each_record_of_a_one_line_list_shows_its_own_record() -> None:
    # a Monitor alerts list logged on one line: each error's excerpt holds its own number, not the window's start
    alerts = ", ".join(
        f'{{"sid": "NO{i:032d}", "error_code": "13227", "alert_text": "Msg=Geo+Permission+configuration+is+not'
        f'+permitting+call&To=%2B23480{i:08d}", "more_info": "https://www.twilio.com/docs/errors/13227"}}'
        for i in range(400)
    )
    data = '{"alerts": [' + alerts + "]}\n"
    found = extract(data)
    assert [e.to for e in found] == [f"+23480{i:08d}" for i in range(400)]
    assert list(scan(io.BytesIO(data.encode()), chunk_size=1 << 16)) == found
    for i, e in enumerate(found):
        assert f"NO{i:032d}" in e.excerpt, i


def test_a_short_line_keeps_its_whole_excerpt() -> None:
    (e,) = extract("2026-11-30T10:00:00Z ERROR sms failed code=21408 to=+33612345678\n")
    assert e.excerpt == "2026-11-30T10:00:00Z ERROR sms failed code=21408 to=+33612345678"
