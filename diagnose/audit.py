"""The audit's middle: what one account's answers mean for each required country, and the totals.

Pure: plain data in, frozen dataclasses out. The reads happen in
``diagnose.audit_reads`` (through the gateway); rendering in
``diagnose.render.audit``. The JSON document built here is a stable contract
(``docs/audit.md``): ``diagnose fix`` consumes it.

Vocabulary, per account × country × product (a *cell*):

* ``enabled``: usable now.
* ``disabled``: off, and the API can turn it on (on this account, or on its
  parent when a voice subaccount inherits).
* ``blocked``: off, and the API cannot turn it on: a messaging high-risk
  country (``console-only``: only the Console can change it, 30649) or a
  country Twilio does not deliver to (``not-allowed``), or a country whose whole
  calling code Twilio blocks by prefix (``blocked-prefix``: North Korea, +850).
* ``unknown``: the answer could not be read; ``reason`` says why.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError

PRODUCTS: tuple[str, ...] = ("sms", "voice")
STATUSES: tuple[str, ...] = ("enabled", "disabled", "blocked", "unknown")
SCHEMA_VERSION = 1

# Reasons a cell is blocked.
CONSOLE_ONLY = "console-only"
NOT_ALLOWED = "not-allowed"
BLOCKED_PREFIX = "blocked-prefix"
BLOCKED_WHY = {
    CONSOLE_ONLY: "only the Console can enable it (messaging high-risk country, 30649)",
    NOT_ALLOWED: "Twilio does not deliver there; no setting enables it",
    BLOCKED_PREFIX: "Twilio blocks its whole calling code; no setting enables it",
}
"""Why a blocked cell is: the same words in the headline and in each format's cell."""

_ISO = re.compile(r"^[A-Za-z]{2}$")
MAX_COUNTRIES = 300  # more than there are countries: a longer list is a mistake, not a wish


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class VoiceRanges:
    """The three voice dialing toggles of one country."""

    low_risk: bool
    high_risk_special: bool
    high_risk_tollfraud: bool

    @classmethod
    def from_wire(cls, payload: Mapping[str, Any]) -> VoiceRanges | None:
        """From a ``/v1/DialingPermissions/Countries`` record; None when a toggle is missing."""
        values = [
            payload.get(k)
            for k in (
                "low_risk_numbers_enabled",
                "high_risk_special_numbers_enabled",
                "high_risk_tollfraud_numbers_enabled",
            )
        ]
        if not all(isinstance(v, bool) for v in values):
            return None
        return cls(*values)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, bool]:
        return {
            "low_risk": self.low_risk,
            "high_risk_special": self.high_risk_special,
            "high_risk_tollfraud": self.high_risk_tollfraud,
        }


