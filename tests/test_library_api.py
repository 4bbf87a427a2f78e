"""The library's top-level names, and its paste path as the package docstring shows it (a webhook
receiver or an MCP tool would call it so): offline, then online against the simulator."""

from __future__ import annotations

import subprocess
import sys

import diagnose
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario


def test_every_exported_name_resolves() -> None:
    for name in diagnose.__all__:
        assert getattr(diagnose, name) is not None, name


def test_importing_the_paste_path_loads_no_twilio() -> None:
    # offline paste reading must not pay for the SDK (a receiver diagnosing offline never needs it)
    code = "import sys, diagnose; diagnose.extract('x'); diagnose.diagnose_pasted; print('twilio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_documented_paste_path_offline_then_online() -> None:
    from diagnose.gateway import Credentials

    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        _sid, owner, (account, token) = sim.sample("subaccount-mismatch")
        text = (
            "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to "
            "send an SMS has not been enabled for the region indicated by the 'To' number: +17875550123\n"
            f"  POST https://api.twilio.com/2010-04-01/Accounts/{owner}/Messages.json"
        )
        evidence = diagnose.extract(text)
        assert [(e.code, e.country, e.account_sid) for e in evidence] == [(21408, "PR", owner)]
        assert diagnose.extract_bytes(text.encode("utf-16")) == evidence

        kb = diagnose.load_knowledge()
        offline = diagnose.diagnose_pasted(evidence, kb).diagnoses[0]
        assert offline.verdict == "inconclusive"
        assert {c.id: c.status for c in offline.causes}["subaccount-mismatch"] == "possible"

        with diagnose.TwilioAccess(Credentials(account, account, token), api_url=sim.url) as access:
            online = diagnose.diagnose_pasted_online(evidence, access, kb).diagnoses[0]
        assert (online.verdict, online.cause) == ("confirmed", "subaccount-mismatch")
