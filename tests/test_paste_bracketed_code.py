"""A code in brackets after a failure's words is the line's error: ``failed to send to 447400123456 (21408)``.

That line gave no error at all: a five-digit number counts as a code only after a word that says so ("error
21408", "failed with 21408") or as a field's value, and this one follows the number it failed for. A known code
written in brackets right after its own words on a line that says something failed ("failed … (21408)",
"failure … (21610)") is now read as the code, and the line's To as any log line's (here: digits after "to", no
'+', at low confidence). Brackets elsewhere stay no code: a count ("(21408 rows)"), an unknown number
("(12345)"), a line that does not say it failed, a passcode. Paste and triage (its pre-filter lets the line
through) read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ERROR ", "E1130 10:00:00.1 "]
# {n}: the number, {c}: the code
SHAPES = [
    "failed to send to {n} ({c})",
    "SMS failed to send to {n} ({c})",
    "Message delivery failed to send to {n} ({c}).",
    "notification failed to send to {n} ({c}) after 3 attempts",
    "sms failure sending to {n} ({c})",
    "failed to deliver message to {n} ({c})",
]
NUMBERS = [("447400123456", "+447400123456", "GB", "low"), ("+33612345678", "+33612345678", "FR", "high")]
DECOYS = [
    "failed to import 3 files (21408 rows)",
    "failed to send to 447400123456 (12345)",
    "sent to 447400123456 (21408)",
    "failed to send your verification code (21408)",
    "failed to send to 447400123456 (21408",
    "failed to send to 447400123456 (214080)",
    "failed to send to 447400123456 (a21408)",
]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.country_confidence) for e in found]


def test_the_reported_line_is_an_error() -> None:
    assert _read("failed to send to 447400123456 (21408)") == [(21408, "+447400123456", "GB", "low")]


def _bracketed(shapes: list[str], numbers: list[tuple[str, str, str, str]], codes: list[int], n: int):  # type: ignore[no-untyped-def]
    """A line of one of ``shapes`` with one of ``numbers`` and ``codes``, around and after a prefix, reads as
    that one error."""

    @settings(max_examples=n, deadline=None)
    @given(
        st.sampled_from(shapes),
        st.sampled_from(numbers),
        st.sampled_from(codes),
        st.sampled_from(PREFIXES),
        st.sampled_from(["", "\nnext line\n", "INFO started\n"]),
    )
    def test(shape: str, number: tuple[str, str, str, str], code: int, prefix: str, around: str) -> None:
        written, e164, country, confidence = number
        text = around + prefix + shape.format(n=written, c=code) + "\n" + around
        assert _read(text) == [(code, e164, country, confidence)], text

    return test


test_a_bracketed_code_after_a_failure_is_read = _bracketed(SHAPES, NUMBERS, [21408, 21612, 21610, 30007], 120)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(DECOYS), st.sampled_from(PREFIXES))
def test_brackets_elsewhere_name_no_code(decoy: str, prefix: str) -> None:
    text = prefix.replace("ERROR ", "") + decoy + "\n"
    assert _read(text) == [], text


# A failure named as an event, in snake_case or camelCase ("sms_failed", "smsFailed"): the word "fail" inside a
# name, after '_' or a lower-case letter, says it failed as much as the word alone does
EVENTS = ["sms_failed", "smsFailed", "send_failed", "delivery_failed", "callFailed", "SMS_FAILED", "message-failed"]
EVENT_SHAPES = [
    "{e} to={n} ({c})",
    "event={e} to={n} ({c})",
    "{e}: to {n} ({c})",
    "event={e} code=({c}) to={n}",
    "{e} ({c}) to={n}",
    '{{"event": "{e}", "to": "{n}", "detail": "rejected ({c})"}}',
]
EVENT_DECOYS = [
    "{e} to={n} (21408 bytes)",
    "{e} to={n} (12345)",
    "{e} to={n} retry (2)",
    "{e} to={n} (214080)",
    "sms_sent to={n} (21408)",
    "{e} your verification code (21408)",
    "emails_sent to={n} (21408)",
]


def test_the_reported_event_lines_are_errors() -> None:
    line = "2026-11-30T10:00:01Z WARN sms_failed to=+2348031234567 (21408)"
    assert _read(line) == [(21408, "+2348031234567", "NG", "high")]
    assert _read("event=sms_failed code=(21408) to=+2348031234567") == [(21408, "+2348031234567", "NG", "high")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(EVENT_SHAPES),
    st.sampled_from(EVENTS),
    st.sampled_from(NUMBERS),
    st.sampled_from([21408, 21612, 21610, 30007, 13227]),
    st.sampled_from([*PREFIXES, "2026-11-30T10:00:01Z WARN "]),
    st.sampled_from(["", "\nnext line\n", "INFO started\n"]),
)
def test_a_bracketed_code_after_a_failure_event_is_read(
    shape: str, event: str, number: tuple[str, str, str, str], code: int, prefix: str, around: str
) -> None:
    written, e164, country, _ = number
    text = around + prefix + shape.format(e=event, n=written, c=code) + "\n" + around
    # a key's number ("to=4474…") without '+' is read at medium confidence; in words ("to 4474…") at low
    confidence = "high" if written.startswith("+") else ("medium" if "to=" in shape or '"to"' in shape else "low")
    assert _read(text) == [(code, e164, country, confidence)], text


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(EVENT_DECOYS), st.sampled_from(EVENTS), st.sampled_from(NUMBERS), st.sampled_from(PREFIXES))
def test_brackets_beside_an_event_name_no_code_elsewhere(
    decoy: str, event: str, number: tuple[str, str, str, str], prefix: str
) -> None:
    text = prefix.replace("ERROR ", "") + decoy.format(e=event, n=number[0]) + "\n"
    assert _read(text) == [], text


# A call or a message blocked says it failed as much: "Dial to +4930123456 blocked (13227)" read nothing, since only
# "fail" put a bracketed code after its words. "blocked" now does, as a word or inside an event's name, and a word
# that holds it ("unblocked") or a line that does not say it was blocked stays no code
BLOCKED_SHAPES = [
    "Dial to {n} blocked ({c})",
    "call to {n} blocked ({c})",
    "sms to {n} BLOCKED ({c})",
    "WARN call_blocked to={n} ({c})",
    "callBlocked to={n} ({c})",
    "outbound call blocked: dialing {n} ({c})",
]
BLOCKED_DECOYS = [
    "Dial to {n} unblocked ({c})",
    "Dial to {n} blocked ({c} rows)",
    "Dial to {n} blocked (12345)",
    "Dial to {n} blockedness ({c})",
    "Dial to {n} was blocked at 10:00 ({c}",
    "sms_sent to={n} ({c})",
    "blocked your verification code ({c})",
]
BLOCKED_NUMBERS = [
    ("+4930123456", "+4930123456", "DE", "high"),
    ("+4915123456789", "+4915123456789", "DE", "high"),
    ("+2348031234567", "+2348031234567", "NG", "high"),
]


def test_the_reported_blocked_line_is_an_error() -> None:
    assert _read("Dial to +4930123456 blocked (13227)") == [(13227, "+4930123456", "DE", "high")]


test_a_bracketed_code_after_blocked_is_read = _bracketed(
    BLOCKED_SHAPES, BLOCKED_NUMBERS, [13227, 21215, 32205, 21408], 100
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(BLOCKED_DECOYS), st.sampled_from(BLOCKED_NUMBERS), st.sampled_from([13227, 21408]))
def test_brackets_beside_blocked_name_no_code_elsewhere(
    decoy: str, number: tuple[str, str, str, str], code: int
) -> None:
    text = decoy.format(n=number[0], c=code) + "\n"
    assert _read(text) == [], text


def test_a_bracketed_code_right_after_a_number_no_label_names_is_no_digit_of_it() -> None:
    # read as +493012345613227 (a valid German number): the '+' number took the code in brackets for its last digits,
    # which only a labelled number ("to +4930123456 (13227)") was kept from
    for word in ("failed", "blocked"):
        text = f"outbound call {word}: dialing +4930123456 (13227)"
        assert _read(text) == [(13227, "+4930123456", "DE", "high")], text
