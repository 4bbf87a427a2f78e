"""Every request ``diagnose audit`` and ``diagnose scan`` make is an operation of Twilio's OpenAPI specs,
with only the query parameters that operation declares (checked against ``../shared/twilio-oai``)."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from test_simulator_conformance import operation  # skips this module too when the specs are missing

from diagnose.cli import main
from diagnose.simulator import Simulator, load_scenario
from diagnose.simulator._generate import generate_scenario


def _run(sim: Simulator, main_sid: str, token: str, *args: str) -> int:
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": main_sid,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False).exit_code


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "--countries", "FR,DE,CA,NG,IR", "--subaccounts", "all", "--format", "json"),
        ("scan", "--since", "7d", "--subaccounts", "all", "--format", "json"),
    ],
)
def test_every_request_is_a_spec_operation_with_declared_parameters(args: tuple[str, ...]) -> None:
    data: dict[str, Any] = generate_scenario(12, ("FR", "DE", "CA", "NG"), seed=5, failures=1, sms_inherit_rate=0.3)
    scenario = load_scenario(data)
    main_account = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        code = _run(sim, main_account.sid, main_account.auth_token, *args)
        requests = sim.requests
    assert code in (0, 1)
    # The audit: the account, the account list, SMS permissions, voice settings, the voice countries list;
    # the scan: the accounts, alerts, messages, notifications and the permissions of its groups.
    assert len({r["path"] for r in requests}) >= 5
    for r in requests:
        op = operation(r["method"], r["path"])
        declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        assert set(r["query"]) <= declared, f"{r['method']} {r['path']}: {set(r['query']) - declared} not in the spec"
