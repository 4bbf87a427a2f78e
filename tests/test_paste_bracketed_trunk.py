"""A trunk prefix written in brackets after the country code ("+44 (0)20 7183 8750") is not dialled.

The convention says so, and phonenumbers reads it so; the destination was read with the 0 kept
(+4402071838750, not valid, the country at low confidence), and the offline diagnosis *confirmed*
wrong-country-code, "the fix is the number, not a permission", for a number written the way people in
Europe write theirs: a wrong answer with no doubt in it. Italy's 0, part of the number, stays.
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
    kept = read_number("+4402071838750")  # a 0 kept with no brackets is still a wrong prefix
    assert kept.confidence == "low"


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
