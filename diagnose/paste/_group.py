"""Several errors in one paste: duplicates merged, with a count and when they were first and last seen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

from ..models import Evidence
from ._numbers import read_number
from ._time import iso_utc, parse_timestamp


def group_key(evidence: Evidence) -> Hashable:
    """Same code, account and country is the same problem; a wrong prefix is a problem of its own, and so is a
    number that kept its trunk 0 (its number needs correcting)."""
    wrong_prefix = None
    if evidence.to:
        wrong_prefix = _suggested.pop(evidence.to, _UNKNOWN)
        if wrong_prefix is _UNKNOWN:
            wrong_prefix = read_number(evidence.to).suggested_country
    return (evidence.code, evidence.account_sid, evidence.country, wrong_prefix, evidence.to_sent is not None)


# A To number's wrong-prefix reading, handed over by the worker process that read its error (where
# read_number has it cached), so that the one process grouping a big log need not parse every number
# again. Bounded: a number no one asks for is dropped, and a miss reads the number here.
_suggested: dict[str, str | None] = {}
_UNKNOWN = object()
_MAX_SUGGESTED = 4096


def note_suggested(number: str, country: str | None) -> None:
    """Record ``read_number(number).suggested_country``, read elsewhere, for :func:`group_key`."""
    if len(_suggested) >= _MAX_SUGGESTED:
        _suggested.clear()
    _suggested[number] = country


def record_named(evidence: Evidence) -> str | None:
    """The message or call SID an error names when it names no account: Twilio's record of it, read online, says
    which account sent it, so two such errors of one group may be two accounts' (see :meth:`Groups.record_shares`)."""
    return None if evidence.account_sid else failure_sid(evidence)


def failure_sid(evidence: Evidence) -> str | None:
    """The message or call an error is about: errors of one group naming the same one are one failure (a status
    callback, the Debugger's webhook and the app's exception line, logged for the same message)."""
    return evidence.message_sid or evidence.call_sid


# The SIDs a group keeps to tell its failures apart: exact up to this many, then a lower bound ("at least"),
# so that memory stays flat however many messages a log names.
MAX_FAILURE_SIDS = 4096


@dataclass(frozen=True)
class Failures:
    """A group's distinct failures: one per message or call SID, one per error naming none. ``at_least``: the
    group named more than :data:`MAX_FAILURE_SIDS` SIDs, and those after them were not told apart."""

    count: int
    at_least: bool = False


class _Failures:
    def __init__(self) -> None:
        self.sids: set[str] = set()
        self.unnamed = 0
        self.at_least = False

    def add(self, evidence: Evidence) -> None:
        sid = failure_sid(evidence)
        if sid is None:
            self.unnamed += evidence.count  # no SID: each error is a failure of its own
        elif sid not in self.sids:
            if len(self.sids) < MAX_FAILURE_SIDS:
                self.sids.add(sid)
            else:
                self.at_least = True

    def result(self) -> Failures:
        return Failures(len(self.sids) + self.unnamed, self.at_least)


def merge_duplicates(
    evidence: Iterable[Evidence], *, now: dt.datetime | None = None, by_record: bool = True
) -> list[Evidence]:
    """One evidence per group, in order of first appearance, with ``count``, ``first_seen``, ``last_seen``.

    ``now`` dates a syslog timestamp, which has no year (see :class:`Seen`). ``by_record``: errors that name
    different messages or calls (:func:`failure_sid`) stay apart, so that a triage's :class:`Groups` can tell
    how many of a group's errors name the record its diagnosis reads (:func:`record_named`) and how many
    distinct failures it holds (a worker's block is merged so); a paste's diagnoses merge them (False), and
    then a SID's lines that name no country join the group that names it with its country, as a triage's
    groups do (``rehome``), so that ``diagnose FILE`` and ``diagnose triage FILE`` group a file alike."""
    groups = Groups(now=now, by_record=by_record, rehome=not by_record)
    for item in evidence:
        groups.add(item)
    return groups.evidence(biggest_first=False)


