"""Packaging: the built-in knowledge lives in knowledge/ at the root, and every kind of install reads it.

Two real installs into throw-away virtual environments (a built wheel, and a
non-editable ``pip install .``), each then run from another directory. The
environments borrow this one's dependencies through a ``.pth`` file, so the
test installs nothing but the project itself.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
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

    data = config["package-data"]
    trees = [(ROOT / "diagnose", data["diagnose"]), (KNOWLEDGE, data[f"diagnose.{INSTALLED_KNOWLEDGE}"])]
    for folder, patterns in trees:
        for path in folder.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".py":
                continue
            rel = path.relative_to(folder).as_posix()
            assert any(fnmatch(rel, pattern) for pattern in patterns), f"{path} would be left out of the wheel"


# --------------------------------------------------------------------------- real installs


def _pip(*args: str, cwd: Path) -> None:
    # Without a backend of our own that builds wheels, pip fetches the one pyproject.toml names.
    isolation = ["--no-build-isolation"] if _has_wheel_backend() else []
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args, *isolation]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _has_wheel_backend() -> bool:
    """Whether this environment's setuptools builds wheels by itself (70.1 and later)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    from importlib.metadata import version

    try:
        return tuple(int(part) for part in version("setuptools").split(".")[:2]) >= (70, 1)
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
    assert lint.stderr.strip() == "0 error(s), 0 warning(s)"

    demo = _run(bin_dir, "demo", "--format", "json", cwd=elsewhere)
    assert demo.returncode in (0, 1), demo.stderr  # the demo's worst verdict decides
    assert '"verdict": "confirmed"' in demo.stdout


def test_a_built_wheel_installs_and_runs_from_anywhere(tmp_path: Path) -> None:
    src = _source_copy(tmp_path)
    _pip("wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(src), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    bin_dir = _venv(tmp_path / "venv")
    _pip("--python", str(bin_dir / "python"), "install", "--no-deps", "--no-index", str(wheel), cwd=tmp_path)
    _check_install(bin_dir, tmp_path / "elsewhere")


def test_pip_install_dot_installs_and_runs_from_anywhere(tmp_path: Path) -> None:
    src = _source_copy(tmp_path)
    bin_dir = _venv(tmp_path / "venv")
    _pip("--python", str(bin_dir / "python"), "install", "--no-deps", ".", cwd=src)
    _check_install(bin_dir, tmp_path / "elsewhere")
