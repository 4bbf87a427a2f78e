"""Issue 7's cases, live against the demo simulator through the real pipeline: each cause is
confirmed (or, where the facts cannot decide, given as likely with the general fix) and the
others are ruled out, and each report says what the facts sheet requires."""

from __future__ import annotations

import phonenumbers
import pytest

from diagnose.countries import WRONG_PREFIX_SHAPES, wrong_prefix_how
from diagnose.gateway import Credentials, TwilioAccess
from diagnose.knowledge import load_knowledge
from diagnose.models import Diagnosis
from diagnose.pipeline import diagnose_sids
from diagnose.simulator import Simulator

KB = load_knowledge()


def diagnose_case(sim: Simulator, case: str, *, as_parent: bool = True) -> Diagnosis:
    sid, owner, (main_sid, main_token) = sim.sample(case)
    if as_parent:
        creds = Credentials(account_sid=main_sid, username=main_sid, password=main_token)
    else:
        token = sim.accounts[owner]["auth_token"]
        creds = Credentials(account_sid=owner, username=owner, password=token)
    with TwilioAccess(creds, api_url=sim.url, timeout=10) as access:
        (diagnosis,) = diagnose_sids([sid], access, KB, account=owner).diagnoses
    return diagnosis


def fix_text(d: Diagnosis) -> str:
    return "\n".join(f"{s.text}\n{s.console or ''}\n{s.api or ''}" for s in d.fix)


CONFIRMED = {
    "blocked-prefix": (21408, "blocked-prefix"),
    "wrong-prefix-form-default": (21408, "wrong-country-code"),
    "trunk-zero-enabled-now": (21408, "permission-enabled-now"),
    "doubled-code-enabled-now": (21408, "permission-enabled-now"),
    "voice-child-leg": (13227, "missing-country"),
    "voice-blocked-destination": (21216, "blocked-destination"),
    "inheriting-subaccount": (21408, "missing-country"),
    "voice-canada": (21215, "subaccount-mismatch"),
    "wrong-prefix-meant-disabled": (21408, "wrong-country-code"),
    "voice-wrong-prefix-meant-disabled": (21215, "wrong-country-code"),
}


@pytest.mark.parametrize("case", sorted(CONFIRMED))
def test_each_new_case_is_confirmed_with_the_others_ruled_out(demo_sim: Simulator, case: str) -> None:
    d = diagnose_case(demo_sim, case)
    code, cause = CONFIRMED[case]
    assert (d.error.code, d.verdict, d.cause) == (code, "confirmed", cause), [(c.id, c.status) for c in d.causes]
    assert all(c.status == "ruled-out" for c in d.causes if c.id != cause)
    assert d.fix


def test_canada_by_voice_names_the_us_entry(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "voice-canada")
    assert d.facts["country"]["value"] == "CA"
    assert (d.facts["voice_entry"]["value"], d.facts["voice_entry_name"]["value"]) == ("US", "United States/Canada")
    assert any("/DialingPermissions/Countries/US" in r for r in d.requests)
    assert not any("/DialingPermissions/Countries/CA" in r for r in d.requests)  # no such entry
    text = fix_text(d)
    assert '"iso_code":"US"' in text and '"iso_code":"CA"' not in text
    assert "United States/Canada" in text


def test_an_inheriting_subaccount_is_fixed_on_the_parent(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "inheriting-subaccount")
    assert d.facts["is_subaccount"]["value"] is True
    text = fix_text(d)
    assert "30648" in text  # what a 30648 answer means
    assert "every subaccount that inherits" in text
    parent = d.facts["parent_account_sid"]["value"]
    assert f'-u "{parent}:$PARENT_AUTH_TOKEN"' in text


def test_a_main_account_is_not_told_about_subaccount_inheritance(demo_sim: Simulator) -> None:
    """30648 only answers a subaccount: a main account's fix does not mention it; an unknown account's does."""
    d = diagnose_case(demo_sim, "missing-country")
    assert (d.verdict, d.cause, d.facts["is_subaccount"]["value"]) == ("confirmed", "missing-country", False)
    assert "30648" not in fix_text(d)
    step = next(s for c in KB.get(21408).causes if c.id == "missing-country" for s in c.fix if s.when)
    assert "30648" in step.text and "is_subaccount is not defined" in step.text


