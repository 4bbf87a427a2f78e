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

import pytest
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


# --------------------------------------------------------------------------- a number written as people write one

# after "for", as written: in groups, an area code in brackets, a North American number without its 1 (read in North
# America), a national number read in the sender's country. (as written, E.164, country, confidence, the sender)
WRITTEN = [
    ("4155550100", "+14155550100", "US", "low", None),
    ("415-555-0100", "+14155550100", "US", "low", None),
    ("(415) 555-0100", "+14155550100", "US", "low", None),
    ("1 (415) 555-0100", "+14155550100", "US", "low", None),
    ("1-415-555-0100", "+14155550100", "US", "low", None),
    ("415.555.0100", "+14155550100", "US", "low", None),
    ("44 7400 123456", "+447400123456", "GB", "low", None),
    ("234 803 123 4567", "+2348031234567", "NG", "low", None),
    ("4155550100", "+14155550100", "US", "medium", "+14155550111"),
    ("020 7183 8750", "+442071838750", "GB", "medium", "+442071838751"),
    ("06 12 34 56 78", "+33612345678", "FR", "medium", "+33612345699"),
    ("0151 23456789", "+4915123456789", "DE", "medium", "+4915123456780"),
]
FOR_SHAPES = [
    "error {c} for {n}",
    "ERROR twilio error {c} for {n}{s}",
    "sms for {n} failed: Twilio error {c}",
    "sms failed (error {c}) for {n}",
    "Twilio error {c} for customer {n}",
    "ERROR twilio code={c} failed for {n}",
    'level=error code={c} msg="send failed for {n}"',
]
FOR_TAILS = ["", " (attempt 2)", " job=abc123", ", retrying in 30000 ms", ".", ": giving up"]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(WRITTEN),
    st.sampled_from(FOR_SHAPES),
    st.sampled_from(PREFIXES),
    st.sampled_from(FOR_TAILS),
    st.sampled_from([21408, 21215, 13227]),
)
def test_a_number_after_for_is_read_as_written(
    number: tuple[str, str, str, str, str | None], shape: str, prefix: str, tail: str, code: int
) -> None:
    # main read no destination in 'error 21408 for 4155550100': after "for" only 10-15 digits valid with a '+'
    written, e164, country, confidence, sender = number
    sent = f" from {sender}" if sender else ""
    text = prefix + shape.format(c=code, n=written, s=sent) + tail
    if sender and "{s}" not in shape:
        text += f" from={sender}"
    found = extract(text + "\n")
    assert list(scan(io.BytesIO((text + "\n").encode()))) == found, text
    assert [(e.code, e.to, e.to_raw, e.country, e.country_confidence) for e in found] == [
        (code, e164, written, country, confidence)
    ], text
    assert found[0].from_ == sender, text
    if confidence == "low":
        assert found[0].country_reason.startswith("no label names it (a number after 'for"), text


WRITTEN_DECOYS = [
    "2026-11-30 10:00:00",  # a time
    "415 555 0100 seconds",  # a duration
    "12345-67890",  # an id in two groups: no valid number
    "(415) 555",
    "0612345678",  # a national number nothing names the country of
    "415-555-0100/s",
    "415.555.0100.5",
    "order 4155550100",
    "job (415) 555-0100",
]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(WRITTEN_DECOYS), st.sampled_from(FOR_SHAPES[:5]), st.sampled_from(PREFIXES))
def test_what_is_written_otherwise_after_for_stays_no_number(decoy: str, shape: str, prefix: str) -> None:
    text = prefix + shape.format(c=21408, n=decoy, s="") + "\n"
    assert _read(text) == [(21408, None, None, None)], text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WRITTEN), st.sampled_from(PREFIXES), st.sampled_from(["from ", "from=", "From: "]))
