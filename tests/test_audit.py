"""``diagnose audit`` end to end against the simulator, its parsers, and its faults."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.audit import (
    AccountAudit,
    Cell,
    Tally,
    VoiceRanges,
    headlines,
    parse_countries,
    parse_countries_file,
    parse_products,
    sms_cell,
    voice_cell,
)
from diagnose.audit_reads import Auditor
from diagnose.cli import main
from diagnose.errors import InputError
from diagnose.gateway import Credentials, TwilioAccess
from diagnose.safe_text import CONTROL
from diagnose.simulator import Fault, Simulator, load_scenario
from diagnose.simulator._generate import generate_scenario
from tests.browser import png_size_and_colours, run_chromium
from tests.interrupt import interrupt
from tests.terminal import open_terminal, read_terminal

MAIN = "AC" + "1" * 32
OWN = "AC" + "2" * 32  # own settings, gaps of its own
HEIR = "AC" + "3" * 32  # inherits voice from MAIN, which lacks IN
TWIN = "AC" + "4" * 32  # same as the parent everywhere
GONE = "AC" + "5" * 32  # closed
KEY = "SK" + "6" * 32

SCENARIO: dict[str, Any] = {
    "accounts": [
        {
            "sid": MAIN,
            "auth_token": "t" * 32,
            "friendly_name": "Platform",
            "api_keys": [{"sid": KEY, "secret": "s" * 32}],
            "messaging_geo_permissions": {"FR": True, "DE": True, "IN": True},
            "voice_dialing_permissions": {
                "FR": {"low_risk": True},
                "DE": {"low_risk": True, "high_risk_special": True},
            },
        },
        {
            "sid": OWN,
            "auth_token": "u" * 32,
            "friendly_name": "=cmd|' /C calc'!A0 \x1b[31mred\u202eder",
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": False, "DE": True, "IN": True},
            "voice_settings": {"dialing_permissions_inheritance": False},
            "voice_dialing_permissions": {
                "FR": {"low_risk": True},
                "DE": {"low_risk": False},
                "IN": {"low_risk": True},
            },
        },
        {
            "sid": HEIR,
            "auth_token": "v" * 32,
            "friendly_name": "Heir",
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": True, "DE": True, "IN": True},
            "voice_settings": {"dialing_permissions_inheritance": True},
            "voice_dialing_permissions": {"IN": {"low_risk": True}},
        },
        {
            "sid": TWIN,
            "auth_token": "w" * 32,
            "friendly_name": "Twin",
            "parent": MAIN,
            "messaging_geo_permissions": {"FR": True, "DE": True, "IN": True},
            "voice_settings": {"dialing_permissions_inheritance": False},
            "voice_dialing_permissions": {"FR": {"low_risk": True}, "DE": {"low_risk": True}, "IN": {"low_risk": True}},
        },
        {"sid": GONE, "auth_token": "x" * 32, "parent": MAIN, "status": "closed"},
    ]
}


@pytest.fixture
def platform() -> Any:
    with Simulator(load_scenario(SCENARIO), port=0) as sim:
        yield sim


def run(sim: Simulator, *args: str, user: str = MAIN, secret: str = "t" * 32) -> tuple[int, str, str]:
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": MAIN if user.startswith("SK") else user,
        "TWILIO_AUTH_TOKEN": "" if user.startswith("SK") else secret,
        "TWILIO_API_KEY": user if user.startswith("SK") else "",
        "TWILIO_API_SECRET": secret if user.startswith("SK") else "",
        "DIAGNOSE_API_URL": sim.url,
    }
    result = CliRunner().invoke(main, ["audit", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def audit_json(sim: Simulator, *args: str, **kw: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(sim, *args, "--format", "json", **kw)
    assert out, err
    return code, json.loads(out)


def cell(doc: dict[str, Any], sid: str, iso: str, product: str) -> dict[str, Any]:
    account = next(a for a in doc["accounts"] if a["sid"] == sid)
    return next(c for c in account["cells"] if c["country"] == iso and c["product"] == product)


# --- end to end -----------------------------------------------------------------


def test_all_subaccounts_json_is_the_documented_contract(platform: Simulator) -> None:
    code, doc = audit_json(platform, "--countries", "FR,DE,IN", "--subaccounts", "all")
    assert code == 1 and doc["exit_code"] == 1
    assert (doc["kind"], doc["schema"], doc["scope"], doc["complete"]) == ("audit", 1, "all", True)
    assert [a["sid"] for a in doc["accounts"]] == [MAIN, OWN, HEIR, TWIN]  # listing order; closed one skipped
    assert doc["skipped"] == {"closed": 1}
    # Every gap, exactly: the main account lacks IN for voice, so does HEIR, which inherits it.
    found = {(g["account"], g["country"], g["product"], g["status"], g["source"]) for g in doc["gaps"]}
    assert found == {
        (MAIN, "IN", "voice", "disabled", "own"),
        (OWN, "FR", "sms", "disabled", None),
        (OWN, "DE", "voice", "disabled", "own"),
        (HEIR, "IN", "voice", "disabled", "parent"),
    }
    assert cell(doc, MAIN, "DE", "voice")["ranges"] == {
        "low_risk": True,
        "high_risk_special": True,
        "high_risk_tollfraud": False,
    }
    assert (cell(doc, HEIR, "FR", "voice")["status"], cell(doc, HEIR, "FR", "voice")["source"]) == ("enabled", "parent")
    summary = doc["summary"]
    assert (summary["accounts"], summary["subaccounts"], summary["usable"], summary["gaps"]) == (4, 3, 1, 3)
    assert summary["countries"]["IN"]["voice"] == {"enabled": 2, "disabled": 2, "blocked": 0, "unknown": 0}
    assert doc["headline"][0] == "2 of 4 accounts cannot call IN"


def test_inheriting_subaccount_whose_parent_lacks_the_country(platform: Simulator) -> None:
    code, doc = audit_json(platform, "--countries", "IN", "--product", "voice", "--subaccounts", HEIR)
    assert code == 1
    assert [a["sid"] for a in doc["accounts"]] == [HEIR]  # the parent is read for comparison, not shown
    heir = doc["accounts"][0]
    assert heir["voice_inheritance"] is True
    # HEIR's own IN toggle is on, but it inherits its parent's, where IN is off.
    assert cell(doc, HEIR, "IN", "voice")["status"] == "disabled"
    assert cell(doc, HEIR, "IN", "voice")["source"] == "parent"
    code, out, _ = run(
        platform, "--countries", "IN", "--product", "voice", "--subaccounts", HEIR, "--format", "markdown"
    )
    assert "off on the parent, which this subaccount inherits" in out


def test_a_subaccounts_own_credentials_say_the_parent_is_not_compared_and_why(platform: Simulator) -> None:
    # Heir's own credentials: its voice follows its parent's, which they cannot read. The cells were unknown
    # and the audit exited 3, but nothing said whose permissions were missing or what to run instead.
    said = (
        f"the credentials of subaccount {HEIR} cannot read its parent {MAIN} (Twilio answers a subaccount's "
        "credentials for that subaccount alone); run with the parent's credentials to compare"
    )
    code, doc = audit_json(platform, "--countries", "FR,IN", user=HEIR, secret="v" * 32)
    assert code == 3 and doc["parent_problem"] == said
    # Unknown, not guessed: the inherited voice cells say the parent's permissions were not read.
    assert [(c["product"], c["status"]) for c in doc["accounts"][0]["cells"]] == [
        ("sms", "enabled"),
        ("voice", "unknown"),
        ("sms", "enabled"),
        ("voice", "unknown"),
    ]
    code, out, _ = run(platform, "--countries", "FR,IN", user=HEIR, secret="v" * 32)
    assert code == 3 and f"Not compared with the parent: {said}." in " ".join(out.split()), out
    code, doc = audit_json(platform, "--countries", "FR,IN")
    assert doc["parent_problem"] is None  # the main account's credentials read every account


def test_sms_comparison_says_what_it_shows_and_what_it_does_not(platform: Simulator) -> None:
    _, doc = audit_json(platform, "--countries", "FR,DE", "--product", "sms", "--subaccounts", "all")
    by_sid = {a["sid"]: a for a in doc["accounts"]}
    assert by_sid[MAIN]["sms_comparison"] is None
    assert by_sid[OWN]["sms_comparison"].startswith("differs from its parent for FR")
    assert "not proof" in by_sid[TWIN]["sms_comparison"]
    assert cell(doc, OWN, "FR", "sms")["same_as_parent"] is False
    assert cell(doc, TWIN, "FR", "sms")["same_as_parent"] is True


def test_text_and_markdown_say_what_the_sms_comparison_shows_too(platform: Simulator) -> None:
    # JSON, CSV and HTML carried the comparison with the parent; the default text and Markdown said nothing.
    args = ("--countries", "FR,DE", "--product", "sms", "--subaccounts", "all")
    _, out, _ = run(platform, *args)
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("AC")}
    assert rows[OWN].endswith("SMS differs from parent: FR")
    assert rows[TWIN].endswith("SMS same as parent")
    assert "SMS" not in rows[MAIN]
    flat = " ".join(out.split())
    assert "'same as parent' is consistent with inheriting the parent's SMS permissions but is no proof" in flat
    assert "'differs' means the subaccount has SMS permissions of its own there" in flat
    _, md, _ = run(platform, *args, "--format", "markdown")
    row = next(line for line in md.splitlines() if line.startswith(f"| `{OWN}`"))
    assert "off, though its parent has it on: the subaccount has SMS permissions of its own there" in row
    assert "is consistent with inheriting" in md


def test_a_listed_account_that_cannot_be_read_is_not_labelled_main(platform: Simulator) -> None:
    stranger = "AC" + "9" * 32
    code, out, _ = run(platform, "--countries", "FR", "--product", "sms", "--subaccounts", f"{stranger},{OWN}")
    assert code == 3
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("AC")}
    assert "main" not in rows[stranger] and "unknown: HTTP 404" in rows[stranger]
    _, out, _ = run(platform, "--countries", "FR", "--product", "sms")
    assert next(line for line in out.splitlines() if line.startswith(MAIN)).endswith("main")


def test_an_sms_audit_matrix_says_nothing_of_voice(platform: Simulator) -> None:
    # The legend explained voice inheritance and the header had a voice column in an SMS-only audit.
    _, out, _ = run(platform, "--countries", "FR,DE", "--product", "sms", "--subaccounts", "all")
    matrix = out[out.index("Matrix") :]
    assert "voice" not in matrix
    assert all(line == line.rstrip() for line in out.splitlines())
    _, out, _ = run(platform, "--countries", "FR", "--subaccounts", "all")
    assert "voice 'parent': inherited dialing permissions" in out


def test_exit_0_when_every_country_is_usable(platform: Simulator) -> None:
    code, out, _ = run(platform, "--countries", "FR,DE", "--product", "sms")
    assert code == 0
    assert out.splitlines()[0] == "All 1 account can send SMS to FR, DE."


def test_blocked_countries_console_only_and_not_allowed(platform: Simulator) -> None:
    code, doc = audit_json(platform, "--countries", "NG,IR", "--product", "sms,voice")
    assert code == 1
    assert cell(doc, MAIN, "NG", "sms")["status"] == "blocked"
    assert cell(doc, MAIN, "NG", "sms")["reason"] == "console-only"
    assert cell(doc, MAIN, "IR", "sms")["reason"] == "not-allowed"
    assert cell(doc, MAIN, "IR", "voice")["reason"] == "not-allowed"
    assert cell(doc, MAIN, "NG", "voice")["status"] == "disabled"  # voice has no Console-only list
    # The headline says which gaps no API call can close: 'diagnose fix' is not the way for them
    assert doc["headline"] == [
        "1 of 1 account cannot send SMS to NG: only the Console can enable it (messaging high-risk country, 30649)",
        "1 of 1 account cannot call NG",
        "1 of 1 account cannot send SMS to IR: Twilio does not deliver there; no setting enables it",
        "1 of 1 account cannot call IR: Twilio does not deliver there; no setting enables it",
    ]


def test_text_matrix_summary_first_and_hostile_names_made_visible(platform: Simulator) -> None:
    code, out, _ = run(platform, "--countries", "FR,DE,IN", "--subaccounts", "all")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "2 of 4 accounts cannot call IN"
    assert "\x1b" not in out and "=cmd|' /C calc'!A0 \\x1b" in out
    row = next(line for line in lines if line.startswith(OWN))
    assert "-+  +-  ++" in row  # FR: SMS off, voice on; DE: SMS on, voice off; IN both on


def test_text_writes_plurals_as_english_does(platform: Simulator) -> None:
    _, out, _ = run(platform, "--countries", "FR,DE,IN", "--subaccounts", "all")
    assert "Audited 4 accounts (3 subaccounts) for SMS, voice to 3 countries:" in out
    assert "Not audited: 1 closed subaccount (they cannot send or call)." in out
    _, out, _ = run(platform, "--countries", "FR")
    assert "Audited 1 account (0 subaccounts) for SMS, voice to 1 country:" in out
    assert "(s)" not in out


def test_many_accounts_matrix_lists_the_accounts_that_differ_not_a_gap_every_account_has() -> None:
    # 'diagnose audit --countries FR,…,NG,IR --subaccounts all' over 2,000 tenants listed 1,981 rows: IR is
    # blocked everywhere, so every account had a gap, and the dozens with a gap of their own were lost in them
    scenario = generate_scenario(60, ["FR", "IR"], seed=5, sms_gap_rate=0.1, voice_gap_rate=0.1, inactive_rate=0)
    with Simulator(load_scenario(scenario), port=0) as sim:
        main_sid, token = scenario["accounts"][0]["sid"], scenario["accounts"][0]["auth_token"]
        _, doc = audit_json(sim, "--countries", "FR,IR", "--subaccounts", "all", user=main_sid, secret=token)
        _, out, _ = run(sim, "--countries", "FR,IR", "--subaccounts", "all", user=main_sid, secret=token)
        _, problems, _ = run(sim, "--countries", "FR,IR", "--subaccounts", "all", "--rows", "problems", user=main_sid,
                             secret=token)  # fmt: skip
        _, markdown, _ = run(sim, "--countries", "FR,IR", "--subaccounts", "all", "--format", "markdown",
                             user=main_sid, secret=token)  # fmt: skip
        _, page, _ = run(sim, "--countries", "FR,IR", "--subaccounts", "all", "--format", "html",
                         user=main_sid, secret=token)  # fmt: skip
    differ = [
        a["sid"] for a in doc["accounts"] if any(c["status"] != "enabled" for c in a["cells"] if c["country"] == "FR")
    ]
    assert 0 < len(differ) < 61 and doc["summary"]["gaps"] == 61
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("AC")]
    assert listed == differ
    note = (
        f"({61 - len(differ)} accounts whose only gaps are those every account has (IR SMS, IR voice: see the totals) "
        "not listed; --rows problems or --rows all lists them.)"
    )
    assert note in out.splitlines()
    assert len([line for line in problems.splitlines() if line.startswith("AC")]) == 61
    # HTML: the table of accounts with a gap holds those, the others are folded under what they share
    import re

    def table(name: str) -> list[str]:
        body = re.search(f'<table class="matrix" id="{name}">(.*?)</table>', page, re.S)
        return re.findall(r'<td class="sid">(AC\w+)</td>', body.group(1)) if body else []

    assert table("problems") == differ and len(table("alike")) == 61 - len(differ)
    assert "<summary>Accounts whose only gaps are those every account has (IR SMS, IR voice: see the totals)" in page
    # Markdown (a CI job summary, 500 rows at most) says such a gap once, not once per account
    table = [line for line in markdown.splitlines() if "| IR | SMS |" in line or "| IR | voice |" in line]
    assert table == [
        "| every account (61) |  | IR | SMS | blocked | Twilio does not deliver there; no setting enables it |",
        "| every account (61) |  | IR | voice | blocked | Twilio does not deliver there; no setting enables it |",
    ]
    assert sum(line.count("| FR |") for line in markdown.splitlines() if line.startswith("| `AC")) == len(
        [c for a in doc["accounts"] for c in a["cells"] if c["country"] == "FR" and c["status"] != "enabled"]
    )


def test_json_escapes_control_characters_and_keeps_the_names(platform: Simulator) -> None:
    _, out, _ = run(platform, "--countries", "FR", "--subaccounts", "all", "--format", "json")
    assert not CONTROL.search(out), [hex(ord(c)) for c in CONTROL.findall(out)]
    names = {a["friendly_name"] for a in json.loads(out)["accounts"]}
    assert "=cmd|' /C calc'!A0 \x1b[31mred\u202eder" in names  # the same string, escaped only on the wire


def test_csv_one_row_per_cell_and_no_formula(platform: Simulator) -> None:
    _, out, _ = run(platform, "--countries", "FR,DE", "--subaccounts", "all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4 * 2 * 2
    own = [r for r in rows if r["account_sid"] == OWN]
    assert all(r["friendly_name"].startswith("'=") for r in own)
    assert {(r["country"], r["product"], r["status"]) for r in own} >= {("FR", "sms", "disabled")}


def test_html_is_one_self_contained_page(platform: Simulator, tmp_path: Any) -> None:
    out = tmp_path / "audit.html"
    code, stdout, _ = run(
        platform, "--countries", "FR,DE,IN", "--subaccounts", "all", "--format", "html", "--out", str(out)
    )
    assert code == 1 and stdout == ""
    html = out.read_text()
    assert html.startswith("<!doctype html>")
    assert "<script" not in html and "src=" not in html and "href=" not in html  # nothing external
    assert "\x1b" not in html and "&lt;" not in html.split("<style>")[0]


def test_countries_file_yaml_and_csv(platform: Simulator, tmp_path: Any) -> None:
    listing = tmp_path / "destinations.csv"
    listing.write_text("Country,Sender\nFrance,+33\nde,+49\n")
    code, doc = audit_json(platform, "--countries-file", str(listing), "--product", "sms")
    assert doc["countries"] == ["FR", "DE"] and code == 0
    yml = tmp_path / "destinations.yaml"
    yml.write_text("countries:\n  - iso: IN\n  - {iso: FR}\n")
    code, doc = audit_json(platform, "--countries-file", str(yml), "--countries", "DE", "--product", "sms")
    assert doc["countries"] == ["DE", "IN", "FR"]


def test_bad_input_exits_2_before_any_request(platform: Simulator) -> None:
    for args in (
        ["--countries", "FR,Atlantis"],
        ["--countries", "FR", "--product", "fax"],
        ["--countries", "FR", "--subaccounts", "AC123"],
        [],
        ["--countries-file", "/nonexistent/list.csv"],
    ):
        code, _, err = run(platform, *args)
        assert code == 2, args
        assert err.startswith("diagnose: error:")
    assert platform.requests == []


def test_voice_is_one_list_read_per_account_with_every_range() -> None:
    """One ``DialingPermissions/Countries`` read per account with its own permissions, none for one that
    inherits, no per-country read; a country whose low-risk numbers are off still shows its high-risk
    toggles, and CA is read from Twilio's "United States/Canada" entry (US)."""
    own, heir = "AC" + "7" * 32, "AC" + "8" * 32
    data: dict[str, Any] = {
        "accounts": [
            {
                "sid": MAIN,
                "auth_token": "t" * 32,
                "voice_dialing_permissions": {"US": {"low_risk": True}, "FR": {"low_risk": True}},
            },
            {
                "sid": own,
                "auth_token": "u" * 32,
                "parent": MAIN,
                "voice_settings": {"dialing_permissions_inheritance": False},
                "voice_dialing_permissions": {
                    "FR": {"low_risk": False, "high_risk_special": True, "high_risk_tollfraud": True},
                    "US": {"low_risk": True, "high_risk_tollfraud": True},
                },
            },
            {
                "sid": heir,
                "auth_token": "v" * 32,
                "parent": MAIN,
                "voice_settings": {"dialing_permissions_inheritance": True},
            },
        ]
    }
    with Simulator(load_scenario(data), port=0) as sim:
        code, doc = audit_json(sim, "--countries", "FR,CA,DE", "--product", "voice", "--subaccounts", "all")
        lists = [r["account"] for r in sim.requests if r["path"] == "/v1/DialingPermissions/Countries"]
        singles = [r for r in sim.requests if r["path"].startswith("/v1/DialingPermissions/Countries/")]
    assert code == 1
    assert sorted(lists) == sorted([MAIN, own]) and singles == []
    assert cell(doc, own, "FR", "voice")["status"] == "disabled"
    assert cell(doc, own, "FR", "voice")["ranges"] == {
        "low_risk": False,
        "high_risk_special": True,
        "high_risk_tollfraud": True,
    }
    assert cell(doc, own, "CA", "voice")["ranges"] == {
        "low_risk": True,
        "high_risk_special": False,
        "high_risk_tollfraud": True,
    }
    assert (cell(doc, heir, "CA", "voice")["status"], cell(doc, heir, "CA", "voice")["source"]) == ("enabled", "parent")
    assert cell(doc, MAIN, "DE", "voice")["status"] == "disabled"


