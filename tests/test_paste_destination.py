"""The destination stays with its error whatever the line holds beside it.

* A word after the number that starts with ``x`` ("to +33612345678 xx code=1", "X-Twilio-Request-Id: RQ…",
  "x3 retries", an extension "x123") is no masked part of it: a mask leaves fewer digits visible than a whole
  number has ("+49 151 2345 xxxx" stays masked).
* A small code that is not Twilio's (``code=1``, ``exit code=0``, ``status code=1``) beside an error takes
  nothing from it.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._parse import labelled_destination, number_in_message

NUMBERS = [("+2348031234567", "NG"), ("+33612345678", "FR"), ("+4915123456789", "DE"), ("+819012345678", "JP")]
ERRORS = [
    "ERROR sms failed code={code} to={to}",
    "ERROR {code} to {to}",
    "status error {code} for {to}",
    "twilio error {code} sending to {to}",
    "sms failed: error_code={code} recipient={to}",
    "Twilio error {code}: Permission to send an SMS has not been enabled for the region indicated by the 'To' "
    "number: {to}",
]
# what a log writes beside an error: small codes of its own, words that start with x, request ids
BESIDE = [
    "code=1",
    "retry code=1",
    "exit code=0",
    "status code=1",
    "xx code=1",
    "xx",
    "x3 retries",
    "X-Twilio-Request-Id: RQ0123456789abcdef",
    "xid=42",
    "(x2)",
]


def _fields(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(e.code, e.to, e.country) for e in found]


def test_the_destination_before_a_word_of_xs_is_read_whole() -> None:
    # main read "+33612345678 xx" as a masked number: the To was lost, only the country kept
    for line in (
        "xx code=1 ERROR 21408 to +33612345678 xx code=1",
        "ERROR 21408 to +33612345678 X-Twilio-Request-Id: RQ0123456789abcdef",
        "ERROR 21408 to=+33612345678 xid=42",
        "twilio error 21408 sending to +33612345678 x3 retries",
    ):
        found = extract(line)
        assert _fields(found) == [(21408, "+33612345678", "FR")], line
        assert found[0].to_raw == "+33612345678", line
        assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


def test_a_masked_number_keeps_its_masked_groups() -> None:
    # the digits before the x's are fewer than a whole number's: the x's stand for digits
    for text, raw in (
        ("ERROR 21408 to +49 151 2345 xxxx", "+49 151 2345 xxxx"),
        ("ERROR 21408 to +1 415 555 xxxx", "+1 415 555 xxxx"),
        ("ERROR 21408 to +44 7700 900xxx", "+44 7700 900xxx"),
        ("ERROR 21408 to +33 6 12 34 56 xx", "+33 6 12 34 56 xx"),
    ):
        (found,) = extract(text)
        assert (found.to_raw, found.to) == (raw, None), text
    assert labelled_destination("to +49 151 2345 xxxx") == "+49 151 2345 xxxx"
    assert number_in_message("not authorized to call +1 415 555 xxxx") == "+1 415 555 xxxx"


def test_an_extension_is_no_part_of_the_number() -> None:
    assert number_in_message("Account not authorized to call +1 415 555 0100 x123") == "+1 415 555 0100"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ERRORS),
    st.sampled_from([21408, 21215, 13227]),
    st.sampled_from(NUMBERS),
    st.lists(st.sampled_from(BESIDE), max_size=3),
    st.lists(st.sampled_from(BESIDE), max_size=3),
    st.sampled_from(["", "2026-11-30T10:00:00Z "]),
)
def test_what_a_log_writes_beside_an_error_takes_nothing_from_it(
    error: str, code: int, number: tuple[str, str], before: list[str], after: list[str], stamp: str
) -> None:
    to, country = number
    text = error.format(code=code, to=to)
    alone = _fields(extract(stamp + text))
    assert [(to, country)] == [(e_to, e_country) for _, e_to, e_country in alone]
    line = stamp + " ".join([*before, text, *after])
    found = extract(line)
    assert _fields(found) == alone, line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=10, max_size=14).filter(lambda d: d[0] != "0"),
    st.sampled_from(["xx", "x", "X-Request-Id", "x3", "(x2)", "xid=42", "x123"]),
    st.text(alphabet="0123456789", min_size=5, max_size=9).filter(lambda d: d[0] != "0"),
    st.integers(1, 6),
)
def test_a_word_of_xs_is_a_mask_only_after_too_few_digits(whole: str, word: str, shown: str, hidden: int) -> None:
    # after a whole number, a word that starts with x is the log's; after fewer digits, the x's are masked digits
    assert labelled_destination(f"sms to +{whole} {word} failed") == "+" + whole
    masked = f"+{shown[:2]} {shown[2:]} " + "x" * hidden
    assert labelled_destination(f"sms to {masked} failed") == masked


def test_a_small_number_after_the_destination_is_no_part_of_it() -> None:
    # main read "+33612345678 400" as one number, +33612345678400 (not valid: the To lost, a low-confidence country)
    for line in (
        "ERROR 21408 to +33612345678 400 Bad Request",
        "ERROR twilio 21408 to +33612345678 2 attempts",
        "sms to +33612345678 1 of 3 failed: error 21408",
    ):
        found = extract(line)
        assert [(e.code, e.to, e.to_raw) for e in found] == [(21408, "+33612345678", "+33612345678")], line
        assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")
    # a number written in groups stays whole: the groups before its last are no valid number by themselves
    for line, to in (
        ("ERROR 21408 to +44 20 7183 8750", "+442071838750"),
        ("ERROR 21408 to +1 415 555 0100", "+14155550100"),
        ("ERROR 21408 to +49 151 2345 6789", "+4915123456789"),
    ):
        assert [e.to for e in extract(line)] == [to], line


VALID = ["+33612345678", "+2348031234567", "+4915123456789", "+819012345678", "+14155550100", "+442071838750"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALID), st.integers(0, 999), st.lists(st.integers(1, 4), min_size=1, max_size=5))
def test_a_valid_number_keeps_its_groups_and_leaves_the_next_number(number: str, after: int, cuts: list[int]) -> None:
    # written in groups (any widths), a valid number reads whole; a small number after it is not one of its groups
    digits = number[1:]
    groups, at = [], 0
    for width in cuts:
        if at < len(digits):
            groups.append(digits[at : at + width])
            at += width
    grouped = "+" + " ".join([*groups, digits[at:]] if at < len(digits) else groups)
    found = labelled_destination(f"sms to {grouped} failed")
    assert found is not None and found.replace(" ", "") == number
    assert labelled_destination(f"sms to {number} {after} failed") == number
