"""``diagnose SID…`` (the hidden ``sids`` command): diagnose messages and calls by SID, live."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import DiagnoseError, InputError
from ._common import color_option, emit_report, fail, format_option, knowledge_option, load_kb
from ._router import CodeArg, FileArg, Routed, SidArg, StdinArg, TextArg, route

if TYPE_CHECKING:
    from ..models import Diagnosis, Report
    from ..plan import SidSubject


class _SidsCommand(click.Command):
    """Its usage line names no sub-command: users type ``diagnose SID…``."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.find_root().info_name or "diagnose", "SID... [OPTIONS]")


@click.command("sids", cls=_SidsCommand, hidden=True)
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
def command(
    sids: tuple[str, ...],
    account: str | None,
    api_url: str | None,
    timeout: float,
    fmt: str,
    color: str,
    knowledge_dirs: tuple[str, ...],
) -> None:
    """Diagnose messages (SM…/MM…) and calls (CA…) by SID."""
    from ..pipeline import parse_sids

    try:
        for arg in sids:
            _refuse_unsupported(route(arg))
        # Before the credentials are read: a malformed SID among others becomes its own entry (exit 2);
        # only a malformed --account, or no well-formed SID at all, stops the command here.
        subjects = parse_sids(sids, account)
        report = _diagnose_online(subjects, api_url=api_url, timeout=timeout, knowledge_dirs=knowledge_dirs)
    except DiagnoseError as err:
        fail(err)
    emit_report(report, fmt, color)


def _refuse_unsupported(subject: Routed) -> None:
    """Only SIDs can be diagnosed so far; say what to do with anything else."""
    match subject:
        case StdinArg():
            raise InputError("reading pasted error text (`diagnose -`) is not supported yet; pass a SM…/CA… SID")
        case FileArg(path):
            raise InputError(f"reading error text from a file ({path}) is not supported yet; pass a SM…/CA… SID")
        case TextArg():
            raise InputError("reading pasted error text is not supported yet; pass a SM…/CA… SID")
        case CodeArg(code):
            raise InputError(f"{code} is an error code, not a SID: `diagnose explain {code}` explains it")
        case SidArg():
            return


def _diagnose_online(
    subjects: Sequence[SidSubject | Diagnosis], *, api_url: str | None, timeout: float, knowledge_dirs: Sequence[str]
) -> Report:
    from ..gateway import TwilioAccess, credentials_from_env
    from ..pipeline import diagnose_online

    creds = credentials_from_env(os.environ)
    with TwilioAccess(creds, api_url=api_url, timeout=timeout) as access:
        # One batch: the read planner makes each shared read once; knowledge loads while requests are in flight.
        return diagnose_online(subjects, access, lambda: load_kb(knowledge_dirs))
