"""``diagnose fix``: plan geo-permission changes from the knowledge's fix actions. Pure.

For each account, country and product the planner derives the same facts a
diagnosis would (:func:`diagnose.facts.derive_facts`, from what was read), asks
the rule engine which cause of the code (21408 for SMS, 21215 for voice) makes
the country unusable, and reads that cause's fix steps: a step's ``action``
(:mod:`diagnose.knowledge.actions`) says what to do and its ``target`` on which
account. :data:`OPERATIONS` turns an action into one Twilio request. Nothing
here decides what a cause's fix is; the knowledge does.

Two rules hold whatever the knowledge says, because the API refuses otherwise:

* no write for a country the API will not change: a Messaging high-risk
  (Console-only) country (30649), or a destination Twilio does not serve at
  all. Those items get the Console steps, never a request;
* a subaccount whose parent gets a change for the same product and country is
  fixed through the parent: it is read again after the parent's change, and
  planned again from what it then shows (``via-parent``). Not for voice when its
  ``dialing_permissions_inheritance`` is false (and inheriting is not asked for):
  its own list is all that applies, so its change is planned, and shown in the
  dry run, with the parent's.

The planner returns plain data (:class:`FixPlan`); sending the requests,
reading back and the audit log live at the edge (``diagnose/gateway``,
``diagnose/cli``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from .context import NOT_APPLICABLE, Context, Fetched
from .engine import evaluate
from .facts import derive_facts
from .facts import values as fact_values
from .knowledge.actions import ACTIONS, Product
from .models import Evidence, Fact

__all__ = [
    "CODES",
    "OPERATIONS",
    "AccountState",
    "Change",
    "ChangeOutcome",
    "FixItem",
    "FixPlan",
    "FixStepView",
    "Operation",
    "change_key",
    "classify_messaging_result",
    "item_from_dict",
    "item_to_dict",
    "plan_account",
    "plan_fix",
]

CODES: Mapping[str, int] = MappingProxyType({"sms": 21408, "voice": 21215})
"""The error code whose knowledge decides each product's fix."""

ItemStatus = Literal[
    "ok",  # the country is usable already: nothing to do
    "change",  # a change on this account is planned
    "via-parent",  # the parent's change fixes it (or not): read again after it
    "console",  # only the Console can fix it: the steps are printed
    "blocked",  # Twilio does not serve the destination: nothing can enable it
    "outside-scope",  # the fix is on an account outside the ones named
    "manual",  # the knowledge gives steps but no action the tool can take
    "undecided",  # no cause could be confirmed from what was read
    "unknown",  # the account's permissions could not be read
    "inherits",  # after --apply: the PATCH answered 30648, the subaccount inherits its parent's SMS list
]

