"""Words two codes share, and whether anything in the paste tells which: 13227's and 21215's message.

Twilio's official message for 13227 (a ``<Dial>`` in TwiML, logged as a WARNING) and for 21215 (the REST API
refusing to create a call, an ERROR) is the same, "Geo Permission configuration is not permitting call"; 32205's
holds it after "SIP Trunking:". Without a printed code, where the message came from decides: an HTTP error
response or an SDK's REST exception is 21215's, a call's status callback 13227's (a call was placed). A log line or
an application's own exception tells neither. Such a paste was read as 13227 at medium confidence, its reason
saying "told apart by where the message came from" when nothing had, and the report's headline and answer named
13227 alone. Now it is read as 13227 at low confidence, ``code_alternatives`` names 21215, the headline reads
"13227 (or 21215)" and the answer says that nothing in the text says which. Paste and triage read them alike.
"""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan

GEO = "Geo Permission configuration is not permitting call"
NUMBERS = ["+33612345678", "+2348031234567", "+61412345678", "+4915123456789"]
# nothing here says where the message came from: a log line, the application's own exception
UNKNOWN = [
    "2026-12-01 10:00:00 ERROR call to {n} failed: {m}",
    "[2026-12-01T10:00:00Z] WARN dial to {n} failed: {m}",
    '{{"level":"error","msg":"dial failed","error":"{m}","to":"{n}"}}',
    "Error: {m}\n    at handleDialStatus (/app/src/routes/voice.js:42:11)",
    "java.lang.RuntimeException: Dial failed: {m}\n\tat com.example.voice.Dial.handle(Dial.java:31)",
    "app.errors.DialError: {m}",
    "{m}",
    "transfer to {n} dropped: {m}",
]
# an HTTP error response, or an SDK's REST exception: the REST API refused a request, 21215
REST = [
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {m}",
    "RestException [Error]: {m}\n    at success (/app/node_modules/twilio/lib/base/Version.js:135:15)",
    "com.twilio.exception.ApiException: {m}",
    "Twilio.Exceptions.ApiException: {m}",
    '{{"message": "{m}", "status": 400}}',
]
# a call's status callback: a call was placed, so no REST request was refused, 13227
CALLBACK = [
    "CallStatus=failed&To={enc}&ErrorMessage={plus}",
    '{{"CallSid": "CA0123456789abcdef0123456789abcdef", "DialCallStatus": "failed", "To": "{n}",'
    ' "ErrorMessage": "{m}"}}',
]
ENV = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "DIAGNOSE_API_URL": ""}


def _fill(frame: str, number: str) -> str:
    return frame.format(m=GEO, n=number, enc=number.replace("+", "%2B"), plus=GEO.replace(" ", "+"))


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.code_confidence, e.code_alternatives) for e in found]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(UNKNOWN), st.sampled_from(NUMBERS))
def test_shared_words_from_nowhere_known_say_both_codes(frame: str, number: str) -> None:
    text = _fill(frame, number)
    assert _read(text) == [(13227, "low", (21215,))], text
    (found,) = extract(text)
    assert "21215" in found.code_reason and "nothing in the text says which" in found.code_reason
    assert "told apart" not in found.code_reason


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(REST), st.sampled_from(NUMBERS))
def test_an_http_error_response_decides_21215(frame: str, number: str) -> None:
    text = _fill(frame, number)
    assert _read(text) == [(21215, "medium", ())], text
    (found,) = extract(text)
    assert "13227 too, told apart by where it came from, an HTTP error response" in found.code_reason


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(CALLBACK), st.sampled_from(NUMBERS))
def test_a_calls_status_callback_decides_13227(frame: str, number: str) -> None:
    text = _fill(frame, number)
    assert _read(text) == [(13227, "medium", ())], text
    (found,) = extract(text)
    assert "told apart by where it came from, a call's status callback" in found.code_reason


def test_words_of_one_code_are_that_code() -> None:
    # 32205's message holds the shared words after "SIP Trunking:": the longest match, its own
    assert _read(f"SIP Trunking: {GEO}") == [(32205, "high", ())]
    # the REST API's own wording of 21215 is 21215's alone, in a log line too
    assert _read("ERROR call failed: Account not authorized to call +33612345678") == [(21215, "high", ())]
    # a code printed beside the words is the code
    assert _read(f"21215: {GEO}") == [(21215, "high", ())]


def test_the_report_says_both_codes_first_in_every_format() -> None:
    paste = f"2026-12-01 10:00:00 ERROR call to +33612345678 failed: {GEO}\n"
    for fmt in ("text", "markdown", "html"):
        out = CliRunner().invoke(main, ["-", "--format", fmt], input=paste, env=ENV, catch_exceptions=False).stdout
        assert "13227 (or 21215)" in out, (fmt, out[:400])
        assert "13227 or 21215" in out and "nothing in the text says which" in out, (fmt, out[:1200])
    out = CliRunner().invoke(main, ["-", "--format", "json"], input=paste, env=ENV, catch_exceptions=False).stdout
    d = json.loads(out)["diagnoses"][0]
    assert (d["evidence"]["code"], d["evidence"]["code_confidence"], d["evidence"]["code_alternatives"]) == (
        13227,
        "low",
        [21215],
    )
    assert "**13227 or 21215:**" in d["summary"]


def test_a_decided_code_is_said_alone() -> None:
    paste = f"twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {GEO}\n"
    out = CliRunner().invoke(main, ["-", "--format", "text"], input=paste, env=ENV, catch_exceptions=False).stdout
    assert out.startswith("21215 · ") and "(or " not in out.splitlines()[0], out[:200]
    assert "21215 or" not in out
