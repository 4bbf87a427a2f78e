"""Where two windows of a long line meet when a run of candidates is cut with no JSON record edge near: at a
place that cuts no error, which both find alike.

A line over 8 KB is read in windows of its candidates (:mod:`._stream`); a run of candidates longer than a window
is cut, between two JSON records where it can be (no error straddles "},{"). Where it cannot ("code code code…"
for kilobytes), the next window B starts up to ``MAX_LINE`` bytes before the cut, inside the previous window A,
so that B holds all of A's own bytes, and B is handed A's bytes whole. Both then look for the same place in A's
own bytes, by the same reading of the same bytes (:func:`meeting`): one where no error is cut. A reads up to it,
B from it: neither reads what the other does, and neither starts or ends inside an error.

Both reading the shared bytes and giving what both read to one of them afterwards (as this module did, by code
and destination) cannot be right: a window that starts inside an error reads the cut end of it with a later error
of the window as one error (the end's fields lent to it: five same REST bodies read four, a log line's 13227 took
the cut body's HTTP status), and no matching after the reading, by what an error says or by where it is, can take
the two apart again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ..models import Evidence
from ._extract import extract_lines
from ._text import clean, decode_utf8
from ._wording import WordingTable

_T = TypeVar("_T")


@dataclass(frozen=True)
class Shared:
    """How a window shares bytes with its neighbours at a cut: its first ``head`` bytes are the last of
    ``before`` (the previous window, whole, whose own bytes start at ``lead``); its last ``tail`` bytes are the
    next window's first."""

    before: bytes = b""
    head: int = 0
    tail: int = 0
    lead: int = 0


@dataclass
class Seen:
    """What the windows read just before found, a few of each: where two met (by the first one's bytes and where
    its own start), which the second finds again; and what bytes read as (a line of the same few bytes over and
    over has windows alike)."""

    meetings: dict[tuple[bytes, int], tuple[int, int]] = field(default_factory=dict)
    reads: dict[tuple[bytes, int], list[Evidence]] = field(default_factory=dict)


def read_window(
    data: bytes, base: int, shared: Shared | None, table: WordingTable, seen: Seen | None = None
) -> list[Evidence]:
    """The errors of a window of a long line (line ``base``): at a cut it shares with a neighbour, only those
    on its side of the place the two meet. ``seen``: what the windows read just before found."""
    seen = Seen() if seen is None else seen
    lo, hi = 0, len(data)
    twice = 0
    if shared is not None and shared.head:
        start = len(shared.before) - shared.head  # where this window's bytes start in the one before
        at, twice = meeting(shared.before, shared.lead, base, table, seen)
        lo = min(hi, max(0, at - start))
    if shared is not None and shared.tail:
        hi = max(lo, meeting(data, shared.head, base, table, seen)[0])
    piece = data[lo:hi]
    key = (piece, base)
    if key not in seen.reads:
        _keep_few(seen.reads)
        seen.reads[key] = _read(piece, base, table)
    return seen.reads[key][twice:]


CORE = 64  # bytes either side of a meeting place that read no error
NEAR = 1024  # bytes either side that read as the two sides read alone
STEP = 97  # bytes between two places tried (no filler's period: a place in an error is not tried again and again)
TRIES = 40  # places tried at most (some 4 KB, about a window's own bytes), and of those whose core reads no error…
READS = 3  # …this many read on both sides; and twice as many where every core reads one (a line of errors)


def meeting(window: bytes, own: int, base: int, table: WordingTable, seen: Seen) -> tuple[int, int]:
    """Where in ``window`` (a window's bytes; its own from ``own``) it ends and the next window starts: the first
    place, from ``NEAR`` bytes before its end back in steps of ``STEP``, that cuts no error: the ``CORE`` bytes
    either side read none, and the ``NEAR`` bytes either side read as the two sides do alone (a cut error reads
    otherwise: a part lacks a field, or each reads one). Never before ``own``: the window before reads up to there.
    In a line of errors with no gap of ``CORE`` bytes between them, the first place right before one that reads as
    its two sides do. Else (one error all along the line: "error 21408 error 21408 …" is one) the first place whose
    core reads none, else the first; and how many errors its two sides read that the bytes around it read as fewer
    (a cut error read by both): the next window leaves out its first that many. (place, that count)"""
    key = (window, own)
    if key not in seen.meetings:
        _keep_few(seen.meetings)
        seen.meetings[key] = _meeting(window, own, base, table)
    return seen.meetings[key]


