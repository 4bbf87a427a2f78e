"""A PBX's dial line names the number of the call whose Twilio error is on its line or the next.

Asterisk's app_dial logs the channel it dials (``-- Called PJSIP/+4930123456@twilio-trunk``), FreeSWITCH the
outbound leg to its gateway (``New Channel sofia/gateway/twilio/+4930123456``); a Twilio code on the next line
(the app's, or the trunk's answer logged) read no destination: the number sat in a dial string no label names, on a
line of its own. Such a line is now read for the number dialled (never the caller: "Called" is Asterisk's dialled
channel, a gateway leg an outbound one), which is the To of an error on the same line or the next, within one log
event (as _text.new_event tells them: Asterisk's console, whose lines no stamp opens; its full log's lines of one
second); further away, above the error, or across two log events it is no error's. Paste and triage read them
alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [("+4930123456", "DE"), ("+2348031234567", "NG"), ("+33612345678", "FR"), ("+5511987654321", "BR")]
DIALS = [
    "    -- Called PJSIP/{n}@twilio-trunk",
    "Called SIP/{n}@twilio",
    "    -- Called PJSIP/twilio-trunk/sip:{n}@example.pstn.twilio.com",
    "Called IAX2/{n}@provider",
    "New Channel sofia/gateway/twilio/{n} [0f6b7c1e-2f1a-4b7a-9c1d-3e2f1a4b7a9c]",
    "EXECUTE [depth=0] sofia/internal/1000@10.0.0.5 bridge(sofia/gateway/twilio/{n})",
]
CODES = [
    "Twilio error {c}",
    "    -- twilio error {c}: call not permitted",
    "    -- code={c}",
    "dial failed (twilio {c})",
]
# a log's stamp before the dial line, with an error on the same line; the next line's error is read unstamped, as
# Asterisk's console writes it (a line that opens with a stamp or a level may be an event of its own: 07f9f13)
STAMPS = ["", "[Dec  2 10:00:01] VERBOSE[1234][C-00000001] app_dial.c: ", "2026-12-02 10:00:01.123 [NOTICE] "]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_lines_read_the_number_dialled() -> None:
    text = "    -- Called PJSIP/+4930123456@twilio-trunk\n    -- Twilio error 13227\n"
    assert _read(text) == [(13227, "+4930123456", "DE")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(DIALS),
    st.sampled_from(CODES),
    st.sampled_from(NUMBERS),
    st.sampled_from([13227, 32205, 21215]),
    st.sampled_from(STAMPS),
    st.booleans(),
    st.sampled_from(["", "INFO before\n"]),
)
def test_a_code_on_the_dial_line_or_the_next_is_that_calls_error(
    dial: str, code_line: str, number: tuple[str, str], code: int, stamp: str, same_line: bool, before: str
) -> None:
    dialled = (stamp if same_line else "") + dial.format(n=number[0])
    coded = code_line.format(c=code)
    text = before + (f"{dialled} {coded.strip()}\n" if same_line else f"{dialled}\n{coded}\n")
    assert _read(text) == [(code, number[0], number[1])], text


def test_the_number_dialled_is_no_error_of_a_line_further_away_or_above() -> None:
    dial = "    -- Called PJSIP/+4930123456@twilio-trunk"
    assert _read(f"{dial}\n    -- ringing\nTwilio error 13227\n") == [(13227, None, None)]  # two lines on
    assert _read(f"Twilio error 13227\n{dial}\n") == [(13227, None, None)]  # the error above it
    # another log event: Asterisk's full log a few seconds later
    text = (
        "[Dec  2 10:00:01] VERBOSE[1234][C-00000001] app_dial.c: Called PJSIP/+4930123456@twilio-trunk\n"
        "[Dec  2 10:00:07] WARNING[1234][C-00000001] app_dial.c: Twilio error 13227\n"
    )
    assert _read(text) == [(13227, None, None)], text
    # and so does a line that opens with its level, stamped or not
    assert _read(f"{dial}\nERROR code=13227\n") == [(13227, None, None)]


def test_what_is_no_dial_of_a_number_names_none() -> None:
    for dial in (
        "    -- Called PJSIP/100@office-phone",  # an extension
        "    -- Called PJSIP/twilio-trunk",
        "Called sofia/internal/+4930123456@10.0.0.5",  # FreeSWITCH's own profile: the caller's leg may be
        "called PJSIP/+4930123456@twilio-trunk",  # Asterisk writes "Called"
        "Called PJSIP/+4930123456abc@twilio-trunk",
    ):
        assert _read(f"{dial}\nTwilio error 13227\n") == [(13227, None, None)], dial
    assert _read("    -- Called PJSIP/+4930123456@twilio-trunk\n") == []  # a dial is no error
