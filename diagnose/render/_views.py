"""View models: the report and knowledge dataclasses arranged for the templates.

Templates only lay out; every decision (which rows to show, in which order,
how a value reads) is made here, once, so text, Markdown and HTML carry the
same content.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..conditions import ConditionSyntaxError, compile_condition
from ..models import CauseFinding, Diagnosis, Fact, FixStep, is_unread_number
from ._placeholders import placeholders

if TYPE_CHECKING:
    from ..knowledge.model import Cause, Entry

DOCS_URL = "https://www.twilio.com/docs/api/errors/{code}"

VERDICT_NOTES = {
    "confirmed": "The facts confirm one cause.",
    "likely": "No cause is confirmed, but every other cause is ruled out.",
    "inconclusive": "The facts available neither confirm a cause nor rule out all but one.",
    "no-error": "It did not fail: there is nothing to fix.",
    "no-knowledge": "diagnose has no rules for this code yet; see the docs link.",
    "unavailable": "This subject could not be read, so it was not diagnosed.",
}

CORE_FACTS = ("account_sid", "parent_account_sid", "account_type", "country")
"""Facts every report shows; the others only when a cause reads them."""

PROBLEM_LABELS = {
    "not-found": "not found",
    "credentials": "credentials rejected",
    "unreachable": "Twilio unreachable",
    "input": "bad input",
}
"""How a summary line names why a subject was not diagnosed (``Diagnosis.problem_kind``)."""

STATUS_LABELS = {"confirmed": "confirmed", "ruled-out": "ruled out", "possible": "possible", "unknown": "unknown"}


def docs_url(code: object, given: str | None = "") -> str:
    if given:
        return given
    return DOCS_URL.format(code=code) if isinstance(code, int) and not isinstance(code, bool) else ""


def show(value: Any) -> str:
    """One fact or field value as people read it: ``true``/``false``, ``none``, lists joined."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(show(v) for v in value) if value else "(empty)"
    if isinstance(value, Mapping):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class FactRow:
    name: str
    known: bool
    value: str  # as shown; "unknown" when not known
    reason: str = ""
    source: str = ""

    @property
    def display(self) -> str:
        if self.known:
            return self.value
        return f"unknown ({self.reason})" if self.reason else "unknown"


def _fact_order() -> dict[str, int]:
    try:
        from ..facts import FACTS
    except ImportError:  # pragma: no cover - the registry is part of the package
        return {}
    return {name: i for i, name in enumerate(FACTS)}


def ordered_facts(facts: Mapping[str, Any]) -> list[str]:
    """Fact names in registry order (diagnose.facts.FACTS), then any others alphabetically."""
    order = _fact_order()
    return sorted(facts, key=lambda n: (order.get(str(n), len(order)), str(n)))


def fact_row(name: str, raw: Any) -> FactRow:
    """A row for one fact: a :class:`Fact`, its ``asdict`` form, or a bare value."""
    if isinstance(raw, Fact):
        raw = {"value": raw.value, "known": raw.known, "source": raw.source, "reason": raw.reason}
    if isinstance(raw, Mapping) and "known" in raw and "value" in raw:
        known = raw.get("known") is not False
        return FactRow(
            name=str(name),
            known=known,
            value=show(raw.get("value")) if known else "unknown",
            reason=show(raw.get("reason") or ""),
            source=show(raw.get("source") or ""),
        )
    return FactRow(name=str(name), known=True, value=show(raw))


def fact_rows(facts: Mapping[str, Any] | None) -> list[FactRow]:
    facts = facts or {}
    return [fact_row(name, facts[name]) for name in ordered_facts(facts)]


def _same_reason_once(rows: list[FactRow]) -> list[FactRow]:
    """A reason shared by several unknown facts is written out once; later rows point back to it."""
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        if not row.known and row.reason:
            first = seen.setdefault(row.reason, row.name)
            if first != row.name:
                row = FactRow(row.name, False, row.value, f"as for {first}", row.source)
        out.append(row)
    return out


def _known_value(facts: Mapping[str, Any] | None, name: str) -> Any:
    """The value of a known fact, or None."""
    if not facts or name not in facts:
        return None
    raw = facts[name]
    if isinstance(raw, Fact):
        return raw.value if raw.known else None
    if isinstance(raw, Mapping) and "known" in raw and "value" in raw:
        return raw["value"] if raw.get("known") is not False else None
    return raw


# --------------------------------------------------------------------------- a diagnosis


