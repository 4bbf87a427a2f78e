"""``diagnose audit`` output: text matrix, Markdown (CI job summary), HTML, CSV and JSON.

Every renderer takes the document head (``diagnose.audit.document_head``) and
``rows``, a callable returning a fresh iterable of
:class:`~diagnose.audit.AccountAudit` (the CLI reads them back from a spool
file, so thousands of accounts never sit in memory), and yields text chunks.
Data from Twilio (friendly names) may hold anything: it is cleaned for the
terminal, escaped for Markdown and HTML.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..audit import BLOCKED_WHY, NOT_ALLOWED, AccountAudit, Cell, gaps
from ..formats import counted, stopped_host
from ._json_stream import stream_json
from ._text import Styler, one_line

Rows = Callable[[], Iterable[AccountAudit]]
AUDIT_FORMATS = ("text", "json", "markdown", "html", "csv")
MATRIX_ALL_UP_TO = 50
"""``--rows auto`` lists every account up to this many, else only those with a gap or unknown."""
MARKDOWN_GAP_ROWS = 500

GLYPH = {"enabled": "+", "disabled": "-", "blocked": "x", "unknown": "?"}
_STYLE = {"enabled": ("green",), "disabled": ("bold", "red"), "blocked": ("red",), "unknown": ("yellow",)}
_PRODUCT = {"sms": "SMS", "voice": "voice"}


def render_audit(
    fmt: str, head: Mapping[str, Any], rows: Rows, *, color: bool = False, all_rows: bool | None = None
) -> Iterator[str]:
    if fmt == "json":
        return _json(head, rows)
    if fmt == "csv":
        return _csv(head, rows)
    if fmt == "markdown":
        return _markdown(head, rows)
    if fmt == "html":
        return _html(head, rows)
    return _text(head, rows, color=color, all_rows=all_rows)


def _why(cell: Cell) -> str:
    if cell.status == "blocked":
        return BLOCKED_WHY.get(cell.reason or "", BLOCKED_WHY[NOT_ALLOWED])
    if cell.status == "disabled":
        if cell.product == "voice" and cell.source == "parent":
            return "off on the parent, which this subaccount inherits"
        if cell.product == "sms" and cell.same_as_parent is False:
            return "off, though its parent has it on: the subaccount has SMS permissions of its own there"
        if cell.product == "sms" and cell.same_as_parent:
            return "off on its parent too"
        return "off"
    if cell.status == "unknown":
        return cell.reason or "not read"
    return ""


def _ranges(cell: Cell) -> str:
    if cell.ranges is None:
        return ""
    on = [
        name
        for name, flag in (
            ("low-risk", cell.ranges.low_risk),
            ("high-risk special", cell.ranges.high_risk_special),
            ("toll-fraud", cell.ranges.high_risk_tollfraud),
        )
        if flag
    ]
    return ", ".join(on) or "none"


SMS_COMPARISON_NOTE = (
    "SMS compared with the parent: 'same as parent' is consistent with inheriting the parent's SMS permissions "
    "but is no proof (inheritance is a Console setting the API cannot read, and a subaccount with identical "
    "settings of its own answers the same); 'differs' means the subaccount has SMS permissions of its own there, "
    "unless the API answers a subaccount's stored list rather than its effective one, which Twilio does not document."
)
"""What comparing a subaccount's SMS answers with its parent's shows and does not (``audit.sms_comparison``)."""


def _sms_note(account: AccountAudit) -> str | None:
    """The matrix's short form of the account's SMS comparison with its parent."""
    if account.sms_comparison is None:
        return None
    differ = sorted(c.country for c in account.cells if c.product == "sms" and c.same_as_parent is False)
    return f"SMS differs from parent: {', '.join(differ)}" if differ else "SMS same as parent"


def _status_line(head: Mapping[str, Any]) -> list[str]:
    """Why the exit code is what it is, when it is not plain success."""
    lines = []
    if head.get("interrupted"):
        lines.append("Interrupted: the accounts below are those audited before Ctrl-C; the audit is incomplete.")
    if head.get("scope_problem"):
        lines.append(f"Incomplete: {head['scope_problem']}.")
    unsent = head.get("unsent_accounts", 0)
    for stopped in head.get("stopped_hosts") or ():
        lines.append(stopped_host(stopped, "audit", unsent, note=" (unknown below: 'not sent')"))
    if head.get("parent_problem"):
        lines.append(f"Not compared with the parent: {head['parent_problem']}.")
    summary = head["summary"]
    if summary["unknown"] and not head.get("interrupted"):
        lines.append(f"Incomplete: {counted(summary['unknown'], 'account')} could not be read; see 'unknown' below.")
    skipped = head.get("skipped") or {}
    if skipped:
        parts = [f"{n:,} {status}" for status, n in sorted(skipped.items())]
        said = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        noun = "subaccount" if sum(skipped.values()) == 1 else "subaccounts"
        lines.append(f"Not audited: {said} {noun} (they cannot send or call).")
    return lines


def _totals(head: Mapping[str, Any]) -> list[tuple[str, str, dict[str, int]]]:
    out = []
    for iso, per in head["summary"]["countries"].items():
        for product, counts in per.items():
            out.append((iso, product, counts))
    return out


# --------------------------------------------------------------------------- text


def _uniform_gaps(head: Mapping[str, Any]) -> dict[tuple[str, str], None]:
    """(country, product) disabled on every account, or blocked on every account: nothing tells accounts apart."""
    accounts = head["summary"]["accounts"]
    if accounts <= MATRIX_ALL_UP_TO:
        return {}
    return {
        (iso, product): None
        for iso, product, counts in _totals(head)
        if counts["disabled"] == accounts or counts["blocked"] == accounts
    }


def _only_gaps_in(account: AccountAudit, uniform: Mapping[tuple[str, str], None]) -> bool:
    return all(cell.status == "enabled" or (cell.country, cell.product) in uniform for cell in account.cells)


def _text(head: Mapping[str, Any], rows: Rows, *, color: bool, all_rows: bool | None) -> Iterator[str]:
    style = Styler(color)
    headline = head["headline"]
    problem = head["exit_code"] != 0
    yield style(headline[0], "bold", "red" if problem else "green") + "\n"
    for line in headline[1:]:
        yield f"{one_line(line)}\n"
    for line in _status_line(head):
        yield style(line, "yellow") + "\n"
    summary = head["summary"]
    countries, products = head["countries"], head["products"]
    yield (
        f"\nAudited {counted(summary['accounts'], 'account')} ({counted(summary['subaccounts'], 'subaccount')}) for "
        f"{', '.join(_PRODUCT[p] for p in products)} to {counted(len(countries), 'country', 'countries')}: "
        f"{summary['usable']:,} usable everywhere, {summary['gaps']:,} with gaps, {summary['unknown']:,} unknown.\n\n"
    )
    # Per-country totals.
    yield "country  product  enabled  disabled  blocked  unknown\n"
    for iso, product, counts in _totals(head):
        yield (
            f"{iso:<8} {_PRODUCT[product]:<7} {counts['enabled']:>8,} {counts['disabled']:>9,} "
            f"{counts['blocked']:>8,} {counts['unknown']:>8,}\n"
        )
    show_all = all_rows if all_rows is not None else summary["accounts"] <= MATRIX_ALL_UP_TO
    # --rows auto, many accounts: a gap every account has (IR blocked, NG SMS Console-only) is said by the
    # headline and the totals; listed, it would make every account a row and hide the accounts that differ
    uniform = {} if all_rows is not None else _uniform_gaps(head)
    width = len(products)
    legend = " then ".join(_PRODUCT[p] for p in products)
    voice_column = "voice" in products  # whose dialing permissions apply: only a voice audit reads them
    inherited = "; voice 'parent': inherited dialing permissions" if voice_column else ""
    yield f"\nMatrix ({legend} per country; + enabled, - disabled, x blocked, ? unknown{inherited}):\n"
    col = max(width, 2)
    header = f"{'account':<34}  {'name':<24}  " + "  ".join(f"{iso:<{col}}" for iso in countries)
    yield header + ("  voice  notes" if voice_column else "  notes") + "\n"
    hidden = 0
    compared = False
    alike = 0
    for account in rows():
        if not show_all and account.verdict == "usable":
            hidden += 1
            continue
        if not show_all and uniform and _only_gaps_in(account, uniform):
            alike += 1
            continue
        cells = []
        for iso in countries:
            glyphs = []
            for product in products:
                cell = account.cell(iso, product)
                status = cell.status if cell else "unknown"
                glyphs.append(style(GLYPH[status], *_STYLE[status]))
            cells.append("".join(glyphs) + " " * (col - width))
        name = one_line(account.friendly_name)
        name = name[:23] + "…" if len(name) > 24 else name
        voice = ""
        if "voice" in products and account.is_subaccount:
            voice = {True: "parent", False: "own"}.get(account.voice_inheritance, "?")  # type: ignore[arg-type]
        notes = []
        if not account.is_subaccount and account.sid == head.get("authenticated_account"):
            notes.append("main")  # an unreadable listed account has no parent either, but is no main account
        if account.problem:
            notes.append(f"unknown: {one_line(account.problem)}")
        sms_note = _sms_note(account)
        if sms_note:
            notes.append(sms_note)
            compared = True
        row = f"{account.sid:<34}  {name:<24}  " + "  ".join(cells) + (f"  {voice:<6}" if voice_column else "")
        yield (row + f"  {'; '.join(notes)}").rstrip() + "\n"
    if hidden:
        yield f"({counted(hidden, 'account')} with every country usable not listed; --rows all lists them.)\n"
    if alike:
        said = ", ".join(f"{iso} {_PRODUCT[product]}" for iso, product in uniform)
        yield (
            f"({counted(alike, 'account')} whose only gaps are those every account has ({said}: see the totals) "
            "not listed; --rows problems or --rows all lists them.)\n"
        )
    if compared:
        import textwrap

        yield "\n" + textwrap.fill(SMS_COMPARISON_NOTE, 100) + "\n"


# --------------------------------------------------------------------------- json


def _json(head: Mapping[str, Any], rows: Rows) -> Iterator[str]:
    """One JSON document, streamed: the head's fields, then ``accounts``, then ``gaps``."""

    def accounts() -> Iterator[str]:
        return (json.dumps(a.as_dict(), ensure_ascii=False) for a in rows())

    def all_gaps() -> Iterator[str]:
        return (json.dumps(g, ensure_ascii=False) for a in rows() for g in gaps(a))

    return render_audit_json(head, accounts, all_gaps)


