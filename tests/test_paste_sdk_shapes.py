"""What the official helper libraries really print, read right: code, HTTP status, To and country, message.

Each shape is built from the library's source, not from memory (the commit each was read at is named):

- twilio-ruby dd1cc09b (2026-08-20), lib/twilio-ruby/framework/rest/error.rb: ``RestError#format_message`` is
  ``"[HTTP #{status_code}] #{code} : #{initial_message}"``, then ``"\\n#{error_message}"`` (Twilio's message),
  ``"\\n#{more_info}"`` and ``"\\n\\n"``; framework/rest/version.rb raises it with ``'Unable to create record'``.
  Uncaught, Ruby prints a message of several lines with the class after its first line:
  ``…version.rb:168:in `create': [HTTP 400] 21408 : Unable to create record (Twilio::REST::RestError)``, then
  the other lines. That trailer was read as Twilio's message ("(Twilio::REST::RestError)"), so the message was
  lost, and where the next line was not joined to it (a JSON log's "stack" string) the To with it.
- twilio-go d858acdc (2026-05-08), client/error.go: ``TwilioRestError.Error()`` is
  ``"Status: %d - ApiError %d: %s (%s) More info: %s"`` (status, code, message, details as JSON: ``null``,
  more_info). Logged by zap (``{"level":"error",…,"msg":"send failed","error":"Status: 400 - ApiError …"}``)
  or logrus (``level=error msg="send failed" error="Status: 400 - …"``), it was read twice: once as the Go error,
  and once as a second error of the log record (its ``msg`` "send failed", its code from the more-info URL).
- twilio-node 45d3d65a (2026-07-30), src/base/RestException.ts: the Error's ``message`` is the body's message
  (Node 20 prints it as ``RestException [Error]: <message>``; ``String(err)`` is ``Error: <message>``). A JSON
  log that keeps the error as a string beside its own ``msg`` (``{"msg": "send failed", "err": "Error:
  Account not authorized to call +55…"}``) lost the To, which only that string names.

Every test reads the text as a paste and as triage does, and asserts they agree.
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

# Twilio's messages (knowledge/21408.yaml, knowledge/21215.yaml: the API's wording), with a real destination
MESSAGES = {
    21408: (
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {n}.",
        "Messages",
    ),
    21215: (
        "Account not authorized to call {n}. Perhaps you need to enable some international permissions: "
        "https://www.twilio.com/console/voice/calls/geo-permissions/low-risk",
        "Calls",
    ),
}
NUMBERS = [("+2348031234567", "NG"), ("+5511987654321", "BR"), ("+447400123456", "GB"), ("+639171234567", "PH")]


def _message(code: int, number: str) -> str:
    return MESSAGES[code][0].format(n=number)


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.http_status, e.to, e.country, e.message) for e in found]


# --------------------------------------------------------------------------- twilio-ruby, uncaught


def ruby_uncaught(code: int, number: str, ruby34: bool = False) -> str:
    """Ruby's report of an uncaught RestError (twilio-ruby dd1cc09b, framework/rest/error.rb + version.rb:168)."""
    where = "'Twilio::REST::Version#create'" if ruby34 else "`create'"
    main = "'<main>'" if ruby34 else "`<main>'"
    return (
        f"/usr/local/bundle/gems/twilio-ruby-7.4.0/lib/twilio-ruby/framework/rest/version.rb:168:in {where}: "
        f"[HTTP 400] {code} : Unable to create record (Twilio::REST::RestError)\n"
        f"{_message(code, number)}\nhttps://www.twilio.com/docs/errors/{code}\n\n\n"
        f"\tfrom /usr/local/bundle/gems/twilio-ruby-7.4.0/lib/twilio-ruby/rest/api/v2010/account/message.rb:120:in "
        f"{where.replace('Version#', '')}\n"
        f"\tfrom send.rb:7:in {main}\n"
    )


def test_ruby_uncaught_reads_twilios_message_not_the_class() -> None:
    number = "+2348031234567"
    assert _read(ruby_uncaught(21408, number)) == [(21408, 400, number, "NG", _message(21408, number))]


def test_ruby_uncaught_in_a_json_stack_keeps_its_to() -> None:
    number = "+5511987654321"
    text = json.dumps({"timestamp": "2026-12-02T07:00:00Z", "stack": ruby_uncaught(21215, number)}) + "\n"
    [(code, status, to, country, message)] = _read(text)
    assert (code, status, to, country) == (21215, 400, number, "BR")
    assert message is not None and message.startswith("Account not authorized to call")


