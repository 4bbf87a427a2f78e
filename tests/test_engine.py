"""The rule engine over the built-in knowledge: scenarios per cause, and invariants (Hypothesis)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.conditions import UNKNOWN
from diagnose.engine import cause_status, evaluate
from diagnose.facts import FACTS
from diagnose.knowledge import load_knowledge
from diagnose.models import Evidence, Fact
from tests.fact_scenarios import CASES, scenario, with_unknown


def as_facts(values: dict[str, Any]) -> dict[str, Fact]:
    facts = {}
    for name in FACTS:
        value = values.get(name, UNKNOWN)
        if value is UNKNOWN:
            facts[name] = Fact.unknown(name, "not given in the test")
        else:
            facts[name] = Fact(name=name, value=value, source="test")
    return facts


KB = load_knowledge()
BUILTIN = {entry.code: entry for entry in KB.entries()}


def test_every_builtin_cause_has_a_scenario() -> None:
    for code, entry in BUILTIN.items():
        assert code in CASES, f"add fact scenarios for {code} in tests/fact_scenarios.py"
        ids = {c.id for c in entry.causes if not c.retired}
        assert ids == set(CASES[code]), f"{code}: causes {sorted(ids)} vs scenarios {sorted(CASES[code])}"


PAIRS = [(code, cause) for code, causes in CASES.items() for cause in causes]


@pytest.mark.parametrize(("code", "cause"), PAIRS, ids=[f"{c}/{k}" for c, k in PAIRS])
def test_scenario_confirms_its_cause_and_rules_out_the_rest(code: int, cause: str) -> None:
    entry = BUILTIN[code]
    findings = evaluate(as_facts(scenario(code, cause)), entry)
    statuses = {f.id: f.status for f in findings.causes}
    assert findings.verdict == "confirmed", statuses
    assert findings.cause == cause, statuses
    for other, status in statuses.items():
        if other != cause:
            assert status == "ruled-out", f"{code}/{other} is {status} in the {cause} scenario"
    for finding in findings.causes:
        assert finding.evidence, f"{code}/{finding.id} has no evidence line"
        assert all("<" not in line[:1] for line in finding.evidence)


@pytest.mark.parametrize(("code", "cause"), PAIRS, ids=[f"{c}/{k}" for c, k in PAIRS])
def test_each_cause_is_ruled_out_somewhere(code: int, cause: str) -> None:
    others = [scenario(code, k) for k in CASES[code] if k != cause]
    entry = BUILTIN[code]
    target = entry.cause(cause)
    assert target is not None
    assert any(cause_status(target, v) == "ruled-out" for v in others)


def test_unknown_permission_never_confirms_missing_country() -> None:
    values = with_unknown(scenario(21408, "missing-country"), "messaging_enabled")
    findings = evaluate(as_facts(values), BUILTIN[21408])
    assert findings.cause != "missing-country" or findings.verdict != "confirmed"
    statuses = {f.id: f.status for f in findings.causes}
    assert statuses["missing-country"] in {"possible", "unknown"}


def test_api_key_without_account_access_keeps_parent_comparison_open() -> None:
    values = with_unknown(
        scenario(21408, "subaccount-mismatch"), "is_subaccount", "parent_account_sid", "parent_messaging_enabled"
    )
    statuses = {f.id: f.status for f in evaluate(as_facts(values), BUILTIN[21408]).causes}
    assert statuses["subaccount-mismatch"] != "ruled-out"
    assert statuses["subaccount-mismatch"] != "confirmed"


def test_no_error_and_no_knowledge() -> None:
    delivered = {**scenario(21408, "missing-country"), "error_code": None, "failed": False, "status": "delivered"}
    assert evaluate(as_facts(delivered), BUILTIN[21408]).verdict == "no-error"
    other = {**scenario(21408, "missing-country"), "error_code": 30003}
    assert evaluate(as_facts(other), None).verdict == "no-knowledge"
    assert evaluate(as_facts(other), BUILTIN[21408]).verdict == "no-knowledge"


# --- invariants ---------------------------------------------------------------

_COUNTRIES = ["US", "PR", "CA", "FR", "NG", "IR", "SY", "CU", "MA", "GB", "MX", "DE", None]
_SIDS = ["AC" + "1" * 32, "AC" + "0" * 32, None]


def _known_strategy(name: str) -> st.SearchStrategy[Any]:
    spec = FACTS[name]
    if spec.type == "bool":
        base: st.SearchStrategy[Any] = st.booleans() | st.none()
    elif spec.type == "int":
        base = st.sampled_from([21408, 21215, 13227, 32205, 30003, 0, 1, 33, 44, 234, None])
    elif "country" in name:
        base = st.sampled_from(_COUNTRIES)
    elif "account_sid" in name:
        base = st.sampled_from(_SIDS)
    else:
        base = st.sampled_from(["+33612345678", "+2125550143", "Trial", "Full", "failed", "sms", "voice", "x", None])
    return base


def _value_strategy(name: str) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(UNKNOWN), _known_strategy(name))


fact_values = st.fixed_dictionaries({name: _value_strategy(name) for name in FACTS})
codes = st.sampled_from(sorted(BUILTIN))


def _statuses(code: int, values: dict[str, Any]) -> dict[str, str]:
    return {c.id: cause_status(c, values) for c in BUILTIN[code].causes if not c.retired}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(codes, fact_values)
def test_knowledge_never_confirms_two_causes(code: int, values: dict[str, Any]) -> None:
    confirmed = [cid for cid, s in _statuses(code, values).items() if s == "confirmed"]
    assert len(confirmed) <= 1, f"{code}: {confirmed} all confirmed by {values}"


@settings(max_examples=300, deadline=None)
@given(codes, fact_values)
def test_evaluate_is_deterministic_and_total(code: int, values: dict[str, Any]) -> None:
    facts = as_facts(values)
    first, second = evaluate(facts, BUILTIN[code]), evaluate(facts, BUILTIN[code])
    assert first == second
    assert sum(f.status == "confirmed" for f in first.causes) <= 1
    assert first.verdict in {"confirmed", "likely", "inconclusive", "no-error", "no-knowledge"}
    if first.verdict == "confirmed":
        assert first.cause is not None


@settings(max_examples=300, deadline=None)
@given(codes, fact_values, st.data())
def test_learning_an_unknown_fact_never_flips_a_decided_cause(code: int, values: dict[str, Any], data: Any) -> None:
    before = _statuses(code, values)
    refined = dict(values)
    for name, value in values.items():
        if value is UNKNOWN:
            refined[name] = data.draw(_known_strategy(name), label=name)
    after = _statuses(code, refined)
    for cid, status in before.items():
        if status in {"confirmed", "ruled-out"}:
            assert after[cid] == status, f"{code}/{cid} was {status}, became {after[cid]}"


# --- refinement: a likely verdict with the general cause's fix ------------------------------------


def test_a_subaccount_that_cannot_be_compared_gets_the_general_fix() -> None:
    """A standard API key cannot read Accounts: subaccount-mismatch and missing-country stay open."""
    from diagnose.report import build_diagnosis
    from tests.fact_scenarios import SMS_BASE

    values = with_unknown(SMS_BASE, "is_subaccount", "parent_account_sid", "parent_messaging_enabled")
    facts = as_facts(values)
    findings = evaluate(facts, BUILTIN[21408])
    statuses = {f.id: f.status for f in findings.causes}
    assert statuses["subaccount-mismatch"] == "possible" and statuses["missing-country"] == "possible"
    assert findings.verdict == "likely" and findings.cause == "missing-country"
    assert findings.covers == ("subaccount-mismatch",)
    diagnosis = build_diagnosis(sms_evidence(), facts, findings, BUILTIN[21408])
    assert diagnosis.fix and "30648" in diagnosis.fix[0].text  # the general fix, with what a 30648 means
    assert "also covers `subaccount-mismatch`" in diagnosis.summary  # said once, in the verdict
    # What to check next, in order: the refining cause first (it decides), then the general one.
    assert [c.text.split("`")[1] for c in diagnosis.next_checks] == ["subaccount-mismatch", "missing-country"]
    assert "parent_messaging_enabled" in diagnosis.next_checks[0].text


def sms_evidence() -> Evidence:
    return Evidence(kind="message", sid="SM" + "0" * 32, code=21408)


def test_refinement_is_data_and_unrelated_open_causes_stay_inconclusive() -> None:
    entry = BUILTIN[21408]
    assert entry.cause("subaccount-mismatch").refines == "missing-country"
    # Unknown country risk too: high-restriction-country does not refine missing-country.
    from tests.fact_scenarios import SMS_BASE

    values = with_unknown(SMS_BASE, "is_subaccount", "parent_messaging_enabled", "country_high_risk")
    findings = evaluate(as_facts(values), entry)
    assert findings.verdict == "inconclusive" and findings.covers == ()


def test_refines_is_linted(tmp_path) -> None:
    from diagnose.knowledge import lint_paths

    text = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text()
    bad = text.replace("  - id: missing-country\n", "  - id: missing-country\n    refines: missing-contry\n", 1)
    assert bad != text
    (tmp_path / "21408.yaml").write_text(bad)
    problems = [str(p) for p in lint_paths([tmp_path])]
    assert any("refines 'missing-contry'" in p and "did you mean" in p for p in problems), problems
    self_ref = text.replace("  - id: missing-country\n", "  - id: missing-country\n    refines: missing-country\n", 1)
    (tmp_path / "21408.yaml").write_text(self_ref)
    assert any("cannot refine itself" in str(p) for p in lint_paths([tmp_path]))


def test_open_causes_that_share_their_first_fix_step_are_likely(tmp_path: Path) -> None:
    """Without refines, two open causes whose first shown fix step is the same give a likely verdict."""
    text = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    second = """  - id: disabled-by-script
    title: A provisioning script disabled the country
    explanation: |
      Scripts that reset permissions turn countries off.
    confirmed_when: messaging_enabled == false and is_trial == true
    ruled_out_when: messaging_enabled == true or is_trial == false
    confirmed_because: "{{ country_name }} was disabled on {{ account_sid }} by a script."
    ruled_out_because: "Not a script."
    fix:
      - text: Enable {{ country_name }} in Messaging geo permissions.
        console: https://console.twilio.com/us1/develop/sms/settings/geo-permissions
      - text: Fix the script.