@dataclass(frozen=True)
class DiagnosisView:
    d: Diagnosis
    code_label: str
    headline: str
    verdict_note: str
    failed: list[tuple[str, str]]
    facts: list[FactRow]
    facts_hidden: int  # facts no cause reads, left to the JSON output
    cause: CauseFinding | None
    cause_label: str
    others: list[CauseFinding]
    fix: list[FixStep]
    docs_url: str
    answer: str = ""  # the verdict in words, first after the headline
    subject_line: str = ""  # what was diagnosed, on one line
    prevention: tuple[str, ...] = ()  # empty in a batch: prevention is merged per code at the end
    position: str = ""  # "2/5" in a batch
    problem: str = ""  # why an unavailable subject could not be diagnosed
    anchor: str = ""  # HTML id

    def status(self, status: str) -> str:
        return STATUS_LABELS.get(status, status)

    @property
    def cause_lines(self) -> list[str]:
        """The evidence for the main cause; its reason is already in the answer, so it is not repeated."""
        if self.cause is None:
            return []
        lines = self.lines(self.cause)
        if self.cause.reason and self.cause.reason in self.answer:
            lines = lines[1:]
        return lines

    def lines(self, finding: CauseFinding) -> list[str]:
        """What a report shows under a cause: the reason, then the facts that matter.

        A ruled-out cause shows only its reason (every fact is in the JSON output);
        an open one also names the facts that could not be read, since those are
        what would decide it.
        """
        out = [finding.reason] if finding.reason else []
        if finding.status == "confirmed":
            out.extend(finding.evidence)
        elif finding.status == "ruled-out":
            out.extend(_ruled_out_by(finding))
        elif finding.status in ("possible", "unknown"):
            missing = [line.split(" = ", 1)[0] for line in finding.evidence if " = unknown (" in line]
            if missing:
                out.append("Would be decided by: " + ", ".join(missing) + " (unknown; see Facts).")
        return out


def _ruled_out_by(finding: CauseFinding) -> list[str]:
    """A line for each part of the knowledge's condition that ruled the cause out, with the facts it read:
    the reason sentence covers every way a cause can be ruled out, this says which one did."""
    by_name = {line.split(" = ", 1)[0]: line for line in finding.evidence}
    out = []
    for clause in finding.ruled_out_by:
        try:
            names = sorted(compile_condition(clause).names)
        except ConditionSyntaxError:  # a report read back from JSON may hold anything
            names = []
        facts = "; ".join(by_name[name] for name in names if name in by_name)
        out.append(f"Ruled out by `{clause}`" + (f": {facts}" if facts else "") + ".")
    return out


def _problem(d: Diagnosis) -> str:
    """Why a subject could not be diagnosed (verdict ``unavailable``)."""
    return d.problem or ""


def _subject_label(d: Diagnosis) -> str:
    """What was diagnosed, in words: ``message SM…``, ``pasted error (line 12)``, ``error code alone …``."""
    subject, ev = d.subject, d.evidence
    if subject.kind == "paste":
        if ev.format == "code":
            return "error code alone (no error text, no SID)"
        return "pasted error" + (f" (line {ev.line})" if ev.line is not None and ev.line > 1 else "")
    return " ".join(str(p) for p in (subject.kind, subject.sid) if p)


def _subject_line(d: Diagnosis, failed: list[tuple[str, str]]) -> str:
    """``message SM… to +33… (France) · account AC…``: enough to tell subjects apart at a glance."""
    rows = dict(failed)
    parts = [rows.get("Subject", "")]
    if rows.get("To"):
        parts.append("to " + rows["To"])
    line = " ".join(p for p in parts if p)
    if rows.get("Account"):
        line += " · account " + rows["Account"]
    return line


