"""CSV and TSV exports of message and call logs: each row read by its header as the fields it names.

A support engineer downloads the Console's message or call logs, or writes them with the Twilio CLI or a
script: one line of column names (Twilio's Message and Call resources' fields, in any case, spacing, order,
``ErrorCode`` or ``error_code`` or ``Error Code``), then a row per message. No parser of :mod:`._parse` reads
such a row: its values have no keys beside them. When the text opens with such a header (:func:`read_header`:
its first line, or one below blank lines and a title, :func:`find_header`), every row is read as the
``key=value`` pairs its header names, by the same key table and the same field reader as a JSON body or a
logfmt line (:data:`._parse._KEYS`, :func:`._parse.read_pairs`), and is one error when its code column holds a
code and its status is not one of a message that did not fail. The excerpt is the row as written. Lines that
are no row (no header's width) are read as a paste reads any text, a run at a time
(:func:`._extract.extract_run`); a row is never read as a log line (a status ``failed`` beside a code column
would read as "failed,21408").

Rows end where the CSV says: a quoted field may hold line breaks, for at most :data:`MAX_ROW_LINES` lines (a
quote never closed: the line alone). A header repeated further down (exports joined with ``cat``) is skipped,
and another header changes the columns from there. The stream reader (:mod:`._stream`) reads the first lines
once and hands the header to every worker; both read rows with :func:`read_lines`, so a paste and a log agree.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..models import Evidence
from ._extract import _NOT_FAILED, Record, extract_run, to_evidence
from ._labels import SUFFIX_ENDS, suffix_role
from ._parse import _KEYS, Hit, number_in_message, opened, read_pairs
from ._rx import rx
from ._text import MAX_LINE, clean, decode_utf8
from ._wording import WordingTable, default_table

MAX_ROW_LINES = 32  # lines one row may span (line breaks inside quoted fields)
MAX_RUN = 1024  # lines that are no row, read together at most (a run longer than this is read in parts)
LONG_LINE = 4 * MAX_LINE  # bytes: a longer line is read in its first LONG_LINE bytes (no stream holds it whole)
_MAX_HEADER = 4096  # characters a header line holds at most

# The column whose time is the error's, the first of these a header has: the times of the Message and Call
# resources (date_sent, date_created, start_time…), which in a JSON body are no error's time, so the key table
# (which reads those too) does not hold them
_TIME_COLUMNS = ("datesent", "sentdate", "timestamp", "datecreated", "createdat", "starttime", "dateupdated")
# Keys that name a Twilio resource's fields: a header needs a code column and two of these (an export of
# customers with a "code" and a "phone" column is none; "To Number" and "From Number" are a To's and a From's
# other labels, to_other and from_other)
_RESOURCE_KEYS = frozenset(
    (
        "to",
        "to_other",
        "from",
        "from_other",
        "status",
        "resource_status",
        "sid",
        "message_sid",
        "call_sid",
        "account_sid",
    )
)
_NAME = rx(r"[A-Za-z][A-Za-z0-9 _.-]{0,39}")
_DELIMITERS = (",", "\t", ";")


@dataclass(frozen=True)
class Header:
    """A CSV export's header: its delimiter, the key each column names (None: a column read as nothing), and
    the line as written (a line equal to it is the header repeated)."""

    delimiter: str
    keys: tuple[str | None, ...]
    raw: str
    width: int = field(init=False, compare=False)  # read for every row: kept, not counted each time
    code_at: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", len(self.keys))
        object.__setattr__(self, "code_at", self.keys.index("code"))


def _norm(name: str) -> str:
    return name.replace("_", "").replace(" ", "").replace("-", "").replace(".", "").lower()


def _cells(text: str, delimiter: str) -> list[str] | None:
    if '"' not in text:
        return text.split(delimiter)  # no quotes: the csv module's cells, less the spaces it skips (cells are stripped)
    try:
        return next(csv.reader([text], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:  # a NUL, a field over the csv module's limit
        return None


def read_header(line: str) -> Header | None:
    """The header ``line`` is, or None: columns separated by commas, tabs or semicolons, each a short name,
    one of them a code column and two naming a Twilio resource's fields (To, From, Status, a SID)."""
    text = clean(line.lstrip("\ufeff")).strip()
    if len(text) > _MAX_HEADER or not any(d in text for d in _DELIMITERS):
        return None
    for delimiter in _DELIMITERS:
        if delimiter not in text:
            continue
        cells = _cells(text, delimiter)
        if cells is None or len(cells) < 3:
            continue
        names = [cell.strip() for cell in cells]
        if not all(name == "" or _NAME.fullmatch(name) for name in names):
            continue  # a header names its columns: a row of values is none
        if any(_sentence(name) for name in names):
            continue  # nor is a log line whose words happen to be parted by commas ("WARN missing to, from, …")
        header = _header_of(names, delimiter, text)
        if header is not None:
            return header
    return None


