"""A batch command against a host that hangs: wall time, exit code and the requests held, per run.

    python3 bench/host_down.py [--subaccounts 500] [--timeout 2] [--fault 'GET ^/v1/'] [--runs 3] [-- audit …]

The simulator (a generated scenario, ``--subaccounts`` under one main account) serves in this process and
holds every request ``--fault`` matches past the timeout; the command (default: ``diagnose audit --countries
FR,DE --subaccounts all``, with ``--timeout``) runs as a child process of ``--python``, from a neutral folder,
so ``PYTHONPATH`` decides which ``diagnose`` it measures. ``held`` is how many requests the fault held: what
the run sent to the hanging host before it stopped asking.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--subaccounts", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--fault", default="GET ^/v1/", help="the requests held (the simulator's fault syntax)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("command", nargs="*", default=["audit", "--countries", "FR,DE", "--subaccounts", "all"])
    args = parser.parse_args()

    from diagnose.simulator import Simulator, load_scenario
    from diagnose.simulator._generate import generate_scenario

    scenario = load_scenario(generate_scenario(args.subaccounts, ("FR", "DE"), seed=4, inactive_rate=0, failures=1))
    first = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")},
            "TWILIO_ACCOUNT_SID": first.sid,
            "TWILIO_AUTH_TOKEN": first.auth_token,
            "DIAGNOSE_API_URL": sim.url,
            "NO_COLOR": "1",
        }
        argv = [args.python, "-m", "diagnose", *args.command, "--timeout", f"{args.timeout:g}"]
        print(" ".join(argv[2:]), f"({args.subaccounts} subaccounts, {args.fault!r} held)")
        for _ in range(args.runs):
            sim.clear_faults()
            held = sim.add_fault(match=args.fault, delay_ms=int(args.timeout * 2000) + 1000)
            started = time.perf_counter()
            done = subprocess.run(argv, env=env, cwd=tempfile.gettempdir(), capture_output=True, check=False)
            wall = time.perf_counter() - started
            print(f"{wall:5.1f} s  exit {done.returncode}  held {held.hits}")


if __name__ == "__main__":
    main()
