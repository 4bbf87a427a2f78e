"""A CSV (or TSV) export of message or call logs: each failed row is one error, read by its header.

The Console's logs, the Twilio CLI or a script write a header of the Message or Call resource's fields and
a row per message. ``diagnose triage export.csv`` and ``diagnose - < export.csv`` said "no Twilio error
found": no parser reads values that have no key beside them. Now the first line, when it is such a header,
names each row's fields (the key table of a JSON body or a logfmt line), so a failed row is an error with
its To (never its From), account, SID, status, code and time, and a delivered row or one without a code is
none. Paste, a stream and triage's workers (which never see line 1: the header is handed to them) agree.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, extract_bytes, scan
from diagnose.paste._stream import BLOCK
from diagnose.paste._text import MAX_LINE
from tests.shared import scan_peaks, triage_in_a_process

EXPORTS = sorted((Path(__file__).parent / "data" / "exports").glob("*.csv"))
ACCOUNT = "AC" + "a" * 32
EXPORT = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit\n"
    "+15017122661,+2348031234567,Your code is 1234,failed,2026-11-30T10:15:02Z,2010-04-01,1,21408,"
    f"{ACCOUNT},SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01,outbound-api,,USD\n"
    "+15017122661,+33612345678,Hello,delivered,2026-11-30T10:15:03Z,2010-04-01,1,,"
    f"{ACCOUNT},SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02,outbound-api,-0.0790,USD\n"
)


def _read(text: str, chunks: tuple[int, ...] = (1 << 20, 97)) -> list:  # type: ignore[type-arg]
    """The errors of ``text`` as a paste reads them, once checked that a stream of its bytes (in big and in
    small reads, so that rows and quoted fields cross them) reads the same."""
    found = extract(text)
    for size in chunks:
        assert list(scan(io.BytesIO(text.encode()), chunk_size=size)) == found, size
    return found


def _fields(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(e.code, e.to, e.from_, e.account_sid, e.sid, e.status, e.timestamp) for e in found]


def test_the_reported_export_reads_its_failed_row() -> None:
    (error,) = _read(EXPORT)
    sid = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"
    assert _fields([error]) == [
        (21408, "+2348031234567", "+15017122661", ACCOUNT, sid, "failed", "2026-11-30T10:15:02Z")
    ]
    assert error.format == "csv-row" and error.country == "NG" and error.channel == "sms"
    assert error.line == 2 and error.excerpt == EXPORT.splitlines()[1]


def test_the_reported_export_in_triage_and_on_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT)
    for source in (str(path), "-"):
        doc = triage_in_a_process(path, source)
        assert doc["errors"] == 1, source
        (group,) = doc["groups"]
        assert (group["code"], group["country"], group["account_sid"], group["count"]) == (21408, "NG", ACCOUNT, 1)
        assert group["first_seen"].startswith("2026-11-30T10:15:02")


def test_a_compressed_export_and_excels_unicode_text(tmp_path: Path) -> None:
    """gzip'd, read by triage from the file and from a pipe; and Excel's "Unicode Text": UTF-16LE with a
    byte-order mark, its columns separated by tabs, its lines by CRLF."""
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(EXPORT.encode()))
    for source in (str(path), "-"):
        doc = triage_in_a_process(path, source)
        assert (doc["errors"], doc["groups"][0]["country"]) == (1, "NG"), source
    tsv = EXPORT.replace(",", "\t").replace("\n", "\r\n")
    data = b"\xff\xfe" + tsv.encode("utf-16-le")
    found = extract_bytes(data)
    assert [(e.code, e.to, e.line) for e in found] == [(21408, "+2348031234567", 2)]
    for size in (1 << 20, 33):
        assert list(scan(io.BytesIO(data), chunk_size=size)) == found


CALLS = (
    "Sid,DateCreated,DateUpdated,ParentCallSid,AccountSid,To,ToFormatted,From,FromFormatted,Status,StartTime,"
    "EndTime,Duration,Price,Direction,ErrorCode\n"
    f"CA{'b' * 31}1,2026-11-30T09:00:00Z,2026-11-30T09:00:01Z,,{ACCOUNT},+447400123456,07400 123456,"
    "+15017122661,(501) 712-2661,failed,,,0,,outbound-api,21215\n"
    f"CA{'b' * 31}2,2026-11-30T09:01:00Z,2026-11-30T09:05:00Z,,{ACCOUNT},+33612345678,06 12 34 56 78,"
    "+15017122661,(501) 712-2661,completed,2026-11-30T09:01:02Z,2026-11-30T09:05:00Z,238,-0.10,outbound-api,\n"
)


@pytest.mark.parametrize("sample", EXPORTS, ids=[s.name for s in EXPORTS])
def test_each_export_sample_reads_as_it_expects(sample: Path) -> None:
    """tests/data/exports: whole exports, each with the fields of its errors (as the paste corpus has them)."""
    expected = json.loads(sample.with_name(sample.stem + ".expected.json").read_text(encoding="utf-8"))
    found = _read(sample.read_text(encoding="utf-8"))
    assert len(found) == len(expected) > 0
    assert [{key: getattr(e, key) for key in row} for e, row in zip(found, expected, strict=True)] == expected


def test_a_calls_export() -> None:
    (error,) = _read(CALLS)
    assert _fields([error]) == [
        (21215, "+447400123456", "+15017122661", ACCOUNT, f"CA{'b' * 31}1", "failed", "2026-11-30T09:00:00Z")
    ]
    assert error.call_sid == f"CA{'b' * 31}1" and error.channel == "voice" and error.country == "GB"
    # a call's status as its resource writes it, whatever its letters
    (error,) = _read(f"To,Status,ErrorCode,Sid\n+33612345678,no-answer,21215,CA{'e' * 32}\n")
    assert (error.status, error.to, error.format) == ("no-answer", "+33612345678", "csv-row")


def test_a_monitor_alerts_export_opens_its_alert_text() -> None:
    """The Alert resource's fields: the AlertText column holds the form a Debugger webhook's Payload does."""
    text = (
        "Sid,AccountSid,ErrorCode,LogLevel,AlertText,DateCreated,ResourceSid\n"
        f'NO{"f" * 32},{ACCOUNT},21408,error,"Msg=Permission+to+send+an+SMS+has+not+been+enabled+for+the+region'
        f'+indicated+by+the+%27To%27+number&To=%2B2348031234567",2026-11-30T10:15:02Z,SM{"1" * 32}\n'
    )
    (error,) = _read(text)
    assert (error.code, error.to, error.message_sid, error.timestamp) == (
        21408,
        "+2348031234567",
        f"SM{'1' * 32}",
        "2026-11-30T10:15:02Z",
    )


def test_what_exports_do_to_a_row() -> None:
    """A quoted body with commas and a line break, a byte-order mark, CRLF, a header in other case and spacing,
    extra columns, and the header repeated below (two exports joined)."""
    header = '\ufeffDate Sent,"To Number", from ,Message Body,status,error_code,Account SID,Message SID,Extra\r\n'
    row1 = (
        '2026-11-30 10:15:02,+2348031234567,+15017122661,"Hi, your order ""42""\r\nships today",failed,21408,'
        f"{ACCOUNT},SM{'c' * 31}1,x\r\n"
    )
    row2 = f"2026-11-30 10:16:00,+33612345678,+15017122661,Hello,undelivered,30007,{ACCOUNT},SM{'c' * 31}2,y\r\n"
    text = header + row1 + header.lstrip("\ufeff") + row2
    found = _read(text, (1 << 20, 7, 64))
    assert _fields(found) == [
        (21408, "+2348031234567", "+15017122661", ACCOUNT, f"SM{'c' * 31}1", "failed", "2026-11-30 10:15:02"),
        (30007, "+33612345678", "+15017122661", ACCOUNT, f"SM{'c' * 31}2", "undelivered", "2026-11-30 10:16:00"),
    ]
    assert [e.line for e in found] == [2, 5]
    assert found[0].excerpt == row1.replace("\r\n", "\n").rstrip("\n")  # the row as written, its lines joined


def test_another_header_below_changes_the_columns() -> None:
    second = f"ErrorCode,Status,To,From,Sid\n30003,failed,+5511987654321,+15017122661,SM{'d' * 32}\n"
    found = _read(EXPORT + second)
    assert [(e.code, e.to, e.from_, e.line) for e in found] == [
        (21408, "+2348031234567", "+15017122661", 2),
        (30003, "+5511987654321", "+15017122661", 5),
    ]


def test_a_line_that_is_no_row_is_read_as_a_log_line() -> None:
    text = EXPORT + "\n2026-11-30T11:00:00Z ERROR sms failed code=21610 to=+14155550123\n"
    found = _read(text)
    assert [(e.code, e.to, e.format) for e in found] == [
        (21408, "+2348031234567", "csv-row"),
        (21610, "+14155550123", "log-line"),
    ]


def test_a_line_longer_than_a_stream_holds_is_read_alike() -> None:
    text = EXPORT + "x" * (4 * MAX_LINE + 5000) + " code=21408 to=+33612345678\n" + EXPORT.splitlines()[1] + "\n"
    found = _read(text, (1 << 20, 4096))
    assert [(e.code, e.line) for e in found] == [(21408, 2), (21408, 5)]


def test_memory_stays_flat_whatever_the_size_of_an_export() -> None:
    header, failed, delivered = EXPORT.splitlines(keepends=True)
    rows = failed + delivered * 200

    def export(mb: int) -> io.BytesIO:
        return io.BytesIO((header + rows * (mb * 1_000_000 // len(rows) + 1)).encode())

    peaks = scan_peaks(export(mb) for mb in (1, 2, 8))  # the first loads the knowledge and the wording table
    assert peaks[2] < 1.5 * peaks[1], peaks
    # a line of megabytes with no break in it is never held whole (its first 32 KB are)
    (peak,) = scan_peaks([io.BytesIO((EXPORT + "x" * 12_000_000 + "\n" + failed).encode())])
    assert peak < 8 << 20, peak


# --------------------------------------------------------------------------- decoys


def test_a_csv_without_a_twilio_header_is_no_error() -> None:
    assert _read("id,name,phone,amount\n21408,Ada,+33612345678,12\n21408,Bob,+2348031234567,3\n") == []
    # a code and a phone column name no Twilio resource either
    assert _read("code,phone,city\n21408,+33612345678,Paris\n") == []


def test_a_header_of_numbers_labelled_otherwise() -> None:
    """To Number and From Number (the key table's other labels of a To and a From) and a code make a header."""
    (error,) = _read("Error Code,To Number,From Number\n21408,+2348031234567,+15017122661\n")
    assert (error.code, error.to, error.from_) == (21408, "+2348031234567", "+15017122661")


def test_a_headerless_export_is_no_error() -> None:
    assert _read("".join(EXPORT.splitlines(keepends=True)[1:])) == []
    assert _read("".join(CALLS.splitlines(keepends=True)[1:])) == []


# --------------------------------------------------------------------------- any export's shape

# (the key of the column in the row dicts below, its spellings)
COLUMNS = {
    "to": ["To", "to", "TO", "To Number", "to_number"],
    "from": ["From", "from", "From Number"],
    "status": ["Status", "status", "STATUS"],
    "code": ["ErrorCode", "Error Code", "error_code", "errorCode", "ERROR_CODE"],
    "account": ["AccountSid", "Account SID", "account_sid"],
    "sid": ["Sid", "SID", "sid", "Message SID"],
    "time": ["DateSent", "SentDate", "Date Sent", "date_created", "DateUpdated"],
    "body": ["Body", "body"],
}
EXTRA = ["ApiVersion", "NumSegments", "Price", "PriceUnit", "Direction", "MessagingServiceSid", "Uri", "NumMedia"]
TARGETS = ["+2348031234567", "+33612345678", "+447400123456", "+5511987654321", "+12125550143"]
BODIES = ["Hello", "Hi, there", 'He said "hi"', "two\nlines", "", "tab\there", "semi;colon", "21408"]


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, list[tuple[object, ...]]]:
    """A CSV export in any column order, spelling, quoting and delimiter, with extra columns, and the
    fields of the errors its rows are."""
    keys = draw(st.permutations([*COLUMNS]))
    extra = draw(st.lists(st.sampled_from(EXTRA), unique=True, max_size=3))
    names = [draw(st.sampled_from(COLUMNS[k])) for k in keys]
    order = draw(st.permutations([*zip(keys, names, strict=True), *((None, e) for e in extra)]))
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["failed", "undelivered", "delivered", "sent", "failed-no-code"]),
                st.sampled_from(TARGETS),
                st.sampled_from([21408, 30007, 21610, 30003]),
                st.sampled_from(BODIES),
                st.integers(0, 59),
            ),
            max_size=12,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow([name for _, name in order])
    expected = []
    for n, (status, to, code, body, second) in enumerate(rows):
        sid = f"SM{n:032x}"
        failed = status in ("failed", "undelivered")
        values = {
            "to": to,
            "from": "+15017122661",
            "status": "failed" if status == "failed-no-code" else status,
            "code": str(code) if failed else "",
            "account": ACCOUNT,
            "sid": sid,
            "time": f"2026-11-30T10:15:{second:02d}Z",
            "body": body,
        }
        writer.writerow([values[k] if k else "1" for k, _ in order])
        if failed:
            expected.append((code, to, "+15017122661", ACCOUNT, sid, status, values["time"]))
    return bom + out.getvalue(), expected


