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

import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import BinaryIO

from ..models import Evidence
from ._extract import (
    AFTER,
    BEFORE,
    MERGE_DISTANCE,
    extract_lines,
    hits_of,
    is_anchor,
    is_complete,
    known_code_of,
    line_evidence,
    unwrap,
)
from ._rx import rx, rxb
from ._text import MAX_LINE, bounded_lines, clean, decode, timestamp
from ._wording import WordingTable, default_table

CHUNK = 8 * 1024 * 1024
CARRY = 48  # lines carried into the next chunk: longer than any record
# What every line _extract.is_anchor accepts holds, at the byte level and in lower case (a superset:
# "wilio" also finds "wilion"; is_anchor sorts them out). One pass each over the lower-cased chunk:
# a pattern that starts with a literal runs in C at memory speed (faster than bytes.find here, and
# faster still from a rare letter), while an alternation of them would lose that literal search.
# Weak words count only with what _extract._WEAK needs right after them (error 21408, HTTP 400), so
# ERROR lines of other software pass by; "rr" also stands for apierror, resterror and errors/.
PREFILTER = (
    rxb(rb"code"),
    rxb(rb"w(?:ilio|ed to call)"),  # "allowed to call": 21216's API message holds no other anchor
    rxb(rb"xception"),
    rxb(rb"p(?:ermi|ayload|hone number)"),  # "forbidden phone number": 13225's older wording
    rxb(rb"horiz"),
    # {1,16} bytes: is_anchor allows 1-4 characters there, and a character is up to 4 bytes in UTF-8
    rxb(rb"rr(?:or(?:s/|(?<=apierror)|(?<=resterror)|[^a-z0-9\n]{1,16}[0-9])|[^a-z0-9\n]{1,16}[0-9])"),
    rxb(rb"fail[^\n]{0,20}[0-9]"),  # "failure" + 4 characters of up to 4 bytes
    rxb(rb"http/?[0-9. ]{0,4}[45][0-9][0-9]"),
)
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
    cache = _LineCache(known_code_of(table), table)
    carried = b""  # the last CARRY lines of the previous chunk (already counted in first_line)
    first_line = 0  # absolute line number of the first line of ``carried + body``
    emitted_upto = 0  # records starting before this line were already emitted
    while True:
        data = stream.read(chunk_size)
        last = not data
        if progress is not None and data:
            progress(len(data))
        cut = data.rfind(b"\n")
        if not last and cut >= 0 and len(data) - (cut + 1) <= _LONG:
            # the common case, in one copy: slicing carried + data would copy the chunk twice (6 ms)
            body, rest = b"".join((carried, memoryview(data)[: cut + 1])), data[cut + 1 :]
        elif not last:
            buffer = carried + data
            cut = buffer.rfind(b"\n")
            if len(buffer) - (cut + 1) > _LONG:
                # A line longer than _LONG is broken here, as if it held a newline (it counts one more
                # line); an error across the break may be missed, nothing else is.
                at = len(buffer) - min(len(buffer) // 2, 1024)
                body, rest = buffer[:at] + b"\n", buffer[at:]
            else:
                body, rest = buffer[: cut + 1], buffer[cut + 1 :]
        else:
            body, rest = carried, b""
        # The lines of body that the next round will carry, and so own.
        keep_from = len(body)
        if not last:
            for _ in range(CARRY):
                prev = body.rfind(b"\n", 0, keep_from - 1)
                if prev < 0:
                    keep_from = 0
                    break
                keep_from = prev + 1
            if len(body) - keep_from > 2 * _LONG:
                keep_from = len(body)  # long lines are not carried: this round reads and owns them
        # The line number of keep_from is counted from where _scan_body's own counting has reached
        # (``at``: an offset and its line), so the chunk's newlines are counted once, not twice.
        at = [0, first_line]
        limit_line: int | None = None
        for evidence in _scan_body(body, first_line, table, cache, at):
            line = (evidence.line or 1) - 1
            if line < emitted_upto:
                continue
            # a long line's pieces count as lines of their own: when this round owns all, it emits all
            if last or keep_from == len(body) or (at[0] < keep_from and line <= at[1]):
                yield evidence
                continue
            if limit_line is None:
                limit_line = _line_at(body, keep_from, at)
            if line < limit_line:
                yield evidence
        if last:
            return
        if limit_line is None:
            limit_line = _line_at(body, keep_from, at)
        emitted_upto = limit_line
        # The next round also re-reads BEFORE lines above the ones it owns: the second line of an
        # error that starts above them (a Ruby error's message line) is then read as part of that
        # error, which this round emitted, not as an error of its own.
        ctx_from = keep_from
        for _ in range(BEFORE if keep_from < len(body) else 0):  # long lines are not re-read
            if ctx_from == 0:
                break
            prev = body.rfind(b"\n", max(0, ctx_from - 1 - _LONG), ctx_from - 1)
            if prev < 0 and ctx_from - 1 - _LONG > 0:
                break  # a long line above: no context through it
            ctx_from = prev + 1
        carried = body[ctx_from:] + rest
        first_line = limit_line - body.count(b"\n", ctx_from, keep_from)


def _line_at(body: bytes, offset: int, at: list[int]) -> int:
    """The line number of ``offset``, counted from ``at`` (an offset and its line number)."""
    if at[0] <= offset:
        return at[1] + body.count(b"\n", at[0], offset)
    return at[1] - body.count(b"\n", offset, at[0])


def _candidates(body: bytes) -> list[int]:
    """Start offsets of the lines the pre-filter lets through, in order."""
    low = body.lower()
    starts: set[int] = set()
    for pattern in PREFILTER:
        for match in pattern.finditer(low):
            i = match.start()
            start = low.rfind(b"\n", max(0, i - _LONG), i) + 1
            starts.add(start if start or i < _LONG else i)
    return sorted(starts)


def _line_end(body: bytes, start: int) -> int:
    end = body.find(b"\n", start, start + _LONG)
    return len(body) if end < 0 and start + _LONG >= len(body) else (start + _LONG if end < 0 else end)


def _scan_body(
    body: bytes, first_line: int, table: WordingTable, cache: _LineCache | None = None, at: list[int] | None = None
) -> Iterator[Evidence]:
    """Errors in one chunk. A candidate line that is a whole error is read alone; one that is part of
    a longer error (a traceback, pretty-printed JSON, curl output) is read with the lines around it."""
    cache = _LineCache(known_code_of(table), table) if cache is None else cache
    at = [0, first_line] if at is None else at  # where the line count has reached, for the caller
    line_no = first_line
    counted_to = 0
    covered = -1  # offset up to which lines have already been read (alone or in a window)
    last: Evidence | None = None
    for start in _candidates(body):
        if start < covered:
            continue
        line_no += body.count(b"\n", counted_to, start)
        counted_to = at[0] = start
        at[1] = line_no
        end = _line_end(body, start)
        line = clean(decode(body[start:end]))
        found = cache.read(line, line_no) if len(line) <= MAX_LINE else _WINDOW
        if found is _SKIP:
            continue
        if found is not _WINDOW:
            covered = end
            for last in found:
                yield last
            continue
        w_start = start
        for _ in range(BEFORE):
            prev = body.rfind(b"\n", max(0, w_start - 1 - _LONG), max(0, w_start - 1))
            if w_start == 0:
                break
            w_start = prev + 1 if prev >= 0 else max(0, w_start - 1 - _LONG)
        if w_start <= covered:  # never read a line twice: it would give its error twice
            w_start = covered + 1
        w_end = end
        for _ in range(AFTER):
            if w_end >= len(body):
                break
            w_end = _line_end(body, w_end + 1)
        base = line_no - body.count(b"\n", w_start, start)
        lines = unwrap([clean(x) for x in bounded_lines(decode(body[w_start:w_end]))])
        covered = w_end
        for evidence in extract_lines(lines, base=base, table=table):
            if _repeats(evidence, last) or _continues(evidence, last, table):
                continue
            last = evidence
            yield evidence


_SKIP: list[Evidence] = []  # a line that holds no error (the common candidate: "ERROR db reset")
_WINDOW: list[Evidence] = []  # a line that is part of a longer error: read with its neighbours
_FIELDS = tuple(f.name for f in fields(Evidence) if f.name not in ("excerpt", "timestamp", "line"))
# A log line's leading timestamp, then the blank that ends it: a log repeats one error under many.
_STAMP = rx(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?[ \t]")
_CACHE_SIZE = 4096


class _LineCache:
    """What one line read alone gives, remembered by its text after the leading timestamp.

    A log repeats the same error with another timestamp; the line is then parsed once. A line is
    remembered only when reading it with other digits in its timestamp gives the same errors (checked
    on first sight), so only the excerpt, the timestamp and the line number change from one to the next.
    """

    def __init__(self, known: Callable[[int], bool], table: WordingTable) -> None:
        self._known = known
        self._table = table
        self._seen: dict[tuple[int, str], list[Evidence] | None] = {}

    def read(self, line: str, number: int) -> list[Evidence]:
        stamp = _STAMP.match(line)
        if stamp is None:
            return self._read(line, number)
        cut = stamp.end()
        key = (cut, line[cut:])
        if key in self._seen:
            known = self._seen[key]
            if known is None:  # its errors depend on its timestamp: read every time
                return self._read(line, number)
            if known is _SKIP or known is _WINDOW:
                return known
            return [_restamped(e, line[:cut], number + 1) for e in known]
        found = self._read(line, number)
        head = _OTHER_DIGITS.sub(_shift, line[:cut])
        other = self._read(head + line[cut:], number)
        same = _shape(found) == _shape(other) and all(
            e.excerpt[:cut] == line[:cut] and o.excerpt == head + e.excerpt[cut:]
            for e, o in zip(found, other, strict=True)
        )
        if len(self._seen) >= _CACHE_SIZE:
            self._seen.clear()  # bounded: a log of ever-new lines only loses the shortcut
        self._seen[key] = found if same else None
        return found

    def _read(self, line: str, number: int) -> list[Evidence]:
        if not is_anchor(line):
            return _SKIP
        hits = hits_of(line, number, self._known)
        if not (hits and is_complete(hits, line)):
            return _WINDOW
        return line_evidence(line, hits, number, self._table)


def _restamped(evidence: Evidence, head: str, line: int) -> Evidence:
    """``evidence`` read from the same text under the timestamp ``head`` (same length) at ``line``."""
    # dataclasses.replace re-runs __init__ and its checks (6 us): a copy of the fields of an instance
    # this module built itself takes 0.7 us, and the frozen dataclass stays frozen to everyone else
    new = object.__new__(Evidence)
    fields_of = vars(new)
    fields_of.update(vars(evidence))
    fields_of.update(line=line, excerpt=head + evidence.excerpt[len(head) :], timestamp=timestamp(head))
    return new


_OTHER_DIGITS = rx(r"[0-9]")


def _shift(match: re.Match[str]) -> str:
    return str((int(match.group()) + 1) % 10)


def _shape(found: list[Evidence]) -> object:
    if found is _SKIP or found is _WINDOW:
        return id(found)
    return [tuple(getattr(e, name) for name in _FIELDS) for e in found]


def _repeats(evidence: Evidence, last: Evidence | None) -> bool:
    """A fragment (a Node error's ``code: 21408`` below its message) of the error just read alone."""
    return (
        last is not None
        and evidence.to_raw is None
        and evidence.message is None
        and evidence.code == last.code
        and (evidence.line or 0) - (last.line or 0) <= MERGE_DISTANCE
    )


def _continues(evidence: Evidence, last: Evidence | None, table: WordingTable) -> bool:
    """The second line of a message split over two ("…call +65 9123 4567." / "Perhaps you need…"),
    after its first line was read alone: the paste reader joins them too (_extract.group)."""
    if last is None or evidence.format != "wording" or evidence.to_raw is not None or evidence.line is None:
        return False
    if evidence.code != last.code or evidence.line != (last.line or 0) + 1 or not evidence.message:
        return False
    found = table.recognise(evidence.message, False)
    return found is not None and found.at_start


def scan_bytes(data: bytes, **kwargs: object) -> list[Evidence]:
    import io

    return list(scan(io.BytesIO(data), **kwargs))  # type: ignore[arg-type]
