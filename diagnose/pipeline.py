"""The pipeline, end to end: input → evidence → context → facts → findings → report.

``diagnose_context`` is pure (plain data in, document out). ``diagnose_sids``
is the one function that goes online, and it does so through the gateway,
imported lazily so that offline commands never load ``twilio``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .context import Context
from .evidence import classify_sid, from_call, from_message
from .models import Diagnosis, Evidence, Report

if TYPE_CHECKING:
    from .gateway import TwilioAccess
    from .knowledge import KnowledgeBase


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
    index = lookup_error(evidence.code) if evidence.code else None
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

    return Report(diagnoses=tuple(diagnose_evidence(e, None, kb) for e in merge_duplicates(evidence)))


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
    """Fetch each SID's context through the gateway and diagnose it.

    ``kb`` may be a function that loads the knowledge: it then runs while the
    first requests are in flight, so start-up work overlaps network latency
    instead of adding to it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .gateway import fetch_context

    checked = [classify_sid(sid)[1] for sid in sids]  # reject malformed SIDs before any request
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="diagnose-fetch") as pool:
        pending = pool.submit(lambda: [fetch_context(sid, access, account=account) for sid in checked])
        knowledge = kb() if callable(kb) else kb
        _warm_up()
        contexts = pending.result()
    return Report(diagnoses=tuple(diagnose_context(context, knowledge) for context in contexts))


def _warm_up() -> None:
    """Import what the fetch needs between rounds and what the report needs after, while waiting on the network."""
    from . import countries, render  # noqa: F401

    countries.country_data()
    countries.parse_destination("+15005550006")
