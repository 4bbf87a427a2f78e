"""Build the report document from evidence, facts and findings.

Pure: the knowledge's templates are rendered with this subject's facts, so the
fix steps name this account and this country. Every output format is a view of
the :class:`~diagnose.models.Diagnosis` built here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .context import RequestRecord
from .facts import values as fact_values
from .knowledge.model import Cause, Entry, FixTemplate, IndexEntry
from .models import (
    CauseFinding,
    Diagnosis,
    ErrorInfo,
    Evidence,
    Fact,
    Findings,
    FixStep,
    ProblemKind,
    Subject,
    SubjectKind,
)

_SUBJECT_FACTS = frozenset(
    {
        "error_code",
        "failed",
        "status",
        "channel",
        "subject_kind",
        "to",
        "from_number",
        "to_valid",
        "country",
        "country_name",
        "account_sid",
        "account_type",
        "account_status",
        "is_trial",
        "is_subaccount",
        "parent_account_sid",
    }
)
"""Facts about the subject and its account, shown for any code; the others only where the knowledge reads them."""

TOKEN_NOTE = (
    "`$SUBACCOUNT_AUTH_TOKEN` is the auth token of subaccount {{ account_sid }}. The parent's credentials "
    "read it from the Account resource: "
    '`curl "https://api.twilio.com/2010-04-01/Accounts/{{ account_sid }}.json" '
    '-u "{{ parent_account_sid }}:$PARENT_AUTH_TOKEN"` returns it as `auth_token`. '
    "Or switch to the subaccount in the Console: its dashboard shows the Auth Token under Account Info."
)
"""How to get the token a step names but cannot fill in (the Account resource returns ``auth_token``)."""


NOT_CONFIRMED_ONLINE = "Not confirmed online:"
"""Opens the sentence a pasted error's online summary ends with when the reads did not decide it (and why)."""


UNKNOWN_ERROR = ErrorInfo(code=None, title="Twilio error, code unknown", docs_url="")
"""The error of a pasted Twilio error whose code is unknown (Evidence.code_source "unknown")."""


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


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    """``items`` without blanks and repeats, first occurrence kept: a report never says the same thing twice."""
    return tuple(dict.fromkeys(i for i in items if i and i.strip()))


def rendered_steps(cause: Cause, env: Mapping[str, Any]) -> list[tuple[FixTemplate, FixStep]]:
    """Each fix step of ``cause`` that applies here (its ``when`` is not false), rendered for ``env``.

    A report's fix steps, and the ``diagnose fix`` planner's (which also reads each step's ``action``).
    """
    return _render_steps(cause.fix, env)


def _render_steps(steps: Iterable[FixTemplate], env: Mapping[str, Any]) -> list[tuple[FixTemplate, FixStep]]:
    """``steps`` whose ``when`` is not false, rendered for ``env`` (a cause's, a remark's)."""
    from .knowledge.templating import render_template

    def optional(template: str) -> str | None:
        return (render_template(template, env) or None) if template else None

    return [
        (step, FixStep(text=render_template(step.text, env), console=optional(step.console), api=optional(step.api)))
        for step in steps
        if step.when is None or step.when.evaluate(env) is not False
    ]


def _fix_steps(cause: Cause, env: Mapping[str, Any]) -> tuple[FixStep, ...]:
    return tuple(rendered for _, rendered in rendered_steps(cause, env))


def _remarks(entry: Entry, env: Mapping[str, Any]) -> tuple[list[str], list[FixStep]]:
    """The entry's remarks whose condition is true here (not unknown): their texts, which end the answer, and
    their fix steps (whose own ``when`` is not false), which come before the cause's."""
    from .knowledge.templating import render_template

    texts: list[str] = []
    steps: list[FixStep] = []
    for remark in entry.remarks:
        if remark.when.evaluate(env) is not True:
            continue
        texts.append(render_template(remark.text, env))
        steps.extend(rendered for _, rendered in _render_steps(remark.fix, env))
    return texts, steps


