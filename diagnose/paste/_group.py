"""Several errors in one paste: duplicates merged, with a count and when they were first and last seen."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace

from ..models import Evidence
from ._numbers import read_number


def group_key(evidence: Evidence) -> Hashable:
    """Same code, account and country is the same problem; a wrong prefix is a problem of its own."""
    wrong_prefix = None
    if evidence.to:
        wrong_prefix = read_number(evidence.to).suggested_country
    return (evidence.code, evidence.account_sid, evidence.country, wrong_prefix)


def merge_duplicates(evidence: Iterable[Evidence]) -> list[Evidence]:
    """One evidence per group, in order of first appearance, with ``count``, ``first_seen``, ``last_seen``."""
    groups: dict[Hashable, list[Evidence]] = {}
    for item in evidence:
        groups.setdefault(group_key(item), []).append(item)
    out: list[Evidence] = []
    for items in groups.values():
        first = items[0]
        stamps = [e.timestamp for e in items if e.timestamp]
        out.append(
            replace(
                first,
                count=sum(e.count for e in items),
                first_seen=min(stamps) if stamps else None,
                last_seen=max(stamps) if stamps else None,
            )
        )
    return out


class Groups:
    """Streaming version of :func:`merge_duplicates`: memory grows with the groups, not the errors."""

    def __init__(self) -> None:
        self._groups: dict[Hashable, list[object]] = {}
        self.total = 0

    def add(self, evidence: Evidence) -> None:
        self.total += evidence.count
        key = group_key(evidence)
        row = self._groups.get(key)
        stamp = evidence.timestamp
        if row is None:
            self._groups[key] = [evidence, evidence.count, stamp, stamp]
            return
        row[1] = int(row[1]) + evidence.count  # type: ignore[call-overload]
        if stamp:
            row[2] = min(str(row[2]), stamp) if row[2] else stamp
            row[3] = max(str(row[3]), stamp) if row[3] else stamp

    def evidence(self) -> list[Evidence]:
        """One evidence per group, in order of first appearance, biggest groups first."""
        out = [
            replace(first, count=count, first_seen=lo, last_seen=hi)  # type: ignore[arg-type]
            for first, count, lo, hi in self._groups.values()
        ]
        return sorted(out, key=lambda e: -e.count)