def test_a_blocked_prefix_never_advises_enabling_a_country(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "blocked-prefix")
    assert d.facts["country"]["value"] == "RU" and d.facts["blocked_prefix_name"]["value"] == "Crimea"
    text = fix_text(d)
    assert "Do not enable" in text
    assert "GeoPermissions" not in text and "BulkCountryUpdates" not in text  # no request that enables


def test_a_child_leg_is_its_own_dialled_number(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "voice-child-leg")
    assert d.evidence.to == "+525598765432" and d.facts["country"]["value"] == "MX"


@pytest.mark.parametrize(
    ("case", "meant", "country", "shape"),
    [
        ("wrong-country-code", "+12125550143", "US", "nanp-missing-1"),
        ("wrong-prefix-form-default", "+12125550143", "US", "national-behind-other-prefix"),
    ],
)
def test_each_wrong_prefix_shape_shows_the_number_meant(
    demo_sim: Simulator, case: str, meant: str, country: str, shape: str
) -> None:
    d = diagnose_case(demo_sim, case)
    facts = d.facts
    assert (facts["suggested_number"]["value"], facts["suggested_country"]["value"]) == (meant, country)
    assert shape in WRONG_PREFIX_SHAPES
    # the example is the number's own country code: a doubled +1 was said as "(+44 44 …)"
    how = facts["wrong_prefix_how"]["value"]
    sent = "+" + str(phonenumbers.parse(d.evidence.to).country_code)
    assert how == wrong_prefix_how(shape, int(sent[1:]))
    if shape in ("trunk-zero", "doubled-country-code"):
        assert f"({sent} " in how, how
    assert "+44" not in how or sent == "+44", how
    reason = next(c.reason for c in d.causes if c.id == "wrong-country-code")
    assert meant in reason and facts["suggested_country_name"]["value"] in reason
    assert meant in fix_text(d)


def test_a_kept_trunk_zero_is_the_country_meant_and_the_number_is_corrected(demo_sim: Simulator) -> None:
    """+49 01512 3456789: no wrong country (Germany's permission is the one Twilio checked, enabled now), but the
    report says the 0 was kept, with its example in the number's own country code, and resends to the number
    meant."""
    d = diagnose_case(demo_sim, "trunk-zero-enabled-now")
    facts = d.facts
    assert (facts["to"]["value"], facts["to_sent"]["value"]) == ("+4915123456789", "+49015123456789")
    assert (facts["country"]["value"], facts["suggested_number"]["value"]) == ("DE", None)
    assert facts["wrong_prefix_how"]["value"] == wrong_prefix_how("trunk-zero", 49)
    assert wrong_prefix_how("trunk-zero", 49) == "the national trunk 0 was kept after the country code (+49 0 …)"
    assert "(+49 0 …)" in d.summary and "+4915123456789" in d.fix[0].text
    assert "To=+4915123456789" in fix_text(d) and "To=+49015123456789" not in fix_text(d)


def test_a_code_written_twice_in_the_country_meant_is_the_country_meant(demo_sim: Simulator) -> None:
    """+1 1 415 555 0123: US as sent and as meant, so no wrong country (the US permission is the one Twilio
    checked, enabled now, not 'correcting the number is enough'); the report says the code is written twice, with
    its own example, and resends to the number meant."""
    d = diagnose_case(demo_sim, "doubled-code-enabled-now")
    facts = d.facts
    assert (facts["to"]["value"], facts["to_sent"]["value"]) == ("+14155550123", "+114155550123")
    assert (facts["country"]["value"], facts["suggested_number"]["value"]) == ("US", None)
    assert facts["wrong_prefix_how"]["value"] == "the country code was written twice (+1 1 …)"
    assert facts["to_malformed"]["value"] == "has its country code twice (+1 1 …)"
    assert "+114155550123 has its country code twice (+1 1 …)" in d.summary and "+14155550123" in d.fix[0].text
    assert "To=+14155550123" in fix_text(d) and "To=+114155550123" not in fix_text(d)