# --- faults -------------------------------------------------------------------------


def test_a_failing_account_is_unknown_and_the_others_are_audited(platform: Simulator) -> None:
    platform.add_fault(f"GET ^/2010-04-01/Accounts/{OWN}\\.json$", status=403)
    code, doc = audit_json(platform, "--countries", "FR", "--subaccounts", f"{OWN},{TWIN}")
    assert code == 3 and doc["complete"] is False
    own, twin = doc["accounts"]
    assert own["verdict"] == "unknown" and "403" in own["problem"]
    assert {c["status"] for c in own["cells"]} == {"unknown"}
    assert twin["verdict"] == "usable"


def test_unknown_wins_over_gaps_and_says_so_in_text(platform: Simulator) -> None:
    platform.add_fault("GET /v1/Settings", status=403)
    code, out, _ = run(platform, "--countries", "FR,DE", "--subaccounts", "all", "--product", "voice")
    assert code == 3
    assert "could not be fully audited" in out or "Incomplete" in out


def test_429_is_retried_honouring_retry_after(platform: Simulator) -> None:
    fault = platform.add_fault("GET /v1/Messaging/GeoPermissions", status=429, retry_after=0, times=2)
    code, _ = audit_json(platform, "--countries", "FR", "--product", "sms")
    assert code == 0 and fault.hits == 2
    statuses = [r["status"] for r in platform.requests if r["path"] == "/v1/Messaging/GeoPermissions"]
    assert statuses == [429, 429, 200]