def render_audit_json(
    head: Mapping[str, Any], accounts: Callable[[], Iterable[str]], gap_docs: Callable[[], Iterable[str]]
) -> Iterator[str]:
    """The JSON document from already-encoded account and gap documents (one JSON text each)."""
    return stream_json(head, [("accounts", accounts), ("gaps", gap_docs)])


# --------------------------------------------------------------------------- csv

CSV_COLUMNS = (
    "account_sid", "friendly_name", "parent_sid", "country", "product", "status", "usable", "reason",
    "source", "low_risk", "high_risk_special", "high_risk_tollfraud", "same_as_parent", "account_problem",
)  # fmt: skip


def _csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula injection from a friendly name."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv(head: Mapping[str, Any], rows: Rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for account in rows():
        for cell in account.cells:
            r = cell.ranges
            writer.writerow(
                [
                    account.sid,
                    _csv_safe(one_line(account.friendly_name)),
                    account.parent or "",
                    cell.country,
                    cell.product,
                    cell.status,
                    str(cell.usable).lower(),
                    _csv_safe(cell.reason or ""),
                    cell.source or "",
                    "" if r is None else str(r.low_risk).lower(),
                    "" if r is None else str(r.high_risk_special).lower(),
                    "" if r is None else str(r.high_risk_tollfraud).lower(),
                    "" if cell.same_as_parent is None else str(cell.same_as_parent).lower(),
                    _csv_safe(account.problem or ""),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# --------------------------------------------------------------------------- markdown


def _markdown(head: Mapping[str, Any], rows: Rows) -> Iterator[str]:
    from ._markdown import code, escape

    ok = head["exit_code"] == 0
    yield f"## {'✅' if ok else '❌'} Geo permissions audit\n\n"
    for line in head["headline"]:
        yield f"- **{escape(line)}**\n"
    for line in _status_line(head):
        yield f"- {escape(line)}\n"
    products = head["products"]
    yield "\n| country | " + " | ".join(f"{_PRODUCT[p]} enabled | {_PRODUCT[p]} not usable" for p in products) + " |\n"
    yield "|---|" + "---:|---:|" * len(products) + "\n"
    for iso, per in head["summary"]["countries"].items():
        parts = []
        for p in products:
            c = per[p]
            parts.append(
                f"{c['enabled']:,} | {c['disabled'] + c['blocked']:,}"
                + (f" (+{c['unknown']:,} unknown)" if c["unknown"] else "")
            )
        yield f"| {iso} | " + " | ".join(parts) + " |\n"
    shown = 0
    more = 0
    header = False
    compared = False  # a row above says how a subaccount's SMS answer compares with its parent's
    uniform = _uniform_gaps(head)  # one row each, not one per account: they would fill the table's rows
    for account in rows():
        if uniform and not header:
            yield "\n### Not usable\n\n| account | name | country | product | status | why |\n"
            yield "|---|---|---|---|---|---|\n"
            header = True
            for cell in account.cells:
                if (cell.country, cell.product) in uniform:
                    yield (
                        f"| every account ({head['summary']['accounts']:,}) |  | {cell.country} | "
                        f"{_PRODUCT[cell.product]} | {cell.status} | {escape(_why(cell))} |\n"
                    )
        for cell in account.cells:
            if cell.status == "enabled" or (cell.country, cell.product) in uniform:
                continue
            if shown >= MARKDOWN_GAP_ROWS:
                more += 1
                continue
            if not header:
                yield "\n### Not usable\n\n| account | name | country | product | status | why |\n"
                yield "|---|---|---|---|---|---|\n"
                header = True
            shown += 1
            compared = compared or (cell.product == "sms" and cell.same_as_parent is not None)
            yield (
                f"| {code(account.sid, cell=True)} | {escape(account.friendly_name)} | {cell.country} | "
                f"{_PRODUCT[cell.product]} | {cell.status} | {escape(_why(cell))} |\n"
            )
    if more:
        yield f"\n…and {more:,} more; `diagnose audit --format csv` lists every cell.\n"
    if compared:
        yield f"\n{escape(SMS_COMPARISON_NOTE)}\n"
    yield f"\n<sub>diagnose audit, {escape(head['generated_at'])}, exit code {head['exit_code']}</sub>\n"


# --------------------------------------------------------------------------- html


def _html(head: Mapping[str, Any], rows: Rows) -> Iterator[str]:
    from ._env import html_env

    template = html_env().get_template("audit.html.j2")
    totals = []
    accounts = head["summary"]["accounts"] or 1
    for iso, product, counts in _totals(head):
        shares = {k: round(100 * v / accounts, 2) for k, v in counts.items()}
        totals.append({"iso": iso, "product": _PRODUCT[product], "counts": counts, "shares": shares})

    uniform = _uniform_gaps(head)  # as the text matrix: they would make every account a problem row

    def problem_rows() -> Iterator[AccountAudit]:
        return (a for a in rows() if a.verdict != "usable" and not (uniform and _only_gaps_in(a, uniform)))

    def alike_rows() -> Iterator[AccountAudit]:
        return (a for a in rows() if a.verdict != "usable" and uniform and _only_gaps_in(a, uniform))

    def usable_rows() -> Iterator[AccountAudit]:
        return (a for a in rows() if a.verdict == "usable")

    return template.generate(
        head=head,
        uniform=[f"{iso} {_PRODUCT[product]}" for iso, product in uniform],
        alike_rows=alike_rows,
        status_lines=_status_line(head),
        totals=totals,
        problem_rows=problem_rows,
        usable_rows=usable_rows,
        product_names=_PRODUCT,
        why=_why,
        ranges=_ranges,
        glyph=GLYPH,
        text=one_line,
    )
