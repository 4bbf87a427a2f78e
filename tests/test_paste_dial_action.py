"""A ``<Dial>``'s action callback names the parent call's To, not the number dialled.

Twilio requests a ``<Dial>``'s ``action`` URL with ``DialCallStatus`` (and ``DialCallSid``…) beside the standard
parameters of the call that ran the TwiML: its ``To`` and ``Called`` are that parent call's, the number called in
(your own Twilio number) or the one a REST request called, never the number the ``<Dial>`` dialled. A paste of
such a callback with ``ErrorCode=13227`` read ``To`` as the destination (your own US number), so the diagnosis
read the permissions of the wrong country. It now reads no destination, its ``country_reason`` saying why; a
number Twilio's message names (an alert's ``phonenumber=``) is still read, and a child leg's own status
callback (``Direction=outbound-dial``), whose To is the number dialled, is read as before. Paste and triage
read them alike.
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

PARENT_TO = "+14155550100"  # the account's own number, called in
ACCOUNT = "AC15bf105506e1d44cb84ba12ca58143a1"
PARENT = "CA" + "0123456789abcdef" * 2
CHILD = "CA" + "fedcba9876543210" * 2


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def _form(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in params.items())


@settings(max_examples=60, deadline=None)
@given(
    st.permutations(["DialCallStatus", "DialCallSid", "CallSid", "To", "Called", "AccountSid", "ErrorCode"]),
    st.booleans(),
    st.sampled_from([13227, 13225, 32205]),
)
def test_a_dial_action_callback_names_no_destination(order: list[str], as_json: bool, code: int) -> None:
    values = {
        "DialCallStatus": "failed",
        "DialCallSid": CHILD,
        "CallSid": PARENT,
        "To": PARENT_TO,
        "Called": PARENT_TO,
        "AccountSid": ACCOUNT,
        "ErrorCode": str(code),
    }
    params = {key: values[key] for key in order}
    text = json.dumps(params) if as_json else _form(params)
    assert _read(text) == [(code, None, None)], text
    (error,) = extract(text)
    assert "<Dial> action callback's To is the parent call's" in error.country_reason


def test_the_number_twilios_message_names_is_still_read() -> None:
    text = _form({"DialCallStatus": "failed", "To": PARENT_TO, "ErrorCode": "13227"})
    text += "&ErrorMessage=Geo+Permission+configuration+is+not+permitting+call%3A+%2B2348031234567"
    assert _read(text) == [(13227, "+2348031234567", "NG")]


def test_a_child_legs_own_callback_and_other_callbacks_keep_their_to() -> None:
    leg = (
        _form({"CallSid": CHILD, "CallStatus": "failed", "Direction": "outbound-dial", "To": "+2348031234567"})
        + "&ErrorCode=13227"
    )
    assert _read(leg) == [(13227, "+2348031234567", "NG")]
    sms = _form({"MessageStatus": "failed", "To": "+33612345678", "ErrorCode": "21408"})
    assert _read(sms) == [(21408, "+33612345678", "FR")]


# 21216's words without its "API:" prefix (knowledge/21216.yaml, unverified): the REST API's code, and in a call's
# callback the same block list's <Dial> code, 13225 ("Dial: Call blocked by Twilio block list", WARNING)
BLOCKED = "Call blocked by Twilio blocklist"


@settings(max_examples=40, deadline=None)
@given(
    st.permutations(["DialCallStatus", "DialCallSid", "CallSid", "To", "AccountSid", "ErrorMessage"]),
    st.booleans(),
)
def test_the_block_lists_words_in_a_dial_callback_are_13225(order: list[str], as_json: bool) -> None:
    values = {
        "DialCallStatus": "failed",
        "DialCallSid": CHILD,
        "CallSid": PARENT,
        "To": PARENT_TO,
        "AccountSid": ACCOUNT,
        "ErrorMessage": BLOCKED,
    }
    params = {key: values[key] for key in order}
    text = json.dumps(params) if as_json else _form(params)
    assert _read(text) == [(13225, None, None)], text
    (error,) = extract(text)
    assert (error.code_source, error.code_confidence, error.code_wording) == ("wording", "low", "unverified")
    assert "wording of 21216" in error.code_reason and "read as 13225" in error.code_reason
    assert error.code_alternatives == ()


def test_the_block_lists_words_elsewhere_stay_21216s() -> None:
    # a <Dial> child leg's own status callback is a <Dial>'s too
    leg = _form({"CallSid": CHILD, "CallStatus": "failed", "Direction": "outbound-dial", "ErrorMessage": BLOCKED})
    assert [e.code for e in extract(leg)] == [13225]
    for text in (
        f"twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: {BLOCKED}",
        f"WARN call to +989121234567 failed: {BLOCKED}",  # a log line: nothing says a <Dial> placed it
        _form({"MessageStatus": "failed", "To": "+33612345678", "ErrorMessage": BLOCKED}),  # a message's callback
    ):
        assert [e.code for e in extract(text)] == [21216], text
        assert list(scan(io.BytesIO(text.encode()))) == extract(text)