@dataclass(frozen=True)
class Cell:
    """One account × country × product."""

    country: str
    product: str
    status: str
    reason: str | None = None
    """blocked: ``console-only`` / ``not-allowed``; unknown: why; else None."""
    source: str | None = None
    """voice: ``own`` or ``parent`` (the subaccount inherits its parent's dialing permissions)."""
    ranges: VoiceRanges | None = None
    """voice: the effective toggles."""
    same_as_parent: bool | None = None
    """sms subaccounts: whether the answer equals the parent's for this country (None: not compared)."""

    @property
    def usable(self) -> bool:
        return self.status == "enabled"

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Cell:
        ranges = doc.get("ranges")
        return cls(
            country=doc["country"],
            product=doc["product"],
            status=doc["status"],
            reason=doc.get("reason"),
            source=doc.get("source"),
            ranges=VoiceRanges(**ranges) if isinstance(ranges, Mapping) else None,
            same_as_parent=doc.get("same_as_parent"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "product": self.product,
            "status": self.status,
            "usable": self.usable,
            "reason": self.reason,
            "source": self.source,
            "ranges": self.ranges.as_dict() if self.ranges else None,
            "same_as_parent": self.same_as_parent,
        }


@dataclass(frozen=True)
class AccountAudit:
    """One audited account: its cells, or the reason it could not be audited."""

    sid: str
    friendly_name: str = ""
    parent: str | None = None
    type: str | None = None
    status: str | None = None
    cells: tuple[Cell, ...] = ()
    problem: str | None = None
    """Set when the account (or part of it) could not be read: its unknown cells say which."""
    voice_inheritance: bool | None = None
    """``dialing_permissions_inheritance`` from ``/v1/Settings`` (subaccounts, voice audits)."""
    sms_comparison: str | None = None
    """Subaccounts, sms audits: what comparing with the parent shows, and what it does not."""

    @property
    def is_subaccount(self) -> bool:
        return self.parent is not None

    @property
    def verdict(self) -> str:
        """``usable`` (every cell enabled), ``gaps`` (a cell disabled or blocked), or ``unknown``."""
        if any(c.status in ("disabled", "blocked") for c in self.cells):
            return "gaps"
        if self.problem is not None or any(c.status == "unknown" for c in self.cells):
            return "unknown"
        return "usable"

    def cell(self, country: str, product: str) -> Cell | None:
        return next((c for c in self.cells if c.country == country and c.product == product), None)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> AccountAudit:
        return cls(
            sid=doc["sid"],
            friendly_name=doc.get("friendly_name") or "",
            parent=doc.get("parent"),
            type=doc.get("type"),
            status=doc.get("status"),
            cells=tuple(Cell.from_dict(c) for c in doc.get("cells") or ()),
            problem=doc.get("problem"),
            voice_inheritance=doc.get("voice_inheritance"),
            sms_comparison=doc.get("sms_comparison"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "friendly_name": self.friendly_name,
            "parent": self.parent,
            "type": self.type,
            "status": self.status,
            "verdict": self.verdict,
            "problem": self.problem,
            "voice_inheritance": self.voice_inheritance,
            "sms_comparison": self.sms_comparison,
            "cells": [c.as_dict() for c in self.cells],
        }


# --------------------------------------------------------------------------- classification


def _blocked_reason(not_allowed: bool | str | None) -> str:
    return not_allowed if isinstance(not_allowed, str) else NOT_ALLOWED


def sms_cell(
    iso: str,
    enabled: bool | None,
    *,
    high_risk: bool,
    not_allowed: bool | str | None,
    parent_enabled: bool | None = None,
    is_subaccount: bool = False,
    why_unknown: str | None = None,
) -> Cell:
    """The SMS cell from the GeoPermissions answer (``enabled`` None: not in the answer).

    ``not_allowed``: true, or the reason (:data:`NOT_ALLOWED`, :data:`BLOCKED_PREFIX`), when no
    permission can open the country.
    """
    same = (
        (enabled == parent_enabled) if (is_subaccount and enabled is not None and parent_enabled is not None) else None
    )
    if not_allowed:
        return Cell(iso, "sms", "blocked", _blocked_reason(not_allowed), same_as_parent=same)
    if enabled is None:
        reason = why_unknown or f"the Messaging GeoPermissions answer does not list {iso}"
        return Cell(iso, "sms", "unknown", reason)
    if enabled:
        return Cell(iso, "sms", "enabled", same_as_parent=same)
    if high_risk:
        return Cell(iso, "sms", "blocked", CONSOLE_ONLY, same_as_parent=same)
    return Cell(iso, "sms", "disabled", same_as_parent=same)


def voice_cell(
    iso: str,
    own: VoiceRanges | None,
    *,
    not_allowed: bool | str | None,
    is_subaccount: bool = False,
    inheritance: bool | None = None,
    parent: VoiceRanges | None = None,
    why_unknown: str | None = None,
) -> Cell:
    """The voice cell: a subaccount that inherits uses its parent's toggles.

    When the inheritance setting could not be read, the cell is known only if
    the subaccount's own toggles and its parent's agree on low-risk numbers.
    """
    if not_allowed:
        return Cell(iso, "voice", "blocked", _blocked_reason(not_allowed))
    source = "own"
    effective = own
    if is_subaccount and inheritance:
        source, effective = "parent", parent
        if parent is None:
            reason = why_unknown or f"the subaccount inherits, and its parent's {iso} dialing permissions were not read"
            return Cell(iso, "voice", "unknown", reason, source="parent")
    elif is_subaccount and inheritance is None:
        if own is None or parent is None or own.low_risk != parent.low_risk:
            reason = why_unknown or (
                "the dialing_permissions_inheritance setting could not be read, and the subaccount's own "
                "and its parent's permissions differ"
            )
            return Cell(iso, "voice", "unknown", reason)
        source = None  # type: ignore[assignment]
    if effective is None:
        reason = why_unknown or f"the Voice DialingPermissions answer has no entry for {iso}"
        return Cell(iso, "voice", "unknown", reason, source=source)
    status = "enabled" if effective.low_risk else "disabled"
    return Cell(iso, "voice", status, source=source, ranges=effective)


def unknown_cells(countries: Sequence[str], products: Sequence[str], reason: str) -> tuple[Cell, ...]:
    return tuple(Cell(iso, p, "unknown", reason) for iso in countries for p in products)


def sms_comparison(cells: Iterable[Cell]) -> str | None:
    """What comparing a subaccount's SMS answers with its parent's shows, and what it does not."""
    compared = [c for c in cells if c.product == "sms" and c.same_as_parent is not None]
    if not compared:
        return None
    differ = sorted(c.country for c in compared if not c.same_as_parent)
    if differ:
        return (
            f"differs from its parent for {', '.join(differ)}: the subaccount has SMS permissions of its own "
            "there (it does not inherit them), unless the API returns a subaccount's stored list rather than "
            "its effective one, which Twilio does not document"
        )
    return (
        "same as its parent for every audited country: consistent with inheriting the parent's SMS "
        "permissions, but not proof (SMS inheritance is a Console setting with no API; a subaccount with "
        "its own identical settings answers the same)"
    )


# --------------------------------------------------------------------------- totals


@dataclass
class Tally:
    """Running totals, updated account by account, so the report needs no account list in memory."""

    countries: tuple[str, ...]
    products: tuple[str, ...]
    accounts: int = 0
    subaccounts: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {"usable": 0, "gaps": 0, "unknown": 0})
    cells: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    failed_accounts: int = 0
    blocked_why: dict[tuple[str, str], str] = field(default_factory=dict)  # a country's reason is every account's

    def __post_init__(self) -> None:
        for iso in self.countries:
            for product in self.products:
                self.cells[(iso, product)] = dict.fromkeys(STATUSES, 0)

    def add(self, account: AccountAudit) -> None:
        self.accounts += 1
        self.subaccounts += account.is_subaccount
        self.verdicts[account.verdict] += 1
        self.failed_accounts += account.problem is not None
        for cell in account.cells:
            counts = self.cells.get((cell.country, cell.product))
            if counts is not None:
                counts[cell.status] += 1
            if cell.status == "blocked" and cell.reason in BLOCKED_WHY:
                self.blocked_why.setdefault((cell.country, cell.product), cell.reason)

    @property
    def complete(self) -> bool:
        return self.verdicts["unknown"] == 0 and self.failed_accounts == 0

    def not_usable(self, iso: str, product: str) -> int:
        counts = self.cells[(iso, product)]
        return counts["disabled"] + counts["blocked"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "subaccounts": self.subaccounts,
            "usable": self.verdicts["usable"],
            "gaps": self.verdicts["gaps"],
            "unknown": self.verdicts["unknown"],
            "countries": {
                iso: {product: dict(self.cells[(iso, product)]) for product in self.products} for iso in self.countries
            },
        }


_VERB = {"sms": "send SMS to", "voice": "call"}


def _noun(tally: Tally, n: int) -> str:
    only_subs = tally.accounts > 0 and tally.subaccounts == tally.accounts
    word = "subaccount" if only_subs else "account"
    return word if n == 1 else word + "s"


def headlines(tally: Tally) -> list[str]:
    """The answer first: one line per country × product with gaps, worst first; or that all is well."""
    total = tally.accounts
    lines: list[tuple[int, str]] = []
    for iso in tally.countries:
        for product in tally.products:
            bad = tally.not_usable(iso, product)
            if bad:
                line = f"{bad:,} of {total:,} {_noun(tally, total)} cannot {_VERB[product]} {iso}"
                why = tally.blocked_why.get((iso, product))
                if why and tally.cells[(iso, product)]["blocked"] == bad:  # not for diagnose fix to try
                    line += f": {BLOCKED_WHY[why]}"
                lines.append((bad, line))
    lines.sort(key=lambda item: -item[0])
    out = [text for _, text in lines]
    unknown = tally.verdicts["unknown"]
    if unknown:
        out.append(f"{unknown:,} of {total:,} {_noun(tally, total)} could not be fully audited (unknown)")
    if not out:
        if total == 0:
            return ["No account was audited."]
        verbs = " and ".join(_VERB[p] for p in tally.products)
        out.append(f"All {total:,} {_noun(tally, total)} can {verbs} {', '.join(tally.countries)}.")
    return out


# --------------------------------------------------------------------------- the JSON contract


def document_head(
    *,
    tally: Tally,
    authenticated_account: str,
    scope: str,
    generated_at: str,
    exit_code: int,
    interrupted: bool,
    scope_problem: str | None = None,
    skipped: Mapping[str, int] | None = None,
    stopped_hosts: Sequence[str] = (),
    unsent_accounts: int = 0,
    parent_problem: str | None = None,
) -> dict[str, Any]:
    """Everything in the JSON document but ``accounts`` and ``gaps`` (streamed after it)."""
    return {
        "kind": "audit",
        "schema": SCHEMA_VERSION,
        "generated_at": generated_at,
        "authenticated_account": authenticated_account,
        "scope": scope,
        "countries": list(tally.countries),
        "products": list(tally.products),
        "complete": tally.complete and not interrupted and scope_problem is None,
        "interrupted": interrupted,
        "scope_problem": scope_problem,
        "skipped": dict(skipped or {}),
        "stopped_hosts": list(stopped_hosts),
        "unsent_accounts": unsent_accounts,
        "parent_problem": parent_problem,
        "exit_code": exit_code,
        "headline": headlines(tally),
        "summary": tally.as_dict(),
    }


def gaps(account: AccountAudit) -> Iterator[dict[str, Any]]:
    """The account's cells that are not usable and not unknown, as ``gaps`` entries."""
    for cell in account.cells:
        if cell.status in ("disabled", "blocked"):
            yield {
                "account": account.sid,
                "parent": account.parent,
                "country": cell.country,
                "product": cell.product,
                "status": cell.status,
                "reason": cell.reason,
                "source": cell.source,
            }


# --------------------------------------------------------------------------- inputs


def parse_countries(text: str, *, where: str = "--countries") -> tuple[str, ...]:
    """``"FR, de,IN"`` → ``("FR", "DE", "IN")``: ISO codes or English names, deduplicated, in order."""
    if len(text) > 20_000:
        raise InputError(f"{where}: the list is too long")
    out: list[str] = []
    for part in re.split(r"[,;\s]+", text):
        if part:
            _add(out, resolve_country(part, where=where))
    return _checked(out, where)


def resolve_country(value: str, *, where: str = "--countries") -> str:
    """An ISO 3166 alpha-2 code, or a country's English name, as the ISO code; else :class:`InputError`."""
    from .country_table import countries

    table = countries()
    text = value.strip().strip("\"'").strip()
    if _ISO.match(text) and text.upper() in table:
        return text.upper()
    by_name = _names()
    iso = by_name.get(_fold(text))
    if iso is not None:
        return iso
    shown = text[:40] + ("…" if len(text) > 40 else "")
    raise InputError(f"{where}: {shown!r} is not a country (use ISO codes such as FR, DE, IN)")


def _fold(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


_NAME_CACHE: dict[str, str] = {}


def _names() -> Mapping[str, str]:
    if not _NAME_CACHE:
        from .country_table import countries

        for iso, country in countries().items():
            _NAME_CACHE.setdefault(_fold(country.name), iso)
    return _NAME_CACHE


def _add(out: list[str], iso: str) -> None:
    if iso not in out:
        out.append(iso)


def _checked(out: list[str], where: str) -> tuple[str, ...]:
    if not out:
        raise InputError(f"{where}: no country given")
    if len(out) > MAX_COUNTRIES:
        raise InputError(f"{where}: {len(out)} countries is more than there are")
    return tuple(out)


_COLUMNS = ("country", "iso", "iso_code", "code", "country_code", "iso2", "alpha2", "alpha_2", "destination")
_COLUMNS_SAID = ", ".join(_COLUMNS[:-1]) + " or " + _COLUMNS[-1]


def parse_countries_file(text: str, name: str) -> tuple[str, ...]:
    """A destination list as a business keeps it: CSV with a country/iso/code column, or YAML.

    YAML: a list (of codes, names, or mappings with such a key), a mapping
    whose keys are countries (``FR: {…}``), or either under a ``countries`` key.
    CSV (``.csv``, or text that is not YAML): the first column named like a
    country; without a header, the first column.
    """
    if len(text) > 2_000_000:
        raise InputError(f"{name}: the file is too large for a country list")
    if name.lower().endswith((".csv", ".tsv", ".txt")):
        return _from_csv(text, name)
    import yaml

    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return _from_csv(text, name)
    if isinstance(doc, str) and ("," in doc or "\n" in text.strip()):
        return _from_csv(text, name)
    return _from_yaml(doc, name)


def _from_yaml(doc: Any, name: str) -> tuple[str, ...]:
    if isinstance(doc, Mapping):
        for key in ("countries", "destinations", "required", "country"):
            if key in doc:
                return _from_yaml(doc[key], name)
        values: list[Any] = list(doc.keys())
    elif isinstance(doc, list):
        values = doc
    elif isinstance(doc, str):
        return parse_countries(doc, where=name)
    elif doc is None:
        return _checked([], name)
    else:
        raise InputError(f"{name}: expected a list of countries (YAML list or mapping, or CSV)")
    out: list[str] = []
    for i, item in enumerate(values[: MAX_COUNTRIES * 4]):
        where = f"{name}: item {i + 1}"
        if isinstance(item, Mapping):
            found = next((item[k] for k in item if isinstance(k, str) and k.strip().lower() in _COLUMNS), None)
            if not isinstance(found, str):
                raise InputError(f"{where}: no key naming the country (expected {_COLUMNS_SAID})")
            _add(out, resolve_country(found, where=where))
        elif isinstance(item, str):
            _add(out, resolve_country(item, where=where))
        elif item is False and not isinstance(doc, Mapping):
            # YAML 1.1 reads an unquoted NO (Norway) as false.
            _add(out, "NO")
        else:
            raise InputError(f"{where}: {str(item)[:40]!r} is not a country")
    if len(values) > MAX_COUNTRIES * 4:
        raise InputError(f"{name}: too many entries for a country list")
    return _checked(out, name)


def _delimiter(lines: Sequence[str]) -> str:
    """The separator of the first data line: the most frequent of , ; tab |."""
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _from_csv(text: str, name: str) -> tuple[str, ...]:
    lines = text.splitlines()
    if len(lines) > MAX_COUNTRIES * 4:
        raise InputError(f"{name}: too many rows for a country list")
    out: list[str] = []
    column = 0
    first = True
    try:
        for number, row in enumerate(csv.reader(lines, delimiter=_delimiter(lines)), start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if first:
                first = False
                lowered = [c.lower().replace(" ", "_") for c in cells]
                named = next((i for i, c in enumerate(lowered) if c in _COLUMNS), None)
                if named is not None:
                    column = named
                    continue
                _headerless(cells, f"{name}:{number}")
            if column >= len(cells) or not cells[column]:
                continue
            _add(out, resolve_country(cells[column], where=f"{name}:{number}"))
    except csv.Error as exc:
        raise InputError(f"{name}: not a CSV country list ({exc})") from None
    return _checked(out, name)


def _headerless(cells: Sequence[str], where: str) -> None:
    """A first row naming no country column must begin with a country; else say what the file needs."""
    try:
        resolve_country(cells[0], where=where)
    except InputError:
        if len([c for c in cells if c]) == 1:
            raise InputError(
                f"{where}: {cells[0][:40]!r} is not a country (use ISO codes such as FR, DE, IN), nor a header "
                f"naming the column of countries ({_COLUMNS_SAID})"
            ) from None
        shown = ", ".join(repr(c[:40]) for c in cells[:8]) + (", …" if len(cells) > 8 else "")
        raise InputError(
            f"{where}: no country column: the first row has {shown}. Name the column of countries "
            f"{_COLUMNS_SAID} (ISO codes such as FR, or English names), or list the countries in the "
            "first column without a header"
        ) from None


def parse_products(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        if part in ("messaging", "message", "messages"):
            part = "sms"
        if part in ("call", "calls", "calling"):
            part = "voice"
        if part not in PRODUCTS:
            raise InputError(f"--product: {part[:20]!r} is not sms or voice")
        if part not in out:
            out.append(part)
    if not out:
        raise InputError("--product: give sms, voice, or sms,voice")
    return tuple(p for p in PRODUCTS if p in out)