INHERITS_CODE = 30648
"""Messaging: "Geo Permissions update restricted for subaccounts": the subaccount inherits its parent's list."""
CONSOLE_ONLY_CODE = 30649
"""Messaging: "Failed to Update Geo Permissions": a high-risk (Console-only) or non-supported country."""


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class AccountState:
    """What was read of one account: Twilio's wire format, each slot a :class:`Fetched`.

    ``messaging`` is a ``GET /v1/Messaging/GeoPermissions?CountryCode=..`` payload,
    ``voice`` maps an ISO code to a ``GET /v1/DialingPermissions/Countries/{Iso}``
    payload, ``voice_settings`` is ``GET /v1/Settings``. All were read with the
    account's own credentials.
    """

    sid: str
    account: Fetched
    messaging: Fetched = NOT_APPLICABLE
    voice: Mapping[str, Fetched] = field(default_factory=dict)
    voice_settings: Fetched = NOT_APPLICABLE
    # SMS inheritance (a bool), which no API reads: Twilio's last answer to a change of this account's list,
    # 30648 or a change made (diagnose fix's audit log), else NOT_APPLICABLE (unknown)
    messaging_inheritance: Fetched = NOT_APPLICABLE

    @property
    def parent(self) -> str | None:
        """The parent's SID for a subaccount, else None."""
        row = self.account.value if self.account.ok else None
        owner = row.get("owner_account_sid") if isinstance(row, Mapping) else None
        return owner if isinstance(owner, str) and owner and owner != self.sid else None

    def messaging_enabled(self, iso: str) -> bool | None:
        rows = self.messaging.value.get("permissions") if self.messaging.ok else None
        for row in rows if isinstance(rows, list) else ():
            if isinstance(row, Mapping) and str(row.get("country_code", "")).upper() == iso:
                enabled = row.get("enabled")
                return enabled if isinstance(enabled, bool) else None
        return None

    def voice_flags(self, iso: str) -> dict[str, bool] | None:
        slot = self.voice.get(iso)
        if slot is None or not slot.ok or not isinstance(slot.value, Mapping):
            return None
        flags = {name: slot.value.get(name) for name in VOICE_FLAGS}
        return {k: v for k, v in flags.items() if isinstance(v, bool)} or None

    def inheritance(self) -> bool | None:
        value = self.voice_settings.value.get("dialing_permissions_inheritance") if self.voice_settings.ok else None
        return value if isinstance(value, bool) else None


VOICE_FLAGS = ("low_risk_numbers_enabled", "high_risk_special_numbers_enabled", "high_risk_tollfraud_numbers_enabled")


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Change:
    """One write: the request, the account it acts as, and the state before and after."""

    account: str  # the account whose permissions change (the request authenticates as it)
    product: Product
    country: str
    action: str
    method: str
    url: str
    form: tuple[tuple[str, str], ...]  # the form fields, as sent
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    cause: str  # "21408/missing-country": the cause whose fix step named the action
    for_accounts: tuple[str, ...] = ()  # the accounts this change fixes (itself, or subaccounts through it)

    @property
    def request(self) -> str:
        return f"{self.method} {self.url}"

    def curl(self) -> str:
        """The same request as a curl command (credentials as variables, never values)."""
        flag = "-X PATCH" if self.method == "PATCH" else "-X POST"
        fields = " ".join(f"--data-urlencode {_shell_quote(f'{k}={v}')}" for k, v in self.form)
        return f'curl {flag} "{self.url}" {fields} -u "{self.account}:$AUTH_TOKEN"'


@dataclass(frozen=True)
class FixStepView:
    """A fix step of the knowledge, rendered for this account and country."""

    text: str
    console: str | None = None
    api: str | None = None
    action: str = ""
    target: str = "account"


@dataclass(frozen=True)
class FixItem:
    """One account, country and product: its state and what the plan does about it."""

    account: str
    country: str
    product: Product
    status: ItemStatus
    summary: str  # one line
    cause: str | None = None  # "21408/missing-country"
    steps: tuple[FixStepView, ...] = ()
    change: Change | None = None  # the change that fixes it: its own, or its parent's
    target: str | None = None  # outside-scope: the account the fix belongs on


@dataclass(frozen=True)
class FixPlan:
    """Every item, and the changes in the order to send them (parents first)."""

    items: tuple[FixItem, ...]
    changes: tuple[Change, ...]

    @property
    def recheck(self) -> tuple[str, ...]:
        """Subaccounts to read again once their parents' changes are made."""
        return tuple(dict.fromkeys(i.account for i in self.items if i.status == "via-parent"))

    def by_status(self, *statuses: str) -> list[FixItem]:
        return [i for i in self.items if i.status in statuses]


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Operation:
    """How an action becomes one request, given the target account's state before it."""

    method: str
    url: str
    build: Callable[[str, AccountState], tuple[tuple[tuple[str, str], ...], dict[str, Any], dict[str, Any]] | None]


