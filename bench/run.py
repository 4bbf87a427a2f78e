"""Benchmarks: one command, one table.

    python3 bench/run.py [--runs N]

Measures, each as a fresh process (start-up included): `diagnose explain 21408`,
`diagnose runbook --all --format html --out DIR`, and a live diagnosis against the bundled
simulator at 0 ms and 100 ms injected latency, with the number of requests and
the longest chain of sequential requests; `diagnose audit` and `diagnose fix` (plan, then
apply) over a generated scenario of thousands of subaccounts. Speed and memory live here,
never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NEUTRAL_CWD = tempfile.gettempdir()
"""Children run here: ``python -m diagnose`` puts its working directory first on ``sys.path``, so run from a
checkout it would measure the checkout's code instead of the installation ``--python`` names."""


def run_once(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KiB and exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=NEUTRAL_CWD)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if proc.stderr is not None:
        proc.stderr.close()
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def longest_chain(intervals: Sequence[tuple[float, float]]) -> int:
    """Length of the longest sequence of requests each starting after the previous one ended."""
    ordered = sorted(intervals, key=lambda iv: iv[1])
    best: list[int] = []
    for i, (start, _end) in enumerate(ordered):
        prior = [best[j] for j in range(i) if ordered[j][1] <= start]
        best.append(1 + max(prior, default=0))
    return max(best, default=0)


def user_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a user's shell has: bytecode caching on (pip compiles .pyc at install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def measure(
    label: str, argv: Sequence[str], runs: int, env: dict[str, str] | None = None, *, warm: bool = True
) -> dict[str, Any]:
    env = env or user_env()
    if warm:
        run_once(argv, env)  # warm-up: .pyc files and diagnose's cache, as after the first use
    walls, peaks, codes = [], [], set()
    for _ in range(runs):
        wall, peak, code = run_once(argv, env)
        walls.append(wall)
        peaks.append(peak)
        codes.add(code)
    return {
        "label": label,
        "median_ms": statistics.median(walls) * 1000,
        "min_ms": min(walls) * 1000,
        "peak_mib": max(peaks) / 1024,
        "exit": ",".join(str(c) for c in sorted(codes)),
    }


# The demo's failed messages of its main account: one command, their reads planned together.
BATCH = (
    "missing-country",
    "high-restriction-country",
    "country-not-allowed",
    "permission-enabled-now",
    "wrong-country-code",
)


def live(python: str, runs: int, latency_ms: int, sid_case: str | tuple[str, ...]) -> dict[str, Any]:
    """One diagnosis, or one command for several SIDs of one account (``sid_case`` a tuple of cases)."""
    from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario

    cases = (sid_case,) if isinstance(sid_case, str) else sid_case
    scenario = load_scenario(DEMO_SCENARIO)
    with Simulator(scenario, port=0) as sim:
        samples = [sim.sample(case) for case in cases]
        _, account, creds = samples[0]
        env = user_env({"TWILIO_ACCOUNT_SID": creds[0], "TWILIO_AUTH_TOKEN": creds[1], "DIAGNOSE_API_URL": sim.url})
        argv = [python, "-m", "diagnose", *(sid for sid, _, _ in samples), "--account", account]
        sim.set_latency(latency_ms)
        run_once(argv, env)  # warm-up, outside the request log
        sim.clear_requests()
        label = cases[0] if len(cases) == 1 else f"{len(cases)} SIDs of one account"
        row = measure(f"diagnose {label} @{latency_ms}ms", argv, runs, env, warm=False)
        log = sim.requests
        per_run = len(log) / runs
        # Chains are computed per run: runs are sequential, so split the log into `runs` equal slices.
        size = len(log) // runs if runs else 0
        chains = [longest_chain([(r["start"], r["end"]) for r in log[i * size : (i + 1) * size]]) for i in range(runs)]
        row["requests"] = f"{per_run:g}"
        row["chain"] = str(max(chains, default=0))
        return row


