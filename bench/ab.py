"""Interleaved A/B: the start-up rows of ``run.py`` for several installations, one run of each in turn.

    .venv/bin/python bench/ab.py [--runs N] PYTHON PYTHON…

Each PYTHON is an interpreter whose installed diagnose is measured (e.g. a venv made
with ``pip install .`` of each commit). On a loaded machine, tables taken one after
the other drift with the load; runs taken in turn see the same load. Each row gives
the median wall time and the median CPU time of the child (user + system), which
load disturbs less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from run import NEUTRAL_CWD, user_env

CASES = (
    ("message, subaccount-mismatch", "subaccount-mismatch"),
    ("call, voice-subaccount-mismatch", "voice-subaccount-mismatch"),
)


def run_once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=NEUTRAL_CWD)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def interleaved(label: str, argvs: Sequence[Sequence[str]], env: dict[str, str], runs: int) -> None:
    for argv in argvs:
        run_once(argv, env)  # warm-up: .pyc files and diagnose's cache
    samples: list[list[tuple[float, float]]] = [[] for _ in argvs]
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            samples[i].append(run_once(argv, env))
    cells = []
    for got in samples:
        wall = statistics.median(w for w, _ in got) * 1000
        cpu = statistics.median(c for _, c in got) * 1000
        cells.append(f"{wall:7.0f} {cpu:6.0f}")
    print(f"{label:44} " + " | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("pythons", nargs="+", help="interpreters whose installed diagnose is measured")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; runs per row: {args.runs}; per interpreter: wall ms, CPU ms")
    for i, python in enumerate(args.pythons):
        print(f"  [{i}] {python}")
    env = user_env()
    interleaved("python -c 'import click'", [[p, "-c", "import click"] for p in args.pythons], env, args.runs)
    explain = [[p, "-m", "diagnose", "explain", "21408"] for p in args.pythons]
    interleaved("diagnose explain 21408", explain, env, args.runs)

    from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario

    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        for label, case in CASES:
            sid, account, creds = sim.sample(case)
            extra = {"TWILIO_ACCOUNT_SID": creds[0], "TWILIO_AUTH_TOKEN": creds[1], "DIAGNOSE_API_URL": sim.url}
            argvs = [[p, "-m", "diagnose", sid, "--account", account] for p in args.pythons]
            for latency in (0, 100):
                sim.set_latency(latency)
                interleaved(f"{label} @ {latency} ms", argvs, user_env(extra), max(3, args.runs // 2))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
