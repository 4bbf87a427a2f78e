"""A code after the number a failure was for and a colon: ``SMS failed for user 42 (+33612345678): 21408``.

A logger's ``"%s failed for %s: %s"`` puts the error's code last, after the number it failed for. Such a line read
nothing: a five-digit number is a code only after a word that says so ("error 21408", "failed with 21408"), in
brackets after a failure's words, or at the start of a message. After the words that say something failed (or was
blocked), a known code right after a phone number (written with '+', digits that make a valid number, a national
number with its trunk 0, or a mask of one; maybe in brackets) and a colon, ending its clause, is now the line's code;
the line's To is read as any log line's. A date, an id or a count before the colon, a code a word or more follows, a
passcode and an unknown number stay no code, and the user's id ("42") is read as nothing. Paste and triage read them
alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [
    ("+33612345678", "+33612345678", "FR"),
    ("+5511987654321", "+5511987654321", "BR"),
    ("+44 7400 123456", "+447400123456", "GB"),
    ("+4915123456789", "+4915123456789", "DE"),
]
SHAPES = [
    "SMS failed for user {uid} ({to}): {code}",
    "send failed for {to}: {code}",
    "sms_failed customer={uid} [{to}]: {code}",
    "Message to {to} failed for account {uid} ({to}): {code}.",
    "callBlocked for {to}: {code}",
    "notification failed, user {uid} ({to}): {code}; giving up",
]
PREFIXES = ["", "2026-12-02T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ERROR ", "WARN notify: "]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_line_is_an_error() -> None:
    assert _read("SMS failed for user 42 (+33612345678): 21408") == [(21408, "+33612345678", "FR")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(NUMBERS),
    st.sampled_from([21408, 13227, 21215, 21610]),
    st.sampled_from(["42", "7", "21408", "13227", "user-991"]),
    st.sampled_from(PREFIXES),
    st.sampled_from(["", "\nINFO next\n"]),
)
def test_a_code_after_the_failures_number_and_a_colon_is_read(
    shape: str, number: tuple[str, str, str], code: int, uid: str, prefix: str, around: str
) -> None:
    written, e164, country = number
    text = around + prefix + shape.format(to=written, code=code, uid=uid) + "\n" + around
    assert _read(text) == [(code, e164, country)], text


def test_two_on_one_line_are_two_errors() -> None:
    line = "SMS failed for user 42 (+33612345678): 21408; SMS failed for user 43 (+5511987654321): 21408"
    assert _read(line) == [(21408, "+33612345678", "FR"), (21408, "+5511987654321", "BR")]


def test_digits_without_a_plus_are_a_phone_only_when_they_make_one() -> None:
    assert _read("call failed for 4155550100: 13227.") == [(13227, "+14155550100", "US")]
    # a national number: the code, whose To no country reads
    assert _read("SMS failed for user 42 (07400 123456): 21408") == [(21408, None, None)]


DECOYS = [
    "Job failed on 2026-12-02: {code}",  # a date
    "failed at 20261202100001: {code}",  # a time, no phone number
    "Batch failed, rows processed: {code}",  # a count
    "job failed (id 1234567890): {code}",
    "SMS failed (retry 2): {code}",
    "SMS failed for user 42 ({to}): {code} rows",  # a word after it
    "SMS failed for user 42 ({to}): {code}0",
    "SMS failed for user 42 ({to}): 12345",  # no code of Twilio's
    "SMS sent for user 42 ({to}): {code}",  # nothing failed
    "failed to send verification code to {to}: {code}",  # a passcode
    "SMS unblocked for {to}: {code}",
]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DECOYS), st.sampled_from(NUMBERS), st.sampled_from([21408, 30008]), st.sampled_from(PREFIXES))
def test_a_colon_after_no_phone_names_no_code(decoy: str, number: tuple[str, str, str], code: int, prefix: str) -> None:
    text = prefix.replace("ERROR ", "") + decoy.format(to=number[0], code=code) + "\n"
    assert _read(text) == [], text