# The child reports its own peak RSS (VmHWM) at exit: wait4's ru_maxrss would also count the pages the
# child shared with this process between fork and exec, and this process holds a 2,000-account simulator.
_OWN_PEAK = (
    "import atexit, os, runpy, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            os.write(2, ('\\nVmHWM-KiB ' + line.split()[1] + '\\n').encode())\n"
    "    import resource\n"  # worker processes, once joined: the largest of them
    "    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    os.write(2, ('\\nChildHWM-KiB ' + str(child) + '\\n').encode())\n"
    "atexit.register(_peak)\n"
    "sys.argv[0] = 'diagnose'\n"
    "runpy.run_module('diagnose', run_name='__main__', alter_sys=True)\n"
)


def run_reporting_peaks(
    argv: Sequence[str], env: dict[str, str], output: Path | None = None, piped: Path | None = None
) -> tuple[float, int, int, int, float]:
    """Wall seconds, the child's own peak RSS and its largest worker's (KiB), exit code, and the CPU
    seconds (user + system) of the child and its workers: on a loaded machine the wall time says more
    about the load than about the code, the CPU time much less. ``output``: a file its stdout goes to;
    ``piped``: a file `cat` writes into the child's stdin, a pipe (the CPU then includes cat's)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(output or os.devnull, "wb") as sink:
        if piped is None:
            proc = subprocess.run(argv, stdout=sink, stderr=subprocess.PIPE, env=env, check=False, cwd=NEUTRAL_CWD)
        else:
            with subprocess.Popen(["cat", str(piped)], stdout=subprocess.PIPE) as cat:
                proc = subprocess.run(
                    argv, stdin=cat.stdout, stdout=sink, stderr=subprocess.PIPE, env=env, check=False, cwd=NEUTRAL_CWD
                )
                assert cat.stdout is not None
                cat.stdout.close()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = proc.stderr.decode(errors="replace").splitlines()
    peaks = [int(line.split()[1]) for line in lines if line.startswith("VmHWM-KiB ")]
    workers = [int(line.split()[1]) for line in lines if line.startswith("ChildHWM-KiB ")]
    return wall, peaks[-1] if peaks else 0, workers[-1] if workers else 0, proc.returncode, cpu


class _SimulatedRuns:
    """The runs of one command against the simulator, and the table row they make."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.peaks: list[int] = []
        self.codes: set[int] = set()
        self.requests: list[int] = []
        self.conc: list[int] = []
        self.throttled: list[int] = []
        self.cpus: list[float] = []

    def add(self, wall: float, peak: int, code: int, log: Sequence[dict[str, Any]], sim: Any, cpu: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)
        self.peaks.append(peak)
        self.codes.add(code)
        self.requests.append(len(log))
        self.throttled.append(sum(1 for r in log if r["status"] == 429))
        self.conc.append(sim.max_in_flight(log))

    def row(self, note: str = "") -> dict[str, Any]:
        # The command's own CPU (user + system): on 2 shared cores the wall time says more about the load.
        cpu = statistics.median(self.cpus)
        per_request = cpu * 1000 / max(1.0, statistics.median(self.requests))
        note = f"{note}CPU {cpu:.2f} s ({per_request:.2f} ms/request); "
        return {
            "median_ms": statistics.median(self.walls) * 1000,
            "min_ms": min(self.walls) * 1000,
            "peak_mib": max(self.peaks) / 1024,
            "exit": ",".join(str(c) for c in sorted(self.codes)),
            "requests": f"{statistics.median(self.requests):g}",
            "chain": "",
            "conc": str(max(self.conc)),
            "note": f"{note}{max(self.throttled)} answered 429",
        }


