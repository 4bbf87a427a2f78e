"""An error inside a JSON string value (a structured logger's msg, an err object's message) keeps the destination
its message names, whatever other fields the record holds: a "number" or "phone" field of the app (a count, the
user's phone), a small "code", an HTTP status. A paste and a log's reader read one error, with that To and its
country."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

SAMPLE = (
    '{"level":"error","msg":"HTTP 400 error: Unable to create record: Permission to send an SMS has not been enabled '
    "for the region indicated by the 'To' number: +33612345678\"}"
)

NUMBERS = [("+2348031234567", "NG"), ("+33612345678", "FR"), ("+4915123456789", "DE"), ("+819012345678", "JP")]
MESSAGES = [
    (21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}"),
    (21215, "Account not authorized to call {to}. Perhaps you need to enable some international permissions"),
    (13227, "Dial: No International Authorization: {to}"),
]
HEADS = [
    "",
    "HTTP 400 error: Unable to create record: ",
    "Twilio error {code}: ",
    "sms failed: ",
    "Unable to create record: ",
]
# fields a structured log record holds beside its message: counts and ids, a small code of the app's, the user's
# phone, an HTTP status, a queue's name
VALUES = {
    "number": [3, 1, "+14155550100"],
    "phone": ["+14155550100"],
    "code": [1, 0],
    "attempt": [1, 3],
    "status": [400, "failed"],
    "user_id": [4815162342],
    "ts": [1764496800.5],
    "logger": ["sms"],
    "to": ["queue", "sms"],
    "pid": [12345],
}
FIELDS = st.dictionaries(st.sampled_from(sorted(VALUES)), st.just(0), max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({key: st.sampled_from(VALUES[key]) for key in keys})
)


def _record(message: str, key: str, fields: dict[str, object], nested: bool) -> str:
    if nested:  # pino's and winston's err object: the app's message, then the error's
        err = {"type": "RestException", "message": message, "status": 400}
        return json.dumps({"level": "error", "msg": "sms failed", **fields, "err": err})
    return json.dumps({"level": "error", key: message, **fields})


def test_the_message_of_a_json_log_record_names_the_destination() -> None:
    # read right on main already: the To and the country of the message inside the string
    (found,) = extract(SAMPLE)
    assert (found.code, found.to, found.country, found.format) == (21408, "+33612345678", "FR", "python-exception")
    assert list(scan(io.BytesIO((SAMPLE + "\n").encode()))) == extract(SAMPLE + "\n")


def test_a_field_beside_the_message_takes_nothing_from_it() -> None:
    # main: a "number" field of the app (a count) was read as the destination, the message's lost; a "phone"
    # field (the user's) made a second error; an err object's message, after the app's msg, lost its To; and a
    # printed code before the message made two errors of one (the log-line reader's message ran past the string)
    message = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +33612345678"
    for record in (
        {"level": "error", "msg": message, "number": 3},
        {"level": "error", "msg": "HTTP 400 error: Unable to create record: " + message, "phone": "+14155550100"},
        {"level": "error", "msg": "sms failed", "err": {"type": "RestException", "message": message, "status": 400}},
        {"level": "error", "msg": "Twilio error 21408: " + message, "to": "queue"},
    ):
        line = json.dumps(record)
        found = extract(line)
        assert [(e.code, e.to, e.country) for e in found] == [(21408, "+33612345678", "FR")], line
        assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(MESSAGES),
    st.sampled_from(HEADS),
    st.sampled_from(NUMBERS),
    st.sampled_from(["msg", "message", "error", "event"]),
    FIELDS,
    st.booleans(),
)
def test_an_error_in_a_json_string_keeps_the_destination_its_message_names(
    message: tuple[int, str], head: str, number: tuple[str, str], key: str, fields: dict[str, object], nested: bool
) -> None:
    code, wording = message
    to, country = number
    line = _record(head.format(code=code) + wording.format(to=to), key, fields, nested)
    found = extract(line)
    assert [(e.code, e.to, e.country) for e in found] == [(code, to, country)], line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


def test_a_number_field_on_another_line_still_tells_two_errors_apart() -> None:
    # a weak To (a "number" field: here the "'To' number: +44…" of a Ruby error's message line) parts two errors
    # on two lines as any To does; only on the line of the error itself is it weaker than the message's
    text = (
        "Nov 30 00:21:36 web-2 app[2584]: PHP Fatal error:  Uncaught Twilio\\Exceptions\\RestException: [HTTP 400] "
        "Unable to create record: Permission to send an SMS has not been enabled for the region indicated by the "
        "'To' number: +4915123079768 in /var/www/vendor/twilio/sdk/src/Twilio/Version.php:95\n"
        "Nov 30 00:21:36 web-3 app[6885]: ERROR Twilio::REST::RestError: [HTTP 400] 21408 : Unable to create record\n"
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +447427609226\n"
        "https://www.twilio.com/docs/errors/21408\n"
    )
    assert [(e.code, e.to) for e in extract(text)] == [(21408, "+4915123079768"), (21408, "+447427609226")]
    assert list(scan(io.BytesIO(text.encode()))) == extract(text)
