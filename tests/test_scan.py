"""``diagnose scan`` end to end against the simulator: grouping, deduplication, diagnosis, ranking, faults."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.errors import InputError
from diagnose.scan import describe_window, parse_since, parse_time
from diagnose.simulator import Simulator, load_scenario
from tests.interrupt import interrupt

MAIN = "AC" + "a" * 32
OWN = "AC" + "b" * 32  # own SMS settings, FR off
HEIR = "AC" + "c" * 32  # inherits voice from MAIN, which lacks IN
FR = "+33645218709"
IN = "+919812345678"
DE = "+4915123456789"


def _messages(n: int, to: str, age: str, code: int = 21408) -> list[dict[str, Any]]:
    return [{"to": to, "error_code": code, "date_created": age} for _ in range(n)]


SCENARIO: dict[str, Any] = {
    "accounts": [
        {
            "sid": MAIN,
            "auth_token": "1" * 32,
            "messaging_geo_permissions": {"FR": True, "DE": True},
            "voice_dialing_permissions": {"FR": {"low_risk": True}, "DE": {"low_risk": True}},
            # DE is enabled now: enabled after these failures, or something narrower blocks them.
            "messages": _messages(2, DE, "-3d"),
        },
        {
            "sid": OWN,
            "auth_token": "2" * 32,
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": False, "DE": True},
            "messages": [
                *_messages(5, FR, "-2d"),
                *_messages(1, FR, "-10d"),  # outside a 7-day window
                {"to": FR, "status": "delivered", "date_created": "-1d"},
                # also reported as a Monitor alert: one failure, not two
                {"to": FR, "error_code": 21408, "date_created": "-1h", "alerts": [{"error_code": "21408"}]},
            ],
        },
        {
            "sid": HEIR,
            "auth_token": "3" * 32,
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": True},
            "voice_settings": {"dialing_permissions_inheritance": True},
            "voice_dialing_permissions": {"IN": {"low_risk": True}},
            "calls": [{"to": IN, "date_created": "-5h", "notifications": [{"error_code": "21215"}]} for _ in range(4)],
        },
    ]
}


@pytest.fixture
def world() -> Any:
    with Simulator(load_scenario(SCENARIO), port=0) as sim:
        yield sim


def scan(sim: Simulator, *args: str) -> tuple[int, str, str]:
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": MAIN,
        "TWILIO_AUTH_TOKEN": "1" * 32,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }
    result = CliRunner().invoke(main, ["scan", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def scan_json(sim: Simulator, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = scan(sim, *args, "--format", "json")
    assert out, err
    return code, json.loads(out)


def test_groups_are_diagnosed_and_fixes_ranked_by_impact(world: Simulator) -> None:
    code, doc = scan_json(world, "--since", "7d", "--subaccounts", "all")
    assert code == 1 and doc["exit_code"] == 1 and doc["complete"] is True
    assert doc["kind"] == "scan" and doc["schema"] == 1 and doc["accounts_scanned"] == 3
    groups = {(g["account"], g["country"], g["code"]): g for g in doc["groups"]}
    # 6 SMS failures to FR in the window (the alert about one of them is the same failure).
    assert groups[(OWN, "FR", 21408)]["failures"] == 6
    assert groups[(OWN, "FR", 21408)]["sources"] == {"message": 6}
    assert groups[(HEIR, "IN", 21215)]["failures"] == 4
    assert groups[(MAIN, "DE", 21408)]["action"] == "none"
    assert doc["failures"] == 12
    first, second = doc["fixes"][:2]
    assert (first["action"], first["account"], first["country"], first["failures"]) == ("enable", OWN, "FR", 6)
    assert first["text"] == f"enable FR SMS on {OWN} → fixes 6 failures in the last 7 days"
    # The inheriting subaccount is fixed through its parent.
    assert (second["action"], second["account"], second["country"], second["failures"]) == ("enable", MAIN, "IN", 4)
    assert groups[(HEIR, "IN", 21215)]["fix_account"] == MAIN
    assert doc["headline"].startswith("12 geo-permission failures in the last 7 days, in 3 accounts")
    # The parent's permissions (every country) are read once, for both subaccounts with failures.
    as_parent = [r for r in world.requests if r["account"] == MAIN and r["path"].startswith("/v1/")]
    whole = [r for r in as_parent if r["path"] == "/v1/Messaging/GeoPermissions" and "CountryCode" not in r["query"]]
    assert len(whole) == 1
    assert sum(1 for r in as_parent if r["path"] == "/v1/DialingPermissions/Countries") == 1


def test_text_answers_first(world: Simulator) -> None:
    code, out, _ = scan(world, "--subaccounts", "all")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("12 geo-permission failures in the last 7 days")
    assert f"  1. enable FR SMS on {OWN} → fixes 6 failures in the last 7 days" in lines
    assert lines[-1].startswith("Scanned 3 accounts: ")
    code, out, _ = scan(world, "--since", "1h")  # the authenticated account alone, no failure
    assert out.splitlines()[0] == "No geo-permission failures in the last 1 hour (1 account scanned)."
    assert "Scanned 1 account: " in out and "(s)" not in out


def test_window_excludes_older_failures(world: Simulator) -> None:
    code, doc = scan_json(world, "--since", "30d", "--subaccounts", OWN)
    assert code == 1 and doc["failures"] == 7
    code, out, _ = scan(world, "--since", "30m", "--subaccounts", HEIR)
    assert code == 0
    assert out.startswith("No geo-permission failures in the last 30 minutes")


def test_a_source_that_fails_makes_the_scan_incomplete_not_empty(world: Simulator) -> None:
    world.add_fault("GET /v1/Alerts", status=403)
    code, doc = scan_json(world, "--subaccounts", "all")
    assert code == 3 and doc["complete"] is False
    assert {p["source"] for p in doc["problems"]} == {"alerts"}
    assert doc["failures"] == 12  # messages and notifications still read
    assert doc["exit_code"] == 3  # failures found (1) and incomplete (3): incomplete wins (docs/audit.md)


def test_bad_since_exits_2(world: Simulator) -> None:
    for since in ("31d", "0h", "yesterday", ""):
        code, _, err = scan(world, "--since", since)
        assert code == 2 and "--since" in err
    assert world.requests == []


def test_parse_since() -> None:
    assert parse_since("24h") == dt.timedelta(hours=24)
    assert parse_since("2w") == dt.timedelta(days=14)
    assert describe_window(parse_since("7d")) == "the last 7 days"
    assert describe_window(parse_since("1w")) == "the last 7 days"
    with pytest.raises(InputError):
        parse_since("5y")


@given(st.text(max_size=40))
def test_parse_since_never_fails_otherwise(text: str) -> None:
    try:
        window = parse_since(text)
    except InputError:
        return
    assert dt.timedelta(0) < window <= dt.timedelta(days=30)


@given(st.one_of(st.text(max_size=80), st.integers(), st.none()))
def test_parse_time_never_raises(value: Any) -> None:
    when = parse_time(value)
    assert when is None or when.tzinfo is not None


def test_parse_time_reads_both_twilio_formats() -> None:
    assert parse_time("Fri, 24 May 2019 17:18:27 +0000") == dt.datetime(2019, 5, 24, 17, 18, 27, tzinfo=dt.timezone.utc)
    assert parse_time("2015-07-30T20:00:00Z") == dt.datetime(2015, 7, 30, 20, tzinfo=dt.timezone.utc)


# --- the listings are read-planner reads ---------------------------------------------------


def test_listing_reads_keep_only_the_failures_with_a_known_code(world: Simulator) -> None:
    """What a webhook receiver or another command gets from the same reads the scan makes."""
    from diagnose import plan
    from diagnose.gateway import Credentials, ReadCache, TwilioAccess, run_reads

    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    messages = plan.failed_messages(OWN, since, [21408])
    notes = plan.failed_notifications(HEIR, since, [21215, 21408])
    alerts = plan.failed_alerts(OWN, since, [21408])
    assert messages.line().startswith(f"GET https://api.twilio.com/2010-04-01/Accounts/{OWN}/Messages.json?")
    assert alerts.line().endswith(f" as {OWN}")
    with TwilioAccess(Credentials(MAIN, MAIN, "1" * 32), api_url=world.url) as access:
        cache = ReadCache()
        answers = run_reads(access, [messages, notes, alerts], cache)
        assert all(answers[r].ok for r in (messages, notes, alerts))
        kept = answers[messages].value
        # 7 failed with 21408 (one of them 10 days old: the scan's window drops it), the delivered one is not kept
        assert kept["complete"] is True and len(kept["rows"]) == 7
        assert {r["status"] for r in kept["rows"]} <= {"failed", "undelivered"}
        assert len(answers[notes].value["rows"]) == 4
        assert [r["error_code"] for r in answers[alerts].value["rows"]] == ["21408"]
        before = len(world.requests)
        assert run_reads(access, [messages], cache)[messages] == answers[messages]  # the run's cache answers
        assert len(world.requests) == before


def test_a_listing_past_its_page_bound_says_so() -> None:
    from diagnose import plan
    from diagnose.gateway import Credentials, TwilioAccess, run_reads

    data = {
        "accounts": [{"sid": MAIN, "auth_token": "1" * 32, "messages": _messages(plan.LISTING_PAGES + 5, FR, "-1d")}]
    }
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    read = plan.failed_messages(MAIN, since, [21408])
    with Simulator(load_scenario(data), port=0) as sim:
        with TwilioAccess(Credentials(MAIN, MAIN, "1" * 32), api_url=sim.url, page_size=1) as access:
            answer = run_reads(access, [read])[read]
        assert sim.count("GET", f"/2010-04-01/Accounts/{MAIN}/Messages.json") == plan.LISTING_PAGES + 1
    assert answer.value["complete"] is False and answer.value["pages"] == plan.LISTING_PAGES
    assert len(answer.value["rows"]) == plan.LISTING_PAGES  # the kept rows of the pages it read


rows = st.dictionaries(
    st.sampled_from(["error_code", "status", "date_created", "sid"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.lists(st.integers(), max_size=2)),
)


@given(rows, st.sampled_from(["failed_alerts", "failed_messages", "failed_notifications"]))
def test_listing_filters_never_raise(row: dict[str, Any], what: str) -> None:
    from diagnose import plan

    read = plan.Read(what, MAIN, since="2026-11-01T00:00:00Z", codes=(21408,))  # type: ignore[arg-type]
    kept = plan.keeps(read, row)
    assert kept is False or plan.row_code(row) == 21408
    assert isinstance(plan.reaches_back(read, row), bool)
    assert plan.keeps(read, [row]) is False


def test_markdown_for_a_ci_job_summary(world: Simulator) -> None:
    code, out, _ = scan(world, "--subaccounts", "all", "--format", "markdown")
    assert code == 1
    assert out.startswith("## Geo-permission failures: 12 geo-permission failures in the last 7 days")
    assert f"| 1 | enable FR SMS on {OWN} → fixes 6 failures in the last 7 days | 6 |" in out


def test_ctrl_c_prints_what_was_scanned_so_far() -> None:
    from diagnose.simulator._generate import generate_scenario

    scenario = load_scenario(generate_scenario(60, ("FR", "DE"), seed=4, failures=1, sms_gap_rate=0.5))
    main_account = scenario.accounts[0]
    args = ["scan", "--since", "7d", "--subaccounts", "all", "--concurrency", "2"]
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(80)

        def underway() -> bool:
            return sum(1 for r in sim.requests if r["path"].endswith("/Messages.json")) >= 6

        code, out, err = interrupt(sim, main_account, [*args, "--format", "json"], underway)
        assert code == 130, err
        doc = json.loads(out)
        assert doc["interrupted"] is True and doc["complete"] is False and doc["exit_code"] == 130
        assert 1 <= doc["accounts_scanned"] < 61
        assert doc["failures"] == sum(g["failures"] for g in doc["groups"])
        sim.clear_requests()
        code, out, err = interrupt(sim, main_account, args, underway)
    assert code == 130, err
    assert "Interrupted: only the accounts read before Ctrl-C are counted." in out.splitlines()[1:3]


def test_many_groups_json_lists_every_one_text_and_markdown_the_largest() -> None:
    from diagnose.render.scan import TEXT_GROUPS
    from diagnose.simulator._generate import generate_scenario

    n = TEXT_GROUPS + 7
    scenario = load_scenario(
        generate_scenario(n, ("FR",), seed=2, failures=1, sms_gap_rate=1.0, voice_gap_rate=0, inactive_rate=0)
    )
    main_account = scenario.accounts[0]
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": main_account.sid,
        "TWILIO_AUTH_TOKEN": main_account.auth_token,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
    }
    with Simulator(scenario, port=0) as sim:
        env["DIAGNOSE_API_URL"] = sim.url
        outs = {
            fmt: CliRunner().invoke(main, ["scan", "--subaccounts", "all", "--format", fmt], env=env).stdout
            for fmt in ("json", "text", "markdown")
        }
    doc = json.loads(outs["json"])
    assert len(doc["groups"]) == n and doc["failures"] == n
    assert {g["account"] for g in doc["groups"]} == {a.sid for a in scenario.accounts[1:]}
    assert "top_groups" not in doc and "group_count" not in doc
    assert "… 7 more groups (--format json lists every group)" in outs["text"]
    assert "7 more groups: `diagnose scan --format json` lists every group." in outs["markdown"]


@given(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(["AC1", "AC2", "AC3"])), max_size=40), st.integers(1, 6))
def test_top_groups_are_the_largest(items: list[tuple[int, str]], size: int) -> None:
    from diagnose.scan import Group, TopGroups, group_order

    top = TopGroups(size)
    groups = [Group(account, "FR", 21408 + i, "sms", count=count) for i, (count, account) in enumerate(items)]
    for group in groups:
        top.add(group, {"code": group.code})
    expected = sorted(groups, key=group_order)[:size]
    assert [d["code"] for d in top.docs()] == [g.code for g in expected]
    assert top.seen == len(groups)


def test_out_writes_the_report_to_a_file(world: Simulator, tmp_path: Any) -> None:
    report = tmp_path / "scan.json"
    code, out, _ = scan(world, "--subaccounts", "all", "--format", "json", "--out", str(report))
    assert code == 1 and out == ""
    assert json.loads(report.read_text())["failures"] == 12
    code, out, err = scan(world, "--out", str(tmp_path / "missing" / "scan.txt"))
    assert code == 2 and out == "" and err.startswith("diagnose: error: --out")


def _demo_main(sim: Simulator) -> str:
    return sim.sample("missing-country")[2][0]


def _env_of(sim: Simulator, sid: str, token: str) -> dict[str, str]:
    """The environment of a run authenticated as ``sid`` against ``sim``."""
    return {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": sid,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }


def _demo_env(sim: Simulator) -> dict[str, str]:
    main_sid = _demo_main(sim)
    return _env_of(sim, main_sid, sim.accounts[main_sid]["auth_token"])


def _demo_scan(sim: Simulator, *args: str) -> str:
    """`diagnose scan` of the demo's last 30 days over every account, authenticated as its main account."""
    argv = ["scan", "--since", "30d", "--subaccounts", "all", *args]
    return CliRunner().invoke(main, argv, env=_demo_env(sim), catch_exceptions=False).stdout


