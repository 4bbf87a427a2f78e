"""`diagnose demo`: the whole product against the bundled simulator, no account needed.

This is an edge module like cli/: it starts a server and goes online (to
127.0.0.1), then hands every case of the demo scenario to the real pipeline.
"""

from __future__ import annotations

import contextlib
import dataclasses

from .models import Report


def run_demo(scenario_path: str | None = None, *, timeout: float = 10.0) -> Report:
    """Diagnose every case of the scenario, each under the account that owns it.

    Each case is diagnosed alone, as ``diagnose SID --account OWNER`` would: its
    report lists the reads its own diagnosis made. Diagnosed as one batch, a case
    listed the reads the planner shared with others (a delivered message to the US
    cited ``GeoPermissions?CountryCode=MA%2CUS``, widened for another case's MA).
    """
    from .gateway import Credentials, TwilioAccess
    from .knowledge import load_knowledge
    from .pipeline import diagnose_online
    from .plan import SidSubject
    from .simulator import DEMO_SCENARIO, Simulator, load_scenario

    scenario = load_scenario(scenario_path or DEMO_SCENARIO)
    kb = load_knowledge()
    found = []
    with Simulator(scenario, port=0) as sim, contextlib.ExitStack() as stack:
        accesses: dict[tuple[str, str], TwilioAccess] = {}  # one client per account, kept for its other cases
        for case in sim.cases:
            sid, owner, (account_sid, token) = sim.sample(case)
            access = accesses.get((account_sid, token))
            if access is None:
                creds = Credentials(account_sid=account_sid, username=account_sid, password=token)
                access = stack.enter_context(TwilioAccess(creds, api_url=sim.url, timeout=timeout))
                accesses[account_sid, token] = access
            (diagnosis,) = diagnose_online([SidSubject.parse(sid, owner)], access, kb).diagnoses
            # Say which demo case each report is (the scenario's `case:` label), first among the notes.
            found.append(dataclasses.replace(diagnosis, notes=(f"Demo case: {case}.", *diagnosis.notes)))
    return Report(diagnoses=tuple(found))