def _needs_token(step: FixStep, account_sid: object) -> bool:
    """The step uses the subaccount's token without saying where it comes from."""
    text = "\n".join(p for p in (step.text, step.console, step.api) if p)
    return "$SUBACCOUNT_AUTH_TOKEN" in text and f"/Accounts/{account_sid}.json" not in text


def _subaccount_token(text: str, env: Mapping[str, Any]) -> str:
    """``-u "AC…:$TWILIO_AUTH_TOKEN"`` for a subaccount, named ``$SUBACCOUNT_AUTH_TOKEN`` as its other steps name it.

    ``$TWILIO_AUTH_TOKEN`` is where the credentials are, most often the parent's: with the subaccount's SID,
    Twilio refuses it (401), and the report would name one token two ways (the inheriting subaccount's PATCH
    as ``$SUBACCOUNT_AUTH_TOKEN``, its resend and its check as ``$TWILIO_AUTH_TOKEN``).
    """
    sid = env.get("account_sid")
    if env.get("is_subaccount") is not True or not isinstance(sid, str) or not sid:
        return text
    return text.replace(f"{sid}:$TWILIO_AUTH_TOKEN", f"{sid}:$SUBACCOUNT_AUTH_TOKEN")


def _subaccount_tokens(steps: Sequence[FixStep], env: Mapping[str, Any]) -> list[FixStep]:
    def named(part: str | None) -> str | None:
        return _subaccount_token(part, env) if part else part

    return [FixStep(_subaccount_token(s.text, env), named(s.console), named(s.api), s.notes) for s in steps]


def _explain_tokens(steps: Sequence[FixStep], env: Mapping[str, Any]) -> tuple[FixStep, ...]:
    """The first step that needs ``$SUBACCOUNT_AUTH_TOKEN`` says how to get it (once: no repeated notes)."""
    from .knowledge.templating import render_template

    out, told = [], False
    for step in steps:
        if not told and _needs_token(step, env.get("account_sid")):
            step = FixStep(step.text, step.console, step.api, (*step.notes, render_template(TOKEN_NOTE, env)))
            told = True
        out.append(step)
    return tuple(out)


def _next_checks(findings: Findings, entry: Entry, env: Mapping[str, Any], facts: Mapping[str, Fact]) -> list[FixStep]:
    """For each cause still open, in knowledge order: how to confirm it by hand, and what is unknown."""
    from .knowledge.templating import render_template

    checks = []
    if findings.cause is not None:
        # Causes that refine the likely one come first: checking them decides between it and them.
        ordered = sorted(findings.causes, key=lambda f: f.id == findings.cause)
    else:
        ordered = _general_first(findings.causes, entry)
    for finding in ordered:
        cause = entry.cause(finding.id)
        if finding.status not in ("possible", "unknown") or cause is None:
            continue
        unknown = [n for n in finding.facts if n in facts and not facts[n].known]
        text = f"Is it `{finding.id}` ({finding.title.rstrip('.')})?"
        if unknown:
            text += " Not known: " + ", ".join(f"`{n}`" for n in unknown) + "."
        console = render_template(cause.check.console, env) if cause.check.console else None
        api = render_template(cause.check.api, env) if cause.check.api else None
        checks.append(FixStep(text=text, console=console or None, api=api or None))
    return checks


def _general_first(causes: Sequence[CauseFinding], entry: Entry) -> list[CauseFinding]:
    """Knowledge order, with each cause that refines another right after it. With none likely, the general
    check (is the country ticked on the sending account?) is the quickest and splits the most causes."""
    open_ids = {f.id for f in causes}

    def general_of(f: CauseFinding) -> str:
        cause = entry.cause(f.id)
        return cause.refines if cause is not None and cause.refines in open_ids else ""

    placed: dict[str, CauseFinding] = {}

    def place(f: CauseFinding) -> None:
        placed[f.id] = f
        for g in causes:
            if g.id not in placed and general_of(g) == f.id:
                place(g)

    for f in causes:
        if f.id not in placed and not general_of(f):
            place(f)
    return [*placed.values(), *(f for f in causes if f.id not in placed)]


