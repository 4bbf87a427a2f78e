"""Windows of a long line that overlap where a run of candidates is cut with no JSON record edge near.

A line over 8 KB is read in windows of its candidates (:mod:`._stream`); a run of candidates longer
than a window is cut, between two JSON records where it can be (no error straddles "},{"). Where it
cannot ("code code code…" for kilobytes), the next window B starts up to ``MAX_LINE`` bytes before the
cut, inside the previous window A, so an error across the cut is read whole by B. B itself starts
anywhere, maybe inside an error that A reads whole. What the two read twice, the shared bytes O, is
given to one of them, by where it lies in O: its first ``EARLY`` bytes (O1) are A's, the rest B's.

- A drops what O reads and O1 alone does not (the errors past O1, B's now; the start of an error the
  cut splits);
- B drops what O alone reads and A does not (the end of an error that starts in A before O, which A
  read whole), and what O1 alone reads that A reads too (the errors of O1, and one B's start cuts whose
  end reads as the whole did), for which B carries A's bytes.

An error across the end of O1 goes to A when O1 alone reads it as the whole is read, else to B: both
decide it from the same reading of O1.

Errors are told apart by their code and destination only: the other fields of an error near a cut are
read from text around it, which depends on where a window starts (the part of an error a window holds
before its cut has no message of its own, and its fragment alone takes the filler before it for one), so
they would tell one error from itself. Duplicates count (a multiset), so two equal errors stay two; what
the tail reads is taken from the end of a window, what the head reads from its start, so that of two errors
with the same code and destination the one in the shared bytes is the one given away.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Evidence
from ._extract import extract_lines
from ._text import clean, decode_utf8
from ._wording import WordingTable


@dataclass(frozen=True)
class Shared:
    """How a window shares bytes with its neighbours at a cut: its first ``head`` bytes are the last of
    ``before`` (the previous window, whole); its last ``tail`` bytes are the next window's first."""

    before: bytes = b""
    head: int = 0
    tail: int = 0


Seen = dict[tuple[bytes, int], list[Evidence]]


def read_window(
    data: bytes, base: int, shared: Shared | None, table: WordingTable, seen: Seen | None = None
) -> list[Evidence]:
    """The errors of a window of a long line (line ``base``), those read twice at a cut given to one side.
    ``seen``: what the windows read just before found (the next one reads the same bytes again: its
    neighbour, their shared bytes), kept here, a few entries at most."""
    seen = {} if seen is None else seen
    found = _read(data, base, table, seen)
    if shared is None:
        return found
    if shared.tail:
        tail = data[-shared.tail :]
        late = _minus(_read(tail, base, table, seen), _read(tail[:EARLY], base, table, seen))
        found = _minus(found, late, from_end=True)
    if shared.head:
        head = data[: shared.head]
        before = _read(shared.before, base, table, seen)
        ends = _minus(_read(head, base, table, seen), before)
        early = _common(_read(head[:EARLY], base, table, seen), before)
        found = _minus(found, ends + early)
    return found


EARLY = 1024  # bytes: the shared bytes' first, whose errors stay the previous window's (it reads them whole)


def _common(found: list[Evidence], other: list[Evidence]) -> list[Evidence]:
    """The errors of ``found`` that ``other`` reads too (by code and destination, each matched once)."""
    left = [_key(e) for e in other]
    out = []
    for evidence in found:
        key = _key(evidence)
        if key in left:
            left.remove(key)
            out.append(evidence)
    return out


def _read(data: bytes, base: int, table: WordingTable, seen: Seen) -> list[Evidence]:
    key = (data, base)
    if key not in seen:
        if len(seen) >= 8:  # a window, its shared tail, and the next one's: the last few are enough
            del seen[next(iter(seen))]
        seen[key] = extract_lines([clean(decode_utf8(data))], base=base, table=table)
    return seen[key]


def _key(evidence: Evidence) -> tuple[object, ...]:
    return (evidence.code, evidence.to)


def _minus(found: list[Evidence], gone: list[Evidence], *, from_end: bool = False) -> list[Evidence]:
    """``found`` without one of its errors for each of ``gone`` (by code and destination), the first ones
    matched (``from_end``: the last ones)."""
    left = [_key(e) for e in gone]
    out = []
    for evidence in reversed(found) if from_end else found:
        key = _key(evidence)
        if key in left:
            left.remove(key)
        else:
            out.append(evidence)
    return out[::-1] if from_end else out
