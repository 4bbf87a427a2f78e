"""Several errors on one log line (a logger that batches its messages, a summary line: "ERROR 21408 to
+234…; ERROR 21408 to +336…"): each is an error of its own, with its own destination, as the same errors on
separate lines are; a paste and a log's reader read them alike."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._parse import parse_log_line

CODES = st.sampled_from([21408, 21215, 13227, 21612, 30007])
NUMBERS = st.sampled_from(["+2348031234567", "+33612345678", "+4915123456789", "+819012345678", "+5511987654321"])
# the log-line shapes that print a code and a destination in words; and those with key=value fields, which
# a line holds several of alike (a line mixing the two kinds is read as its fields: not tested here)
WORDS = ["ERROR {code} to {to}", "error {code} for {to}", "twilio error {code} sending to {to}"]
WORDS += ["sms failed: error {code} recipient {to}", "ERROR {code} destination: {to}", "Error - {code} {to}"]
FIELDS = ["failed code={code} to={to}", "error_code={code} recipient={to}", 'code: {code}, to: "{to}"']
SEPARATORS = st.sampled_from(["; ", " | ", ", ", " ... ", "; then "])


def _fields(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(e.code, e.to, e.country) for e in found]


def test_two_errors_on_one_line_are_two_errors() -> None:
    # main read one error, to the first number: the second destination was lost
    line = "2026-11-30T10:00:00Z ERROR 21408 to +2348031234567; ERROR 21408 to +33612345678"
    found = extract(line)
    assert _fields(found) == [(21408, "+2348031234567", "NG"), (21408, "+33612345678", "FR")]
    assert [e.line for e in found] == [1, 1]
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


def test_a_code_printed_twice_for_one_destination_stays_one_error() -> None:
    # the same error named twice before its one destination: nothing to split
    for line in (
        "ERROR 21408: twilio error 21408 to +33612345678",
        "sms failed error 21408 (twilio 21408) to +33612345678",
        "ERROR 21408 to +33612345678 after error 21408",
    ):
        assert _fields(extract(line)) == [(21408, "+33612345678", "FR")], line


def test_a_code_with_no_destination_goes_on_with_the_error_before_it() -> None:
    # main read each of these lines as one error, to the first number: the second destination was lost. The
    # last is a line's window cut inside its last error (a line over 8 KB is read in windows: _stream)
    two = [(21408, "+2348031234567", "NG"), (21215, "+33612345678", "FR")]
    for tail in ("; ERROR 21408", " (twilio 21215)", "; ERROR 21408 to", "; ERROR 21408 to +2348"):
        line = "ERROR 21408 to +2348031234567; ERROR 21215 to +33612345678" + tail
        assert _fields(extract(line)) == two, tail
        text = "INFO start\n" + line + "\nINFO done\n"
        assert list(scan(io.BytesIO(text.encode()))) == extract(text)
    # a line whose first code names no destination is one error, as before
    line = "ERROR 21408 failed; ERROR 21408 to +2348031234567; ERROR 21215 to +33612345678"
    assert _fields(extract(line)) == [(21408, "+2348031234567", "NG")]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(WORDS), CODES, NUMBERS), min_size=2, max_size=4),
    SEPARATORS,
    st.sampled_from(["", "2026-11-30T10:00:00Z "]),
    st.sampled_from(["ERROR {code}", "twilio {code}", "code {code}", "ERROR {code} to", "error {code} for +"]),
    CODES,
    st.integers(1, 3),
)
def test_a_code_without_a_destination_adds_no_error_and_takes_none_away(
    errors: list[tuple[str, int, str]], separator: str, prefix: str, extra: str, code: int, where: int
) -> None:
    parts = [shape.format(code=code, to=to) for shape, code, to in errors]
    expected = _fields(extract(prefix + separator.join(parts)))
    assert len(expected) == len(parts)
    at = min(where, len(parts))  # after the first error's part at least: a line whose first code has none is one
    line = prefix + separator.join([*parts[:at], extra.format(code=code), *parts[at:]])
    assert _fields(extract(line)) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([WORDS, FIELDS]).flatmap(
        lambda shapes: st.lists(st.tuples(st.sampled_from(shapes), CODES, NUMBERS), min_size=2, max_size=4)
    ),
    SEPARATORS,
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "Nov 30 10:00:00 web-1 app[42]: "]),
    st.sampled_from([1, 257, 1 << 20]),
)
def test_errors_on_one_line_read_as_on_separate_lines(
    errors: list[tuple[str, int, str]], separator: str, prefix: str, chunk: int
) -> None:
    _read_as_on_separate_lines(errors, separator, prefix, chunk)


def _read_as_on_separate_lines(errors: list[tuple[str, int, str]], separator: str, prefix: str, chunk: int) -> None:
    """The errors, written with ``separator`` between them on one line, read as each does on a line of its own."""
    parts = [shape.format(code=code, to=to) for shape, code, to in errors]
    alone = [_fields(extract(prefix + part)) for part in parts]
    assert all(len(found) == 1 for found in alone)  # each shape is an error by itself
    line = prefix + separator.join(parts)
    found = extract(line)
    assert _fields(found) == [fields for one in alone for fields in one], line
    text = "INFO start\n" + line + "\nINFO done\n"
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789+ ;:=toerrERROR")), max_size=120))
def test_a_line_is_split_only_where_each_error_names_its_own_destination(line: str) -> None:
    hits = parse_log_line(line, 0, lambda code: code >= 10000)
    assert all(hit.code is not None and hit.code >= 10000 for hit in hits)
    # one error, as before; or several, each with a destination of its own, found in the order of the line
    assert len(hits) <= 1 or all(hit.to is not None for hit in hits)
    if len(hits) > 1:
        at = [line.find(str(hit.to)) for hit in hits]
        assert all(a >= 0 for a in at) and at == sorted(at)


# --------------------------------------------------------------------------- the same error said again

# A line that quotes its error: the same code for the same To again in a message field, a JSON string, brackets
# or the same record. {code}, {to}: the error; {again}: its To where it is said again (however written)
SAID_AGAIN = [
    'ERROR to={to} error {code} msg="Twilio error {code} for {again}"',
    '{{"level": "error", "msg": "Twilio error {code} to {to}", "error": "Error {code} for {again}"}}',
    'level=error msg="Twilio error {code} to {to}" err="error {code} for {again}"',
    "ERROR SMS to {to} failed with error {code} (Twilio error {code} to {again})",
    'ERROR send_sms failed: error {code} to {to} reason="Twilio error {code} for {again}"',
    "{{'msg': 'Twilio error {code} to {to}', 'error': 'Error {code} for {again}'}}",
    "ERROR error {code} to {to} [twilio: error {code} to {again}]",
]
# (the To, said again as written) for each number
AGAIN = {
    "+2348031234567": ["+2348031234567", "+234 803 123 4567"],
    "+33612345678": ["+33612345678", "+33 6 12 34 56 78"],
    "+4915123456789": ["+4915123456789", "+49 151 23456789"],
    "+819012345678": ["+819012345678", "+81 90-1234-5678"],
    "+5511987654321": ["+5511987654321", "+55 11 98765-4321"],
}


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SAID_AGAIN),
    CODES,
    NUMBERS.flatmap(lambda to: st.tuples(st.just(to), st.sampled_from(AGAIN[to]))),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "Nov 30 10:00:00 web-1 app[42]: "]),
    st.sampled_from([1, 257, 1 << 20]),
)
def test_an_error_said_again_inside_what_quotes_it_is_one_error(
    shape: str, code: int, numbers: tuple[str, str], prefix: str, chunk: int
) -> None:
    # main read two errors, the same code to the same number, from each of these lines
    to, again = numbers
    line = prefix + shape.format(code=code, to=to, again=again)
    found = extract(line)
    assert [(e.code, e.to) for e in found] == [(code, to)], line
    text = "INFO start\n" + line + "\nINFO done\n"
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


# the same error twice, each said on its own: two records, two items of a list, a logger's batch; and another
# code or another To inside brackets or a string: two errors
TWICE = [
    '[{{"msg": "ERROR {code} to {to}"}}, {{"msg": "ERROR {code} to {to}"}}]',
    '["ERROR {code} to {to}", "ERROR {code} to {to}"]',
    "ERROR {code} to {to}; ERROR {code} to {to}",
    "[ERROR {code} to {to}, ERROR {code} to {to}]",
]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(TWICE), CODES, NUMBERS, st.sampled_from(["", "2026-11-30T10:00:00Z "]))
def test_the_same_error_written_twice_on_its_own_is_two_errors(shape: str, code: int, to: str, prefix: str) -> None:
    line = prefix + shape.format(code=code, to=to)
    assert [(e.code, e.to) for e in extract(line)] == [(code, to), (code, to)], line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


def test_another_code_or_another_to_inside_what_quotes_is_another_error() -> None:
    line = 'ERROR to=+33612345678 error 21408 msg="Twilio error 21610 for +33612345678"'
    assert [(e.code, e.to) for e in extract(line)] == [(21408, "+33612345678"), (21610, "+33612345678")]
    line = "ERROR SMS to +33612345678 failed with error 21408 (then error 21408 to +14155550100)"
    assert [(e.code, e.to) for e in extract(line)] == [(21408, "+33612345678"), (21408, "+14155550100")]


# --------------------------------------------------------------------------- each destination before its code

# the shapes that name the destination first, then the code
FIRST = ["to={to} error {code}", "SMS to {to} failed: error {code}", "{to}: Twilio error {code}"]
FIRST += ["recipient {to} rejected, Twilio code {code}", "[{to}] failed: {code}", "sms {to} failed with error {code}"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(FIRST), CODES, NUMBERS), min_size=2, max_size=4),
    st.sampled_from(["; ", " | ", ", ", ". ", " ... "]),
    st.sampled_from(["", "2026-11-30T10:00:00Z ERROR ", "Nov 30 10:00:00 web-1 app[42]: "]),
    st.sampled_from([1, 257, 1 << 20]),
)
def test_errors_that_name_their_destination_first_read_as_on_separate_lines(
    errors: list[tuple[str, int, str]], separator: str, prefix: str, chunk: int
) -> None:
    # main read one error, to the first number, from 'ERROR to=+336… error 21408; to=+234… error 21408': the other
    # errors were lost
    _read_as_on_separate_lines(errors, separator, prefix, chunk)


# --------------------------------------------------------------------------- codes in brackets after a failure

# the shapes whose code is only in brackets after the words that say something failed (no word names it a code),
# which name their destination first, as FIRST does
BRACKETED = ["failed to send to {to} ({code})", "WARN sms_failed to={to} ({code})"]
BRACKETED += ["sms failure sending to {to} ({code})", "smsFailed recipient={to} ({code})"]
BRACKETED += ["delivery_failed for {to} ({code})"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(BRACKETED + FIRST), CODES, NUMBERS), min_size=2, max_size=4).filter(
        lambda errors: errors[0][0] in BRACKETED
    ),
    st.sampled_from(["; ", " | ", ", ", ". ", " ... "]),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "Nov 30 10:00:00 web-1 app[42]: "]),
    st.sampled_from([1, 257, 1 << 20]),
)
def test_codes_in_brackets_after_a_failure_read_as_on_separate_lines(
    errors: list[tuple[str, int, str]], separator: str, prefix: str, chunk: int
) -> None:
    # 'failed to send to +336… (21408); failed to send to +55… (21408)' read one error, to the first number: the
    # others were lost (only a code a word names, "error 21408", split a line)
    _read_as_on_separate_lines(errors, separator, prefix, chunk)


def test_a_bracket_that_holds_no_code_adds_no_error() -> None:
    for tail in ("; failed to import 3 files (21408 rows)", " (retry 2)", "; failed again (12345)", " (21408"):
        line = "failed to send to +33612345678 (21408)" + tail
        assert _fields(extract(line)) == [(21408, "+33612345678", "FR")], line
    line = "failed to send to +33612345678 (21408); failed to send your verification code (21408) to +5511987654321"
    assert _fields(extract(line)) == [(21408, "+33612345678", "FR")], line