@settings(max_examples=120, deadline=None)
@given(exports())
def test_any_export_reads_its_failed_rows_and_no_other(export: tuple[str, list[tuple[object, ...]]]) -> None:
    text, expected = export
    found = _read(text, (1 << 20, 61))
    assert _fields(found) == expected
    assert all(e.format == "csv-row" for e in found)


# --------------------------------------------------------------------------- a big export, read by workers


def _big_export(path: Path) -> dict[str, int]:
    """An export of more than three worker blocks, with quoted bodies holding line breaks and commas, and,
    past the middle, another export of other columns joined (its header then changes the columns): the count
    of failed rows by country. Blocks are cut in both (at a line start in CRLF too)."""
    rng = random.Random(7)
    countries = {"+2348031234567": "NG", "+33612345678": "FR", "+447400123456": "GB"}
    counts: dict[str, int] = {}
    first = EXPORT.splitlines(keepends=True)[0]
    second = "Sid,ErrorCode,Status,AccountSid,From,To,Body,DateCreated\r\n"  # written by another tool: CRLF
    with path.open("w", newline="") as out:
        out.write(first)
        n = 0
        while out.tell() < 3.5 * BLOCK:
            if out.tell() > 1.5 * BLOCK and first:
                out.write(second)
                first = ""
            to = rng.choice([*countries])
            failed = rng.random() < 0.02
            body = rng.choice(['"Hello,\nworld"', "Hi", '"a ""quoted""\n\nbody"'])
            code = "21408" if failed else ""
            sid = f"SM{n:032x}"
            status = "failed" if failed else "delivered"
            if first:
                row = f"+15017122661,{to},{body},{status},2026-11-30T10:15:02Z,2010-04-01,1,{code},{ACCOUNT},{sid},o,,"
            else:
                row = f"{sid},{code},{status},{ACCOUNT},+15017122661,{to},{body},2026-11-30T10:15:02Z"
            out.write(row + ("\n" if first else "\r\n"))
            if failed:
                counts[countries[to]] = counts.get(countries[to], 0) + 1
            n += 1
    return counts