def _enable_messaging(iso: str, state: AccountState) -> tuple[tuple[tuple[str, str], ...], dict, dict] | None:
    before = state.messaging_enabled(iso)
    if before is True:
        return None
    permission = json.dumps({"country_code": iso, "type": "country", "enabled": True}, separators=(",", ":"))
    return (("Permissions", permission),), {"enabled": before}, {"enabled": True}


def _enable_voice(iso: str, state: AccountState) -> tuple[tuple[tuple[str, str], ...], dict, dict] | None:
    flags = state.voice_flags(iso) or {}
    if flags.get("low_risk_numbers_enabled") is True:
        return None
    # The request carries every group Twilio's example shows; the high-risk ones keep their values.
    from .country_table import voice_entry

    # Canada has no entry of its own: the "US" entry ("United States/Canada") covers +1.
    row: dict[str, str] = {"iso_code": voice_entry(iso), "low_risk_numbers_enabled": "true"}
    for name in VOICE_FLAGS[1:]:
        if name in flags:
            row[name] = "true" if flags[name] else "false"
    before = {name: flags.get(name) for name in VOICE_FLAGS}
    after = {**before, "low_risk_numbers_enabled": True}
    return (("UpdateRequest", json.dumps([row], separators=(",", ":"))),), before, after


def _set_inheritance(iso: str, state: AccountState) -> tuple[tuple[tuple[str, str], ...], dict, dict] | None:
    before = state.inheritance()
    if before is True or state.parent is None:
        return None
    key = "dialing_permissions_inheritance"
    return (("DialingPermissionsInheritance", "true"),), {key: before}, {key: True}


OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {
        "enable-messaging-country": Operation(
            "PATCH", "https://accounts.twilio.com/v1/Messaging/GeoPermissions", _enable_messaging
        ),
        "enable-voice-country": Operation(
            "POST", "https://voice.twilio.com/v1/DialingPermissions/BulkCountryUpdates", _enable_voice
        ),
        "set-voice-inheritance": Operation("POST", "https://voice.twilio.com/v1/Settings", _set_inheritance),
    }
)
"""The writing actions of the vocabulary and the request each sends; ``console-only`` sends none."""


# --------------------------------------------------------------------------- facts


def _refusal(iso: str, product: Product) -> tuple[ItemStatus, str] | None:
    """Why the API will refuse to enable this country whatever the knowledge says, or None."""
    from .countries import country_name, is_messaging_high_risk, is_not_allowed, wholly_blocked

    if is_not_allowed(iso):
        return "blocked", f"Twilio does not deliver to {country_name(iso)} ({iso}): no permission can enable it"
    whole = wholly_blocked(iso)
    if whole is not None:
        return "blocked", (
            f"Twilio blocks every {whole} number ({country_name(iso)}, {iso}) by prefix: no permission can enable it"
        )
    if product == "sms" and is_messaging_high_risk(iso):
        return "console", (
            f"{country_name(iso)} ({iso}) is a high-risk country: only the Console can enable it "
            f"(the API answers {CONSOLE_ONLY_CODE})"
        )
    return None


def _partly_blocked(iso: str) -> str:
    """A note for a country with a blocked range inside it (Crimea, +7978, read as Russia), else ''."""
    from .countries import country_data

    section = country_data().blocked_prefixes
    ranges = [e for e in (section.countries if section else ()) if e.iso == iso and e.prefix]
    if not ranges:
        return ""
    names = ", ".join(f"{e.name} ({e.prefix})" for e in ranges)
    return f"; {names} stays blocked by Twilio whatever this permission says"


