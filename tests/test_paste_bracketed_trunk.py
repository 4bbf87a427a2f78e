"""A trunk prefix written after the country code ("+44 (0)20 7183 8750", "+44 07400 123456") is not dialled.

The convention says so, and phonenumbers reads it so; the destination was read with the 0 kept
(+4402071838750, not valid, the country at low confidence), and the offline diagnosis *confirmed*
wrong-country-code, "the fix is the number, not a permission", for a number written the way people in
Europe write theirs: a wrong answer with no doubt in it. Italy's 0, part of the number, stays.

Without brackets ("+44 07400 123456", "+4407400123456") the 0 was kept the same way: GB at low confidence, and
offline *confirmed* wrong-country-code, "the fix is the number, not a permission", although the country meant is
the one the calling code names (21408 and 21215 are raised for the country Twilio read: its permission decides
either way). When dropping that single 0 makes a valid number of a country whose trunk prefix is 0, the number
is read without it, at medium confidence, and the reason says the 0 was written and dropped.
"""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, read_number, scan
from tests.shared import OFFLINE_ENV

# (as written, E.164, country)
NUMBERS = [
    ("+44 (0)20 7183 8750", "+442071838750", "GB"),
    ("+44 (0)7400 123456", "+447400123456", "GB"),
    ("+33 (0)6 12 34 56 78", "+33612345678", "FR"),
    ("+49 (0)151 23456789", "+4915123456789", "DE"),
    ("+353 (0)87 123 4567", "+353871234567", "IE"),
    ("+44(0)7400 123456", "+447400123456", "GB"),
    ("+39 (0)6 1234 5678", "+390612345678", "IT"),  # Rome's 0 is part of the number
]
SHAPES = [
    "Twilio error {code} sending to {n}",
    "ERROR sms failed code={code} to={n}",
    '{{"code": {code}, "to": "{n}", "status": 400}}',
    "Status: 400 - ApiError {code}: Permission to send an SMS has not been enabled for the region indicated by the"
    " 'To' number: {n}. (null) More info: https://www.twilio.com/docs/errors/{code}",
]


def test_the_number_is_read_without_the_bracketed_zero() -> None:
    for written, e164, country in NUMBERS:
        reading = read_number(written)
        assert (reading.e164, reading.country, reading.confidence) == (e164, country, "high"), written
    kept = read_number("+4402071838750")  # without brackets, the 0 is dropped too, less surely, and said
    assert (kept.e164, kept.confidence) == ("+442071838750", "medium") and "trunk 0" in kept.reason


def test_offline_it_is_no_wrong_country_code() -> None:
    result = CliRunner().invoke(
        main, ["--offline", "--format", "json", "Twilio error 21408 sending to +33 (0)6 12 34 56 78"], env=OFFLINE_ENV
    )
    (diagnosis,) = json.loads(result.stdout)["diagnoses"]
    assert diagnosis["cause"] != "wrong-country-code"
    assert diagnosis["evidence"]["to"] == "+33612345678"
    causes = {c["id"]: c["status"] for c in diagnosis["causes"]}
    assert causes["wrong-country-code"] == "ruled-out" and causes["missing-country"] == "possible"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(NUMBERS), st.sampled_from(SHAPES))
def test_every_shape_reads_it_alike_in_paste_and_triage(number: tuple[str, str, str], shape: str) -> None:
    written, e164, country = number
    text = shape.format(code=21408, n=written) + "\n"
    assert [(e.code, e.to, e.country) for e in extract(text)] == [(21408, e164, country)], text
    assert list(scan(io.BytesIO(text.encode()))) == extract(text)


# (as written, E.164, country): a trunk 0 written after the country code, without brackets
UNBRACKETED = [
    ("+4407400123456", "+447400123456", "GB"),
    ("+44 07400 123456", "+447400123456", "GB"),
    ("+44-07400-123456", "+447400123456", "GB"),
    ("+44 020 7183 8750", "+442071838750", "GB"),
    ("+33 06 12 34 56 78", "+33612345678", "FR"),
    ("+330612345678", "+33612345678", "FR"),
    ("+49 0151 23456789", "+4915123456789", "DE"),
    ("+353 087 123 4567", "+353871234567", "IE"),
    ("+234 0803 123 4567", "+2348031234567", "NG"),
]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ", "level=error "]


def test_an_unbracketed_trunk_zero_is_dropped_and_said() -> None:
    for written, e164, country in UNBRACKETED:
        reading = read_number(written)
        assert (reading.e164, reading.country, reading.confidence) == (e164, country, "medium"), written
        assert "the trunk 0 after the country code (+" in reading.reason, written
        assert f"read without it as {e164}" in reading.reason, written


def test_a_zero_that_is_part_of_the_number_or_no_trunk_prefix_is_kept() -> None:
    assert read_number("+39 06 1234 5678").e164 == "+390612345678"  # Italy: the 0 is part of the number
    assert read_number("+3906 1234 5678").confidence == "high"
    for written in ("+1 0415 555 0100", "+4400123456", "+44 00 7400 123456"):  # +1 has no trunk 0; a double 0
        reading = read_number(written)
        assert reading.confidence == "low" and "trunk" not in reading.reason, written


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(UNBRACKETED), st.sampled_from(SHAPES), st.sampled_from(PREFIXES))
def test_an_unbracketed_trunk_zero_reads_alike_in_paste_and_triage(
    number: tuple[str, str, str], shape: str, prefix: str
) -> None:
    written, e164, country = number
    text = prefix + shape.format(code=21408, n=written) + "\n"
    found = extract(text)
    assert [(e.code, e.to, e.country, e.country_confidence, e.to_raw) for e in found] == [
        (21408, e164, country, "medium", written)
    ], text
    assert "trunk 0" in found[0].country_reason
    assert list(scan(io.BytesIO(text.encode()))) == found


def test_offline_an_unbracketed_trunk_zero_is_no_wrong_country_code() -> None:
    result = CliRunner().invoke(
        main, ["--offline", "--format", "json", "Twilio error 21408 sending to +44 07400 123456"], env=OFFLINE_ENV
    )
    (diagnosis,) = json.loads(result.stdout)["diagnoses"]
    assert diagnosis["evidence"]["to"] == "+447400123456"
    assert diagnosis["evidence"]["to_raw"] == "+44 07400 123456"
    causes = {c["id"]: c["status"] for c in diagnosis["causes"]}
    assert causes["wrong-country-code"] == "ruled-out" and causes["missing-country"] == "possible"
