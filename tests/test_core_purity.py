"""The core reads no environment variable and writes no file: the caches are handed in at the edge.

A fresh interpreter fetches every demo case through the real gateway and the
simulator (the edge), then forbids the environment (any read raises) and every
write to disk (an audit hook), points the cache variable at a path that cannot
exist, and only then imports and runs engine, report and every renderer (facts are derived there too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import os, sys

# ---- the edge: contexts from the simulator, the knowledge, the country data and the error index
from diagnose.gateway import Credentials, TwilioAccess, fetch_context
from diagnose.knowledge import load_knowledge, lookup_error
from diagnose.countries import country_data
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario

kb = load_knowledge()
country_data()
lookup_error(21408)
contexts = []
with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
    for case in sim.cases:
        sid, owner, (account, token) = sim.sample(case)
        creds = Credentials(account_sid=account, username=account, password=token)
        with TwilioAccess(creds, api_url=sim.url, timeout=10) as access:
            contexts.append(fetch_context(sid, access, account=owner))
already = sorted(m for m in sys.modules if m in CORE)
assert not already, f"imported before the guard: {already}"

# ---- the guard: no environment, no writes
class NoEnvironment(dict):
    def _refuse(self, *args, **kwargs):
        raise AssertionError(f"the core read the environment: {args[:1]}")
    __getitem__ = get = __contains__ = __iter__ = keys = items = values = copy = _refuse

os.environ["DIAGNOSE_CACHE_DIR"] = os.devnull + "/cannot/exist"
os.environ = NoEnvironment()

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
FORBIDDEN = {"os.mkdir", "os.remove", "os.rename", "os.rmdir", "os.truncate", "os.putenv", "os.unsetenv", "os.chmod"}

def hook(event, args):
    if event in FORBIDDEN:
        raise AssertionError(f"the core did {event}{args}")
    if event == "open":
        path, mode, flags = args
        writes = isinstance(mode, str) and any(c in mode for c in "wax+")
        if writes or (isinstance(flags, int) and flags & WRITE_FLAGS):
            raise AssertionError(f"the core opened {path!r} for writing")

sys.addaudithook(hook)

# ---- the core, imported and run under the guard
from diagnose.pipeline import diagnose_context
from diagnose.models import Report
from diagnose.render import FORMATS, render_explain, render_report, render_summary

report = Report(diagnoses=tuple(diagnose_context(c, kb) for c in contexts))
verdicts = {d.verdict for d in report.diagnoses}
assert "confirmed" in verdicts, verdicts
for fmt in FORMATS:
    assert render_report(report, fmt, color=fmt == "text")
    assert render_explain(kb.get(21408), fmt)
assert render_summary(report)
print("ok", len(report.diagnoses), sorted(m for m in sys.modules if m in CORE))
"""

CORE = ("diagnose.engine", "diagnose.report", "diagnose.render")


def test_engine_report_and_render_read_no_environment_and_write_no_file(tmp_path: Path) -> None:
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "edge-cache")}
    proc = subprocess.run(
        [sys.executable, "-c", f"CORE = {CORE!r}\n{SCRIPT}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ok "), proc.stdout
    for module in CORE:
        assert module in proc.stdout, f"{module} was not exercised"
    assert not (tmp_path / "edge-cache").exists(), "nothing handed in, so nothing is cached"
