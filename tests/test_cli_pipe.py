"""A reader that stops early (`diagnose runbook --all | head`) ends diagnose quietly.

Real pipes and real processes: the reading end is closed before diagnose
writes, so its first write fails with EPIPE whatever the size of the output,
and the test can only pass if diagnose handles that. Also the wrapping width:
100 columns when stdout is not a terminal, the terminal's width on one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from diagnose.cli import exit_codes
from tests.terminal import open_terminal, read_terminal

ROOT = Path(__file__).resolve().parents[1]


def _explained(width: int) -> str:
    """``diagnose explain 21408`` as the renderer lays it out at ``width`` columns."""
    from diagnose.knowledge import load_knowledge
    from diagnose.render import render_explain

    entry = load_knowledge().get(21408)
    assert entry is not None
    return render_explain(entry, width=width)


def _closed_pipe(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``diagnose ARGS`` with stdout a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "diagnose", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ("runbook", "--all"),
        ("runbook", "21408", "--format", "html"),
        ("explain", "21408"),
        ("explain", "--list"),
        ("demo",),
        ("demo", "--format", "json"),
    ],
    ids=" ".join,
)
def test_a_closed_pipe_ends_quietly(args: tuple[str, ...], tmp_path: Path) -> None:
    done = _closed_pipe(*args, tmp_path=tmp_path)
    assert done.stderr == "", done.stderr
    assert done.returncode == exit_codes.CLOSED_PIPE


def test_head_reads_the_start_and_nothing_complains(tmp_path: Path) -> None:
    """The shell pipeline itself, as a user types it."""
    errors = tmp_path / "stderr"
    shell = f'"{sys.executable}" -m diagnose runbook --all 2>"{errors}" | head -n 3'
    done = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0
    assert done.stdout.splitlines()[0].startswith("# ")
    assert len(done.stdout.splitlines()) == 3
    assert errors.read_text() == ""


def test_text_wraps_at_100_columns_off_a_terminal(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "60", "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", "explain", "21408"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    assert done.stdout == _explained(100) + "\n"  # the width of a pipe, not the COLUMNS of a terminal
    assert _explained(100) != _explained(60)


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_text_wraps_at_the_terminal_width(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(NO_COLOR="1", DIAGNOSE_CACHE_DIR=str(tmp_path / "cache"))
    leader, follower = open_terminal(columns=72)
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "explain", "21408"],
        stdout=follower,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    output = read_terminal(leader, proc, deadline=120)
    stderr = proc.stderr.read() if proc.stderr else b""
    proc.wait(timeout=120)
    assert proc.returncode == 0 and stderr == b""
    assert output.decode().replace("\r\n", "\n") == _explained(72) + "\n"