def _facts(state: AccountState, parent: AccountState | None, iso: str, product: Product) -> dict[str, Fact]:
    missing = Fetched(error="the parent account was not read")
    ctx = Context(
        kind="message" if product == "sms" else "call",
        sid="",
        account=state.account,
        parent=parent.account if parent else NOT_APPLICABLE,
        messaging_permissions=state.messaging,
        parent_messaging_permissions=parent.messaging if parent else missing,
        voice_country=state.voice.get(iso, Fetched(error=f"the dialing permissions for {iso} were not read")),
        parent_voice_country=parent.voice.get(iso, missing) if parent else missing,
        voice_settings=state.voice_settings,
        messaging_inheritance=state.messaging_inheritance,
    )
    evidence = Evidence(
        kind="paste", code=CODES[product], channel=product, country=iso, account_sid=state.sid, format="fix"
    )
    facts = derive_facts(evidence, ctx)
    # A fix is about a whole country, not a number: no prefix can be wrong, and the
    # ordinary (low-risk) numbers are what enabling it means.
    source = "diagnose fix: a whole country, not a number"
    facts["wrong_prefix_suspected"] = Fact("wrong_prefix_suspected", False, source=source)
    facts["to_high_risk_special"] = Fact("to_high_risk_special", False, source=source)
    # A range blocked inside the country (Crimea in RU) does not make the country unusable;
    # a prefix that is the whole country (+850) does.
    from .countries import wholly_blocked

    whole = wholly_blocked(iso)
    facts["to_blocked_prefix"] = Fact("to_blocked_prefix", whole is not None, source="country list (blocked_prefixes)")
    facts["blocked_prefix"] = Fact("blocked_prefix", whole, source="country list (blocked_prefixes)")
    if whole is not None:
        from .countries import blocked_prefix

        entry = blocked_prefix(whole)
        name = entry.name if entry is not None else None
        facts["blocked_prefix_name"] = Fact("blocked_prefix_name", name, source="country list (blocked_prefixes)")
    from .countries import nanp_countries

    facts["is_nanp"] = Fact("is_nanp", iso in nanp_countries(), source="country list")
    from .country_table import countries as country_table

    row = country_table().get(iso)
    if row is not None:
        facts["calling_code"] = Fact("calling_code", row.calling_code, source="country list")
    return facts


def _plainly_usable(state: AccountState, parent: AccountState | None, iso: str, product: Product) -> bool:
    """True when what was read shows the country usable (the facts would say so too, at a higher cost)."""
    if product == "sms":
        return state.messaging_enabled(iso) is True
    inherits = state.inheritance() if state.parent else False
    governing = parent if inherits else (state if inherits is False else None)
    flags = governing.voice_flags(iso) if governing is not None else None
    return bool(flags) and flags.get("low_risk_numbers_enabled") is True


def _usable(facts: Mapping[str, Fact], product: Product) -> Fact:
    return facts["messaging_enabled" if product == "sms" else "effective_voice_low_risk_enabled"]


# --------------------------------------------------------------------------- planning


def _render_steps(cause: Any, env: Mapping[str, Any]) -> tuple[tuple[FixStepView, Any], ...]:
    from .report import rendered_steps  # the steps a report shows, with what each one changes

    return tuple(
        (FixStepView(r.text, r.console, r.api, action=step.action, target=step.target), step)
        for step, r in rendered_steps(cause, env)
    )


def _target(step_target: str, facts: Mapping[str, Fact], sid: str) -> str | None:
    if step_target == "account":
        return sid
    name = "parent_account_sid" if step_target == "parent" else "governing_account_sid"
    fact = facts.get(name)
    return fact.value if fact is not None and fact.known and isinstance(fact.value, str) else None


@dataclass
class _Draft:
    item: FixItem
    key: tuple[str, str, str, str] | None = None  # the change it relies on, before deduplication