WRAPS = [
    lambda t: t,
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "".join(f"2026-12-02T07:00:00.000000+00:00 app[worker.1]: {line}\n" for line in t.split("\n")),
    lambda t: "".join(f"2026-12-02T07:00:00.123456789Z stderr F {line}\n" for line in t.split("\n")),
    lambda t: json.dumps({"timestamp": "2026-12-02T07:00:00Z", "stack": t}) + "\n",
    lambda t: (
        "I, [2026-12-02T06:59:59.1 #7]  INFO -- : sending\n" + t + "I, [2026-12-02T07:00:01.1 #7]  INFO -- : done\n"
    ),
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([21408, 21215]),
    st.sampled_from(NUMBERS),
    st.booleans(),
    st.sampled_from(range(len(WRAPS))),
)
def test_ruby_uncaught_in_any_wrapper(code: int, number: tuple[str, str], ruby34: bool, wrap: int) -> None:
    text = WRAPS[wrap](ruby_uncaught(code, number[0], ruby34))
    [(got, status, to, country, message)] = _read(text)
    assert (got, status, to, country) == (code, 400, number[0], number[1])
    assert message is not None and "RestError" not in message
    assert message.startswith(_message(code, number[0])[:30])


# --------------------------------------------------------------------------- an SDK's error as a log record's string


def go_error(code: int, number: str) -> str:
    """twilio-go d858acdc, client/error.go: TwilioRestError.Error() with no details (json.Marshal(nil) = null)."""
    more = f"https://www.twilio.com/docs/errors/{code}"
    return f"Status: 400 - ApiError {code}: {_message(code, number)} (null) More info: {more}"


def zap(error: str) -> str:
    return json.dumps(
        {"level": "error", "ts": 1764658800.123, "caller": "sms/send.go:42", "msg": "send failed", "error": error}
    )


def logrus(error: str) -> str:
    return f'time="2026-12-02T07:00:00Z" level=error msg="send failed" error="{error}"'


def test_go_error_logged_by_zap_is_one_error() -> None:
    number = "+2348031234567"
    assert _read(zap(go_error(21408, number))) == [(21408, 400, number, "NG", _message(21408, number))]


def test_go_error_logged_by_logrus_is_one_error() -> None:
    number = "+5511987654321"
    assert _read(logrus(go_error(21215, number))) == [(21215, 400, number, "BR", _message(21215, number))]


def test_go_error_without_a_number_logged_by_zap_is_one_error() -> None:
    error = "Status: 401 - ApiError 20003: Authenticate (null) More info: https://www.twilio.com/docs/errors/20003"
    assert _read(zap(error)) == [(20003, 401, None, None, "Authenticate")]


def test_node_error_string_beside_the_logs_own_message_keeps_its_to() -> None:
    # String(err) of twilio-node's RestException (45d3d65a, src/base/RestException.ts): "Error: <message>"
    number = "+5511987654321"
    text = json.dumps({"level": "error", "msg": "send failed", "err": "Error: " + _message(21215, number)})
    [(code, status, to, country, message)] = _read(text)
    assert (code, status, to, country) == (21215, None, number, "BR")
    assert message == _message(21215, number)


OWN_WORDS = ["send failed", "twilio call failed", "could not notify user", "SMS error"]
ERROR_KEYS = ["err", "error", "exception", "stack"]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from([21408, 21215]),
    st.sampled_from(NUMBERS),
    st.sampled_from(OWN_WORDS),
    st.sampled_from(ERROR_KEYS),
    st.sampled_from(["go", "node", "node-stack", "python", "java"]),
    st.booleans(),
)
def test_an_sdk_error_in_a_json_log_field_is_one_error_with_its_to(
    code: int, number: tuple[str, str], own: str, key: str, sdk: str, own_first: bool
) -> None:
    message = _message(code, number[0])
    error = {
        "go": go_error(code, number[0]),
        "node": "Error: " + message,
        # twilio-node's err.stack, as Node 20 writes it (the message, then the frames)
        "node-stack": f"Error: {message}\n    at success (/app/node_modules/twilio/lib/base/Version.js:135:27)",
        # twilio-python 306691e7 twilio/base/exceptions.py, non-TTY __str__; version.py's "Unable to create record"
        "python": f"HTTP 400 error: Unable to create record: {message}",
        # twilio-java 179bd9c6 ApiException: the body's message only
        "java": f"com.twilio.exception.ApiException: {message}",
    }[sdk]
    record = {"msg": own, key: error} if own_first else {key: error, "msg": own}
    [(got, _status, to, country, read)] = _read(json.dumps({"level": "error", **record}))
    assert (got, to, country) == (code, number[0], number[1])
    assert read == message