def _open_questions(findings: Findings, facts: Mapping[str, Fact], open_ids: Sequence[str]) -> list[str]:
    """Which causes remain, and which unknown facts would decide between them, grouped by why."""
    lines = [f"Still open: {', '.join(open_ids)}."] if len(open_ids) > 1 else []
    by_reason: dict[str, list[str]] = {}
    for name in sorted({n for c in findings.causes if c.status != "ruled-out" for n in c.facts}):
        fact = facts.get(name)
        if fact is not None and not fact.known:
            by_reason.setdefault(fact.reason, []).append(name)
    for reason, names in by_reason.items():
        lines.append(f"Unknown {', '.join(names)}: {reason}.")
    return lines


def relevant_facts(facts: Mapping[str, Fact], entry: Entry | None) -> dict[str, Fact]:
    """The facts that bear on this code and channel: the subject's, and those the code's knowledge reads.

    An SMS report shows no voice dialing permissions, and a call report no Messaging geo permissions.
    """
    names = _SUBJECT_FACTS | entry.reads if entry is not None else _SUBJECT_FACTS
    return {name: fact for name, fact in facts.items() if name in names}


def fact_table(facts: Mapping[str, Fact]) -> dict[str, dict[str, Any]]:
    """Facts as JSON-ready rows, in registry order."""
    return {
        name: {"value": f.value, "known": f.known, "source": f.source, "reason": f.reason} for name, f in facts.items()
    }


def _answer(findings: Findings, evidence: Evidence, code: int | None, title: str, open_ids: Sequence[str]) -> str:
    """The verdict in words: the first thing a report says; ``open_ids`` in the order they are checked."""
    finding = next((c for c in findings.causes if c.id == findings.cause), None)
    if findings.verdict == "confirmed" and finding is not None:
        return f"**Confirmed:** {finding.title.rstrip('.')}. {finding.reason}".strip()
    if findings.verdict == "likely" and finding is not None:
        # An open cause's reason only says that it is open; what matters is what the fix covers.
        covers = ", ".join(f"`{c}`" for c in findings.covers)
        also = f" The fix below also covers {covers}, which could not be ruled out." if covers else ""
        return (
            f"**Likely:** {finding.title.rstrip('.')}.{also}"
            " Not every fact could be read to confirm it; the checks below decide."
        )
    if findings.verdict == "inconclusive":
        return (
            f"**Inconclusive:** no cause of {code} could be confirmed from what diagnose could read; "
            f"{len(open_ids)} remain open ({', '.join(open_ids)}). Check them in the order below."
        )
    if findings.verdict == "no-error":
        status = f" (status {evidence.status})" if evidence.status else ""
        return f"**Nothing to fix:** this {evidence.kind} did not fail{status}."
    if findings.verdict == "no-knowledge" and code is None:
        return (
            "**Code unknown:** a Twilio REST API error that printed no code, in words diagnose does not know."
            " Print the exception's code (twilio-python's `e.code`, twilio-node's `err.code`), or paste the SID of"
            " the message or call, and diagnose that."
        )
    if findings.verdict == "no-knowledge":
        return (
            f"**No rules for {code}:** {title.rstrip('.')}. diagnose has no diagnostic rules for this code yet: "
            f"`diagnose explain {code}` shows what Twilio documents for it, and Twilio's page is linked below."
        )
    return f"**{findings.verdict}**"


def _which_code(evidence: Evidence) -> str:
    """What the answer says of a code read from words other codes share when nothing in the paste told which
    (13227's and 21215's "Geo Permission configuration is not permitting call" in a log line): ``""`` otherwise."""
    if not evidence.code_alternatives:
        return ""
    others = " or ".join(str(c) for c in evidence.code_alternatives)
    return (
        f"**{evidence.code} or {others}:** no code was printed, and Twilio writes these words for both; nothing in the"
        f" text says which, so it is read as {evidence.code} (see Code below)."
    )


