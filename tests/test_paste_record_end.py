"""Fields of a record that ends before an error are not that error's: a paste (or a window of a long line) that
starts inside an error body ('…567", "status": 400} …') lends its orphan status to no error after it."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

ERRORS = [
    "twilio error code=13227 to={n}",
    "ERROR 21408 to {n}",
    "MessageSid=SM0123456789abcdef0123456789abcdef&ErrorCode=21408&To={n}",
]
NUMBERS = ["+33612345678", "+2348031234567", "+4915123456789", "+61412345678"]
FRAGMENTS = [
    '567", "status": 400}',
    '"status": 403} ',
    '", "status": 400, "details": null}, ',
]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ERRORS),
    st.sampled_from(NUMBERS),
    st.sampled_from(FRAGMENTS),
    st.text(alphabet=' "abcxyz:,_', max_size=300),
)
def test_an_orphan_status_before_a_records_end_goes_to_no_later_error(
    error: str, number: str, fragment: str, filler: str
) -> None:
    if "{" in filler or "}" in filler:
        return
    alone = extract(error.format(n=number) + "\n")
    text = fragment + filler + " " + error.format(n=number) + "\n"
    found = extract(text)
    assert [(e.code, e.to, e.http_status) for e in found] == [(e.code, e.to, e.http_status) for e in alone], text
    assert list(scan(io.BytesIO(text.encode()))) == found


def test_a_status_beside_a_nested_error_stays_its_own() -> None:
    # the record that ends holds the error's code: the status after it is still that error's
    text = (
        '{"error": {"code": 21408, "message": "Permission to send an SMS has not been enabled"}, '
        '"status": 400, "to": "+2348031234567"}\n'
    )
    (found,) = extract(text)
    assert (found.code, found.http_status) == (21408, 400)
    assert list(scan(io.BytesIO(text.encode()))) == [found]
