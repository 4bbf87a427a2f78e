"""An inbound message's webhook line lends nothing to an error logged near it.

Twilio calling the app's incoming-SMS URL (``MessageSid=SM…&SmsStatus=received&From=…&To=<the Twilio
number>``), logged by the app, then ``ERROR sms send failed code=21408`` on a line of its own, in a paste
with no timestamps to tell the two log events apart: the error took the inbound message's SID, its
status "received" and its account, as if the message that failed were the one that came in. A received
message is a record of its own (its line, or the members of its pretty-printed JSON); an error's
evidence comes from its own record. Paste and triage read them alike.
"""

from __future__ import annotations

import io
import json
import urllib.parse

from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan
from diagnose.paste._extract import AFTER, BEFORE
from tests.shared import OFFLINE_ENV

SID = "SM0123456789abcdef0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TWILIO_NUMBER = "+14155550100"
SENDER = "+447700900123"
WEBHOOK = f"MessageSid={SID}&SmsStatus=received&From=%2B{SENDER[1:]}&To=%2B{TWILIO_NUMBER[1:]}"


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found  # triage's reader
    return [(e.code, e.to, e.message_sid, e.status, e.account_sid, e.from_) for e in found]


def _cli(args: list[str], text: str) -> dict[str, object]:
    result = CliRunner().invoke(main, [*args, "--format", "json"], input=text, env=OFFLINE_ENV)
    return json.loads(result.stdout)


def test_the_reported_paste_gives_the_error_no_sid_and_no_status() -> None:
    text = f"{WEBHOOK}\nERROR sms send failed code=21408\n"
    assert _read(text) == [(21408, None, None, None, None, None)]  # was: SID SM…, status received
    pasted = _cli(["-"], text)["diagnoses"]
    triaged = _cli(["triage", "-"], text)["groups"]
    for evidence in (pasted[0]["evidence"], triaged[0]["diagnosis"]["evidence"]):  # type: ignore[index]
        assert (evidence["message_sid"], evidence["sid"], evidence["status"]) == (None, None, None)
    # the error line with its own To (the shape first reported) kept its own fields already: the two To differ
    assert _read(f"{WEBHOOK}\nERROR sms send failed code=21408 to=+33612345678\n") == [
        (21408, "+33612345678", None, None, None, None)
    ]


def _form(fields: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in fields)


def _json(fields: list[tuple[str, str]]) -> str:
    return json.dumps(dict(fields))


def _pretty(fields: list[tuple[str, str]]) -> str:
    return json.dumps(dict(fields), indent=2)


INBOUND = [
    ("MessageSid", SID),
    ("SmsSid", SID),
    ("AccountSid", ACCOUNT),
    ("SmsStatus", "received"),
    ("From", SENDER),
    ("To", TWILIO_NUMBER),
    ("Body", "STOP"),
    ("ToCountry", "US"),
    ("ApiVersion", "2010-04-01"),
]
ERRORS = [
    "ERROR sms send failed code=21408",
    "ERROR sms send failed code=21408 to=+33612345678",
    "ERROR twilio error 21408: Permission to send an SMS has not been enabled for the region indicated by the"
    " 'To' number: +33612345678",
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send an"
    " SMS has not been enabled for the region indicated by the 'To' number",
    'ERROR {"code": 21408, "message": "Permission to send an SMS has not been enabled"}',
]
PREFIXES = ["", "INFO POST /sms/incoming ", "webhook body: ", "DEBUG inbound: "]
BETWEEN = ["INFO GET /health 200", "DEBUG queue size 3", "INFO sending reply"]


@settings(max_examples=150, deadline=None)
@given(
    fields=st.permutations(INBOUND).flatmap(lambda fs: st.integers(4, len(fs)).map(lambda n: _with_status(fs[:n]))),
    shape=st.sampled_from([_form, _json, _pretty]),
    prefix=st.sampled_from(PREFIXES),
    error=st.sampled_from(ERRORS),
    between=st.lists(st.sampled_from(BETWEEN), max_size=3),
    below=st.booleans(),
)
def test_an_inbound_webhook_lends_nothing_to_an_error_near_it(
    fields: list[tuple[str, str]], shape: object, prefix: str, error: str, between: list[str], below: bool
) -> None:
    hook = shape(fields)  # type: ignore[operator]
    hook = prefix + hook if shape is not _pretty else hook
    parts = [error, *between, hook] if below else [hook, *between, error]
    lines = "\n".join(parts).splitlines()
    status = next(i for i, line in enumerate(lines) if "received" in line)
    at = next(i for i, line in enumerate(lines) if line == error)
    # what says "received" is read with the error (within the lines a paste reads around it: a pretty-printed
    # webhook's status further away is not seen, and its other members are read as any JSON near an error is)
    assume(status - at <= AFTER if below else at - status <= BEFORE)
    found = _read("\n".join(parts) + "\n")
    assert found == _read(error + "\n")  # what the error says alone
    for _code, to, sid, status, account, from_ in found:
        assert (sid, status, account) == (None, None, None)
        assert to != TWILIO_NUMBER and from_ != SENDER


def _with_status(fields: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """The fields drawn, with the status that makes them an inbound message's."""
    out = list(fields)
    if ("SmsStatus", "received") not in out:
        out.append(("SmsStatus", "received"))
    return out
