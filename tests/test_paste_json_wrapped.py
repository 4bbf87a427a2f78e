"""A Twilio message wrapped over two lines inside one JSON string: the line break is a ``\\n`` (or ``\\r\\n``)
escape between two of its words (a Docker json-file record of a traceback, a structured logger's ``msg`` or
``exception``, pino's ``err.stack``). The words on both sides of the escape stay apart ("the\\nregion" is not
"nregion"), the message is read whole as if it were on one line, and a log's reader finds what a paste finds.

A wrap inside a word ("en\\nabled", "Permi\\nssion", "P\\nermission": a logger that cuts its lines at a width)
is joined too, as a terminal's wrap between two lines is: only when the two pieces together hold a wording of a
code the knowledge explains whole and neither holds it alone, so no two words are run together that Twilio
did not write as one. When the wrap hides the only anchor word of the line ("P\\nermission"), a log's reader
still finds the line (``_escapes``: its pre-filter reads the line as a paste reads it)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._wording import default_table


def _known_wordings() -> list[tuple[int, str]]:
    """Every wording of a code the knowledge explains, as written."""
    table = default_table()
    return sorted(
        {(w.code, w.written) for bucket in table._by_bigram.values() for _, w in bucket if w.code in table.known_codes}
    )


WORDINGS = _known_wordings()
NUMBERS = st.sampled_from(["+33612345678", "+2348031234567", "+4915123456789", "+819012345678"])
PY = "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: "


def _docker(message: str) -> str:  # `docker logs`' json-file driver holding a Python traceback's last lines
    body = '  File "/app/sms.py", line 9, in send\n    client.messages.create(to=to, body=text)\n' + PY + message
    return json.dumps({"log": body + "\n", "stream": "stderr", "time": "2026-11-30T10:00:00.123456789Z"})


def _structlog(message: str) -> str:  # a structured logger's message
    return json.dumps({"level": "error", "msg": "SMS failed: " + message, "ts": 1764496800.5})


def _exception(message: str) -> str:  # structlog's exception field: the whole traceback in one string
    return json.dumps(
        {"event": "sms failed", "level": "error", "exception": "Traceback (most recent call last):\n" + PY + message}
    )


def _pino(message: str) -> str:  # pino's err serializer: the message again in the stack, then its frames
    stack = "Error: " + message + "\n    at send (/app/sms.js:12:9)"
    return json.dumps(
        {"level": 50, "time": 1764496800000, "err": {"type": "Error", "message": message, "stack": stack}}
    )


RECORDS: list[Callable[[str], str]] = [_docker, _structlog, _exception, _pino]
AROUND = st.lists(
    st.sampled_from(['{"log":"INFO request done\\n","stream":"stdout"}', "2026-11-30T10:00:00Z INFO GET / 200", ""]),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(WORDINGS),
    NUMBERS,
    st.data(),
    st.sampled_from(RECORDS),
    st.sampled_from(["\n", "\r\n"]),
    AROUND,
    st.sampled_from([1, 257, 1 << 20]),
)
def test_a_message_wrapped_inside_a_json_string_reads_as_on_one_line(
    wording: tuple[int, str],
    number: str,
    data: st.DataObject,
    record: Callable[[str], str],
    brk: str,
    around: list[str],
    chunk: int,
) -> None:
    code, written = wording
    message = f"{written}: {number}"
    spaces = [i for i, c in enumerate(message) if c == " "]
    at = data.draw(st.sampled_from(spaces))
    wrapped = message[:at] + brk + message[at + 1 :]  # the wrap takes the place of a space, as textwrap's does
    one_line = extract(record(message))
    assert [e.code for e in one_line] == [code] or len(one_line) == 1  # a wording two codes share reads as one
    line = record(wrapped)
    found = extract(line)
    fields = ("code", "to", "country", "message", "code_source", "code_confidence", "code_wording")
    assert [[getattr(e, f) for f in fields] for e in found] == [[getattr(e, f) for f in fields] for e in one_line]
    # a log's reader, among other log lines, finds the same
    half = len(around) // 2
    text = "\n".join([*around[:half], line, *around[half:]]) + "\n"
    expected = extract(text)
    assert [(e.code, e.to, e.message) for e in expected] == [(e.code, e.to, e.message) for e in found]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected


def test_the_words_on_both_sides_of_an_escaped_line_break_stay_apart() -> None:
    # "…has not been enabled for the\nregion…": read as "the nregion" it was no wording at all
    line = json.dumps(
        {
            "level": "error",
            "msg": "SMS failed: Permission to send an SMS has not been enabled for the\n"
            "region indicated by the 'To' number: +33612345678",
        }
    )
    (found,) = extract(line)
    assert (found.code, found.to, found.country, found.code_confidence) == (21408, "+33612345678", "FR", "high")
    assert "\\n" not in (found.message or "") and "for the region indicated" in (found.message or "")
    assert list(scan(io.BytesIO(line.encode()))) == [found]


def test_a_number_before_an_escaped_line_break_keeps_no_part_of_it() -> None:
    # a quote escaped in the record ends its first JSON string early to the field reader, which then read
    # "to=+33612345678\n" as the number "+33612345678\\n"
    line = json.dumps(
        {"log": 'File "/app/sms.py", line 9\nSMS failed code=21408 to=+33612345678\n', "stream": "stderr"}
    )
    (found,) = extract(line)
    assert (found.code, found.to, found.to_raw) == (21408, "+33612345678", "+33612345678")


def test_a_source_lines_variable_inside_the_same_json_string_is_no_second_error() -> None:
    # a traceback's source line, "client.messages.create(to=to_number, …)", in the same JSON string as the
    # exception: its "to" is a name; read as a redacted destination it made a second error of the same line
    for name in ("to", "to_number", "self.recipient"):
        body = f'  File "/app/sms.py", line 9\n    client.messages.create(to={name}, body=text)\n'
        line = json.dumps({"log": body + PY + "Account not authorized to call +33612345678\n", "stream": "stderr"})
        found = extract(line)
        assert [(e.code, e.to) for e in found] == [(21215, "+33612345678")], name
        assert list(scan(io.BytesIO(line.encode()))) == found
    # a mask keeps its place: the number is redacted, not a name
    (found,) = extract('{"log": "SMS failed code=21408 to=[REDACTED]\\n"}')
    assert (found.code, found.to_raw, found.to) == (21408, "[REDACTED]", None)


def _inside_word(message: str) -> list[int]:
    return [i for i in range(1, len(message)) if message[i - 1].isalnum() and message[i].isalnum()]


def test_a_wrap_inside_a_word_of_the_message_is_joined() -> None:
    # main read nothing where the escape cut the anchor word ("P\\nermission", "Permi\\nssion" hide "permi")
    message = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +33612345678"
    for wrapped in (
        message.replace("enabled", "en\nabled"),
        message.replace("Permission", "Permi\nssion"),
        message.replace("Permission", "P\nermission"),
        message.replace("Permission", "P\r\nermission"),
    ):
        line = json.dumps({"level": "error", "msg": "SMS failed: " + wrapped})
        (found,) = extract(line)
        assert (found.code, found.to, found.country, found.code_confidence) == (21408, "+33612345678", "FR", "high")
        assert found.message is not None and "Permission to send an SMS has not been enabled" in found.message
        text = "2026-11-30T10:00:00Z INFO start\n" + line + "\n2026-11-30T10:00:01Z INFO done\n"
        for chunk in (7, 1 << 20):
            assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text), wrapped


def test_words_that_twilio_writes_apart_are_not_run_together() -> None:
    # a break between two words is a space, never a join: "the\\nregion" reads "the region"; and a break inside
    # a word no wording completes is left as it is (nothing to join)
    line = json.dumps(
        {
            "level": "error",
            "msg": "SMS failed: Permission to send an SMS has not been enabled for the\nregion indicated by the 'To' "
            "number: +33612345678 (retry\ning)",
        }
    )
    (found,) = extract(line)
    assert "for the region" in (found.message or "")
    assert extract(json.dumps({"level": "error", "msg": "Permission to se\nnd a file failed: disk full"})) == []


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(WORDINGS),
    NUMBERS,
    st.data(),
    st.sampled_from(RECORDS),
    st.sampled_from(["\n", "\r\n"]),
    AROUND,
    st.sampled_from([1, 257, 1 << 20]),
)
def test_a_message_wrapped_inside_a_word_reads_as_on_one_line(
    wording: tuple[int, str],
    number: str,
    data: st.DataObject,
    record: Callable[[str], str],
    brk: str,
    around: list[str],
    chunk: int,
) -> None:
    _, written = wording
    message = f"{written}: {number}"
    at = data.draw(st.sampled_from(_inside_word(written)))
    one_line = extract(record(message))
    line = record(message[:at] + brk + message[at:])  # the wrap cuts a word: no space lost
    found = extract(line)
    fields = ("code", "to", "country", "message", "code_source", "code_confidence", "code_wording")
    assert [[getattr(e, f) for f in fields] for e in found] == [[getattr(e, f) for f in fields] for e in one_line]
    half = len(around) // 2
    text = "\n".join([*around[:half], line, *around[half:]]) + "\n"
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)
