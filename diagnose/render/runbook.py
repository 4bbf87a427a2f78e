"""Support runbooks (Prometheus runbook style) and the static runbook site.

A runbook has no account to look at: knowledge templates render with
``<fact>`` placeholders. :func:`render_runbook` returns text without a trailing
newline, like every renderer; :func:`build_site` returns whole files (each
ending in a newline) and is pure: the CLI writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import RenderError
from ._env import render_html, render_text, stylesheet
from ._views import entry_view

if TYPE_CHECKING:
    from ..knowledge.model import Entry

__all__ = ["RUNBOOK_FORMATS", "build_site", "render_runbook"]

RUNBOOK_FORMATS: tuple[str, ...] = ("markdown", "html")


def render_runbook(entry: Entry, fmt: str = "markdown") -> str:
    """The runbook for one code: Meaning, Impact, Diagnosis, Mitigation, Prevention, Escalation, References."""
    if fmt == "markdown":
        return render_text("runbook.md.j2", {"v": entry_view(entry)}).removesuffix("\n")
    if fmt == "html":
        html = render_html("runbook.html.j2", {"v": entry_view(entry), "stylesheet": "", "home": ""})
        return html.removesuffix("\n")
    raise RenderError(f"unknown runbook format {fmt!r}: use one of {', '.join(RUNBOOK_FORMATS)}")


def page_name(code: int, fmt: str = "html") -> str:
    return f"{code}.{'md' if fmt == 'markdown' else 'html'}"


def build_site(entries: Sequence[Entry], fmt: str = "html") -> dict[str, str]:
    """Relative filename → content: an index, one page per entry, and (for HTML) ``style.css``.

    ``fmt`` ``html`` gives ``index.html`` and ``<code>.html``; ``markdown`` gives ``index.md``
    and ``<code>.md``, for a wiki or a repository. Related codes link to their page when the
    site has one, to Twilio's docs otherwise.
    """
    if fmt not in RUNBOOK_FORMATS:
        raise RenderError(f"unknown runbook format {fmt!r}: use one of {', '.join(RUNBOOK_FORMATS)}")
    by_code = {entry.code: entry for entry in entries}
    codes = sorted(by_code)
    pages = {code: (page_name(code, fmt), by_code[code].title) for code in codes}
    site: dict[str, str] = {}
    listed = []
    for code in codes:
        view = entry_view(by_code[code], pages)
        name = page_name(code, fmt)
        if fmt == "markdown":
            site[name] = render_text("runbook.md.j2", {"v": view})
        else:
            site[name] = render_html("runbook.html.j2", {"v": view, "stylesheet": "style.css", "home": "index.html"})
        listed.append((name, view))
    if fmt == "markdown":
        site["index.md"] = render_text("site_index.md.j2", {"pages": listed})
    else:
        site["index.html"] = render_html("site_index.html.j2", {"pages": listed, "stylesheet": "style.css", "home": ""})
        site["style.css"] = stylesheet()
    return site
