"""The code stays ruff-clean (lint and format), as CI checks on every run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    try:
        import ruff  # noqa: F401
    except ImportError:
        pytest.skip("ruff is not installed (it comes with the test extras: pip install -e '.[test]')")
    return [sys.executable, "-m", "ruff"]


CODE = ["diagnose", "tests", "bench", "scripts"]  # not docs/: ruff would reformat examples inside Markdown


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", *CODE]], ids=["lint", "format"])
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run([*_ruff(), *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