class Seen:
    """When a group's occurrences were first and last seen, compared as instants.

    Timestamps are parsed (:func:`._time.parse_timestamp`) and shown in ISO 8601 UTC. A syslog
    timestamp has no year: with ``now`` it takes ``now``'s year (the year before when that puts it
    more than a day ahead, as syslog readers do); without, the times still order by month, day and
    time and keep their text. Timestamps that cannot be parsed are compared as text, failing any other.
    """

    def __init__(self, now: dt.datetime | None) -> None:
        self._now = now
        self._best = -1  # the best rank seen: only times of that rank count
        self._lo: tuple[object, str] | None = None
        self._hi: tuple[object, str] | None = None

    def add(self, first: str | None, last: str | None) -> None:
        for stamp in {first, last}:
            if not stamp:
                continue
            rank, when, text = self._key(stamp)
            self._take(rank, (when, text), (when, text))

    def _take(self, rank: int, lo: tuple[object, str], hi: tuple[object, str]) -> None:
        if rank < self._best:
            return
        if rank > self._best:
            self._best, self._lo, self._hi = rank, lo, hi
            return
        assert self._lo is not None and self._hi is not None
        if lo[0] < self._lo[0]:  # type: ignore[operator]
            self._lo = lo
        if hi[0] > self._hi[0]:  # type: ignore[operator]
            self._hi = hi

    @classmethod
    def merged(cls, now: dt.datetime | None, spans: Iterable[Seen]) -> Seen:
        """One span over ``spans`` (each read with the same ``now``), as if their times were added to it."""
        out = cls(now)
        for seen in spans:
            if seen._lo is not None and seen._hi is not None:
                out._take(seen._best, seen._lo, seen._hi)
        return out

    def _key(self, stamp: str) -> tuple[int, object, str]:
        """(rank, sort key, text shown): a time with a year outranks one without, which outranks text."""
        when = parse_timestamp(stamp)
        if when is not None:
            return (2, when, iso_utc(when))
        now = self._now
        when = parse_timestamp(stamp, year=now.year if now is not None else _ANY_YEAR)
        if when is None:
            return (0, stamp, stamp)
        if now is None:
            return (1, when, stamp)
        if when > now + dt.timedelta(days=1):
            when = parse_timestamp(stamp, year=now.year - 1) or when
        return (2, when, iso_utc(when))

    def span(self) -> tuple[str | None, str | None]:
        if self._lo is None or self._hi is None:
            return None, None
        return self._lo[1], self._hi[1]


_ANY_YEAR = 2000  # a leap year: a yearless Feb 29 still orders


class _Lines:
    """Some of a group's lines: their first error (the one they are diagnosed from, or their first whose
    destination is whole when the first's is masked) and its origin, when they began (:class:`Groups`' count of
    evidence added), their occurrences, span, and how many of them name the record their first error names."""

    __slots__ = ("count", "first", "order", "origin", "seen", "share")

    def __init__(self, first: Evidence, origin: str | None, order: int, now: dt.datetime | None) -> None:
        self.first = first
        self.origin = origin
        self.order = order
        self.count = 0
        self.seen = Seen(now)
        self.share = 0

    def add(self, evidence: Evidence, origin: str | None) -> None:
        record = record_named(evidence)
        if self.first.to is None and evidence.to is not None and record == record_named(self.first):
            # the group is diagnosed from its evidence: a masked number ('+23480******87') gives no permission to
            # read, where another error of the group gives the whole one (same record, so the same reads)
            self.first, self.origin = evidence, origin
        self.count += evidence.count
        # an evidence merged by a worker (by_record) stands for errors that all name its record
        if record is not None and record == record_named(self.first):
            self.share += evidence.count
        # an evidence already merged (a group of a group) brings its own span
        self.seen.add(evidence.first_seen or evidence.timestamp, evidence.last_seen or evidence.timestamp)


