"""``diagnose fix`` end to end against the simulator: dry run, apply, read back, audit log, faults."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.cli.audit_log import read_changes
from diagnose.cli.fix import parse_countries
from diagnose.evidence import check_account_sid
from diagnose.simulator import Simulator, load_scenario

MAIN = "AC" + "1" * 32
OWN = "AC" + "2" * 32  # SMS: its own list (inheritance off); voice: its own list
HEIR = "AC" + "3" * 32  # SMS and voice: inherits from MAIN
TWIN = "AC" + "4" * 32  # has everything already
GONE = "AC" + "5" * 32  # closed
KEY, KEY_SECRET = "SK" + "6" * 32, "k" * 32
TOKENS = {MAIN: "t" * 32, OWN: "u" * 32, HEIR: "v" * 32, TWIN: "w" * 32, GONE: "x" * 32}

SCENARIO: dict[str, Any] = {
    "accounts": [
        {
            "sid": MAIN,
            "auth_token": TOKENS[MAIN],
            "friendly_name": "Platform",
            "api_keys": [{"sid": KEY, "secret": KEY_SECRET}],  # a standard key: it may not read Accounts
            "messaging_geo_permissions": {"FR": False, "DE": True},
            "voice_dialing_permissions": {
                "FR": {"low_risk": False, "high_risk_special": True},
                "DE": {"low_risk": True},
            },
        },
        {
            "sid": OWN,
            "auth_token": TOKENS[OWN],
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": False, "DE": True},
            "voice_settings": {"dialing_permissions_inheritance": False},
            "voice_dialing_permissions": {"FR": {"low_risk": False}, "DE": {"low_risk": True}},
        },
        {
            "sid": HEIR,
            "auth_token": TOKENS[HEIR],
            "parent": MAIN,
            "messaging_settings": {"geo_permissions_inheritance": True},
            "voice_settings": {"dialing_permissions_inheritance": True},
        },
        {
            "sid": TWIN,
            "auth_token": TOKENS[TWIN],
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": True, "DE": True},
            "voice_settings": {"dialing_permissions_inheritance": False},
            "voice_dialing_permissions": {"FR": {"low_risk": True}, "DE": {"low_risk": True}},
        },
        {"sid": GONE, "auth_token": TOKENS[GONE], "parent": MAIN, "status": "closed"},
    ]
}

WRITES = ("PATCH", "POST")


@pytest.fixture
def platform() -> Any:
    with Simulator(load_scenario(SCENARIO), port=0) as sim:
        yield sim


def _env(sim: Simulator) -> dict[str, str]:
    return {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": MAIN,
        "TWILIO_AUTH_TOKEN": TOKENS[MAIN],
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }


def run(sim: Simulator, *args: str, command: str = "fix", stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [command, *args], env=_env(sim), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def writes(sim: Simulator) -> list[dict[str, Any]]:
    return [r for r in sim.requests if r["method"] in WRITES]


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The changes the audit log records as made (each also has its attempt's line, written before it was sent)."""
    return [x for x in read_changes(path) if x["outcome"] == "done"] if path.exists() else []


