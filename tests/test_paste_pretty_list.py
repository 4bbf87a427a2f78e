"""A destination's list that pretty-printed JSON spreads over lines: ``"to": [`` / ``"+33612345678"`` / ``]``.

``json.dumps(body, indent=2)`` of ``{"to": ["+33612345678"], "code": 21408, …}`` read no To: the list was read
only when written on one line (``"to": ["+33…"]``), and ``"to": [`` at a line's end was skipped as a list "whose
items are on the lines below". Such a list is now joined onto its label's line before the lines are read (as a
terminal's wrap is), so it reads as on one line: one number is the To; several name none, the reason saying how
many. Paste and triage read them alike.
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [("+2348031234567", "NG"), ("+33612345678", "FR"), ("+4915123456789", "DE"), ("+447400123456", "GB")]
KEYS = ["to", "To", "recipients", "destinations", "to_numbers", "recipient"]
MESSAGE = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"


def _read(text: str) -> list:  # type: ignore[type-arg]
    found = extract(text)
    for size in (1 << 20, 61):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=size)) == found, text
    return found


def test_the_reported_body_reads_its_to() -> None:
    body = {"code": 21408, "message": MESSAGE, "status": 400, "to": ["+33612345678"]}
    text = json.dumps(body, indent=2)
    assert [(e.code, e.to, e.country) for e in _read(text)] == [(21408, "+33612345678", "FR")]
    # a call's body too, the list before the error's fields
    text = json.dumps({"to": ["+33612345678"], "error": {"code": 21215, "status": 400}}, indent=4)
    assert [(e.code, e.to, e.channel) for e in _read(text)] == [(21215, "+33612345678", "voice")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(KEYS),
    st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4, unique=True),
    st.sampled_from([21408, 21215, 30007]),
    st.sampled_from([2, 4, "\t"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", "2026-11-30T10:00:00Z ERROR send failed\n"]),
)
def test_a_pretty_printed_list_reads_as_on_one_line(
    key: str,
    numbers: list[tuple[str, str]],
    code: int,
    indent: int | str,
    nested: bool,
    first: bool,
    above: str,
) -> None:
    error = {"code": code, "status": 400}
    listed = {key: [n for n, _ in numbers]}
    record = (
        {**listed, **({"error": error} if nested else error)}
        if first
        else {**({"error": error} if nested else error), **listed}
    )
    text = above + json.dumps(record, indent=indent) + "\n"
    one_line = above + json.dumps(record) + "\n"
    got = [(e.code, e.to, e.to_raw, e.country, e.country_reason) for e in _read(text)]
    assert got == [(e.code, e.to, e.to_raw, e.country, e.country_reason) for e in extract(one_line)], text
    (error_read,) = _read(text)
    if len(numbers) == 1:
        assert (error_read.code, error_read.to, error_read.country) == (code, numbers[0][0], numbers[0][1]), text
    else:
        assert (error_read.to, error_read.to_raw) == (None, None), text
        assert f"{len(numbers)} recipients" in error_read.country_reason, text


def test_what_is_no_list_of_strings_is_not_joined() -> None:
    # a list of another key, or one that never closes: as before, no To from it
    text = json.dumps({"tags": ["+33612345678"], "code": 21408}, indent=2)
    assert [(e.code, e.to) for e in _read(text)] == [(21408, None)]
    text = '{\n  "code": 21408,\n  "to": [\n    "+33612345678",\n'
    assert [(e.code, e.to) for e in _read(text)] == [(21408, None)]