def _plan_one(
    state: AccountState,
    states: Mapping[str, AccountState],
    iso: str,
    product: Product,
    kb: Any,
    scope: frozenset[str],
    prefer: str | None,
) -> tuple[FixItem, Change | None]:
    from .countries import country_name

    sid = state.sid
    name = f"{country_name(iso)} ({iso})"
    label = "SMS" if product == "sms" else "voice"
    parent = states.get(state.parent) if state.parent else None
    if not state.account.ok:
        return FixItem(sid, iso, product, "unknown", f"the account could not be read: {state.account.error}"), None
    refusal = _refusal(iso, product)
    if _plainly_usable(state, parent, iso, product) and (refusal is None or refusal[0] != "blocked"):
        # The common case at scale: nothing to fix, so no facts to derive.
        return FixItem(sid, iso, product, "ok", f"{name} is enabled for {label}"), None
    facts = _facts(state, parent, iso, product)
    usable = _usable(facts, product)
    if usable.known and usable.value is True and (refusal is None or refusal[0] != "blocked"):
        return FixItem(sid, iso, product, "ok", f"{name} is enabled for {label}"), None

    entry = kb.get(CODES[product])
    findings = evaluate(facts, entry) if entry is not None else None
    cause = entry.cause(findings.cause) if findings is not None and findings.cause else None
    if findings is not None and findings.verdict not in ("confirmed", "likely"):
        cause = None
    env = fact_values(facts)
    cause_ref = f"{CODES[product]}/{cause.id}" if cause is not None else None
    rendered = _render_steps(cause, env) if cause is not None else ()
    views = tuple(v for v, _ in rendered)

    if refusal is not None:
        return FixItem(sid, iso, product, refusal[0], refusal[1], cause_ref, views), None
    if not usable.known:
        return FixItem(sid, iso, product, "unknown", f"{name} for {label} could not be read: {usable.reason}"), None
    if cause is None:
        open_ = [c.id for c in (findings.causes if findings else ()) if c.status != "ruled-out"]
        why = f"open causes: {', '.join(open_)}" if open_ else "no knowledge decides it"
        return FixItem(sid, iso, product, "undecided", f"{name} is disabled for {label}; {why}"), None
    if any(v.action == "console-only" for v in views):
        return FixItem(sid, iso, product, "console", f"{name}: only the Console can fix this", cause_ref, views), None

    candidates = [
        (view, step)
        for view, step in rendered
        if view.action in OPERATIONS
        and ACTIONS[view.action].product == product
        and (step.when is None or step.when.evaluate(env) is True)  # an unknown condition never writes
    ]
    if prefer:
        candidates.sort(key=lambda pair: pair[0].action != prefer)
    outside: str | None = None
    for view, _ in candidates:
        target = _target(view.target, facts, sid)
        if target is None:
            continue
        if target not in scope:
            outside = outside or target
            continue
        target_state = states.get(target)
        if target_state is None:
            continue
        built = OPERATIONS[view.action].build(iso, target_state)
        if built is None:
            continue
        form, before, after = built
        op = OPERATIONS[view.action]
        change = Change(target, product, iso, view.action, op.method, op.url, form, before, after, cause_ref or "")
        where = "" if target == sid else f" on {target}{_inherits(facts)}"
        summary = f"{name} is disabled for {label}: {view.action}{where} ({cause_ref}){_partly_blocked(iso)}"
        return FixItem(sid, iso, product, "change", summary, cause_ref, views, change), change
    if outside is not None:
        summary = (
            f"{name} for {label} is fixed on {outside}{_inherits(facts)}, which is not among the accounts named: "
            f"add --account {outside} to change it"
        )
        return FixItem(sid, iso, product, "outside-scope", summary, cause_ref, views, target=outside), None
    summary = f"{name} is disabled for {label} ({cause_ref}); the knowledge names no action the tool can take"
    return FixItem(sid, iso, product, "manual", summary, cause_ref, views), None


def _inherits(facts: Mapping[str, Fact]) -> str:
    """Why a subaccount's SMS change goes to its parent, when Twilio said that it inherits (30648), else ''."""
    fact = facts.get("messaging_inheritance")
    if fact is None or not fact.known or fact.value is not True or facts["channel"].value != "sms":
        return ""
    return f" (the subaccount inherits its parent's SMS geo permissions: {fact.source})"


