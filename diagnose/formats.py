"""The report formats and the text width, with no imports: the CLI uses them without the renderers (jinja2)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "json")
"""Every ``fmt`` the report renderers accept."""

WIDTH = 100
"""The column text output wraps prose at (where the output is no terminal)."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun, singular or plural as English writes it: ``1 account``, ``1,981 accounts``,
    ``2 countries`` (``plural`` when adding ``s`` is not the plural)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def stopped_host(stopped: str, run: str, unsent: int, unread: str = "not read from it", note: str = "") -> str:
    """The line that says a run (``audit``, ``scan``, ``plan``) stopped asking a host, and how many accounts that
    left unread: ``stopped`` is the request that stopped it and why (``gateway.stopped_hosts``)."""
    left = f"{counted(unsent, 'account')} {'was' if unsent == 1 else 'were'} {unread}"
    return f"Incomplete: {stopped}; the {run} sent that host nothing more, so {left}{note}."


def size_text(count: int) -> str:
    """``count`` bytes in words a reader takes in at once, in decimal units as a file manager shows them:
    ``0 bytes``, ``1 byte``, ``812 bytes``, ``4.7 KB``, ``12.3 MB``, ``2,048.0 MB`` (never ``0.0 MB`` for a
    small log). The unit is chosen after rounding, so 999,960 bytes are ``1.0 MB``, not ``1,000.0 KB``."""
    if count < 1000:
        return f"{count:,} byte{'' if count == 1 else 's'}"
    if round(count / 1e3, 1) < 1000:
        return f"{count / 1e3:.1f} KB"
    return f"{count / 1e6:,.1f} MB"