def build_unavailable(
    kind: SubjectKind, sid: str | None, problem_kind: ProblemKind, problem: str, *, account: str | None = None
) -> Diagnosis:
    """The entry for a subject that could not be diagnosed at all (verdict ``unavailable``)."""
    evidence = Evidence(
        kind=kind,
        sid=sid,
        message_sid=sid if kind == "message" else None,
        call_sid=sid if kind == "call" else None,
        account_sid=account,
    )
    return Diagnosis(
        subject=Subject(kind=kind, sid=sid),
        evidence=evidence,
        error=ErrorInfo(code=None, title="", docs_url=""),
        verdict="unavailable",
        cause=None,
        causes=(),
        fix=(),
        verify=(),
        facts={},
        summary=f"**Not diagnosed:** {problem}",  # the verdict in words, as for every other entry
        problem=problem,
        problem_kind=problem_kind,
    )


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
    from .knowledge.templating import preload, render_template

    if entry is not None:
        preload(entry.templates())  # one cache read for the entry, rather than one per template rendered
    env = fact_values(facts)
    code = findings.code if findings.code is not None else evidence.code
    cause = entry.cause(findings.cause) if entry is not None and findings.cause else None
    fix: tuple[FixStep, ...] = ()
    verify: tuple[str, ...] = ()
    prevention: tuple[str, ...] = ()
    explanation = ""
    if cause is not None and findings.verdict in {"confirmed", "likely"}:
        fix = _fix_steps(cause, env)
        verify = _unique([render_template(v, env) for v in cause.verify])
        prevention = _unique([render_template(p, env) for p in cause.prevention])
        explanation = cause.explanation
    said: list[str] = []
    if entry is not None and findings.verdict in {"confirmed", "likely", "inconclusive"}:
        said, first = _remarks(entry, env)
        fix = (*first, *fix)
    in_order = _general_first(findings.causes, entry) if entry is not None and not findings.cause else findings.causes
    open_ids = [c.id for c in in_order if c.status != "ruled-out"]
    checks: list[FixStep] = []
    if entry is not None and findings.verdict in {"likely", "inconclusive"}:
        checks = _next_checks(findings, entry, env, facts)
    fix, checks = _subaccount_tokens(fix, env), _subaccount_tokens(checks, env)
    verify = tuple(_subaccount_token(v, env) for v in verify)
    fix, next_checks = _explain_tokens(fix, env), _explain_tokens(checks, env)
    if not any(step.notes for step in (*fix, *next_checks)) and any("$SUBACCOUNT_AUTH_TOKEN" in v for v in verify):
        verify = (*verify, render_template(TOKEN_NOTE, env))
    escalation: tuple[str, ...] = ()
    send: tuple[str, ...] = ()
    if entry is not None and findings.verdict in {"confirmed", "likely", "inconclusive"}:
        escalation = _unique([render_template(w, env) for w in entry.escalation.when])
        send = _unique([render_template(s, env) for s in entry.escalation.send])
    error = _error_info(code, entry, index) if code or evidence.code_source != "unknown" else UNKNOWN_ERROR
    extra = list(notes)
    if findings.verdict in {"inconclusive", "likely"}:
        extra.extend(_open_questions(findings, facts, open_ids))
    return Diagnosis(
        subject=Subject(kind=evidence.kind, sid=evidence.sid),
        evidence=evidence,
        error=error,
        verdict=findings.verdict,
        cause=findings.cause,
        causes=findings.causes,
        fix=fix,
        verify=verify,
        facts=fact_table(relevant_facts(facts, entry)),
        summary=" ".join(
            p for p in (_answer(findings, evidence, code, error.title, open_ids), _which_code(evidence), *said) if p
        ),
        explanation=explanation,
        prevention=prevention,
        escalation=escalation,
        escalation_send=send,
        requests=tuple(f"{r.method} {r.url} → {r.status}" for r in requests),
        notes=_unique(extra),
        next_checks=next_checks,
        covers=findings.covers,
    )
