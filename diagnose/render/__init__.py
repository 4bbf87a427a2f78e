"""Render reports, explanations and index entries as text, Markdown, HTML or JSON.

Every renderer is pure: it takes the document model and returns ``str``
without a trailing newline (``click.echo`` adds it); only the CLI prints. Templates are
``render/templates/*.j2``; HTML is autoescaped and Markdown becomes HTML
through markdown-it-py with raw HTML disabled, so nothing from data or
knowledge can inject markup. Text output has ANSI colour only with
``color=True``; control characters from data are always made visible.

The JSON of a report is a stable interface, documented in
``docs/report-format.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import RenderError
from ..formats import FORMATS
from ..safe_text import clean
from ._env import render_html, render_text
from ._json import dumps_entry, dumps_plain, dumps_report
from ._text import WIDTH, Styler
from ._views import docs_url, entry_view, report_view

if TYPE_CHECKING:
    from ..knowledge.model import Entry, IndexEntry
    from ..models import Report

__all__ = [
    "FORMATS",
    "WIDTH",
    "render_code_list",
    "render_explain",
    "render_index_entry",
    "render_report",
    "render_summary",
]


_EXT = {"text": "txt", "markdown": "md", "html": "html"}


def _check(fmt: str) -> str:
    if fmt not in FORMATS:
        raise RenderError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def _render(kind: str, fmt: str, color: bool, context: dict[str, object], width: int = WIDTH) -> str:
    name = f"{kind}.{_EXT[fmt]}.j2"
    if fmt == "html":
        out = render_html(name, {"stylesheet": "", "home": "", **context})
    else:
        width = max(40, width)  # narrower than this, hanging indents leave no room for words
        out = render_text(name, {**context, "width": width, "c": Styler(color and fmt == "text", width)})
    return out.removesuffix("\n")


def render_report(report: Report, fmt: str = "text", *, color: bool = False, width: int = WIDTH) -> str:
    """A diagnosis report, answer first; a batch ends with one line per subject.

    ``color`` adds ANSI colour to ``text``; ``width`` is the column ``text`` wraps at. Both are
    ignored by the other formats.
    """
    if _check(fmt) == "json":
        return dumps_report(report).removesuffix("\n")
    rv = report_view(report.diagnoses)
    return _render("report", fmt, color, {"rv": rv, "views": rv.views}, width)


def render_summary(report: Report, *, color: bool = False, width: int = WIDTH) -> str:
    """One text line per diagnosis: SID, code, verdict, cause (or why it was not diagnosed)."""
    return _render("summary", "text", color, {"rv": report_view(report.diagnoses)}, width)


def render_explain(entry: Entry, fmt: str = "text", *, color: bool = False, width: int = WIDTH) -> str:
    """Everything known about one code, like ``rustc --explain``: templates show ``<fact>`` placeholders."""
    if _check(fmt) == "json":
        return dumps_entry(entry).removesuffix("\n")
    return _render("explain", fmt, color, {"v": entry_view(entry)}, width)


def render_code_list(entries: Sequence[Entry], fmt: str = "text") -> str:
    """``diagnose explain --list``: one ``CODE  TITLE`` line per code with knowledge, or in JSON a list of
    ``{"code", "title", "summary"}``. Markdown and HTML have the runbook index (``runbook --all --out``)."""
    if _check(fmt) == "json":
        rows = [{"code": e.code, "title": e.title, "summary": e.summary} for e in entries]
        return dumps_plain(rows).removesuffix("\n")
    if fmt != "text":
        raise RenderError(f"a list of codes is text or json, not {fmt}")
    return clean("\n".join(f"{e.code}  {e.title}" for e in entries))


def render_index_entry(entry: IndexEntry, fmt: str = "text", *, color: bool = False, width: int = WIDTH) -> str:
    """A code only the error index knows: its official facts, and that no diagnostic rules exist yet."""
    if _check(fmt) == "json":
        return dumps_plain(entry).removesuffix("\n")
    context = {"e": entry, "docs_url": docs_url(entry.code, entry.docs_url)}
    return _render("index_entry", fmt, color, context, width)
