"""``diagnose scan`` end to end against the simulator: grouping, deduplication, diagnosis, ranking, faults."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.errors import InputError
from diagnose.scan import describe_window, parse_since, parse_time
from diagnose.simulator import Simulator, load_scenario

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
            # DE is enabled now: these failures stopped when it was enabled.
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


def test_text_answers_first(world: Simulator) -> None:
    code, out, _ = scan(world, "--subaccounts", "all")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("12 geo-permission failures in the last 7 days")
    assert f"  1. enable FR SMS on {OWN} → fixes 6 failures in the last 7 days" in lines


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
