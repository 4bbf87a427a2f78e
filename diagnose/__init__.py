"""diagnose: find why a Twilio message or call failed, and the exact fix.

The library API mirrors the pipeline (docs/architecture.md)::

    from diagnose import load_knowledge, diagnose_sids, diagnose_online, EvidenceSubject
    from diagnose import TwilioAccess, credentials_from_env
    kb = load_knowledge()
    with TwilioAccess(credentials_from_env(os.environ)) as access:
        report = diagnose_sids(["SM…", "CA…"], access, kb)         # one entry per SID
        report = diagnose_online([EvidenceSubject(evidence)], access, kb)  # evidence in hand

Pasted error text (an exception, an API error body, a status callback, a Debugger
webhook's form body, a log) is the common case, and a webhook receiver's::

    from diagnose import extract, diagnose_pasted, diagnose_pasted_online
    evidence = extract(text)                     # pure; extract_bytes(data) for raw bytes
    report = diagnose_pasted(evidence, kb)       # offline: the causes the text allows
    with TwilioAccess(credentials_from_env(os.environ)) as access:
        report = diagnose_pasted_online(evidence, access, kb)  # confirmed, reads shared across errors

Names are imported on first use, so ``import diagnose`` loads neither
``twilio`` nor any knowledge file.
"""

from __future__ import annotations

from ._lazy import lazy_exports

__version__ = "0.2.0.dev0"

_EXPORTS = {
    "Report": "models",
    "Diagnosis": "models",
    "Evidence": "models",
    "Fact": "models",
    "CauseFinding": "models",
    "Findings": "models",
    "FixStep": "models",
    "Context": "context",
    "Fetched": "context",
    "FACTS": "facts",
    "derive_facts": "facts",
    "evaluate": "engine",
    "build_diagnosis": "report",
    "diagnose_context": "pipeline",
    "diagnose_evidence": "pipeline",
    "diagnose_sids": "pipeline",
    "diagnose_online": "pipeline",
    "parse_sids": "pipeline",
    "SidSubject": "plan",
    "EvidenceSubject": "plan",
    "evidence_from_context": "pipeline",
    "diagnose_pasted": "pipeline",
    "diagnose_pasted_online": "pipeline",
    "extract": "paste",
    "extract_bytes": "paste",
    "load_knowledge": "knowledge",
    "lint_paths": "knowledge",
    "lookup_error": "knowledge",
    "render_report": "render",
    "render_explain": "render",
    "render_runbook": "render.runbook",
    "build_site": "render.runbook",
    "TwilioAccess": "gateway",
    "credentials_from_env": "gateway",
    "DiagnoseError": "errors",
    "InputError": "errors",
    "KnowledgeError": "errors",
    "TwilioAccessError": "errors",
    "CredentialsError": "errors",
    "UnreachableError": "errors",
    "NotFoundError": "errors",
    "RenderError": "errors",
    "Caches": "cache",
    "caches_from_env": "cache",
    "use_caches": "cache",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
