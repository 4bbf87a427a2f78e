"""A SIP header's address in angle brackets: ``To: <sip:+2348031234567@example.pstn.twilio.com>;tag=…``.

A PBX's trace of a call Twilio's Elastic SIP Trunking refused with 32205 (``SIP/2.0 403 SIP Trunking: Geo
Permission configuration is not permitting call``, its headers below) read no destination: the ``To`` header's
value kept its brackets (``<sip:+234…@…>``), which no number reader takes. The address inside them is read, as
``To: sip:+234…@…`` was. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [("+2348031234567", "NG"), ("+33612345678", "FR"), ("+8613800138000", "CN")]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.channel) for e in found]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(NUMBERS),
    st.sampled_from(["example.pstn.twilio.com", "mytrunk.pstn.us1.twilio.com"]),
    st.sampled_from([";tag=as1b2c3d", "", ";tag=x;foo=bar"]),
    st.booleans(),
)
def test_a_sip_responses_to_header_names_the_destination(
    number: tuple[str, str], host: str, params: str, via: bool
) -> None:
    lines = ["SIP/2.0 403 SIP Trunking: Geo Permission configuration is not permitting call"]
    if via:
        lines.append("Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1")
    lines.append(f"To: <sip:{number[0]}@{host}>{params}")
    lines.append("From: <sip:+14155550100@203.0.113.5>;tag=def")
    text = "\n".join(lines) + "\n"
    assert _read(text) == [(32205, number[0], number[1], "sip")], text


def test_brackets_around_no_number_name_none() -> None:
    assert [(e.code, e.to) for e in extract("code=21408 to=<REDACTED>")] == [(21408, None)]
    assert [(e.code, e.to) for e in extract("code=21408 to=<>")] == [(21408, None)]