def test_rate_fault_hits_an_even_share() -> None:
    fault = Fault("GET /x", status=429, rate=0.25)
    picked = [fault.sampled() for _ in range(100)]
    assert sum(picked) == 25 and picked[:4] == [False, False, False, True]
    with pytest.raises(ValueError):
        Fault("GET /x", status=429, rate=0)


def test_standard_api_key_audits_its_own_account_and_says_it_cannot_list(platform: Simulator) -> None:
    code, doc = audit_json(platform, "--countries", "FR", "--product", "sms", user=KEY, secret="s" * 32)
    assert code == 3 and doc["scope_problem"] and doc["accounts"][0]["verdict"] == "usable"


# --- scale: paging, bounded concurrency, order ---------------------------------------


def test_paging_bounded_concurrency_and_listing_order() -> None:
    scenario = load_scenario(generate_scenario(23, ("FR", "DE"), seed=3, inactive_rate=0))
    main_account = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(15)
        creds = Credentials(main_account.sid, main_account.sid, main_account.auth_token)
        with TwilioAccess(creds, api_url=sim.url, max_workers=3, page_size=5) as access:
            # SMS only: at 5 per page, every voice country list would be 49 pages per account.
            auditor = Auditor(access, ("FR", "DE"), ("sms",), concurrency=3)
            seen: list[AccountAudit] = []
            info = auditor.run("all", seen.append)
            assert not info.interrupted and info.scope_problem is None
            assert len(access._clients) <= 1 + 2 * 3  # finished subaccounts' clients are dropped
        assert [a.sid for a in seen] == [a.sid for a in scenario.accounts]
        assert sim.count("GET", "/2010-04-01/Accounts.json") == 5  # 24 accounts, 5 per page
        # three workers, plus the main thread reading the next page of accounts
        assert sim.max_in_flight() <= 3 + 1


