"""A word for the person between "to" and the number: ``failed to send to customer 447400123456``.

``ERROR 21408 failed to send to customer 447400123456`` read no To: the label "to" was read only with the number
right after it, and a number without '+' only after a label. A word that names the person the message went to
(``customer``, ``user``, ``recipient``, ``client``, ``contact``, ``subscriber``…) may now stand between them: a
number written with '+' is the To as after "to" (high confidence when valid); one without '+' is read only when it
is 10 to 15 digits that make a valid number once a '+' is put before them (as after "for"), at low confidence, its
reason naming the words ("a number after 'to customer'"). An id is no phone number (``to customer 12345``); a word
that names no person (``to order 447400123456``, ``to job …``) makes the digits that thing's number, no To; and
the number after ``from customer`` is the sender's, never the To. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

PERSONS = ["customer", "user", "recipient", "client", "contact", "subscriber", "member", "patient", "Customer", "USER"]
SHAPES = [
    "ERROR 21408 failed to send to {w} {n}",
    "failed to send to {w} {n} (21408)",
    "error 21408 sending SMS to {w} {n}",
    "twilio error 21408: message to {w} {n} failed",
    "sms failed: error 21408 to {w} {n} after 3 attempts",
]
NUMBERS = [
    ("447400123456", "+447400123456", "GB", "low"),
    ("2348031234567", "+2348031234567", "NG", "low"),
    ("+33612345678", "+33612345678", "FR", "high"),
    ("+44 7400 123456", "+447400123456", "GB", "high"),
]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] "]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.country_confidence) for e in found]


def test_the_reported_lines_read_their_to() -> None:
    assert _read("ERROR 21408 failed to send to customer 447400123456") == [(21408, "+447400123456", "GB", "low")]
    (found,) = extract("ERROR 21408 failed to send to customer 447400123456")
    assert "a number after 'to customer'" in found.country_reason
    assert _read("error 21408 sending SMS to user +2348031234567") == [(21408, "+2348031234567", "NG", "high")]
    assert _read("error 21408 to recipient +33612345678") == [(21408, "+33612345678", "FR", "high")]
    # with another '+' number on the line (the sender's, unlabelled), the person's word names the To
    line = "error 21408 sending SMS via +14155550100 to user +2348031234567"
    assert _read(line) == [(21408, "+2348031234567", "NG", "high")]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(PERSONS),
    st.sampled_from(NUMBERS),
    st.sampled_from(PREFIXES),
    st.sampled_from(["", "INFO started\n", "\n\n"]),
)
def test_a_person_between_to_and_the_number(
    shape: str, person: str, number: tuple[str, str, str, str], prefix: str, around: str
) -> None:
    written, e164, country, confidence = number
    text = around + prefix + shape.format(w=person, n=written) + "\n" + around
    assert _read(text) == [(21408, e164, country, confidence)], text


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(
        [
            ("customer", "12345"),  # an id
            ("customer", "1234567"),
            ("user", "123456789012"),  # 12 digits, no valid number once a '+' is put before them
            ("order", "447400123456"),  # no person: an order's number
            ("job", "447400123456"),
            ("account", "2348031234567"),
            ("invoice", "33612345678"),
        ]
    ),
    st.sampled_from(PREFIXES),
)
def test_an_id_or_a_things_number_is_no_to(shape: str, decoy: tuple[str, str], prefix: str) -> None:
    word, digits = decoy
    text = prefix + shape.format(w=word, n=digits) + "\n"
    assert [row[:2] for row in _read(text)] == [(21408, None)], text


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PERSONS), st.sampled_from(PREFIXES), st.booleans())
def test_a_number_from_the_person_is_never_the_to(person: str, prefix: str, with_to: bool) -> None:
    line = prefix + f"ERROR 21408 reply from {person} +14155550100"
    if with_to:
        line += " to user +2348031234567"
    found = extract(line)
    assert list(scan(io.BytesIO(line.encode()))) == found
    assert [(e.code, e.to, e.from_) for e in found] == [
        (21408, "+2348031234567" if with_to else None, "+14155550100")
    ], line