def test_dry_run_prints_the_plan_and_sends_no_write(platform: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    code, out, _ = run(platform, "--country", "FR", "--subaccounts", "all", "--audit-log", str(log))
    assert code == 1  # gaps remain: nothing was changed
    assert writes(platform) == []
    assert not log.exists()
    assert "dry run: nothing is sent without --apply" in out
    assert f"{MAIN}  SMS  France (FR)  enable-messaging-country  [21408/missing-country]" in out
    assert "PATCH https://accounts.twilio.com/v1/Messaging/GeoPermissions" in out
    assert "POST https://voice.twilio.com/v1/DialingPermissions/BulkCountryUpdates" in out
    assert GONE not in out  # a closed account cannot send: not planned
    assert "Skipped (a closed or suspended account can neither send nor be changed): 1 closed." in out


def test_a_call_to_canada_is_planned_on_twilios_us_entry_and_says_so(demo_sim: Simulator) -> None:
    # The request names "US" for Canada; the plan's line said only "voice  Canada (CA)", so the plan seemed to
    # enable the United States by mistake. The scan words it as this line does now.
    _sid, clinics, (parent, token) = demo_sim.sample("voice-canada")  # US/Canada off on Acme Clinics
    env = {**_env(demo_sim), "TWILIO_ACCOUNT_SID": parent, "TWILIO_AUTH_TOKEN": token}
    args = ["fix", "--country", "CA", "--product", "voice", "--account", clinics]
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 1  # a dry run with a change
    line = f"{clinics}  voice  Canada (CA) (Twilio's US entry, United States/Canada)  enable-voice-country"
    assert line in result.stdout and '"iso_code":"US"' in result.stdout


DEMO_PARENT = "AC827b9cd0b030dcac3e225df5797efde0"
DEMO_SUPPORT, DEMO_SUPPORT_TOKEN = "AC15bf105506e1d44cb84ba12ca58143a1", "ed3c838f9a59ad3fe8f4fd20ae077828"


@pytest.mark.parametrize("refusal", [None, 403], ids=["401", "403-20003"])
def test_a_subaccounts_plan_says_whose_read_of_its_parent_was_refused(sim: Simulator, refusal: int | None) -> None:
    # With Acme Support's own credentials the plan reads its parent's Account to compare with, and Twilio
    # refuses it (401, code 20003; or a 403 with 20003): the plan said nothing of it, in text or JSON, and
    # planned the subaccount as if it had no parent to compare with.
    if refusal is not None:
        sim.add_fault(
            match=f"GET ^/2010-04-01/Accounts/{DEMO_PARENT}.json$",
            status=refusal,
            code=20003,
            message="Permission Denied",
        )
    env = {**_env(sim), "TWILIO_ACCOUNT_SID": DEMO_SUPPORT, "TWILIO_AUTH_TOKEN": DEMO_SUPPORT_TOKEN}
    answered = 'HTTP 401, code 20003 "Authenticate"' if refusal is None else 'HTTP 403, code 20003 "Permission Denied"'
    said = (
        f"the credentials of subaccount {DEMO_SUPPORT} cannot read its parent {DEMO_PARENT} "
        f"(GET https://api.twilio.com/2010-04-01/Accounts/{DEMO_PARENT}.json answered {answered}); "
        "run with the parent's credentials to compare"
    )
    text = CliRunner().invoke(main, ["fix", "--country", "PR"], env=env, catch_exceptions=False)
    assert text.exit_code == 1, text.output  # a dry run with changes, as before
    assert f"Not compared with the parent: {said}." in " ".join(text.stdout.split()), text.stdout
    as_json = CliRunner().invoke(main, ["fix", "--country", "PR", "--format", "json"], env=env, catch_exceptions=False)
    doc = json.loads(as_json.stdout)
    assert doc["parent_problems"] == [said]
    # Nothing about the parent is claimed: the subaccount's own SMS and voice are planned on its own reads.
    assert {(i["product"], i["status"]) for i in doc["items"]} == {("sms", "change"), ("voice", "change")}


def test_fix_then_audit_shows_the_gap_closed(platform: Simulator, tmp_path: Path) -> None:
    code, before = run(platform, "--countries", "FR", "--subaccounts", "all", "--format", "json", command="audit")[:2]
    assert code == 1 and json.loads(before)["gaps"]
    log = tmp_path / "state" / "audit.jsonl"
    code, out, err = run(
        platform, "--country", "FR", "--subaccounts", "all", "--apply", "--yes", "--audit-log", str(log)
    )
    assert code == 0, out + err
    assert "Every account named can now use every country asked for." in out
    code, after = run(platform, "--countries", "FR", "--subaccounts", "all", "--format", "json", command="audit")[:2]
    doc = json.loads(after)
    assert code == 0 and doc["gaps"] == [] and doc["complete"] is True

    # Parents first: MAIN's writes all come before any subaccount's.
    sent = writes(platform)
    accounts = [r["account"] for r in sent]
    assert accounts[: accounts.count(MAIN)] == [MAIN] * accounts.count(MAIN)
    # HEIR inherits both lists: fixed through MAIN, never written itself.
    assert HEIR not in accounts and TWIN not in accounts and GONE not in accounts
    assert platform.state.own_messaging_permissions(HEIR)["FR"] is False  # its own list is untouched
    assert platform.state.messaging_enabled(HEIR, "FR") is True
    # The voice change kept MAIN's high-risk special group on.
    fr = platform.state.voice_permission(MAIN, "FR")
    assert (fr.low_risk, fr.high_risk_special, fr.high_risk_tollfraud) == (True, True, False)
    assert f"inherited {HEIR}  SMS  FR: fixed by its parent's change" in out

    # One audit-log line per change made, each verified by reading back; no secret in it.
    lines = log_lines(log)
    assert len(lines) == len(sent) == 4  # MAIN sms + voice, OWN sms + voice
    assert {(x["account"], x["product"]) for x in lines} == {
        (MAIN, "sms"),
        (MAIN, "voice"),
        (OWN, "sms"),
        (OWN, "voice"),
    }
    first = next(x for x in lines if x["account"] == MAIN and x["product"] == "sms")  # a tier runs in parallel
    assert first["who"] == {"credential": MAIN, "kind": "auth_token", "account": MAIN}
    assert first["time"].endswith("Z") and first["time"][:2] == "20"
    assert (first["account"], first["country"], first["product"]) == (MAIN, "FR", "sms")
    assert (first["before"], first["after"], first["verified"]) == ({"enabled": False}, {"enabled": True}, True)
    text = log.read_text()
    assert not any(token in text for token in TOKENS.values())
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(log.parent).st_mode) == 0o700

    # Idempotent: a second run plans nothing and sends nothing.
    platform.clear_requests()
    code, out, _ = run(platform, "--country", "FR", "--subaccounts", "all", "--apply", "--yes", "--audit-log", str(log))
    assert code == 0 and writes(platform) == []
    assert "Nothing to change through the API." in out
    assert len(log_lines(log)) == 4