def test_an_account_held_up_does_not_hold_up_the_others() -> None:
    """The first account's Account read is held up (like a long Retry-After): the other worker goes on
    through the accounts after it, well past the pool's size, and the report keeps the listing order."""
    scenario = load_scenario(generate_scenario(30, ("FR",), seed=8, inactive_rate=0))
    main_account, first, *rest = scenario.accounts
    with Simulator(scenario, port=0) as sim:
        sim.add_fault(f"GET ^/2010-04-01/Accounts/{first.sid}\\.json$", delay_ms=3000, times=1)
        sids = ",".join(a.sid for a in (first, *rest))
        code, doc = audit_json(
            sim, "--countries", "FR", "--product", "sms", "--subaccounts", sids, "--concurrency", "2",
            user=main_account.sid, secret=main_account.auth_token,
        )  # fmt: skip
        held = next(r for r in sim.requests if r["path"] == f"/2010-04-01/Accounts/{first.sid}.json")
        during = [r for r in sim.requests if r["path"] == "/v1/Messaging/GeoPermissions" and r["end"] < held["end"]]
    assert code in (0, 1)
    assert [a["sid"] for a in doc["accounts"]] == [a.sid for a in (first, *rest)]
    # Before, at most 2 x 2 accounts could be listed ahead of the one held up; now 8 x 2.
    assert len(during) > 2 * 2