def plan_account(
    state: AccountState,
    parent: AccountState | None,
    countries: Sequence[str],
    products: Sequence[Product],
    kb: Any,
    *,
    scope: Container[str],
    pairs: Container[tuple[str, str, str]] | None = None,
    prefer: str | None = None,
    parent_changes: Mapping[tuple[str, str, str], Change] | None = None,
) -> list[FixItem]:
    """One account's items, from its state and its parent's: the unit ``diagnose fix`` streams.

    ``parent_changes`` are the changes already planned on parents, keyed by
    (account, product, permission entry): a subaccount whose parent gets one
    for the same product and country is ``via-parent`` (read again after it),
    so parents must be planned first. ``scope`` says which accounts may be
    changed; ``pairs`` (account, country, product) restricts the items
    (``--from-audit``).
    """
    if prefer == "enable-messaging-country":
        # the user says the subaccount's own list is to change (its inheritance turned off since a 30648)
        state = replace(state, messaging_inheritance=NOT_APPLICABLE)
    states = {state.sid: state}
    if parent is not None:
        states[parent.sid] = parent
    in_scope = frozenset(s for s in states if s in scope)
    items: list[FixItem] = []
    for product in products:
        for raw in countries:
            iso = raw.upper()
            if pairs is not None and (state.sid, iso, product) not in pairs:
                continue
            item, change = _plan_one(state, states, iso, product, kb, in_scope, prefer)
            if change is not None:
                item = replace(item, change=replace(change, for_accounts=(state.sid,)))
            via = (parent_changes or {}).get((state.parent, product, _entry(product, iso))) if state.parent else None
            if product == "voice" and state.inheritance() is False and prefer != "set-voice-inheritance":
                # its own dialing permissions, as Twilio says: the parent's change cannot reach it (with
                # --use set-voice-inheritance it waits, to inherit the parent's once the parent has the country)
                via = None
            if via is not None and item.status in ("change", "outside-scope"):
                summary = f"fixed through its parent {via.account} if it inherits: read again after that change"
                item = replace(item, status="via-parent", summary=summary, change=via, target=None)
            items.append(item)
    return items


def plan_fix(
    states: Sequence[AccountState],
    countries: Sequence[str],
    products: Sequence[Product],
    kb: Any,
    *,
    scope: Sequence[str] | None = None,
    pairs: Sequence[tuple[str, str, str]] | None = None,
    prefer: str | None = None,
) -> FixPlan:
    """The plan for every account of ``scope`` (default: every state given) × country × product, in memory.

    ``states`` also holds the parents that were read to compare with, which are
    changed only when in ``scope``. ``pairs`` (account, country, product)
    restricts the plan to exactly those (``--from-audit``). ``prefer`` picks an
    action when a cause's fix offers several (``set-voice-inheritance``).
    The accounts are planned one by one with :func:`plan_account`, parents
    first, as ``diagnose fix`` streams them.
    """
    by_sid = {s.sid: s for s in states}
    in_scope = frozenset(scope) if scope is not None else frozenset(by_sid)
    wanted = {(a, c.upper(), p) for a, c, p in pairs} if pairs is not None else None
    planned: dict[str, list[FixItem]] = {}
    parent_changes: dict[tuple[str, str, str], Change] = {}
    # Parents (accounts with no parent) first: their changes decide which subaccounts wait for them.
    for state in sorted(states, key=lambda s: s.parent is not None):
        if state.sid not in in_scope:
            continue
        parent = by_sid.get(state.parent) if state.parent else None
        items = plan_account(
            state, parent, countries, products, kb,
            scope=in_scope, pairs=wanted, prefer=prefer, parent_changes=parent_changes,
        )  # fmt: skip
        for item in items:
            if item.status == "change" and item.change is not None:
                parent_changes.setdefault(change_key(item.change)[:3], item.change)
        planned[state.sid] = items
    changes: dict[tuple[str, str, str, str], Change] = {}
    for items in planned.values():
        for item in items:
            if item.status == "change" and item.change is not None:
                key = change_key(item.change)
                kept = changes.setdefault(key, item.change)
                if item.account not in kept.for_accounts:
                    changes[key] = replace(kept, for_accounts=(*kept.for_accounts, item.account))
    final = [
        replace(i, change=changes.get(change_key(i.change), i.change)) if i.change is not None else i
        for s in states
        for i in planned.get(s.sid, ())
    ]
    ordered = sorted(changes.values(), key=lambda c: c.account in by_sid and by_sid[c.account].parent is not None)
    return FixPlan(items=tuple(final), changes=tuple(ordered))