def _generated(python: str, subaccounts: int, argv: Sequence[str], runs: int, **scenario: Any) -> dict[str, Any]:
    """Run ``diagnose ARGV`` ``runs`` times against a generated scenario (25 countries, 50 ms, 1 % 429).

    The simulator runs in this process; the command is a child process, so its
    peak RSS is its own. ``conc`` is the most requests the simulator was handling at once.
    """
    from diagnose.simulator import Simulator, load_scenario
    from diagnose.simulator._generate import DEFAULT_COUNTRIES, generate_scenario

    loaded = load_scenario(generate_scenario(subaccounts, DEFAULT_COUNTRIES, seed=1, **scenario))
    main_account = loaded.accounts[0]
    with Simulator(loaded, port=0) as sim:
        env = user_env(
            {
                "TWILIO_ACCOUNT_SID": main_account.sid,
                "TWILIO_AUTH_TOKEN": main_account.auth_token,
                "DIAGNOSE_API_URL": sim.url,
            }
        )
        sim.set_latency(AUDIT_LATENCY_MS)
        sim.add_fault("GET .", status=429, retry_after=0.5, rate=AUDIT_429_RATE)
        runs_made = _SimulatedRuns()
        for _ in range(runs):
            sim.clear_requests()
            wall, peak, _, code, cpu = run_reporting_peaks([python, "-c", _OWN_PEAK, *argv], env)
            runs_made.add(wall, peak, code, sim.requests, sim, cpu)
    return runs_made.row()


AUDIT_LATENCY_MS = 50
AUDIT_429_RATE = 0.01  # the labels say 1%
AUDIT_SIZES = (500, 2000)
"""Two sizes, so that the peak memory shows whether it grows with the number of subaccounts."""


def audit_rows(python: str, runs: int, sizes: Sequence[int] = AUDIT_SIZES) -> list[dict[str, Any]]:
    """``diagnose audit --subaccounts all``, 25 countries, SMS and voice (the issue's target: 2,000 in <= 20 s)."""
    from diagnose.simulator._generate import DEFAULT_COUNTRIES

    argv = ["audit", "--countries", ",".join(DEFAULT_COUNTRIES), "--subaccounts", "all", "--product", "sms,voice"]
    argv += ["--format", "json"]
    return [
        {
            "label": f"audit {n} subaccounts x {len(DEFAULT_COUNTRIES)} @{AUDIT_LATENCY_MS}ms, 1% 429",
            **_generated(python, n, argv, runs),
        }
        for n in sizes
    ]


def scan_rows(python: str, runs: int, sizes: Sequence[int] = AUDIT_SIZES) -> list[dict[str, Any]]:
    """``diagnose scan --since 7d --subaccounts all`` over the audit's scenario with one failed message per SMS
    gap and one failed call per voice gap of an account with its own voice permissions."""
    argv = ["scan", "--since", "7d", "--subaccounts", "all", "--format", "json"]
    return [
        {
            "label": f"scan {n} subaccounts @{AUDIT_LATENCY_MS}ms, {AUDIT_429_RATE:.0%} 429",
            **_generated(python, n, argv, runs, failures=1),
        }
        for n in sizes
    ]


