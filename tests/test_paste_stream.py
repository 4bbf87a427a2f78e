"""`diagnose triage`'s reader: a stream in bounded memory finds what a paste of the same text finds."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnose.cli import exit_codes
from diagnose.errors import InputError, WorkerDiedError
from diagnose.knowledge import load_knowledge
from diagnose.models import Evidence
from diagnose.paste import Groups, decode, extract, extract_bytes, scan
from diagnose.paste._compressed import HEAD, kind_of
from diagnose.paste._extract import _STRONG, hits_of, is_anchor, known_code_of
from diagnose.paste._parse import hit_lines, may_hit
from diagnose.paste._stream import _SEGMENT, _candidates, _names_no_code, _plain
from diagnose.paste._text import clean
from diagnose.paste._wording import WordingTable, default_table, normalise
from tests.interrupt import sigint_as_on_a_terminal
from tests.shared import scan_peaks

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))
CORPUS_LINES_BYTES = sorted(
    {line.encode() for s in SAMPLES for line in s.read_text(encoding="utf-8").split("\n") if line}
)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_stream_finds_what_the_paste_finds(sample: Path) -> None:
    # every field, the neighbouring lines' included (a traceback's to=, a curl request's account)
    data = sample.read_bytes()
    assert list(scan(io.BytesIO(data))) == extract(data.decode())


# Every line break a paste splits at (str.splitlines): old-Mac \r, Windows \r\n, the control characters
# that count as breaks, and NEL, U+2028, U+2029 (two or three bytes in UTF-8)
BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.data(),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(BREAKS)), max_size=4),
    st.sampled_from([1, 2, 3, 5, 257, 1 << 20]),
)
def test_every_line_break_of_a_paste_splits_the_streams_lines_too(
    sample: Path, data: st.DataObject, inserted: list[tuple[int, str]], chunk: int
) -> None:
    # each of the sample's line ends becomes any break, and breaks land inside lines (a U+2028 in a
    # message): the stream, whatever its chunks (one byte of U+2028 in one, two in the next), reads what
    # a paste of the same text reads, the line numbers included
    lines = sample.read_text(encoding="utf-8").split("\n")
    text = "".join(line + data.draw(st.sampled_from(BREAKS)) for line in lines[:-1]) + lines[-1]
    for at, brk in sorted(inserted, reverse=True):
        at %= len(text) + 1
        if text[at - 1 : at].isalnum() and text[at : at + 1].isalnum():
            continue  # a break inside a word is a wrap, which may cut an anchor word: test_paste_wording's
        text = text[:at] + brk + text[at:]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


@pytest.mark.parametrize("brk", ["\r", "\r\n", "\u2028", "\u2029", "\x85"])
def test_a_log_with_other_line_ends_reads_as_with_newlines(brk: str) -> None:
    # an old-Mac log (\r only) is no single long line: every error is found, each on its own line
    text = "".join(s.read_text(encoding="utf-8") + "INFO unrelated line\n" * 25 for s in SAMPLES)
    expected = extract(text)
    other = text.replace("\n", brk)
    assert extract(other) == expected
    for chunk in (997, 1 << 20):
        assert list(scan(io.BytesIO(other.encode()), chunk_size=chunk)) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"\r", b"\n", b"\xe2", b"\x80", b"\xa8", b"\xa9", b"\xc2", b"\x85", b"\x0b", b"\xf0\x9f"])
        | st.sampled_from(CORPUS_LINES_BYTES)
        | st.binary(max_size=4),
        max_size=12,
    ).map(b"".join),
    st.sampled_from([1, 2, 3, 7, 1 << 20]),
)
def test_bytes_around_line_breaks_read_as_the_decoded_paste(data: bytes, chunk: int) -> None:
    # invalid UTF-8 next to a break's bytes: the stream splits where the decoded text splits
    kind = kind_of(data[:HEAD])
    if kind in ("zstd", "zip"):  # refused, as `diagnose -` refuses such bytes
        with pytest.raises(InputError, match=f"{kind}-compressed"):
            list(scan(io.BytesIO(data), chunk_size=chunk))
        return
    if kind is not None:  # a gzip, bzip2 or xz header (and then, most likely, a corrupt stream): its text
        assert list(scan(io.BytesIO(data), chunk_size=chunk)) == extract_bytes(data)
        return
    assert list(scan(io.BytesIO(data), chunk_size=chunk)) == extract(decode(data))


# Log lines around a pasted sample: timestamped (a log's own lines never continue the line above),
# some of them candidates for the pre-filter or holding fields a parser reads (status=, msg=, to:).
NOISE = st.one_of(
    st.sampled_from(
        [
            "INFO GET /api/v1/users/42 200 12ms",
            "ERROR database connection reset by peer",
            'level=info msg="request done" status=200 duration=12ms',
            "WARN upstream http 503 from payments",
            "INFO sent verification code to user 42",
            "DEBUG to: ops@example.com",
            "ERROR java.lang.IllegalStateException: queue closed",
            "INFO message delivered to +33612345678",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80),
)
STAMP = st.from_regex(r"2026-11-30T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z ", fullmatch=True)
LOG_LINES = st.lists(st.tuples(STAMP, NOISE).map("".join), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SAMPLES), LOG_LINES, LOG_LINES, st.sampled_from([257, 4096, 1 << 20]))
def test_a_sample_among_log_lines_reads_as_in_a_paste(
    sample: Path, before: list[str], after: list[str], chunk: int
) -> None:
    text = "\n".join([*before, sample.read_text(encoding="utf-8").rstrip("\n"), *after]) + "\n"
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)


@pytest.mark.parametrize("chunk", [997, 4096, 1 << 20])
def test_chunk_boundaries_neither_lose_nor_repeat_errors(chunk: int) -> None:
    text = b"".join(s.read_bytes() + b"INFO unrelated line\n" * 25 for s in SAMPLES)
    expected = [(e.code, e.to) for e in extract(text.decode())]
    got = [(e.code, e.to) for e in scan(io.BytesIO(text), chunk_size=chunk)]
    assert got == expected
    assert [e.line for e in scan(io.BytesIO(text), chunk_size=chunk)] == sorted(
        e.line for e in scan(io.BytesIO(text), chunk_size=chunk)
    )


def _log(megabytes: int) -> io.BytesIO:
    block = (
        b"".join(b"2026-11-30T10:00:00Z INFO GET /api/v1/items/%d 200 12ms\n" % i for i in range(10_000))
        + b"2026-11-30T10:00:01Z ERROR sms failed code=21408 to=+2348031234567\n"
    )
    return io.BytesIO(block * (megabytes * 1_000_000 // len(block) + 1))


def test_memory_stays_flat_as_the_log_grows() -> None:
    peaks = scan_peaks(_log(size) for size in (2, 8))
    # four times the input, not four times the memory: a few chunks at most either way
    assert peaks[1] < 2 * peaks[0] + (4 << 20), peaks


def test_every_builtin_wording_passes_the_prefilter() -> None:
    for entry in load_knowledge().entries():
        for wording in entry.wordings:
            assert is_anchor(wording), (entry.code, wording)


def test_an_error_in_the_middle_of_a_huge_single_line_is_found() -> None:
    data = b"x" * 3_000_000 + b" error 21408 to +2348031234567 " + b"y" * 2_000_000
    found = list(scan(io.BytesIO(data), chunk_size=1 << 20))
    assert [(e.code, e.country) for e in found] == [(21408, "NG")]
    assert list(scan(io.BytesIO(b"z" * 5_000_000), chunk_size=1 << 20)) == []


ENDINGS = [b"Error 21408", b"Error 21408\n", b"x\nError 21408", b"\n\nError 21408 to +33612345678"]


@pytest.mark.parametrize("data", ENDINGS)
def test_a_last_line_without_newline_is_read(data: bytes) -> None:
    assert [e.code for e in scan(io.BytesIO(data), chunk_size=4)] == [21408]
    assert [e.code for e in scan(io.BytesIO(data))] == [21408]


@pytest.mark.parametrize(
    "line",
    [
        "err: 21408 to +33612345678",
        "ERROR 21408 to +33612345678",
        "failed (21408) to +33612345678",
        "FAILURE - 21408 to +33612345678",
        "twilio: 21408 for +33612345678",
    ],
)
def test_weak_words_before_a_code_reach_the_parser(line: str) -> None:
    assert [e.code for e in scan(io.BytesIO(line.encode()))] == [e.code for e in extract(line)] == [21408]


REPEATED = [
    "ERROR sms send failed code=21408 to=+2348031234567 account=AC" + "a" * 32,
    "ERROR call failed: Status: 400 - ApiError 21215: Account not authorized to call +33612345678 (null)",
    "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +2348031234567.",
    "INFO POST /hooks/status MessageSid=SM" + "0" * 32 + "&MessageStatus=failed&ErrorCode=21408&To=+33612345678",
    "ERROR database connection reset by peer, retrying in 20ms",
    '  "code": 21408,',
]
STAMPS = st.from_regex(r"2026-11-30[T ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?Z?[ \t]", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(STAMPS, st.sampled_from(REPEATED)), min_size=1, max_size=30))
def test_a_line_repeated_under_other_timestamps_reads_as_if_read_fresh(rows: list[tuple[str, str]]) -> None:
    # the stream remembers a line by its text after the timestamp: every field must be as if the line
    # were the first of its kind. Unrelated lines keep each error apart, so each reads as it would alone.
    lines = [stamp + line for stamp, line in rows]
    gap = 30
    fresh = [
        replace(e, line=e.line + i * (gap + 1)) for i, line in enumerate(lines) for e in scan(io.BytesIO(line.encode()))
    ]
    text = "".join(line + "\n" + "INFO unrelated\n" * gap for line in lines)
    assert list(scan(io.BytesIO(text.encode()))) == fresh


ANCHOR_PIECES = [*_STRONG, "error", "err", "failed", "failure", "http", "HTTP/1.1", "21408", "400", ": ", " ", "-", "x"]


@given(st.lists(st.sampled_from(ANCHOR_PIECES) | st.text(max_size=3), max_size=8).map("".join))
def test_the_prefilter_lets_every_anchor_line_through(line: str) -> None:
    # a line the paste reader would read must reach it in a log too
    line = line.replace("\n", " ").replace("\r", " ")
    if is_anchor(clean(line)):
        assert _candidates(line.encode()) == [0], line


@pytest.mark.parametrize(
    "name", ["10-ruby-resterror", "49-wording-21215-wrapped-period", "62-wording-21408-docs-heading-ruby"]
)
def test_an_error_over_two_lines_is_read_once_wherever_the_carried_lines_start(name: str) -> None:
    # the second line alone is an error too (a Twilio message with its number): when the lines a round
    # carries into the next start between the two, the next round must still see the first
    sample = (CORPUS / f"{name}.txt").read_bytes()
    for pad in range(0, 80):
        text = b"INFO unrelated line\n" * pad + sample + b"INFO unrelated line\n" * 100
        expected = [(e.code, e.to, e.line) for e in extract(text.decode())]
        for chunk in (997, 4096):
            assert [(e.code, e.to, e.line) for e in scan(io.BytesIO(text), chunk_size=chunk)] == expected, (pad, chunk)


@pytest.mark.parametrize(
    "line",
    [
        "error:\U0001000021408",
        "err \U00010000\U00010000\U0001000021408",
        "failed\U00010000\U00010000\U00010000\U0001000021408",
    ],
)
def test_the_prefilter_counts_characters_not_bytes(line: str) -> None:
    # is_anchor allows up to 4 characters between "error" and the code; in UTF-8 that is up to 16 bytes
    assert is_anchor(clean(line))
    assert _candidates(line.encode()) == [0]


CORPUS_LINES = sorted({line for s in SAMPLES for line in s.read_text(encoding="utf-8").splitlines() if line})
GATE_PIECES = [
    *CORPUS_LINES,
    "To=",
    "t_o: ",
    "Account_Sid=",
    '\\"error_code\\": ',
    "MessageStatus=failed&",
    "> POST ",
    "< HTTP/1.1 400",
    " 21408 ",
    "err#21408",
    "Permission to send an SMS has not been enabled",
    "RestException",
    "/Accounts/AC" + "a" * 32 + "/Messages.json",
]
GATE_LINES = st.lists(
    st.sampled_from(GATE_PIECES) | st.text(max_size=4) | st.sampled_from(CORPUS_LINES).map(lambda x: x[::3]), max_size=6
).map(lambda parts: "".join(parts).replace("\n", " ").replace("\r", " "))


@settings(max_examples=300, deadline=None)
@given(GATE_LINES)
def test_a_line_the_window_gates_skip_holds_nothing(line: str) -> None:
    # the gates only let a window skip work: every line they skip is one no parser reads anything on
    table = default_table()
    if not may_hit(line):
        assert hits_of(line, 0, known_code_of(table)) == []
    if not table.keywords_in(line):
        assert table.match(line, True) is None and table.match(line, False) is None


@settings(max_examples=100, deadline=None)
@given(st.lists(GATE_LINES, min_size=1, max_size=8))
def test_the_gate_over_many_lines_is_the_gate_of_each(lines: list[str]) -> None:
    assert hit_lines("\n".join(lines)) == {i for i, line in enumerate(lines) if may_hit(line)}


def _keywords_reference(table: WordingTable, text: str) -> set[str]:
    # what keywords_in means: the index words whose first words normalise()'s words of the text all hold
    words = set(normalise(text).encode().split())
    needs = table._needs
    return {word.decode() for word in words if word in needs and any(need <= words for need in needs[word])}


ESCAPE_PIECES = ["&#39;", "&quot;", "\\u0027", "\\U0027", "&amp;", "&", "\\u", "İ", "\u212a", "é"]
ESCAPED_LINES = st.lists(st.sampled_from(ESCAPE_PIECES) | GATE_LINES, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(GATE_LINES | ESCAPED_LINES, max_size=6))
def test_the_keywords_of_many_lines_are_those_of_their_words(lines: list[str]) -> None:
    # keywords_in reads the lines without escapes in C and only the others through normalise()
    table = default_table()
    text = "\n".join(lines)
    assert set(table.keywords_in(text)) == _keywords_reference(table, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(GATE_LINES, max_size=6))
def test_the_word_test_over_plain_bytes_is_the_word_test_over_text(lines: list[str]) -> None:
    # triage tests the lines around an error as bytes when decoding and cleaning would change nothing
    data = "\n".join(lines).encode()
    assume(_plain(data))
    table = default_table()
    assert table.may_match_plain(data) == table.may_match(clean(decode(data)))


@settings(max_examples=400, deadline=None)
@given(st.lists(GATE_LINES | st.sampled_from(["2148", "2140 8", "%32", "Dial: Forbidden", "phone number"]), max_size=6))
def test_lines_that_triage_skips_hold_no_error(lines: list[str]) -> None:
    # a piece whose lines hold no five digits and none of a wording's first words is skipped unread
    text = "\n".join(lines)
    if _names_no_code(text.encode(), default_table()):
        assert extract(text) == []


_KEY_PIECES = ["ERROR 21408", "Failed: code 30007", "TWILIO#12345", "Err-99999 "]
_KEY_PIECES += ["Code=", "TO: ", "Account_SID:", 'MESSAGE="', "Msg='", "Status:", "\n", "=", ":"]
ASCII_TEXT = st.text(st.characters(max_codepoint=127), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(GATE_LINES.filter(str.isascii) | ASCII_TEXT | st.sampled_from(_KEY_PIECES), max_size=8).map("".join))
def test_the_key_gate_reads_lower_case_ascii_as_it_reads_ignoring_case(text: str) -> None:
    # hit_lines searches ASCII text lowered, without IGNORECASE: it must find the same keys at the same places
    from diagnose.paste._parse import _KEY_BACKWARDS, _KEY_BACKWARDS_LOW, _LOG_CODE, _LOG_CODE_LOW

    ignoring = [m.span() for m in _KEY_BACKWARDS.finditer(text[::-1])]
    lowered = [m.span() for m in _KEY_BACKWARDS_LOW.finditer(text.lower()[::-1])]
    assert ignoring == lowered
    for line in text.split("\n"):
        found, found_low = _LOG_CODE.search(line), _LOG_CODE_LOW.search(line.lower())
        assert (found and found.span()) == (found_low and found_low.span())


RECORD = (
    b'"code": 21408, "message": "Permission to send an SMS has not been enabled for the region indicated by the '
    b'\'To\' number: +2348031234567.", "status": 400'
)


@pytest.mark.parametrize("chunk", [1 << 16, 100_003, 1 << 20])
@pytest.mark.parametrize("at", [0, 5_000, 65_000, 333_333, 999_000])
def test_an_error_anywhere_in_a_long_line_is_found_once(chunk: int, at: int) -> None:
    # a 1 MB JSON record on one line: read in windows around its candidates, whatever the chunks
    pad = b"x" * at
    data = b'{"pad": "' + pad + b'", ' + RECORD + b', "tail": "' + b"y" * (1_000_000 - at) + b'"}\n'
    found = list(scan(io.BytesIO(data), chunk_size=chunk))
    assert [(e.code, e.country, e.http_status, e.line) for e in found] == [(21408, "NG", 400, 1)]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 900_000),
    st.integers(-len(RECORD) - 64, 64),
    st.sampled_from([b'"zip_code": "x", ', b"", b'"failed_at": "2026-11-30", ' * 3]),
    st.sampled_from([1 << 16, 100_003, 1 << 20]),
)
def test_an_error_across_the_edge_of_a_window_in_a_long_line_is_read_whole(
    at: int, shift: int, decoy: bytes, chunk: int
) -> None:
    # a candidate (a field holding "code") opens a window of _SEGMENT bytes after it in a 1 MB line; the
    # error starts anywhere from before that window's edge to after it, and must be read whole, once
    head = b'{"pad": "' + b"x" * at + b'", ' + decoy
    gap = b"y" * max(0, _SEGMENT + shift) if decoy else b""
    data = head + gap + b'"err": {' + RECORD + b'}, "tail": "' + b"z" * (1_000_000 - at) + b'"}\n'
    found = list(scan(io.BytesIO(data), chunk_size=chunk))
    assert [(e.code, e.country, e.http_status, e.code_source, e.line) for e in found] == [
        (21408, "NG", 400, "printed", 1)
    ]


def _alert(i: int) -> bytes:
    number = f"+23480{i:08d}".encode()
    return (
        b'{"sid": "NO%032d", "account_sid": "AC%032d", "error_code": "13227", "log_level": "warning", '
        b'"alert_text": "Msg=Geo+Permission+configuration+is+not+permitting+call&To=%s", "more_info": '
        b'"https://www.twilio.com/docs/errors/13227", "date_created": "2026-11-30T10:00:00Z"}'
    ) % (i, i % 7, number.replace(b"+", b"%2B"))


@pytest.mark.parametrize("chunk", [1 << 16, 100_003, 1 << 20])
def test_every_record_of_a_one_line_json_list_is_read_once(chunk: int) -> None:
    # a Monitor alerts list on one line (an API response logged whole): errors back to back for 1 MB,
    # read in bounded windows that end between two records, never inside one
    count = 1_000_000 // len(_alert(0))
    data = b'{"alerts": [' + b", ".join(_alert(i) for i in range(count)) + b'], "meta": {}}\nok\n'
    found = [(e.code, e.to, e.account_sid, e.line) for e in scan(io.BytesIO(data), chunk_size=chunk)]
    assert found == [(13227, f"+23480{i:08d}", f"AC{i % 7:032d}", 1) for i in range(count)]


def test_two_errors_in_one_long_line_and_the_lines_after_it_keep_their_numbers() -> None:
    data = (
        b"x" * 100_000
        + b" ERROR 21408 to +33612345678 "
        + b"y" * 200_000
        + b" ERROR 21408 to +2348031234567 "
        + b"z" * 50_000
        + b"\nok\nERROR 21215 to +4915123456789\n"
    )
    found = list(scan(io.BytesIO(data), chunk_size=1 << 16))
    assert [(e.code, e.country, e.line) for e in found] == [(21408, "FR", 1), (21408, "NG", 1), (21215, "DE", 3)]


def test_memory_stays_flat_along_a_single_long_line() -> None:
    peaks = []
    for size in (4_000_000, 16_000_000):
        data = b"code " * (size // 5)
        tracemalloc.start()
        assert list(scan(io.BytesIO(data), chunk_size=1 << 20)) == []
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # the line is never held whole: a few chunks, not four times more memory for four times the line
    assert peaks[1] < 2 * peaks[0] + (4 << 20), peaks


def test_workers_find_the_same_errors_in_the_same_order() -> None:
    # a log of every sample many times over, in chunks small enough that workers share many rounds
    text = b"".join(s.read_bytes() + b"2026-11-30T10:00:00Z INFO unrelated\n" * 30 for s in SAMPLES) * 3
    alone = list(scan(io.BytesIO(text), chunk_size=1 << 14))
    assert len(alone) > 100
    assert list(scan(io.BytesIO(text), chunk_size=1 << 14, workers=2)) == alone


def test_a_message_in_another_log_event_near_an_error_is_read_as_in_a_paste() -> None:
    # a chain's piece is narrowed to its errors' log events, unless its other lines may hold a message:
    # here a wrapped one (no anchor word on either line) two lines above an anchor
    text = (
        "2026-11-30 13:31:17 ERROR forward of inbound call to +442071838750 failed: Forwarded Call blocked by T\n"
        "wilio\n"
        "2026-11-30 13:31:19 ERROR forward of inbound call to +33142685300 failed: Forwarded Call blocked by Twilio\n"
    )
    found = list(scan(io.BytesIO(text.encode())))
    assert [(e.line, e.code) for e in found] == [(1, 32224), (3, 32224)]
    assert found == extract(text)


def test_a_url_encoded_message_in_another_log_event_near_an_error_is_read_as_in_a_paste() -> None:
    # a form's values are URL-decoded before they are read: "allowed%20to%20call" holds no anchor word
    text = (
        "2026-11-30T10:00:00Z INFO hook To=%2B81312345678&Msg=Account%20not%20allowed%20to%20call&Level=error\n"
        "2026-11-30T10:00:02Z ERROR sms send failed code=21408 to=+33612345678\n"
    )
    found = list(scan(io.BytesIO(text.encode())))
    assert [(e.line, e.code) for e in found] == [(1, 21216), (2, 21408)]
    assert found == extract(text)


def _scan_file(path: Path, **kwargs: int) -> list[Evidence]:
    with path.open("rb") as handle:
        return list(scan(handle, **kwargs))


def test_blocks_of_a_file_find_what_one_reader_finds(tmp_path: Path) -> None:
    # a file is cut into blocks, one per worker, only where the log is quiet: nothing lost, moved or doubled
    path = tmp_path / "app.log"
    quiet = b"2026-11-30T10:00:00Z INFO unrelated\n"
    path.write_bytes(b"".join(s.read_bytes() + quiet * (i % 40) for i, s in enumerate(SAMPLES * 6)))
    alone = list(scan(io.BytesIO(path.read_bytes())))
    assert len(alone) > 300
    assert _scan_file(path, chunk_size=1 << 13, workers=2) == alone


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(SAMPLES), st.integers(0, 45)), min_size=1, max_size=30),
    st.sampled_from([1 << 10, 1 << 12]),
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\r", "\u2028".encode()]), min_size=1, max_size=4),
)
def test_any_arrangement_of_errors_reads_the_same_in_blocks(
    tmp_path_factory: pytest.TempPathFactory, arrangement: list[tuple[Path, int]], block: int, breaks: list[bytes]
) -> None:
    # busy stretches (no quiet place to cut), long gaps, a file smaller than two blocks, line breaks other
    # than \n before a cut (line numbers count them as a paste does): all the same
    path = tmp_path_factory.mktemp("blocks") / "app.log"
    noise = b'2026-11-30T10:00:01Z INFO  level=info msg="request done" status=200'
    path.write_bytes(
        b"".join(
            sample.read_bytes() + b"".join(noise + breaks[i % len(breaks)] for i in range(gap))
            for sample, gap in arrangement
        )
    )
    alone = list(scan(io.BytesIO(path.read_bytes())))
    assert _scan_file(path, chunk_size=block, workers=2) == alone
    # a pipe: its blocks cut here and handed over, or (busy all the way) read on as one stream
    assert list(scan(io.BytesIO(path.read_bytes()), chunk_size=block, workers=2)) == alone


def test_a_pipe_busy_all_the_way_is_read_on_as_one_stream() -> None:
    # `grep 21408 app.log | diagnose triage -`: no quiet place to cut a block, so the rest is read as a stream
    line = b"2026-11-30T10:00:00Z ERROR sms send failed code=21408 to=+2348031234567\n"
    quiet = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n" * 40
    data = quiet * 100 + line * 3000 + quiet * 100 + line * 5
    alone = list(scan(io.BytesIO(data)))
    assert len(alone) == 3005
    assert list(scan(io.BytesIO(data), chunk_size=1 << 12, workers=2)) == alone


def test_line_numbers_after_a_cut_count_every_line_break(tmp_path: Path) -> None:
    # \r and U+2028 end lines as \n does: the blocks after them number their lines as one reader would
    gap = (
        b"2026-11-30T10:00:01Z INFO a\r2026-11-30T10:00:02Z INFO b\xe2\x80\xa8" + b"2026-11-30T10:00:03Z INFO c\n" * 40
    )
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(s.read_bytes() + gap for s in SAMPLES) * 2)
    alone = list(scan(io.BytesIO(path.read_bytes())))
    assert _scan_file(path, chunk_size=1 << 12, workers=2) == alone


def test_blocks_merged_by_their_workers_group_as_one_reader_would(tmp_path: Path) -> None:
    # triage's workers hand over each block's duplicates as one evidence with a count and a span:
    # the groups, counts, first and last seen (syslog times dated by `now`) and line numbers are the same
    path = tmp_path / "app.log"
    stamps = ["2026-11-30T10:00:0{}Z ", "Nov 30 10:00:0{} web-2 app[812]: ", "2026-11-30 11:00:0{},250 "]
    lines = [
        stamps[i % 3].format(i % 10) + "ERROR sms send failed code=21408 to=+33612345678 account=AC" + "1" * 32
        if i % 37 == 0
        else stamps[i % 3].format(i % 10) + f"INFO request {i} done"
        for i in range(6_000)
    ]
    path.write_text("\n".join(lines) + "\n" + "".join(s.read_text() for s in SAMPLES))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    alone, merged = Groups(now=now), Groups(now=now)
    for evidence in scan(io.BytesIO(path.read_bytes())):
        alone.add(evidence)
    with path.open("rb") as handle:
        for evidence in scan(handle, chunk_size=1 << 14, workers=2, merge=True, now=now):
            merged.add(evidence)
    assert merged.total == alone.total > 150
    assert merged.evidence() == alone.evidence()


def test_a_file_of_long_lines_reads_the_same_in_blocks(tmp_path: Path) -> None:
    line = b"x" * 40_000 + b" error 21408 to +2348031234567 " + b"y" * 40_000 + b"\n"
    path = tmp_path / "long.log"
    path.write_bytes((line + b"2026-11-30T10:00:00Z INFO quiet\n" * 30) * 40 + line * 40)
    alone = list(scan(io.BytesIO(path.read_bytes())))
    assert len(alone) == 80
    assert _scan_file(path, chunk_size=1 << 16, workers=2) == alone


def test_a_file_read_from_its_middle_reads_from_there(tmp_path: Path) -> None:
    # `diagnose triage - < app.log` after a read: the blocks start where the stream stands
    data = b"".join(s.read_bytes() + b"2026-11-30T10:00:00Z INFO unrelated\n" * 30 for s in SAMPLES) * 2
    path = tmp_path / "app.log"
    path.write_bytes(data)
    half = data.index(b"\n", len(data) // 2) + 1
    with path.open("rb") as handle:
        handle.seek(half)
        found = list(scan(handle, chunk_size=1 << 12, workers=2))
    assert found == list(scan(io.BytesIO(data[half:])))


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.update(int(p) for p in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended after the listing: its children went to another thread of the process
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the workers")
@pytest.mark.parametrize("source", ["pipe", "file"])
def test_ctrl_c_stops_the_workers_and_reports_what_was_read(tmp_path: Path, source: str) -> None:
    # a log bigger than one chunk: on a pipe that stays open (the workers start, then the read waits),
    # or in a file, which workers read a block each
    line = b"2026-11-30T10:00:00Z ERROR sms send failed code=21408 to=+2348031234567\n"
    filler = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n" * 99
    block = (line + filler) * 2_000
    env = {**os.environ, "NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
    log = tmp_path / "app.log"
    if source == "file":
        log.write_bytes(block * 40)  # ~45 MB: more blocks than the workers read in the time it takes
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", "-" if source == "pipe" else str(log), "--format", "json"],
        stdin=subprocess.PIPE if source == "pipe" else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        if proc.stdin is not None:
            written = 0
            while written < 10 * 1024 * 1024:
                proc.stdin.write(block)
                written += len(block)
            proc.stdin.flush()
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert workers, "no worker started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    if source == "file" and not out:  # Ctrl-C came before a worker finished its first block
        assert b"no Twilio error found in the input so far" in err, err
    else:
        data = json.loads(out)
        assert data["interrupted"] is True and data["errors"] > 0
        assert data["groups"][0]["code"] == 21408
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc to see the read wait")
def test_ctrl_c_on_a_live_pipe_reports_what_came_through_it() -> None:
    # `tail -f app.log | diagnose triage -`: less than a block came, the pipe stays open, then Ctrl-C
    line = b"2026-11-30T10:00:00Z ERROR sms send failed code=21408 to=+2348031234567\n"
    filler = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n" * 99
    env = {**os.environ, "NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", "-", "--format", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write((line + filler) * 50)
        proc.stdin.flush()
        # waiting in read(0, ...) with the pipe empty: all 50 errors were taken in
        _wait_for(lambda: Path(f"/proc/{proc.pid}/syscall").read_text().startswith("0 0x0 "))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] is True and data["errors"] == 50


def _gone(pid: int) -> bool:
    """The process has died and been reaped (by the pool that started it)."""
    return not Path(f"/proc/{pid}").exists()


def _wait_for(ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 120  # a bound on waiting, not a measure: the condition decides
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the workers")
@pytest.mark.parametrize("source", ["pipe", "file"])
def test_a_killed_worker_ends_the_scan_in_one_error_after_what_came_back(source: str, tmp_path: Path) -> None:
    # kill -9 one worker after the first error came back: what the workers handed back before is
    # yielded in order, then one WorkerDiedError, never a BrokenProcessPool (a stream's chunks are read
    # by a pool of workers, a regular file's blocks by another)
    text = b"".join(s.read_bytes() + b"2026-11-30T10:00:00Z INFO unrelated\n" * 30 for s in SAMPLES) * 3
    alone = list(scan(io.BytesIO(text), chunk_size=1 << 14))
    path = tmp_path / "app.log"
    path.write_bytes(text)
    before = _children(os.getpid())
    got = []
    with pytest.raises(WorkerDiedError, match="worker process"), path.open("rb") as handle:
        stream = handle if source == "file" else io.BytesIO(text)
        for evidence in scan(stream, chunk_size=1 << 14, workers=2):
            if not got:
                victim = min(_children(os.getpid()) - before)
                os.kill(victim, signal.SIGKILL)
                _wait_for(functools.partial(_gone, victim))  # the pool has seen it die: nothing more is read
            got.append(evidence)
    assert got == alone[: len(got)]
    assert 0 < len(got) < len(alone)
    _wait_for(lambda: not (_children(os.getpid()) - before))  # the other worker is stopped too


def _generated_log(tmp_path: Path, megabytes: int) -> bytes:
    """bench/triage.py's generated log (two MB of it, repeated: generating is slow, reading is the test)."""
    spec = importlib.util.spec_from_file_location("bench_triage", Path(__file__).parents[1] / "bench" / "triage.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "app.log"
    bench.build_log(path, 2)
    block = path.read_bytes()
    return block * (megabytes * 1_000_000 // len(block) + 1)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the workers")
def test_triage_with_a_killed_worker_reports_what_was_read_and_exits_in_one_line(tmp_path: Path) -> None:
    log = _generated_log(tmp_path, 48)
    env = {**os.environ, "NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", "-", "--format", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None
    try:
        # more than four chunks: when the write returns, the reader is in its fifth and has taken the
        # first chunks' errors back from the workers (it holds at most two rounds in flight)
        head = 38_000_000
        proc.stdin.write(log[:head])
        proc.stdin.flush()
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: _gone(victim))
        # the rest, while the report is read: the reader stops reading when it meets the broken pool
        out, err = proc.communicate(log[head:], timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == exit_codes.WORKER_DIED, err
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("diagnose: error: a worker process reading the log died"), lines
    assert "the report holds the errors read before it" in lines[0]
    data = json.loads(out)
    assert data["errors"] > 0 and data["interrupted"] is False
    assert data["problem"].startswith("a worker process reading the log died")
    assert data["bytes"] < len(log)
    assert not [pid for pid in workers if _alive(pid)]


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_a_wording_wrapped_before_its_anchor_word_is_found_by_the_stream_too(chunk: int) -> None:
    # a wrap that leaves the anchor words on the continuation: a paste joins the two lines (unwrap), so
    # the stream takes the line above for the anchor (found by Hypothesis in the test above)
    text = (
        "INFO unrelated\n" * 30
        + "2026-11-30 13:20:02 WARNING <Dial> to +37120012345 failed: Dial: Forbidden\n phone number\n"
        + "INFO unrelated\n" * 30
    )
    expected = extract(text)
    assert [(e.code, e.to, e.line) for e in expected] == [(13225, "+37120012345", 31)]
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected
    blocks = text * 2  # and in a log read in blocks, the block edges are chosen around it
    assert list(scan(io.BytesIO(blocks.encode()), chunk_size=chunk)) == extract(blocks)
