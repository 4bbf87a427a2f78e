"""Plain-text helpers: control-character scrubbing, ANSI styling and wrapping.

Everything here is pure and works on ``str``. Data may contain anything, so
:func:`clean` turns control characters (escape sequences, carriage returns,
bidi overrides) into visible ``\\xNN`` escapes before text reaches a
terminal; :class:`Styler` adds colour only when asked to.
"""

from __future__ import annotations

import re

# Defined beside FORMATS, so the CLI knows its default column without importing the renderers.
from ..formats import WIDTH as WIDTH

# The scrubbing lives in a pure module of its own, so the CLI's error printer uses the same one.
from ..safe_text import clean as clean
from ..safe_text import one_line as one_line


class Styled(str):
    """Text that already went through :func:`clean` (and maybe got ANSI codes); not cleaned again."""

    __slots__ = ()


_ANSI = {
    "bold": "1",
    "dim": "2",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}

VERDICT_STYLE = {
    "confirmed": ("bold", "green"),
    "likely": ("bold", "yellow"),
    "inconclusive": ("bold", "yellow"),
    "no-error": ("bold", "green"),
    "no-knowledge": ("bold", "magenta"),
}

STATUS_STYLE = {
    "confirmed": ("bold", "green"),
    "ruled-out": ("dim",),
    "possible": ("yellow",),
    "unknown": ("cyan",),
}


class Styler:
    """``styler(text, "bold", "green")``: ANSI SGR codes when enabled, the clean text otherwise."""

    def __init__(self, enabled: bool, width: int = WIDTH) -> None:
        self.enabled = enabled
        self.width = width

    def __call__(self, text: object, *styles: str) -> Styled:
        """Inline text: newlines become spaces and the ends are trimmed, coloured or not."""
        plain = one_line(text)
        codes = ";".join(_ANSI[s] for s in styles if s in _ANSI)
        if not self.enabled or not codes or not plain:
            return Styled(plain)
        return Styled(f"\x1b[{codes}m{plain}\x1b[0m")

    def para(self, text: object, *styles: str) -> Styled:
        """``text`` wrapped at the width, each line styled (a style never spans a line break)."""
        lines = wrap(text, width=self.width).split("\n")
        return Styled("\n".join(self(line, *styles) if line else "" for line in lines))

    def rule(self, title: object = "") -> Styled:
        """A full-width separator line, with ``title`` in it when given."""
        label = one_line(title)
        head = f"━━ {label} " if label else ""
        line = head + "━" * max(3, self.width - len(head))
        return Styled(f"\x1b[1m{line}\x1b[0m") if self.enabled else Styled(line)

    def verdict(self, verdict: object) -> Styled:
        return self(verdict, *VERDICT_STYLE.get(str(verdict), ("bold",)))

    def status(self, status: object, label: object | None = None) -> Styled:
        return self(status if label is None else label, *STATUS_STYLE.get(str(status), ()))

    def status_styles(self, status: object) -> tuple[str, ...]:
        return STATUS_STYLE.get(str(status), ())

    def row(self, label: object, text: object, pad: int = 0, *styles: str, indent: int = 2) -> Styled:
        """``label`` in a column ``pad`` wide, then ``text`` wrapped under itself; only the label styled."""
        name = one_line(label)
        lead = " " * indent + name.ljust(pad) + ("" if len(name) < pad or not name else " ")
        body = wrap(text, first=lead, width=self.width)
        if self.enabled and styles and name:
            body = " " * indent + self(name, *styles) + body[indent + len(name) :]
        return Styled(body)


# --------------------------------------------------------------------------- wrapping

_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])\s+")
_VERBATIM = re.compile(r"^(\s{4,}|\t|\$ |> |\|)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_PROTECT = "\ue000"
KEEP = _PROTECT
"""Joins words a wrap must not split (``"FR" + KEEP + "3"``); printed as a space."""


def _protect(text: str) -> str:
    """Keep inline code spans (commands) and URLs on one line by hiding their spaces."""
    if _PROTECT in text:
        return text
    return _CODE_SPAN.sub(lambda m: m.group(0).replace(" ", _PROTECT), text)


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
_STRONG = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])")