def run_piped(argv: Sequence[str]) -> tuple[float, int, int]:
    """Like run_once, with stdout read through a pipe (the child cannot tell its output is discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    while proc.stdout.read(1 << 16):
        pass
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stdout.close()
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def triage_rows(python: str, megabytes: int, runs: int) -> list[dict[str, Any]]:
    """`diagnose triage` on generated logs of two sizes (flat memory?), beside grep on the same file, same run."""
    from triage import build_log

    rows = []
    env = user_env()
    with tempfile.TemporaryDirectory() as tmp:
        # what any triage costs whatever the log's size: start-up, knowledge, diagnosis and report of one error
        tiny = Path(tmp) / "one-error.log"
        tiny.write_text("2026-11-30T10:00:00Z ERROR code=21408 to=+2348031234567\n")
        startup = statistics.median(
            run_reporting_peaks([python, "-c", _OWN_PEAK, "triage", str(tiny), "--offline", "--format", "json"], env)[0]
            for _ in range(runs)
        )
        for size in sorted({max(1, megabytes // 4), megabytes}):
            log = Path(tmp) / f"app-{size}.log"
            nbytes, errors = build_log(log, size)
            walls, peaks, worker_peaks, codes, cpus = [], [], [], set(), []
            argv = [python, "-c", _OWN_PEAK, "triage", str(log), "--offline", "--format", "json"]
            report = Path(tmp) / "report.json"
            for _ in range(runs):
                wall, peak, worker_peak, code, cpu = run_reporting_peaks(argv, env, report)
                cpus.append(cpu)
                walls.append(wall)
                peaks.append(peak)
                worker_peaks.append(worker_peak)
                codes.add(code)
            median = statistics.median(walls)
            triage = {
                "label": f"diagnose triage, {size} MB log",
                "median_ms": median * 1000,
                "min_ms": min(walls) * 1000,
                "peak_mib": max(peaks) / 1024,
                "exit": ",".join(str(c) for c in sorted(codes)),
                # peak MiB is the reading process's; each worker process (forked) peaks at its own
                # a fast wrong answer is no result: the errors the log holds, found or not
                "note": f"{_found(report, errors)}; {nbytes / 1e6 / median:.0f} MB/s; "
                f"CPU {statistics.median(cpus):.1f} s ({statistics.median(cpus) * 1000 / (nbytes / 1e6):.0f} ms/MB); "
                f"each worker's peak {max(worker_peaks) / 1024:.0f} MiB",
            }
            rows.append(triage)
            # the same log through a pipe (`cat LOG | diagnose triage -`): no file to hand the workers by
            # offset, so the reader cuts the stream into blocks itself and sends their bytes
            piped = [python, "-c", _OWN_PEAK, "triage", "-", "--offline", "--format", "json"]
            pipe_runs = [run_reporting_peaks(piped, env, report, piped=log) for _ in range(runs)]
            pipe_median = statistics.median(r[0] for r in pipe_runs)
            pipe_cpu = statistics.median(r[4] for r in pipe_runs)
            pipe_worker = max(r[2] for r in pipe_runs) / 1024
            rows.append(
                {
                    "label": f"diagnose triage - (a pipe), {size} MB log",
                    "median_ms": pipe_median * 1000,
                    "min_ms": min(r[0] for r in pipe_runs) * 1000,
                    "peak_mib": max(r[1] for r in pipe_runs) / 1024,
                    "exit": ",".join(sorted({str(r[3]) for r in pipe_runs})),
                    "note": f"{_found(report, errors)}; {nbytes / 1e6 / pipe_median:.0f} MB/s; "
                    f"CPU {pipe_cpu:.1f} s with cat's; each worker's peak {pipe_worker:.0f} MiB",
                }
            )
            # stdout to a pipe: GNU grep stops at the first match when its output is /dev/null
            argv = ["grep", "-cE", "21408|21215", str(log)]
            runs_grep = [run_piped(argv) for _ in range(runs + 1)][1:]
            grep_median = statistics.median(w for w, _, _ in runs_grep)
            rows.append(
                {
                    "label": f"grep -cE '21408|21215', {size} MB log",
                    "median_ms": grep_median * 1000,
                    "min_ms": min(w for w, _, _ in runs_grep) * 1000,
                    "peak_mib": max(p for _, p, _ in runs_grep) / 1024,
                    "exit": ",".join(sorted({str(c) for _, _, c in runs_grep})),
                    "note": f"{nbytes / 1e6 / grep_median:.0f} MB/s",
                }
            )
            triage["note"] += f"; {median / grep_median:.2f}x grep (median; budget 5x)"
            # the floor of the design: everything triage does before reading an error, in one process,
            # and reading each error's destination with phonenumbers, which no reading of an error can skip
            script = str(Path(__file__).with_name("triage.py"))
            frame = [_cpu_of([python, script, "--frame-only", str(log)], env) for _ in range(runs)]
            frame_cpu = statistics.median(cpu for _, cpu in frame)
            numbers = [_cpu_of([python, script, "--numbers-only", str(errors)], env) for _ in range(runs)]
            numbers_cpu = statistics.median(cpu for _, cpu in numbers)
            for label, cpu, walls_of, what in (
                ("pre-filter and framing alone", frame_cpu, [w for w, _ in frame], "with no error read at all"),
                (
                    f"the above and {errors:,} destinations read",
                    frame_cpu + numbers_cpu,
                    # two processes, one after the other
                    [f + n for (f, _), (n, _) in zip(frame, numbers, strict=True)],
                    f"reading no more of an error than its To ({numbers_cpu * 1e6 / errors:.0f} us each)",
                ),
            ):
                floor = cpu / 2 + startup  # two cores read blocks at once; the start-up is not shared
                rows.append(
                    {
                        "label": f"{label}, {size} MB log",
                        "median_ms": statistics.median(walls_of) * 1000,
                        "min_ms": min(walls_of) * 1000,
                        "peak_mib": 0.0,  # not measured: the rows are about time
                        "exit": "0",
                        "note": f"one process, CPU {cpu:.1f} s ({cpu * 1000 / (nbytes / 1e6):.1f} ms/MB); on 2 cores, "
                        f"{what}, triage could not beat ~{floor:.2f} s (start-up {startup:.2f} s + CPU / 2) "
                        f"= {nbytes / 1e6 / floor:.0f} MB/s, {floor / grep_median:.1f}x grep",
                    }
                )
            log.unlink()
    return rows


def _found(report: Path, errors: int) -> str:
    """How many of the log's ``errors`` the JSON ``report`` of the last run counted."""
    try:
        found = json.loads(report.read_text(encoding="utf-8"))["errors"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"NO REPORT of the {errors:,} errors"
    return f"found {found:,} of {errors:,} errors" + ("" if found == errors else " (WRONG)")


def _cpu_of(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of ``bench/triage.py --frame-only`` or ``--numbers-only``, and the CPU seconds of its
    reading (it prints them)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=True, cwd=NEUTRAL_CWD)
    return time.perf_counter() - start, float(proc.stdout.split()[1])


def fix_rows(
    python: str, runs: int, sizes: Sequence[int] = (500, 2000, 4000), latency_ms: int = 50
) -> list[dict[str, Any]]:
    """``diagnose fix --subaccounts all`` over the audit's generated scenario: the plan, then ``--apply --yes``;
    from 2,000 subaccounts on, also the plan from the audit's own JSON (``--from-audit``).

    Three sizes, so that the peak memory shows whether it grows with the number of
    subaccounts (it is bounded by the account list's page, 1,000 rows: flat from two
    pages on). Each run has a fresh simulator (an apply changes its state).
    ``conc`` is the most requests the simulator was handling at once.
    """
    from diagnose.simulator import Simulator, load_scenario
    from diagnose.simulator._generate import DEFAULT_COUNTRIES, generate_scenario

    rows = []
    for size in sizes:
        scenario = load_scenario(generate_scenario(size, DEFAULT_COUNTRIES, seed=1))
        main_account = scenario.accounts[0]
        audit_doc = Path(tempfile.mkdtemp()) / "audit.json"
        for mode in ("plan", "apply", "from-audit") if size >= 2000 else ("plan", "apply"):
            runs_made, writes = _SimulatedRuns(), []
            for _ in range(runs):
                with Simulator(scenario, port=0) as sim, tempfile.TemporaryDirectory() as tmp:
                    env = user_env(
                        {
                            "TWILIO_ACCOUNT_SID": main_account.sid,
                            "TWILIO_AUTH_TOKEN": main_account.auth_token,
                            "DIAGNOSE_API_URL": sim.url,
                        }
                    )
                    argv = [python, "-c", _OWN_PEAK, "fix"]
                    if mode == "from-audit":
                        if not audit_doc.exists():  # the audit's JSON of this scenario, made once (not measured)
                            audit = [python, "-m", "diagnose", "audit", "--countries", ",".join(DEFAULT_COUNTRIES)]
                            audit += ["--subaccounts", "all", "--format", "json", "--out", str(audit_doc)]
                            subprocess.run(audit, env=env, check=False, cwd=NEUTRAL_CWD, stdout=subprocess.DEVNULL)
                            sim.clear_requests()
                        argv += ["--from-audit", str(audit_doc)]
                    else:
                        argv += [
                            "--country",
                            ",".join(DEFAULT_COUNTRIES),
                            "--subaccounts",
                            "all",
                            "--product",
                            "sms,voice",
                        ]
                    argv += (
                        ["--apply", "--yes", "--audit-log", str(Path(tmp) / "audit.jsonl")] if mode == "apply" else []
                    )
                    sim.set_latency(latency_ms)
                    sim.add_fault(".", status=429, retry_after=0.5, rate=0.01)
                    wall, peak, _, code, cpu = run_reporting_peaks(argv, env)
                    log = sim.requests
                    runs_made.add(wall, peak, code, log, sim, cpu)
                    writes.append(sum(1 for r in log if r["method"] in ("PATCH", "POST") and r["status"] < 300))
            what = {"plan": "plan", "apply": "apply", "from-audit": "--from-audit plan"}[mode]
            note = f"{max(writes)} changes made, " if mode == "apply" else ""
            if mode == "from-audit":
                note = f"audit JSON {audit_doc.stat().st_size / 1e6:.1f} MB, "
            label = f"fix {what}, {size} subs x {len(DEFAULT_COUNTRIES)} @{latency_ms}ms, 1% 429"
            rows.append({"label": label, **runs_made.row(note)})
        if audit_doc.exists():
            audit_doc.unlink()
        audit_doc.parent.rmdir()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter whose installed diagnose is measured (e.g. a venv made with `pip install .`)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "audit", "diagnose", "fix", "scan", "triage"],
        default="all",
        help="run only some rows",
    )
    parser.add_argument("--fix-runs", type=int, default=1, help="runs of each fix row (each ~5-70 s)")
    parser.add_argument("--triage-mb", type=int, default=200, help="size of the generated log of the triage rows")
    parser.add_argument("--audit-runs", type=int, default=2, help="runs of each audit and scan row (each ~2-15 s)")
    args = parser.parse_args()
    exe = [args.python, "-m", "diagnose"]
    if args.only == "audit":
        _print(args, audit_rows(args.python, args.audit_runs))
        return
    if args.only == "scan":
        _print(args, scan_rows(args.python, args.audit_runs))
        return
    if args.only == "fix":
        _print(args, fix_rows(args.python, args.fix_runs))
        return
    if args.only == "triage":
        _print(args, triage_rows(args.python, args.triage_mb, max(1, min(3, args.runs))))
        return
    rows = [
        measure("python -c pass (floor)", [args.python, "-c", "pass"], args.runs),
        measure("python -c 'import click' (reference)", [args.python, "-c", "import click"], args.runs),
        measure("diagnose explain 21408", [*exe, "explain", "21408"], args.runs),
    ]
    # The start-up budget: explain at most 3x the time of importing click alone, on the same machine.
    rows[2]["note"] = f"{rows[2]['median_ms'] / rows[1]['median_ms']:.2f}x import click (median; budget 3x)"
    with tempfile.TemporaryDirectory() as out:
        rows.append(
            measure(
                "diagnose runbook --all --format html --out DIR",
                [*exe, "runbook", "--all", "--format", "html", "--out", out],
                args.runs,
            )
        )
    for case in ("subaccount-mismatch", "voice-subaccount-mismatch", BATCH):
        for latency in (0, 100):
            rows.append(live(args.python, max(3, args.runs // 3), latency, case))
    if args.only == "all":
        rows += audit_rows(args.python, args.audit_runs)
        rows += scan_rows(args.python, args.audit_runs)
        rows += fix_rows(args.python, args.fix_runs)
        rows += triage_rows(args.python, args.triage_mb, max(1, min(3, args.runs)))
    _print(args, rows)


def _print(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    print(f"interpreter: {args.python}")
    print("load average at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"runs per row: {args.runs} (live rows: {max(3, args.runs // 3)})")
    header = (
        f"{'benchmark':48} {'median ms':>10} {'min ms':>8} {'peak MiB':>9} {'requests':>9} {'chain':>6} "
        f"{'conc':>5} {'exit':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['label']:48} {r['median_ms']:10.1f} {r['min_ms']:8.1f} {r['peak_mib']:9.1f} "
            f"{r.get('requests', ''):>9} {r.get('chain', ''):>6} {r.get('conc', ''):>5} {r['exit']:>5}"
            + (f"  {r['note']}" if r.get("note") else "")
        )
    print("chain: longest run of requests each waiting for the previous; conc: most requests in flight at once")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
