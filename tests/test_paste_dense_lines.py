"""A line over 32 KB full of candidates with no JSON record edge for kilobytes: its windows are cut where a
run grows past a window, and the next window starts inside the last (``_overlap``), so an error across
the cut is read whole, once, by a paste and by triage alike."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._stream import _LONG

ERRORS = [
    (" ERROR 21408 to +33612345678 ", 21408),
    (' {"code": 21215, "message": "Account not authorized to call +2348031234567", "status": 400} ', 21215),
    (" twilio error code=13227 to=+4915123456789 ", 13227),
]
DENSE = ["code ", "xx code=1 ", '"zip_code": "x", ', '"failed_at": "2026-11-30", ']


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(DENSE),
    st.integers(_LONG + 1, 3 * _LONG),
    st.sampled_from(range(len(ERRORS))),
    st.integers(0, 10**6),
    st.sampled_from([4096, 65_537, 1 << 20]),
)
def test_an_error_anywhere_in_a_line_full_of_candidates_is_read_once(
    unit: str, size: int, which: int, where: int, chunk: int
) -> None:
    # on main, an error across a cut between two windows (every ~4-8 KB here) was lost by both readers
    text, code = ERRORS[which]
    filler = (unit * (size // len(unit) + 1))[:size]
    at = where % (len(filler) + 1)
    data = "INFO start\n" + filler[:at] + text + filler[at:] + "\nINFO done\n"
    found = extract(data)
    assert [(e.code, e.line) for e in found] == [(code, 2)], at  # (its fields inside a JSON string: the parsers')
    assert list(scan(io.BytesIO(data.encode()), chunk_size=chunk)) == found


@pytest.mark.parametrize("unit", DENSE)
def test_every_place_near_the_first_cuts_reads_the_error_once(unit: str) -> None:
    # the places Hypothesis may miss: each of the first 24 KB, in steps that cross every cut
    filler = unit * (70_000 // len(unit))
    for at in range(0, 20_000, 211):
        found = extract(filler[:at] + " ERROR 21408 to +33612345678 " + filler[at:] + "\n")
        assert [e.code for e in found] == [21408], at
        if unit == "code ":  # (inside a JSON string, or beside another code=, its number is the parsers' matter)
            assert found[0].to == "+33612345678", at


def test_two_errors_inside_the_shared_bytes_are_each_read_once() -> None:
    # what two windows read twice is given to one of them: both errors there are found, neither twice
    body = ' {{"code": 21215, "message": "Account not authorized to call {}", "status": 400}} '
    first, second = body.format("+2348031234567"), body.format("+4915123456789")
    for at in range(7_000, 10_000, 173):
        line = "code " * (at // 5) + first + "code " * 8 + second + "code " * 9_000
        found = extract(line + "\n")
        assert [(e.code, e.to) for e in found] == [(21215, "+2348031234567"), (21215, "+4915123456789")], at


@pytest.mark.parametrize(
    ("unit", "size", "at"),
    [("code ", 32_769, 17_325), ("code ", 32_769, 13_237), ("code ", 70_000, 44_469), ("xx code=1 ", 32_769, 9_150)],
)
def test_an_error_cut_at_a_windows_end_is_read_once(unit: str, size: int, at: int) -> None:
    # The part of the error the window before the cut holds has no message of its own; read alone, the shared
    # bytes took the filler before it for one, so the two readings differed and both windows kept the error.
    text, code = ERRORS[1]
    filler = (unit * (size // len(unit) + 1))[:size]
    data = "INFO start\n" + filler[:at] + text + filler[at:] + "\nINFO done\n"
    found = extract(data)
    assert [(e.code, e.line, e.to) for e in found] == [(code, 2, "+2348031234567")]
    assert list(scan(io.BytesIO(data.encode()))) == found