def test_a_blocked_range_is_never_a_country_to_enable(demo_sim: Simulator) -> None:
    """The demo's failures to +850 (North Korea) and +7978 (Crimea, read as RU): no permission opens them."""
    doc = json.loads(_demo_scan(demo_sim, "--format", "json"))
    blocked = {(g["country"], g["blocked_prefix"], g["action"]) for g in doc["groups"] if g["blocked_prefix"]}
    assert blocked == {("KP", "+850", "none"), ("RU", "+7978", "none")}
    for fix in doc["fixes"]:
        assert not (fix["action"] in ("enable", "console") and fix["country"] in ("KP", "RU")), fix


def test_a_wrong_prefix_is_never_a_country_to_enable(demo_sim: Simulator) -> None:
    """The demo's failures to +2125550143 (a US number that lost its 1, read as Morocco): enabling Morocco
    would open the wrong country, so the fix is the numbers, and the group says which country was meant."""
    doc = json.loads(_demo_scan(demo_sim, "--format", "json"))
    wrong = [g for g in doc["groups"] if g["suggested_country"]]
    assert {(g["country"], g["suggested_country"], g["action"]) for g in wrong} >= {("MA", "US", "investigate")}
    for group in wrong:
        assert group["fix_account"] is None and "prefix is probably wrong" in group["diagnosis"]
    for fix in doc["fixes"]:
        assert not (fix["action"] in ("enable", "console") and fix["country"] == "MA"), fix
    assert all(g["suggested_country"] is None for g in doc["groups"] if g["action"] in ("enable", "console"))
    text = _demo_scan(demo_sim)
    assert "correct the numbers: US numbers with a wrong prefix, not MA ones" in text
    assert re.search(r"^ *\d+\. enable MA ", text, re.MULTILINE) is None


