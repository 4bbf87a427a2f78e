"""Windows of a long line that overlap where a run of candidates is cut with no JSON record edge near.

A line over 32 KB is read in windows of its candidates (:mod:`._stream`); a run of candidates longer
than a window is cut, between two JSON records where it can be (no error straddles "},{"). Where it
cannot ("code code code…" for kilobytes), the next window B starts up to ``MAX_LINE`` bytes before the
cut, inside the previous window A, so an error across the cut is read whole by B. What the two read
twice, the shared bytes O, is given to one of them:

- A drops what O alone reads (the errors inside O, B's now; the start of an error the cut splits);
- B drops what O alone reads and A does not (the end of an error that starts in A before O, which A
  read whole), for which B carries A's bytes.

Errors are told apart by all their fields but the excerpt and timestamp (which depend on where a
window starts); duplicates count (a multiset), so two equal errors stay two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
        found = _minus(found, _read(data[-shared.tail :], base, table, seen))
    if shared.head:
        ends = _minus(_read(data[: shared.head], base, table, seen), _read(shared.before, base, table, seen))
        found = _minus(found, ends)
    return found


def _read(data: bytes, base: int, table: WordingTable, seen: Seen) -> list[Evidence]:
    key = (data, base)
    if key not in seen:
        if len(seen) >= 6:  # a window, its shared tail, and the next one's: the last few are enough
            del seen[next(iter(seen))]
        seen[key] = extract_lines([clean(decode_utf8(data))], base=base, table=table)
    return seen[key]


def _key(evidence: Evidence) -> Evidence:
    return replace(evidence, excerpt="", timestamp=None)


def _minus(found: list[Evidence], gone: list[Evidence]) -> list[Evidence]:
    """``found`` without one of its errors for each of ``gone`` (by fields, excerpt and timestamp aside)."""
    left = [_key(e) for e in gone]
    out = []
    for evidence in found:
        key = _key(evidence)
        if key in left:
            left.remove(key)
        else:
            out.append(evidence)
    return out
