"""A CSV/TSV export whose header is not its first line: blank lines above it, a line holding only a byte-order
mark (files joined), or a title a person pasted above the export ("Message logs, 30 Nov 2026"). Its rows were
read as a log's lines ("no Twilio error found"): the header was looked for on line 1 only. Now it is looked for
among the first lines (blank ones, marks alone and one title above it, :func:`diagnose.paste._csv.find_header`),
by a paste and by triage alike; a log line with commas is never taken for one (it names no columns)."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._csv import find_header
from diagnose.paste._extract import extract_run
from tests.shared import triage_in_a_process
from tests.test_paste_csv_export import ACCOUNT
from tests.test_paste_csv_export import EXPORT as CSV_EXPORT

# the export test_paste_csv_export reads from line 1, and one more failed row
EXPORT = (
    CSV_EXPORT + "+15017122661,+4915123456789,Hi,undelivered,2026-11-30T10:15:04Z,2010-04-01,1,30008,"
    f"{ACCOUNT},SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03,outbound-api,,USD\n"
)


def _read(text: str, chunks: tuple[int, ...] = (1 << 20, 97, 5)) -> list:  # type: ignore[type-arg]
    found = extract(text)
    for size in chunks:
        assert list(scan(io.BytesIO(text.encode()), chunk_size=size)) == found, size
    return found


def _rows(found: list, shift: int = 0) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(e.format, e.code, e.to, e.account_sid, e.sid, e.timestamp, e.line - shift) for e in found]


EXPECTED = _rows(extract(EXPORT))


def test_the_export_alone_reads_its_failed_rows() -> None:
    assert [row[:3] for row in EXPECTED] == [("csv-row", 21408, "+2348031234567"), ("csv-row", 30008, "+4915123456789")]


def test_a_header_below_blank_lines_a_mark_or_a_title() -> None:
    for above in ("\n", "\n\n\n", "  \n\t\n", "\ufeff\n", "Message logs, 30 Nov 2026\n", "Twilio export\n\n"):
        found = _read(above + EXPORT)  # failed before: no error (the rows read as a log's lines)
        assert _rows(found, above.count("\n")) == EXPECTED, repr(above)


def test_a_header_below_a_title_in_triage(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Message logs, 30 Nov 2026\r\n\r\n" + EXPORT.replace("\n", "\r\n"))
    for source in (str(path), "-"):
        doc = triage_in_a_process(path, source)
        assert doc["errors"] == 2, source
        assert sorted(g["code"] for g in doc["groups"]) == [21408, 30008]


TITLES = st.sampled_from(
    ["Message logs", "Twilio - Messages export (30 Nov 2026)", "Calls, last 7 days", "export.csv", "# messages"]
)
BLANKS = st.lists(st.sampled_from(["", " ", "\t", "\ufeff", "  \t"]), max_size=3)


@settings(max_examples=150, deadline=None)
@given(BLANKS, st.one_of(st.none(), TITLES), BLANKS, st.sampled_from([",", "\t", ";"]), st.booleans())
def test_any_export_with_lines_above_its_header(
    before: list[str], title: str | None, after: list[str], delimiter: str, crlf: bool
) -> None:
    above = [*before, *([title] if title is not None else []), *after]
    export = EXPORT.replace(",", delimiter)
    newline = "\r\n" if crlf else "\n"
    text = newline.join([*above, *export.splitlines()]) + newline
    assert _rows(_read(text), len(above)) == EXPECTED


# what no header is: two lines above it, a row above it, or a log whose lines hold commas
NOT_ABOVE = st.sampled_from(
    [
        ["Message logs", "exported by ops"],  # two lines of text: a log's, not an export's title
        ["+15017122661,+2348031234567,Hi,failed,2026-11-30T10:15:02Z,2010-04-01,1,21408,x,y,z,,USD"],  # a row
    ]
)


@settings(max_examples=50, deadline=None)
@given(NOT_ABOVE, st.booleans())
def test_a_header_too_far_down_is_read_as_text(above: list[str], crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    text = newline.join([*above, *EXPORT.splitlines()]) + newline
    assert all(e.format != "csv-row" for e in _read(text))


WORDS = st.sampled_from(
    [
        *("to", "from", "status", "error code", "To", "From", "ErrorCode", "sid", "code", "Sid"),
        *("customer phone", "user_mobile"),  # a person's phone names a column (_labels.suffix_role)
    ]
)
LOG = st.builds(
    lambda stamp, level, verb, words: f"{stamp}{level} {verb} " + ", ".join(words),
    st.sampled_from(["2026-11-30 10:00:00,120 ", "2026-11-30T10:00:00Z ", "Nov 30 10:00:00 web01 app[1]: ", ""]),
    st.sampled_from(["ERROR", "WARN", "INFO", "[error]", "error", "Warning"]),
    st.sampled_from(["sms failed:", "missing", "sms failed", "retrying sms with fields", "bad"]),
    st.lists(WORDS, min_size=3, max_size=6),
)


def test_a_log_line_of_column_names_is_no_header() -> None:
    # words parted by commas, every one a name: a log's line, on line 1 as below a blank one (failed before)
    for line in (
        "WARN missing fields to, from, status, errorcode",
        "error missing to, from, status, code",
        "WARN missing customer phone, status, code, sid",  # a person's phone names a column, a level no more
    ):
        for above in ("", "\n"):
            text = above + line + "\n+15017122661, +33612345678, failed, 21408\n"
            assert all(e.format != "csv-row" for e in _read(text)), line


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["", " "]), max_size=2), st.lists(LOG, min_size=1, max_size=6))
def test_a_log_line_with_commas_is_never_a_header(blanks: list[str], logs: list[str]) -> None:
    rows = ["+15017122661,+33612345678,failed,21408,SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"]
    text = "\n".join([*blanks, *logs, *rows]) + "\n"
    found = _read(text)
    assert all(e.format != "csv-row" for e in found)
    assert found == extract_run(text.splitlines())  # read as any text is


def test_a_log_line_naming_a_persons_phone_is_no_header() -> None:
    # "customer phone" names a column (a person's phone, _labels.suffix_role), but after a log's level the cell is a
    # sentence's words: no header, and the row below is no row of it
    line = "WARN missing customer phone, status, code, sid"
    assert find_header([line]) is None
    text = line + "\n+33612345678, failed, 21408, SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01\n"
    assert all(e.format != "csv-row" for e in _read(text))
    # a column so named, four words and no level, is one
    assert find_header(["Sid,Status,End User Phone Number,ErrorCode"]) is not None
