"""scripts/bootstrap: the README's first command, on machines that lack pieces of Python.

The full path (a fresh Debian 12 with only ``python3``, then with
``python3-pip``, then with ``python3-venv``) was run by hand in a debootstrap
chroot; it needs PyPI. These tests need no network: they check the order in
which the script falls back and what it says when nothing works, with a
``python3`` stand-in that lacks ensurepip and pip, and PyPI made unreachable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bootstrap"

pytestmark = pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")


def _run(tmp_path: Path, python: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    # PyPI unreachable: a proxy on a port where nothing listens.
    env.update(
        PYTHON=python, VENV=str(tmp_path / "venv"), https_proxy="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9"
    )
    return subprocess.run(["sh", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_readme_starts_with_the_bootstrap() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- main-command -->", 1)[1].split("<!-- /main-command -->", 1)[0]
    assert re.findall(r"```sh\n(.*?)\n```", block, re.S) == ["sh scripts/bootstrap && .venv/bin/diagnose demo"]
    assert subprocess.run(["sh", "-n", str(SCRIPT)], check=False).returncode == 0


def test_no_python(tmp_path: Path) -> None:
    done = _run(tmp_path, str(tmp_path / "no-such-python"))
    assert done.returncode == 1
    assert "no " in done.stderr and "install Python 3.10 or newer" in done.stderr


def test_a_python_too_old(tmp_path: Path) -> None:
    old = tmp_path / "python2"
    old.write_text('#!/bin/sh\ncase "$1" in -V) echo "Python 3.8.10";; *) exit 1;; esac\n')
    old.chmod(0o755)
    done = _run(tmp_path, str(old))
    assert done.returncode == 1
    assert "Python 3.8.10 is too old: diagnose needs Python 3.10 or newer" in done.stderr


def test_without_ensurepip_or_pip_it_makes_a_bare_venv_then_says_what_to_install(tmp_path: Path) -> None:
    """Debian's python3 alone: `-m venv` fails for want of ensurepip, and there is no pip."""
    bare = tmp_path / "python3"
    bare.write_text(
        "#!/bin/sh\n"
        f'real="{sys.executable}"\n'
        'if [ "$1" = -m ] && [ "$2" = venv ] && [ "$3" != --without-pip ]; then\n'
        '  echo "ensurepip is not available" >&2; mkdir -p "$3"; exit 1\n'  # leaves a half-made venv, as Debian's does
        "fi\n"
        'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "No module named pip" >&2; exit 1; fi\n'
        'exec "$real" "$@"\n'
    )
    bare.chmod(0o755)
    done = _run(tmp_path, str(bare))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert "bootstrap: created " + str(tmp_path / "venv") + " without pip; fetching pip's wheel from PyPI" in lines
    assert lines[-1] == (
        "bootstrap: could not download pip from PyPI. Install python3-venv or python3-pip "
        "(apt install python3-venv), then run this again"
    )
    assert (tmp_path / "venv" / "bin" / "python").exists()  # the venv without pip was made


def test_an_existing_venv_with_pip_is_reused(tmp_path: Path) -> None:
    """With a working venv in place the script goes straight to pip, whatever pip then makes of it offline."""
    pytest.importorskip("ensurepip", reason="this Python has no ensurepip to make a venv with pip")
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    done = _run(tmp_path, sys.executable, "--no-index", "--dry-run", "pip")
    assert f"bootstrap: using the existing {tmp_path / 'venv'}" in done.stderr.splitlines()
