"""Build the report document from evidence, facts and findings.

Pure: the knowledge's templates are rendered with this subject's facts, so the
fix steps name this account and this country. Every output format is a view of
the :class:`~diagnose.models.Diagnosis` built here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .context import RequestRecord
from .facts import values as fact_values
from .knowledge.model import Cause, Entry, IndexEntry
from .models import Diagnosis, ErrorInfo, Evidence, Fact, Findings, FixStep, Subject

_VERDICT_SUMMARY = {
    "confirmed": "Cause confirmed: {cause}.",
    "likely": "Most likely cause: {cause} (not every fact could be checked).",
    "inconclusive": "No single cause could be confirmed; see the open causes and unknown facts below.",
    "no-error": "This {kind} did not fail: there is nothing to fix.",
    "no-knowledge": "Error {code} is not a geo-permission error; no diagnostic rules exist for it yet.",
}


def _error_info(code: int | None, entry: Entry | None, index: IndexEntry | None) -> ErrorInfo:
    if entry is not None and entry.code == code:
        return ErrorInfo(code=code, title=entry.title, docs_url=entry.docs_url or _docs(code))
    if index is not None:
        return ErrorInfo(code=code, title=index.message, docs_url=index.docs_url)
    if code:
        return ErrorInfo(code=code, title="Unknown error code", docs_url=_docs(code))
    return ErrorInfo(code=None, title="No error", docs_url="")


def _docs(code: int | None) -> str:
    return f"https://www.twilio.com/docs/api/errors/{code}" if code else ""


def _fix_steps(cause: Cause, env: Mapping[str, Any]) -> tuple[FixStep, ...]:
    from .knowledge.templating import render_template

    def optional(template: str) -> str | None:
        return (render_template(template, env) or None) if template else None

    steps = []
    for step in cause.fix:
        if step.when is not None and step.when.evaluate(env) is False:
            continue
        steps.append(
            FixStep(text=render_template(step.text, env), console=optional(step.console), api=optional(step.api))
        )
    return tuple(steps)


def _open_questions(findings: Findings, facts: Mapping[str, Fact]) -> list[str]:
    """Which causes remain, and which unknown facts would decide between them, grouped by why."""
    open_ids = [c.id for c in findings.causes if c.status != "ruled-out"]
    lines = [f"Still open: {', '.join(open_ids)}."] if len(open_ids) > 1 else []
    by_reason: dict[str, list[str]] = {}
    for name in sorted({n for c in findings.causes if c.status != "ruled-out" for n in c.facts}):
        fact = facts.get(name)
        if fact is not None and not fact.known:
            by_reason.setdefault(fact.reason, []).append(name)
    for reason, names in by_reason.items():
        lines.append(f"Unknown {', '.join(names)}: {reason}.")
    return lines


def fact_table(facts: Mapping[str, Fact]) -> dict[str, dict[str, Any]]:
    """Facts as JSON-ready rows, in registry order."""
    return {
        name: {"value": f.value, "known": f.known, "source": f.source, "reason": f.reason} for name, f in facts.items()
    }


def build_diagnosis(
    evidence: Evidence,
    facts: Mapping[str, Fact],
    findings: Findings,
    entry: Entry | None,
    index: IndexEntry | None = None,
    *,
    requests: Sequence[RequestRecord] = (),
    notes: Sequence[str] = (),
) -> Diagnosis:
    """The report for one subject."""
    from .knowledge.templating import render_template

    env = fact_values(facts)
    code = findings.code if findings.code is not None else evidence.code
    cause = entry.cause(findings.cause) if entry is not None and findings.cause else None
    fix: tuple[FixStep, ...] = ()
    verify: tuple[str, ...] = ()
    prevention: tuple[str, ...] = ()
    explanation = ""
    if cause is not None and findings.verdict in {"confirmed", "likely"}:
        fix = _fix_steps(cause, env)
        verify = tuple(render_template(v, env) for v in cause.verify)
        prevention = tuple(render_template(p, env) for p in cause.prevention)
        explanation = cause.explanation
    escalation: tuple[str, ...] = ()
    send: tuple[str, ...] = ()
    if entry is not None and findings.verdict in {"confirmed", "likely", "inconclusive"}:
        escalation, send = tuple(entry.escalation.when), tuple(entry.escalation.send)
    summary = _VERDICT_SUMMARY[findings.verdict].format(
        cause=f"{code}/{findings.cause}" if findings.cause else "", kind=evidence.kind, code=code
    )
    extra = list(notes)
    if findings.verdict in {"inconclusive", "likely"}:
        extra.extend(_open_questions(findings, facts))
    return Diagnosis(
        subject=Subject(kind=evidence.kind, sid=evidence.sid),
        evidence=evidence,
        error=_error_info(code, entry, index),
        verdict=findings.verdict,
        cause=findings.cause,
        causes=findings.causes,
        fix=fix,
        verify=verify,
        facts=fact_table(facts),
        summary=summary,
        explanation=explanation,
        prevention=prevention,
        escalation=escalation,
        escalation_send=send,
        requests=tuple(f"{r.method} {r.url} → {r.status}" for r in requests),
        notes=tuple(extra),
    )
