"""`diagnose demo`: the whole product against the bundled simulator, no account needed.

This is an edge module like cli/: it starts a server and goes online (to
127.0.0.1), then hands every case of the demo scenario to the real pipeline.
"""

from __future__ import annotations

from .models import Report


def run_demo(scenario_path: str | None = None, *, timeout: float = 10.0) -> Report:
    """Diagnose every case of the scenario, each under the account that owns it."""
    from .gateway import Credentials, TwilioAccess
    from .knowledge import load_knowledge
    from .pipeline import diagnose_sids
    from .simulator import DEMO_SCENARIO, Simulator, load_scenario

    scenario = load_scenario(scenario_path or DEMO_SCENARIO)
    kb = load_knowledge()
    diagnoses = []
    with Simulator(scenario, port=0) as sim:
        for case in sim.cases:
            sid, owner, (account_sid, token) = sim.sample(case)
            creds = Credentials(account_sid=account_sid, username=account_sid, password=token)
            with TwilioAccess(creds, api_url=sim.url, timeout=timeout) as access:
                diagnoses.extend(diagnose_sids([sid], access, kb, account=owner).diagnoses)
    return Report(diagnoses=tuple(diagnoses))