def _entry(product: str, iso: str) -> str:
    """The permission entry a country is set on: its own, but Canada's voice entry is US."""
    from .country_table import voice_entry

    return voice_entry(iso) if product == "voice" else iso


def change_key(change: Change) -> tuple[str, str, str, str]:
    """One request per account, product, permission entry and action (CA and US share the voice entry US)."""
    return (change.account, change.product, _entry(change.product, change.country), change.action)


# --------------------------------------------------------------------------- results


ChangeOutcome = Literal["done", "inherits", "refused", "failed"]


def classify_messaging_result(code: int | None) -> ChangeOutcome:
    """What a Messaging PATCH's per-country ``error_code`` (or an HTTP error's code) means."""
    if code in (0, None):
        return "done"
    if code == INHERITS_CODE:
        return "inherits"
    if code == CONSOLE_ONLY_CODE:
        return "refused"
    return "failed"


def inherits_message(account: str, parent: str | None, iso: str) -> str:
    """What a 30648 answer means, with both ways out. It is not a failure of the tool."""
    from .countries import country_name

    name = f"{country_name(iso)} ({iso})"
    parent_text = parent or "its parent"
    return (
        f"{account} inherits its parent's SMS geo permissions (Twilio answered {INHERITS_CODE}, "
        f'"Geo Permissions update restricted for subaccounts"), so its own list cannot be changed. '
        f"Either enable {name} on the parent {parent_text} (`diagnose fix --country {iso} --product sms "
        f"--account {parent_text} --apply`); that reaches every subaccount that inherits from it. "
        f"Or, in the Console, switch to {account}, turn SMS geo-permission inheritance off, and enable "
        f"{name} on the subaccount itself (`diagnose fix --country {iso} --product sms --account {account} "
        f"--use enable-messaging-country --apply` once inheritance is off: without --use, diagnose fix, which "
        f"keeps this answer in its audit log, plans the change on the parent)."
    )


# --------------------------------------------------------------------------- plain data (spooled, JSON)


def change_to_dict(change: Change) -> dict[str, Any]:
    """A change as JSON data (the ``changes`` of ``diagnose fix --format json``)."""
    data = asdict(change)
    data["form"] = dict(change.form)
    data["request"] = change.request
    return data


def change_from_dict(data: Mapping[str, Any]) -> Change:
    fields = {k: v for k, v in data.items() if k != "request"}
    fields["form"] = tuple((str(k), str(v)) for k, v in dict(data["form"]).items())
    fields["for_accounts"] = tuple(data.get("for_accounts") or ())
    return Change(**fields)


def item_to_dict(item: FixItem) -> dict[str, Any]:
    """An item as JSON data (the ``items`` of ``diagnose fix --format json``); :func:`item_from_dict` reverses it."""
    data = asdict(item)
    data["change"] = change_to_dict(item.change) if item.change is not None else None
    return data


def item_from_dict(data: Mapping[str, Any]) -> FixItem:
    fields = dict(data)
    fields["steps"] = tuple(FixStepView(**s) for s in data.get("steps") or ())
    fields["change"] = change_from_dict(data["change"]) if data.get("change") else None
    return FixItem(**fields)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
