"""The pipeline, end to end: input → evidence → context → facts → findings → report.

``diagnose_context`` is pure (plain data in, document out). ``diagnose_online``
(and ``diagnose_sids``, its SID form) goes online, through the read planner and
the gateway, imported lazily so that offline commands never load ``twilio``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from .context import Context
from .errors import InputError
from .evidence import from_call, from_message
from .models import Diagnosis, Evidence, Report

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from .gateway import ReadCache, TwilioAccess
    from .knowledge import KnowledgeBase
    from .plan import Answer, Assembled, Problem, Read, SidSubject, Subject


def evidence_from_context(context: Context) -> Evidence:
    """The evidence a fetched Message or Call carries."""
    resource = context.resource.value if context.resource.ok else {"sid": context.sid}
    if context.kind == "message":
        return from_message(resource)
    notifications = context.notifications.value if context.notifications.ok else None
    alerts = context.alerts.value if context.alerts.ok else None
    return from_call(resource, notifications, alerts)


def diagnose_evidence(evidence: Evidence, context: Context | None, kb: KnowledgeBase) -> Diagnosis:
    """Facts, findings and the report for evidence already in hand. Pure."""
    # Imported here: the online path starts its requests before it needs the engine.
    from .engine import evaluate
    from .facts import derive_facts
    from .knowledge import lookup_error
    from .report import build_diagnosis

    facts = derive_facts(evidence, context)
    entry = kb.get(evidence.code) if evidence.code else None
    findings = evaluate(facts, entry)
    # The report takes the code's title from its knowledge; the index of every code is read only without it.
    index = lookup_error(evidence.code) if evidence.code and entry is None else None
    return build_diagnosis(
        evidence,
        facts,
        findings,
        entry,
        index,
        requests=context.requests if context is not None else (),
        notes=context.notes if context is not None else (),
    )


def diagnose_pasted(evidence: Sequence[Evidence], kb: KnowledgeBase) -> Report:
    """Offline: one diagnosis per distinct error of a paste (duplicates merged with a count). Pure."""
    from .paste import merge_duplicates

    return Report(diagnoses=tuple(diagnose_evidence(e, None, kb) for e in merge_duplicates(evidence, by_record=False)))


def diagnose_pasted_online(
    evidence: Sequence[Evidence], access: TwilioAccess, kb: KnowledgeBase | Callable[[], KnowledgeBase]
) -> Report:
    """Online: each distinct pasted error's account and destination country read through the planner.

    The planner shares reads across errors: 500 errors for 3 accounts and 4 countries read each
    account and each account's permissions once. An error that names its message or call (a status
    callback's ``MessageSid``, a log's ``(SM…)``) is diagnosed from that resource, as ``diagnose SM…``
    is (its account, subaccounts searched, and its ``To``: Twilio's record, not the text's reading),
    and from the text when it cannot be read. An error whose account cannot be read keeps its offline
    diagnosis, with the reason as a note.
    """
    from .gateway import ReadCache, problem_error
    from .paste import merge_duplicates

    merged = merge_duplicates(evidence, by_record=False)
    cache = ReadCache()
    with _fetch_thread() as pool:
        pending = pool.submit(_fetch_pasted, merged, access, cache)
        knowledge = kb() if callable(kb) else kb
        fetched = pending.result()
    whole = _nothing_read(cache.answers)
    if whole is not None:
        raise problem_error(whole)
    diagnoses = []
    for item, (from_record, result, note) in zip(merged, fetched, strict=True):
        if result.context is None:
            offline = diagnose_evidence(item, None, knowledge)
            why = result.problem.message if result.problem is not None else "nothing could be read"
            diagnoses.append(dataclasses.replace(offline, notes=(*offline.notes, f"Not checked online: {why}")))
            continue
        if from_record:
            found = _as_pasted(diagnose_context(result.context, knowledge), item)
        else:
            found = diagnose_evidence(item, result.context, knowledge)
        found = _say_what_was_not_read(found)
        diagnoses.append(dataclasses.replace(found, notes=(*found.notes, note)) if note else found)
    return Report(diagnoses=tuple(diagnoses))


def _fetch_pasted(
    merged: Sequence[Evidence], access: TwilioAccess, cache: ReadCache
) -> list[tuple[bool, Assembled, str | None]]:
    """Each error's reads: (whether its resource was read, what was read, a note). Errors that name a resource
    are read as SIDs are; those whose resource cannot be read (a SID of another project) are read again as
    the text gives them, in one more plan that shares the cache."""
    from .gateway import fetch_contexts
    from .plan import EvidenceSubject

    subjects: list[Subject] = [_pasted_subject(e) for e in merged]
    results = fetch_contexts(subjects, access, cache)
    out: list[tuple[bool, Assembled, str | None]] = [
        (not isinstance(s, EvidenceSubject), r, None) for s, r in zip(subjects, results, strict=True)
    ]
    lost = [i for i, (by_sid, r, _) in enumerate(out) if by_sid and r.context is None]
    if lost:
        again = fetch_contexts([EvidenceSubject(merged[i]) for i in lost], access, cache)
        for i, result in zip(lost, again, strict=True):
            problem = out[i][1].problem
            why = problem.message.rstrip(".") if problem is not None else "it could not be read"
            sid = merged[i].message_sid or merged[i].call_sid
            out[i] = (
                False,
                result,
                f"{sid}, which the pasted error names, was not read ({why}): diagnosed from the text.",
            )
    return out


def _pasted_subject(evidence: Evidence) -> Subject:
    """The resource a pasted error names, read as its SID is; else the error as the text gives it."""
    from .plan import EvidenceSubject, SidSubject

    sid = evidence.message_sid or evidence.call_sid
    if sid and not (evidence.message_sid and evidence.call_sid):
        try:
            return SidSubject.parse(sid, evidence.account_sid)
        except InputError:
            pass
    return EvidenceSubject(evidence)


def _as_pasted(found: Diagnosis, pasted: Evidence) -> Diagnosis:
    """The diagnosis of the resource a pasted error names, placed where the paste has it (line, excerpt, count,
    first and last seen), saying that Twilio's record was read and where it differs from the text."""
    record = found.evidence
    evidence = dataclasses.replace(
        record,
        format=pasted.format,
        line=pasted.line,
        excerpt=pasted.excerpt or record.excerpt,
        timestamp=pasted.timestamp,
        count=pasted.count,
        first_seen=pasted.first_seen,
        last_seen=pasted.last_seen,
    )
    notes = [
        f"Read from Twilio: {record.sid}, which the pasted error names; its record gives the account and the 'To'."
    ]
    if pasted.code is not None and record.code != pasted.code:
        said = f"error {record.code}" if record.code else f"no error (status {record.status or 'unknown'})"
        notes.append(
            f"The pasted error says {pasted.code}; Twilio's record of {record.sid} says {said}: this report"
            " is the record's."
        )
    if pasted.to and record.to and pasted.to != record.to:
        notes.append(f"The pasted error's 'To' is {pasted.to}; Twilio's record of {record.sid} has {record.to}.")
    if pasted.count > 1 and pasted.account_sid is None:
        notes.append(
            f"The {pasted.count - 1:,} other errors of this group name no account: the account of {record.sid}, "
            "their first, is taken for them all."
        )
    return dataclasses.replace(found, evidence=evidence, notes=(*found.notes, *notes))


