"""Ctrl-C for real: run ``python -m diagnose`` against a simulator, send SIGINT when the run is under way.

Shared by the tests of every command that must report what it did so far when
interrupted (``diagnose audit``, ``diagnose fix``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from diagnose.simulator import Simulator


def sigint_as_on_a_terminal() -> None:
    """``preexec_fn`` for a child that must get Ctrl-C: SIGINT back to its default disposition.

    A shell starts background jobs (``cmd &``, a CI runner's) with SIGINT ignored, children inherit
    that, and Python then never raises KeyboardInterrupt: the test would wait for nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(sim: Simulator, account: Any, args: Sequence[str]) -> subprocess.Popen[str]:
    """``diagnose ARGS`` as ``account`` (a scenario account) against ``sim``, in a child that gets Ctrl-C."""
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": account.sid,
        "TWILIO_AUTH_TOKEN": account.auth_token,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "diagnose", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_on_a_terminal,
    )


def interrupt(
    sim: Simulator,
    account: Any,
    args: Sequence[str],
    ready: Callable[[], bool],
    *,
    timeout: float = 60,
) -> tuple[int, str, str]:
    """Run ``diagnose ARGS`` as ``account`` (a scenario account) against ``sim``; SIGINT once ``ready()``.

    ``ready`` looks at the simulator (e.g. how many writes it has seen), so the
    signal arrives in the middle of the run without any timing guess. Returns
    the exit code, standard output and standard error.
    """
    proc = start(sim, account, args)
    try:
        deadline = time.monotonic() + timeout
        while not ready() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the command ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
    finally:
        proc.kill()
    return proc.returncode, out, err


def ctrl_c_until_gone(proc: subprocess.Popen[str], *, times: int = 60) -> tuple[int, str, str]:
    """Ctrl-C ``proc`` again and again, each once the last had time to be handled, until it ends (a user
    who keeps pressing it); its exit code, standard output and standard error."""
    for _ in range(times):
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=1)
        except subprocess.TimeoutExpired:
            continue
        return proc.returncode, out, err
    raise AssertionError(f"still running after {times} Ctrl-C")
