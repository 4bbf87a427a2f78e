"""Logs of any size: Twilio errors read from a byte stream in bounded memory.

The stream is read in large chunks. A byte-level pre-filter (one regular
expression over the whole chunk, in C) finds the few lines that can hold part
of an error; only windows of lines around them are decoded and parsed, with
the same parsers as a paste (:func:`._extract.extract_lines`), so a log and a
paste of the same text give the same errors. The last lines of each chunk are
carried into the next, so an error split by a chunk boundary is read whole;
memory stays at a few chunks whatever the size of the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from ..models import Evidence
from ._extract import AFTER, BEFORE, extract_lines, unwrap
from ._rx import rxb
from ._text import MAX_LINE, bounded_lines, clean, decode
from ._wording import WordingTable, default_table

CHUNK = 8 * 1024 * 1024
CARRY = 48  # lines carried into the next chunk: longer than any record
# The same words as _extract._ANCHOR, on bytes; wordings without one of these words are only found on
# lines that carry one (tests/test_paste_stream.py checks every built-in wording has one).
ANCHOR_BYTES = rxb(rb"(?i)error|exception|code|twilio|permi|authorized|failed|undelivered|payload|http/")
_LONG = 4 * MAX_LINE  # a line longer than this is cut where it stands: no window reads more around an anchor


def scan(
    stream: BinaryIO,
    *,
    chunk_size: int = CHUNK,
    table: WordingTable | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Evidence]:
    """Every Twilio error in ``stream``, in order. Memory is bounded by ``chunk_size``."""
    table = table or default_table()
    carried = b""  # the last CARRY lines of the previous chunk (already counted in first_line)
    first_line = 0  # absolute line number of the first line of ``carried + body``
    emitted_upto = 0  # records starting before this line were already emitted
    while True:
        data = stream.read(chunk_size)
        last = not data
        if progress is not None and data:
            progress(len(data))
        buffer = carried + data
        if not last:
            cut = buffer.rfind(b"\n")
            if cut < 0 or len(buffer) - cut > _LONG:
                cut = len(buffer) - 1  # one very long line: cut it where it stands
            body, rest = buffer[: cut + 1], buffer[cut + 1 :]
        else:
            body, rest = buffer, b""
        # The lines of body that the next round will carry, and so own.
        keep_from = len(body)
        if not last:
            for _ in range(CARRY):
                prev = body.rfind(b"\n", 0, keep_from - 1)
                if prev < 0:
                    keep_from = 0
                    break
                keep_from = prev + 1
        limit_line = first_line + body.count(b"\n", 0, keep_from)
        for evidence in _scan_body(body, first_line, table):
            line = (evidence.line or 1) - 1
            if emitted_upto <= line and (last or line < limit_line):
                yield evidence
        if last:
            return
        emitted_upto = limit_line
        carried = body[keep_from:] + rest
        first_line = limit_line
        if len(carried) > chunk_size + _LONG:  # a pathological run of long lines: drop the oldest
            carried = carried[-chunk_size:]


def _scan_body(body: bytes, first_line: int, table: WordingTable) -> Iterator[Evidence]:
    """Errors in one chunk: windows of lines around pre-filter matches, parsed as a paste."""
    windows: list[list[int]] = []  # [start offset, end offset, first line number]
    line_no = first_line
    counted_to = 0
    for match in ANCHOR_BYTES.finditer(body):
        pos = match.start()
        if windows and pos < windows[-1][1]:
            continue  # inside the window already open
        line_no += body.count(b"\n", counted_to, pos)
        counted_to = pos
        start = pos
        before = 0
        while before <= BEFORE:
            prev = body.rfind(b"\n", max(0, start - _LONG), start)
            if prev < 0:
                start = max(0, start - _LONG) if start - _LONG > 0 else 0
                break
            start = prev
            before += 1
        if before > BEFORE:
            start += 1
        elif start > 0 and body[start - 1 : start] != b"\n":
            start = max(0, pos - MAX_LINE)
        end = pos
        for _ in range(AFTER + 1):
            nxt = body.find(b"\n", end + 1, end + 1 + _LONG)
            if nxt < 0:
                end = min(len(body), end + _LONG)
                break
            end = nxt
        start_line = line_no - body.count(b"\n", start, pos)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end, start_line])
    for start, end, start_line in windows:
        text = decode(body[start:end])
        lines = unwrap([clean(line) for line in bounded_lines(text)])
        yield from extract_lines(lines, base=start_line, table=table)


def scan_bytes(data: bytes, **kwargs: object) -> list[Evidence]:
    import io

    return list(scan(io.BytesIO(data), **kwargs))  # type: ignore[arg-type]
