"""The command line: thin click commands around the pipeline.

Each command builds its inputs, calls one pipeline function and echoes the
result. Only this module prints, reads the environment and maps errors to exit
codes (see docs/report-format.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .errors import DiagnoseError, InputError, TwilioAccessError

EXIT_OK = 0
EXIT_UNRESOLVED = 1
EXIT_USAGE = 2
EXIT_TWILIO = 3

_VERDICT_EXIT = {
    "confirmed": EXIT_OK,
    "no-error": EXIT_OK,
    "likely": EXIT_UNRESOLVED,
    "inconclusive": EXIT_UNRESOLVED,
    "no-knowledge": EXIT_UNRESOLVED,
}

FORMATS = ("text", "markdown", "html", "json")


def _use_color(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never" or "NO_COLOR" in os.environ:
        return False
    return sys.stdout.isatty()


def _fail(err: DiagnoseError) -> None:
    # Missing credentials are a usage error: nothing reached Twilio.
    code = EXIT_TWILIO if isinstance(err, TwilioAccessError) and not isinstance(err, InputError) else EXIT_USAGE
    click.echo(f"diagnose: error: {err}", err=True)
    sys.exit(code)


def _knowledge(dirs: Sequence[str]) -> Any:
    from .knowledge import load_knowledge

    return load_knowledge(tuple(Path(d) for d in dirs))


class _DefaultToDiagnose(click.Group):
    """`diagnose SM…` runs the hidden `sids` command; named commands run as usual."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-") or a == "-"), None)
        if first is not None and first not in self.commands:
            args = ["sids", *args]
        return super().parse_args(ctx, args)