def test_a_standard_api_key_gets_the_general_fix_and_what_would_decide(demo_sim: Simulator) -> None:
    """The key cannot read Accounts: subaccount-mismatch refines missing-country, so likely, with its fix."""
    sid, owner, _ = demo_sim.sample("subaccount-mismatch")
    key = next(k for k in demo_sim.accounts[next(iter(demo_sim.accounts))]["api_keys"] if k["standard"])
    main = next(iter(demo_sim.accounts))
    creds = Credentials(account_sid=main, username=key["sid"], password=key["secret"])
    with TwilioAccess(creds, api_url=demo_sim.url, timeout=10) as access:
        (d,) = diagnose_sids([sid], access, KB, account=owner).diagnoses
    statuses = {c.id: c.status for c in d.causes}
    if d.verdict == "likely":
        assert d.cause == "missing-country" and "subaccount-mismatch" in d.covers, statuses
        assert d.fix and d.next_checks
        assert d.next_checks[0].cause == "subaccount-mismatch" and d.next_checks[0].unknown
    else:  # the subaccount's own list could not be read either: still what to check, in order
        assert d.verdict == "inconclusive" and d.next_checks, statuses


def test_a_subaccounts_standard_key_gets_the_general_fix_as_likely(demo_sim: Simulator) -> None:
    """As the subaccount, with a key that cannot read Accounts: whether it is a subaccount, and its
    parent's list, are unknown. subaccount-mismatch refines missing-country: likely, with its fix."""
    sid, owner, _ = demo_sim.sample("subaccount-mismatch")
    key = next(k for k in demo_sim.accounts[owner]["api_keys"] if k["standard"])
    creds = Credentials(account_sid=owner, username=key["sid"], password=key["secret"])
    with TwilioAccess(creds, api_url=demo_sim.url, timeout=10) as access:
        (d,) = diagnose_sids([sid], access, KB, account=owner).diagnoses
    statuses = {c.id: c.status for c in d.causes}
    assert (d.verdict, d.cause, d.covers) == ("likely", "missing-country", ("subaccount-mismatch",)), statuses
    assert d.fix and "30648" in fix_text(d)
    assert [c.text.split("`")[1] for c in d.next_checks] == ["subaccount-mismatch", "missing-country"]
    assert "parent_messaging_enabled" in d.next_checks[0].text
    assert "also covers `subaccount-mismatch`" in d.summary  # said once, in the verdict


def test_every_reference_of_the_knowledge_is_in_docs_sources() -> None:
    """Every claim names its source: each reference URL of a built-in file is listed in docs/sources.md."""
    from pathlib import Path

    sources = (Path(__file__).resolve().parents[1] / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = [(e.code, r.url) for e in KB.entries() for r in e.references if r.url not in sources]
    assert missing == []
    for code in (30648, 21216, 13225, 32224):
        assert f"errors/{code}" in sources, code


def test_a_code_missing_from_the_index_is_explained_and_linted(tmp_path) -> None:
    from diagnose.knowledge import lint_paths, lookup_error

    for code in (30648, 32224):
        assert lookup_error(code) is None  # newer than the 2023 index
        entry = KB.get(code)
        assert entry is not None and entry.docs_url.endswith(f"/errors/{code}")
    assert KB.get(30648).title == "Geo Permissions update restricted for subaccounts"
    assert KB.get(32224).title == "Forwarded Call blocked by Twilio"
    # Without docs_url, the linter asks for one (a warning: loading still works).
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "knowledge" / "30648.yaml").read_text(encoding="utf-8")
    (tmp_path / "30648.yaml").write_text(text.replace("docs_url: https://www.twilio.com/docs/api/errors/30648\n", ""))
    problems = [str(p) for p in lint_paths([tmp_path])]
    assert any("not in the error index" in p and "warning" in p for p in problems), problems


