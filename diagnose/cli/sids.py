"""``diagnose SID…`` (the hidden ``sids`` command): diagnose messages and calls by SID, live."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import DiagnoseError, InputError
from ._common import (
    api_url_option,
    color_option,
    emit_report,
    fail,
    format_option,
    knowledge_option,
    load_kb,
    timeout_option,
    use_color,
)
from ._router import SidArg, route

if TYPE_CHECKING:
    from ..models import Diagnosis, Report
    from ..plan import SidSubject

# A handful of SIDs is brief; a longer batch, like a paste, runs with the cyclic collector.
_BRIEF_BATCH = 8


class _SidsContext(click.Context):
    """Names no sub-command either: a usage error's hint is 'Try 'diagnose --help'', never the hidden ``sids``."""

    @property
    def command_path(self) -> str:
        return self.find_root().command_path


class _SidsCommand(click.Command):
    """Its usage line names no sub-command: users type ``diagnose SID…``."""

    context_class = _SidsContext

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.find_root().info_name or "diagnose", "SID... [OPTIONS]")


@click.command("sids", cls=_SidsCommand, hidden=True)
@click.argument("sids", nargs=-1, required=True)
@click.option(
    "--account",
    metavar="AC…",
    help="The subaccount that owns the SIDs (default: search all); for pasted errors, the account that sent "
    "those that name none (default: the credentials' account).",
)
@api_url_option
@timeout_option
@format_option
@color_option
@knowledge_option
@click.option("--offline", is_flag=True, help="Pasted errors: diagnose from the text alone, even with credentials.")
@click.option("--redact-numbers", is_flag=True, help="Mask phone numbers in the output (+33*******78).")
def command(
    sids: tuple[str, ...],
    account: str | None,
    api_url: str | None,
    timeout: float,
    fmt: str,
    color: str,
    knowledge_dirs: tuple[str, ...],
    offline: bool,
    redact_numbers: bool,
) -> None:
    """Diagnose messages (SM…/MM…) and calls (CA…) by SID, or pasted errors (-, FILE, TEXT, CODE)."""
    from ..pipeline import parse_sids

    pasted = any(not isinstance(route(arg), SidArg) for arg in sids)
    if pasted or len(sids) > _BRIEF_BATCH:
        gc.enable()  # input of any size gets the cyclic collector back (see cli._BRIEF)
    if pasted:
        from ..evidence import check_account_sid
        from .paste import PasteRun, run_paste

        try:
            account = check_account_sid(account) if account else None
        except InputError as err:
            fail(err)
        knowledge = functools.partial(load_kb, knowledge_dirs)
        run = PasteRun(
            fmt,
            offline,
            api_url,
            timeout,
            knowledge,
            redact_numbers=redact_numbers,
            color=use_color(color),
            own_knowledge=bool(knowledge_dirs),
            account=account,
        )
        run_paste(sids, run)
        return
    if offline:
        # A SID is read from Twilio or not at all: saying nothing would send the requests --offline forbids.
        fail(InputError("--offline is for pasted errors: a SID is diagnosed by reading it from Twilio"))
    try:
        # Before the credentials are read: a malformed SID among others becomes its own entry (exit 2);
        # only a malformed --account, or no well-formed SID at all, stops the command here.
        subjects = parse_sids(sids, account)
        report = _diagnose_online(subjects, api_url=api_url, timeout=timeout, knowledge_dirs=knowledge_dirs)
    except DiagnoseError as err:
        fail(err)
    emit_report(report, fmt, color, redact_numbers=redact_numbers, knowledge_dirs=knowledge_dirs)


def _diagnose_online(
    subjects: Sequence[SidSubject | Diagnosis], *, api_url: str | None, timeout: float, knowledge_dirs: Sequence[str]
) -> Report:
    from ..gateway import TwilioAccess, credentials_from_env
    from ..pipeline import diagnose_online

    creds = credentials_from_env(os.environ)
    with TwilioAccess(creds, api_url=api_url, timeout=timeout) as access:
        # One batch: the read planner makes each shared read once; knowledge loads while requests are in flight.
        return diagnose_online(subjects, access, lambda: load_kb(knowledge_dirs))
