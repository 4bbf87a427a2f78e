"""A log line with two errors written in two styles: one as fields (``code=13227 to=+49…``), one in words (``ERROR
21408 to +336…``). Each is an error with its own To; the same error written both ways is one.

``twilio error code=13227 to=+4915123456789 ERROR 21408 to +33612345678`` read one error (13227, +49…): the
free-text reader ran only when no field held a code, so the second error was lost. Now the free text beside a
field's error is read too, each printed code from where it is written up to the next code, and it is another error
when it names a destination of its own and is not the fields' error said again: another code, or the same code
with another To. The same code with the same To, or with no destination after it (``code=21408 … Error 21408:
Permission to send…``), is the fields' error written twice: one error. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

WORDING = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}"
FIELDS = [
    "code={code} to={to}",
    "twilio error code={code} to={to}",
    "error_code={code} recipient={to}",
    'code: {code}, to: "{to}"',
    '{{"code": {code}, "to": "{to}"}}',
    "level=error msg=failed error_code={code} to_number={to}",
]
WORDS = [
    "ERROR {code} to {to}",
    "error {code} for {to}",
    "twilio error {code} sending to {to}",
    "sms failed: error {code} recipient {to}",
    "Error - {code} {to}",
]
# the fields' error said again in words: its code alone, or with its own To, or Twilio's message naming it
AGAIN = ["Error {code}", "(twilio {code})", "ERROR {code} to {to}", "Error {code}: " + WORDING, "error {code} failed"]
CODES = [21408, 21215, 13227, 21612, 30007]
NUMBERS = ["+2348031234567", "+33612345678", "+4915123456789", "+819012345678", "+5511987654321"]
SEPARATORS = [" ", "; ", " | ", " -- ", ", then "]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "Nov 30 10:00:00 web-1 app[42]: ", "[worker-3] "]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    for chunk in (1, 257):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == found, text
    return [(e.code, e.to) for e in found]


def test_the_reported_line_is_two_errors() -> None:
    line = "twilio error code=13227 to=+4915123456789 ERROR 21408 to +33612345678"
    assert sorted(_read(line)) == [(13227, "+4915123456789"), (21408, "+33612345678")]
    assert sorted(_read("INFO start\n" + line + "\nINFO done\n")) == [
        (13227, "+4915123456789"),
        (21408, "+33612345678"),
    ]


def test_the_fields_error_said_again_in_words_is_one_error() -> None:
    said = "code=21408 to=+33612345678 Error 21408: " + WORDING.format(to="+33612345678")
    assert _read(said) == [(21408, "+33612345678")]
    unnamed = "code=21408 to=+33612345678 Error 21408: Permission to send an SMS has not been enabled"
    assert _read(unnamed) == [(21408, "+33612345678")]
    assert _read('{"code": 21408, "message": "Error 21408: ' + WORDING.format(to="+33612345678") + '"}') == [
        (21408, "+33612345678")
    ]


def test_a_code_in_words_before_the_fields_error() -> None:
    # the words' error first, the fields' after it: each keeps its own To
    line = "ERROR 21408 to +33612345678 | error_code=13227 to=+4915123456789"
    assert sorted(_read(line)) == [(13227, "+4915123456789"), (21408, "+33612345678")]
    # a code in words whose only destination is the fields' after it names none of its own: one error
    assert _read("twilio error 30007 error_code=21408 to=+33612345678") == [(21408, "+33612345678")]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(FIELDS),
    st.sampled_from(WORDS),
    st.sampled_from(CODES),
    st.sampled_from(CODES),
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS),
    st.sampled_from(SEPARATORS),
    st.sampled_from(PREFIXES),
    st.booleans(),
)
def test_two_errors_in_two_styles_are_two_errors(
    fields: str,
    words: str,
    code: int,
    other_code: int,
    to: str,
    other_to: str,
    separator: str,
    prefix: str,
    words_first: bool,
) -> None:
    if code == other_code and to == other_to:
        other_to = NUMBERS[(NUMBERS.index(to) + 1) % len(NUMBERS)]  # another error: another code or another To
    first, second = fields.format(code=code, to=to), words.format(code=other_code, to=other_to)
    alone = [_read(first), _read(second)]
    assert alone == [[(code, to)], [(other_code, other_to)]]  # each shape is an error by itself
    parts = [second, first] if words_first else [first, second]
    line = prefix + separator.join(parts)
    assert sorted(_read(line)) == sorted([(code, to), (other_code, other_to)]), line


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(FIELDS),
    st.sampled_from(AGAIN),
    st.sampled_from(CODES),
    st.sampled_from(NUMBERS),
    st.sampled_from(SEPARATORS),
    st.sampled_from(PREFIXES),
)
def test_one_error_written_in_both_styles_is_one_error(
    fields: str, again: str, code: int, to: str, separator: str, prefix: str
) -> None:
    line = prefix + fields.format(code=code, to=to) + separator + again.format(code=code, to=to)
    assert _read(line) == [(code, to)], line


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(FIELDS),
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(CODES), st.sampled_from(NUMBERS)), max_size=3),
    st.sampled_from(CODES),
    st.sampled_from(NUMBERS),
    st.sampled_from(SEPARATORS),
)
def test_each_error_in_words_is_read_once(
    fields: str, words: list[tuple[str, int, str]], code: int, to: str, separator: str
) -> None:
    # the fields' error once (said again in words, it is the same error), each other error in words as often as
    # it is written (as on a line of words alone: test_paste_same_line)
    parts = [fields.format(code=code, to=to)] + [shape.format(code=c, to=t) for shape, c, t in words]
    expected = [(code, to), *((c, t) for _, c, t in words if (c, t) != (code, to))]
    assert sorted(_read(separator.join(parts))) == sorted(expected)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(FIELDS),
    st.sampled_from(["ERROR {code} to {to}", "error {code} for {to}", "twilio error {code} sending to {to}"]),
    st.sampled_from(
        [
            ("+447400123456", ["07400123456", "00447400123456", "447400123456", "+44 7400 123456"]),
            ("+33612345678", ["0612345678", "0033612345678", "+33 6 12 34 56 78"]),
        ]
    ),
    st.data(),
)
def test_the_fields_to_written_otherwise_in_words_is_the_same_error(
    fields: str, words: str, number: tuple[str, list[str]], data: st.DataObject
) -> None:
    # the fields' To written nationally, with 00 or in groups in the words beside it: the same number, one error
    to, spellings = number
    line = fields.format(code=21408, to=to) + " " + words.format(code=21408, to=data.draw(st.sampled_from(spellings)))
    assert _read(line) == [(21408, to)], line
