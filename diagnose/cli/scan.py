"""``diagnose scan``: recent geo-permission failures, grouped, diagnosed and ranked by impact."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import click

from ..errors import DiagnoseError
from ..formats import counted
from . import exit_codes
from ._common import (
    api_url_option,
    color_option,
    concurrency_option,
    fail_incomplete,
    knowledge_option,
    subaccounts_option,
    timeout_option,
)


@click.command("scan")
@click.option("--since", default="7d", show_default=True, metavar="24h|7d", help="How far back (at most 30d).")
@subaccounts_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", metavar="FILE", help="Write the report to FILE instead of stdout.")
@concurrency_option
@api_url_option
@timeout_option
@color_option
@knowledge_option
def scan_command(
    since: str,
    subaccounts: str | None,
    fmt: str,
    out: str | None,
    concurrency: int | None,
    api_url: str | None,
    timeout: float,
    color: str,
    knowledge_dirs: tuple[str, ...],
) -> None:
    """Find recent geo-permission failures and rank the fixes by how many they would have prevented.

    \b
      diagnose scan --since 24h
      diagnose scan --since 7d --subaccounts all --format json
    Reads Monitor alerts, failed messages and call notifications. Exit codes:
    0 no failure found, 1 failures found, 2 bad input, 3 incomplete (an
    account or source could not be read, or a listing went on past its
    page bound), 130 interrupted.
    """
    from ..render.scan import TEXT_GROUPS, render_scan
    from ..scan import parse_since
    from ._common import fail, load_kb, use_color
    from .audit import _parse_subaccounts, _write

    try:
        kb = load_kb(knowledge_dirs)
    except DiagnoseError as err:
        fail(err)  # a broken knowledge file is bad input (exit 2), as for every command
    groups = _Groups(TEXT_GROUPS)
    try:
        try:
            window = parse_since(since)
            scope = _parse_subaccounts(subaccounts)
            doc = run_scan(
                window,
                scope,
                groups,
                kb,
                concurrency=concurrency,
                api_url=api_url,
                timeout=timeout,
                knowledge_dirs=knowledge_dirs,
            )
        except DiagnoseError as err:
            fail_incomplete(err)
        colored = use_color(color) and fmt == "text" and out is None
        try:
            _write(render_scan(fmt, doc, groups.lines, color=colored), out)
        except DiagnoseError as err:
            fail_incomplete(err)
    finally:
        groups.close()
    sys.exit(doc["exit_code"])


def knowledge_codes(kb: Any) -> dict[int, tuple[str, ...]]:
    """Every code with knowledge, and its channels (what the scan looks for, as data)."""
    return {entry.code: tuple(entry.channels) for entry in kb.entries()}


class _Groups:
    """The scan's groups as they come in: spooled as JSON lines, the fixes merged, the largest kept for text."""

    def __init__(self, top: int) -> None:
        from ..scan import FixTally, TopGroups

        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.fixes = FixTally()
        self.top = TopGroups(top)

    def add(self, group: Any, diagnosis: Any, doc: dict[str, Any]) -> None:
        self.file.write(json.dumps(doc, ensure_ascii=False) + "\n")
        self.fixes.add(group, diagnosis)
        self.top.add(group, doc)

    def lines(self) -> Iterator[str]:
        self.file.flush()
        self.file.seek(0)
        for line in self.file:
            yield line.rstrip("\n")

    def close(self) -> None:
        self.file.close()


def run_scan(
    window: dt.timedelta,
    scope: str | tuple[str, ...] | None,
    groups: _Groups,
    kb: Any,
    *,
    concurrency: int | None,
    api_url: str | None,
    timeout: float,
    now: dt.datetime | None = None,
    knowledge_dirs: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The scan's JSON document without its ``groups`` (spooled in ``groups``), with ``top_groups`` for text."""
    from ..audit_reads import DEFAULT_CONCURRENCY
    from ..gateway import TwilioAccess, credentials_from_env
    from ..scan import SCHEMA_VERSION, by_country, describe_window, fix_dict, iso
    from ..scan_reads import Scanner

    codes = knowledge_codes(kb)
    creds = credentials_from_env(os.environ)
    end = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = end - window
    workers = concurrency or DEFAULT_CONCURRENCY
    with TwilioAccess(creds, api_url=api_url, timeout=timeout, max_workers=workers) as access:
        info = Scanner(access, codes, kb, start=start, concurrency=workers, knowledge_dirs=knowledge_dirs).run(
            scope, groups.add
        )
    said = describe_window(window)
    fixes = groups.fixes.fixes(said)
    rolled_up = by_country(fixes, said, name_each=scope != "all")  # a listed scope: no more than it named
    failures = info.failures
    accounts_hit = info.accounts_hit
    # A listing cut at its page bound holds more failures than were counted: the count is a floor.
    cut = len({t["account"] for t in info.truncated})
    if failures:
        headline = (
            f"{'At least ' if cut else ''}{failures:,} geo-permission failure{'s' if failures != 1 else ''} "
            f"in {said}, in {accounts_hit:,} account{'s' if accounts_hit != 1 else ''}"
        )
        if cut:
            headline += f" (incomplete: {_cut_said(cut)})"
        if rolled_up and rolled_up[0]["accounts"] > 1:  # the same change on many accounts: that is the answer
            headline += f"; first fix: {rolled_up[0]['text']}"
        elif fixes and fixes[0].action in ("enable", "console"):
            headline += f"; first fix: {fixes[0].text}"
    elif info.unread_accounts or cut:
        # Not "no failures": what could not be read may hold some.
        unread = [f"{info.unread_accounts:,} of {counted(info.accounts, 'account')} could not be read (fully)"]
        unread = unread if info.unread_accounts else []
        headline = (
            f"No geo-permission failures found in {said}, but the scan is incomplete: "
            f"{'; '.join([*unread, *([_cut_said(cut)] if cut else [])])}."
        )
    else:
        headline = f"No geo-permission failures in {said} ({counted(info.accounts, 'account')} scanned)."
    incomplete = (
        bool(info.problems)
        or bool(info.stopped_hosts)
        or info.unsent_accounts > 0
        or bool(info.truncated)
        or info.interrupted
    )
    if info.interrupted:
        exit_code = exit_codes.INTERRUPTED
    elif incomplete:
        exit_code = exit_codes.INCOMPLETE
    else:
        exit_code = exit_codes.UNRESOLVED if failures else exit_codes.OK
    return {
        "kind": "scan",
        "schema": SCHEMA_VERSION,
        "generated_at": iso(end),
        "authenticated_account": info.authenticated_account,
        "window": {"since": said, "start": iso(start), "end": iso(end)},
        "codes": sorted(codes),
        "accounts_scanned": info.accounts,
        "complete": not incomplete,
        "interrupted": info.interrupted,
        "problems": info.problems,
        "stopped_hosts": info.stopped_hosts,
        "unsent_accounts": info.unsent_accounts,
        "truncated": info.truncated,
        "exit_code": exit_code,
        "headline": headline,
        "failures": failures,
        "by_country": rolled_up,
        "fixes": [fix_dict(i + 1, f) for i, f in enumerate(fixes)],
        "group_count": groups.top.seen,
        "top_groups": groups.top.docs(),
    }


def _cut_said(accounts: int) -> str:
    """The headline's words for listings cut at their page bound (the notes below name each)."""
    from ..plan import LISTING_PAGES

    listings = counted(accounts, "account")
    return f"the listings of {listings} went on past {LISTING_PAGES} pages and were not read to the end"
