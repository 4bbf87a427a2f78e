"""``diagnose knowledge``: where the built-in knowledge lives, and the linter for knowledge files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..formats import counted
from ..safe_text import clean
from . import exit_codes


@click.group("knowledge")
def command() -> None:
    """Work with knowledge files: one YAML file per error code.

    \b
      diagnose knowledge path        where the built-in knowledge lives
      diagnose knowledge lint [DIR]  check knowledge files (default: the built-in ones)

    Copy a built-in file into a folder of your own, edit it, and pass the
    folder with --knowledge DIR to `diagnose`, `explain` or `runbook`.
    """


@command.command("path")
def path_command() -> None:
    """Print where the built-in knowledge lives, to read it or copy a file for --knowledge."""
    from .._data import knowledge_dir

    click.echo(str(knowledge_dir()))


@command.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint_command(paths: tuple[str, ...]) -> None:
    """Check knowledge files (default: the built-in ones)."""
    from ..knowledge import BUILTIN_DIR, lint_paths

    targets = [Path(p) for p in paths] or [BUILTIN_DIR]
    problems = lint_paths(targets)
    for p in problems:
        where = f"{p.path}:{p.line}" if p.line else str(p.path)
        key = f" [{p.key}]" if p.key else ""
        click.echo(clean(f"{where}: {p.severity}: {p.message}{key}"))
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{counted(len(errors), 'error')}, {counted(len(problems) - len(errors), 'warning')}", err=True)
    sys.exit(exit_codes.UNRESOLVED if errors else exit_codes.OK)
