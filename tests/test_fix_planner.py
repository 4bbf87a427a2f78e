"""The fix planner (diagnose/fixes.py): pure, from plain data, with the built-in knowledge.

A small model of Twilio's behaviour (SMS inheritance per subaccount: the GET
answers the effective list and a PATCH gets 30648; voice inheritance through
/v1/Settings) stands in for the API, so Hypothesis can check the planner's
invariants over many account trees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.context import Fetched
from diagnose.countries import blocked_prefix, is_messaging_high_risk
from diagnose.countries import is_not_allowed as _not_allowed
from diagnose.country_table import countries as country_table
from diagnose.fixes import AccountState, Change, FixPlan, classify_messaging_result, plan_fix
from diagnose.knowledge import load_knowledge

KB = load_knowledge()


def is_not_allowed(iso: str) -> bool:
    """Twilio serves no number of the country: Iran, Syria, Cuba, or a prefix that is the whole country (+850)."""
    whole = blocked_prefix(f"+{country_table()[iso].calling_code}")
    return _not_allowed(iso) or (whole is not None and whole.iso == iso)


COUNTRIES = ("FR", "DE", "PR", "NG", "PK", "IR", "CU", "KP", "RU")
MAIN = "AC" + "a" * 32


def sid(n: int) -> str:
    return f"AC{n:032x}"


@dataclass
class Model:
    """What Twilio would hold: each account's own lists and its inheritance settings."""

    parent: dict[str, str | None]
    sms: dict[str, dict[str, bool]]
    sms_inherits: dict[str, bool]
    voice: dict[str, dict[str, dict[str, bool]]]
    voice_inherits: dict[str, bool]
    trial: dict[str, bool] = field(default_factory=dict)
    writes: list[Change] = field(default_factory=list)

    def effective_sms(self, account: str) -> dict[str, bool]:
        parent = self.parent[account]
        return self.sms[parent] if parent and self.sms_inherits[account] else self.sms[account]

    def state(self, account: str) -> AccountState:
        parent = self.parent[account]
        row = {
            "sid": account,
            "owner_account_sid": parent or account,
            "type": "Trial" if self.trial.get(account) else "Full",
            "status": "active",
        }
        perms = [
            {"country_code": iso, "type": "country", "enabled": on} for iso, on in self.effective_sms(account).items()
        ]
        voice = {
            iso: Fetched(
                value={
                    "iso_code": iso,
                    "low_risk_numbers_enabled": flags["low"],
                    "high_risk_special_numbers_enabled": flags["hrs"],
                    "high_risk_tollfraud_numbers_enabled": flags["hrt"],
                },
                request=f"GET voice {iso}",
            )
            for iso, flags in self.voice[account].items()
        }
        settings_ = {"dialing_permissions_inheritance": bool(parent) and self.voice_inherits[account]}
        return AccountState(
            sid=account,
            account=Fetched(value=row, request="GET account"),
            messaging=Fetched(value={"permissions": perms}, request="GET sms"),
            voice=voice,
            voice_settings=Fetched(value=settings_, request="GET settings"),
        )

    def states(self) -> list[AccountState]:
        return [self.state(a) for a in self.parent]

    def apply(self, change: Change) -> str:
        """Carry out one change as Twilio would; the outcome."""
        self.writes.append(change)
        iso = change.country
        if change.action == "enable-messaging-country":
            if self.parent[change.account] and self.sms_inherits[change.account]:
                return classify_messaging_result(30648)
            if is_messaging_high_risk(iso) or is_not_allowed(iso):
                return classify_messaging_result(30649)
            self.sms[change.account][iso] = True
            return "done"
        if change.action == "enable-voice-country":
            (row,) = json.loads(dict(change.form)["UpdateRequest"])
            flags = self.voice[change.account][row["iso_code"]]
            flags["low"] = row["low_risk_numbers_enabled"] == "true"
            for key, name in (
                ("hrs", "high_risk_special_numbers_enabled"),
                ("hrt", "high_risk_tollfraud_numbers_enabled"),
            ):
                if name in row:
                    flags[key] = row[name] == "true"
            return "done"
        if change.action == "set-voice-inheritance":
            self.voice_inherits[change.account] = True
            return "done"
        raise AssertionError(change.action)


@st.composite
def models(draw: st.DrawFn) -> Model:
    subs = [sid(i + 1) for i in range(draw(st.integers(0, 3)))]
    accounts = [MAIN, *subs]
    countries = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=4, unique=True))
    flag = st.booleans()
    parent = {MAIN: None, **{s: MAIN for s in subs}}
    sms = {a: {iso: draw(flag) for iso in countries} for a in accounts}
    voice = {a: {iso: {"low": draw(flag), "hrs": draw(flag), "hrt": draw(flag)} for iso in countries} for a in accounts}
    return Model(
        parent=parent,
        sms=sms,
        sms_inherits={a: bool(parent[a]) and draw(flag) for a in accounts},
        voice=voice,
        voice_inherits={a: bool(parent[a]) and draw(flag) for a in accounts},
        trial={a: draw(flag) for a in accounts},
    )