def diagnosis_view(
    d: Diagnosis, *, position: str = "", prevention: bool = True, anchor_id: str = "d1"
) -> DiagnosisView:
    """``prevention=False`` leaves prevention to the end of a batch, merged per code."""
    ev, subject, error = d.evidence, d.subject, d.error
    code = error.code if error.code is not None else ev.code
    code_label = str(code) if code is not None else (subject.sid or subject.kind or "report")
    if code is not None and ev.code_alternatives:  # words other codes share, and nothing told which: say so first
        code_label += " (or " + " or ".join(str(c) for c in ev.code_alternatives) + ")"
    headline = f"{code_label} · {d.verdict}" + (f": {d.cause}" if d.cause else "")

    failed: list[tuple[str, str]] = []
    failed.append(("Subject", _subject_label(d)))
    if code is not None:
        err = str(code) + (f" (HTTP {ev.http_status})" if ev.http_status is not None else "")
        failed.append(("Error", err + (f": {error.title}" if error.title else "")))
    elif error.title:
        failed.append(("Error", error.title))
    country_name = _known_value(d.facts, "country_name")
    country = ev.country
    if country and isinstance(country_name, str) and country_name:
        country = f"{country} ({country_name})"
    if ev.to or country:
        failed.append(("To", " → ".join(str(p) for p in (ev.to or "?", country) if p)))
    elif ev.to_raw and is_unread_number(ev.to_raw):
        failed.append(("To", f"{ev.to_raw.strip()} (as written; country unknown)"))  # a national number, say
    if ev.country and ev.country_confidence in ("medium", "low") and ev.country_reason:
        # how sure the country is, where a reader should doubt it (a '+' lost, a trunk 0 dropped, a hint used)
        failed.append(("Country", f"{ev.country_confidence} confidence: {ev.country_reason.rstrip('.')}."))
    for label, value in (
        ("From", ev.from_),
        ("Account", ev.account_sid),
        ("Message", ev.message_sid if ev.message_sid != subject.sid else None),
        ("Call", ev.call_sid if ev.call_sid != subject.sid else None),
        ("Status", ev.status),
        ("Channel", ev.channel),
        ("Input", ev.format),
        ("Code", ev.code_reason),  # recognised from the wording: how, and "unverified" when it was
    ):
        if value not in (None, ""):
            failed.append((label, str(value)))

    by_id = {c.id: c for c in d.causes}
    main = by_id.get(d.cause) if d.cause else None
    if d.cause and main is None:
        main = CauseFinding(id=d.cause, title="", status="confirmed" if d.verdict == "confirmed" else "possible")
    others = [c for c in d.causes if main is None or c.id != main.id]
    label = "Likely cause" if d.verdict == "likely" else "Cause"
    rows = fact_rows(d.facts)
    read = {name for c in d.causes for name in c.facts}
    shown = _same_reason_once([r for r in rows if r.name in read or r.name in CORE_FACTS] if read else rows)
    problem = _problem(d)
    # the kind first: a problem may end in a parenthesis of its own ("… (searched 4 accounts)")
    kind = f" ({PROBLEM_LABELS.get(d.problem_kind, d.problem_kind)})" if problem and d.problem_kind else ""
    if problem and (d.verdict == "unavailable" or not d.summary):
        answer = f"**Not diagnosed{kind}:** {problem}"
    else:
        answer = (d.summary + kind) if d.summary else VERDICT_NOTES.get(d.verdict, "")
    return DiagnosisView(
        d=d,
        code_label=code_label,
        headline=headline,
        verdict_note="" if answer else VERDICT_NOTES.get(d.verdict, ""),
        failed=failed,
        facts=shown,
        facts_hidden=len(rows) - len(shown),
        cause=main,
        cause_label=label,
        others=others,
        fix=list(d.fix),
        docs_url=docs_url(code, error.docs_url),
        answer=answer,
        subject_line=_subject_line(d, failed),
        prevention=tuple(_unique(d.prevention)) if prevention else (),
        position=position,
        problem=problem,
        anchor=anchor_id,
    )


@dataclass(frozen=True)
class SummaryRow:
    """One line of a batch's summary."""

    sid: str
    code: str
    verdict: str
    detail: str  # the cause, or why the subject was not diagnosed
    anchor: str


@dataclass(frozen=True)
class ReportView:
    views: list[DiagnosisView]
    prevention: list[tuple[str, list[str]]]  # per code, merged and deduplicated (a batch only)
    summary: list[SummaryRow]

    @property
    def batch(self) -> bool:
        return len(self.views) > 1


def anchor(index: int, d: Diagnosis) -> str:
    """An HTML id for the diagnosis, stable within one report."""
    return f"d{index}-" + "".join(ch for ch in (d.subject.sid or d.subject.kind or "") if ch.isalnum())[:40]


def report_view(diagnoses: Iterable[Diagnosis]) -> ReportView:
    """Views for every diagnosis; a batch shows prevention once per code, after all subjects."""
    items = list(diagnoses)
    batch = len(items) > 1
    views = [
        diagnosis_view(d, position=f"{i}/{len(items)}" if batch else "", prevention=not batch, anchor_id=anchor(i, d))
        for i, d in enumerate(items, 1)
    ]
    merged: dict[str, list[str]] = {}
    if batch:
        for d in items:
            if d.prevention:
                code = str(d.error.code if d.error.code is not None else d.evidence.code)
                merged.setdefault(code, []).extend(d.prevention)
    summary = [
        SummaryRow(
            sid=d.subject.sid or d.subject.kind or "-",
            code=str(d.error.code) if d.error.code is not None else "-",
            verdict=d.verdict,
            detail=d.cause
            or (f"{PROBLEM_LABELS.get(d.problem_kind, d.problem_kind)}: {d.problem}" if d.problem else ""),
            anchor=anchor(i, d),
        )
        for i, d in enumerate(items, 1)
    ]
    prevention, seen = [], set()
    for code, lines in merged.items():
        fresh = [line for line in _unique(lines) if line not in seen]  # a bullet another code gave is not repeated
        seen.update(fresh)
        if fresh:
            prevention.append((code, fresh))
    return ReportView(views=views, prevention=prevention, summary=summary)


