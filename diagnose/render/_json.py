"""The JSON output: ``dataclasses.asdict(report)`` with two documented adjustments.

1. ``Evidence.from_`` is emitted as ``"from"`` (same position).
2. ``facts`` keys are ordered as the fact registry lists them (unknown names
   last, alphabetically), so the key order never depends on the producer.

Everything else keeps the dataclass field order; tuples become arrays.
:func:`loads_report` is the inverse, used by the round-trip tests and by
anything that reads a saved report back.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import RenderError
from ..models import CauseFinding, Diagnosis, ErrorInfo, Evidence, FixStep, Report, Subject
from ..safe_text import json_controls
from ._views import ordered_facts

if TYPE_CHECKING:
    from ..knowledge.model import Entry


def _evidence_out(evidence: Mapping[str, Any]) -> dict[str, Any]:
    return {("from" if key == "from_" else key): value for key, value in evidence.items()}


def report_data(report: Report) -> dict[str, Any]:
    """The JSON document for ``report`` as plain Python data."""
    data = dataclasses.asdict(report)
    diagnoses = []
    for diagnosis in data["diagnoses"]:
        diagnosis["evidence"] = _evidence_out(diagnosis["evidence"])
        facts = diagnosis.get("facts") or {}
        diagnosis["facts"] = {name: facts[name] for name in ordered_facts(facts)}
        diagnoses.append(diagnosis)
    return {"diagnoses": diagnoses}


def dumps_report(report: Report) -> str:
    try:
        text = json_controls(json.dumps(report_data(report), indent=2, ensure_ascii=False, default=str))
    except (TypeError, ValueError) as exc:  # e.g. a circular structure inside facts
        raise RenderError(f"the report cannot be written as JSON: {exc}") from exc
    return text + "\n"


def _tuple(items: Any) -> tuple[Any, ...]:
    return tuple(items or ())


def _step(data: Mapping[str, Any]) -> FixStep:
    return FixStep(text=data["text"], console=data.get("console"), api=data.get("api"), notes=_tuple(data.get("notes")))


def _diagnosis(data: Mapping[str, Any]) -> Diagnosis:
    evidence = {("from_" if key == "from" else key): value for key, value in data["evidence"].items()}
    return Diagnosis(
        subject=Subject(**data["subject"]),
        evidence=Evidence(**evidence),
        error=ErrorInfo(**data["error"]),
        verdict=data["verdict"],
        cause=data.get("cause"),
        causes=tuple(
            CauseFinding(
                id=c["id"],
                title=c["title"],
                status=c["status"],
                reason=c.get("reason") or "",
                evidence=_tuple(c.get("evidence")),
                facts=_tuple(c.get("facts")),
                ruled_out_by=_tuple(c.get("ruled_out_by")),
            )
            for c in data.get("causes") or ()
        ),
        fix=tuple(_step(step) for step in data.get("fix") or ()),
        verify=_tuple(data.get("verify")),
        facts=dict(data.get("facts") or {}),
        summary=data.get("summary", ""),
        explanation=data.get("explanation", ""),
        prevention=_tuple(data.get("prevention")),
        escalation=_tuple(data.get("escalation")),
        escalation_send=_tuple(data.get("escalation_send")),
        requests=_tuple(data.get("requests")),
        notes=_tuple(data.get("notes")),
        next_checks=tuple(_step(step) for step in data.get("next_checks") or ()),
        problem=data.get("problem") or "",
        problem_kind=data.get("problem_kind") or "",
    )


def loads_report(text: str) -> Report:
    """A :class:`Report` back from :func:`dumps_report` output (facts stay plain JSON data)."""
    try:
        data = json.loads(text)
        return Report(diagnoses=tuple(_diagnosis(d) for d in data["diagnoses"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise RenderError(f"not a diagnose JSON report: {exc}") from exc


def _plain(value: Any) -> Any:
    """Knowledge dataclasses as JSON data; compiled conditions as their text; internal fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "evaluate") and hasattr(value, "text"):  # a compiled Condition
            return value.text
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_") and f.metadata.get("json", True)
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    return value


def dumps_plain(value: Any) -> str:
    return json_controls(json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str)) + "\n"


def dumps_entry(entry: Entry) -> str:
    """A knowledge entry as :func:`dumps_plain` writes it, each cause ending in ``ruled_out_ways``: every way
    it is ruled out with the line a report then shows, which a reader could not work out without splitting
    ``ruled_out_when`` as the condition language does."""
    from ..knowledge.model import ruled_out_ways

    data = _plain(entry)
    for cause, out in zip(entry.causes, data["causes"], strict=True):
        out["ruled_out_ways"] = [{"when": when, "because": because} for when, because in ruled_out_ways(cause)]
    return json_controls(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"
