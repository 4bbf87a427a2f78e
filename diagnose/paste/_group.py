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