def node_inspect(code: int, number: str) -> str:
    """util.inspect of twilio-node's RestException (45d3d65a, src/base/RestException.ts), as Node 20.20 printed it
    here for an Error with the body's message and status, code, moreInfo, details set on it."""
    return (
        f"RestException [Error]: {_message(code, number)}\n"
        "    at success (/app/node_modules/twilio/lib/base/Version.js:135:27)\n"
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5) {\n"
        f"  status: 400,\n  code: {code},\n  moreInfo: 'https://www.twilio.com/docs/errors/{code}',\n"
        "  details: undefined\n}"
    )


def python_tty(code: int, number: str) -> str:
    """twilio-python 306691e7 twilio/base/exceptions.py: TwilioRestException.__str__ when stderr is a terminal,
    its colours gone (copied from the terminal), below the traceback's last line."""
    return (
        "twilio.base.exceptions.TwilioRestException: \nHTTP Error Your request was:\n\n"
        f"POST /Accounts/AC{'a' * 32}/{MESSAGES[code][1]}.json\n\nTwilio returned the following information:\n\n"
        f"Unable to create record: {_message(code, number)}\n\nMore information may be available here:\n\n"
        f"https://www.twilio.com/docs/errors/{code}\n\n"
    )


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([21408, 21215]),
    st.sampled_from(NUMBERS),
    st.sampled_from(OWN_WORDS),
    st.booleans(),
    st.sampled_from(["err", "stack"]),
    st.booleans(),
)
def test_node_inspect_in_a_json_log_field_is_twilios_message(
    code: int, number: tuple[str, str], own: str, with_own: bool, key: str, uncaught: bool
) -> None:
    record = {"timestamp": "2026-12-02T07:00:00Z", "msg": own} if with_own else {"timestamp": "2026-12-02T07:00:00Z"}
    error = node_inspect(code, number[0])
    if uncaught:  # what Node 20 writes for an uncaught error: the throwing line above, its version below
        error = (
            "/app/node_modules/twilio/lib/base/Version.js:135\n"
            "                throw new RestException_1.default(response);\n                ^\n\n"
            + error
            + "\n\nNode.js v20.20.2\n"
        )
    [(got, status, to, country, read)] = _read(json.dumps({**record, key: error}))
    assert (got, status, to, country) == (code, 400, number[0], number[1])
    assert read == _message(code, number[0])  # without the log's words, {"stack": …} read none


def test_python_tty_error_in_a_json_stack_keeps_its_whole_to() -> None:
    # the line was read as the message, cut at 500 characters inside the number: To +447400123, a wrong number
    number = "+447400123456"
    message = "SIP Trunking: Geo Permission configuration is not permitting call to " + number
    text = python_tty(21215, number).replace(_message(21215, number), message).replace("21215", "32205")
    [(code, _status, to, country, read)] = _read(json.dumps({"timestamp": "2026-12-02T07:00:00Z", "stack": text}))
    assert (code, to, country) == (32205, number, "GB")
    assert read == message


# the colours twilio-python's __str__ writes when stderr is a terminal (exceptions.py: red, white, blue, teal)
COLOURS = ["\033[31m\033[49m", "\033[37m\033[49m", "\033[34m\033[49m", "\033[36m\033[49m"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([21408, 21215]), st.sampled_from(NUMBERS), st.booleans(), st.sampled_from(["stack", "exception"])
)
def test_python_tty_error_in_a_json_field_is_read(code: int, number: tuple[str, str], coloured: bool, key: str) -> None:
    text = python_tty(code, number[0])
    if coloured:  # the colours kept, as a JSON log keeps them: \u001b escapes
        text = text.replace("Unable to create", COLOURS[2] + "Unable to create").replace("\n\nMore", "\033[0m\n\nMore")
        text = text.replace("HTTP Error", COLOURS[0] + "HTTP Error\033[0m")
    [(got, _status, to, country, read)] = _read(json.dumps({"level": "error", key: text}))
    assert (got, to, country) == (code, number[0], number[1])
    assert read == _message(code, number[0])