def countries_of(model: Model) -> list[str]:
    return list(model.sms[MAIN])


def run(model: Model, *, prefer: str | None = None, rounds: int = 4) -> FixPlan:
    """Plan, apply, read again (as `diagnose fix --apply` does) until nothing is left to change."""
    plan = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB, prefer=prefer)
    for _ in range(rounds):
        if not plan.changes:
            return plan
        for change in plan.changes:
            model.apply(change)
        plan = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB, prefer=prefer)
    return plan


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(models())
def test_never_plans_a_write_for_a_console_only_or_blocked_country(model: Model) -> None:
    plan = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB)
    for change in plan.changes:
        assert not is_not_allowed(change.country)
        assert not (change.product == "sms" and is_messaging_high_risk(change.country))
    for item in plan.items:
        if is_not_allowed(item.country):
            assert item.status in ("blocked", "ok") and item.change is None
        if item.product == "sms" and is_messaging_high_risk(item.country) and item.status != "ok":
            assert item.status == "console" and item.change is None


@SETTINGS
@given(models())
def test_every_change_is_in_scope_changes_something_and_parents_come_first(model: Model) -> None:
    plan = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB)
    seen_sub = False
    keys = set()
    for change in plan.changes:
        assert change.before != change.after
        key = (change.account, change.product, change.country, change.action)
        assert key not in keys  # one request per account, product, country and action
        keys.add(key)
        is_sub = model.parent[change.account] is not None
        assert not (seen_sub and not is_sub), "a parent's change after a subaccount's"
        seen_sub = seen_sub or is_sub


@SETTINGS
@given(models())
def test_applying_the_plan_converges_and_the_plan_is_then_empty(model: Model) -> None:
    final = run(model)
    assert final.changes == ()
    for item in final.items:
        refused = is_not_allowed(item.country) or (item.product == "sms" and is_messaging_high_risk(item.country))
        assert item.status == "ok" or refused, item
    # Idempotent: planning the fixed state again plans nothing, and no write was ever refused.
    again = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB)
    assert again.changes == ()
    assert [i.status for i in again.items] == [i.status for i in final.items]


@SETTINGS
@given(models())
def test_a_fully_enabled_state_plans_nothing(model: Model) -> None:
    for account in model.parent:
        for iso in countries_of(model):
            model.sms[account][iso] = True
            model.voice[account][iso]["low"] = True
    plan = plan_fix(model.states(), countries_of(model), ["sms", "voice"], KB)
    assert plan.changes == ()
    assert {i.status for i in plan.items} <= {"ok", "blocked"}


@SETTINGS
@given(models())
def test_an_inheriting_subaccount_is_fixed_through_its_parent(model: Model) -> None:
    plan = plan_fix(model.states(), countries_of(model), ["sms"], KB)
    parents_changed = {c.country for c in plan.changes if c.account == MAIN}
    for item in plan.items:
        if item.account != MAIN and item.country in parents_changed and item.status != "ok":
            assert item.status == "via-parent"
            assert item.change is not None and item.change.account == MAIN
            assert item.account in plan.recheck
    # No subaccount gets its own SMS write while its parent's write for the same country is pending.
    for change in plan.changes:
        if change.account != MAIN:
            assert change.country not in parents_changed


def test_a_subaccount_alone_gets_its_own_patch_and_30648_means_it_inherits() -> None:
    sub = sid(1)
    model = Model(
        parent={MAIN: None, sub: MAIN},
        sms={MAIN: {"FR": False}, sub: {"FR": False}},
        sms_inherits={MAIN: False, sub: True},
        voice={
            MAIN: {"FR": {"low": True, "hrs": False, "hrt": False}},
            sub: {"FR": {"low": True, "hrs": False, "hrt": False}},
        },
        voice_inherits={MAIN: False, sub: False},
    )
    plan = plan_fix(model.states(), ["FR"], ["sms"], KB, scope=[sub])
    (change,) = plan.changes
    assert change.account == sub and change.action == "enable-messaging-country"
    assert model.apply(change) == "inherits"
    assert model.sms[MAIN]["FR"] is False  # the parent, outside the scope, was never touched


