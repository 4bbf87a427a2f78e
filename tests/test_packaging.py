"""Packaging: the built-in knowledge lives in knowledge/ at the root, and every kind of install reads it.

Two real installs into throw-away virtual environments (a built wheel, and a
non-editable ``pip install .``), each then run from another directory. The
environments borrow this one's dependencies through a ``.pth`` file, so the
test installs nothing but the project itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest

from diagnose._data import COUNTRY_FILE, INSTALLED_KNOWLEDGE, knowledge_dir

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SOURCES = ("pyproject.toml", "README.md", "diagnose", "knowledge")


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_knowledge_is_at_the_root_and_nowhere_else() -> None:
    names = {p.name for p in KNOWLEDGE.iterdir()}
    assert {"21408.yaml", "schema.json", COUNTRY_FILE} <= names
    copies = [p for p in (ROOT / "diagnose").rglob("*") if p.name in names]
    assert copies == [], f"second copies of the knowledge: {copies}"
    assert not (ROOT / "diagnose" / INSTALLED_KNOWLEDGE).exists(), "an installed copy inside the checkout"


def test_a_checkout_reads_the_root_folder() -> None:
    assert knowledge_dir() == KNOWLEDGE


def test_every_package_and_data_file_is_listed() -> None:
    config = _pyproject()["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "diagnose").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert config["package-dir"][f"diagnose.{INSTALLED_KNOWLEDGE}"] == "knowledge"

    # Each data file is listed under the package that holds it: the nearest listed folder above it.
    data = config["package-data"]
    folders = {name: ROOT / config["package-dir"].get(name, name.replace(".", "/")) for name in listed if name in data}
    for root in (ROOT / "diagnose", KNOWLEDGE):
        for path in root.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".py":
                continue
            owner = max((n for n, f in folders.items() if path.is_relative_to(f)), key=lambda n: len(folders[n].parts))
            rel = path.relative_to(folders[owner]).as_posix()
            assert any(fnmatch(rel, pattern) for pattern in data[owner]), f"{path} would be left out of the wheel"
    # A folder of files with no __init__.py is still a package to setuptools: unlisted, the build warns.
    data_folders = {
        ".".join(p.relative_to(ROOT).parts)
        for p in (ROOT / "diagnose").rglob("*")
        if p.is_dir() and p.name != "__pycache__" and any(f.is_file() for f in p.iterdir())
    }
    assert data_folders <= listed, f"folders missing from pyproject.toml's packages: {sorted(data_folders - listed)}"


# --------------------------------------------------------------------------- real installs


def _pip(*args: str, cwd: Path) -> str:
    """pip's output; with ``-v`` among ``args`` that includes the build's own (setuptools' warnings)."""
    # Without a backend of our own that builds wheels, pip fetches the one pyproject.toml names.
    isolation = ["--no-build-isolation"] if _has_wheel_backend() else []
    quiet = [] if "-v" in args else ["-q"]
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *quiet, *args, *isolation]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


# setuptools' warnings are classes named ...Warning (``_Warning``, ``SetuptoolsDeprecationWarning``);
# pip's own "WARNING:" lines (e.g. about a configured index) are about this machine, not the project.
_SETUPTOOLS_WARNING = re.compile(r"\b[A-Za-z_]*Warning\b")


def _has_wheel_backend() -> bool:
    """Whether this environment's setuptools builds this project's wheel by itself (77 and later)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    from importlib.metadata import version

    try:
        # 77: the SPDX license expression pyproject.toml uses (and wheels built by setuptools itself, 70.1)
        return tuple(int(part) for part in version("setuptools").split(".")[:2]) >= (77, 0)
    except ValueError:
        return False


def _source_copy(tmp: Path) -> Path:
    """The files a build reads, copied so that the build leaves nothing in the checkout."""
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    return src


def _venv(path: Path) -> Path:
    """A virtual environment without pip that sees this environment's dependencies; returns its bin/."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    scheme_vars = {"base": str(path), "platbase": str(path)}
    site = Path(sysconfig.get_paths(vars=scheme_vars)["purelib"])
    site.mkdir(parents=True, exist_ok=True)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # A path listed in a .pth file is searched after site-packages, and .pth files inside it are not run:
    # the installed diagnose wins over this checkout's editable one.
    (site / "borrowed-deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return path / ("Scripts" if os.name == "nt" else "bin")


def _run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NO_COLOR="1", DIAGNOSE_CACHE_DIR=str(cwd / "cache"), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run([str(bin_dir / "diagnose"), *args], cwd=cwd, env=env, capture_output=True, text=True)


def _check_install(bin_dir: Path, elsewhere: Path) -> None:
    elsewhere.mkdir()
    where = _run(bin_dir, "knowledge", "path", cwd=elsewhere)
    assert where.returncode == 0, where.stderr
    folder = Path(where.stdout.strip())
    assert folder.name == INSTALLED_KNOWLEDGE and folder.parent.name == "diagnose"
    assert not folder.is_relative_to(ROOT), f"the install reads the checkout: {folder}"
    for name in ("21408.yaml", "schema.json", COUNTRY_FILE):
        assert (folder / name).read_bytes() == (KNOWLEDGE / name).read_bytes(), name

    explain = _run(bin_dir, "explain", "21408", cwd=elsewhere)
    assert explain.returncode == 0, explain.stderr
    assert explain.stdout.startswith("21408: Permission to send an SMS")

    lint = _run(bin_dir, "knowledge", "lint", cwd=elsewhere)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stderr.strip() == "0 errors, 0 warnings"

    demo = _run(bin_dir, "demo", "--format", "json", cwd=elsewhere)
    assert demo.returncode == 0, demo.stderr  # whatever the verdicts: its other-error case is no-knowledge
    assert '"verdict": "confirmed"' in demo.stdout


def test_a_built_wheel_installs_and_runs_from_anywhere(tmp_path: Path) -> None:
    src = _source_copy(tmp_path)
    output = _pip("wheel", "-v", "--no-deps", "-w", str(tmp_path / "dist"), str(src), cwd=tmp_path)
    warnings = [line.strip() for line in output.splitlines() if _SETUPTOOLS_WARNING.search(line)]
    assert warnings == [], "the build warns:\n" + "\n".join(warnings)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    # Every data file is in the wheel: the knowledge under its installed name, and diagnose's own.
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = {f"diagnose/{INSTALLED_KNOWLEDGE}/{p.name}" for p in KNOWLEDGE.iterdir() if p.is_file()}
    expected |= {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "diagnose").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert expected <= names, f"left out of the wheel: {sorted(expected - names)}"
    bin_dir = _venv(tmp_path / "venv")
    _pip("--python", str(bin_dir / "python"), "install", "--no-deps", "--no-index", str(wheel), cwd=tmp_path)
    _check_install(bin_dir, tmp_path / "elsewhere")


def test_pip_install_dot_installs_and_runs_from_anywhere(tmp_path: Path) -> None:
    src = _source_copy(tmp_path)
    bin_dir = _venv(tmp_path / "venv")
    _pip("--python", str(bin_dir / "python"), "install", "--no-deps", ".", cwd=src)
    _check_install(bin_dir, tmp_path / "elsewhere")
