"""A run of digits after a to-word on the error's line, with no label and no '+', is the To, at low confidence.

``error 21408 for 17877315170`` gave no To: no label names the number and it has no '+'. Such a run (10 to 15
digits right after "for", valid once a '+' is put before it, not the sender's, no epoch time, no unit after
it) is now read as the To, at low confidence, the reason saying no label names it and it has no '+'. The
digits "to" puts before them in free text (``failed to send to 447400123456: error 21408``), read before at
medium confidence as if a key named them, are said the same way. A job id, an order number, a time or a
duration stays no number, and a label, a '+' number or Twilio's message wins. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

# (digits as written, E.164, country)
NUMBERS = [
    ("17877315170", "+17877315170", "PR"),
    ("447400123456", "+447400123456", "GB"),
    ("33612345678", "+33612345678", "FR"),
    ("2348031234567", "+2348031234567", "NG"),
    ("14155550100", "+14155550100", "US"),
]
# {c}: the code, {n}: the number
SHAPES = [
    "error {c} for {n}",
    "sms failed (error {c}) for {n}",
    "Twilio error {c} sending to {n}",
    "failed to send to {n}: error {c}",
    "ERROR twilio code={c} failed for {n}",
    'level=error code={c} msg="send failed for {n}"',
    '{{"code": {c}, "message": "sms failed for {n}"}}',
]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ERROR ", "E1130 10:00:00.1 "]
TAILS = ["", " (attempt 2)", " job=abc123", ", retrying in 30000 ms", " req_id=7f3a"]
# what "for" is followed by that is no phone number
DECOYS = [
    "order 12345678901",
    "job 17877315170",
    "id 447400123456",
    "1764496800",  # epoch seconds
    "1764496800123",  # epoch milliseconds
    "30000 ms",
    "30000000000 ms",
    "12000000000 seconds",
    "44740012345",  # 11 digits, no valid number with '+'
    "123456789",  # too short
    "1234567890123456",  # too long
    "SM" + "1" * 32,
    "17877315170.5",
    "17877315170/s",
]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.country_confidence) for e in found]


def test_the_reported_lines_read_their_to() -> None:
    ((evidence),) = extract("error 21408 for 17877315170")
    assert (evidence.to, evidence.to_raw, evidence.country, evidence.country_confidence) == (
        "+17877315170",
        "17877315170",
        "PR",
        "low",
    )
    assert evidence.country_reason.startswith("no label names it (a number after 'for' on the error's line)")
    assert "no '+'" in evidence.country_reason
    assert _read("failed to send to 447400123456: error 21408") == [(21408, "+447400123456", "GB", "low")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(NUMBERS),
    st.sampled_from(SHAPES),
    st.sampled_from(PREFIXES),
    st.sampled_from(TAILS),
    st.sampled_from([21408, 21612, 30007]),
)
def test_an_unlabelled_number_is_the_to_at_low_confidence(
    number: tuple[str, str, str], shape: str, prefix: str, tail: str, code: int
) -> None:
    digits, e164, country = number
    text = prefix + shape.format(c=code, n=digits) + tail + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    assert [(e.code, e.to, e.country, e.country_confidence) for e in found] == [(code, e164, country, "low")], text
    assert "no label names it" in found[0].country_reason, text


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(DECOYS), st.sampled_from(SHAPES), st.sampled_from(PREFIXES), st.sampled_from(TAILS))
def test_what_is_no_phone_number_stays_none(decoy: str, shape: str, prefix: str, tail: str) -> None:
    text = prefix + shape.format(c=21408, n=decoy).replace(" to " + decoy, " for " + decoy) + tail + "\n"
    assert _read(text) == [(21408, None, None, None)], text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NUMBERS), st.sampled_from(PREFIXES), st.sampled_from(["from=", "from ", "From: "]))
def test_the_sender_is_never_the_to(number: tuple[str, str, str], prefix: str, label: str) -> None:
    digits = number[0]
    text = prefix + f"error 21408 {label}{digits} for {digits}\n"
    assert [e.to for e in extract(text)] == [None], text
    assert list(scan(io.BytesIO(text.encode()))) == extract(text)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NUMBERS), st.sampled_from(PREFIXES))
def test_a_labelled_or_plus_number_wins(number: tuple[str, str, str], prefix: str) -> None:
    digits = number[0]
    for text in (
        f"error 21408 for {digits} to=+2348031234567",
        f"error 21408 for {digits} (+2348031234567)",
        f"error 21408 for {digits} recipient: +2348031234567",
    ):
        assert _read(prefix + text + "\n") == [(21408, "+2348031234567", "NG", "high")], text


def test_a_keyed_number_without_plus_keeps_its_medium_confidence() -> None:
    assert _read("error 21408 to=447400123456") == [(21408, "+447400123456", "GB", "medium")]
    assert _read("error 21408 to: 447400123456") == [(21408, "+447400123456", "GB", "medium")]
