"""``diagnose fix`` at scale: accounts streamed page by page with a bounded window, and Ctrl-C for real.

No timing: the structure is checked (how far the account list was read when an
account was planned; what the simulator saw), and speed and memory are
measured in ``bench/run.py --only fix``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diagnose.cli.audit_log import read_changes
from diagnose.cli.fix import plan_streamed
from diagnose.gateway import Credentials, TwilioAccess
from diagnose.knowledge import load_knowledge
from diagnose.simulator import Simulator, load_scenario
from diagnose.simulator._generate import generate_scenario
from tests.interrupt import interrupt

KB = load_knowledge()
ACCOUNTS = "/2010-04-01/Accounts.json"
GEO = "/v1/Messaging/GeoPermissions"


def test_the_planner_is_fed_page_by_page_through_the_simulator() -> None:
    scenario = load_scenario(generate_scenario(60, ("FR", "DE"), seed=4, inactive_rate=0, sms_gap_rate=0.5))
    main = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        creds = Credentials(main.sid, main.sid, main.auth_token)
        with TwilioAccess(creds, api_url=sim.url, page_size=10, max_workers=2) as access:
            planned, interrupted = plan_streamed(
                access, countries=["FR", "DE"], products=["sms"], named=None, every=True, pairs=None,
                prefer=None, kb=KB, concurrency=2, keep_ok=True,
            )  # fmt: skip
        log = sorted(sim.requests, key=lambda r: r["start"])
    try:
        assert not interrupted
        assert planned.accounts == 61 and sum(planned.counts.values()) == 61 * 2
        items = list(planned.spool)
        assert [i.account for i in items[::2]] == [a.sid for a in scenario.accounts]  # listing order, parent first
        assert planned.counts["change"] > 0  # the generated gaps are planned
    finally:
        planned.spool.close()
    pages = [r for r in log if r["path"] == ACCOUNTS]
    assert len(pages) == 7  # 61 accounts, 10 a page
    for k, page in enumerate(pages[1:], start=1):
        # When page k+1 is asked for, the accounts of the pages before it are being read or done, all but
        # those waiting in the pool (2 x concurrency) and the row being listed: the list is not read ahead
        # of the work, whatever its length.
        before = {r["account"] for r in log if r["path"] == GEO and r["start"] < page["start"]}
        assert len(before) >= 10 * k - 1 - 2 * 2, (k, len(before))
    # And never the other way round: no account is read before the page that lists it.
    subs = [a.sid for a in scenario.accounts[1:]]
    for sid in subs:
        first_read = min(r["start"] for r in log if r["path"] == GEO and r["account"] == sid)
        page_no = (subs.index(sid) + 1) // 10  # the authenticated account is the first row of page 0
        assert pages[page_no]["start"] < first_read


def _applying(subaccounts: int) -> tuple[Any, Any]:
    scenario = load_scenario(
        generate_scenario(subaccounts, ("FR", "DE"), seed=5, inactive_rate=0, sms_gap_rate=1.0, inherit_rate=0)
    )
    return scenario, scenario.accounts[0]


def test_ctrl_c_while_applying_stops_new_changes_and_prints_what_was_changed(tmp_path: Path) -> None:
    scenario, main = _applying(40)
    log_path = tmp_path / "audit.jsonl"
    planned = 40 * 2  # every subaccount lacks FR and DE for SMS
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(80)
        args = [
            "fix", "--country", "FR,DE", "--product", "sms", "--subaccounts", "all", "--apply", "--yes",
            "--concurrency", "2", "--audit-log", str(log_path),
        ]  # fmt: skip
        code, out, err = interrupt(sim, main, args, lambda: sim.count("PATCH", GEO) >= 4)
        made = [r for r in sim.requests if r["method"] == "PATCH" and r["status"] == 200]
    assert code == 130, out + err
    assert 4 <= len(made) < planned  # stopped well before the end
    # Every change made is in the audit log and in the output, and nothing else is.
    tried = read_changes(log_path)
    assert all(x["event"] == "result" for x in tried)  # the changes in flight were waited for
    lines = [x for x in tried if x["outcome"] == "done"]
    assert sorted(x["account"] for x in lines) == sorted(r["account"] for r in made)
    assert all(x["verified"] for x in lines)
    changed = [line for line in out.splitlines() if line.startswith("changed   ")]
    assert len(changed) == len(lines)
    assert {(line.split()[1], line.split()[-1]) for line in changed} <= {(x["account"], "enabled=true") for x in lines}
    summary = next(line for line in out.splitlines() if line.startswith("Interrupted:"))
    assert f"{len(lines)} change" in summary and "not sent" in summary
    assert "Every account named can now use" not in out
    for x in lines:
        assert sim.state.messaging_enabled(x["account"], x["country"]) is True


def test_ctrl_c_while_reading_changes_nothing(tmp_path: Path) -> None:
    scenario, main = _applying(40)
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(80)
        args = [
            "fix", "--country", "FR,DE", "--product", "sms", "--subaccounts", "all", "--apply", "--yes",
            "--concurrency", "2", "--audit-log", str(tmp_path / "audit.jsonl"),
        ]  # fmt: skip
        code, out, err = interrupt(sim, main, args, lambda: sim.count("GET", GEO) >= 4)
        writes = [r for r in sim.requests if r["method"] != "GET"]
    assert code == 130, out + err
    assert writes == []
    assert "Interrupted while reading the accounts" in out and "nothing was changed" in out
    assert not (tmp_path / "audit.jsonl").exists()


def _env(sim: Simulator, account: dict[str, Any]) -> dict[str, str]:
    """A CLI run's environment, authenticated as ``account`` of the simulator's scenario."""
    return {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": account["sid"],
        "TWILIO_AUTH_TOKEN": account["auth_token"],
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }


def _fix_text_and_json(scenario: dict[str, Any], argv: list[str]) -> tuple[str, dict[str, Any]]:
    """``diagnose fix ARGV`` as the scenario's main account, served by the simulator: its text, and its JSON."""
    import json

    from click.testing import CliRunner

    from diagnose.cli import main

    with Simulator(load_scenario(scenario), port=0) as sim:
        env = _env(sim, scenario["accounts"][0])
        argv = ["fix", *argv]
        text = CliRunner().invoke(main, argv, env=env, catch_exceptions=False).stdout
        return text, json.loads(CliRunner().invoke(main, [*argv, "--format", "json"], env=env).stdout)


