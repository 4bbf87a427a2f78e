"""``diagnose audit``: the command-line edge of the audit (options, spool, progress, Ctrl-C, exit code).

The reads are in ``diagnose.audit_reads``, the meaning in ``diagnose.audit``,
the output in ``diagnose.render.audit``. Results are spooled to a temporary
file as JSON lines while the audit runs, then rendered in one or two passes
over it, so memory does not grow with the number of subaccounts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from ..errors import DiagnoseError, InputError
from . import exit_codes
from ._common import (
    api_url_option,
    color_option,
    concurrency_option,
    fail_incomplete,
    subaccounts_option,
    timeout_option,
)


class Spool:
    """Audited accounts (and their gaps) as JSON lines in unnamed temporary files; re-readable at will."""

    def __init__(self) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._gaps: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0

    def write(self, account: Any) -> None:
        from ..audit import gaps

        self._file.write(json.dumps(account.as_dict(), ensure_ascii=False) + "\n")
        for gap in gaps(account):
            self._gaps.write(json.dumps(gap, ensure_ascii=False) + "\n")
        self.count += 1

    def _lines(self, handle: IO[str]) -> Iterator[str]:
        handle.flush()
        handle.seek(0)
        for line in handle:
            yield line.rstrip("\n")
        handle.seek(0, os.SEEK_END)

    def read(self) -> Iterator[Any]:
        from ..audit import AccountAudit

        for line in self._lines(self._file):
            yield AccountAudit.from_dict(json.loads(line))

    def raw_accounts(self) -> Iterator[str]:
        """Each account's JSON document, as written (the JSON output copies them without decoding)."""
        return self._lines(self._file)

    def raw_gaps(self) -> Iterator[str]:
        return self._lines(self._gaps)

    def close(self) -> None:
        self._file.close()
        self._gaps.close()


def _exit_code(head_tally: Any, info: Any) -> int:
    if info.interrupted:
        return exit_codes.INTERRUPTED
    if not head_tally.complete or info.scope_problem:
        return exit_codes.INCOMPLETE
    if head_tally.verdicts["gaps"]:
        return exit_codes.UNRESOLVED
    return exit_codes.OK


def _parse_subaccounts(value: str | None) -> str | tuple[str, ...] | None:
    from ..evidence import check_account_sid

    if value is None:
        return None
    text = value.strip()
    if text.lower() == "all":
        return "all"
    sids = [s for s in (p.strip() for p in text.replace(";", ",").split(",")) if s]
    if not sids:
        raise InputError("--subaccounts: give 'all' or account SIDs (AC…,AC…)")
    if len(sids) > 100_000:
        raise InputError("--subaccounts: too many SIDs")
    return tuple(dict.fromkeys(check_account_sid(s) for s in sids))


def read_countries(countries: str | None, countries_file: str | None) -> tuple[str, ...]:
    from ..audit import parse_countries, parse_countries_file

    found: list[str] = []
    if countries:
        found.extend(parse_countries(countries))
    if countries_file:
        path = Path(countries_file)
        try:
            if path.stat().st_size > 2_000_000:
                raise InputError(f"{countries_file}: the file is too large for a country list")
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"--countries-file {countries_file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise InputError(f"--countries-file {countries_file}: not UTF-8 text") from None
        found.extend(parse_countries_file(text, countries_file))
    if not found:
        raise InputError("give the required countries: --countries FR,DE,IN or --countries-file FILE")
    return tuple(dict.fromkeys(found))


