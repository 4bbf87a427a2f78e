"""Plain, frozen data shared by every step of the pipeline.

Nothing here does I/O. ``dataclasses.asdict(Report)`` is the JSON output, so
every field must hold JSON-compatible data (str, int, float, bool, None,
tuples/lists and dicts of those).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CauseStatus = Literal["confirmed", "ruled-out", "possible", "unknown"]
Verdict = Literal["confirmed", "likely", "inconclusive", "no-error", "no-knowledge", "unavailable"]
# Why a subject could not be diagnosed at all (verdict "unavailable").
ProblemKind = Literal["not-found", "credentials", "unreachable", "input"]
SubjectKind = Literal["message", "call", "paste"]


@dataclass(frozen=True)
class Fact:
    """One named fact: a known value with its source, or unknown with the reason."""

    name: str
    value: Any = None
    known: bool = True
    source: str = ""
    reason: str = ""

    @classmethod
    def unknown(cls, name: str, reason: str, source: str = "") -> Fact:
        return cls(name=name, value=None, known=False, source=source, reason=reason)


@dataclass(frozen=True)
class Evidence:
    """What the input says about the failure, before any fact is derived."""

    kind: SubjectKind
    sid: str | None = None
    code: int | None = None
    http_status: int | None = None
    message_sid: str | None = None
    call_sid: str | None = None
    account_sid: str | None = None
    to: str | None = None
    from_: str | None = None
    country: str | None = None
    format: str = "sid"
    status: str | None = None
    channel: str | None = None
    excerpt: str = ""
    # Pasted text (``kind == "paste"``): how the evidence was read. Defaults for a SID lookup.
    message: str | None = None  # Twilio's error message as found in the input
    code_source: str | None = None  # "printed", "more-info-url" or "wording" (recognised from the message)
    to_raw: str | None = None  # the destination exactly as written (masked, without '+', ...)
    # the number as sent, in E.164 form, when ``to`` is read without the national trunk 0 it kept after the
    # country code ('+4407400123456' for to '+447400123456'); a SID's ``to`` is Twilio's record, as sent
    to_sent: str | None = None
    country_confidence: str | None = None  # "high", "medium" or "low"; None when no country was found
    country_reason: str = ""  # why the country is what it is, in one sentence
    parent_account_sid: str | None = None  # when the input names it (Debugger webhook ParentAccountSid)
    line: int | None = None  # 1-based line of the input where the error starts
    timestamp: str | None = None  # the first timestamp on that line, as written
    count: int = 1  # occurrences merged into this one (same code, account and country)
    first_seen: str | None = None
    last_seen: str | None = None
    # Pasted input whose code was recognised from its wording (code_source == "wording"):
    code_wording: str | None = None  # "official", "older" or "unverified" (an older wording no source shows)
    code_confidence: str | None = None  # how sure the code is: "high", "medium" or "low"; None for a SID
    code_reason: str = ""  # how the code was recognised, in one sentence; "" when it was printed
    # the other codes whose message the same words are, when nothing in the text told which it is (13227 read
    # from "Geo Permission configuration is not permitting call" in a log line: (21215,)); () otherwise
    code_alternatives: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # a tuple, as JSON's list reads back (evidence survives a JSON round trip)
        if not isinstance(self.code_alternatives, tuple):
            object.__setattr__(self, "code_alternatives", tuple(self.code_alternatives))


def is_unread_number(to_raw: str) -> bool:
    """Whether a pasted To that gave no number (``Evidence.to`` null) is written whole, not masked: digits and a
    number's separators only (``07400123456``, a national number no country was named for), no mask's ``*`` or
    ``x``, no ``[REDACTED]``."""
    return any(c.isdigit() for c in to_raw) and all(c.isdigit() or c in " +-.()" for c in to_raw.strip())


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    sid: str | None


@dataclass(frozen=True)
class ErrorInfo:
    code: int | None
    title: str
    docs_url: str


@dataclass(frozen=True)
class CauseFinding:
    """The status of one cause: why, in one sentence, and the facts that decided it."""

    id: str
    title: str
    status: CauseStatus
    reason: str = ""  # the knowledge's confirmed_because / ruled_out_because, rendered
    evidence: tuple[str, ...] = ()  # one line per fact the cause reads: value and source, or why unknown
    facts: tuple[str, ...] = ()
    # Ruled out: the parts of the knowledge's condition that did it (the ruled_out_when operands that
    # hold, or the confirmed_when operands that fail), so a report says which one, not "this, or that"
    ruled_out_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Findings:
    code: int | None
    verdict: Verdict
    cause: str | None
    causes: tuple[CauseFinding, ...] = ()
    # With a likely verdict: the other open causes that the likely cause's fix also covers
    # (they refine it, or share its first fix step).
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixStep:
    text: str
    console: str | None = None
    api: str | None = None
    notes: tuple[str, ...] = ()  # what the step needs that the report cannot fill in, e.g. how to get a token


@dataclass(frozen=True)
class Diagnosis:
    subject: Subject
    evidence: Evidence
    error: ErrorInfo
    verdict: Verdict
    cause: str | None
    causes: tuple[CauseFinding, ...]
    fix: tuple[FixStep, ...]
    verify: tuple[str, ...]
    facts: dict[str, Any]
    summary: str = ""
    explanation: str = ""
    prevention: tuple[str, ...] = ()
    escalation: tuple[str, ...] = ()  # when to escalate to Twilio support
    escalation_send: tuple[str, ...] = ()  # what to send them
    requests: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    next_checks: tuple[FixStep, ...] = ()  # no cause confirmed: what to check next, in order
    problem: str = ""  # verdict "unavailable": one line, why the subject could not be diagnosed
    problem_kind: ProblemKind | Literal[""] = ""
    covers: tuple[str, ...] = ()  # likely: other open causes the printed fix also covers


@dataclass(frozen=True)
class Report:
    diagnoses: tuple[Diagnosis, ...] = field(default_factory=tuple)
