"""A pasted error that names its message or call is diagnosed, online, from that resource, as ``diagnose SM…`` is.

Before, the paste's SID was shown and never read: the error was diagnosed on the account the text named, else on
the credentials' own, so a message a subaccount sent (the SID names it; the text does not) was confirmed as the
parent's ``missing-country`` where ``diagnose SM…`` confirms ``subaccount-mismatch``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV

CASES = sorted(load_scenario(DEMO_SCENARIO).cases)


def run(args: list[str], stdin: str | None = None, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def demo() -> Iterator[Simulator]:
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


def _env(demo: Simulator, case: str = CASES[0]) -> dict[str, str]:
    _sid, _owner, (account, token) = demo.sample(case)
    return {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo.url}


def _pastes(sid: str, code: int, to: str) -> list[str]:
    resource = "CallSid" if sid.startswith("CA") else "MessageSid"
    state = "CallStatus" if sid.startswith("CA") else "MessageStatus"
    return [
        f"2026-11-30T10:00:00Z ERROR twilio send failed: error {code} for {to} ({sid})",
        f"POST /hooks/status {resource}={sid}&{state}=failed&ErrorCode={code}&To={quote(to)}",
    ]


@pytest.mark.parametrize("case", CASES)
def test_a_paste_naming_a_sid_is_diagnosed_as_the_sid_is(demo: Simulator, case: str) -> None:
    sid, owner, _ = demo.sample(case)
    env = _env(demo, case)
    status, out = run([sid, "--format", "json"], env=env)
    (want,) = json.loads(out)["diagnoses"]
    code = want["evidence"]["code"] or 21408
    to = want["evidence"]["to"] or "+33612345678"
    for paste in _pastes(sid, code, to):
        got_status, out = run(["-", "--format", "json"], stdin=paste + "\n", env=env)
        (got,) = json.loads(out)["diagnoses"]
        assert got_status == status, paste
        assert (got["verdict"], got["cause"]) == (want["verdict"], want["cause"]), paste
        assert got["evidence"]["account_sid"] == want["evidence"]["account_sid"] == owner
        assert got["evidence"]["to"] == want["evidence"]["to"]
        assert got["evidence"]["line"] == 1 and sid in got["evidence"]["excerpt"]
        assert any(n.startswith(f"Read from Twilio: {sid}") for n in got["notes"]), got["notes"]
        said = [n for n in got["notes"] if n.startswith("The pasted error says")]
        assert bool(said) == (want["evidence"]["code"] is None), said  # a delivered message: the record's


def test_offline_still_reads_nothing_and_lists_what_online_confirms(demo: Simulator) -> None:
    sid, owner, _ = demo.sample("subaccount-mismatch")
    _, out = run([sid, "--format", "json"], env=_env(demo))
    to = json.loads(out)["diagnoses"][0]["evidence"]["to"]
    paste = _pastes(sid, 21408, to)[0]
    _, out = run(["-", "--format", "json", "--offline"], stdin=paste, env=_env(demo))
    (offline,) = json.loads(out)["diagnoses"]
    assert offline["evidence"]["kind"] == "paste" and offline["evidence"]["message_sid"] == sid
    assert {c["id"]: c["status"] for c in offline["causes"]}["subaccount-mismatch"] == "possible"
    _, out = run(["-", "--format", "json"], stdin=paste, env=_env(demo))
    (online,) = json.loads(out)["diagnoses"]
    assert (online["cause"], online["evidence"]["kind"], online["evidence"]["account_sid"]) == (
        "subaccount-mismatch",
        "message",
        owner,
    )


def test_a_sid_no_account_holds_is_diagnosed_from_the_text_and_says_so(demo: Simulator) -> None:
    missing = "SM" + "0" * 31 + "9"
    paste = f"ERROR sms failed: error 21408 for +33612345678 ({missing})"
    status, out = run(["-", "--format", "json"], stdin=paste, env=_env(demo))
    (d,) = json.loads(out)["diagnoses"]
    assert d["evidence"]["kind"] == "paste" and d["evidence"]["to"] == "+33612345678"
    assert d["verdict"] != "unavailable" and status in (0, 1)
    (note,) = [n for n in d["notes"] if n.startswith(missing)]
    assert "was not read" in note and "diagnosed from the text" in note


def test_a_group_takes_its_first_errors_account_and_says_so(demo: Simulator, tmp_path: Path) -> None:
    sid, owner, _ = demo.sample("subaccount-mismatch")
    _, out = run([sid, "--format", "json"], env=_env(demo))
    to = json.loads(out)["diagnoses"][0]["evidence"]["to"]
    log = tmp_path / "app.log"
    log.write_text(
        f"2026-11-30T10:00:00Z ERROR sms failed: error 21408 for {to} ({sid})\n"
        + "".join(f"2026-11-30T10:00:0{i}Z ERROR sms failed: error 21408 for {to}\n" for i in range(1, 4))
    )
    _, out = run(["triage", str(log), "--format", "json"], env=_env(demo))
    (group,) = json.loads(out)["groups"]
    d = group["diagnosis"]
    assert group["count"] == 4 and d["cause"] == "subaccount-mismatch"
    assert d["evidence"]["account_sid"] == owner and d["evidence"]["count"] == 4
    assert any("The 3 other errors of this group name no account" in n for n in d["notes"])