def _keep_few(found: dict[tuple[bytes, int], _T]) -> None:
    if len(found) >= 4:  # a window's two meetings, and its neighbours': the last few are enough
        del found[next(iter(found))]


def _meeting(window: bytes, own: int, base: int, table: WordingTable) -> tuple[int, int]:
    places = []
    place = max(own, len(window) - NEAR)
    while len(places) < TRIES and place >= own:
        places.append(_char_start(window, place, own))
        place -= STEP
    quiet: list[int] = []
    for at in places:
        if _read(window[max(0, at - CORE) : at + CORE], base, table):
            continue  # an error near: maybe one this place cuts
        if not _across(window, at, base, table):
            return at, 0
        quiet.append(at)
        if len(quiet) == READS:
            break
    if not quiet:
        # errors all along, no gap of CORE bytes between them: a place right before one starts
        found = _before_one(window, own, base, table)
        if found is not None:
            return found, 0
    at = quiet[0] if quiet else places[0]
    return at, max(0, -_across(window, at, base, table))


def _before_one(window: bytes, own: int, base: int, table: WordingTable) -> int | None:
    """In a line of errors, the last place right before one (:func:`_starts`) that reads as its two sides do."""
    starts = _starts(window, own + 1, len(window) - NEAR + 1)[::-1]
    return next((at for at in starts[: 2 * READS] if not _across(window, at, base, table)), None)


def _starts(window: bytes, lo: int, hi: int) -> list[int]:
    """The places in ``window[lo:hi]`` after a space right before a candidate word, in order: where an error of a
    line of errors starts ("ERROR 21408 …", '{"code": …', "twilio error …"; not a number, which a code before it
    may own)."""
    from ._stream import PREFILTER  # (._stream reads windows with this module)

    low = window[max(0, lo - CORE) : hi + CORE].lower()
    shift = max(0, lo - CORE)
    hits = {m.start() for pattern in PREFILTER for m in pattern.finditer(low)}
    places = {low.rfind(b" ", max(0, hit - CORE), hit) + 1 + shift for hit in hits}
    return sorted(at for at in places if lo <= at < hi and at > shift and window[at : at + 1] not in _NUMBER)


_NUMBER = frozenset(b"+0123456789"[i : i + 1] for i in range(11))


def _across(window: bytes, at: int, base: int, table: WordingTable) -> int:
    """0 when the ``NEAR`` bytes either side of ``at`` read as the two sides alone read (no error read across it);
    else how many more errors they read than the two sides (fewer: negative), or 1 when as many but not the same.
    Each side ends right before an error where it can (:func:`_starts`), not inside one: a line's reading of its
    errors may change with how its ends cut them (a number before the first code is read as its To)."""
    lo = next(iter(_starts(window, at - NEAR, at)), max(0, at - NEAR))
    ends = _starts(window, at + 1, at + NEAR) if at + NEAR < len(window) else []
    hi = ends[-1] if ends else at + NEAR
    both = _read(window[lo:hi], base, table)
    alone = _read(window[lo:at], base, table) + _read(window[at:hi], base, table)
    if Counter(map(_fields, both)) == Counter(map(_fields, alone)):
        return 0
    return len(both) - len(alone) or 1


def _fields(evidence: Evidence) -> Evidence:
    # what an error reads as wherever the bytes read start: its excerpt and the first timestamp are the bytes'
    return replace(evidence, excerpt="", timestamp=None)


def _char_start(window: bytes, at: int, own: int) -> int:
    """``at``, or the start of the UTF-8 character it is inside (never before ``own``)."""
    while own < at < len(window) and 0x80 <= window[at] < 0xC0:
        at -= 1
    return at


def _read(data: bytes, base: int, table: WordingTable) -> list[Evidence]:
    return extract_lines([clean(decode_utf8(data))], base=base, table=table) if data else []
