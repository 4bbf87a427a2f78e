"""Markdown helpers: escaping data for Markdown output, and Markdown → safe HTML.

Knowledge text is Markdown and passes through to Markdown output as written,
except that every ``<`` outside code spans and autolinks is escaped: a
rendered template carries data (a ``To`` of ``+1212…<img onerror=…>``), and raw
HTML is not allowed in our HTML output either, so none reaches a Markdown
renderer as a tag (``<name>`` placeholders stay visible this way too). Plain data
(SIDs, numbers, fact values, API replies) is escaped with :func:`escape` or
put in code spans with :func:`code`. HTML comes from markdown-it-py with raw
HTML disabled, so ``<script>`` in any text is shown, never run.
"""

from __future__ import annotations

import functools
import re

from markupsafe import Markup

from ._text import clean

# --------------------------------------------------------------------------- Markdown output

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#!])")


def escape(value: object) -> str:
    """Plain data as Markdown text that renders literally, on one line (safe in table cells)."""
    text = " ".join(clean(value).split("\n"))
    return _MD_SPECIAL.sub(r"\\\1", text)


def code(value: object, cell: bool = False) -> str:
    """Plain data as a Markdown code span, on one line; ``cell=True`` escapes ``|`` for a table cell."""
    text = " ".join(clean(value).split("\n"))
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or longest:
        text = f" {text} "
    span = f"{fence}{text}{fence}"
    return span.replace("|", "\\|") if cell else span


_BACKQUOTED = re.compile(r"`([^`\n]{1,4096})`")


def with_code(value: object, cell: bool = False) -> str:
    """Plain text whose `backquoted` parts are commands (scan's and audit's advice: "run `diagnose SM…`"),
    on one line: those parts as code spans, the rest as :func:`escape` writes it; ``cell`` as in :func:`code`."""
    text = " ".join(clean(value).split("\n"))
    out: list[str] = []
    done = 0
    for m in _BACKQUOTED.finditer(text):
        out += (escape(text[done : m.start()]), code(m.group(1), cell=cell))
        done = m.end()
    out.append(escape(text[done:]))
    return "".join(out)


def fence(value: object, info: str = "") -> str:
    """Verbatim text (a command, a code sample) as a fenced code block."""
    text = clean(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"^\s*(`{3,})", text, re.M)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{text}\n{marks}"


_PLACEHOLDER = re.compile(r"<([A-Za-z_][A-Za-z0-9_.]*)>")
# Read left to right as Markdown reads it: an escaped character (so an escaped backtick opens no span,
# and an escaped backslash leaves the backtick after it free to), a fence, or a code span: backtick runs
# of the same length, each a whole run. A span may run over lines (not over a blank one): it is matched,
# so that its closing run opens no span of ours, but what it holds is escaped too, since a line inside it
# that opens an HTML block would end the paragraph, and the span with it. Where this reads no span and
# Markdown does, a `<` shows escaped in code: the safe side.
_SPANS = re.compile(
    r"(\\[\s\S])|(^\s*(```|~~~).*?^\s*\3[^\n]*$|(?<!`)(`+)(?!`)(?:[^\n]|\n(?![ \t]*\n))+?(?<!`)\4(?!`))",
    re.S | re.M,
)
# A ``<`` that is not already escaped (an even run of backslashes before it) and does not open an autolink.
_RAW_LT = re.compile(r"(?<!\\)((?:\\\\)*)<(?!(?:https?|mailto):[^\s<>]*>)")


def _no_html(text: str) -> str:
    text = _PLACEHOLDER.sub(r"\\<\1\\>", text)
    return _RAW_LT.sub(r"\1\\<", text)


def prose(value: object) -> str:
    """Knowledge Markdown for Markdown output: as written, but no raw HTML (placeholders stay visible).

    Outside code spans and fences, every ``<`` is escaped, so neither a
    placeholder like ``<country>`` nor data rendered into a template
    (``<img src=x onerror=…>``) is read as an HTML tag; autolinks
    (``<https://…>``) are kept.
    """
    text = clean(value)
    out: list[str] = []
    last = 0
    kept = False  # a `<` left as written, in what this reads as code
    for match in _SPANS.finditer(text):
        if match.group(1):
            continue  # an escaped character: outside any span
        out.append(_no_html(text[last : match.start()]))
        span = match.group(0)
        if match.group(4) and "\n" in span:
            span = _no_html(span)
        kept = kept or "<" in span
        out.append(span)
        last = match.end()
    out.append(_no_html(text[last:]))
    result = "".join(out)
    if kept and _holds_html(result):
        # Markdown reads the code spans otherwise (a block that ends a paragraph mid-span, a run this
        # pairs differently): escape every `<`; in code it shows as `\<`, but no HTML gets through
        return _no_html(text)
    return result


def _holds_html(text: str) -> bool:
    """Whether a CommonMark reader that allows HTML finds raw HTML in ``text``."""
    for token in _html_parser().parse(text):
        if token.type == "html_block" or any(child.type == "html_inline" for child in token.children or ()):
            return True
    return False


@functools.lru_cache(maxsize=1)
def _html_parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True})


def item(value: object, width: int = 2) -> str:
    """Markdown for a list item: :func:`prose`, continuation lines indented by ``width``."""
    lines = prose(value).strip("\n").split("\n")
    pad = " " * width
    return "\n".join([lines[0]] + [pad + line if line.strip() else "" for line in lines[1:]])


# --------------------------------------------------------------------------- HTML output


@functools.lru_cache(maxsize=1)
def _parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(value: object) -> Markup:
    """Markdown (block) → HTML. Raw HTML in the text is escaped, unsafe link schemes dropped."""
    return Markup(_parser().render(str(value)))


def to_html_inline(value: object) -> Markup:
    """Markdown → HTML without a wrapping paragraph, when the text is a single paragraph."""
    text = str(value).strip()
    if "\n\n" in text or re.search(r"^\s*([-*+]|\d+[.)]|#{1,6}|>|```|~~~)\s", text, re.M):
        return to_html(text)
    return Markup(_parser().renderInline(text))


_SAFE_URL = re.compile(
    r"(https?://[^\s<>\"'`\x00-\x1f\x7f-\x9f]+|mailto:[^\s<>\"'`\x00-\x1f\x7f-\x9f]+|#[\w-]*|[\w.-]+\.(html|css)(#[\w-]*)?)",
    re.I,
)


def safe_url(value: object) -> str:
    """``value`` if it is an http(s) or mailto URL, a fragment or a sibling page; ``#`` otherwise.

    Nothing else reaches an ``href``: no ``javascript:``, no whitespace or control characters.
    """
    url = str(value or "")
    return url if _SAFE_URL.fullmatch(url) else "#"


def is_url(value: object) -> bool:
    return bool(re.fullmatch(r"https?://\S+", str(value or "")))
