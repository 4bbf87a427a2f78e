"""A code named as Twilio's alert: ``Twilio alert 13227 (warning) for call CA…: Msg=Geo Permission…``.

Twilio's Debugger calls each error it logs an alert; a line that says ``Twilio alert 13227`` prints the code. It
was not read as one ("twilio" was a code's word only right before it), so the line was read from the words of its
message: 13227's and 21215's, and since 8158cd0 "13227 (or 21215)", nothing in the text saying which, while the
text says 13227; the call SID beside it was lost with the printed code. ``Twilio alert`` before a code is now a
code's word as ``Twilio`` is. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

CALL = "CA" + "0123456789abcdef" * 2
MESSAGES = {
    13227: "Msg=Geo Permission configuration is not permitting call&phonenumber=+2348031234567",
    21215: "Account not authorized to call +2348031234567",
    32205: "SIP Trunking: Geo Permission configuration is not permitting call to +2348031234567",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +2348031234567",
}


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.code_source, e.to, e.code_alternatives) for e in found]


def test_the_reported_line_reads_its_code_and_call() -> None:
    text = f"Twilio alert 13227 (warning) for call {CALL}: {MESSAGES[13227]}"
    assert _read(text) == [(13227, "printed", "+2348031234567", ())]
    assert [e.call_sid for e in extract(text)] == [CALL]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(MESSAGES)),
    st.sampled_from(["Twilio alert", "twilio alert", "TWILIO ALERT", "Twilio\talert"]),
    st.sampled_from([" ", ": ", " #", " ("]),
    st.sampled_from(["", "2026-12-01T10:00:00Z WARN ", "[voice] "]),
)
def test_twilio_alert_before_a_code_prints_it(code: int, words: str, sep: str, head: str) -> None:
    close = ")" if sep.endswith("(") else ""
    text = f"{head}{words}{sep}{code}{close} {MESSAGES[code]}"
    assert [(c, source) for c, source, _, _ in _read(text)] == [(code, "printed")], text


def test_no_code_and_no_alert_code_stay_none() -> None:
    assert _read("twilio alert 12345 raised") == []  # no code of Twilio's
    assert _read("Twilio alert count 21408 today") == []  # a count's number


# "alert 13227" with "Twilio" elsewhere before it on the line ("[twilio] alert 13227: call to +49… failed",
# "Twilio Debugger alert 13227 …") read nothing: only "Twilio alert" right before a code printed it. "alert" and
# five digits are any monitoring system's, so the word now prints a code only after "twilio" on its line, on a line
# that names what failed (a '+' number or a SID of Twilio's), and for a code of Twilio's.
ALERT_HEADS = [
    "[twilio] alert",
    "Twilio Debugger alert",
    "twilio-voice: alert",
    "source=twilio alert",
    "TWILIO | ALERT",
]
ALERT_TAILS = [
    ": call to {n} failed",
    " (warning) for call {call} to {n}",
    " dialing {n}",
    " for message {sm}",
]


def test_the_reported_alert_line_reads_its_code() -> None:
    assert _read("[twilio] alert 13227: call to +4930123456 failed") == [(13227, "printed", "+4930123456", ())]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(ALERT_HEADS),
    st.sampled_from(["", ": ", " ("]),
    st.sampled_from([13227, 21215, 32205, 21408]),
    st.sampled_from(ALERT_TAILS),
    st.sampled_from(["", "2026-12-02T10:00:00Z WARN "]),
)
def test_alert_after_twilio_on_its_line_prints_a_code(head: str, sep: str, code: int, tail: str, stamp: str) -> None:
    close = ")" if sep.endswith("(") else ""
    text = f"{stamp}{head}{sep or ' '}{code}{close}" + tail.format(n="+4930123456", call=CALL, sm="SM" + CALL[2:])
    assert [(c, source) for c, source, _, _ in _read(text)] == [(code, "printed")], text


ALERT_DECOYS = [
    "alert 13227: call to +4930123456 failed",  # nothing says it is Twilio's
    "PagerDuty alert 21408 resolved",
    "alert 13227 from twilio: call to +4930123456",  # "twilio" after it
    "twilio-sms: PagerDuty alert 21408 triggered",  # no failure named
    "twilio-sms: PagerDuty alert #21408 for +4930123456",  # an alert's number
    "[twilio] alert 12345: call to +4930123456 failed",  # no code of Twilio's
    "[twilio] alerts 13227 queued for +4930123456",
]


def test_alert_without_twilio_before_it_or_a_failure_named_prints_nothing() -> None:
    for text in ALERT_DECOYS:
        assert _read(text) == [], text