class _Group:
    """One group: all its lines (``lines``) and its distinct failures. A group whose errors name no country
    (with :class:`Groups`' ``rehome``) also keeps its lines apart per message or call SID (``by_sid``, as many
    as its failures tell apart; ``rest``: those naming none, or one past them), so that a failure another group
    names with its country can be moved there whole (:meth:`Groups.rows`)."""

    __slots__ = ("by_sid", "failures", "lines", "rest")

    def __init__(self, first: Evidence, origin: str | None, order: int, now: dt.datetime | None, apart: bool) -> None:
        self.lines = _Lines(first, origin, order, now)
        self.failures = _Failures()
        self.by_sid: dict[str, _Lines] | None = {} if apart else None
        self.rest: _Lines | None = None

    def add(self, evidence: Evidence, origin: str | None, order: int, now: dt.datetime | None) -> None:
        self.lines.add(evidence, origin)
        self.failures.add(evidence)
        if self.by_sid is None:
            return
        sid = failure_sid(evidence)
        lines = self.by_sid.get(sid) if sid is not None else None
        if lines is None:
            if sid is not None and sid in self.failures.sids:  # told apart: its lines stay together
                lines = self.by_sid[sid] = _Lines(evidence, origin, order, now)
            else:
                lines = self.rest = self.rest or _Lines(evidence, origin, order, now)
        lines.add(evidence, origin)

    def row(self, now: dt.datetime | None, moved: Collection[str], gained: Sequence[tuple[str, _Lines]]) -> Row | None:
        """The group as it stands once the failures in ``moved`` left it and those in ``gained`` joined it;
        None when no line is left."""
        lines, failures = self.lines, self.failures.result()
        first, origin, share, spans = lines.first, lines.origin, lines.share, [lines.seen]
        if moved and self.by_sid is not None:
            left = [kept for sid, kept in self.by_sid.items() if sid not in moved]
            left += [self.rest] if self.rest is not None else []
            if not left:
                return None
            if failure_sid(first) in moved:  # diagnosed from the earliest error left
                earliest = min(left, key=lambda kept: kept.order)
                first, origin, share = earliest.first, earliest.origin, earliest.share
            spans = [kept.seen for kept in left]
            count = sum(kept.count for kept in left)
            failures = Failures(failures.count - len(moved), failures.at_least)
        else:
            count = lines.count
        for sid, joined in gained:
            count += joined.count
            spans.append(joined.seen)
            if sid == record_named(first):
                share += joined.count
        lo, hi = Seen.merged(now, spans).span()
        evidence = replace(first, count=count, first_seen=lo, last_seen=hi)
        return Row(evidence, origin, failures, share if record_named(first) else None)


@dataclass(frozen=True)
class Row:
    """One group as :meth:`Groups.rows` gives it: ``evidence`` (its first error, or its first with the whole
    number when the first's is masked, with ``count``, ``first_seen`` and ``last_seen``), ``origin`` (the file
    that error was read from), ``failures`` (its distinct failures; ``evidence.count`` is its occurrences) and
    ``record_share``: how many of its errors name the message or call its evidence names and no account
    (:func:`record_named`), the record its diagnosis reads online; None when its evidence names no such record."""

    evidence: Evidence
    origin: str | None
    failures: Failures
    record_share: int | None