# --------------------------------------------------------------------------- knowledge


@dataclass(frozen=True)
class StepView:
    text: str
    console: str = ""
    api: str = ""
    when: str = ""


@dataclass(frozen=True)
class WayView:
    """One way a cause is ruled out: the condition, and the line a report then shows (placeholders)."""

    when: str
    because: str


@dataclass(frozen=True)
class CauseView:
    cause: Cause
    ref: str  # 21408/subaccount-mismatch
    check_console: str
    check_api: str
    fix: list[StepView]
    verify: list[str]
    prevention: list[str]
    ruled_out: list[WayView]  # empty for a retired cause

    @property
    def id(self) -> str:
        return self.cause.id


@dataclass(frozen=True)
class RemarkView:
    """A remark of the entry (said whatever the cause, when ``when`` is true), with <fact> placeholders."""

    when: str
    text: str
    fix: list[StepView]


@dataclass(frozen=True)
class RelatedView:
    code: int
    href: str
    title: str = ""


@dataclass(frozen=True)
class EntryView:
    entry: Entry
    causes: list[CauseView]
    prevention: list[str]
    related: list[RelatedView]
    docs_url: str
    escalation_when: list[str]  # templates shown with <fact> placeholders
    escalation_send: list[str]
    remarks: list[RemarkView] = field(default_factory=list)  # said whatever the cause, when it holds

    @property
    def active(self) -> list[CauseView]:
        return [c for c in self.causes if not c.cause.retired]

    @property
    def meta(self) -> list[tuple[str, str]]:
        """Products, channels and log level, where given."""
        e = self.entry
        rows = [("Products", ", ".join(e.products)), ("Channels", ", ".join(e.channels)), ("Log level", e.log_level)]
        return [(label, value) for label, value in rows if value]


def condition_text(condition: object) -> str:
    if condition is None:
        return ""
    text = getattr(condition, "text", None)
    return text if isinstance(text, str) else ""


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for it in items:
        if it and it not in seen:
            seen[it] = None
    return list(seen)


def _step_views(steps: Iterable[Any]) -> list[StepView]:
    return [
        StepView(
            text=placeholders(step.text),
            console=placeholders(step.console),
            api=placeholders(step.api),
            when=condition_text(step.when),
        )
        for step in steps
    ]


def cause_view(code: int, cause: Cause) -> CauseView:
    from ..knowledge.model import ruled_out_ways

    return CauseView(
        cause=cause,
        ref=f"{code}/{cause.id}",
        check_console=placeholders(cause.check.console),
        check_api=placeholders(cause.check.api),
        fix=_step_views(cause.fix),
        verify=[placeholders(v) for v in cause.verify],
        prevention=[placeholders(p) for p in cause.prevention],
        ruled_out=[WayView(when, placeholders(because)) for when, because in ruled_out_ways(cause)],
    )


def entry_view(entry: Entry, pages: Mapping[int, tuple[str, str]] | None = None) -> EntryView:
    """``pages`` maps the codes that have a page of their own to (href, title)."""
    from ..knowledge.templating import preload

    preload(entry.templates())  # every template is shown: load them together
    causes = [cause_view(entry.code, c) for c in entry.causes]
    pages = pages or {}
    related = []
    for code in entry.related:
        href, title = pages.get(code, (docs_url(code), ""))
        related.append(RelatedView(code=code, href=href, title=title))
    return EntryView(
        entry=entry,
        causes=causes,
        prevention=_unique(p for c in causes if not c.cause.retired for p in c.prevention),
        related=related,
        docs_url=docs_url(entry.code, entry.docs_url),
        escalation_when=[placeholders(w) for w in entry.escalation.when],
        escalation_send=[placeholders(s) for s in entry.escalation.send],
        remarks=[
            RemarkView(when=condition_text(r.when), text=placeholders(r.text), fix=_step_views(r.fix))
            for r in entry.remarks
        ],
    )