def test_voice_inheritance_is_used_only_when_asked() -> None:
    sub = sid(1)
    model = Model(
        parent={MAIN: None, sub: MAIN},
        sms={MAIN: {"FR": True}, sub: {"FR": True}},
        sms_inherits={MAIN: False, sub: False},
        voice={
            MAIN: {"FR": {"low": True, "hrs": False, "hrt": False}},
            sub: {"FR": {"low": False, "hrs": True, "hrt": False}},
        },
        voice_inherits={MAIN: False, sub: False},
    )
    (default,) = plan_fix(model.states(), ["FR"], ["voice"], KB).changes
    assert (default.account, default.action, default.cause) == (
        sub,
        "enable-voice-country",
        "21215/subaccount-mismatch",
    )
    # The high-risk group keeps the value it has: the request never turns it off.
    (row,) = json.loads(dict(default.form)["UpdateRequest"])
    assert row == {
        "iso_code": "FR",
        "low_risk_numbers_enabled": "true",
        "high_risk_special_numbers_enabled": "true",
        "high_risk_tollfraud_numbers_enabled": "false",
    }
    (inherit,) = plan_fix(model.states(), ["FR"], ["voice"], KB, prefer="set-voice-inheritance").changes
    assert (inherit.account, inherit.action) == (sub, "set-voice-inheritance")
    assert inherit.form == (("DialingPermissionsInheritance", "true"),)
    assert inherit.before == {"dialing_permissions_inheritance": False}


def test_from_audit_pairs_restrict_the_plan() -> None:
    sub = sid(1)
    model = Model(
        parent={MAIN: None, sub: MAIN},
        sms={MAIN: {"FR": False, "DE": False}, sub: {"FR": False, "DE": False}},
        sms_inherits={MAIN: False, sub: False},
        voice={a: {iso: {"low": False, "hrs": False, "hrt": False} for iso in ("FR", "DE")} for a in (MAIN, sub)},
        voice_inherits={MAIN: False, sub: False},
    )
    plan = plan_fix(model.states(), ["FR", "DE"], ["sms", "voice"], KB, pairs=[(sub, "de", "sms")])
    assert [(i.account, i.country, i.product) for i in plan.items] == [(sub, "DE", "sms")]
    (change,) = plan.changes
    assert (change.account, change.country, change.product) == (sub, "DE", "sms")


def test_an_unreadable_account_is_unknown_and_never_written() -> None:
    broken = AccountState(sid=MAIN, account=Fetched(error="HTTP 500", request="GET account"))
    plan = plan_fix([broken], ["FR"], ["sms", "voice"], KB)
    assert plan.changes == ()
    assert [i.status for i in plan.items] == ["unknown", "unknown"]
    assert "HTTP 500" in plan.items[0].summary
    unread = AccountState(
        sid=MAIN,
        account=Fetched(value={"sid": MAIN, "owner_account_sid": MAIN, "type": "Full"}, request="GET"),
        messaging=Fetched(error="HTTP 429 after retries", request="GET sms"),
    )
    plan = plan_fix([unread], ["FR"], ["sms"], KB)
    assert plan.changes == () and plan.items[0].status == "unknown"
    assert "429" in plan.items[0].summary


def test_console_only_items_carry_the_knowledge_console_steps() -> None:
    model = Model(
        parent={MAIN: None},
        sms={MAIN: {"NG": False}},
        sms_inherits={MAIN: False},
        voice={MAIN: {"NG": {"low": True, "hrs": False, "hrt": False}}},
        voice_inherits={MAIN: False},
    )
    (item,) = plan_fix(model.states(), ["NG"], ["sms"], KB).items
    assert item.status == "console" and item.cause == "21408/high-restriction-country"
    assert any(s.action == "console-only" and s.console and "Nigeria" in s.console for s in item.steps)


@SETTINGS
@given(models())
def test_the_fast_path_agrees_with_the_facts(model: Model) -> None:
    from diagnose.fixes import _facts, _plainly_usable, _usable

    states = {s.sid: s for s in model.states()}
    for state in states.values():
        parent = states.get(state.parent) if state.parent else None
        for iso in countries_of(model):
            for product in ("sms", "voice"):
                if _plainly_usable(state, parent, iso, product):
                    fact = _usable(_facts(state, parent, iso, product), product)
                    assert fact.known and fact.value is True


def test_a_whole_country_blocked_by_prefix_is_never_written_and_a_partial_one_is_noted() -> None:
    model = Model(
        parent={MAIN: None},
        sms={MAIN: {"KP": False, "RU": False}},
        sms_inherits={MAIN: False},
        voice={
            MAIN: {"KP": {"low": False, "hrs": False, "hrt": False}, "RU": {"low": False, "hrs": False, "hrt": False}}
        },
        voice_inherits={MAIN: False},
    )
    plan = plan_fix(model.states(), ["KP", "RU"], ["sms", "voice"], KB)
    assert {c.country for c in plan.changes} == {"RU"}
    for item in plan.items:
        if item.country == "KP":
            assert item.status == "blocked" and "+850" in item.summary
            steps = " ".join(step.text for step in item.steps)
            assert "North Korea (+850)" in steps and "<" not in steps  # every value filled in
        else:
            assert item.status == "change" and "Crimea (+7978) stays blocked" in item.summary
