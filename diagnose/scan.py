"""The scan's middle: recent failures → groups (account × country × code) → fixes ranked by impact.

Pure. The reads (Monitor alerts, failed messages, call notifications, then the
permissions of each account with failures) are in ``diagnose.scan_reads``.
The diagnosis of a group is the state of its account × country × product cell
now (``diagnose.audit``): disabled → enable it; inherited from the parent →
fix the parent; blocked → the Console, or nothing; enabled now → the failures
stopped when it was enabled, or came from a high-risk number range. Two kinds of
failure are decided before the cell, since no permission is their fix: numbers in a
range Twilio blocks by prefix, and numbers with a wrong country prefix (not valid
where they point, valid in another country: enabling the first would open the wrong one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .audit import AccountAudit, Cell
from .context import NOT_APPLICABLE, Context, Fetched
from .errors import InputError
from .formats import counted
from .models import Evidence
from .plan import parse_time, row_code

__all__ = ["parse_time"]  # one definition, in plan.py: the listing reads use it too

SCHEMA_VERSION = 1
MAX_WINDOW = dt.timedelta(days=30)  # Monitor keeps alerts 30 days
MAX_SAMPLES = 3

_SINCE = re.compile(r"^\s*(\d{1,4})\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

VOICE_CHANNELS = frozenset({"voice", "sip"})


def parse_since(text: str) -> dt.timedelta:
    """``24h``, ``7d``, ``90m``, ``2w`` → a timedelta of at most 30 days (Monitor's retention)."""
    found = _SINCE.match(text or "")
    if not found:
        raise InputError(f"--since {text[:20]!r}: give a duration such as 24h, 7d or 30d")
    amount, unit = int(found.group(1)), found.group(2).lower()
    window = dt.timedelta(**{_UNITS[unit]: amount})
    if window <= dt.timedelta(0):
        raise InputError("--since must be more than 0")
    if window > MAX_WINDOW:
        raise InputError(f"--since {text.strip()}: at most 30d (Monitor keeps alerts for 30 days)")
    return window


def describe_window(window: dt.timedelta) -> str:
    """``the last 7 days``, ``the last 24 hours``."""
    seconds = int(window.total_seconds())
    for size, unit in ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            n = seconds // size
            if unit == "week":
                n, unit = n * 7, "day"
            return f"the last {n} {unit}{'s' if n != 1 else ''}"
    return f"the last {seconds} seconds"


def code_of(value: Any) -> int | None:
    """An ``error_code`` value (an integer, or a string of digits) as a code, else None."""
    return row_code({"error_code": value})


# --------------------------------------------------------------------------- failures


@dataclass(frozen=True)
class Failure:
    """One failed message or call (or a Monitor alert about one), reduced to what grouping needs."""

    account: str
    code: int
    product: str
    resource: str
    when: dt.datetime | None
    source: str  # message | notification | alert
    number: str | None = None
    sender: str | None = None  # a message's From: its country is the region the number is read in, as diagnose does

    @property
    def key(self) -> tuple[str, int]:
        return (self.resource, self.code)


def product_of(code: int, channels: Mapping[int, tuple[str, ...]]) -> str:
    return "voice" if set(channels.get(code, ())) & VOICE_CHANNELS else "sms"


def from_message(account: str, row: Mapping[str, Any], codes: Mapping[int, tuple[str, ...]]) -> Failure | None:
    code = code_of(row.get("error_code"))
    if code is None or code not in codes or row.get("status") not in ("failed", "undelivered"):
        return None
    sid = row.get("sid")
    to, sender = row.get("to"), row.get("from")
    return Failure(
        account=account,
        code=code,
        product=product_of(code, codes),
        resource=sid if isinstance(sid, str) else "",
        when=parse_time(row.get("date_created")),
        source="message",
        number=to if isinstance(to, str) else None,
        sender=sender if isinstance(sender, str) else None,
    )


def _stated_number(row: Mapping[str, Any]) -> str | None:
    from .evidence import stated_phonenumber

    found = stated_phonenumber([row], None)
    return found[0] if found else None


def _failure(
    account: str,
    row: Mapping[str, Any],
    codes: Mapping[int, tuple[str, ...]],
    *,
    source: str,
    resource: Any,
    when: Any,
    stated: Mapping[str, Any],
) -> Failure | None:
    """A Notification or an Alert as a failure: one of ``codes``, on ``resource`` (else the row's own SID)."""
    code = code_of(row.get("error_code"))
    if code is None or code not in codes:
        return None
    return Failure(
        account=account,
        code=code,
        product=product_of(code, codes),
        resource=resource if isinstance(resource, str) and resource else str(row.get("sid") or ""),
        when=parse_time(when),
        source=source,
        number=_stated_number(stated),
    )


def from_notification(account: str, row: Mapping[str, Any], codes: Mapping[int, tuple[str, ...]]) -> Failure | None:
    when = row.get("message_date") or row.get("date_created")
    return _failure(account, row, codes, source="notification", resource=row.get("call_sid"), when=when, stated=row)


def from_alert(account: str, row: Mapping[str, Any], codes: Mapping[int, tuple[str, ...]]) -> Failure | None:
    return _failure(
        account,
        row,
        codes,
        source="alert",
        resource=row.get("resource_sid"),
        when=row.get("date_created"),
        stated={"alert_text": row.get("alert_text")},
    )


CALL_READS = 100
"""Calls read per account to place failures no record gives a number for (a ``<Dial>`` child leg's ``to``)."""


def unplaced_calls(failures: Iterable[Failure]) -> list[str]:
    """The calls (``CA…``) of voice failures that no record of theirs gives a number for, at most CALL_READS:
    the Call resource may (a ``<Dial>`` child leg dialled its own ``to``; its notification may not name it)."""
    items = list(failures)
    named = {f.resource for f in items if f.number}
    calls = (f.resource for f in items if f.product == "voice" and f.resource.startswith("CA"))
    return list(dict.fromkeys(c for c in calls if c not in named))[:CALL_READS]


def placed(failures: Iterable[Failure], calls: Mapping[str, Mapping[str, Any]]) -> list[Failure]:
    """Each failure with the number its Call resource (``calls``, by SID) says was dialled, read as ``diagnose
    CA…`` reads it (``evidence.dialled_to``): a 13227 or 32205 leg that dialled (``parent_call_sid`` set,
    direction ``outbound-dial``…) dialled its own ``to``; a parent call's ``to`` is its own number, not one."""
    from dataclasses import replace

    from .evidence import DIAL_LEG_CODES, dialled_to

    out = []
    for failure in failures:
        payload = calls.get(failure.resource) if failure.number is None else None
        if payload is not None:
            to = payload.get("to")
            number = dialled_to(failure.code, payload, (), ())[0] if failure.code in DIAL_LEG_CODES else to
            sender = payload.get("from")
            if isinstance(number, str) and number:
                failure = replace(failure, number=number, sender=sender if isinstance(sender, str) else None)
        out.append(failure)
    return out


# --------------------------------------------------------------------------- groups


@dataclass
class Group:
    account: str
    country: str | None
    code: int
    product: str
    blocked_prefix: str | None = None  # "+850": a range Twilio blocks, which no permission opens
    # the numbers are not valid in ``country`` but are valid read as numbers of this one (a lost '1', a
    # doubled code read in another country): the prefix is wrong, and enabling ``country`` would open the wrong
    # country (a kept trunk 0, and a doubled code read in the country meant, are no other country: their
    # numbers group under their own; countries.Destination.malformed_in_country)
    suggested_country: str | None = None
    count: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    sources: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    # the first failure with a number: the error a paste of one of the group's would give (group_evidence)
    number: str | None = None
    sender: str | None = None
    # the engine's reading of that error in the account's context (group_finding): "confirmed", "21408/…"
    verdict: str | None = None
    cause: str | None = None
    finding: Finding | None = None
    knowledge: tuple[str, ...] = ()  # the --knowledge folders the scan read it by: its advice's commands name them

    def add(self, failure: Failure) -> None:
        if self.number is None and failure.number:
            self.number, self.sender = failure.number, failure.sender
        self.count += 1
        self.sources[failure.source] = self.sources.get(failure.source, 0) + 1
        if failure.resource and failure.resource not in self.samples and len(self.samples) < MAX_SAMPLES:
            self.samples.append(failure.resource)
        if failure.when is not None:
            self.first_seen = min(self.first_seen or failure.when, failure.when)
            self.last_seen = max(self.last_seen or failure.when, failure.when)


class _Destination(NamedTuple):
    country: str | None
    blocked_prefix: str | None  # "+850": a range Twilio blocks, which no permission opens
    suggested_country: str | None  # a wrong prefix: the country the digits are valid in (see countries._suggest)


def _destination(number: str, sender: str | None = None) -> _Destination:
    from .countries import blocked_prefix, parse_destination

    # The sender's country reads a national number put behind another country's prefix (a form's default
    # country: +44 2125550143 from a US number is (212) 555-0143), as the diagnosis of one message does.
    home = parse_destination(sender).country if sender else None
    dest = parse_destination(number, default_region=home)
    entry = blocked_prefix(dest.e164)
    suggested = dest.suggested_country if not dest.valid and dest.suggested_country != dest.country else None
    return _Destination(dest.country, entry.prefix if entry is not None else None, suggested)


class Grouper:
    """Deduplicates one account's failures (a message and the alert about it are one failure) and groups them.

    The scan makes one per account and drops it once the account's groups are diagnosed.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str | None, int, str | None, str | None], Group] = {}
        self.failures = 0

    def add_account(self, failures: Iterable[Failure]) -> None:
        items = list(failures)
        # Each number read once (phonenumbers is the costly part of grouping).
        dests = {(f.number, f.sender): _destination(f.number, f.sender) for f in items if f.number}
        # A message or notification names the number; an alert may not: share what is known per resource.
        known: dict[str, str] = {}
        for failure in items:
            country = dests[failure.number, failure.sender].country if failure.number else None
            if country and failure.resource not in known:
                known[failure.resource] = country
        seen: set[tuple[str, int]] = set()
        # Primary records first, so the count keeps the message/notification and drops its alert.
        for failure in sorted(items, key=lambda f: f.source == "alert"):
            if failure.resource and failure.key in seen:
                continue
            seen.add(failure.key)
            dest = dests.get((failure.number, failure.sender)) if failure.number else None
            country = (dest.country if dest else None) or known.get(failure.resource)
            prefix = dest.blocked_prefix if dest else None
            suggested = dest.suggested_country if dest else None
            key = (failure.account, country, failure.code, prefix, suggested)
            group = self.groups.get(key)
            if group is None:
                group = Group(failure.account, country, failure.code, failure.product, prefix, suggested)
                self.groups[key] = group
            group.add(failure)
            self.failures += 1


# --------------------------------------------------------------------------- the engine's reading of a group


@dataclass(frozen=True)
class AccountReads:
    """What the scan read of one account, as Twilio's wire format (each a Fetched): a group's context is built
    from these, the very answers its audit cells came from, with no read of its own."""

    row: Fetched
    messaging: Fetched = NOT_APPLICABLE  # GeoPermissions of the groups' countries, as the account
    voice: Fetched = NOT_APPLICABLE  # DialingPermissions/Countries (every entry), as the account
    voice_settings: Fetched = NOT_APPLICABLE
    parent_messaging: Fetched = NOT_APPLICABLE  # the parent's whole SMS list
    parent_voice: Fetched = NOT_APPLICABLE  # the parent's voice list
    prefixes: Mapping[str, Fetched] = field(default_factory=dict)  # by voice entry: its high-risk special prefixes


def group_evidence(group: Group) -> Evidence:
    """The evidence a paste of one of the group's errors gives: its code, account, number (and sender)."""
    voice = group.product == "voice"
    return Evidence(
        kind="paste",
        code=group.code,
        account_sid=group.account,
        to=group.number,
        from_=group.sender,
        country=None if group.number else group.country,
        channel="voice" if voice else "sms",
        format="scan",
    )


def _voice_entry(listing: Fetched, iso: str | None) -> Fetched:
    """One country's entry of a DialingPermissions/Countries list (Canada's is US), as a read of it would be."""
    from .country_table import voice_entry

    if iso is None:
        return Fetched(error="the destination country is unknown")
    if not listing.ok:
        return Fetched(error=listing.error or "the dialing permissions were not read", request=listing.request)
    entry = voice_entry(iso)
    for row in listing.value.get("content") or () if isinstance(listing.value, Mapping) else ():
        if isinstance(row, Mapping) and str(row.get("iso_code", "")).upper() == entry:
            return Fetched(value=dict(row), request=listing.request)
    return Fetched(error=f"the dialing permissions list has no entry {entry}", request=listing.request)


def group_context(group: Group, reads: AccountReads) -> Context:
    """The context ``diagnose`` would read for one of the group's errors, from what the scan read."""
    from .country_table import voice_entry

    iso = group.country
    entry = voice_entry(iso) if iso else ""
    return Context(
        kind="call" if group.product == "voice" else "message",
        sid=group.samples[0] if group.samples else "",
        account=reads.row,
        messaging_permissions=reads.messaging,
        parent_messaging_permissions=reads.parent_messaging,
        voice_country=_voice_entry(reads.voice, iso),
        parent_voice_country=_voice_entry(reads.parent_voice, iso),
        voice_settings=reads.voice_settings,
        voice_high_risk_prefixes=reads.prefixes.get(entry, Fetched(error="not read")),
    )


class Finding(NamedTuple):
    """The engine's reading of one of a group's errors, and what its cause's fix steps do about it."""

    verdict: str
    cause: str | None  # "21408/missing-country" (confirmed or likely), else None
    title: str  # the cause's title
    # enable (a step the API can send), console (a Console-only step), none (a no-change step: nothing on any
    # account fixes it), else "" (the steps say what to look into)
    action: str
    target: str | None  # the account the change is on (the step's target: the account, its parent, governing)
    inherits_maybe: bool  # an SMS change on a subaccount whose inheritance no answer showed: it may answer 30648
    # the no-change step shown (action none), rendered with the group's facts as a report renders it: what to do
    step: str = ""


WRITING = frozenset({"enable-messaging-country", "enable-voice-country", "set-voice-inheritance"})


def group_finding(group: Group, reads: AccountReads, kb: Any) -> Finding:
    """One of the group's errors read by the engine, input → evidence → facts → findings, as a paste of that
    error is diagnosed (``diagnose_evidence``), in the context the scan read; and the action its cause's fix
    steps name: a Console-only step shown, else the first step the API can send whose condition holds (as
    ``diagnose fix`` picks it), on the account the step targets; else ``none`` for a ``no-change`` step shown."""
    from .engine import evaluate
    from .facts import derive_facts
    from .facts import values as fact_values

    entry = kb.get(group.code)
    facts = derive_facts(group_evidence(group), group_context(group, reads))
    findings = evaluate(facts, entry)
    cause = entry.cause(findings.cause) if entry is not None and findings.cause else None
    if cause is None or findings.verdict not in ("confirmed", "likely"):
        return Finding(findings.verdict, None, "", "", None, False)
    env = fact_values(facts)
    shown = [step for step in cause.fix if step.when is None or step.when.evaluate(env) is not False]
    action, target = "", None
    if any(step.action == "console-only" for step in shown):
        action, target = "console", group.account
    else:
        for step in cause.fix:
            if step.action in WRITING and (step.when is None or step.when.evaluate(env) is True):
                name = {"parent": "parent_account_sid", "governing": "governing_account_sid"}.get(step.target)
                fact = facts.get(name) if name else None
                target = group.account if name is None else (fact.value if fact and fact.known else None)
                action = "enable" if isinstance(target, str) else ""
                break
    said = ""
    if not action and any(step.action == "no-change" for step in shown):
        from .report import rendered_steps

        action = "none"
        said = next(r.text for step, r in rendered_steps(cause, env) if step.action == "no-change")
    inherits = facts["messaging_inheritance"]
    maybe = group.product == "sms" and env.get("is_subaccount") is True and not inherits.known
    return Finding(findings.verdict, f"{group.code}/{cause.id}", cause.title, action, target, maybe, said)


# --------------------------------------------------------------------------- diagnosis and ranking


@dataclass(frozen=True)
class Fix:
    """One change that would stop a set of groups, and how many failures those groups had."""

    action: str  # enable | console | none | investigate
    account: str | None
    country: str | None
    product: str
    failures: int
    groups: int
    text: str


def _diagnose_sample(group: Group, account: AccountAudit | None) -> str | None:
    """``diagnose SID`` for the group's first sample; for a subaccount's, with ``--account``: without it,
    ``diagnose`` looks for the SID in the authenticated account, then in every subaccount in turn."""
    if not group.samples:
        return None
    sample = f"diagnose {group.samples[0]}"
    sample = sample if account is not None and account.parent is None else f"{sample} --account {group.account}"
    return sample + _knowledge_args(group)


def _knowledge_args(group: Group) -> str:
    """`` --knowledge DIR`` per folder the scan read the group by: without it, the command would not know the
    group's code or cause."""
    import shlex

    return "".join(f" --knowledge {shlex.quote(folder)}" for folder in group.knowledge)


def diagnose_group(group: Group, account: AccountAudit | None) -> tuple[str, str, str | None, str]:
    """(action, diagnosis sentence, target account, fix wording) for a group: from the engine's cause of one of
    its errors (``group.finding``), as a paste of it is diagnosed; from its cell now when no cause was found."""
    if group.country is None:
        sample = _diagnose_sample(group, account) or "diagnose the SID"
        return (
            "investigate",
            "the destination country could not be read from the failure records",
            None,
            f"run `{sample}` to find the destination",
        )
    finding = group.finding
    if finding is not None and finding.cause is not None:
        return _from_finding(group, account, finding)
    return _from_cell(group, account)


def _from_finding(group: Group, account: AccountAudit | None, finding: Finding) -> tuple[str, str, str | None, str]:
    """The group's diagnosis, worded for the scan, from the engine's cause and the action its fix steps name."""
    product = "SMS" if group.product == "sms" else "voice"
    iso = str(group.country)
    cause_id = str(finding.cause).split("/", 1)[1]
    if finding.action == "enable" and finding.target:
        from .country_table import voice_entry_named

        entry = voice_entry_named(iso) if group.product == "voice" else ""
        if finding.target != group.account:
            return (
                "enable",
                f"{iso} {product}{entry} is off on the parent {finding.target}, which this subaccount inherits",
                finding.target,
                f"enable {iso} {product}{entry} on {finding.target} (inherited by its subaccounts)",
            )
        said = f"{iso} {product}{entry} is still disabled"
        if finding.inherits_maybe and cause_id == "missing-country" and account and account.parent:
            # no API says whether a subaccount inherits its parent's SMS list: the PATCH may answer 30648
            said += (
                f"; if {group.account} inherits its parent's SMS permissions (a Console setting), Twilio answers "
                f"this change with 30648: enable {iso} on the parent {account.parent} instead"
            )
        elif cause_id == "subaccount-mismatch" and account and account.parent:
            said += f", though its parent {account.parent} has it enabled: {group.account} keeps its own list"
        return ("enable", said, group.account, f"enable {iso} {product}{entry} on {group.account}")
    if finding.action == "console":
        return (
            "console",
            f"{iso} is a messaging high-risk country: only the Console can enable it (30649)"
            if group.product == "sms"
            else f"{finding.title}: only the Console can change it",
            group.account,
            f"enable {iso} {product} on {group.account} in the Console (Messaging › Settings › Geo permissions)"
            if group.product == "sms"
            else f"change {iso} voice on {group.account} in the Console",
        )
    if (
        group.blocked_prefix
        or cause_id == "country-not-allowed"
        or (cause_id == "wrong-country-code" and group.suggested_country)
    ):
        return _from_cell(group, account)  # the same reading, worded for the range, the numbers or the country
    if cause_id == "permission-enabled-now":
        return _enabled_now(group, account)
    if cause_id == "high-risk-number-range":
        return _high_risk_range(group, account)
    sample = _diagnose_sample(group, account)
    see = f"run `{sample}` for the steps" if sample else f"see `diagnose explain {group.code}{_knowledge_args(group)}`"
    title = finding.title[:1].lower() + finding.title[1:]
    if finding.action == "none":
        # the knowledge's no-change step says what to do (stop sending, or test and resend): its first paragraph
        # on one line, as the scan's other advice reads
        said = " ".join(finding.step.split("\n\n", 1)[0].split()).rstrip(".") or title
        return ("none", f"{title} ({finding.cause})", None, f"{said} ({see})")
    return ("investigate", f"{title} ({finding.cause})", None, see)


def _from_cell(group: Group, account: AccountAudit | None) -> tuple[str, str, str | None, str]:
    """The group's diagnosis from the numbers and its cell now, where the engine confirmed no cause."""
    product = "SMS" if group.product == "sms" else "voice"
    iso = str(group.country)
    if group.blocked_prefix:
        # Checked before the permission: enabling the country would not reach this range.
        return (
            "none",
            f"{group.blocked_prefix} is a range Twilio blocks ({iso}): no setting can enable it",
            None,
            f"stop sending {product} to {group.blocked_prefix} numbers (Twilio blocks the range)"
            if group.product == "sms"
            else f"stop calling {group.blocked_prefix} numbers (Twilio blocks the range)",
        )
    if group.suggested_country:
        # Checked before the permission: enabling the country as written would open the wrong one.
        meant = group.suggested_country
        sample = f"run `{_diagnose_sample(group, account)}` to see one; " if group.samples else ""
        return (
            "investigate",
            f"the numbers are not valid {iso} numbers but are valid {meant} numbers: the country prefix is "
            f"probably wrong ({meant} meant)",
            None,
            f"correct the numbers: {meant} numbers with a wrong prefix, not {iso} ones ({sample}do not enable {iso})",
        )
    cell: Cell | None = account.cell(group.country, group.product) if account else None
    if cell is None or cell.status == "unknown":
        why = (cell.reason if cell else None) or (account.problem if account else None) or "not read"
        return (
            "investigate",
            f"the current {product} permission for {iso} could not be read ({why})",
            None,
            (f"run `diagnose audit --countries {iso} --subaccounts {group.account}`"),
        )
    if cell.status == "disabled":
        from .country_table import voice_entry_named

        entry = voice_entry_named(iso) if group.product == "voice" else ""
        if cell.product == "voice" and cell.source == "parent" and account and account.parent:
            return (
                "enable",
                f"{iso} voice{entry} is off on the parent {account.parent}, which this subaccount inherits",
                account.parent,
                f"enable {iso} voice{entry} on {account.parent} (inherited by its subaccounts)",
            )
        said = f"{iso} {product}{entry} is still disabled"
        if group.product == "sms" and account and account.parent:
            # no API says whether a subaccount inherits its parent's SMS list: the PATCH may answer 30648
            said += (
                f"; if {group.account} inherits its parent's SMS permissions (a Console setting), Twilio answers "
                f"this change with 30648: enable {iso} on the parent {account.parent} instead"
            )
        return ("enable", said, group.account, f"enable {iso} {product}{entry} on {group.account}")
    if cell.status == "blocked":
        if cell.reason == "console-only":
            return (
                "console",
                f"{iso} is a messaging high-risk country: only the Console can enable it (30649)",
                group.account,
                f"enable {iso} SMS on {group.account} in the Console (Messaging › Settings › Geo permissions)",
            )
        return (
            "none",
            f"Twilio does not deliver to {iso}: no setting can enable it",
            None,
            f"stop sending {product} to {iso} (Twilio does not deliver there)"
            if group.product == "sms"
            else f"stop calling {iso} (Twilio does not deliver there)",
        )
    ranges = cell.ranges
    if (
        group.product == "voice"
        and ranges is not None
        and not (ranges.high_risk_special and ranges.high_risk_tollfraud)
    ):
        return _high_risk_range(group, account)
    return _enabled_now(group, account)


def _high_risk_range(group: Group, account: AccountAudit | None) -> tuple[str, str, str | None, str]:
    return (
        "investigate",
        f"{group.country} voice (low-risk numbers) is enabled now; the calls may have dialled high-risk special or "
        "toll-fraud ranges, which are off",
        None,
        f"run `{_diagnose_sample(group, account)}` to see the number range" if group.samples else "diagnose one call",
    )


def _enabled_now(group: Group, account: AccountAudit | None) -> tuple[str, str, str | None, str]:
    # No API says when a permission changed: enabled after these failures, or something narrower than the
    # country blocks them (21408/permission-enabled-now). Either way the failed ones were not resent.
    product = "SMS" if group.product == "sms" else "voice"
    iso = group.country
    noun = "message" if group.product == "sms" else "call"
    see = (
        f"run `{_diagnose_sample(group, account)}`"
        if group.samples
        else f"see `diagnose explain {group.code}{_knowledge_args(group)}`"
    )
    return (
        "none",
        f"{iso} {product} is enabled now: either it was enabled after these failures, or something narrower than "
        "the country setting blocks them",
        None,
        f"{iso} {product} is enabled on {group.account} now: send one test {noun} there; if it goes through, resend "
        f"the failed ones (Twilio does not), else {see}",
    )


class FixTally:
    """Fixes merged as groups come in (one small entry per distinct fix, never the groups themselves)."""

    def __init__(self) -> None:
        self._merged: dict[tuple[str, str | None, str | None, str, str], list[Any]] = {}

    def add(self, group: Group, diagnosis: tuple[str, str, str | None, str]) -> None:
        action, _, target, text = diagnosis
        key = (action, target, group.country, group.product, text if target is None else "")
        entry = self._merged.setdefault(key, [0, 0, text])
        entry[0] += group.count
        entry[1] += 1

    def fixes(self, window: str) -> list[Fix]:
        """Fixes ordered by the failures they would have prevented (most first)."""
        fixes = []
        for (action, target, country, product, _), (total, members, text) in self._merged.items():
            plural = "s" if total != 1 else ""
            if action in ("enable", "console"):
                text = f"{text} → fixes {total:,} failure{plural} in {window}"
            else:
                text = f"{text} ({total:,} failure{plural} in {window})"
            fixes.append(Fix(action, target, country, product, total, members, text))
        # A change to make, through the API or in the Console, by the failures it clears: the first fix a user
        # sees is the one that clears the most (an API change first among as many); then what to investigate,
        # then what needs no change of permission.
        kind = {"enable": 0, "console": 0, "investigate": 1, "none": 2}
        api_first = {"enable": 0, "console": 1}
        fixes.sort(
            key=lambda f: (
                kind.get(f.action, 9),
                -f.failures,
                api_first.get(f.action, 0),
                f.account or "",
                f.country or "",
            )
        )
        return fixes


SHOWN_ACCOUNTS = 3
"""Up to this many accounts, a roll-up's command names each (``--account``); beyond, ``--subaccounts all``."""


def by_country(fixes: Iterable[Fix], window: str, *, name_each: bool = False) -> list[dict[str, Any]]:
    """The changes (``enable``, ``console``) summed per country × product: the answer at scale.

    With thousands of subaccounts the same country is often missing on many of them, and each account's
    fix alone prevents a failure or two: ranked one by one, the first screen shows twenty of those and not
    the country behind hundreds. A row says on how many accounts, how many failures, and the command.
    ``name_each``: the scan covered the accounts the user listed, so the command names each with
    ``--account`` rather than planning every account without the country (``--subaccounts all``).
    """
    rows: dict[tuple[str, str, str], list[Any]] = {}  # (action, country, product) → [failures, accounts, first]
    for fix in fixes:
        if fix.action not in ("enable", "console") or fix.country is None or fix.account is None:
            continue
        row = rows.setdefault((fix.action, fix.country, fix.product), [0, 0, []])
        row[0] += fix.failures
        row[1] += 1  # FixTally merges a change by account, country and product: one fix per account here
        if name_each or len(row[2]) < SHOWN_ACCOUNTS:
            row[2].append(fix.account)
    out = []
    for (action, iso, product), (total, n, first) in rows.items():
        out.append(_rolled_up(action, iso, product, total, n, first, window))
    api_first = {"enable": 0, "console": 1}
    # most failures first, whether the API or the Console makes the change; as many: one account's change first
    # (the same as its fix), then fewer accounts to change, then an API change before a Console one
    out.sort(key=lambda r: (-r["failures"], r["accounts"], api_first[r["action"]], r["country"], r["product"]))
    return [{"rank": i + 1, **row} for i, row in enumerate(out)]


def _rolled_up(
    action: str, iso: str, product: str, total: int, n: int, accounts: list[str], window: str
) -> dict[str, Any]:
    from .country_table import voice_entry_named

    word = "SMS" if product == "sms" else "voice"
    named = word + ("" if product == "sms" else voice_entry_named(iso))
    on = accounts[0] if n == 1 else f"{n:,} accounts"
    prevents = f"→ fixes {counted(total, 'failure')} in {window}"
    if action == "console":
        text = f"enable {iso} SMS on {on} in the Console (Messaging › Settings › Geo permissions) {prevents}"
        command = None
    else:
        if n == len(accounts):  # every account named
            command = f"diagnose fix --country {iso} --product {product} " + " ".join(
                f"--account {a}" for a in accounts
            )
        else:  # every account without it is planned, these among them: the plan lists each before --apply
            command = f"diagnose fix --country {iso} --product {product} --subaccounts all"
        text = f"enable {iso} {named} on {on} {prevents}: `{command}`"
        if n > len(accounts):
            text += f" (it plans every account without {iso} {word}, these {n:,} among them)"
    return {"action": action, "country": iso, "product": product, "accounts": n, "failures": total,
            "text": text, "command": command}  # fmt: skip


def rank(groups: Iterable[tuple[Group, tuple[str, str, str | None, str]]], window: str) -> list[Fix]:
    """Fixes ordered by the failures they would have prevented (most first)."""
    tally = FixTally()
    for group, diagnosis in groups:
        tally.add(group, diagnosis)
    return tally.fixes(window)


def group_order(group: Group) -> tuple[int, str, str, int]:
    """Most failures first, then by account, country and code."""
    return (-group.count, group.account, group.country or "", group.code)


class TopGroups:
    """The ``size`` groups with the most failures (their documents), in memory bounded by ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seen = 0
        self._kept: list[tuple[tuple[int, str, str, int], dict[str, Any]]] = []

    def add(self, group: Group, doc: dict[str, Any]) -> None:
        self.seen += 1
        self._kept.append((group_order(group), doc))
        if len(self._kept) >= 2 * self.size:
            self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=lambda item: item[0])
        del self._kept[self.size :]

    def docs(self) -> list[dict[str, Any]]:
        self._trim()
        return [doc for _, doc in self._kept]


def iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def group_dict(
    group: Group, diagnosis: tuple[str, str, str | None, str], account: AccountAudit | None
) -> dict[str, Any]:
    action, sentence, target, _ = diagnosis
    cell = account.cell(group.country, group.product) if (account and group.country) else None
    return {
        "account": group.account,
        "parent": account.parent if account else None,
        "country": group.country,
        "blocked_prefix": group.blocked_prefix,
        "suggested_country": group.suggested_country,
        "code": group.code,
        "product": group.product,
        "failures": group.count,
        "first_seen": iso(group.first_seen),
        "last_seen": iso(group.last_seen),
        "sources": dict(sorted(group.sources.items())),
        "samples": list(group.samples),
        "state": cell.as_dict() if cell else None,
        "diagnosis": sentence,
        "action": action,
        "fix_account": target,
        "verdict": group.verdict,
        "cause": group.cause,
    }


def fix_dict(rank_no: int, fix: Fix) -> dict[str, Any]:
    return {
        "rank": rank_no,
        "action": fix.action,
        "account": fix.account,
        "country": fix.country,
        "product": fix.product,
        "failures": fix.failures,
        "groups": fix.groups,
        "text": fix.text,
    }