def test_a_country_no_account_can_get_is_listed_once_per_ten_accounts_not_per_account() -> None:
    # 'diagnose fix --from-audit' of 2,000 tenants required to reach IR and NG printed 6,732 lines, 5,943 of them
    # the same "Cannot be enabled" or "Console only" line for one account after another
    scenario = generate_scenario(15, ("FR", "IR"), seed=2, inactive_rate=0, sms_gap_rate=0.0)
    text, doc = _fix_text_and_json(scenario, ["--country", "IR", "--product", "sms", "--subaccounts", "all"])
    blocked = [i["account"] for i in doc["items"] if i["status"] == "blocked"]
    assert len(blocked) == 16  # every account, in the JSON
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  AC") and "IR:" in line]
    assert listed == blocked[:10]
    assert "     (the same steps for 15 other accounts, each on its own; the first 9 below)" in text
    assert "  … 6 more accounts, SMS IR, the same (--format json lists every one)" in text.splitlines()


def test_the_subaccounts_read_again_after_the_parent_are_counted_not_all_listed() -> None:
    # 'diagnose fix --country JP --subaccounts all' over 2,000 tenants (the parent lacks JP) listed 1,980 lines
    # '  - AC…' under "Then 1,980 subaccounts are read again", after a plan of "1 change on 1 account"
    scenario = generate_scenario(15, ("FR",), seed=3, inactive_rate=0)
    text, doc = _fix_text_and_json(scenario, ["--country", "JP", "--product", "sms", "--subaccounts", "all"])
    assert len(doc["plan"]["recheck"]) == 15
    lines = text.splitlines()
    assert lines[0] == "1 change on 1 account planned (dry run: nothing is sent without --apply)"
    assert [line[4:] for line in lines if line.startswith("  - AC")] == doc["plan"]["recheck"][:10]
    assert "  … 5 more (--format json lists every one: plan.recheck)" in lines
    assert "so those changes are not counted above." in text