def test_generated_scenario_is_deterministic_and_loads_from_yaml() -> None:
    assert generate_scenario(40, seed=5) == generate_scenario(40, seed=5)
    assert generate_scenario(40, seed=5) != generate_scenario(40, seed=6)
    scenario = load_scenario("generate:\n  subaccounts: 12\n  countries: [FR, DE]\n  seed: 2\n")
    assert len(scenario.accounts) == 13
    with pytest.raises(InputError, match="generate"):
        load_scenario("generate:\n  subaccount: 12\n")


# --- pure parts -------------------------------------------------------------------------


def test_cell_classification() -> None:
    assert sms_cell("FR", True, high_risk=False, not_allowed=False).status == "enabled"
    assert sms_cell("NG", True, high_risk=True, not_allowed=False).status == "enabled"
    assert sms_cell("NG", False, high_risk=True, not_allowed=False).reason == "console-only"
    assert sms_cell("IR", True, high_risk=False, not_allowed=True).reason == "not-allowed"
    assert sms_cell("FR", None, high_risk=False, not_allowed=False).status == "unknown"
    on, off = VoiceRanges(True, False, False), VoiceRanges(False, False, False)
    assert voice_cell("FR", off, not_allowed=False, is_subaccount=True, inheritance=True, parent=on).status == "enabled"
    assert voice_cell("FR", on, not_allowed=False, is_subaccount=True, inheritance=False, parent=off).source == "own"
    # inheritance unread: known only when own and parent agree
    assert voice_cell("FR", on, not_allowed=False, is_subaccount=True, inheritance=None, parent=on).status == "enabled"
    assert voice_cell("FR", on, not_allowed=False, is_subaccount=True, inheritance=None, parent=off).status == "unknown"


