"""The rule engine: facts + one knowledge entry → findings.

Pure and deterministic. A cause is confirmed, ruled out, possible or unknown
(see docs/architecture.md); unknown facts are a third value, never false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conditions import UNKNOWN, Condition
from .facts import values as fact_values
from .knowledge.model import Cause, Entry
from .models import CauseFinding, CauseStatus, Fact, Findings, Verdict


def _truth(condition: Condition | None, env: Mapping[str, Any]) -> Any:
    if condition is None:
        return UNKNOWN
    return condition.evaluate(env)


def _fact_line(fact: Fact) -> str:
    if fact.known:
        value = (
            "null" if fact.value is None else str(fact.value).lower() if isinstance(fact.value, bool) else fact.value
        )
        where = f"  [{fact.source}]" if fact.source else ""
        return f"{fact.name} = {value}{where}"
    return f"{fact.name} = unknown ({fact.reason})"


def cause_status(cause: Cause, env: Mapping[str, Any]) -> CauseStatus:
    """The status of one cause under the given fact values."""
    confirmed = _truth(cause.confirmed_when, env)
    if confirmed is True:
        return "confirmed"
    ruled_out = _truth(cause.ruled_out_when, env) if cause.ruled_out_when is not None else (confirmed is False)
    if ruled_out is True:
        return "ruled-out"
    if all(env.get(name, UNKNOWN) is UNKNOWN for name in cause.names):
        return "unknown"
    return "possible"


def _finding(cause: Cause, status: CauseStatus, facts: Mapping[str, Fact], env: Mapping[str, Any]) -> CauseFinding:
    from .knowledge.templating import render_template

    reason = ""
    ruled_out_by = _ruled_out_by(cause, env) if status == "ruled-out" else ()
    if status == "confirmed" and cause.confirmed_because:
        reason = render_template(cause.confirmed_because, env)
    elif status == "ruled-out":
        reason = _ruled_out_reason(cause, ruled_out_by, env)
    elif status == "unknown":
        reason = "Nothing this cause depends on could be read."
    elif status == "possible":
        reason = "Neither confirmed nor ruled out by what could be read."
    names = sorted(cause.names)
    lines = tuple(_fact_line(facts[name]) for name in names if name in facts)
    return CauseFinding(
        id=cause.id,
        title=cause.title,
        status=status,
        reason=reason,
        evidence=lines,
        facts=tuple(names),
        ruled_out_by=ruled_out_by,
    )


def _ruled_out_reason(cause: Cause, ruled_out_by: tuple[str, ...], env: Mapping[str, Any]) -> str:
    """The knowledge's line for each way that ruled the cause out (``ruled_out_reasons``); the general
    ``ruled_out_because`` first when a way has no line of its own, or none was named."""
    from .knowledge.templating import render_template

    lines = dict(cause.ruled_out_reasons)
    out = [render_template(lines[part], env) for part in ruled_out_by if part in lines]
    if len(out) < max(1, len(ruled_out_by)) and cause.ruled_out_because:
        out.insert(0, render_template(cause.ruled_out_because, env))
    return " ".join(out)


def _ruled_out_by(cause: Cause, env: Mapping[str, Any]) -> tuple[str, ...]:
    """The parts of the cause's conditions that rule it out (see :func:`cause_status`)."""
    if cause.ruled_out_when is not None:
        return cause.ruled_out_when.holding(env)
    return tuple(f"not ({part})" for part in cause.confirmed_when.failing(env))  # each holds, as the above


def _refines(cause: Cause, general: str, by_id: Mapping[str, Cause]) -> bool:
    """Whether ``cause`` is a special case of ``general``, directly or through other causes."""
    seen: set[str] = set()
    current = cause.refines
    while current and current not in seen:
        if current == general:
            return True
        seen.add(current)
        nxt = by_id.get(current)
        current = nxt.refines if nxt is not None else ""
    return False


def _first_step(cause: Cause, env: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The first fix step shown under these facts, as its templates (same templates, same text)."""
    for step in cause.fix:
        if step.when is None or step.when.evaluate(env) is not False:
            return (step.text, step.console, step.api)
    return None


def _general(open_: list[Cause], env: Mapping[str, Any]) -> Cause | None:
    """The open cause whose fix covers every other open cause, if there is one.

    As data in the knowledge: every other open cause ``refines`` it (subaccount-mismatch refines
    missing-country); or, failing that, all open causes start with the same fix step, and the first in
    file order is taken.
    """
    by_id = {c.id: c for c in open_}
    for general in open_:
        if all(c is general or _refines(c, general.id, by_id) for c in open_):
            return general
    firsts = {_first_step(c, env) for c in open_}
    if len(firsts) == 1 and None not in firsts:
        return open_[0]
    return None


def _verdict(
    findings: list[CauseFinding], entry: Entry, env: Mapping[str, Any]
) -> tuple[Verdict, str | None, tuple[str, ...]]:
    confirmed = [f for f in findings if f.status == "confirmed"]
    if confirmed:
        return "confirmed", confirmed[0].id, ()
    open_ids = [f.id for f in findings if f.status != "ruled-out"]
    if len(open_ids) == 1:
        return "likely", open_ids[0], ()
    causes = [c for c in entry.causes if c.id in open_ids]
    general = _general(causes, env) if causes else None
    if general is not None:
        return "likely", general.id, tuple(i for i in open_ids if i != general.id)
    return "inconclusive", None, ()


def evaluate(facts: Mapping[str, Fact], entry: Entry | None) -> Findings:
    """Decide every cause of ``entry`` and the verdict.

    ``entry`` is None for a code without knowledge. A subject that did not
    fail is ``no-error`` whatever the knowledge says.
    """
    code_fact = facts.get("error_code")
    code = code_fact.value if code_fact is not None and code_fact.known else None
    failed = facts.get("failed")
    if not code and (failed is None or (failed.known and failed.value is False)):
        return Findings(code=None, verdict="no-error", cause=None, causes=())
    if entry is None or (code and code != entry.code):
        return Findings(code=code, verdict="no-knowledge", cause=None, causes=())

    env = fact_values(facts)
    findings: list[CauseFinding] = []
    seen_confirmed: str | None = None
    for cause in entry.causes:
        if cause.retired:
            continue
        status = cause_status(cause, env)
        finding = _finding(cause, status, facts, env)
        if status == "confirmed":
            if seen_confirmed is not None:
                # Knowledge should make causes exclusive; if it does not, the first one wins.
                note = f"Also matched, but {entry.code}/{seen_confirmed} comes first in the knowledge file."
                finding = CauseFinding(
                    id=finding.id,
                    title=finding.title,
                    status="possible",
                    reason=note,
                    evidence=finding.evidence,
                    facts=finding.facts,
                )
            else:
                seen_confirmed = cause.id
        findings.append(finding)
    verdict, cause_id, covers = _verdict(findings, entry, env)
    return Findings(code=entry.code, verdict=verdict, cause=cause_id, causes=tuple(findings), covers=covers)
