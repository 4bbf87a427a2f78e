"""`diagnose demo`: the whole product against the bundled simulator, no account needed.

This is an edge module like cli/: it starts a server and goes online (to
127.0.0.1), then hands every case of the demo scenario to the real pipeline.
"""

from __future__ import annotations

import dataclasses

from .models import Report


def run_demo(scenario_path: str | None = None, *, timeout: float = 10.0) -> Report:
    """Diagnose every case of the scenario, each under the account that owns it.

    The cases that share credentials run as one batch: the read planner reads
    an account, its parent or a country's permissions once for all of them.
    """
    from .gateway import Credentials, TwilioAccess
    from .knowledge import load_knowledge
    from .models import Diagnosis
    from .pipeline import diagnose_online
    from .plan import SidSubject
    from .simulator import DEMO_SCENARIO, Simulator, load_scenario

    scenario = load_scenario(scenario_path or DEMO_SCENARIO)
    kb = load_knowledge()
    batches: dict[tuple[str, str], list[tuple[int, SidSubject]]] = {}
    with Simulator(scenario, port=0) as sim:
        cases = list(sim.cases)
        for n, case in enumerate(cases):
            sid, owner, creds = sim.sample(case)
            batches.setdefault(creds, []).append((n, SidSubject.parse(sid, owner)))
        found: dict[int, Diagnosis] = {}
        for (account_sid, token), batch in batches.items():
            creds = Credentials(account_sid=account_sid, username=account_sid, password=token)
            with TwilioAccess(creds, api_url=sim.url, timeout=timeout) as access:
                report = diagnose_online([s for _, s in batch], access, kb)
            found.update(zip((n for n, _ in batch), report.diagnoses, strict=True))
    # Say which demo case each report is (the scenario's `case:` label), first among the notes.
    return Report(
        diagnoses=tuple(
            dataclasses.replace(found[n], notes=(f"Demo case: {case}.", *found[n].notes))
            for n, case in enumerate(cases)
        )
    )