def test_headlines_answer_first() -> None:
    tally = Tally(("FR", "DE"), ("sms",))
    for i in range(5):
        status = "disabled" if i < 2 else "enabled"
        tally.add(AccountAudit(f"AC{i}", parent="ACp", cells=(Cell("FR", "sms", status), Cell("DE", "sms", "enabled"))))
    assert headlines(tally) == ["2 of 5 subaccounts cannot send SMS to FR"]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("- FR\n- DE\n", "a.yaml", ("FR", "DE")),
        ("FR: {sender: x}\nDE: {}\n", "a.yaml", ("FR", "DE")),
        ("countries: [in, France]\n", "a.yml", ("IN", "FR")),
        ("- NO\n- SE\n", "a.yaml", ("NO", "SE")),  # YAML 1.1 reads NO as false
        ("iso;name\nFR;France\n# comment\nDE;Germany\n", "a.csv", ("FR", "DE")),
        ("FR\nDE\n\nIN\n", "list.txt", ("FR", "DE", "IN")),
        ("destination,volume\nUnited Kingdom,12\n", "a.csv", ("GB",)),
    ],
)
def test_countries_file_shapes(text: str, name: str, expected: tuple[str, ...]) -> None:
    assert parse_countries_file(text, name) == expected


def test_countries_file_errors_name_the_line() -> None:
    with pytest.raises(InputError, match=r"a\.csv:3"):
        parse_countries_file("country\nFR\nNarnia\n", "a.csv")
    with pytest.raises(InputError, match="no country"):
        parse_countries_file("", "a.yaml")