def test_a_national_number_behind_a_forms_default_prefix_is_read_in_its_senders_country(demo_sim: Simulator) -> None:
    """+44 2125550143 sent from a US number is (212) 555-0143 typed into a form that defaults to the UK, as
    the diagnosis of that message says (wrong-country-code): scan groups it to correct, not 'enable GB SMS'."""
    doc = json.loads(_demo_scan(demo_sim, "--format", "json"))
    sample = demo_sim.cases["wrong-prefix-form-default"]
    (group,) = [g for g in doc["groups"] if sample in g["samples"]]
    assert (group["country"], group["suggested_country"], group["action"]) == ("GB", "US", "investigate"), group
    enables = {(f["account"], f["country"], f["product"]) for f in doc["fixes"] if f["action"] == "enable"}
    assert (_demo_main(demo_sim), "GB", "sms") not in enables, enables


def test_a_canadian_voice_fix_names_the_entry_the_console_shows() -> None:
    # Canada has no voice entry of its own: the Console and the API show "United States/Canada" (US).
    from diagnose.audit import AccountAudit, Cell, VoiceRanges
    from diagnose.scan import Group, diagnose_group

    sub, parent = "AC" + "1" * 32, "AC" + "2" * 32
    off = VoiceRanges(low_risk=False, high_risk_special=False, high_risk_tollfraud=False)
    cell = Cell("CA", "voice", "disabled", source="own", ranges=off)
    account = AccountAudit(sub, parent=parent, cells=(cell,))
    action, diagnosis, target, fix = diagnose_group(Group(sub, "CA", 21215, "voice", count=1), account)
    assert (action, target) == ("enable", sub)
    assert fix == f"enable CA voice (Twilio's US entry, United States/Canada) on {sub}"
    assert "United States/Canada" in diagnosis
    _, _, _, fix = diagnose_group(Group(sub, "FR", 21215, "voice", count=1), AccountAudit(sub, cells=(
        Cell("FR", "voice", "disabled", source="own", ranges=off),
    )))  # fmt: skip
    assert fix == f"enable FR voice on {sub}"