def _sentence(name: str) -> bool:
    """Whether a cell that names no field is words of a sentence: more than three, or a log level and two more
    ("ERROR sms to", "warn missing fields to"; "Error Code" and "Error Description" name columns)."""
    words = name.split()
    if len(words) < 3 or _KEYS.get(_norm(name)) is not None:
        return False
    if words[0].lower().strip("[]:") in _LEVELS:
        return True  # "WARN missing customer phone": a log's words, though they end as a column's name
    # a person's phone named in words, "End User Phone Number", is a column's name
    return len(words) > 3 and (len(words) > 4 or _column_key(name) is None)


_LEVELS = frozenset(("trace", "debug", "info", "notice", "warn", "warning", "error", "err", "fatal", "critical"))
HEAD_LINES = 8  # lines a header may stand below: blank ones, a byte-order mark alone, and one title
_ABOVE = 200  # characters of a line above the header at most (a blank line, a title)


def find_header(lines: Sequence[str]) -> Header | None:
    """The header of an export that opens with ``lines`` (its first lines, or more), or None: the first line
    that is one (:func:`read_header`), below nothing but blank lines (a byte-order mark alone on one too: files
    joined) and at most one title ("Message logs, 30 Nov 2026"), among the first :data:`HEAD_LINES`. A title is
    no row of the header (it has fewer cells) and a line of a log is no header (its cells are no column names).
    Each line above is at most :data:`_ABOVE` characters: a log's reader finds the header in its first bytes."""
    title: str | None = None
    for line in lines[:HEAD_LINES]:
        if len(line) > _MAX_HEADER + _ABOVE:
            return None
        text = clean(line).replace("\ufeff", "").strip()
        if any(d in text for d in _DELIMITERS):
            header = read_header(line)
            if header is not None:
                if title is not None and row_width(title, header.delimiter) >= header.width:
                    return None  # a row above it: no title, and no export that opens with its header
                return header
        if len(line) > _ABOVE or (text and title is not None):
            return None  # a long line, or a second line of text: a log's, not an export's title
        if text:
            title = text
    return None


def _column_key(name: str) -> str | None:
    """The key a column's name (as written) names: the key table's (:data:`._parse._KEYS`), else a person's phone
    by its last word after a stem of its own (``customer_phone``, ``User Mobile``, ``contact_number``: a number,
    not surely the To, :func:`._labels.suffix_role`), never a sender's (``twilio_number``, ``from_mobile``)."""
    normed = _norm(name)
    found = _KEYS.get(normed)
    if found is None and normed.endswith(SUFFIX_ENDS):
        found = suffix_role(name)
    return found


def _header_of(written: list[str], delimiter: str, raw: str) -> Header | None:
    keys: list[str | None] = []
    seen: set[str] = set()
    names = [_norm(name) for name in written]
    time = next((name for name in _TIME_COLUMNS if name in names), None)
    for name, as_written in zip(names, written, strict=True):
        key = "time" if name == time else _column_key(as_written)
        if key == "status":
            key = "resource_status"  # an export's Status is the resource's, "no-answer" and "in-progress" too
        if key == "time" and name != time:
            key = None  # one time per row: the column _TIME_COLUMNS prefers
        if key in seen:
            key = None  # a key named twice (ErrorCode and Code): the first column's is the row's
        if key is not None:
            seen.add(key)
        keys.append(key)
    if "code" not in seen or len(seen & _RESOURCE_KEYS) < 2:
        return None
    return Header(delimiter, tuple(keys), raw)


def row_cells(text: str, header: Header) -> list[str] | None:
    """The cells of a row (its lines joined by "\\n") when it has the header's width (empty cells past it
    allowed, as a trailing delimiter makes), else None."""
    cells = _cells(text, header.delimiter)
    if cells is None:
        return None
    while len(cells) > header.width and not cells[-1].strip():
        cells.pop()
    return cells if len(cells) == header.width else None


def row_width(text: str, delimiter: str) -> int:
    """The cells of a line, -1 when the csv module cannot read it."""
    cells = _cells(text, delimiter)
    return -1 if cells is None else len(cells)


