"""Fact derivation from plain fetched data (no Twilio, no server)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from diagnose.context import Context, Fetched
from diagnose.evidence import from_call, from_message
from diagnose.facts import FACTS, derive_facts

PARENT = "AC" + "0" * 32
SUB = "AC" + "1" * 32
MSG = {
    "sid": "SM" + "2" * 32,
    "account_sid": SUB,
    "to": "+17875550100",
    "from": "+15017122661",
    "status": "failed",
    "error_code": 21408,
}


def perms(**enabled: bool) -> dict:
    return {"permissions": [{"country_code": c, "type": "country", "enabled": e} for c, e in enabled.items()]}


def account(sid: str, owner: str, typ: str = "Full") -> Fetched:
    return Fetched({"sid": sid, "owner_account_sid": owner, "type": typ, "status": "active"}, request=f"GET {sid}")


def test_subaccount_lacking_what_its_parent_has() -> None:
    ctx = Context(
        kind="message",
        sid=MSG["sid"],
        resource=Fetched(MSG, request="GET message"),
        account=account(SUB, PARENT),
        parent=account(PARENT, PARENT),
        messaging_permissions=Fetched(perms(PR=False), request="GET sub perms"),
        parent_messaging_permissions=Fetched(perms(PR=True), request="GET parent perms"),
    )
    facts = derive_facts(from_message(MSG), ctx)
    assert set(facts) == set(FACTS)
    got = {k: facts[k].value for k in ("country", "is_nanp", "is_subaccount", "messaging_enabled")}
    assert got == {"country": "PR", "is_nanp": True, "is_subaccount": True, "messaging_enabled": False}
    assert facts["parent_messaging_enabled"].value is True
    assert facts["parent_messaging_enabled"].source == "GET parent perms"
    assert facts["parent_account_sid"].value == PARENT


def test_unreadable_account_leaves_parent_facts_unknown_with_reason() -> None:
    reason = "a standard API key cannot read the Accounts resource"
    ctx = Context(
        kind="message",
        sid=MSG["sid"],
        resource=Fetched(MSG, request="GET message"),
        account=Fetched(error=reason),
        parent=Fetched(error=reason),
        messaging_permissions=Fetched(perms(PR=False)),
        parent_messaging_permissions=Fetched(error=reason),
    )
    facts = derive_facts(from_message(MSG), ctx)
    assert facts["messaging_enabled"].value is False
    for name in ("is_subaccount", "parent_messaging_enabled"):
        assert not facts[name].known and reason in facts[name].reason


def test_main_account_parent_facts_are_known_null() -> None:
    msg = {**MSG, "account_sid": PARENT}
    ctx = Context(
        kind="message",
        sid=msg["sid"],
        resource=Fetched(msg),
        account=account(PARENT, PARENT),
        messaging_permissions=Fetched(perms(PR=False)),
    )
    facts = derive_facts(from_message(msg), ctx)
    assert facts["is_subaccount"].value is False
    assert facts["parent_messaging_enabled"].known and facts["parent_messaging_enabled"].value is None


def test_voice_inheritance_makes_the_parent_govern() -> None:
    call = {"sid": "CA" + "3" * 32, "account_sid": SUB, "to": "+447012345678", "status": "failed"}
    notes = [{"error_code": "21215", "log": "0"}]
    country = {"iso_code": "GB", "low_risk_numbers_enabled": False, "high_risk_special_numbers_enabled": False}
    parent_country = {**country, "low_risk_numbers_enabled": True}
    ctx = Context(
        kind="call",
        sid=call["sid"],
        resource=Fetched(call),
        notifications=Fetched(notes),
        account=account(SUB, PARENT),
        parent=account(PARENT, PARENT),
        voice_country=Fetched(country),
        parent_voice_country=Fetched(parent_country),
        voice_high_risk_prefixes=Fetched([{"prefix": "+4470"}]),
        voice_settings=Fetched({"dialing_permissions_inheritance": True}),
        parent_voice_settings=Fetched({"dialing_permissions_inheritance": False}),
    )
    facts = derive_facts(from_call(call, notes), ctx)
    assert facts["error_code"].value == 21215
    assert facts["voice_low_risk_enabled"].value is False
    assert facts["effective_voice_low_risk_enabled"].value is True
    assert facts["governing_account_sid"].value == PARENT
    assert facts["to_high_risk_special"].value is True


def test_offline_evidence_leaves_account_facts_unknown() -> None:
    facts = derive_facts(from_message(MSG), None)
    assert facts["country"].value == "PR"
    assert not facts["messaging_enabled"].known and not facts["is_subaccount"].known


@given(
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.none(), st.booleans(), st.text(max_size=5)),
    st.sampled_from(["message", "call"]),
)
def test_derivation_is_total(to: str | None, enabled: object, kind: str) -> None:
    payload = {"sid": "SM" + "4" * 32, "to": to, "status": "failed", "error_code": "21408"}
    slot = Fetched({"permissions": [{"country_code": "FR", "enabled": enabled}]})
    ctx = Context(kind=kind, sid=payload["sid"], resource=Fetched(payload), messaging_permissions=slot)
    ev = from_message(payload) if kind == "message" else from_call(payload)
    facts = derive_facts(ev, ctx)
    assert set(facts) == set(FACTS)
    for fact in facts.values():
        assert fact.known or fact.reason


def test_a_canadian_number_is_governed_by_the_us_voice_entry() -> None:
    from diagnose.models import Evidence

    facts = derive_facts(Evidence(kind="call", sid="CA" + "1" * 32, code=21215, to="+16135550123"), None)
    assert facts["country"].value == "CA"
    assert (facts["voice_entry"].value, facts["voice_entry_name"].value) == ("US", "United States/Canada")
    assert "United States/Canada" in facts["voice_entry"].source
    pr = derive_facts(Evidence(kind="call", sid="CA" + "1" * 32, code=21215, to="+17872316644"), None)
    assert (pr["voice_entry"].value, pr["voice_entry_name"].value) == ("PR", "Puerto Rico")


def test_blocked_prefixes_are_facts() -> None:
    from diagnose.models import Evidence

    crimea = derive_facts(Evidence(kind="message", sid="SM" + "1" * 32, code=21408, to="+79781234567"), None)
    assert crimea["country"].value == "RU"  # as phonenumbers reads it
    assert (crimea["to_blocked_prefix"].value, crimea["blocked_prefix"].value) == (True, "+7978")
    assert crimea["blocked_prefix_name"].value == "Crimea"
    moscow = derive_facts(Evidence(kind="message", sid="SM" + "1" * 32, code=21408, to="+74951234567"), None)
    assert moscow["to_blocked_prefix"].value is False
    # A pasted country without a number: known false where no blocked range lies, unknown for Russia.
    fr = derive_facts(Evidence(kind="paste", code=21408, country="FR"), None)
    assert fr["to_blocked_prefix"].known and fr["to_blocked_prefix"].value is False
    ru = derive_facts(Evidence(kind="paste", code=21408, country="RU"), None)
    assert not ru["to_blocked_prefix"].known