def test_markdown_shows_the_commands_of_its_advice_as_code(demo_sim: Simulator) -> None:
    # "run `diagnose SM…` to see one": a code span in a GitHub job summary, not literal backquotes
    markdown = _demo_scan(demo_sim, "--format", "markdown")
    assert re.search(r"run `diagnose SM[0-9a-f]{32}` to see one", markdown), markdown
    assert "\\`" not in markdown


def test_a_subaccounts_sms_fix_says_what_inheriting_would_answer() -> None:
    # SMS inheritance is a Console setting no API shows: 'enable FR SMS on <sub>' said nothing of the parent,
    # and a subaccount that inherits answers that PATCH with 30648
    from diagnose.audit import AccountAudit, Cell
    from diagnose.scan import Group, diagnose_group

    sub, parent = "AC" + "1" * 32, "AC" + "2" * 32
    off = Cell("FR", "sms", "disabled")
    _, diagnosis, target, fix = diagnose_group(
        Group(sub, "FR", 21408, "sms", count=3), AccountAudit(sub, parent=parent, cells=(off,))
    )
    assert (target, fix) == (sub, f"enable FR SMS on {sub}")
    assert diagnosis.startswith("FR SMS is still disabled; ") and "30648" in diagnosis and parent in diagnosis
    _, diagnosis, _, _ = diagnose_group(Group(sub, "FR", 21408, "sms", count=3), AccountAudit(sub, cells=(off,)))
    assert diagnosis == "FR SMS is still disabled"  # a main account inherits nothing


def _platform_missing_a_country_on_many_tenants() -> tuple[dict[str, Any], list[str], list[str]]:
    """A platform whose 12 tenants each failed once or twice: 8 lack FR SMS, 2 lack DE voice."""
    parent = "AC" + "d" * 32
    accounts: list[dict[str, Any]] = [
        {
            "sid": parent,
            "auth_token": "4" * 32,
            "messaging_geo_permissions": {"FR": True, "DE": True},
            "voice_dialing_permissions": {"FR": {"low_risk": True}, "DE": {"low_risk": True}},
        }
    ]
    no_fr, no_de = [], []
    for i in range(12):
        sid = f"AC{i:032x}"
        account: dict[str, Any] = {
            "sid": sid,
            "auth_token": f"{i:032x}",
            "parent": parent,
            "messaging_geo_permissions": {"FR": i >= 8, "DE": True},
            "voice_settings": {"dialing_permissions_inheritance": False},
            "voice_dialing_permissions": {"FR": {"low_risk": True}, "DE": {"low_risk": i not in (9, 10)}},
            "messages": _messages(1 + i % 2, FR, "-1d") if i < 8 else [],
            "calls": [{"to": DE, "date_created": "-3h", "notifications": [{"error_code": "21215"}]}]
            if i in (9, 10)
            else [],
        }
        accounts.append(account)
        (no_fr if i < 8 else no_de if i in (9, 10) else []).append(sid)
    return {"accounts": accounts}, no_fr, no_de


