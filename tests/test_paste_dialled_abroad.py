"""A destination written with an international prefix for its '+': ``011 44 7400 123456``.

``Twilio error 21408 to 011 44 7400 123456`` read no country: without '+', the digits were taken for a national
number that nothing named the country of. 011 is the international prefix dialled from North America (00 from most
countries, which was read already; 0011 from Australia, 010 from Japan). A number without
'+' that no country reads as a national number is now read as phonenumbers reads it in each region whose
international prefix it starts with (its region argument; the prefixes are phonenumbers' metadata, not a table of
ours), when every valid reading is the same number: ``+447400123456``, GB, at medium confidence, the reason naming
the prefix and where it is dialled from. A national number of a country named beside it keeps its reading
(``011 234 5678`` with ``country=ZA`` is Johannesburg's), and digits that make no number through any prefix stay
unread. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, read_number, scan

# (E.164, country, the number as its country groups it after the calling code)
NUMBERS = [
    ("+447400123456", "GB", "44 7400 123456"),
    ("+33612345678", "FR", "33 6 12 34 56 78"),
    ("+2348031234567", "NG", "234 803 123 4567"),
    ("+5511987654321", "BR", "55 11 98765 4321"),
    ("+819012345678", "JP", "81 90 1234 5678"),
]
PREFIXES = ["011", "0011", "010"]  # North America's, Australia's, Japan's
SHAPES = [
    "Twilio error {c} to {n}",
    "error {c} for {n}",
    "ERROR sms failed code={c} to={n}",
    "failed to send to {n} ({c})",
]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.country_confidence) for e in found]


def test_the_reported_number_is_read_as_dialled_from_north_america() -> None:
    reading = read_number("011 44 7400 123456")
    assert (reading.e164, reading.country, reading.confidence) == ("+447400123456", "GB", "medium")
    assert "011, an international prefix" in reading.reason and "US" in reading.reason
    assert _read("Twilio error 21408 to 011 44 7400 123456") == [(21408, "+447400123456", "GB", "medium")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(NUMBERS),
    st.sampled_from(PREFIXES),
    st.booleans(),
    st.sampled_from(SHAPES),
    st.sampled_from([21408, 13227]),
)
def test_a_number_written_with_an_international_prefix_is_read(
    number: tuple[str, str, str], prefix: str, grouped: bool, shape: str, code: int
) -> None:
    e164, country, groups = number
    written = f"{prefix} {groups}" if grouped else prefix + groups.replace(" ", "")
    reading = read_number(written)
    assert (reading.e164, reading.country, reading.confidence) == (e164, country, "medium"), written
    assert reading.reason.startswith(f"written with {prefix}, an international prefix"), reading.reason
    text = shape.format(c=code, n=written) + "\n"
    assert _read(text) == [(code, e164, country, "medium")], text


def test_the_sender_names_the_prefix_dialled() -> None:
    reading = read_number("011 44 7400 123456", from_country="US")
    assert (reading.e164, reading.confidence) == ("+447400123456", "medium")
    assert (
        reading.reason
        == "written with 011, the international prefix of US, the sender's country, for '+'; a valid number"
    )


def test_what_no_prefix_makes_a_number_of_stays_unread() -> None:
    # a national number of the country named beside it keeps its reading
    assert read_number("011 234 5678", hint="ZA").e164 == "+27112345678"
    # nor is a national number whose trunk 0 a one-digit prefix would take for the '+' (Samoa's 0: 015123456789 is a
    # German mobile, not +1 512 345 6789)
    nationals = ("015123456789", "08031234567", "02033123456", "07400123456", "0412345678")
    for written in ("011 234 5678", "0612345678", "01012345678", "011 99 1234", "810 44 7400 123456", *nationals):
        reading = read_number(written)
        assert reading.country is None or reading.confidence == "low", (written, reading)
    # two prefixes that read the digits as two numbers: neither is picked (South Korea's 001 before +33 6…, Bolivia's
    # 0013 before +36 12…)
    assert read_number("00133612345678").e164 != "+3612345678"
    assert read_number("00133612345678").confidence == "low"
    # 00, most countries' prefix, reads as it did

    assert read_number("0044 7400 123456").confidence == "high"
