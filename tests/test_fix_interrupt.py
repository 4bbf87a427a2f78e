"""``diagnose fix --apply`` ended while a change is in flight: its audit log still says the change was tried.

A real process against the simulator, which holds the write (a fault's ``delay_ms``) while the test
looks at the log and presses Ctrl-C until the process is gone. No timing: the test acts on what the
simulator is doing (``Simulator.handling``).
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagnose.cli.audit_log import read_changes
from diagnose.simulator import Simulator, load_scenario
from diagnose.simulator._generate import generate_scenario
from tests.interrupt import ctrl_c_until_gone, start

GEO = "/v1/Messaging/GeoPermissions"


def _scenario() -> tuple[Any, Any, Any]:
    """A parent and one subaccount that lacks FR for SMS."""
    scenario = load_scenario(generate_scenario(1, ("FR",), seed=5, inactive_rate=0, sms_gap_rate=1.0, inherit_rate=0))
    return scenario, scenario.accounts[0], scenario.accounts[1]


def _until(ready: Callable[[], bool], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.02)


def _held(sim: Simulator, log: Path, proc: Any) -> dict[str, Any]:
    """Once the simulator holds the write: the log's one change, read while the request is in flight."""
    _until(lambda: sim.handling("PATCH", GEO) >= 1 or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    (held,) = read_changes(log)  # on disk before the request left
    return held


def _args(log: Path) -> list[str]:
    return ["fix", "--country", "FR", "--product", "sms", "--subaccounts", "all", "--apply", "--yes",
            "--audit-log", str(log)]  # fmt: skip


def test_a_change_in_flight_when_ctrl_c_ends_the_process_reads_outcome_unknown(tmp_path: Path) -> None:
    scenario, main, sub = _scenario()
    log = tmp_path / "audit.jsonl"
    with Simulator(scenario, port=0) as sim:
        sim.add_fault(f"PATCH {GEO}", delay_ms=30_000, times=1)
        proc = start(sim, main, _args(log))
        try:
            held = _held(sim, log, proc)
            # Ctrl-C, again, and a third time while the process waits for the write at exit: it ends
            code, out, err = ctrl_c_until_gone(proc)
        finally:
            proc.kill()
    assert (held["event"], held["outcome"]) == ("attempt", "unknown")
    assert (held["account"], held["country"], held["product"]) == (sub.sid, "FR", "sms")
    assert held["action"] == "enable-messaging-country" and held["before"] == {"enabled": False}
    assert held["who"]["credential"] == main.sid and main.auth_token not in log.read_text()
    assert code in (130, -signal.SIGINT), out + err
    # the change's last word is still "unknown": nothing claims it was made, or not
    assert read_changes(log) == [held]
    assert [json.loads(line)["event"] for line in log.read_text().splitlines()] == ["attempt"]


def test_kill_9_while_a_change_is_in_flight_leaves_it_unknown(tmp_path: Path) -> None:
    scenario, main, _ = _scenario()
    log = tmp_path / "audit.jsonl"
    with Simulator(scenario, port=0) as sim:
        sim.add_fault(f"PATCH {GEO}", delay_ms=30_000, times=1)
        proc = start(sim, main, _args(log))
        try:
            held = _held(sim, log, proc)
            proc.kill()
            proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert read_changes(log) == [held] and held["outcome"] == "unknown"


def test_each_change_sent_is_logged_as_tried_then_as_answered(tmp_path: Path) -> None:
    scenario, main, sub = _scenario()
    log = tmp_path / "audit.jsonl"
    with Simulator(scenario, port=0) as sim:
        proc = start(sim, main, _args(log))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        assert sim.state.messaging_enabled(sub.sid, "FR") is True
    attempt, result = (json.loads(line) for line in log.read_text().splitlines())
    assert (attempt["event"], attempt["outcome"], result["event"], result["outcome"]) == (
        "attempt", "unknown", "result", "done",
    )  # fmt: skip
    assert attempt["change"] == result["change"] and attempt["account"] == result["account"] == sub.sid
    assert (result["before"], result["after"], result["verified"]) == ({"enabled": False}, {"enabled": True}, True)
    assert read_changes(log) == [result]


def test_a_log_of_the_version_before_reads_as_changes_done(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    old = {"time": "2026-11-30T18:00:00Z", "account": "AC" + "1" * 32, "country": "FR", "verified": True}
    log.write_text(json.dumps(old) + "\n" + '{"time": "2026-11-30T18:01:00Z", "event": "attempt", "cha')
    assert read_changes(log) == [{**old, "event": "result", "outcome": "done"}]  # a torn last line is skipped