def test_the_sender_written_nationally_is_never_the_to(
    number: tuple[str, str, str, str, str | None], prefix: str, label: str
) -> None:
    written, e164 = number[0], number[1]
    for text in (f"error 21408 {label}{e164} for {written}", f"error 21408 for {written} {label}{e164}"):
        found = extract(prefix + text + "\n")
        assert [(e.to, e.to_raw) for e in found] == [(None, None)], text
        assert list(scan(io.BytesIO((prefix + text + "\n").encode()))) == found


# a code no word names, opening the log message, then "for" or "to" and a number written with '+'
@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["21408 for {n}", "21408 to {n}", "21215 for {n}", "13227 to {n} (call failed)"]),
    st.sampled_from([("+44 7400 123456", "+447400123456"), ("+33612345678", "+33612345678")]),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ERROR ", "[worker-3] WARN "]),
)
def test_a_bare_code_before_for_and_a_plus_number_is_read(shape: str, number: tuple[str, str], prefix: str) -> None:
    # main: 'diagnose "21408 for +44 7700 900123"' said "no Twilio error found in the input"
    text = prefix + shape.format(n=number[0]) + "\n"
    assert _read(text) == [(int(shape[:5]), number[1], (number[1][:3] == "+44" and "GB") or "FR", "high")], text


@pytest.mark.parametrize(
    "line",
    [
        "job 21408 for +33612345678",
        "INFO 21408 for +33612345678",
        "21408 for +33612345678 delivered",
        "sent 21408 to +33612345678",
        "21408 messages for +33612345678",
        "21408 for 33612345678",
    ],
)
def test_a_bare_code_before_for_that_is_an_id_or_a_count_is_no_error(line: str) -> None:
    assert _read(line + "\n") == [], line


# the words that say a number was called, dialled or texted, read as "for" is
CALLED_SHAPES = [
    "ERROR Twilio error {c} calling {n}",
    "ERROR call failed: {c} dialing {n}",
    "ERROR twilio {c} when dialling {n}",
    "ERROR Twilio error {c} when calling customer {n}",
    "ERROR error {c} texting {n}",
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(WRITTEN),
    st.sampled_from(CALLED_SHAPES),
    st.sampled_from(PREFIXES),
    st.sampled_from([21408, 21215, 13227]),
)
def test_a_number_called_dialled_or_texted_is_read_as_after_for(
    number: tuple[str, str, str, str, str | None], shape: str, prefix: str, code: int
) -> None:
    # main read no destination in 'call failed: 21215 dialing 020 7183 8750 from +442071838751'
    written, e164, country, confidence, sender = number
    text = prefix + shape.format(c=code, n=written) + (f" from {sender}" if sender else "") + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    assert [(e.code, e.to, e.to_raw, e.country, e.country_confidence) for e in found] == [
        (code, e164, written, country, confidence)
    ], text
    if confidence == "low":
        words = (
            " ".join(w for w in shape.split("{n}")[0].split()[-2:] if w in ("calling", "customer"))
            or (shape.split("{n}")[0].split()[-1])
        )
        assert found[0].country_reason.startswith(f"no label names it (a number after '{words}' on"), text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WRITTEN_DECOYS), st.sampled_from(CALLED_SHAPES[:3]), st.sampled_from(PREFIXES))
def test_what_is_written_otherwise_after_calling_stays_no_number(decoy: str, shape: str, prefix: str) -> None:
    text = prefix + shape.format(c=21215, n=decoy) + "\n"
    assert _read(text) == [(21215, None, None, None)], text


@pytest.mark.parametrize("shape", ["ERROR Twilio error 21408 for {n}", "ERROR Twilio error 21408 sending {n}"])
@pytest.mark.parametrize("channel", ["whatsapp:", "WhatsApp:"])
def test_a_whatsapp_address_no_label_names_keeps_its_channel(shape: str, channel: str) -> None:
    # main read +33612345678 with no channel: the line's one '+' number was read without its 'whatsapp:'
    text = shape.format(n=channel + "+33612345678") + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    assert [(e.to, e.to_raw, e.channel) for e in found] == [("+33612345678", channel + "+33612345678", "whatsapp")]
