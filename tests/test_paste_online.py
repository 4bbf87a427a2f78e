"""The online path of pasted errors (`diagnose -` and `diagnose triage` with credentials), as a support
engineer uses it: against the simulator (a real HTTP server on 127.0.0.1) and the real `twilio` client.

* Every corpus sample with a code and a To agrees offline and online: the cause the simulator's state
  confirms is one the offline run listed as possible, never one it ruled out.
* Reads are shared across errors, counted where they arrive: at the server.
* What the credentials cannot read, a server that fails, hangs or answers what is not JSON: a report
  that states why (or, when nothing at all could be read, one line), a documented exit code, no
  traceback, no secret.
"""

from __future__ import annotations

import collections
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.countries import parse_destination
from diagnose.paste import extract
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))

# The demo scenario (docs/simulator.md): Acme Corp, and two of its subaccounts, Acme Support (its own SMS
# list) and Acme Sandbox (inherits Acme Corp's).
PARENT, PARENT_TOKEN = "AC827b9cd0b030dcac3e225df5797efde0", "d836620b9e1ecfc6bed9d6bd980ace58"
SUPPORT, SUPPORT_TOKEN = "AC15bf105506e1d44cb84ba12ca58143a1", "ed3c838f9a59ad3fe8f4fd20ae077828"
SANDBOX = "AC9443be59ab005b28d706163ac4ebacca"
NOWHERE = "AC" + "1234567890abcdef" * 2  # an account no credentials of the scenario reach
SECRETS = (PARENT_TOKEN, SUPPORT_TOKEN, "d41c135df8972b9d32dab4b3aba3aa72", "5f0e7a9c3b2d4e6f8a1b0c9d8e7f6a5b")


