"""The knowledge model: what a validated ``knowledge/<code>.yaml`` becomes.

Text fields hold Markdown. Fields documented as *templates* are Jinja2
templates over fact names, rendered in a sandbox by
:func:`diagnose.knowledge.templating.render_template`; conditions are
compiled by :mod:`diagnose.conditions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..conditions import Condition


@dataclass(frozen=True)
class Reference:
    title: str
    url: str
    checked: str  # ISO date the reference was last checked


@dataclass(frozen=True)
class Check:
    """How a person confirms a cause by hand (runbook "Diagnosis")."""

    console: str = ""  # template, Markdown
    api: str = ""  # template: the exact request(s)


@dataclass(frozen=True)
class FixTemplate:
    text: str  # template, Markdown
    console: str = ""  # template: Console path or URL
    api: str = ""  # template: equivalent API call
    when: Condition | None = None  # step shown only where this is not false
    action: str = ""  # a name from knowledge.actions.ACTIONS: what `diagnose fix` does for the step
    target: str = "account"  # the account the action changes: account, parent or governing


@dataclass(frozen=True)
class Cause:
    id: str
    title: str
    explanation: str
    confirmed_when: Condition
    ruled_out_when: Condition | None
    confirmed_because: str  # template
    ruled_out_because: str  # template
    check: Check = field(default_factory=Check)
    fix: tuple[FixTemplate, ...] = ()
    verify: tuple[str, ...] = ()  # templates
    prevention: tuple[str, ...] = ()  # templates
    retired: str = ""  # non-empty: no longer evaluated; the note says why
    refines: str = ""  # id of the more general cause this one is a special case of (same entry)
    # (operand of ruled_out_when's top-level or, as Condition.holding names it; template): the line shown
    # when that operand rules the cause out, instead of the general ruled_out_because
    ruled_out_reasons: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> frozenset[str]:
        """Every fact name the cause's conditions read."""
        names = set(self.confirmed_when.names)
        if self.ruled_out_when is not None:
            names |= self.ruled_out_when.names
        return frozenset(names)


def cause_templates(cause: Cause) -> list[str]:
    """Every template of ``cause``, in file order (empty ones included)."""
    templates = [cause.confirmed_because, cause.ruled_out_because, cause.check.console, cause.check.api]
    templates += [because for _, because in cause.ruled_out_reasons]
    templates += [*cause.verify, *cause.prevention]
    for step in cause.fix:
        templates += [step.text, step.console, step.api]
    return templates


def remark_templates(remark: Remark) -> list[str]:
    """Every template of ``remark``, in file order (empty ones included)."""
    return [remark.text, *(t for step in remark.fix for t in (step.text, step.console, step.api))]


def ruled_out_ways(cause: Cause) -> tuple[tuple[str, str], ...]:
    """Each way ``cause`` can be ruled out, as (condition text, the template a report shows when that way
    is what held), as the engine reads them: each operand of ``ruled_out_when``'s top-level ``or`` with
    its ``ruled_out_reasons`` line, or ``ruled_out_because`` when it has none; a ``ruled_out_when`` of one
    way, or a false ``confirmed_when`` for a cause without one, with ``ruled_out_because``. ``()`` for a
    retired cause: it is not evaluated."""
    if cause.retired:
        return ()
    general = cause.ruled_out_because
    if cause.ruled_out_when is None:
        return ((f"not ({' '.join(cause.confirmed_when.text.split())})", general),)
    ways = cause.ruled_out_when.alternatives
    if not ways:
        return ((" ".join(cause.ruled_out_when.text.split()), general),)
    lines = dict(cause.ruled_out_reasons)
    return tuple((way, lines.get(way, general)) for way in ways)


@dataclass(frozen=True)
class Remark:
    """Something a report says whatever the cause and the verdict, when ``when`` is true (not unknown): ``text``
    ends the answer, and ``fix`` comes before the cause's steps (docs/knowledge-format.md#remarks)."""

    when: Condition
    text: str  # template, Markdown
    fix: tuple[FixTemplate, ...] = ()  # advice only: no action


@dataclass(frozen=True)
class Escalation:
    when: tuple[str, ...] = ()
    send: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownWording:
    """One other wording of an error's message, and where it was seen."""

    text: str
    source: str = ""  # where the wording was seen; docs/sources.md has the details
    unverified: bool = False  # no source shows Twilio writing it (a bare string in YAML counts as this)
    whole: bool = False  # the message is this and nothing else ("Authenticate"): knowledge/wordings.yaml only


def known_wordings(raw: object) -> tuple[KnownWording, ...]:
    """The ``wordings`` of a knowledge file as data: ``{text, source}``, ``{text, unverified}`` or a bare string."""
    out: list[KnownWording] = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, str):
            out.append(KnownWording(item, "", True))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            source = item.get("source")
            out.append(
                KnownWording(
                    item["text"],
                    source if isinstance(source, str) else "",
                    item.get("unverified") is True or not isinstance(source, str),
                    item.get("whole") is True,
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class Entry:
    """Everything known about one error code."""

    code: int
    title: str  # Twilio's official message
    summary: str  # one sentence: what went wrong
    products: tuple[str, ...]
    channels: tuple[str, ...]
    log_level: str | None  # None: no source gives it, so no report claims one
    meaning: str
    impact: str
    causes: tuple[Cause, ...]
    escalation: Escalation
    references: tuple[Reference, ...]
    related: tuple[int, ...] = ()
    docs_url: str = ""
    diagnosis: str = ""  # general diagnosis notes (Markdown)
    source: str = ""  # file the entry was loaded from
    wordings: tuple[str, ...] = ()  # other wordings of the message (older SDKs and API versions)
    wording_info: tuple[KnownWording, ...] = ()  # the same wordings with their source and whether verified
    remarks: tuple[Remark, ...] = ()  # said whatever the cause, when their condition holds
    based_on: int | None = field(default=None, compare=False, metadata={"json": False})
    """The other code whose entry this one extends (13225's is 21216), where the loader resolved ``extends``: where
    the entry came from, as ``source`` says, not what it says (a dump of it, reloaded, has none)."""
    reads: frozenset[str] = field(default=frozenset(), compare=False, metadata={"json": False})
    """Every fact the live causes (conditions and templates) and the escalation read; the loader fills it in
    from what checking the file found, so a report need not parse templates to know which facts bear on it."""

    def cause(self, cause_id: str) -> Cause | None:
        return next((c for c in self.causes if c.id == cause_id), None)

    def templates(self) -> list[str]:
        """Every non-empty template of the entry: its causes', its remarks' and its escalation's."""
        templates = [t for cause in self.causes for t in cause_templates(cause)]
        templates += [t for remark in self.remarks for t in remark_templates(remark)]
        return [t for t in (*templates, *self.escalation.when, *self.escalation.send) if t]


@dataclass(frozen=True)
class IndexEntry:
    """One row of the index of every Twilio error code (facts only)."""

    code: int
    message: str
    product: str | None
    log_level: str | None
    log_type: str | None
    docs_url: str