def plain_emphasis(text: str) -> str:
    """Drop Markdown's ``**strong**`` and ``*emphasis*`` markers outside code spans: a terminal shows them as noise."""
    spans: list[str] = []

    def hold(match: re.Match[str]) -> str:
        spans.append(match.group())
        return f"\x00{len(spans) - 1}\x00"

    held = _CODE_SPAN.sub(hold, text)  # code spans may sit inside **strong**, and may hold * themselves
    held = _EMPHASIS.sub(r"\1", _STRONG.sub(r"\1", held))
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], held)


_NOT_ONE_SPACE = re.compile(r"[^\S ]|  |^ | $")
"""Whitespace other than single spaces between words: then :mod:`textwrap` decides, as it always did."""


def _fill(text: str, width: int, first: str, rest: str) -> list[str]:
    width = max(width, len(first) + 20)
    text = _protect(plain_emphasis(text))
    if text and not _NOT_ONE_SPACE.search(text):
        lines = _fill_words(text.split(" "), width, first, rest)
    else:
        import textwrap

        wrapper = textwrap.TextWrapper(
            width=width, initial_indent=first, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False
        )
        lines = wrapper.wrap(text) or [first.rstrip()]
    return [line.replace(_PROTECT, " ") for line in lines]


def _fill_words(words: list[str], width: int, first: str, rest: str) -> list[str]:
    """``textwrap``'s greedy fill, without breaking words, for words separated by single spaces (twice as fast)."""
    lines: list[str] = []
    line = [words[0]]
    used = len(words[0])
    room = width - len(first)
    for word in words[1:]:
        if used + 1 + len(word) <= room:
            line.append(word)
            used += 1 + len(word)
        else:  # a word longer than the line still gets a line of its own
            lines.append((rest if lines else first) + " ".join(line))
            line, used, room = [word], len(word), width - len(rest)
    lines.append((rest if lines else first) + " ".join(line))
    return lines


def wrap(text: object, indent: int = 0, width: int = WIDTH, first: str | None = None) -> str:
    """Wrap Markdown-ish prose to ``width`` columns, every line indented by ``indent`` spaces.

    Paragraphs are refilled; list items get a hanging indent; fenced code,
    indented blocks, tables, quotes and ``$ command`` lines are kept verbatim;
    URLs and inline code are never broken. ``first`` replaces the indent of the
    very first line (for a label or bullet), and the rest hang under it.
    """
    pad = " " * indent
    lead = pad if first is None else first
    hang = pad if first is None else " " * len(first)
    out: list[str] = []
    paragraph: list[str] = []
    item: tuple[str, str] | None = None  # (marker prefix, hanging prefix)
    in_fence = False

    def prefix() -> tuple[str, str]:
        return (lead, hang) if not out else (hang, hang)

    def flush() -> None:
        nonlocal paragraph, item
        if paragraph:
            p_first, p_rest = prefix()
            if item is not None:
                p_first, p_rest = p_first + item[0], p_rest + item[1]
            out.extend(_fill(" ".join(paragraph), width, p_first, p_rest))
        paragraph, item = [], None

    for raw in clean(text).split("\n"):
        line = raw.rstrip()
        if in_fence or _FENCE.match(line):
            flush()
            if _FENCE.match(line):
                in_fence = not in_fence
            out.append((prefix()[0] + line).rstrip())
            continue
        if not line.strip():
            flush()
            if out and out[-1] != "":
                out.append("")
            continue
        match = _LIST_ITEM.match(line)
        if match:
            flush()
            marker = match.group(0).lstrip()
            nest = match.group(1)
            item = (nest + marker, nest + " " * len(marker))
            paragraph = [line[match.end() :]]
            continue
        if _HEADING.match(line) or (_VERBATIM.match(line) and not paragraph):
            flush()
            out.append((prefix()[0] + line).rstrip())
            continue
        paragraph.append(line.strip())
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) if out else lead.rstrip()


def indent(text: object, width: int = 2, first: str | None = None) -> str:
    """Indent every line of ``text`` (kept verbatim: commands, code) by ``width`` spaces."""
    pad = " " * width
    lines = clean(text).rstrip("\n").split("\n")
    head = pad if first is None else first
    rest = pad if first is None else " " * len(first)
    return "\n".join((head if i == 0 else rest) + line if line else "" for i, line in enumerate(lines))


def tidy(text: str) -> str:
    """Strip trailing spaces, collapse runs of blank lines, end with exactly one newline."""
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
