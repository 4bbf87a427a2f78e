"""A national To with the destination's country named beside it is read in that country.

``MessageStatus=failed&ErrorCode=21408&To=07400123456&ToCountry=GB&From=%2B15005550006`` gave no To at all:
without a '+', the digits were read in the sender's country (the US, where they are no number) and then as
E.164 (``+07400123456``, no country), so the report said ``<to>`` and its facts called the number masked. Twilio's
webhooks and the Debugger's request variables carry ``ToCountry`` (and a call's ``CalledCountry``); apps log
``country=GB``, ``to_country``, ``countryCode``. Such a field now reads the national To in its country (medium
confidence, the reason says why); without one, the sender's country reads it as before, and a national To no
country reads is still shown as written (``to_raw``; the text report's To row), never called masked.
Paste and triage read them alike.
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

# (national number as written, its country, E.164, the country's calling code)
NATIONAL = [
    ("07400123456", "GB", "+447400123456", "44"),
    ("0612345678", "FR", "+33612345678", "33"),
    ("015123456789", "DE", "+4915123456789", "49"),
    ("08031234567", "NG", "+2348031234567", "234"),
    ("0412345678", "AU", "+61412345678", "61"),
]
HINT_KEYS = [
    "ToCountry", "to_country", "toCountry", "TO_COUNTRY", "to-country", "CalledCountry", "country", "Country",
    "countryCode", "country_code", "COUNTRY_CODE", "recipient_country", "destinationCountry", "message.to_country",
]  # fmt: skip
SENDERS = ["", "+15005550006", "+14155550100"]  # none, or one of another country (the hint wins)
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ERROR ", "E1130 10:00:00.1 "]


def _hint_values(country: str, code: str) -> list[str]:
    return [country, country.lower(), code, "+" + code]


def _shape(kind: int, to: str, key: str, hint: str, sender: str, noise: str) -> str:
    """One error with its To, the hint and (maybe) a sender, in one of the shapes logs write fields in."""
    if kind == 0:  # a status callback, form-encoded
        fields = ["MessageStatus=failed", "ErrorCode=21408", "To=" + to.replace("+", "%2B"), f"{key}={hint}"]
        if sender:
            fields.append("From=" + sender.replace("+", "%2B"))
        return "&".join(fields) + (f"&Noise={noise}" if noise else "")
    if kind == 1:  # logfmt
        return f"level=error msg=sms_failed code=21408 to={to} {key}={hint}" + (f" from={sender}" if sender else "")
    if kind == 2:  # JSON
        body = {"code": 21408, "to": to, key: hint, "status": 400}
        if sender:
            body["from"] = sender
        if noise:
            body["request_id"] = noise
        return json.dumps(body)
    return f"error_code: 21408, to: {to}, {key}: {hint}" + (f", from: {sender}" if sender else "")


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country, e.country_confidence) for e in found]


def test_the_reported_callback_reads_its_to_in_gb() -> None:
    text = "MessageStatus=failed&ErrorCode=21408&To=07400123456&ToCountry=GB&From=%2B15005550006"
    (evidence,) = extract(text)
    assert (evidence.to, evidence.to_raw, evidence.country) == ("+447400123456", "07400123456", "GB")
    assert evidence.country_confidence == "medium"
    assert "national number of GB" in evidence.country_reason
    assert evidence.from_ == "+15005550006"
    assert list(scan(io.BytesIO(text.encode()))) == [evidence]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(NATIONAL),
    st.sampled_from(HINT_KEYS),
    st.data(),
    st.sampled_from(SENDERS),
    st.integers(0, 3),
    st.sampled_from(PREFIXES),
    st.sampled_from(["", "abc123", "req-77"]),
)
def test_a_country_field_reads_the_national_to_in_its_country(
    national: tuple[str, str, str, str],
    key: str,
    data: st.DataObject,
    sender: str,
    kind: int,
    prefix: str,
    noise: str,
) -> None:
    written, country, e164, code = national
    hint = data.draw(st.sampled_from(_hint_values(country, code)))
    text = prefix + _shape(kind, written, key, hint, sender, noise) + "\n"
    assert _read(text) == [(21408, e164, country, "medium")], text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NATIONAL), st.sampled_from(HINT_KEYS), st.integers(0, 3), st.sampled_from(PREFIXES))
def test_a_number_written_with_plus_keeps_its_own_country(
    national: tuple[str, str, str, str], key: str, kind: int, prefix: str
) -> None:
    # the field names another country: a number in E.164 says its own
    text = prefix + _shape(kind, "+33612345678", key, "GB" if national[1] != "GB" else "DE", "", "") + "\n"
    assert _read(text) == [(21408, "+33612345678", "FR", "high")], text


def test_a_plus_lost_to_url_decoding_is_no_national_number() -> None:
    # '+' decoded as a space: the number is E.164, whatever country a field names
    assert _read("MessageStatus=failed&ErrorCode=21408&To=+33612345678&ToCountry=DE") == [
        (21408, "+33612345678", "FR", "medium")
    ]


def test_the_senders_country_reads_a_national_to_without_a_field_as_before() -> None:
    text = "MessageStatus=failed&ErrorCode=21408&To=07400123456&From=%2B447400999888"
    assert _read(text) == [(21408, "+447400123456", "GB", "medium")]
    (evidence,) = extract(text)
    assert "the sender's country" in evidence.country_reason


def test_the_senders_country_is_no_hint() -> None:
    # FromCountry names the sender's country, and the sender's own number decides that already
    text = "MessageStatus=failed&ErrorCode=21408&To=07400123456&FromCountry=GB&From=%2B15005550006"
    assert _read(text) == [(21408, None, None, None)]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NATIONAL), st.sampled_from(["", "+15005550006"]), st.integers(0, 3), st.sampled_from(PREFIXES))
def test_a_national_to_no_country_reads_is_kept_as_written(
    national: tuple[str, str, str, str], sender: str, kind: int, prefix: str
) -> None:
    written = national[0]
    text = prefix + _shape(kind, written, "request_id", "x1", sender, "") + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    (evidence,) = found
    assert (evidence.to, evidence.to_raw, evidence.country, evidence.country_confidence) == (None, written, None, None)
    assert evidence.country_reason.startswith("written without a country code (a national number)"), text


def test_a_value_that_names_no_country_is_no_hint() -> None:
    for value in ("United Kingdom", "ZZ", "XX", "0", "9999", "true"):
        text = f"code=21408 to=07400123456 country={value}"
        assert _read(text) == [(21408, None, None, None)], text


def test_read_number_prefers_the_hint_to_the_senders_country() -> None:
    reading = read_number("0612345678", from_country="GB", hint="FR")
    assert (reading.e164, reading.country, reading.confidence) == ("+33612345678", "FR", "medium")
    assert read_number("+447400123456", hint="FR").country == "GB"


def test_the_report_shows_a_national_to_it_could_not_read() -> None:
    text = "MessageStatus=failed&ErrorCode=21408&To=07400123456&From=%2B15005550006"
    result = CliRunner().invoke(main, ["--offline", text], env=OFFLINE_ENV)
    assert "To       07400123456 (as written; country unknown)" in result.stdout
    assert "masked" not in result.stdout
    result = CliRunner().invoke(main, ["--offline", "--format", "json", text + "&ToCountry=GB"], env=OFFLINE_ENV)
    (diagnosis,) = json.loads(result.stdout)["diagnoses"]
    assert (diagnosis["evidence"]["to"], diagnosis["evidence"]["country"]) == ("+447400123456", "GB")


# --------------------------------------------------------------------------- the country in brackets after the number

# "21408 for 07400 123456 (GB)": in free text, a country in brackets right after a national number names its country
# as a field does. It was ignored: 'Twilio error 21408 for 07400 123456 (GB)' read no To, and the line without its
# "Twilio error" read nothing at all, while a bare code before a '+' number is an error. The upper-case ISO code in
# brackets is now the destination's country (medium confidence), and a bare code before such a number is read as
# before a '+' one; brackets that name no country, a word before the code, an INFO line add nothing.
FREE_SHAPES = [
    "Twilio error 21408 for {n} ({c})",
    "error 21408 to {n} ({c})",
    "sms to {n} ({c}) failed: error 21408",
    "21408 for {n} ({c})",
    "WARN 21408 to={n} ({c})",
    "ERROR [sms] 21408 to {n}({c})",
    "WARN send_sms: 21408 for {n} ({c})",
]


def test_the_reported_line_reads_its_to_in_gb() -> None:
    assert _read("21408 for 07400 123456 (GB)") == [(21408, "+447400123456", "GB", "medium")]
    (evidence,) = extract("Twilio error 21408 for 07400 123456 (GB)")
    assert (evidence.to, evidence.country, evidence.country_confidence) == ("+447400123456", "GB", "medium")
    assert "national number of GB, the destination's country the error names beside it" in evidence.country_reason


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(NATIONAL),
    st.sampled_from(FREE_SHAPES),
    st.booleans(),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: "]),
    st.sampled_from(["", "\nINFO next\n"]),
)
def test_a_country_in_brackets_reads_the_national_to_in_its_country(
    national: tuple[str, str, str, str], shape: str, grouped: bool, prefix: str, around: str
) -> None:
    written, country, e164, _ = national
    if grouped:
        written = written[:5] + " " + written[5:]
    text = around + prefix + shape.format(n=written, c=country) + "\n" + around
    assert _read(text) == [(21408, e164, country, "medium")], text


BRACKET_DECOYS = [
    "21408 for {n} (XX)",  # no country
    "21408 for {n} (gb)",  # in upper case only: "(ok)", "(no)" are words
    "21408 for {n}",
    "job 21408 for {n} (GB)",  # a job's id
    "INFO 21408 for {n} (GB)",
    "21408 for {n} (GB) delivered",
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(BRACKET_DECOYS), st.sampled_from(NATIONAL))
def test_brackets_that_name_no_country_or_a_line_that_is_no_error_read_nothing(
    decoy: str, national: tuple[str, str, str, str]
) -> None:
    text = decoy.format(n=national[0]) + "\n"
    assert _read(text) == [], text


def test_a_country_in_brackets_does_not_move_a_number_written_with_plus() -> None:
    assert _read("error 21408 to +33612345678 (GB)") == [(21408, "+33612345678", "FR", "high")]
    assert _read("error 21408 to 07400123456 (OK)") == [(21408, None, None, None)]