def test_a_voice_entry_that_does_not_exist_is_an_unknown_that_says_so() -> None:
    """Which NANP territories have voice entries is not documented: a 404 is handled, never guessed."""
    from diagnose.context import Context, Fetched
    from diagnose.facts import derive_facts
    from diagnose.models import Evidence

    line = "GET https://voice.twilio.com/v1/DialingPermissions/Countries/JM as AC" + "1" * 32
    context = Context(
        kind="call",
        sid="CA" + "2" * 32,
        account=Fetched(value={"sid": "AC" + "1" * 32, "owner_account_sid": "AC" + "1" * 32, "type": "Full"}),
        voice_country=Fetched(error='HTTP 404, code 20404 "The requested resource was not found"', request=line),
    )
    evidence = Evidence(kind="call", sid="CA" + "2" * 32, code=21215, to="+18765550123", account_sid="AC" + "1" * 32)
    facts = derive_facts(evidence, context)
    assert facts["voice_entry"].value == "JM"
    low = facts["voice_low_risk_enabled"]
    assert not low.known and "no entry JM" in low.reason and "not documented" in low.reason


# --- wrong-country-code: is the country meant open, so that correcting the number is enough? -----

SUPPORT, CLINICS = "AC15bf105506e1d44cb84ba12ca58143a1", "ACb17e4d8c5a6f73e9b2c8d7e6f5a4b3c2"


def _reason(d: Diagnosis) -> str:
    return next(c.reason for c in d.causes if c.id == "wrong-country-code")


@pytest.mark.parametrize(
    ("case", "fact", "enabled"),
    [
        ("wrong-country-code", "suggested_messaging_enabled", True),  # +212… meant the US, enabled
        ("wrong-prefix-meant-disabled", "suggested_messaging_enabled", False),  # +41 6… meant Canada, off
        ("voice-wrong-country-code", "effective_suggested_voice_low_risk_enabled", True),
        ("voice-wrong-prefix-meant-disabled", "effective_suggested_voice_low_risk_enabled", False),  # +40 3…: CA
    ],
)
def test_a_wrong_prefix_says_whether_the_country_meant_is_enabled(
    demo_sim: Simulator, case: str, fact: str, enabled: bool
) -> None:
    d = diagnose_case(demo_sim, case)
    assert (d.verdict, d.cause) == ("confirmed", "wrong-country-code")
    assert d.facts[fact]["known"] and d.facts[fact]["value"] is enabled, d.facts[fact]
    reason, text = _reason(d), fix_text(d)
    if enabled:
        assert "correcting the number is enough" in reason
        assert "PATCH" not in text and "BulkCountryUpdates" not in text  # nothing to enable
    else:
        assert "would fail with 21408 too" in reason or "would be refused too" in reason, reason


def test_the_country_meant_is_read_in_the_same_request_as_the_destination(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "wrong-prefix-meant-disabled")
    geo = [r for r in d.requests if "/Messaging/GeoPermissions" in r]
    assert len(geo) == 2 and all("CountryCode=CH%2CCA" in r for r in geo), geo  # the subaccount and its parent
    assert d.facts["parent_suggested_messaging_enabled"]["value"] is True
    reason = _reason(d)
    assert f"Canada is disabled on the subaccount {SUPPORT} (enabled on its parent)" in reason
    text = fix_text(d)
    # The fix enables the country meant, on the subaccount itself, and never the country Twilio saw.
    assert '"country_code":"CA"' in text and f'-u "{SUPPORT}:$' in text
    assert '"country_code":"CH"' not in text and "Do not enable Switzerland" in text


def test_a_call_to_a_wrong_prefix_names_the_voice_entry_meant_on_the_account_that_governs(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "voice-wrong-prefix-meant-disabled")
    assert d.facts["suggested_country"]["value"] == "CA" and d.facts["suggested_voice_entry"]["value"] == "US"
    assert any(r.startswith("GET https://voice.twilio.com/v1/DialingPermissions/Countries/US") for r in d.requests)
    reason = _reason(d)
    assert f"United States/Canada is off on {CLINICS}" in reason and "which it does not inherit" in reason
    text = fix_text(d)
    assert '"iso_code":"US","low_risk_numbers_enabled":"true"' in text and f'-u "{CLINICS}:$' in text
    assert '"iso_code":"RO"' not in text and '"iso_code":"CA"' not in text


