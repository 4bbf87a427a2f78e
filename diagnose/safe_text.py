"""Text from outside (Twilio's answers, files, the environment) made safe to print: pure, no imports.

Data may contain anything. :func:`clean` turns control characters (escape sequences,
carriage returns, bidirectional overrides, line and paragraph separators) into visible
``\\xNN`` / ``\\uNNNN`` escapes, so nothing can set a terminal's title, clear its screen
or reorder what a reader sees. Every path that prints data goes through it: the
renderers (text, Markdown, HTML) and the CLI's error messages.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL", "clean", "json_controls", "one_line"]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Every character :func:`clean` makes visible: C0 and C1 controls (but tab and newline), bidi marks."""


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """``text`` as a string safe for a terminal: only ``\\n`` and ``\\t`` survive as control characters."""
    value = str(text).replace("\r\n", "\n")
    return CONTROL.sub(_visible, value)


def one_line(text: object) -> str:
    """:func:`clean` text on one line, trimmed (headings, labels, one-line messages)."""
    return " ".join(clean(text).split("\n")).strip()


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_controls(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every :data:`CONTROL` character escaped.

    ``json.dumps`` escapes only C0 controls; C1 controls and bidi overrides would reach a terminal raw.
    ``\\uNNNN`` is the same string to every JSON parser, so the data is unchanged.
    """
    return CONTROL.sub(_json_escape, text)