def test_a_subaccount_with_its_own_change_is_not_reported_as_fixed_by_its_parent(
    platform: Simulator, tmp_path: Path
) -> None:
    # OWN waits for MAIN's change, is read again, still lacks FR and gets a change of its own:
    # its result line says so, and no "inherited" line contradicts it.
    log = tmp_path / "audit.jsonl"
    code, out, err = run(
        platform, "--country", "FR", "--product", "sms", "--subaccounts", "all", "--apply", "--yes",
        "--audit-log", str(log),
    )  # fmt: skip
    assert code == 0, out + err
    assert f"changed   {OWN}  SMS  France (FR)" in out
    assert f"inherited {HEIR}  SMS  FR: fixed by its parent's change" in out
    assert f"inherited {OWN}" not in out
    assert f"inherited {TWIN}" not in out  # it had FR already: nothing was fixed for it


def test_the_dry_run_lists_the_voice_change_of_a_subaccount_with_its_own_dialing_permissions(
    platform: Simulator, tmp_path: Path
) -> None:
    # OWN's dialing_permissions_inheritance is false, so MAIN's FR change cannot reach it; yet the dry run said
    # "1 change on 1 account planned" and OWN was only "read again", and --apply --yes then sent a second change
    # no plan had listed
    code, out, _ = run(platform, "--country", "FR", "--product", "voice", "--subaccounts", "all", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert sorted(c["account"] for c in doc["plan"]["changes"]) == sorted([MAIN, OWN])
    assert doc["plan"]["recheck"] == [HEIR]  # it inherits MAIN's dialing permissions: fixed through MAIN
    code, out, _ = run(platform, "--country", "FR", "--product", "voice", "--subaccounts", "all")
    assert out.splitlines()[0] == "2 changes on 2 accounts planned (dry run: nothing is sent without --apply)"
    log = tmp_path / "audit.jsonl"
    code, out, err = run(
        platform, "--country", "FR", "--product", "voice", "--subaccounts", "all", "--apply", "--yes",
        "--audit-log", str(log),
    )  # fmt: skip
    assert code == 0, out + err
    assert sorted(r["account"] for r in writes(platform)) == sorted([MAIN, OWN])  # what the plan listed, no more
    assert out.splitlines()[0] == "2 changes on 2 accounts"
    assert not re.search(r"^Read again after the parents' changes:\n\d+ changes? on", out, re.M)  # none unplanned


def test_inheriting_subaccount_alone_answers_30648_and_is_reported_as_inheriting(
    platform: Simulator, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    code, out, err = run(
        platform, "--country", "FR", "--product", "sms", "--account", HEIR, "--apply", "--yes", "--audit-log", str(log)
    )
    assert code == 1, out + err  # a gap remains, but the tool did not fail
    (patch,) = writes(platform)
    assert (patch["method"], patch["account"]) == ("PATCH", HEIR)
    assert platform.state.messaging_enabled(MAIN, "FR") is False  # the parent was not named: untouched
    flat = " ".join(out.split())
    assert f"{HEIR} inherits its parent's SMS geo permissions (Twilio answered 30648" in flat
    assert f"enable France (FR) on the parent {MAIN}" in flat
    assert "turn SMS geo-permission inheritance off" in flat
    assert "failed" not in out.lower()
    assert log_lines(log) == []  # nothing was changed
    assert [(x["account"], x["outcome"], x["code"]) for x in read_changes(log)] == [(HEIR, "inherits", 30648)]


def test_inheriting_subaccount_with_its_parent_is_fixed_through_the_parent(platform: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    code, out, err = run(
        platform, "--country", "FR", "--product", "sms", "--account", MAIN, "--account", HEIR,
        "--apply", "--yes", "--audit-log", str(log),
    )  # fmt: skip
    assert code == 0, out + err
    assert [(r["method"], r["account"]) for r in writes(platform)] == [("PATCH", MAIN)]
    # The subaccount was read again after the parent's change.
    reads = [r for r in platform.requests if r["path"] == "/v1/Messaging/GeoPermissions" and r["account"] == HEIR]
    assert len(reads) == 2
    assert [x["account"] for x in log_lines(log)] == [MAIN]


def test_console_only_country_is_never_patched_and_the_console_steps_are_printed(
    platform: Simulator, tmp_path: Path
) -> None:
    code, out, _ = run(
        platform, "--country", "NG,IR", "--product", "sms", "--subaccounts", "all", "--apply", "--yes",
        "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 1
    assert writes(platform) == []
    flat = " ".join(out.split())
    assert "Console only (the tool sends no request for these; do it in the Console):" in out
    assert "Console: (switch to account" in out and "tick Nigeria" in flat
    assert "Twilio does not deliver to Iran (IR): no permission can enable it" in out


def test_voice_inheritance_on_request(platform: Simulator, tmp_path: Path) -> None:
    platform.state.set_voice_permission(MAIN, "FR", low_risk=True)
    code, out, _ = run(
        platform, "--country", "FR", "--product", "voice", "--account", OWN, "--use", "set-voice-inheritance",
        "--apply", "--yes", "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 0, out
    (post,) = writes(platform)
    assert (post["method"], post["path"], post["account"]) == ("POST", "/v1/Settings", OWN)
    assert platform.state.dialing_permissions_inheritance(OWN) is True
    (line,) = log_lines(tmp_path / "log")
    assert line["before"] == {"dialing_permissions_inheritance": False}
    assert line["after"] == {"dialing_permissions_inheritance": True}


def test_canada_by_voice_changes_the_us_entry(platform: Simulator, tmp_path: Path) -> None:
    platform.state.set_voice_permission(MAIN, "US", low_risk=False)
    code, out, _ = run(
        platform, "--country", "CA,US", "--product", "voice", "--account", MAIN, "--apply", "--yes",
        "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 0, out
    (post,) = writes(platform)  # one request for the shared entry
    assert post["path"] == "/v1/DialingPermissions/BulkCountryUpdates"
    assert platform.state.voice_permission(MAIN, "US").low_risk is True
    assert '"iso_code":"US"' in out and '"iso_code":"CA"' not in out


def test_no_terminal_and_no_yes_is_refused_before_any_write(platform: Simulator, tmp_path: Path) -> None:
    code, _, err = run(platform, "--country", "FR", "--apply", "--audit-log", str(tmp_path / "log"), stdin="y\n")
    assert code == 2
    assert "standard input is not a terminal" in err and "--yes" in err
    assert writes(platform) == []


def test_a_429_is_retried_and_a_5xx_once_too(platform: Simulator, tmp_path: Path) -> None:
    platform.add_fault("PATCH ^/v1/Messaging/GeoPermissions$", status=429, retry_after=0, times=1)
    platform.add_fault("POST ^/v1/DialingPermissions/BulkCountryUpdates$", status=503, times=1)
    code, out, err = run(
        platform, "--country", "FR", "--account", MAIN, "--apply", "--yes", "--audit-log", str(tmp_path / "log")
    )
    assert code == 0, out + err
    statuses = [(r["method"], r["status"]) for r in writes(platform)]
    assert ("PATCH", 429) in statuses and ("PATCH", 200) in statuses
    assert ("POST", 503) in statuses and ("POST", 201) in statuses
    assert len(log_lines(tmp_path / "log")) == 2


def test_one_account_failing_never_stops_the_others(platform: Simulator, tmp_path: Path) -> None:
    # OWN's Account resource cannot be read (a 503 that asks for more time than the retry budget).
    platform.add_fault(f"GET ^/2010-04-01/Accounts/{OWN}.json$", status=503, retry_after=60)
    code, out, err = run(
        platform, "--country", "FR", "--product", "sms", "--account", OWN, "--account", MAIN,
        "--apply", "--yes", "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 3, out + err  # incomplete: one account could not be read
    assert [(r["method"], r["account"]) for r in writes(platform)] == [("PATCH", MAIN)]
    assert "Could not be read (no request is sent):" in out
    assert platform.state.messaging_enabled(MAIN, "FR") is True


def test_a_write_that_fails_is_reported_and_the_others_proceed(platform: Simulator, tmp_path: Path) -> None:
    platform.add_fault("POST ^/v1/DialingPermissions/BulkCountryUpdates$", status=503, retry_after=60)
    code, out, _ = run(
        platform, "--country", "FR", "--account", MAIN, "--apply", "--yes", "--audit-log", str(tmp_path / "log")
    )
    assert code == 3
    assert platform.state.messaging_enabled(MAIN, "FR") is True
    assert "failed    " in out and "changed   " in out
    assert [x["product"] for x in log_lines(tmp_path / "log")] == ["sms"]


def test_a_change_twilio_accepts_but_does_not_keep_is_reported_unverified(platform: Simulator, tmp_path: Path) -> None:
    # the PATCH is answered 200, but reading the permission back shows it off: not "fixed"
    platform.add_fault("PATCH ^/v1/Messaging/GeoPermissions$", unapplied=True)
    log = tmp_path / "log"
    args = ("--country", "FR", "--product", "sms", "--account", MAIN, "--apply", "--yes", "--audit-log", str(log))
    code, out, _ = run(platform, *args)
    assert code == 3, out  # incomplete: a change could not be verified
    assert "unverified" in out and "reading it back shows" in out
    assert platform.state.messaging_enabled(MAIN, "FR") is False
    [line] = log_lines(log)
    assert (line["account"], line["country"], line["verified"]) == (MAIN, "FR", False)
    platform.clear_faults()
    code, out, _ = run(platform, *args[:-2], "--format", "json", "--audit-log", str(tmp_path / "log2"))
    doc = json.loads(out)
    assert code == 0 and [(r["account"], r["outcome"], r["verified"]) for r in doc["results"]] == [(MAIN, "done", True)]


def test_from_audit_fixes_exactly_what_the_audit_found_missing(platform: Simulator, tmp_path: Path) -> None:
    code, audit = run(platform, "--countries", "FR,DE", "--subaccounts", "all", "--format", "json", command="audit")[:2]
    assert code == 1
    gaps = {(g["account"], g["country"], g["product"]) for g in json.loads(audit)["gaps"]}
    platform.clear_requests()
    code, out, err = run(
        platform, "--from-audit", "-", "--apply", "--yes", "--audit-log", str(tmp_path / "log"), stdin=audit
    )
    assert code == 0, out + err
    changed = {(x["account"], x["country"], x["product"]) for x in log_lines(tmp_path / "log")}
    assert changed <= gaps  # nothing the audit did not find
    code, again = run(platform, "--countries", "FR,DE", "--subaccounts", "all", "--format", "json", command="audit")[:2]
    assert code == 0 and json.loads(again)["gaps"] == []


def test_a_plan_from_an_audit_counts_the_audits_gaps_not_every_account_and_country(
    platform: Simulator, tmp_path: Path
) -> None:
    # It ended "Already usable: 0 of 6 (account × country × product)", where 6 were the audit's gaps only.
    code, audit = run(platform, "--countries", "FR", "--subaccounts", "all", "--format", "json", command="audit")[:2]
    assert code == 1 and len(json.loads(audit)["gaps"]) == 6
    out = run(platform, "--from-audit", "-", stdin=audit)[1]
    assert out.splitlines()[-1] == "Already usable: 0 of the audit's 6 gaps (closed since the audit)."
    log = str(tmp_path / "log")
    assert (
        run(
            platform, "--country", "FR", "--product", "voice", "--account", OWN, "--apply", "--yes", "--audit-log", log
        )[0]
        == 0
    )
    out = run(platform, "--from-audit", "-", stdin=audit)[1]
    assert out.splitlines()[-1] == "Already usable: 1 of the audit's 6 gaps (closed since the audit)."
    out = run(platform, "--country", "FR", "--subaccounts", "all")[1]  # a plan of its own counts every cell
    assert "Already usable: 3 of 8 (account × country × product)." in out  # 4 open accounts × 2 products


@pytest.mark.parametrize(
    "args, message",
    [
        (["--country", "XX"], "not a country"),
        (["--country", "FR", "--account", "AC123"], "AC123"),
        (["--country", "FR", "--account", MAIN, "--subaccounts", "all"], "either --account or --subaccounts"),
        ([], "give --country"),
        (["--from-audit", "-", "--country", "FR"], "--from-audit takes"),
    ],
)
def test_bad_input_exits_2_before_any_request(platform: Simulator, args: list[str], message: str) -> None:
    code, _, err = run(platform, *args, stdin="")
    assert code == 2 and message in err
    assert platform.requests == []


@pytest.mark.parametrize("apply", [[], ["--apply", "--yes"]])
def test_rejected_credentials_are_one_line_and_exit_3(platform: Simulator, tmp_path: Path, apply: list[str]) -> None:
    # As audit and scan say it: it used to print a plan of "could not be read" items for every country.
    env_token = {"TWILIO_AUTH_TOKEN": "0" * 32}
    result = CliRunner().invoke(
        main,
        ["fix", "--country", "FR", "--subaccounts", "all", "--audit-log", str(tmp_path / "log.jsonl"), *apply],
        env={**_env(platform), **env_token},
        catch_exceptions=False,
    )
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("diagnose: error: the credentials were rejected")
    assert writes(platform) == []


def test_a_standard_api_key_plans_and_fixes_its_own_account(platform: Simulator, tmp_path: Path) -> None:
    # A standard key may not read Accounts: as the audit does, its own account is still read and fixed.
    # It used to answer "the credentials were rejected" for every country and plan nothing.
    env = {**_env(platform), "TWILIO_AUTH_TOKEN": "", "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": KEY_SECRET}
    args = ["fix", "--country", "FR", "--product", "sms", "--audit-log", str(tmp_path / "log.jsonl")]
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"{MAIN}  SMS  France (FR)  enable-messaging-country" in result.stdout
    assert "rejected" not in result.stdout
    result = CliRunner().invoke(main, [*args, "--apply", "--yes"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert platform.state.messaging_enabled(MAIN, "FR") is True


def test_twilio_unreachable_is_one_line_and_exit_3(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # bound, never listening: nothing answers there
        sock.bind(("127.0.0.1", 0))
        env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": MAIN, "TWILIO_AUTH_TOKEN": TOKENS[MAIN]}
        env["DIAGNOSE_API_URL"] = f"http://127.0.0.1:{sock.getsockname()[1]}"
        result = CliRunner().invoke(main, ["fix", "--country", "FR", "--timeout", "2"], env=env, catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr.count("\n") == 1 and "could not connect" in result.stderr


@pytest.mark.parametrize(
    "document",
    ["not json", "[]", '{"kind": "audit", "schema": 2, "gaps": []}', '{"kind": "audit", "schema": 1, "gaps": [{}]}'],
)
def test_from_audit_refuses_what_is_not_an_audit(platform: Simulator, document: str) -> None:
    code, _, err = run(platform, "--from-audit", "-", stdin=document)
    assert code == 2 and "diagnose: error:" in err
    assert platform.requests == []


@pytest.mark.parametrize(
    ("gap", "where"),
    [
        ({"account": MAIN, "country": "ZZ"}, "gaps[1].country"),
        ({"account": "ACxyz", "country": "FR"}, "gaps[1].account"),
    ],
)
def test_a_bad_gap_in_the_audit_says_where_it_is(platform: Simulator, gap: dict[str, str], where: str) -> None:
    # It named --country, which was not given: the value came from the audit document.
    gaps = [{"account": MAIN, "country": "FR", "product": "sms"}, {**gap, "product": "sms"}]
    document = json.dumps({"kind": "audit", "schema": 1, "gaps": gaps})
    code, _, err = run(platform, "--from-audit", "-", stdin=document)
    assert code == 2 and err.startswith(f"diagnose: error: standard input: {where}: ")
    assert "--country" not in err
    assert platform.requests == []


def test_json_output_is_the_documented_document(platform: Simulator, tmp_path: Path) -> None:
    code, out, _ = run(platform, "--country", "FR,NG", "--product", "sms", "--subaccounts", "all", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert (doc["kind"], doc["schema"], doc["applied"]) == ("fix", 1, False)
    (change,) = doc["plan"]["changes"]
    assert (change["account"], change["country"], change["action"]) == (MAIN, "FR", "enable-messaging-country")
    assert change["request"] == "PATCH https://accounts.twilio.com/v1/Messaging/GeoPermissions"
    assert change["form"] == {"Permissions": '{"country_code":"FR","type":"country","enabled":true}'}
    assert set(doc["plan"]["recheck"]) == {OWN, HEIR}
    statuses = {(i["account"], i["country"]): i["status"] for i in doc["items"]}
    assert statuses[(MAIN, "NG")] == "console" and statuses[(HEIR, "FR")] == "via-parent"
    assert statuses[(TWIN, "FR")] == "ok"
    console = next(i for i in doc["items"] if i["account"] == MAIN and i["country"] == "NG")
    assert any(s["action"] == "console-only" for s in console["steps"])

    code, out, _ = run(
        platform, "--country", "FR", "--product", "sms", "--subaccounts", "all", "--format", "json",
        "--apply", "--yes", "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["applied"] is True and doc["audit_log"] == str(tmp_path / "log")
    assert [(r["account"], r["outcome"], r["verified"]) for r in doc["results"]] == [
        (MAIN, "done", True),
        (OWN, "done", True),
    ]
    assert {i["status"] for i in doc["items"]} == {"ok"}


def test_an_unusable_audit_log_stops_before_any_write(platform: Simulator, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = tmp_path / "audit.jsonl"
    link.symlink_to(target)
    code, _, err = run(platform, "--country", "FR", "--apply", "--yes", "--audit-log", str(link))
    assert code == 2 and "cannot open the audit log" in err
    assert writes(platform) == []
    assert target.read_text() == ""


def test_twilio_text_reaches_neither_the_terminal_nor_the_json_raw(platform: Simulator, tmp_path: Path) -> None:
    hostile = "refused\x9b[31m\u202eevil\x1b]0;title\x07"
    platform.add_fault("POST ^/v1/DialingPermissions/BulkCountryUpdates$", status=400, message=hostile)
    for fmt in ("text", "json"):
        code, out, _ = run(
            platform, "--country", "FR", "--account", MAIN, "--apply", "--yes", "--format", fmt,
            "--audit-log", str(tmp_path / "log"),
        )  # fmt: skip
        assert code == 3
        assert not any(c in out for c in ("\x9b", "\u202e", "\x1b", "\x07")), fmt
    (failed,) = [r for r in json.loads(out)["results"] if r["outcome"] == "failed"]
    assert "evil" in failed["message"]


def test_a_429_asking_longer_than_the_retry_budget_fails_that_change_alone(platform: Simulator, tmp_path: Path) -> None:
    # Retry-After: 30 is more than the gateway waits in all (10 s): it stops asking at once, honouring it.
    platform.add_fault("PATCH ^/v1/Messaging/GeoPermissions$", status=429, retry_after=30)
    code, out, _ = run(
        platform, "--country", "FR", "--account", MAIN, "--account", OWN, "--apply", "--yes",
        "--audit-log", str(tmp_path / "log"),
    )  # fmt: skip
    assert code == 3  # incomplete: two changes failed
    patches = [r for r in writes(platform) if r["method"] == "PATCH"]
    assert len(patches) == 2 and {r["status"] for r in patches} == {429}  # one try each: no retry before 30 s
    failed = [line for line in out.splitlines() if line.startswith("failed    ")]
    assert len(failed) == 2 and all("Retry-After" in line or "429" in line for line in failed)
    # The voice changes of both accounts went through.
    assert sorted((x["account"], x["product"]) for x in log_lines(tmp_path / "log")) == [
        (MAIN, "voice"),
        (OWN, "voice"),
    ]


@pytest.mark.parametrize("answer, sent", [("n", 0), ("y", 1)])
def test_on_a_terminal_it_asks_and_sends_only_on_yes(
    platform: Simulator, tmp_path: Path, answer: str, sent: int
) -> None:
    import subprocess
    import sys

    from tests.terminal import open_terminal, read_terminal

    env = {
        **os.environ, "NO_COLOR": "1", "TWILIO_ACCOUNT_SID": MAIN, "TWILIO_AUTH_TOKEN": TOKENS[MAIN],
        "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", "DIAGNOSE_API_URL": platform.url,
    }  # fmt: skip
    leader, follower = open_terminal()
    args = ["fix", "--country", "FR", "--product", "sms", "--account", MAIN, "--apply"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", *args, "--audit-log", str(tmp_path / "log")],
        stdin=follower, stdout=subprocess.PIPE, stderr=follower, env=env,
    )  # fmt: skip
    os.close(follower)
    question = b"Send this change to Twilio?"  # it said "Send these 1 change"
    terminal = read_terminal(leader, proc, prompt=question, reply=f"{answer}\n".encode())
    out = proc.communicate(timeout=60)[0].decode()
    assert question in terminal
    assert len(writes(platform)) == sent
    assert len(log_lines(tmp_path / "log")) == sent
    if sent:
        assert proc.returncode == 0 and "changed   " in out
    else:
        assert proc.returncode == 1 and "Nothing was changed." in out


# --------------------------------------------------------------------------- the audit document, streamed


class _OneCharAtATime(io.StringIO):
    """A file that hands out one character per read: every value is cut by a buffer boundary somewhere."""

    def read(self, size: int | None = -1) -> str:
        return super().read(1)


def _reference_gaps(text: str) -> list[tuple[str, str, str]] | None:
    """What the whole-document reading finds (None: refused), to compare the stream with."""
    from diagnose.errors import InputError

    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("kind") != "audit" or doc.get("schema") != 1:
        return None
    if not isinstance(doc.get("gaps"), list):
        return None
    out: dict[tuple[str, str, str], None] = {}
    for gap in doc["gaps"]:
        if not isinstance(gap, dict) or gap.get("product") not in ("sms", "voice"):
            return None
        try:
            out.setdefault(
                (gap["account"], parse_countries([gap["country"]])[0], gap["product"])
                if isinstance(gap.get("account"), str)
                and isinstance(gap.get("country"), str)
                and check_account_sid(gap["account"])
                else ("", "", "")
            )
        except InputError:
            return None
    return None if ("", "", "") in out else list(out)


_SID = st.sampled_from([MAIN, OWN, HEIR, "AC123", 7])
_GAP = st.fixed_dictionaries(
    {
        "account": _SID,
        "country": st.sampled_from(["FR", "de", "Narnia", None]),
        "product": st.sampled_from(["sms", "voice", "fax"]),
    },
    optional={"status": st.sampled_from(["disabled", "blocked"]), "note": st.text(max_size=20)},
)
_DOCS = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["audit", "fix"]),
        "schema": st.sampled_from([1, 2, 1.0]),
        "accounts": st.lists(
            st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=30), max_size=4), max_size=4
        ),
        "gaps": st.lists(_GAP, max_size=5),
    },
    optional={"headline": st.lists(st.text(max_size=40), max_size=3), "exit_code": st.integers(-5, 5)},
)


@settings(max_examples=150, deadline=None)
@given(_DOCS, st.sampled_from([None, 0, 2]), st.booleans())
def test_the_streamed_audit_reading_agrees_with_reading_it_whole(doc: dict, indent: int | None, tiny: bool) -> None:
    from diagnose.cli.fix import gaps_from_audit
    from diagnose.errors import InputError

    text = json.dumps(doc, indent=indent)
    expected = _reference_gaps(text)
    try:
        got = gaps_from_audit(_OneCharAtATime(text) if tiny else text, "audit.json")
    except InputError:
        got = None
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=200) | st.sampled_from(['{"kind": "audit", "schema": 1, "gaps": [', '{"gaps": [1e', '{"a": 1} x'])
)
def test_any_text_is_an_audit_or_a_clear_input_error(text: str) -> None:
    from diagnose.cli.fix import gaps_from_audit
    from diagnose.errors import InputError

    try:
        gaps_from_audit(_OneCharAtATime(text), "x")
    except InputError as err:
        assert str(err).startswith("x: ")


def test_a_number_cut_by_a_read_is_read_whole() -> None:
    from diagnose.cli.fix import gaps_from_audit

    text = '{"kind": "audit", "schema": 1.0, "n": -12.5e3, "t": true, "z": null, "gaps": []}'
    assert gaps_from_audit(_OneCharAtATime(text), "x") == []


def test_on_a_terminal_a_progress_bar_goes_to_stderr(platform: Simulator, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.terminal import open_terminal, read_terminal

    env = {
        **os.environ, "NO_COLOR": "1", "TWILIO_ACCOUNT_SID": MAIN, "TWILIO_AUTH_TOKEN": TOKENS[MAIN],
        "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", "DIAGNOSE_API_URL": platform.url,
    }  # fmt: skip
    leader, follower = open_terminal(columns=80)
    args = ["fix", "--country", "FR", "--subaccounts", "all", "--apply", "--yes", "--audit-log", str(tmp_path / "l")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", *args], stdout=subprocess.PIPE, stderr=follower, env=env
    )  # fmt: skip
    os.close(follower)
    terminal = read_terminal(leader, proc).decode()
    out = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 0
    assert "reading accounts" in terminal and "sending changes" in terminal
    assert "\r" not in out and "reading accounts" not in out  # the report stays clean


def _patches(sim: Simulator) -> list[str]:
    return [str(r["account"]) for r in writes(sim) if r["method"] == "PATCH"]


def test_once_twilio_answered_30648_no_other_change_of_that_subaccounts_list_is_sent(
    platform: Simulator, tmp_path: Path
) -> None:
    # HEIR inherits MAIN's SMS list. 'diagnose fix --country FR,IT --product sms --account HEIR --apply --yes'
    # sent both PATCHes and got 30648 twice; a later 'diagnose fix --country ES … --account HEIR' (the command
    # the 21408 step prints) planned a PATCH on HEIR again, though Twilio had said that it inherits
    log = tmp_path / "audit.jsonl"
    args = ("--product", "sms", "--account", HEIR, "--audit-log", str(log))
    code, out, err = run(platform, "--country", "FR,IT", *args, "--apply", "--yes", "--format", "json")
    assert code == 1, out + err
    assert _patches(platform) == [HEIR]  # FR's answer, 30648, said it: IT is not sent
    results = {r["country"]: r for r in json.loads(out)["results"]}
    assert (results["FR"]["outcome"], results["FR"]["sent"]) == ("inherits", True)
    assert (results["IT"]["outcome"], results["IT"]["sent"], results["IT"]["code"]) == ("inherits", False, 30648)
    assert "not sent: Twilio answered 30648 to this subaccount's change of FR" in results["IT"]["message"]
    assert [(x["country"], x["outcome"]) for x in read_changes(log)] == [("FR", "inherits")]  # IT was never sent

    # A later run reads the audit log: the change goes where it can be made, the parent, named before anything
    code, out, _ = run(platform, "--country", "ES", *args, "--format", "json")
    doc = json.loads(out)
    (item,) = doc["items"]
    assert code == 1 and doc["plan"]["changes"] == []
    assert (item["status"], item["target"]) == ("outside-scope", MAIN)
    assert "inherits its parent's SMS geo permissions: Twilio answered 30648" in item["summary"]
    steps = " ".join(" ".join(s["text"].split()) for s in item["steps"])
    assert f"{HEIR} inherits its parent's SMS geo permissions: Twilio answered 30648" in steps
    assert f"diagnose fix --country ES --product sms --account {HEIR} --use enable-messaging-country" in steps
    assert f"`diagnose fix --country ES --product sms --account {HEIR}`" not in steps  # the PATCH that 30648 refuses
    code, _, _ = run(platform, "--country", "ES", *args, "--apply", "--yes")
    assert _patches(platform) == [HEIR]  # nothing more was sent
    # With the parent named, the change is the parent's; with --use, the subaccount's own list (inheritance off)
    code, out, _ = run(platform, "--country", "ES", *args, "--account", MAIN, "--format", "json")
    assert [c["account"] for c in json.loads(out)["plan"]["changes"]] == [MAIN]
    code, out, _ = run(platform, "--country", "ES", *args, "--use", "enable-messaging-country", "--format", "json")
    assert [c["account"] for c in json.loads(out)["plan"]["changes"]] == [HEIR]