def test_a_countries_file_with_no_country_column_says_which_columns_it_reads(
    platform: Simulator, tmp_path: Any
) -> None:
    listed = "country, iso, iso_code, code, country_code, iso2, alpha2, alpha_2 or destination"
    path = tmp_path / "tenants.csv"
    path.write_text("name,region\nFrance,EU\n")
    code, out, err = run(platform, "--countries-file", str(path))
    assert (code, out) == (2, "")
    assert "tenants.csv:1: no country column: the first row has 'name', 'region'." in err
    assert listed in err and "'name' is not a country" not in err
    with pytest.raises(InputError, match=r"'Countries' is not a country .*nor a header naming the column"):
        parse_countries_file("Countries\nFR\n", "a.csv")
    with pytest.raises(InputError, match=f"item 1: no key naming the country \\(expected {listed}\\)"):
        parse_countries_file("- name: France\n", "a.yaml")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["x.yaml", "x.csv", "x.txt"]))
def test_countries_file_parser_never_fails_otherwise(text: str, name: str) -> None:
    try:
        result = parse_countries_file(text, name)
    except InputError:
        return
    assert result and all(len(iso) == 2 and iso.isupper() for iso in result)


@given(st.lists(st.sampled_from(["FR", "de", "In", "GB", "france", "Germany"]), min_size=1, max_size=8))
def test_parse_countries_dedupes_and_keeps_order(items: list[str]) -> None:
    result = parse_countries(",".join(items))
    assert len(result) == len(set(result))
    assert result[0] == parse_countries(items[0])[0]


def test_parse_products() -> None:
    assert parse_products("voice,sms") == ("sms", "voice")
    assert parse_products("messaging") == ("sms",)
    with pytest.raises(InputError):
        parse_products(",")


# --- Ctrl-C and the browser ---------------------------------------------------------------


def test_ctrl_c_prints_what_was_audited_so_far(tmp_path: Any) -> None:
    scenario = load_scenario(generate_scenario(80, ("FR",), seed=9, inactive_rate=0))
    main_account = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(80)
        args = ["audit", "--countries", "FR", "--subaccounts", "all", "--format", "json", "--concurrency", "2"]
        code, out, err = interrupt(
            sim, main_account, args, lambda: sim.count("GET", "/v1/Messaging/GeoPermissions") >= 6
        )
    assert code == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] is True and doc["complete"] is False
    assert 1 <= len(doc["accounts"]) < 81
    assert [a["sid"] for a in doc["accounts"]] == [a.sid for a in scenario.accounts[: len(doc["accounts"])]]


def test_html_renders_in_headless_chromium(platform: Simulator, tmp_path: Any) -> None:
    from html.parser import HTMLParser

    page = tmp_path / "audit.html"
    code, _, _ = run(
        platform, "--countries", "FR,DE,IN", "--subaccounts", "all", "--format", "html", "--out", str(page)
    )
    assert code == 1
    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri())

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.classes: list[str] = []
            self.rows: dict[str, int] = {}
            self.verdict = ""
            self._table = ""
            self._in_verdict = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "table":
                self._table = found.get("id") or ""
            if tag == "tr" and "data-verdict" in found:
                self.rows[self._table] = self.rows.get(self._table, 0) + 1
            if tag == "span" and (found.get("class") or "").startswith("s-") and self._table in ("problems", "usable"):
                self.classes.append(found["class"] or "")
            if tag == "section" and found.get("id") == "verdict":
                self._in_verdict = True

        def handle_endtag(self, tag: str) -> None:
            if tag == "section":
                self._in_verdict = False

        def handle_data(self, data: str) -> None:
            if self._in_verdict:
                self.verdict += data

    parsed = Cells()
    parsed.feed(dom)
    assert "2 of 4 accounts cannot call IN" in parsed.verdict
    assert parsed.rows == {"problems": 3, "usable": 1}
    assert parsed.classes.count("s-disabled") == 4 and len(parsed.classes) == 4 * 3 * 2
    shot = tmp_path / "audit.png"
    run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", "--hide-scrollbars", page.as_uri())
    width, height, colours = png_size_and_colours(shot)
    assert (width, height) == (1200, 900)
    assert colours > 20  # a coloured page, not a blank one


def test_sms_inheriting_subaccount_whose_parent_lacks_the_country() -> None:
    heir = "AC" + "7" * 32
    scenario = {
        "accounts": [
            {"sid": MAIN, "auth_token": "t" * 32, "messaging_geo_permissions": {"FR": True, "ES": False}},
            {
                "sid": heir,
                "auth_token": "y" * 32,
                "parent": MAIN,
                "messaging_settings": {"geo_permissions_inheritance": True},
                "messaging_geo_permissions": {"FR": True, "ES": True},  # stored, not in effect
            },
        ]
    }
    with Simulator(load_scenario(scenario), port=0) as sim:
        code, doc = audit_json(sim, "--countries", "FR,ES", "--product", "sms", "--subaccounts", heir)
    assert code == 1
    assert cell(doc, heir, "ES", "sms")["status"] == "disabled"
    assert cell(doc, heir, "ES", "sms")["same_as_parent"] is True
    comparison = doc["accounts"][0]["sms_comparison"]
    assert "consistent with inheriting" in comparison and "not proof" in comparison


