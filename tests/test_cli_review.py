"""What a support engineer's review of the command line found: options that were silently ignored.

Each test runs the real command against the bundled simulator (the real twilio client, no stubs).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV

# A refused send to Puerto Rico, as twilio-python prints it: no account SID in the text.
PASTE_PR = (
    '{"code": 21408, "message": "Permission to send an SMS has not been enabled for the region indicated by the '
    '\'To\' number: +17872316644", "more_info": "https://www.twilio.com/docs/errors/21408", "status": 400}'
)


@pytest.fixture
def demo():
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def online(sim: Simulator, case: str) -> tuple[str, str, dict[str, str]]:
    sid, owner, (account, token) = sim.sample(case)
    return sid, owner, {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": sim.url}


def test_account_names_the_sender_of_a_paste_that_names_none(demo: Simulator) -> None:
    # The subaccount has PR off, its parent on. --account used to be ignored for a paste: the parent's
    # list was read and "confirmed: permission-enabled-now" told the engineer to just resend.
    _sid, sub, env = online(demo, "subaccount-mismatch")
    code, out, _ = run(["-", "--account", sub, "--format", "json"], env, stdin=PASTE_PR)
    d = json.loads(out)["diagnoses"][0]
    assert (code, d["verdict"], d["cause"]) == (0, "confirmed", "subaccount-mismatch")
    assert d["evidence"]["account_sid"] == sub
    # offline too, the fix steps name the account instead of <account_sid>
    code, out, _ = run(["-", "--account", sub, "--offline"], env, stdin=PASTE_PR)
    assert code == 1 and sub in out and "switch to subaccount <account_sid>" not in out


def test_a_paste_read_as_the_credentials_account_says_so_first(demo: Simulator) -> None:
    _sid, sub, env = online(demo, "subaccount-mismatch")
    parent = env["TWILIO_ACCOUNT_SID"]
    code, out, _ = run(["-"], env, stdin=PASTE_PR)
    first_screen = out.split("\nFix\n")[0]
    assert code == 0 and "confirmed: permission-enabled-now" in first_screen
    assert f"names no account: {parent}, the account of the credentials, was read" in " ".join(first_screen.split())
    assert "--account" in first_screen
    # an error that names its account says nothing of the kind
    named = PASTE_PR.replace('"status": 400}', f'"status": 400, "account_sid": "{sub}"}}')
    _code, out, _ = run(["-", "--account", sub], env, stdin=named)
    assert "names no account" not in out


def test_a_malformed_account_with_a_paste_is_bad_input() -> None:
    code, out, err = run(["-", "--account", "AC123"], {}, stdin=PASTE_PR)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("diagnose: error: 'AC123' is not an account SID")


def test_offline_with_a_sid_is_refused_before_any_request(demo: Simulator) -> None:
    sid, _owner, env = online(demo, "missing-country")
    before = len(demo.requests)
    code, out, err = run([sid, "--offline"], env)
    assert (code, out) == (2, "")
    assert err == "diagnose: error: --offline is for pasted errors: a SID is diagnosed by reading it from Twilio\n"
    assert len(demo.requests) == before


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_redact_numbers_masks_a_sid_report(demo: Simulator, fmt: str) -> None:
    # It was ignored for SIDs: a report meant to be shared outside the team printed every number.
    sid, _owner, env = online(demo, "missing-country")
    code, plain, _ = run([sid, "--format", fmt], env)
    assert code == 0 and "+33645218709" in plain
    code, out, _ = run([sid, "--format", fmt, "--redact-numbers"], env)
    assert code == 0 and "+33645218709" not in out and "+15017122661" not in out
    assert "+33*******09" in out and sid in out
    if fmt == "json":
        assert json.loads(out)["diagnoses"][0]["cause"] == "missing-country"


# Example numbers 21408's knowledge writes to show how a number goes wrong: no one's data, and masked they
# showed nothing ("+33 ********78 instead of +33 *******78" was the trunk 0's example).
KNOWLEDGE_EXAMPLES = ("+33 0612345678 instead of +33 612345678", "+44 44 7624 123456", "+33612345678.")


def _prose(text: str) -> str:
    """``text`` with its lines joined and Markdown's backticks and HTML's code tags gone."""
    return re.sub(r"</?code>|`", "", " ".join(text.split()))


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_redact_numbers_keeps_the_knowledges_examples_and_masks_the_numbers_read(demo: Simulator, fmt: str) -> None:
    # +44 2125550143: (212) 555-0143 behind a form's default UK prefix; +12125550143 is the number meant.
    sid, _owner, env = online(demo, "wrong-prefix-form-default")
    code, out, _ = run([sid, "--format", fmt, "--redact-numbers"], env)
    assert code == 0
    text = _prose(json.loads(out)["diagnoses"][0]["explanation"] if fmt == "json" else out)
    for example in KNOWLEDGE_EXAMPLES:
        assert example in text, example
    # the numbers read stay masked, in the knowledge's text too where an example is one of them
    for number in ("442125550143", "12125550143", "2125550143", "212 555 0143", "15017122661"):
        assert number not in out, number
    assert "+44********43" in out and "+1********43" in out


def test_redact_numbers_keeps_the_knowledges_examples_in_a_paste() -> None:
    paste = PASTE_PR.replace("+17872316644", "+4165550123")  # a Toronto number without its 1
    code, out, _ = run(["-", "--offline", "--redact-numbers"], {}, stdin=paste)
    assert code == 0 and "4165550123" not in out and "+41******23" in out
    assert "(+212 555 … for +1 212 555 …)" in _prose(out)  # how a lost 1 looks, said in the answer
    for example in (*KNOWLEDGE_EXAMPLES, "+2125550143 is read as Morocco"):
        assert example in _prose(out), example


def test_scan_does_not_claim_failures_stopped_for_a_country_enabled_now() -> None:
    # It said "the failures stopped when it was enabled" and ranked "nothing to do (already enabled)",
    # once per account with nothing to tell them apart. No API says when a permission changed, and
    # Twilio resends nothing: 21408/permission-enabled-now says to test, then resend or escalate.
    main_sid, sub = "AC" + "a" * 32, "AC" + "b" * 32
    failed = [{"to": "+4915123456789", "error_code": 21408, "date_created": "-2d"} for _ in range(2)]
    scenario = {
        "accounts": [
            {"sid": main_sid, "auth_token": "1" * 32, "messaging_geo_permissions": {"DE": True}, "messages": failed},
            {
                "sid": sub,
                "auth_token": "2" * 32,
                "parent": main_sid,
                "messaging_geo_permissions": {"DE": True},
                "messages": failed[:1],
            },
        ]
    }
    with Simulator(load_scenario(scenario), port=0) as sim:
        env = {"TWILIO_ACCOUNT_SID": main_sid, "TWILIO_AUTH_TOKEN": "1" * 32, "DIAGNOSE_API_URL": sim.url}
        code, out, _ = run(["scan", "--subaccounts", "all", "--format", "json"], env)
    doc = json.loads(out)
    assert code == 1
    texts = [f["text"] for f in doc["fixes"]]
    assert len(texts) == 2 and all("nothing to do" not in t for t in texts)
    for account, n in ((main_sid, 2), (sub, 1)):
        fix = next(f for f in doc["fixes"] if f"enabled on {account} now" in f["text"])
        assert (fix["action"], fix["account"], fix["failures"]) == ("none", None, n)
        assert "resend the failed ones" in fix["text"] and "run `diagnose SM" in fix["text"]
    for group in doc["groups"]:
        assert "stopped" not in group["diagnosis"]
        assert "enabled after these failures, or something narrower" in group["diagnosis"]


def test_several_html_runbooks_without_out_are_refused_not_glued_together() -> None:
    # It printed nine <!doctype html> documents one after the other: no browser shows that as pages.
    code, out, err = run(["runbook", "--all", "--format", "html"], {})
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "give --out DIR" in err
    code, out, _ = run(["runbook", "21408", "--format", "html"], {})
    assert code == 0 and out.count("<!doctype html>") == 1
    code, out, _ = run(["runbook", "21408", "21215"], {})  # Markdown pages read fine one after the other
    assert code == 0 and out.startswith("# 21408")


@pytest.mark.parametrize(
    ("sid", "hint"),
    [
        ("AC827b9cd0b030dcac3e225df5797efde0", "it is an account SID: give it as --account"),
        ("NO5f0e7a9c3b2d4e6f8a1b0c9d8e7f6a5b", "it is an alert or notification SID: its resource_sid"),
    ],
)
def test_a_sid_of_another_kind_says_what_to_do_with_it(sid: str, hint: str) -> None:
    code, out, err = run([sid], {})
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and hint in err


def test_a_trial_subaccount_is_told_where_to_upgrade_before_it_is_told_to_upgrade(demo: Simulator) -> None:
    # The upgrade step came first and the subaccount's "upgrade the parent" after it; the enabling step
    # pointed to "the high-risk-number-range cause", which this report does not show, for its request.
    sid, _sub, env = online(demo, "voice-trial-account")
    code, out, _ = run([sid, "--format", "json"], env)
    d = json.loads(out)["diagnoses"][0]
    assert (code, d["cause"]) == (0, "trial-account")
    texts = [step["text"] for step in d["fix"]]
    where = next(i for i, t in enumerate(texts) if "is a subaccount" in t)
    upgrade = next(i for i, t in enumerate(texts) if t.startswith("If you do need it, upgrade"))
    assert where < upgrade and env["TWILIO_ACCOUNT_SID"] in texts[where]
    assert "high-risk-number-range" not in " ".join(texts)
    api = d["fix"][upgrade]["api"]
    assert "BulkCountryUpdates" in api and '"high_risk_special_numbers_enabled":"true"' in api