class Groups:
    """Streaming version of :func:`merge_duplicates`: memory grows with the groups, not the errors.

    ``rehome``: a failure one group names with its country (its message or call SID) is counted there alone:
    the lines of that SID in a group of the same code that names no country (an account, or none), a status
    callback or a line with the SID and code only, belong to it (:meth:`rows`)."""

    def __init__(self, *, now: dt.datetime | None = None, by_record: bool = False, rehome: bool = True) -> None:
        self._now = now
        self._by_record = by_record
        self._rehome = rehome and not by_record
        self._groups: dict[Hashable, _Group] = {}
        self.total = 0

    def add(self, evidence: Evidence, origin: str | None = None) -> None:
        """Count ``evidence`` in its group; ``origin`` (the file it was read from) is kept with the group's evidence,
        so that its ``line`` and ``excerpt`` say where (:meth:`rows`). That evidence is the group's first error,
        or its first whose destination is whole when the first's is not (masked)."""
        order = self.total  # when its lines began, to tell the earliest
        self.total += evidence.count
        key = group_key(evidence)
        if self._by_record:
            key = (key, failure_sid(evidence))
        group = self._groups.get(key)
        if group is None:
            apart = self._rehome and evidence.country is None
            group = self._groups[key] = _Group(evidence, origin, order, self._now, apart)
        group.add(evidence, origin, order, self._now)

    def rows(self, *, biggest_first: bool = True) -> list[Row]:
        """Every group (:class:`Row`), in order of first appearance, or biggest first (by default: most failures,
        then most errors, then first appearance).

        With ``rehome``, a message or call SID that a group naming no country shares with exactly one group of
        the same code that names a country (and the same account, when the first names one) is that group's
        failure: its lines move there, counted once. Another group naming it (two countries, two accounts), or
        one past :data:`MAX_FAILURE_SIDS` SIDs that might, leaves them where they are. A group left with no line
        is gone; one whose evidence moved is diagnosed from its earliest error left. The outcome does not depend
        on the order of the lines, nor on how workers merged their blocks."""
        moves = self._moves()
        gained: dict[int, list[tuple[str, _Lines]]] = {}
        for source, sids in moves.items():
            assert source.by_sid is not None
            for sid, target in sids.items():
                gained.setdefault(id(target), []).append((sid, source.by_sid[sid]))
        rows = [
            row
            for group in self._groups.values()
            if (row := group.row(self._now, moves.get(group, {}), gained.get(id(group), ()))) is not None
        ]
        # biggest: most failures (messages or calls), then most errors logged
        return sorted(rows, key=lambda row: (-row.failures.count, -row.evidence.count)) if biggest_first else rows

    def _moves(self) -> dict[_Group, dict[str, _Group]]:
        """Per group naming no country, the SIDs of its failures that move, and the group each moves to."""
        homeless = [g for g in self._groups.values() if g.by_sid]
        if not homeless:
            return {}
        wanted: set[str] = set().union(*(g.by_sid or () for g in homeless))
        housed = [g for g in self._groups.values() if g.lines.first.country is not None]
        holders: dict[str, list[_Group]] = {}
        for group in housed:
            for sid in wanted.intersection(group.failures.sids):
                holders.setdefault(sid, []).append(group)
        moves: dict[_Group, dict[str, _Group]] = {}
        for group in homeless:
            code, account = group.lines.first.code, group.lines.first.account_sid

            def fits(other: _Group, code: int | None = code, account: str | None = account) -> bool:
                theirs = other.lines.first
                return theirs.code == code and (account is None or theirs.account_sid == account)

            # a group past the cap may name the SID among those it did not keep
            unsure = [other for other in housed if other.failures.at_least and fits(other)]
            for sid in group.by_sid or ():
                found = [other for other in holders.get(sid, ()) if fits(other)]
                if len(found) == 1 and all(other is found[0] for other in unsure):
                    moves.setdefault(group, {})[sid] = found[0]
        return moves

    def failed(self) -> Failures:
        """The distinct failures of every group together: a message or call SID once, though it failed with two
        codes and so sits in two groups (a line moved by :meth:`rows` keeps its SID, so it changes nothing);
        each error naming none one. ``at_least`` when a group is past :data:`MAX_FAILURE_SIDS`: the SIDs it
        did not keep are not counted."""
        groups = self._groups.values()
        sids: set[str] = set().union(*(g.failures.sids for g in groups))
        unnamed = sum(g.failures.unnamed for g in groups)
        return Failures(len(sids) + unnamed, any(g.failures.at_least for g in groups))

    def evidence(self, *, biggest_first: bool = True) -> list[Evidence]:
        """One evidence per group, in the order of :meth:`rows`."""
        return [row.evidence for row in self.rows(biggest_first=biggest_first)]

    def record_shares(self, *, biggest_first: bool = True) -> list[int | None]:
        """Per group, in the order of :meth:`rows`: its ``record_share`` (:class:`Row`). The others of its errors
        name no account, or another record, which was not read."""
        return [row.record_share for row in self.rows(biggest_first=biggest_first)]

    def failures(self, *, biggest_first: bool = True) -> list[Failures]:
        """Per group, in the order of :meth:`rows`: its distinct failures (:class:`Failures`); its ``count`` is
        its occurrences, the lines of a failure logged several times (callback, webhook, exception) each one."""
        return [row.failures for row in self.rows(biggest_first=biggest_first)]