@click.command("audit")
@click.option("--countries", metavar="FR,DE,…", help="Required destination countries (ISO codes or names).")
@click.option(
    "--countries-file",
    metavar="FILE",
    help="Required countries from a YAML list/mapping or a CSV with a country/iso/code column.",
)
@click.option("--product", default="sms,voice", show_default=True, metavar="sms,voice", help="What to audit.")
@subaccounts_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html", "csv"]),
    default="text",
    show_default=True,
)
@click.option("--out", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option(
    "--rows",
    type=click.Choice(["auto", "all", "problems"]),
    default="auto",
    show_default=True,
    help="Text matrix rows: every account, or only those with a gap or unknown (auto: all up to 50 accounts; "
    "beyond, those with a gap or unknown but a gap every account has).",
)
@concurrency_option
@api_url_option
@timeout_option
@color_option
def audit_command(
    countries: str | None,
    countries_file: str | None,
    product: str,
    subaccounts: str | None,
    fmt: str,
    out: str | None,
    rows: str,
    concurrency: int | None,
    api_url: str | None,
    timeout: float,
    color: str,
) -> None:
    """Check that every required country is enabled on every account: a start-up check or CI gate.

    \b
      diagnose audit --countries FR,DE,IN
      diagnose audit --countries-file destinations.csv --subaccounts all --format markdown
    Exit codes: 0 every required country usable on every audited account,
    1 gaps, 2 bad input, 3 incomplete (an account or the account list could
    not be read; Twilio unreachable; credentials rejected), 130 interrupted.
    """
    from ._common import use_color

    try:
        wanted = read_countries(countries, countries_file)
        from ..audit import parse_products

        products = parse_products(product)
        scope = _parse_subaccounts(subaccounts)
        code = run_audit_command(
            wanted,
            products,
            scope,
            fmt=fmt,
            out=out,
            all_rows={"auto": None, "all": True, "problems": False}[rows],
            concurrency=concurrency,
            api_url=api_url,
            timeout=timeout,
            color=use_color(color) and out is None and fmt == "text",
        )
    except DiagnoseError as err:
        fail_incomplete(err)
    sys.exit(code)


def run_audit_command(
    countries: tuple[str, ...],
    products: tuple[str, ...],
    scope: str | tuple[str, ...] | None,
    *,
    fmt: str,
    out: str | None,
    all_rows: bool | None,
    concurrency: int | None,
    api_url: str | None,
    timeout: float,
    color: bool,
) -> int:
    from ..audit import Tally, document_head
    from ..audit_reads import DEFAULT_CONCURRENCY, Auditor
    from ..gateway import TwilioAccess, credentials_from_env
    from ..render.audit import render_audit, render_audit_json
    from .progress import Progress

    creds = credentials_from_env(os.environ)
    workers = concurrency or DEFAULT_CONCURRENCY
    tally = Tally(countries, products)
    spool = Spool()
    # On a terminal only (cli/progress.py decides); the total grows as the account list is read.
    progress = Progress(total=1 if scope is None else None, label="auditing accounts")
    stop = threading.Event()

    def emit(account: Any) -> None:
        tally.add(account)
        spool.write(account)
        progress.advance()

    def listed(count: int) -> None:
        progress.total = count  # accounts listed so far, the authenticated one included when audited
        progress.draw()

    try:
        with TwilioAccess(creds, api_url=api_url, timeout=timeout, max_workers=workers) as access:
            auditor = Auditor(access, countries, products, concurrency=workers)
            with progress:
                info = auditor.run(scope, emit, on_listed=listed, stop=stop)
        code = _exit_code(tally, info)
        head = document_head(
            tally=tally,
            authenticated_account=info.authenticated_account,
            scope="all" if scope == "all" else ("account" if scope is None else "listed"),
            generated_at=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            exit_code=code,
            interrupted=info.interrupted,
            scope_problem=info.scope_problem,
            skipped=info.skipped,
            stopped_hosts=info.stopped_hosts,
            unsent_accounts=info.unsent_accounts,
            parent_problem=info.parent_problem,
        )
        if fmt == "json":
            chunks = render_audit_json(head, spool.raw_accounts, spool.raw_gaps)
        else:
            chunks = render_audit(fmt, head, spool.read, color=color, all_rows=all_rows)
        _write(chunks, out)
        return code
    finally:
        spool.close()


def _write(chunks: Iterator[str], out: str | None) -> None:
    if out is None:
        try:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (| head): not an error; keep Python from complaining at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return
    try:
        with open(out, "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except OSError as exc:
        raise InputError(f"--out {out}: {exc.strerror or exc}") from None
