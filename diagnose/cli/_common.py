"""What every command shares: the common options, colour, errors → exit codes, and loading knowledge."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from ..errors import DiagnoseError, InputError
from ..formats import FORMATS, WIDTH
from ..safe_text import clean
from . import exit_codes

if TYPE_CHECKING:
    from ..knowledge import KnowledgeBase
    from ..models import Report


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)
color_option = click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour text output (auto: only on a terminal, and never with NO_COLOR set).",
)
api_url_option = click.option(
    "--api-url",
    envvar="DIAGNOSE_API_URL",
    metavar="URL",
    help="Send every request to URL instead of https://<product>.twilio.com (simulator, proxy).",
)


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # FloatRange lets NaN through (every comparison with it is false): every request would then fail
    if value != value:
        raise click.BadParameter(f"{value} is not in the range 0.1<=x<=120.", ctx=ctx, param=param)
    return value


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    callback=_a_number,
    help="Seconds per request.",
)
# Audit, scan and fix walk thousands of accounts through one pool (audit_reads.DEFAULT_CONCURRENCY,
# not imported here: it would load the gateway for every command).
concurrency_option = click.option(
    "--concurrency",
    type=click.IntRange(1, 100),
    default=None,
    help="Requests in flight at once (default 48; see docs/audit.md).",
)
subaccounts_option = click.option(
    "--subaccounts",
    metavar="all|AC…,AC…",
    help="'all': the authenticated account and every subaccount; or these subaccounts "
    "(default: the authenticated account only).",
)
knowledge_option = click.option(
    "--knowledge",
    "knowledge_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Also load knowledge files from DIR (repeatable); they override built-in codes.",
)


def use_color(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never" or "NO_COLOR" in os.environ:
        return False
    return sys.stdout.isatty()


def output_width() -> int:
    """The column text wraps at: the terminal's width on a terminal, 100 otherwise (a file, a pipe, CI)."""
    if not sys.stdout.isatty():
        return WIDTH
    import shutil

    return shutil.get_terminal_size((WIDTH, 24)).columns


def closed_pipe() -> NoReturn:
    """The reader went away: drop what is still buffered for it, say nothing, exit quietly."""
    try:
        # Whatever Python still flushes at exit goes nowhere instead of raising BrokenPipeError again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    sys.exit(exit_codes.CLOSED_PIPE)


def interrupted() -> NoReturn:
    """Ctrl-C: say so in one line and exit 130 now, not once the requests in flight have timed out."""
    try:
        sys.stdout.flush()
        sys.stderr.write("diagnose: interrupted\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    # A worker thread blocked in a request would hold a normal exit until its timeout; nothing is left
    # to write (files are written whole, the fix audit log line by line), so the process ends here.
    os._exit(exit_codes.INTERRUPTED)


def echo(text: str, color: bool) -> None:
    # click strips ANSI codes off a non-terminal unless told otherwise; --color always means keep them.
    click.echo(text, color=color or None)


def fail(err: DiagnoseError) -> NoReturn:
    # Messages quote Twilio's answers and the user's input: never let them drive the terminal.
    click.echo(f"diagnose: error: {clean(err)}", err=True)
    sys.exit(exit_codes.for_error(err))


def fail_incomplete(err: DiagnoseError) -> NoReturn:
    """audit and scan: bad input is exit 2; any other error left the audit incomplete (exit 3)."""
    click.echo(f"diagnose: error: {clean(err)}", err=True)
    sys.exit(exit_codes.BAD_INPUT if isinstance(err, InputError) else exit_codes.INCOMPLETE)


def load_kb(dirs: Sequence[str]) -> KnowledgeBase:
    from ..knowledge import load_knowledge

    return load_knowledge(tuple(Path(d) for d in dirs))


def parse_code(text: str) -> int:
    """An error code typed by a user, e.g. ``21408``, or InputError."""
    from ..codes import error_code  # the one definition of a code, shared with the knowledge linter

    code = error_code(text)
    if code is None:
        raise InputError(f"{text!r} is not an error code: Twilio codes are numbers such as 21408")
    return code


def emit_report(
    report: Report, fmt: str, color: str, *, redact_numbers: bool = False, knowledge_dirs: Sequence[str] = ()
) -> NoReturn:
    """Print a report (phone numbers masked with ``redact_numbers``, the knowledge's examples kept) and exit
    with the code its verdicts call for."""
    from ..render import render_report

    colored = use_color(color)
    text = render_report(report, fmt, color=colored, width=output_width())
    if redact_numbers:
        from ..redaction import mask_report

        text = mask_report(text, report, load_kb(knowledge_dirs))
    echo(text, colored)
    sys.exit(exit_codes.for_diagnoses(report.diagnoses))