"""
    (tmp_path / "21408.yaml").write_text(text.replace("escalation:\n", second + "escalation:\n", 1))
    entry = load_knowledge([tmp_path], include_builtin=False).get(21408)
    assert entry is not None and not entry.cause("disabled-by-script").refines
    values = {"messaging_enabled": False, "is_trial": UNKNOWN, "country_name": "France", "country": "FR"}
    findings = evaluate(as_facts({**values, "error_code": 21408, "failed": True}), entry)
    # missing-country is confirmed here (messaging_enabled false): make it only possible instead.
    assert findings.verdict == "confirmed"
    text2 = text.replace(
        "confirmed_when: messaging_enabled == false\n",
        "confirmed_when: messaging_enabled == false and is_trial == false\n",
    )
    text2 = text2.replace(
        "ruled_out_when: messaging_enabled == true\n", "ruled_out_when: messaging_enabled == true or is_trial == true\n"
    )
    (tmp_path / "21408.yaml").write_text(text2.replace("escalation:\n", second + "escalation:\n", 1))
    entry = load_knowledge([tmp_path], include_builtin=False).get(21408)
    findings = evaluate(as_facts({**values, "error_code": 21408, "failed": True}), entry)
    assert {f.id: f.status for f in findings.causes} == {
        "missing-country": "possible",
        "disabled-by-script": "possible",
    }
    assert (findings.verdict, findings.cause, findings.covers) == ("likely", "missing-country", ("disabled-by-script",))
    # Different first steps: inconclusive.
    (tmp_path / "21408.yaml").write_text(
        text2.replace(
            "escalation:\n",
            second.replace("Enable {{ country_name }}", "Re-enable {{ country_name }}") + "escalation:\n",
            1,
        )
    )
    entry = load_knowledge([tmp_path], include_builtin=False).get(21408)
    assert evaluate(as_facts({**values, "error_code": 21408, "failed": True}), entry).verdict == "inconclusive"


# --- which part of a condition ruled a cause out --------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(codes, fact_values)
def test_a_cause_ruled_out_names_the_parts_of_its_condition_that_did_it(code: int, values: dict[str, Any]) -> None:
    """Each part named holds on its own (a confirmed_when's failing operand, negated), and a condition with
    several ways to rule a cause out names at least one: a report never says "this, or that" alone."""
    from diagnose.conditions import compile_condition

    by_id = {c.id: c for c in BUILTIN[code].causes}
    for finding in evaluate(as_facts(values), BUILTIN[code]).causes:
        cause = by_id[finding.id]
        if finding.status != "ruled-out":
            assert finding.ruled_out_by == ()
            continue
        condition, answer = (
            (cause.ruled_out_when, True) if cause.ruled_out_when is not None else (cause.confirmed_when, False)
        )
        for part in finding.ruled_out_by:
            assert compile_condition(part).evaluate(values) is True, (finding.id, part)  # each holds
            operand = part if answer else part.removeprefix("not (").removesuffix(")")
            assert operand in " ".join(condition.text.split())
        tree = ast.parse(" ".join(condition.text.split()), mode="eval").body
        op = ast.Or if answer else ast.And
        if isinstance(tree, ast.BoolOp) and isinstance(tree.op, op):
            assert finding.ruled_out_by, f"{code}/{finding.id}: one of several ways, but none named"
        else:
            assert finding.ruled_out_by == ()  # one test: the reason says it


def test_offline_a_high_risk_country_says_that_is_what_rules_missing_country_out() -> None:
    values = dict.fromkeys(FACTS, UNKNOWN) | {
        "error_code": 21408,
        "country": "NG",
        "country_name": "Nigeria",
        "country_high_risk": True,
        "country_not_allowed": False,
        "to_blocked_prefix": False,
        "to_valid": True,
        "wrong_prefix_suspected": False,
    }
    findings = {f.id: f for f in evaluate(as_facts(values), BUILTIN[21408]).causes}
    missing = findings["missing-country"]
    assert missing.status == "ruled-out"
    assert missing.ruled_out_by == ("country_high_risk == true",)
    assert missing.reason == (  # its line in the knowledge, not "enabled on <account_sid>, or …"
        "Nigeria is on Twilio's high-risk list, which only the Console can enable (see high-restriction-country)."
    )
    # a single test rules wrong-country-code out: its reason says it, nothing more is named
    assert findings["wrong-country-code"].ruled_out_by == ()


def test_without_ruled_out_when_the_failing_operands_of_confirmed_when_are_named_negated(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    extra = """  - id: disabled-by-script
    title: A provisioning script disabled the country
    explanation: |
      Scripts that reset permissions turn countries off.
    confirmed_when: messaging_enabled == false and is_trial == true and known(account_sid)
    confirmed_because: "{{ country_name }} was disabled on {{ account_sid }} by a script."
    ruled_out_because: "Not a script."
"""
    (tmp_path / "21408.yaml").write_text(text.replace("escalation:\n", extra + "escalation:\n", 1))
    entry = load_knowledge([tmp_path], include_builtin=False).get(21408)
    assert entry is not None
    values = {"error_code": 21408, "failed": True, "messaging_enabled": True, "is_trial": False, "account_sid": None}
    finding = next(f for f in evaluate(as_facts(values), entry).causes if f.id == "disabled-by-script")
    assert finding.status == "ruled-out"
    assert finding.ruled_out_by == ("not (messaging_enabled == false)", "not (is_trial == true)")
    from diagnose.render._views import _ruled_out_by

    assert _ruled_out_by(finding) == [
        "Ruled out by `not (messaging_enabled == false)`: messaging_enabled = true  [test].",
        "Ruled out by `not (is_trial == true)`: is_trial = false  [test].",
    ]


# --- the knowledge's line for each way a cause is ruled out ----------------------------------------


@settings(max_examples=300, deadline=None)
@given(codes, fact_values)
def test_a_cause_ruled_out_says_the_knowledge_line_of_each_way_that_did_it(code: int, values: dict[str, Any]) -> None:
    from diagnose.knowledge.templating import render_template

    by_id = {c.id: c for c in BUILTIN[code].causes}
    for finding in evaluate(as_facts(values), BUILTIN[code]).causes:
        if finding.status != "ruled-out":
            continue
        cause = by_id[finding.id]
        lines = dict(cause.ruled_out_reasons)
        by = finding.ruled_out_by
        general = (
            [render_template(cause.ruled_out_because, values)] if not by or any(p not in lines for p in by) else []
        )
        # the general line only when a way that held has no line of its own; then each way's line, in order
        assert finding.reason == " ".join(general + [render_template(lines[p], values) for p in by if p in lines])
        assert finding.reason, f"{code}/{finding.id}: ruled out without a reason"


def test_ruled_out_reasons_are_linted(tmp_path: Path) -> None:
    from diagnose.knowledge import lint_paths

    text = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")

    either = "messaging_enabled == true or (is_subaccount and parent_messaging_enabled == true)"

    def problems(reasons: str, ruled_out_when: str | None = None) -> list[str]:
        changed = text.replace(
            "    ruled_out_when: messaging_enabled == true\n",
            f"    ruled_out_when: {ruled_out_when or either}\n    ruled_out_reasons:\n{reasons}",
            1,
        )
        assert changed != text
        (tmp_path / "21408.yaml").write_text(changed, encoding="utf-8")
        return [str(p) for p in lint_paths([tmp_path])]

    good = (
        "      - when: messaging_enabled == true\n        because: Enabled on {{ account_sid }}.\n"
        "      - when: ( is_subaccount  and parent_messaging_enabled == true )\n        because: The parent has it.\n"
    )
    assert problems(good) == []  # brackets and blanks aside, as written in ruled_out_when
    entry = load_knowledge([tmp_path], include_builtin=False).get(21408)
    assert entry is not None
    assert (
        entry.cause("missing-country").ruled_out_reasons[1][0] == "is_subaccount and parent_messaging_enabled == true"
    )
    other = "      - when: is_trial == true\n        because: A trial.\n"
    assert any("is not one of the ways ruled_out_when holds" in p for p in problems(other))
    twice = "      - when: messaging_enabled == true\n        because: One.\n" * 2
    assert any("has a reason already" in p for p in problems(twice))
    single = "      - when: messaging_enabled == true\n        because: One.\n"
    assert any("needs a ruled_out_when of several ways" in p for p in problems(single, "messaging_enabled == true"))
    unknown = "      - when: messaging_enabled == true\n        because: Enabled on {{ acount_sid }}.\n"
    assert any("acount_sid" in p for p in problems(unknown))