def test_at_scale_the_first_fix_is_a_country_on_every_account_that_needs_it_and_its_command_works() -> None:
    # 2,000 tenants lacking DE voice, two failures each: 'first fix: enable DE voice on AC00d8… → fixes 2
    # failures' and twenty such lines, the 61 accounts and 122 failures behind DE voice said nowhere
    scenario, no_fr, no_de = _platform_missing_a_country_on_many_tenants()
    with Simulator(load_scenario(scenario), port=0) as sim:
        env = _env_of(sim, scenario["accounts"][0]["sid"], "4" * 32)

        def cli(*argv: str) -> tuple[int, str]:
            result = CliRunner().invoke(main, list(argv), env=env, catch_exceptions=False)
            return result.exit_code, result.stdout

        code, out = cli("scan", "--subaccounts", "all")
        assert code == 1
        lines = out.splitlines()
        fr = (
            "enable FR SMS on 8 accounts → fixes 12 failures in the last 7 days: "
            "`diagnose fix --country FR --product sms --subaccounts all` "
            "(it plans every account without FR SMS, these 8 among them)"
        )
        de_command = f"diagnose fix --country DE --product voice --account {no_de[0]} --account {no_de[1]}"
        de = f"enable DE voice on 2 accounts → fixes 2 failures in the last 7 days: `{de_command}`"
        assert lines[0] == f"14 geo-permission failures in the last 7 days, in 10 accounts; first fix: {fr}"
        assert lines[2].startswith("By country") and lines[3:5] == [f"  1. {fr}", f"  2. {de}"]
        _, doc = scan_json_env(env)
        assert [(r["country"], r["product"], r["accounts"], r["failures"]) for r in doc["by_country"]] == [
            ("FR", "sms", 8, 12),
            ("DE", "voice", 2, 2),
        ]
        assert doc["by_country"][1]["command"] == de_command
        # Each command does what it says: it plans those accounts, and no other.
        for command, product, expected in (
            (doc["by_country"][0]["command"], "sms", no_fr),
            (de_command, "voice", no_de),
        ):
            code, out = cli(*command.split()[1:], "--format", "json")
            assert code == 1, out
            planned = json.loads(out)["plan"]["changes"]
            assert sorted(c["account"] for c in planned) == sorted(expected)
            assert {c["product"] for c in planned} == {product}


def scan_json_env(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["scan", "--subaccounts", "all", "--format", "json"], env=env)
    return result.exit_code, json.loads(result.stdout)


