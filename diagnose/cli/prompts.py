"""Confirmation before a command changes anything: ``--yes`` skips it, no terminal refuses.

A command that writes to an account (``diagnose fix``) asks first. Without a
terminal to ask on (a pipe, cron, CI) it does not guess: it stops with a
usage error that names ``--yes``.

::

    @click.command()
    @yes_option
    def fix(yes: bool) -> None:
        if not confirm("Enable France for AC…?", assume_yes=yes):
            ...  # the person said no
"""

from __future__ import annotations

import sys
from typing import TextIO

import click

from ..errors import InputError

yes_option = click.option("--yes", "-y", "yes", is_flag=True, help="Do not ask for confirmation; go ahead.")


class ConfirmationRefused(InputError):
    """Confirmation was needed and nobody could give it: stdin is not a terminal and --yes was not given."""

    def __init__(self, question: str) -> None:
        self.question = question
        super().__init__(
            f"{question.rstrip()} needs a confirmation, and standard input is not a terminal to ask on: "
            "pass --yes to go ahead without asking"
        )


def confirm(question: str, *, assume_yes: bool, stdin: TextIO | None = None) -> bool:
    """True when the person (or ``--yes``) agrees; False when they say no.

    Raises :class:`ConfirmationRefused` when ``stdin`` is not a terminal. The
    question goes to standard error, so standard output stays the report.
    """
    if assume_yes:
        return True
    stream = stdin if stdin is not None else sys.stdin
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    if not interactive:
        raise ConfirmationRefused(question)
    from ..render._text import one_line

    try:
        return click.confirm(one_line(question), default=False, err=True)
    except click.Abort:  # Ctrl-C or end of input at the prompt
        return False
