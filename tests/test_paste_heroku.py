"""Logs that stamp each line as it is written (Heroku's ``2026-11-30T10:00:00.101234+00:00 app[web.1]: ``): a
traceback's lines get times microseconds apart, yet they are one log event. A stamped line goes on with the one
above when it is indented (a frame, an error's properties) or closes an object, when it is the exception below a
traceback's frames, or twilio-ruby's message below its header (``_text.goes_on``); an unrelated log line, which
names its level, is still an event of its own and lends an error nothing."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

# Errors over several lines, as their SDKs print them; each line's fields belong to the one error
BLOCKS = [
    # twilio-node: the code and the status are properties below the message
    (
        "RestException [Error]: Account not authorized to call +4915123456789. Perhaps you need to enable some "
        "international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk\n"
        "    at success (/app/node_modules/twilio/lib/base/Version.js:79:23) {\n"
        "  status: 400,\n  code: 21215,\n  moreInfo: 'https://www.twilio.com/docs/errors/21215',\n"
        "  details: undefined\n}"
    ),
    # twilio-python: the destination is in the call's source line, the message names none
    (
        "Traceback (most recent call last):\n"
        '  File "/app/tasks.py", line 12, in send\n'
        '    client.messages.create(to="+2348031234567", from_="+15017122661", body=text)\n'
        '  File "/app/.heroku/python/lib/python3.12/site-packages/twilio/base/version.py", line 463, in create\n'
        "    raise self.exception(method, uri, response, 'Unable to create record')\n"
        "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send an"
        " SMS has not been enabled for the region indicated by the 'To' number"
    ),
    # twilio-ruby: Twilio's message, then the more-info link, below the header
    (
        "Twilio::REST::RestError: [HTTP 400] 21211 : Unable to create record\n"
        "The 'To' number +33612345678 is not a valid phone number.\n"
        "https://www.twilio.com/docs/errors/21211"
    ),
    # twilio-java: the frames are indented with a tab
    (
        "com.twilio.exception.ApiException: Permission to send an SMS has not been enabled for the region "
        "indicated by the 'To' number: +819012345678\n"
        "\tat com.twilio.http.TwilioRestClient.request(TwilioRestClient.java:121)\n"
        "\tat com.example.Sms.send(Sms.java:42)"
    ),
]
STAMPS = st.sampled_from(
    [
        "2026-11-30T10:00:00.{:06d}+00:00 app[web.1]: ",  # Heroku
        "2026-11-30T10:00:00.{:06d}+00:00 heroku-app app[worker.1]: ",
        "2026-11-30T10:00:00.{:06d}Z ",  # a logger that stamps each line it writes
    ]
)
# a log's own lines around the error: each names its level
AROUND = st.lists(
    st.sampled_from(["INFO GET /api/v1/users/42 200 12ms", "INFO message delivered to +4474001234567", "WARN slow"]),
    max_size=4,
)


def _fields(text: str) -> list[tuple[object, ...]]:
    return [(e.code, e.to, e.country, e.http_status) for e in extract(text)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(BLOCKS), STAMPS, st.integers(1, 400), AROUND, AROUND, st.sampled_from([1, 257, 1 << 20]))
def test_an_error_stamped_line_by_line_is_one_error(
    block: str, stamp: str, step: int, before: list[str], after: list[str], chunk: int
) -> None:
    lines = [*before, *block.split("\n"), *after]
    text = "\n".join(stamp.format(i * step) + line for i, line in enumerate(lines)) + "\n"
    found = extract(text)
    assert [(e.code, e.to, e.country, e.http_status) for e in found] == _fields(block), text
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == found


def test_a_padded_level_is_no_indentation() -> None:
    # Spring pads "INFO" with one space more than "ERROR": the next event, not a continuation of the error
    text = (
        "2026-11-30T10:00:00.101Z ERROR 7 --- [main] c.e.Sms : sms failed code=21408\n"
        "2026-11-30T10:00:00.102Z  INFO 7 --- [main] c.e.Sms : sent to +33612345678\n"
    )
    (found,) = extract(text)
    assert (found.code, found.to) == (21408, None)
    assert list(scan(io.BytesIO(text.encode()))) == [found]


def test_a_line_that_names_its_level_below_a_ruby_header_is_an_event_of_its_own() -> None:
    text = (
        "2026-11-30T10:00:00.101234+00:00 app[web.1]: Twilio::REST::RestError: [HTTP 400] 21408 : Unable to create"
        " record\n2026-11-30T10:00:00.101301+00:00 app[web.1]: INFO message delivered to +4915112345678\n"
    )
    (found,) = extract(text)
    assert (found.code, found.to, found.message) == (21408, None, None)


PIECES = st.sampled_from(
    [" ", "  ", "\t", "INFO", "ERROR", "Error", "Exception", "ValueError:", "}", "]:", "app[web.1]:", "http", "s",
     "https://www.twilio.com/docs/errors/21211", "Unable to create record", "[HTTP 400] 21211 : ", "x", "E, [", "é"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join), st.lists(PIECES, max_size=8).map("".join), st.booleans())
def test_the_common_lines_shortcut_decides_as_goes_on_does(rest: str, above_rest: str, stamped_above: bool) -> None:
    # starts_event spares most lines goes_on()'s calls: its shortcut must never decide otherwise
    from diagnose.paste._text import goes_on, leading_stamp, starts_event

    line = "2026-11-30T10:00:00.000002Z" + rest
    above = ("2026-11-30T10:00:00.000001Z" if stamped_above else "") + above_rest
    stamp, above_stamp = leading_stamp(line), leading_stamp(above)
    if stamp is None or stamp == above_stamp:
        return
    slow = not goes_on(line[len(stamp) :], None if above_stamp is None else above[len(above_stamp) :])
    assert starts_event(stamp, above_stamp, line, above) == slow


LOG_PREFIXES = st.sampled_from(
    [
        "",
        "2026-11-30T10:00:00Z WARN ",
        "2026-11-30T10:00:00.101234+00:00 app[web.1]: ",
        "Nov 30 10:00:00 web-1 app[42]: ERROR ",
        "2026-11-30 10:00:00,120 [error] ",
        "  ",
    ]
)
MESSAGES = st.sampled_from(
    [
        (21216, "Account not allowed to call +447400123456"),
        (13225, "Dial: Call blocked by Twilio block list +4915123456789"),
        (
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +33612345678",
        ),
    ]
)


@settings(max_examples=100, deadline=None)
@given(MESSAGES, LOG_PREFIXES)
def test_a_line_read_as_a_message_leaves_its_logs_prefix_out(message: tuple[int, str], prefix: str) -> None:
    # the report's "Error" line is Twilio's message, not the log's time, source and level before it
    code, text = message
    (found,) = extract(prefix + text)
    assert (found.code, found.message) == (code, text)
    assert list(scan(io.BytesIO((prefix + text + "\n").encode()))) == [found]


def test_twilio_node_3s_plain_error_stamped_line_by_line_is_its_rest_exception() -> None:
    # the SDK's frame below "Error: …", each line after Heroku's stamp: the REST API's answer, as without the stamps,
    # so the words 13227 and 21215 share are 21215's (an HTTP error response), not undecided
    lines = [
        "Error: Geo Permission configuration is not permitting call +2348031234567",
        "    at success (/app/node_modules/twilio/lib/base/Version.js:135:15)",
    ]
    plain = "\n".join(lines)
    stamped = "\n".join(f"2026-11-30T10:00:00.10{i}234+00:00 app[web.1]: {line}" for i, line in enumerate(lines))
    for text in (plain, stamped):
        (found,) = extract(text)
        assert (found.format, found.code, found.code_confidence, found.code_alternatives) == (
            "node-exception",
            21215,
            "medium",
            (),
        ), text
        assert list(scan(io.BytesIO(text.encode()))) == [found]
