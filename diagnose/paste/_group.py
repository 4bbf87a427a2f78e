"""Several errors in one paste: duplicates merged, with a count and when they were first and last seen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
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
    distinct failures it holds (a worker's block is merged so); a paste's diagnoses merge them (False)."""
    groups = Groups(now=now, by_record=by_record)
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
            if rank < self._best:
                continue
            if rank > self._best:
                self._best, self._lo, self._hi = rank, (when, text), (when, text)
                continue
            assert self._lo is not None and self._hi is not None
            if when < self._lo[0]:  # type: ignore[operator]
                self._lo = (when, text)
            if when > self._hi[0]:  # type: ignore[operator]
                self._hi = (when, text)

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


class _Group:
    """One group's tallies: its evidence (the error it is diagnosed from) and that error's origin, its
    occurrences, their span, how many of them name the record its evidence names (:func:`record_named`), and
    its distinct failures."""

    __slots__ = ("count", "failures", "first", "origin", "seen", "share")

    def __init__(self, first: Evidence, origin: str | None, now: dt.datetime | None) -> None:
        self.first = first
        self.origin = origin
        self.count = 0
        self.seen = Seen(now)
        self.share = 0
        self.failures = _Failures()

    def add(self, evidence: Evidence, origin: str | None) -> None:
        record = record_named(evidence)
        if self.first.to is None and evidence.to is not None and record == record_named(self.first):
            # the group is diagnosed from its evidence: a masked number ('+23480******87') gives no permission to
            # read, where another error of the group gives the whole one (same record, so the same reads)
            self.first, self.origin = evidence, origin
        self.count += evidence.count
        self.failures.add(evidence)
        # an evidence merged by a worker (by_record) stands for errors that all name its record
        if record is not None and record == record_named(self.first):
            self.share += evidence.count
        # an evidence already merged (a group of a group) brings its own span
        self.seen.add(evidence.first_seen or evidence.timestamp, evidence.last_seen or evidence.timestamp)

    def row(self) -> Row:
        lo, hi = self.seen.span()
        evidence = replace(self.first, count=self.count, first_seen=lo, last_seen=hi)
        share = self.share if record_named(self.first) else None
        return Row(evidence, self.origin, self.failures.result(), share)


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
    """Streaming version of :func:`merge_duplicates`: memory grows with the groups, not the errors."""

    def __init__(self, *, now: dt.datetime | None = None, by_record: bool = False) -> None:
        self._now = now
        self._by_record = by_record
        self._groups: dict[Hashable, _Group] = {}
        self.total = 0

    def add(self, evidence: Evidence, origin: str | None = None) -> None:
        """Count ``evidence`` in its group; ``origin`` (the file it was read from) is kept with the group's evidence,
        so that its ``line`` and ``excerpt`` say where (:meth:`rows`). That evidence is the group's first error,
        or its first whose destination is whole when the first's is not (masked)."""
        self.total += evidence.count
        key = group_key(evidence)
        if self._by_record:
            key = (key, failure_sid(evidence))
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(evidence, origin, self._now)
        group.add(evidence, origin)

    def rows(self, *, biggest_first: bool = True) -> list[Row]:
        """Every group (:class:`Row`), in order of first appearance (biggest groups first, by default)."""
        rows = [group.row() for group in self._groups.values()]
        return sorted(rows, key=lambda row: -row.evidence.count) if biggest_first else rows

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