def _say_what_was_not_read(diagnosis: Diagnosis) -> Diagnosis:
    """A pasted error the accounts' reads did not decide says why in its first lines.

    "No cause could be confirmed from what diagnose could read" alone reads as if the
    account had been checked: the read that failed (an account the credentials do not
    reach, a 5xx, a timeout, an answer that is not JSON) was only among the facts below,
    and triage's text, which shows no facts, did not say it at all.
    """
    from .report import NOT_CONFIRMED_ONLINE

    if diagnosis.verdict not in ("likely", "inconclusive"):
        return diagnosis
    # the likely cause's facts first: what would confirm it
    causes = sorted(diagnosis.causes, key=lambda c: c.id != diagnosis.cause)
    for cause in causes:
        if cause.status == "ruled-out":
            continue
        for name in cause.facts:
            fact = diagnosis.facts.get(name)
            if isinstance(fact, Mapping) and not fact.get("known") and fact.get("reason"):
                reason = str(fact["reason"]).rstrip(".")
                return dataclasses.replace(diagnosis, summary=f"{diagnosis.summary} {NOT_CONFIRMED_ONLINE} {reason}.")
    return diagnosis


@contextlib.contextmanager
def _fetch_thread() -> Iterator[ThreadPoolExecutor]:
    """The thread that runs the reads while this one loads the knowledge.

    On Ctrl-C (any exception) this thread stops waiting for it: a request in flight may take its
    whole timeout, and the command line exits at once (its thread dies with the process).
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="diagnose-fetch")
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _nothing_read(answers: Mapping[Read, Answer]) -> Problem | None:
    """Every read of the run failed, so nothing about any account is known: why, or None.

    Rejected credentials, an unreachable Twilio, a 403, 5xx or an answer that is not JSON
    for every request: a report built on them would be offline in all but name (every
    deciding fact unknown), so the command says so in one line instead, with exit 3, as a
    SID does. A standard API key, refused only the Accounts resource, still reads the rest.
    """
    from .plan import Problem, problem_kind

    sent = [a for a in answers.values() if a.ran]
    if not sent or any(a.ok for a in sent):
        return None
    # a rejection of the credentials first: it concerns every read, whatever else failed
    first = min(sent, key=lambda a: a.kind != "credentials")
    kind = problem_kind(first)
    message = (first.message or first.error or kind).rstrip(".")
    return Problem(kind, f"{message}. Or diagnose the text alone, offline: add --offline.", first.kind or "api")


def diagnose_context(context: Context, kb: KnowledgeBase) -> Diagnosis:
    """The report for one fetched subject. Pure."""
    return diagnose_evidence(evidence_from_context(context), context, kb)


def diagnose_sids(
    sids: Sequence[str],
    access: TwilioAccess,
    kb: KnowledgeBase | Callable[[], KnowledgeBase],
    *,
    account: str | None = None,
) -> Report:
    """One entry per SID, in input order; the SIDs' reads are planned together, so shared ones are made once.

    A SID that is malformed, found nowhere or unreadable becomes an entry with
    verdict ``unavailable`` (see :func:`~diagnose.report.build_unavailable`);
    the others are still diagnosed. When no SID could be diagnosed and the
    reason is the same for every one of them and concerns the whole command
    (all malformed; or the credentials rejected, out of reach, or Twilio
    unreachable), that error is raised instead, as for a single SID.
    """
    return diagnose_online(parse_sids(sids, account), access, kb)


def parse_sids(sids: Sequence[str], account: str | None = None) -> list[SidSubject | Diagnosis]:
    """Each SID as a subject, or, when malformed, its ``unavailable`` entry (``problem_kind`` ``input``).

    Raises InputError, before anything is sent, for a malformed ``account``
    (it concerns every SID) and when no SID is well formed.
    """
    from .evidence import check_account_sid
    from .plan import SidSubject

    account = check_account_sid(account) if account else None
    subjects: list[SidSubject | Diagnosis] = []
    for raw in sids:
        try:
            subjects.append(SidSubject.parse(raw, account))
        except InputError as err:
            subjects.append(_malformed(raw, err, account))
    if not any(isinstance(s, SidSubject) for s in subjects):
        first, *others = (d for d in subjects if isinstance(d, Diagnosis))
        named = ", ".join(repr(d.subject.sid) for d in others[:5]) + (", …" if len(others) > 5 else "")
        more = f" ({len(others)} more are malformed too: {named})" if others else ""  # all of them, in one go
        raise InputError(first.problem + more)
    return subjects


def diagnose_online(
    subjects: Sequence[Subject | Diagnosis],
    access: TwilioAccess,
    kb: KnowledgeBase | Callable[[], KnowledgeBase],
) -> Report:
    """Diagnose SID subjects and evidence in hand; a :class:`Diagnosis` in the list is kept as it is.

    The read planner (``diagnose.plan``) plans every subject's reads together;
    ``kb`` may be a function that loads the knowledge: it then runs while the
    first requests are in flight, so start-up work overlaps network latency
    instead of adding to it.
    """
    import queue

    from .gateway import fetch_contexts, problem_error
    from .plan import EvidenceSubject, SidSubject

    online = [s for s in subjects if not isinstance(s, Diagnosis)]
    rounds: queue.SimpleQueue[Mapping[Read, Answer] | None] = queue.SimpleQueue()
    with _fetch_thread() as pool:
        pending = pool.submit(fetch_contexts, online, access, on_round=rounds.put)
        pending.add_done_callback(lambda _: rounds.put(None))
        # Everything the first requests do not need is imported once they are on their way (or the fetch is
        # over): started sooner, this work would hold the interpreter while they are being sent.
        answers = rounds.get()
        _warm_up()
        knowledge = kb() if callable(kb) else kb
        # While a later round is in flight, the entries of the codes fetched so far are built and their
        # templates compiled: work that would otherwise wait for the last answer.
        while answers is not None and not pending.done():
            _prepare(knowledge, answers)
            answers = rounds.get()
        results = iter(pending.result())
    from .report import build_unavailable

    entries: list[Diagnosis] = []
    failures = []
    for subject in subjects:
        if isinstance(subject, Diagnosis):
            entries.append(subject)
            continue
        result = next(results)
        if result.problem is not None:
            failures.append(result.problem)
            sid = subject.sid if isinstance(subject, SidSubject) else subject.evidence.sid
            acct = subject.account if isinstance(subject, SidSubject) else subject.evidence.account_sid
            entries.append(
                build_unavailable(subject.kind, sid, result.problem.kind, result.problem.message, account=acct)
            )
        elif isinstance(subject, EvidenceSubject):
            assert result.context is not None
            entries.append(diagnose_evidence(subject.evidence, result.context, knowledge))
        else:
            assert result.context is not None
            entries.append(diagnose_context(result.context, knowledge))
    # Nothing could be diagnosed, for one reason that concerns the whole command: fail as a whole.
    if failures and all(e.verdict == "unavailable" for e in entries):
        kinds = {p.kind for p in failures}
        if len(kinds) == 1 and kinds <= {"credentials", "unreachable"}:
            raise problem_error(failures[0])
    return Report(diagnoses=tuple(entries))


def _malformed(raw: str, err: InputError, account: str | None) -> Diagnosis:
    from .report import build_unavailable

    shown = "".join(ch for ch in raw.strip() if ch.isprintable())[:64]  # never echo control characters
    kind: Literal["message", "call"] = "call" if shown[:2].upper() == "CA" else "message"
    return build_unavailable(kind, shown or None, "input", str(err), account=account)


def _prepare(knowledge: KnowledgeBase, answers: Mapping[Read, Answer]) -> None:
    """Build the entries of the error codes in ``answers`` and load their compiled templates (both are kept)."""
    from .knowledge.templating import preload
    from .plan import fetched_codes

    for code in fetched_codes(answers):
        entry = knowledge.get(code)
        if entry is not None:
            preload(entry.templates())


def _warm_up() -> None:
    """Import what the fetch needs between rounds, then what the report needs after, while waiting on the network."""
    from . import countries

    countries.country_data()
    countries.parse_destination("+15005550006")
    from . import engine, render, report  # noqa: F401