def test_a_subaccounts_sample_is_diagnosed_where_it_is_not_searched_for(sim: Simulator) -> None:
    # 'run `diagnose SMb4c1…` to see one' for a failure of the subaccount AC15bf…: without --account, diagnose
    # looks for the SID in the main account, then in every subaccount in turn (thousands, on a platform)
    doc = json.loads(_demo_scan(sim, "--format", "json"))
    by_account = {g["samples"][0]: g for g in doc["groups"] if g["samples"]}
    commands = [m.group(1) for f in doc["fixes"] for m in re.finditer(r"`(diagnose (?:SM|CA)[^`]*)`", f["text"])]
    assert commands
    for command in commands:
        sid = command.split()[1]
        group = by_account[sid]
        if group["parent"]:
            assert command == f"diagnose {sid} --account {group['account']}"
        else:
            assert command == f"diagnose {sid}"  # the main account's: read there first
    # And the command reads that subaccount alone.
    command = next(c for c in commands if "--account" in c)
    sim.clear_requests()
    result = CliRunner().invoke(main, command.split()[1:], env=_demo_env(sim), catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    owner = command.split()[-1]
    paths = [r["path"] for r in sim.requests]
    assert "/2010-04-01/Accounts.json" not in paths  # no listing of the subaccounts to search them
    named = {m.group(1) for path in paths for m in [re.search(r"/Accounts/(AC\w{32})/", path)] if m}
    assert named == {owner}  # the record is read where it is, and nowhere else


def test_a_scan_of_listed_accounts_names_each_in_its_command_never_all() -> None:
    # 'diagnose scan --subaccounts AC…,AC…' (8 tenants lacking FR) advised `diagnose fix … --subaccounts all`,
    # which plans FR on every account without it, beyond the accounts the scan was asked about
    scenario, no_fr, _ = _platform_missing_a_country_on_many_tenants()
    with Simulator(load_scenario(scenario), port=0) as sim:
        env = _env_of(sim, scenario["accounts"][0]["sid"], "4" * 32)
        argv = ["scan", "--subaccounts", ",".join(no_fr[:5]), "--format", "json"]
        doc = json.loads(CliRunner().invoke(main, argv, env=env, catch_exceptions=False).stdout)
        (row,) = doc["by_country"]
        assert (row["country"], row["accounts"]) == ("FR", 5)
        assert row["command"].startswith("diagnose fix --country FR --product sms --account ")
        assert sorted(row["command"].split()[7::2]) == sorted(no_fr[:5])  # each named, most failures first
        assert "--subaccounts" not in row["text"] and "among them" not in row["text"]
        result = CliRunner().invoke(main, [*row["command"].split()[1:], "--format", "json"], env=env)
        planned = json.loads(result.stdout)["plan"]["changes"]
        assert sorted(c["account"] for c in planned) == sorted(no_fr[:5])


PAGE_CAP = 10


def _busy_account(failed: int) -> dict[str, Any]:
    """The main account with more messages in the window than a listing reads (20 pages, of PAGE_CAP records
    under sim.set_page_cap): ``failed`` of the newest failed with 21408 to FR, the rest delivered."""
    from diagnose import plan

    more = plan.LISTING_PAGES * PAGE_CAP + 1 - failed
    delivered = [{"to": FR, "status": "delivered", "date_created": "-2d"}] * more
    return {
        "accounts": [
            {
                "sid": MAIN,
                "auth_token": "1" * 32,
                "messaging_geo_permissions": {"FR": False},
                "messages": [*_messages(failed, FR, "-1h"), *delivered],
            }
        ]
    }


@pytest.mark.parametrize("failed", [3, 0])
def test_a_scan_cut_at_its_page_bound_is_incomplete_and_says_so_first(failed: int) -> None:
    # A busy account whose messages went on past 20 pages: 'diagnose scan' exited 1 (0 with no failure among
    # the pages read) and its first line, '3 geo-permission failures in the last 7 days, in 1 account' or
    # 'No geo-permission failures in the last 7 days (1 account scanned).', read as a complete answer
    with Simulator(load_scenario(_busy_account(failed)), port=0) as sim:
        sim.set_page_cap(PAGE_CAP)  # 201 messages reach the bound as 20,001 would at PageSize=1000
        code, doc = scan_json(sim)
        assert (code, doc["exit_code"], doc["complete"]) == (3, 3, False)
        assert doc["truncated"] == [{"account": MAIN, "source": "messages", "reason": "stopped after 20 pages"}]
        assert doc["failures"] == failed
        code, out, _ = scan(sim)
    assert code == 3
    first, second = out.splitlines()[:2]
    cut = "the listings of 1 account went on past 20 pages and were not read to the end"
    if failed:
        assert first.startswith(
            f"At least 3 geo-permission failures in the last 7 days, in 1 account (incomplete: {cut});"
        )
        assert doc["headline"] == first
    else:
        assert first == f"No geo-permission failures found in the last 7 days, but the scan is incomplete: {cut}."
    assert second == f"Incomplete: messages of {MAIN} were not read to the end (stopped after 20 pages)."


NG = "+2348031234567"  # Nigeria: a messaging high-risk country, Console-only (30649)


def test_the_first_fix_is_the_one_that_clears_the_most_failures_console_or_api() -> None:
    # Three tenants lacking NG SMS (Console-only) failed 9 times, one lacking FR (API) twice: 'first fix: enable
    # FR SMS on AC… → fixes 2 failures', and the Console change behind 9 came after every API change, in the
    # fixes and in by_country alike
    parent = "AC" + "d" * 32
    tenants = [f"AC{i:032x}" for i in range(5)]
    lacking = {tenants[0]: ("NG", 3), tenants[1]: ("NG", 3), tenants[2]: ("NG", 3), tenants[3]: ("FR", 2)}
    lacking[tenants[4]] = ("DE", 1)
    accounts: list[dict[str, Any]] = [
        {"sid": parent, "auth_token": "4" * 32, "messaging_geo_permissions": {"FR": True, "DE": True, "NG": True}}
    ]
    numbers = {"NG": NG, "FR": FR, "DE": DE}
    for sid, (iso, n) in lacking.items():
        own = {c: c != iso for c in ("FR", "DE", "NG")}
        accounts.append(
            {
                "sid": sid,
                "auth_token": sid[2:],
                "parent": parent,
                "messaging_geo_permissions": own,
                "messages": _messages(n, numbers[iso], "-1d"),
            }
        )
    with Simulator(load_scenario({"accounts": accounts}), port=0) as sim:
        env = _env_of(sim, parent, "4" * 32)
        code, doc = scan_json_env(env)
        result = CliRunner().invoke(main, ["scan", "--subaccounts", "all"], env=env, catch_exceptions=False)
    assert code == 1
    ranked = [(f["action"], f["country"], f["failures"]) for f in doc["fixes"]]
    assert ranked == [("console", "NG", 3)] * 3 + [("enable", "FR", 2), ("enable", "DE", 1)]
    rolled = [(r["action"], r["country"], r["accounts"], r["failures"]) for r in doc["by_country"]]
    assert rolled == [("console", "NG", 3, 9), ("enable", "FR", 1, 2), ("enable", "DE", 1, 1)]
    console = "enable NG SMS on 3 accounts in the Console (Messaging › Settings › Geo permissions)"
    assert doc["headline"].endswith(f"; first fix: {console} → fixes 9 failures in the last 7 days")
    lines = result.stdout.splitlines()
    assert lines[0] == doc["headline"] and lines[3].startswith(f"  1. {console}")


def test_as_many_failures_an_api_change_ranks_before_a_console_one() -> None:
    from diagnose.scan import FixTally, Group, by_country

    tally = FixTally()
    sub = "AC" + "1" * 32
    tally.add(Group(sub, "NG", 21408, "sms", count=4), ("console", "", sub, "enable NG SMS on it in the Console"))
    tally.add(Group(sub, "FR", 21408, "sms", count=4), ("enable", "", sub, "enable FR SMS on it"))
    fixes = tally.fixes("the last 7 days")
    assert [f.action for f in fixes] == ["enable", "console"]
    assert [r["action"] for r in by_country(fixes, "the last 7 days")] == ["enable", "console"]


def test_a_dial_child_leg_is_placed_by_its_own_to_as_diagnose_places_it(sim: Simulator) -> None:
    # The demo's <Dial> child leg (parent_call_sid set, direction outbound-dial) failed with 13227, and its
    # notification names no phonenumber=: 'diagnose scan' grouped it under country null, 'the destination
    # country could not be read from the failure records', while 'diagnose CA…' reads its own To, +52 55 …
    leg = sim.cases["voice-child-leg"]
    doc = json.loads(_demo_scan(sim, "--format", "json"))
    (group,) = [g for g in doc["groups"] if leg in g["samples"]]
    assert (group["country"], group["code"], group["action"]) == ("MX", 13227, "enable"), group
    assert [r for r in sim.requests if r["path"].endswith(f"/Calls/{leg}.json")]  # its Call resource was read
    result = CliRunner().invoke(main, [leg, "--format", "json"], env=_demo_env(sim), catch_exceptions=False)
    (diagnosis,) = json.loads(result.stdout)["diagnoses"]
    assert diagnosis["facts"]["country"]["value"] == group["country"]


def test_a_call_whose_record_names_its_number_is_not_read_again(world: Simulator) -> None:
    # HEIR's four calls' notifications name the number they dialled: no Call resource is read for them
    scan(world, "--subaccounts", HEIR)
    assert not [r for r in world.requests if "/Calls/" in r["path"] and r["path"].endswith(".json")]


def _pasted(group: dict[str, Any], number: str, sender: str | None) -> str:
    """One of a group's errors as an application logs it: its code, account and numbers, no SID (so that the
    paste is read as its text gives it, not from Twilio's record)."""
    sent = f" from={sender}" if sender else ""
    return f"ERROR twilio error {group['code']} account_sid={group['account']} to={number}{sent}"


def test_a_scan_groups_diagnosis_is_a_paste_of_one_of_its_errors(sim: Simulator) -> None:
    # scan.diagnose_group decided each group by hand from its audit cell: the demo's DE 21215 calls (enabled now,
    # no high-risk number) were 'the calls may have dialled high-risk special or toll-fraud ranges' (investigate)
    # where a paste of one of them is 21215/permission-enabled-now, and the trial account's GB 13227 (a
    # high-risk number, 13227/trial-account) read the same. Each group is now read by the engine, as a paste of
    # one of its errors is, from the scan's own answers: the same verdict and cause, and the action its fix names.
    doc = json.loads(_demo_scan(sim, "--format", "json"))
    groups = [g for g in doc["groups"] if g["cause"]]
    assert len(groups) >= 20
    env = _demo_env(sim)
    for group in groups:
        # the number its sample failed for, as Twilio's record gives it (a <Dial>'s is in its notification)
        argv = [group["samples"][0], "--account", group["account"], "--format", "json"]
        (record,) = json.loads(CliRunner().invoke(main, argv, env=env).stdout)["diagnoses"]
        number, sender = record["evidence"]["to"], record["evidence"].get("from")
        result = CliRunner().invoke(main, [_pasted(group, number, sender), "--format", "json"], env=env)
        (pasted,) = json.loads(result.stdout)["diagnoses"]
        assert (group["verdict"], group["cause"]) == (pasted["verdict"], f"{group['code']}/{pasted['cause']}"), group
    by_cause = {(g["country"], g["code"], g["account"]): (g["cause"], g["action"]) for g in groups}
    main_sid = _demo_main(sim)
    assert by_cause[("DE", 21215, main_sid)] == ("21215/permission-enabled-now", "none")
    assert by_cause[("MX", 13227, main_sid)] == ("13227/missing-country", "enable")
    assert by_cause[("NG", 21408, main_sid)] == ("21408/high-restriction-country", "console")
    assert {a for c, a in by_cause.values() if c.endswith("/wrong-country-code")} == {"investigate"}
    assert {a for c, a in by_cause.values() if c.endswith(("/country-not-allowed", "/blocked-prefix"))} == {"none"}


def test_a_countrys_high_risk_prefixes_are_read_once_per_scan() -> None:
    # Each voice group's context holds its country's high-risk special prefixes, the same for every account:
    # 60 tenants with voice failures to the same countries, scanned 48 at a time, read them once per country
    from diagnose.simulator._generate import generate_scenario

    scenario = load_scenario(
        generate_scenario(60, ("FR", "DE"), seed=3, failures=1, sms_gap_rate=0, voice_gap_rate=1.0, inherit_rate=0)
    )
    main_account = scenario.accounts[0]
    env = _env_of_scenario(main_account)
    with Simulator(scenario, port=0) as sim:
        env["DIAGNOSE_API_URL"] = sim.url
        result = CliRunner().invoke(main, ["scan", "--subaccounts", "all", "--format", "json"], env=env)
        doc = json.loads(result.stdout)
        voiced = {g["country"] for g in doc["groups"] if g["product"] == "voice"}
        read = [r["path"] for r in sim.requests if r["path"].endswith("/HighRiskSpecialPrefixes")]
    assert voiced == {"FR", "DE"} and sorted(read) == sorted(
        f"/v1/DialingPermissions/Countries/{iso}/HighRiskSpecialPrefixes" for iso in voiced
    )


def _env_of_scenario(account: Any) -> dict[str, str]:
    return {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": account.sid,
        "TWILIO_AUTH_TOKEN": account.auth_token,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
    }


PRIVATE_21610 = """\
code: 21610
title: Attempt to send to unsubscribed recipient
summary: The recipient replied STOP.
products: [Programmable Messaging]
channels: [sms]
log_level: ERROR
meaning: Twilio refused the message.
impact: The message was not sent.
causes:
  - id: recipient-opted-out
    title: The recipient opted out
    explanation: A recipient who replied STOP gets nothing more from the sender.
    confirmed_when: country == "FR"
    confirmed_because: "{{ to }} opted out."
    ruled_out_because: "{{ to }} did not opt out."
    fix:
      - text: Ask the recipient to reply START, then resend.
"""


def _private_world(tmp_path: Any, files: dict[str, str], code: int) -> tuple[Any, Simulator]:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    scenario = {"accounts": [{"sid": MAIN, "auth_token": "1" * 32, "messages": _messages(3, FR, "-1d", code)}]}
    return folder, Simulator(load_scenario(scenario), port=0)


def test_a_code_of_a_private_knowledge_folder_is_scanned_and_diagnosed_by_it(tmp_path: Any) -> None:
    # 'diagnose scan' had no --knowledge (every other command that diagnoses has): a company's own code was
    # neither looked for nor read by its causes. Its failures are now found and read by the folder's knowledge.
    folder, sim = _private_world(tmp_path, {"21610.yaml": PRIVATE_21610}, 21610)
    with sim:
        code, doc = scan_json(sim, "--knowledge", str(folder))
        plain_code, plain = scan_json(sim)
    assert 21610 in doc["codes"] and 21610 not in plain["codes"]
    assert plain_code == 0 and plain["failures"] == 0
    (group,) = doc["groups"]
    assert (group["code"], group["country"], group["failures"]) == (21610, "FR", 3)
    assert (group["verdict"], group["cause"]) == ("confirmed", "21610/recipient-opted-out")
    assert code == 1


def test_a_broken_private_knowledge_folder_is_bad_input(tmp_path: Any) -> None:
    broken = PRIVATE_21610.replace('country == "FR"', 'country === "FR"')
    folder, sim = _private_world(tmp_path, {"21610.yaml": broken}, 21610)
    with sim:
        code, out, err = scan(sim, "--knowledge", str(folder))
    assert code == 2 and not out
    assert "21610.yaml:" in err and "confirmed_when" in err


@pytest.mark.parametrize(
    ("cause", "step_action", "action"),
    [
        ("recipient-opted-out", "", "investigate"),
        # the id of a built-in cause that needs no change decides nothing: the steps say what to look into
        ("blocked-destination", "", "investigate"),
        ("recipient-opted-out", "\n        action: no-change", "none"),
    ],
)
def test_a_new_codes_cause_is_ranked_by_its_fix_steps_alone(
    tmp_path: Any, cause: str, step_action: str, action: str
) -> None:
    # scan.py sorted the causes without an action into 'none' or 'investigate' by a list of built-in cause ids:
    # a new code's cause that needs no change was 'investigate', and one that shared a listed id was 'none'
    # whatever its steps said. A step's action (no-change) says it, in the knowledge file.
    text = PRIVATE_21610.replace("recipient-opted-out", cause).replace("then resend.", f"then resend.{step_action}")
    folder, sim = _private_world(tmp_path, {"21610.yaml": text}, 21610)
    with sim:
        code, doc = scan_json(sim, "--knowledge", str(folder))
    assert code == 1
    (group,) = doc["groups"]
    assert group["cause"] == f"21610/{cause}"
    assert group["action"] == action
    assert [f["action"] for f in doc["fixes"]] == [action]
    assert group["fix_account"] is None


def test_a_private_codes_advice_names_the_folder_it_was_read_by(tmp_path: Any) -> None:
    # The scan's advice for a group read by a --knowledge folder said 'run `diagnose SM…` for the steps': that
    # command, without the folder, knows nothing of 21610 (no-knowledge). It now names the folder, and diagnoses.
    import shlex

    folder, sim = _private_world(tmp_path, {"21610.yaml": PRIVATE_21610}, 21610)
    with sim:
        _, doc = scan_json(sim, "--knowledge", str(folder))
        (fix,) = doc["fixes"]
        found = re.search(r"`(diagnose SM\w+[^`]*)`", fix["text"])
        assert found, fix["text"]
        assert found.group(1).endswith(f" --knowledge {shlex.quote(str(folder))}")
        env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": MAIN, "TWILIO_AUTH_TOKEN": "1" * 32, "DIAGNOSE_API_URL": sim.url}
        argv = [*shlex.split(found.group(1))[1:], "--format", "json"]
        result = CliRunner().invoke(main, argv, env={**env, "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""})
    (diagnosis,) = json.loads(result.stdout)["diagnoses"]
    assert (diagnosis["verdict"], diagnosis["cause"]) == ("confirmed", "recipient-opted-out")


def test_a_new_codes_no_change_cause_is_advised_in_its_own_words(tmp_path: Any) -> None:
    # A 'test and resend' cause (a no-change step) read '…: no setting can enable it', the scan's words for a
    # destination Twilio blocks. The advice now says the cause's title and its no-change step, rendered with
    # the group's facts as a report of the SID renders them.
    text = PRIVATE_21610.replace(
        "      - text: Ask the recipient to reply START, then resend.\n",
        "      - text: Send one test message to {{ to }}; if it goes through, resend the failed ones.\n"
        "        action: no-change\n"
        "      - text: Otherwise ask the recipient to reply START.\n",
    )
    folder, sim = _private_world(tmp_path, {"21610.yaml": text}, 21610)
    with sim:
        code, doc = scan_json(sim, "--knowledge", str(folder))
        _, out, _ = scan(sim, "--knowledge", str(folder))
    assert code == 1
    (group,) = doc["groups"]
    (fix,) = doc["fixes"]
    assert group["action"] == fix["action"] == "none"
    assert group["diagnosis"] == "the recipient opted out (21610/recipient-opted-out)"
    assert fix["text"].startswith(f"Send one test message to {FR}; if it goes through, resend the failed ones (run `")
    assert f"--knowledge {folder}` for the steps)" in fix["text"]
    assert "no setting can enable it" not in out and "no setting can enable it" not in json.dumps(doc)
    assert f"Send one test message to {FR}" in out