def test_generated_scenario_can_have_sms_inheriting_subaccounts() -> None:
    data = generate_scenario(50, ("FR",), seed=8, sms_inherit_rate=0.5)
    heirs = [a for a in data["accounts"] if a.get("messaging_settings")]
    assert 10 < len(heirs) < 40
    assert generate_scenario(50, ("FR",), seed=8) == generate_scenario(50, ("FR",), seed=8, sms_inherit_rate=0.0)


_STATUS = st.sampled_from(["enabled", "disabled", "blocked", "unknown"])


@st.composite
def _accounts(draw: Any) -> list[AccountAudit]:
    countries = ("FR", "DE")
    out = []
    for i in range(draw(st.integers(0, 6))):
        cells = []
        for iso in countries:
            for product in ("sms", "voice"):
                ranges = draw(st.none() | st.builds(VoiceRanges, st.booleans(), st.booleans(), st.booleans()))
                cells.append(Cell(iso, product, draw(_STATUS), draw(st.none() | st.text(max_size=5)), ranges=ranges))
        out.append(AccountAudit(f"AC{i:032x}", parent=draw(st.none() | st.just("AC" + "0" * 32)), cells=tuple(cells)))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_accounts())
def test_tally_invariants_and_json_round_trip(accounts: list[AccountAudit]) -> None:
    tally = Tally(("FR", "DE"), ("sms", "voice"))
    for account in accounts:
        tally.add(account)
        assert AccountAudit.from_dict(json.loads(json.dumps(account.as_dict()))) == account
    assert sum(tally.verdicts.values()) == tally.accounts == len(accounts)
    for counts in tally.cells.values():
        assert sum(counts.values()) == len(accounts)
    lines = headlines(tally)
    assert lines and all(isinstance(line, str) and line for line in lines)
    if tally.verdicts["gaps"]:
        assert "cannot" in lines[0]
    elif accounts and not tally.verdicts["unknown"]:
        assert lines[0].startswith("All ")


def test_progress_goes_to_stderr_on_a_terminal_only(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    scenario = load_scenario(generate_scenario(30, ("FR",), seed=11, inactive_rate=0))
    main_account = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        sim.set_latency(20)
        env = {
            **os.environ,
            "NO_COLOR": "1",
            "TERM": "xterm",
            "TWILIO_ACCOUNT_SID": main_account.sid,
            "TWILIO_AUTH_TOKEN": main_account.auth_token,
            "DIAGNOSE_API_URL": sim.url,
        }
        args = ["audit", "--countries", "FR", "--subaccounts", "all", "--concurrency", "2", "--format", "json"]
        leader, follower = open_terminal()
        proc = subprocess.Popen(
            [sys.executable, "-m", "diagnose", *args], env=env, stdout=subprocess.PIPE, stderr=follower
        )
        os.close(follower)
        seen = read_terminal(leader, proc)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode in (0, 1)
    assert b"\r" in seen and b"31" in seen  # redrawn in place, counting up to the 31 accounts
    assert b"\r" not in out and json.loads(out)["summary"]["accounts"] == 31


def test_an_account_list_that_cannot_be_read_makes_the_audit_incomplete(platform: Simulator) -> None:
    platform.add_fault("GET ^/2010-04-01/Accounts\\.json$", status=403)
    code, doc = audit_json(platform, "--countries", "FR", "--product", "sms", "--subaccounts", "all")
    assert code == 3 and doc["complete"] is False
    assert "list of subaccounts" in doc["scope_problem"] and "403" in doc["scope_problem"]
    assert [a["sid"] for a in doc["accounts"]] == [MAIN]  # what could be read is still reported
    code, out, _ = run(platform, "--countries", "FR", "--product", "sms", "--subaccounts", "all")
    assert code == 3 and "Incomplete: the list of subaccounts could not be read" in out


def test_a_country_whose_whole_code_is_blocked_is_blocked_not_disabled(demo_sim: Simulator) -> None:
    """North Korea (+850) is blocked by prefix: no permission opens it. Russia keeps its own status (Crimea aside)."""
    main_sid = demo_sim.sample("missing-country")[2][0]
    code, out, _ = run(demo_sim, "--countries", "KP,RU", "--format", "json", user=main_sid,
                       secret=demo_sim.accounts[main_sid]["auth_token"])  # fmt: skip
    doc = json.loads(out)
    assert code == 1
    assert {(g["country"], g["product"], g["status"], g["reason"]) for g in doc["gaps"] if g["country"] == "KP"} == {
        ("KP", "sms", "blocked", "blocked-prefix"),
        ("KP", "voice", "blocked", "blocked-prefix"),
    }
    assert all(g["reason"] != "blocked-prefix" for g in doc["gaps"] if g["country"] == "RU")
