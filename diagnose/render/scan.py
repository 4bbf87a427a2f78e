"""``diagnose scan`` output: text, Markdown and JSON (the JSON document is described in docs/audit.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..formats import counted, stopped_host
from ._json_stream import stream_json
from ._text import Styler, one_line

SCAN_FORMATS = ("text", "json", "markdown")
TEXT_FIXES = 20
TEXT_GROUPS = 50


def render_scan(
    fmt: str, doc: Mapping[str, Any], groups: Callable[[], Iterable[str]], *, color: bool = False
) -> Iterator[str]:
    """``doc`` is the document without its groups, plus ``top_groups`` (the largest, for text and Markdown)
    and ``group_count``; ``groups`` gives every group's JSON document (one JSON text each), for JSON."""
    if fmt == "json":
        yield from _json(doc, groups)
    elif fmt == "markdown":
        yield from _markdown(doc)
    else:
        yield from _text(doc, color=color)


def _json(doc: Mapping[str, Any], groups: Callable[[], Iterable[str]]) -> Iterator[str]:
    head = {k: v for k, v in doc.items() if k not in ("top_groups", "group_count")}
    return stream_json(head, [("groups", groups)])


def _notes(doc: Mapping[str, Any]) -> list[str]:
    lines = []
    if doc.get("interrupted"):
        lines.append("Interrupted: only the accounts read before Ctrl-C are counted.")
    unsent = doc.get("unsent_accounts", 0)
    for stopped in doc.get("stopped_hosts") or ():
        lines.append(stopped_host(stopped, "scan", unsent, "not read (fully) from it"))
    # One line per source and reason: a host that timed out for a wave of accounts is said once, not once each;
    # so is a listing cut at its page bound on many busy accounts.
    for key, said in (("problems", "could not be read"), ("truncated", "were not read to the end")):
        grouped: dict[tuple[str, str], list[str]] = {}
        for p in doc.get(key) or ():
            grouped.setdefault((p["source"], p["reason"]), []).append(p["account"])
        for (source, reason), accounts in grouped.items():
            if len(accounts) == 1:
                lines.append(f"Incomplete: {source} of {accounts[0]} {said} ({reason}).")
                continue
            named = ", ".join(accounts[:3]) + (f" and {len(accounts) - 3:,} more" if len(accounts) > 3 else "")
            lines.append(f"Incomplete: {source} of {len(accounts):,} accounts {said} ({reason}): {named}.")
    return lines


def _rolled_up(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The country roll-up, shown when it says more than the fixes: a change needed on several accounts."""
    rows = doc.get("by_country") or []
    return rows if any(row["accounts"] > 1 for row in rows) else []


def _ranked(title: str, rows: Sequence[Mapping[str, Any]], rest: str) -> Iterator[str]:
    """A numbered list of ranked fixes under ``title``: the first TEXT_FIXES, then how many more."""
    if not rows:
        return
    yield f"\n{title}\n"
    for row in rows[:TEXT_FIXES]:
        yield f"  {row['rank']}. {one_line(row['text'])}\n"
    if len(rows) > TEXT_FIXES:
        yield f"  … {len(rows) - TEXT_FIXES:,} more ({rest})\n"


def _text(doc: Mapping[str, Any], *, color: bool) -> Iterator[str]:
    style = Styler(color)
    # No failure found is good news only when everything was read.
    tone = "red" if doc["failures"] else ("green" if doc.get("complete", True) else "yellow")
    yield style(doc["headline"], "bold", tone) + "\n"
    for line in _notes(doc):
        yield style(line, "yellow") + "\n"
    yield from _ranked(
        "By country (one change on every account that needs it), by the failures it would have prevented:",
        _rolled_up(doc),
        "--format json lists them under by_country",
    )
    yield from _ranked(
        "Fixes, by the failures they would have prevented:", doc["fixes"], "--format json lists every fix"
    )
    groups, total = doc["top_groups"], doc["group_count"]
    if groups:
        yield (
            f"\n{'account':<34}  {'country':<7}  {'code':<5}  {'product':<7}  {'failures':>8}  "
            f"{'last seen':<20}  diagnosis\n"
        )
        for g in groups[:TEXT_GROUPS]:
            yield (
                f"{g['account']:<34}  {g['country'] or '?':<7}  {g['code']:<5}  {g['product']:<7}  "
                f"{g['failures']:>8,}  {g['last_seen'] or '-':<20}  {one_line(g['diagnosis'])}\n"
            )
    if total > len(groups):
        yield f"… {total - len(groups):,} more groups (--format json lists every group)\n"
    yield (
        f"\nScanned {counted(doc['accounts_scanned'], 'account')}: Monitor alerts, failed messages and call "
        f"notifications since {doc['window']['start']} for codes {', '.join(str(c) for c in doc['codes'])}.\n"
    )


def _markdown(doc: Mapping[str, Any]) -> Iterator[str]:
    from ._markdown import code, with_code

    yield f"## Geo-permission failures: {with_code(doc['headline'])}\n\n"
    for line in _notes(doc):
        yield f"- {with_code(line)}\n"
    # A GitHub job summary holds 1 MiB: the largest fixes and groups, and a pointer to the JSON.
    rolled_up = _rolled_up(doc)
    if rolled_up:
        yield "\n| # | by country: one change on every account that needs it | accounts | failures |\n"
        yield "|---:|---|---:|---:|\n"
        for row in rolled_up[:TEXT_FIXES]:
            yield (
                f"| {row['rank']} | {with_code(row['text'], cell=True)} | {row['accounts']:,} | {row['failures']:,} |\n"
            )
        if len(rolled_up) > TEXT_FIXES:
            yield f"\n{len(rolled_up) - TEXT_FIXES:,} more: `diagnose scan --format json` lists them (`by_country`).\n"
    fixes = doc["fixes"]
    if fixes:
        yield "\n| # | fix | failures |\n|---:|---|---:|\n"
        for fix in fixes[:TEXT_FIXES]:
            yield f"| {fix['rank']} | {with_code(fix['text'], cell=True)} | {fix['failures']:,} |\n"
        if len(fixes) > TEXT_FIXES:
            yield f"\n{len(fixes) - TEXT_FIXES:,} more fixes: `diagnose scan --format json` lists every fix.\n"
    groups, total = doc["top_groups"], doc["group_count"]
    if groups:
        yield "\n| account | country | code | failures | diagnosis |\n|---|---|---|---:|---|\n"
        for g in groups:
            yield (
                f"| {code(g['account'], cell=True)} | {g['country'] or '?'} | {g['code']} | {g['failures']:,} | "
                f"{with_code(g['diagnosis'], cell=True)} |\n"
            )
    if total > len(groups):
        yield f"\n{total - len(groups):,} more groups: `diagnose scan --format json` lists every group.\n"