def test_the_country_meant_is_read_live_not_assumed(sim: Simulator) -> None:
    """Enable Canada on the subaccount (as the Console would): the same message now says the fix is enough."""
    before = diagnose_case(sim, "wrong-prefix-meant-disabled")
    assert before.facts["suggested_messaging_enabled"]["value"] is False
    sim.state.set_messaging_permission(SUPPORT, "CA", True)
    after = diagnose_case(sim, "wrong-prefix-meant-disabled")
    assert after.facts["suggested_messaging_enabled"]["value"] is True
    assert "Canada is enabled on" in _reason(after) and "PATCH" not in fix_text(after)
    # Voice: turning inheritance on makes the parent's entry (on) the one that applies.
    sim.state.set_dialing_permissions_inheritance(CLINICS, True)
    voice = diagnose_case(sim, "voice-wrong-prefix-meant-disabled")
    assert voice.facts["effective_suggested_voice_low_risk_enabled"]["value"] is True
    assert "correcting the number is enough" in _reason(voice)


# --- 21216: the Primary Customer Profile cannot be read, and the report says so precisely -----


def test_21216_to_a_plus_one_number_says_the_primary_customer_profile_cannot_be_read(make_sim) -> None:  # type: ignore[no-untyped-def]
    main, token, call = "AC" + "1" * 32, "t" * 32, "CA" + "2" * 32
    sim = make_sim(
        {
            "accounts": [
                {
                    "sid": main,
                    "auth_token": token,
                    "calls": [{"sid": call, "to": "+14155550123", "notifications": [{"error_code": "21216"}]}],
                }
            ]
        }
    )
    creds = Credentials(account_sid=main, username=main, password=token)
    with TwilioAccess(creds, api_url=sim.url, timeout=10) as access:
        (d,) = diagnose_sids([call], access, KB).diagnoses
    statuses = {c.id: c.status for c in d.causes}
    assert d.verdict == "inconclusive" and statuses == {
        "blocked-destination": "ruled-out",
        "missing-customer-profile": "possible",
        "fraud-risk-destination": "possible",
    }
    fact = d.facts["primary_customer_profile"]
    assert not fact["known"] and fact["reason"].startswith("cannot be read:"), fact
    assert "no field marks the Primary Customer Profile" in fact["reason"] and "docs/sources.md" in fact["reason"]
    assert any("cannot be read:" in note for note in d.notes)
    # What to check next: the Console first, and the listing that exists, with what it cannot tell.
    step = next(s for s in d.next_checks if "missing-customer-profile" in s.text)
    assert "Trust Hub → Customer Profiles" in (step.console or "")
    assert 'curl "https://trusthub.twilio.com/v1/CustomerProfiles"' in (step.api or "")
    assert "No field says which one is the Primary Customer Profile" in (step.api or "")
    assert not any("trusthub" in r for r in d.requests)  # nothing is read that cannot answer


def test_the_voice_fix_keeps_the_high_risk_groups_as_they_are(sim: Simulator) -> None:
    # BulkCountryUpdates sets all three groups: the report's request used to send both high-risk groups as
    # "false", so running it on an account with high-risk special numbers on turned them off (diagnose fix
    # keeps their values). Here Mexico has low-risk off and high-risk special on.
    import base64
    import json
    import urllib.parse
    import urllib.request

    _sid, owner, (main_sid, main_token) = sim.sample("voice-missing-country")
    assert owner == main_sid
    update = [{"iso_code": "MX", "low_risk_numbers_enabled": "false", "high_risk_special_numbers_enabled": "true",
               "high_risk_tollfraud_numbers_enabled": "false"}]  # fmt: skip
    body = urllib.parse.urlencode({"UpdateRequest": json.dumps(update)}).encode()
    request = urllib.request.Request(f"{sim.url}/v1/DialingPermissions/BulkCountryUpdates", data=body)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{main_sid}:{main_token}".encode()).decode())
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10).close()
    d = diagnose_case(sim, "voice-missing-country")
    assert (d.verdict, d.cause) == ("confirmed", "missing-country")
    assert '"low_risk_numbers_enabled":"true","high_risk_special_numbers_enabled":"true"' in (d.fix[0].api or "")
    assert '"high_risk_tollfraud_numbers_enabled":"false"' in (d.fix[0].api or "")
    assert "keeps the high-risk groups off" not in d.fix[0].text
