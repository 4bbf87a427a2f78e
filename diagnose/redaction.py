"""``--redact-numbers`` over a rendered report: the numbers it read masked, the knowledge's own examples kept.

A report quotes its knowledge, which shows how a number goes wrong with example numbers: ``+2125550143``
read as Morocco, ``+33 0612345678`` for ``+33 612345678``. Masked like the customer's numbers, those
examples say nothing (``+33 ********78`` for ``+33 *******78``), and they are no one's data. A number
the report read (a destination, a sender, the number meant) is masked wherever it stands, in the
knowledge's text too when an example happens to be it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase
    from .knowledge.model import Entry
    from .models import Evidence, Report

__all__ = ["evidence_numbers", "example_numbers", "mask_report", "mask_report_numbers", "report_numbers"]

# A number as the knowledge writes one: '+', then its digits whole or in groups ("+44 20 7946 0956")
_NUMBER = re.compile(r"(?<![\w+*])\+[1-9][0-9 ().-]{5,24}[0-9]")
# A fact whose value is a number: with '+', or digits alone (a date, "2026-11-30", is none)
_VALUE = re.compile(r"\+[1-9][0-9 ().-]{5,24}[0-9]|[0-9]{7,15}")
_MIN_DIGITS = 7  # as few as a number worth masking has


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _texts(entry: Entry) -> Iterator[str]:
    yield from (entry.summary, entry.meaning, entry.impact, entry.diagnosis)
    for cause in entry.causes:
        yield from (cause.title, cause.explanation)
    yield from entry.templates()  # as written, before any fact is filled in


def example_numbers(entries: Iterable[Entry]) -> frozenset[str]:
    """Every number the entries' own text writes with '+' (their templates before any value is filled in)."""
    return _numbers_in(text for entry in entries for text in _texts(entry))


def _numbers_in(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(m.group() for text in texts for m in _NUMBER.finditer(text))


def mask_report(text: str, report: Report, kb: KnowledgeBase, known: Iterable[str] = ()) -> str:
    """``text``, the rendering of ``report``, as ``--redact-numbers`` prints it: the numbers the report read
    (and ``known``, as the input wrote them) masked, the examples of the knowledge of its codes kept."""
    from .countries import WRONG_PREFIX_EXAMPLES

    entries = [kb.get(code) for code in dict.fromkeys(d.error.code for d in report.diagnoses) if code is not None]
    # and the examples a wrong prefix is said with ("+212 555 … for +1 212 555 …"), which are no one's either
    said = [example for pair in WRONG_PREFIX_EXAMPLES.values() for example in pair if example]
    examples = example_numbers(e for e in entries if e is not None) | _numbers_in(said)
    return mask_report_numbers(text, examples, [*report_numbers(report), *known])


def evidence_numbers(evidence: Iterable[Evidence]) -> list[str]:
    """The numbers each evidence read, as the input wrote them too (without '+', in national format)."""
    return [n for ev in evidence for n in (ev.to, ev.to_raw, ev.to_sent, ev.from_) if n]


def report_numbers(report: Report) -> list[str]:
    """The phone numbers the report read: each diagnosis's evidence and the facts whose value is a number."""
    found = evidence_numbers(d.evidence for d in report.diagnoses)
    for d in report.diagnoses:
        values = [row.get("value") if isinstance(row, dict) else row for row in d.facts.values()]
        found += [v for v in values if isinstance(v, str) and _VALUE.fullmatch(v.strip())]
    return found


def mask_report_numbers(text: str, examples: Collection[str], known: Iterable[str] = ()) -> str:
    """``text`` with every phone number masked, and each of ``known`` (the numbers the report read, as written)
    wherever it stands, but the knowledge's ``examples`` kept as written where none of ``known`` is in them."""
    from .paste import mask_numbers

    known = [n for n in known if n]
    masked = mask_numbers(text, known)
    if len(masked) != len(text):  # masking keeps every position; if it ever does not, keep it all masked
        return masked
    read = {d for d in map(_digits, known) if len(d) >= _MIN_DIGITS}
    keep = [e for e in examples if not any(d in _digits(e) or _digits(e) in d for d in read)]
    out = list(masked)
    for example in sorted(keep, key=len, reverse=True):
        at = text.find(example)
        while at != -1:
            end = at + len(example)
            if _alone(masked, at, end):
                out[at:end] = text[at:end]
            at = text.find(example, end)
    return "".join(out)


def _alone(masked: str, start: int, end: int) -> bool:
    """Whether ``masked[start:end]`` is a whole number: no digit (or masked one) goes on before or after it."""
    if start and (masked[start - 1].isalnum() or masked[start - 1] in "+*_"):
        return False
    rest = masked[end : end + 8].lstrip(" ().-")  # a group goes on after one separator or two
    return not rest or not (rest[0].isdigit() or rest[0] == "*")