class _SidsCommand(click.Command):
    """The hidden command behind `diagnose SID…`: its usage line names no sub-command."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.find_root().info_name or "diagnose", "SID... [OPTIONS]")


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
knowledge_option = click.option(
    "--knowledge",
    "knowledge_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Also load knowledge files from DIR (repeatable); they override built-in codes.",
)


@click.group(cls=_DefaultToDiagnose, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="twilio-diagnose")
def main() -> None:
    """Diagnose a failed Twilio message or call and show the exact fix.

    \b
      diagnose SM…            a failed message, by SID
      diagnose CA…            a failed call, by SID
      diagnose demo           the whole product against the bundled simulator
      diagnose explain 21408  what a code means, its causes and fixes

    \b
    With a SID: --account AC… (the subaccount that owns it), --format
    text|markdown|html|json, --api-url URL (or DIAGNOSE_API_URL), --timeout S,
    --knowledge DIR, --color auto|always|never. Credentials: TWILIO_ACCOUNT_SID
    with TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET.
    Exit codes: 0 confirmed or no error, 1 likely/inconclusive/no knowledge,
    2 bad input, 3 Twilio unreachable or credentials rejected.
    """


@main.command("sids", cls=_SidsCommand, hidden=True)
@click.argument("sids", nargs=-1, required=True)
@click.option("--account", metavar="AC…", help="The subaccount that owns the SIDs (default: search all).")
@click.option(
    "--api-url",
    envvar="DIAGNOSE_API_URL",
    metavar="URL",
    help="Send every request to URL instead of https://<product>.twilio.com (simulator, proxy).",
)
@click.option(
    "--timeout", type=click.FloatRange(0.1, 120), default=10.0, show_default=True, help="Seconds per request."
)
@format_option
@color_option
@knowledge_option
def sids_command(
    sids: tuple[str, ...],
    account: str | None,
    api_url: str | None,
    timeout: float,
    fmt: str,
    color: str,
    knowledge_dirs: tuple[str, ...],
) -> None:
    """Diagnose messages (SM…/MM…) and calls (CA…) by SID."""
    from .evidence import check_account_sid, classify_sid

    try:
        if "-" in sids:
            raise InputError("reading pasted error text (`diagnose -`) is not supported yet; pass a SM…/CA… SID")
        for sid in sids:
            classify_sid(sid)
        if account:
            check_account_sid(account)
        report = _diagnose_online(
            sids, account=account, api_url=api_url, timeout=timeout, knowledge_dirs=knowledge_dirs
        )
    except DiagnoseError as err:
        _fail(err)
    _emit_report(report, fmt, color)


def _diagnose_online(
    sids: Sequence[str], *, account: str | None, api_url: str | None, timeout: float, knowledge_dirs: Sequence[str]
) -> Any:
    from .gateway import TwilioAccess, credentials_from_env
    from .pipeline import diagnose_sids

    creds = credentials_from_env(os.environ)
    with TwilioAccess(creds, api_url=api_url, timeout=timeout) as access:
        # Knowledge loads while the first requests are in flight.
        return diagnose_sids(sids, access, lambda: _knowledge(knowledge_dirs), account=account)


def _emit_report(report: Any, fmt: str, color: str) -> None:
    from .render import render_report

    use_color = _use_color(color)
    # click strips ANSI codes off a non-terminal unless told otherwise; --color always means keep them.
    click.echo(render_report(report, fmt, color=use_color), color=use_color or None)
    codes = [_VERDICT_EXIT[d.verdict] for d in report.diagnoses] or [EXIT_OK]
    sys.exit(max(codes))


@main.command("explain")
@click.argument("code", required=False)
@click.option("--list", "list_", is_flag=True, help="List every code that has full knowledge.")
@format_option
@color_option
@knowledge_option
def explain_command(code: str | None, list_: bool, fmt: str, color: str, knowledge_dirs: tuple[str, ...]) -> None:
    """Explain an error code: meaning, causes, fixes and prevention."""
    from .knowledge import lookup_error
    from .render import render_explain, render_index_entry

    try:
        kb = _knowledge(knowledge_dirs)
        if list_:
            for entry in kb.entries():
                click.echo(f"{entry.code}  {entry.title}")
            return
        if code is None:
            raise InputError("give an error code, e.g. `diagnose explain 21408`, or --list")
        number = _parse_code(code)
        entry = kb.get(number)
        use_color = _use_color(color)
        if entry is not None:
            click.echo(render_explain(entry, fmt, color=use_color), color=use_color or None)
            return
        index = lookup_error(number)
        if index is None:
            raise InputError(
                f"{number} is not a Twilio error code we know (see https://www.twilio.com/docs/api/errors)"
            )
        click.echo(render_index_entry(index, fmt, color=use_color), color=use_color or None)
    except DiagnoseError as err:
        _fail(err)


def _parse_code(text: str) -> int:
    cleaned = text.strip()
    # isdigit() alone accepts "²" and other digits int() refuses
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 6:
        raise InputError(f"{text!r} is not an error code: Twilio codes are numbers such as 21408")
    return int(cleaned)


@main.command("runbook")
@click.argument("codes", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every code with knowledge; with --out, a static HTML site.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), help="Write files into DIR instead of printing.")
@knowledge_option
def runbook_command(
    codes: tuple[str, ...], all_: bool, fmt: str, out: str | None, knowledge_dirs: tuple[str, ...]
) -> None:
    """Write the support runbook: Meaning / Impact / Diagnosis / Mitigation / Prevention / Escalation."""
    from .runbook import build_site, render_runbook

    try:
        kb = _knowledge(knowledge_dirs)
        if all_:
            entries = kb.entries()
        elif codes:
            entries = []
            for text in codes:
                entry = kb.get(_parse_code(text))
                if entry is None:
                    raise InputError(f"no knowledge for {text}; `diagnose explain --list` shows the codes that have it")
                entries.append(entry)
        else:
            raise InputError("give one or more codes, or --all")
        if out is None:
            for entry in entries:
                click.echo(render_runbook(entry, fmt))
            return
        target = Path(out)
        target.mkdir(parents=True, exist_ok=True)
        if all_:
            files = build_site(entries)
        else:
            ext = "html" if fmt == "html" else "md"
            files = {f"{e.code}.{ext}": render_runbook(e, fmt) + "\n" for e in entries}
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(files)} files to {target}")
    except DiagnoseError as err:
        _fail(err)
    except OSError as err:
        _fail(InputError(f"cannot write to {out}: {err.strerror or err}"))


@main.group("knowledge")
def knowledge_group() -> None:
    """Work with knowledge files: one YAML file per error code.

    \b
      diagnose knowledge path        where the built-in knowledge lives
      diagnose knowledge lint [DIR]  check knowledge files (default: the built-in ones)

    Copy a built-in file into a folder of your own, edit it, and pass the
    folder with --knowledge DIR to `diagnose`, `explain` or `runbook`.
    """


@knowledge_group.command("path")
def path_command() -> None:
    """Print where the built-in knowledge lives, to read it or copy a file for --knowledge."""
    from ._data import knowledge_dir

    click.echo(str(knowledge_dir()))


@knowledge_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint_command(paths: tuple[str, ...]) -> None:
    """Check knowledge files (default: the built-in ones)."""
    from .knowledge import BUILTIN_DIR, lint_paths

    targets = [Path(p) for p in paths] or [Path(str(BUILTIN_DIR))]
    problems = lint_paths(targets)
    for p in problems:
        where = f"{p.path}:{p.line}" if p.line else str(p.path)
        key = f" [{p.key}]" if p.key else ""
        click.echo(f"{where}: {p.severity}: {p.message}{key}")
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)", err=True)
    sys.exit(EXIT_UNRESOLVED if errors else EXIT_OK)


@main.command("simulator")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False), help="Scenario YAML (default: the demo).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
def simulator_command(scenario: str | None, port: int) -> None:
    """Run the Twilio simulator on 127.0.0.1 until Ctrl-C."""
    from .simulator import serve

    try:
        serve(scenario, port)
    except DiagnoseError as err:
        _fail(err)
    except OSError as err:
        _fail(InputError(f"cannot listen on 127.0.0.1:{port}: {err.strerror or err}"))


@main.command("demo")
@format_option
@color_option
def demo_command(fmt: str, color: str) -> None:
    """Diagnose every failure of the bundled demo scenario, with no Twilio account."""
    from .demo import run_demo

    try:
        report = run_demo()
    except DiagnoseError as err:
        _fail(err)
    from .render import render_report

    use_color = _use_color(color)
    # A report of several subjects ends with its one-line-per-subject summary.
    click.echo(render_report(report, fmt, color=use_color), color=use_color or None)
    if fmt == "text":
        click.echo("\nTo try it by hand, `diagnose simulator` prints credentials and sample SIDs for `diagnose SID`.")


def _add_late_commands() -> None:
    from .cli_audit import audit_command
    from .cli_scan import scan_command

    main.add_command(audit_command)
    main.add_command(scan_command)


_add_late_commands()

__all__ = ["main"]