def run(args: list[str], stdin: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The command in process; an exception other than exit is a failure (a traceback the user would see)."""
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def online(url: str, account: str = PARENT, token: str = PARENT_TOKEN) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": url}


def diagnoses(command: str, out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    return data["diagnoses"] if command == "-" else [g["diagnosis"] for g in data["groups"]]


# --- offline and online agree, over the corpus -----------------------------------------------------

MAIN, MAIN_TOKEN = "AC" + "a" * 32, "f" * 32


def _seeded(text: str, state: str) -> dict[str, Any]:
    """A scenario where the cause holds for every error of the paste: its destinations ``disabled``
    everywhere, ``enabled`` now, or enabled on the parent only (``parent-only``: each account the paste
    names is a subaccount with a list of its own, voice inheritance off)."""
    countries = {parse_destination(e.to).country for e in extract(text) if e.to} - {None, "US"}
    parent_on = state in ("enabled", "parent-only")
    sub_on = state == "enabled"
    main_account = {
        "sid": MAIN,
        "auth_token": MAIN_TOKEN,
        "messaging_geo_permissions": {iso: parent_on for iso in sorted(countries)},  # type: ignore[type-var]
        "voice_dialing_permissions": {iso: {"low_risk": parent_on} for iso in sorted(countries)},  # type: ignore[type-var]
    }
    named = dict.fromkeys(e.account_sid for e in extract(text) if e.account_sid and e.account_sid != MAIN)
    subs = [
        {
            "sid": sid,
            "auth_token": hashlib.md5(sid.encode()).hexdigest(),
            "parent": MAIN,
            "messaging_geo_permissions": {iso: sub_on for iso in sorted(countries)},  # type: ignore[type-var]
            "voice_dialing_permissions": {iso: {"low_risk": sub_on} for iso in sorted(countries)},  # type: ignore[type-var]
            "voice_settings": {"dialing_permissions_inheritance": False},
        }
        for sid in named
    ]
    return {"accounts": [main_account, *subs]}


AGREEING = [s for s in SAMPLES if any(e.code and e.to for e in extract(s.read_text(encoding="utf-8")))]


def test_the_agreement_is_checked_on_most_of_the_corpus() -> None:
    # not vacuous: the samples below are most of the corpus, and include pastes that name an account
    assert len(AGREEING) >= 80, len(AGREEING)
    named = [s for s in AGREEING if any(e.account_sid for e in extract(s.read_text(encoding="utf-8")))]
    assert len(named) >= 15, len(named)


@pytest.mark.parametrize("state", ["disabled", "enabled", "parent-only"])
def test_every_corpus_sample_confirms_online_a_cause_offline_left_possible(state: str) -> None:
    compared = confirmed = 0
    by_cause: collections.Counter[str] = collections.Counter()
    for sample in AGREEING:
        text = sample.read_text(encoding="utf-8")
        _, out, _ = run(["-", "--format", "json"], text)
        offline = diagnoses("-", out)
        with Simulator(load_scenario(_seeded(text, state)), port=0) as sim:
            code, out, err = run(["-", "--format", "json"], text, online(sim.url, MAIN, MAIN_TOKEN))
        assert code in (0, 1), (sample.name, err)
        on = diagnoses("-", out)
        assert len(on) == len(offline), sample.name
        for before, after in zip(offline, on, strict=True):
            assert before["evidence"] == after["evidence"], sample.name
            listed = {c["id"]: c["status"] for c in before["causes"]}
            compared += 1
            for cause in after["causes"]:
                if cause["status"] == "confirmed":
                    # confirmed online: offline listed it as open (or confirmed it already), never ruled it out
                    assert listed[cause["id"]] in ("possible", "likely", "confirmed", "unknown"), (sample.name, cause)
            for cause_id, status in listed.items():
                if status == "confirmed":  # what the text alone settles, reading the account does not undo
                    assert after["cause"] == cause_id, (sample.name, cause_id, after["cause"])
            if after["verdict"] == "confirmed":
                confirmed += 1
                by_cause[after["cause"]] += 1
    assert compared >= 90, compared
    assert confirmed >= 60, (confirmed, by_cause)  # the simulator's state decided most of them
    expected = {
        "disabled": "missing-country",
        "enabled": "permission-enabled-now",
        "parent-only": "subaccount-mismatch",
    }
    assert by_cause[expected[state]] >= 10, by_cause


# --- reads shared across errors, counted at the server ---------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Iterator[Simulator]:
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_500_errors_for_3_accounts_and_4_countries_read_each_account_and_permission_once(
    demo: Simulator, command: list[str]
) -> None:
    accounts = [PARENT, SUPPORT, SANDBOX]  # the parent and two of its subaccounts
    numbers = ["+17875550123", "+33612345678", "+2348031234567", "+4915123456789"]  # PR, FR, NG, DE
    lines = [
        f"2026-11-30T10:{i // 60:02d}:{i % 60:02d}Z ERROR code=21408 to={numbers[i % 4]} account={accounts[i % 3]}"
        for i in range(500)
    ]
    demo.clear_requests()
    code, out, err = run([*command, "--format", "json"], "\n".join(lines) + "\n", online(demo.url))
    assert code == 0, err
    found = diagnoses(command[0], out)
    assert len(found) == 12 and all(d["verdict"] == "confirmed" for d in found)
    assert sum(d["evidence"]["count"] for d in found) == 500
    # what the server received: every request, whoever made it, with its query and credentials
    seen = collections.Counter(
        (r["method"], r["path"], json.dumps(r.get("query") or {}, sort_keys=True), r["credential"])
        for r in demo.requests
    )
    assert set(seen.values()) == {1}, [k for k, v in seen.items() if v > 1]
    account_reads = {p for _, p, _, _ in seen if p.startswith("/2010-04-01/Accounts/")}
    assert account_reads == {f"/2010-04-01/Accounts/{a}.json" for a in accounts}
    permissions = {(json.loads(q)["CountryCode"], who) for _, p, q, who in seen if p == "/v1/Messaging/GeoPermissions"}
    assert permissions == {(iso, a) for iso in ("PR", "FR", "NG", "DE") for a in accounts}
    assert len(demo.requests) == 3 + 12