def test_a_big_export_split_across_worker_blocks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    counts = _big_export(path)
    found = extract(path.read_text())
    with path.open("rb") as handle:  # in blocks of workers, each error on its line
        assert list(scan(handle, workers=3)) == found
    by_country: dict[str, int] = {}
    for e in found:
        by_country[e.country] = by_country.get(e.country, 0) + 1
    assert by_country == counts and all(e.from_ == "+15017122661" for e in found)
    for source in (str(path), "-"):
        doc = triage_in_a_process(path, source)
        assert doc["errors"] == sum(counts.values()), source
        assert {g["country"]: g["count"] for g in doc["groups"]} == counts, source


CELLS = st.text(max_size=12) | st.sampled_from(['"', '""', '"a,b"', "21408", "+33612345678", "failed", "\r\n", "\x0b"])


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([EXPORT.splitlines()[0], CALLS.splitlines()[0], "To\tStatus\tError Code"]),
    st.lists(st.lists(CELLS, max_size=16), max_size=8),
    st.sampled_from([1, 7, 64, 1 << 20]),
)
def test_any_rows_read_alike_by_a_paste_and_a_stream(header: str, rows: list[list[str]], chunk: int) -> None:
    """Whatever the rows hold (stray quotes, line breaks of every kind, too few or too many cells), a paste and
    a stream read in reads of any size find the same errors, and neither raises."""
    delimiter = "\t" if "\t" in header else ","
    text = header + "\n" + "".join(delimiter.join(row) + "\n" for row in rows)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == extract(text)