def bounded(line: str) -> str:
    """``line`` as a reader of the stream holds it: its first :data:`LONG_LINE` bytes in UTF-8, cut between two
    characters (so that cutting again changes nothing)."""
    if len(line) <= LONG_LINE // 4:
        return line
    try:
        data = line.encode("utf-8", "surrogateescape")  # a command line's undecodable bytes, as they were
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        data = line.encode("utf-8", "replace")
    return decode_utf8(cut_bytes(data)) if len(data) > LONG_LINE else line


def cut_bytes(data: bytes) -> bytes:
    """The first :data:`LONG_LINE` bytes of a line, less the start of a character the cut splits."""
    if len(data) <= LONG_LINE:
        return data
    end = LONG_LINE
    while end > LONG_LINE - 4 and data[end] & 0xC0 == 0x80:
        end -= 1  # data[end] continues the character before it
    return data[:end]


def row_evidence(
    cells: Sequence[str], header: Header, lines: Sequence[str], number: int, table: WordingTable
) -> Evidence | None:
    """The error of one row (``lines``: its lines as written, the first being line ``number`` of the text,
    0-based), or None: no code in its code column, or the status of a message or call that did not fail."""
    if not cells[header.code_at].strip():
        return None  # most rows of an export: a message that did not fail
    hits = read_pairs(_pairs(cells, header), number)
    hit: Hit | None = next((h for h in hits if h.code is not None), None)
    if hit is None or hit.status in _NOT_FAILED:
        return None
    hit.format = "csv-row"
    hit.excerpt = "\n".join(lines)
    if hit.to is None and hit.message:
        hit.to = number_in_message(hit.message)
    return to_evidence(Record([hit], number, number + len(lines) - 1), lines, table, base=number)


def _pairs(cells: Sequence[str], header: Header) -> Iterator[tuple[str, str]]:
    for key, cell in zip(header.keys, cells, strict=True):
        value = cell.strip()
        if key is not None and value:
            yield from opened(key, value)


def read_lines(
    lines: Sequence[str],
    header: Header,
    table: WordingTable | None = None,
    *,
    base: int = 0,
    final: bool = True,
) -> tuple[list[Evidence], int, Header]:
    """The errors of the lines of a CSV export (as decoded, not cleaned; ``base``: the 0-based number of the
    first), the number of lines read, and the header in force after them. Not ``final``: the lines end before
    the text does, and the rows and the run of other lines that may go on below are left unread (fewer lines
    read), for the caller to hand over again with what follows."""
    table = table or default_table()
    out: list[Evidence] = []
    n = len(lines)
    texts = [clean(bounded(line)) for line in lines]
    run: int | None = None  # where the run of lines that are no row started

    def read_run(end: int) -> None:
        nonlocal run
        if run is not None and any(text.strip() for text in texts[run:end]):
            out.extend(extract_run([bounded(line) for line in lines[run:end]], base=base + run, table=table))
        run = None

    i = 0
    while i < n:
        if run is not None and i - run >= MAX_RUN:
            read_run(i)
        text = texts[i]
        if header.raw in text and text.lstrip("\ufeff").strip() == header.raw:
            read_run(i)  # the header repeated (exports joined)
            i += 1
            continue
        j, quotes = i, text.count('"')
        while quotes % 2 and j + 1 < n and j + 1 - i < MAX_ROW_LINES:
            j += 1
            quotes += texts[j].count('"')
        if quotes % 2:
            if not final and j + 1 == n and j + 1 - i < MAX_ROW_LINES:
                break  # the row may close below: read with the next lines
            j = i  # a quote never closed: the line alone
        row = "\n".join(texts[i : j + 1])
        cells = row_cells(row, header)
        if j == i and (cells is None or not _code_like(cells[header.code_at])):
            other = read_header(text)
            if other is not None:  # another export's header: its columns from here
                read_run(i)
                header = other
                i += 1
                continue
        if cells is None:
            run = i if run is None else run
            i += 1
            continue
        read_run(i)
        if cells[header.code_at].strip():  # most rows of an export have no code: a message that did not fail
            found = row_evidence(cells, header, texts[i : j + 1], base + i, table)
            if found is not None:
                out.append(found)
        i = j + 1
    if final:
        read_run(n)
        return out, n, header
    # rows read up to i; a run still open may go on below (unless it is as long as a run gets)
    used = i if run is None else run
    return out, used, header


def _code_like(cell: str) -> bool:
    value = cell.strip()
    return not value or value.isdigit()
