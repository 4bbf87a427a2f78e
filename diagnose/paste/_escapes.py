"""Lines whose anchor word an escape hides: an HTML entity inside it (``co&#100;e``, ``Twi&#x6c;io``, ``error&colon;
21408``), a JSON string's ``\\u`` escape (``Per\\u006dission``) or escaped line break (``P\\nermission``, a logger
that cuts its lines at a width).

A paste unescapes entities before it reads a line (:func:`._text.clean`), decodes ``\\u`` escapes before it compares
a line's words with Twilio's wordings, and joins a wording that an escaped line break cuts
(:func:`._extract.rejoin_wordings`), so such a line is an error to it, while a byte pre-filter over the raw bytes
sees no anchor word there. :func:`escaped_lines` gives the byte pre-filter of :mod:`._stream` those lines.

Cost: one search per kind of escape over the lowered chunk, each from its literal first byte (``&``, ``\\``), as
fast as a pass of the pre-filter goes, about 0.3 ms per MB each; only the lines holding an escape that the
pre-filter has not let through already are decoded and read again, as a paste reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from re import Pattern

from ._rx import rx, rxb
from ._text import clean, decode_utf8

# An HTML entity as _text._HTML_ENTITY finds it (a line holding one is unescaped whole), in lower-cased bytes
_ENTITY = rxb(rb"&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});")
# A JSON string's \u escape, which a paste's wording test decodes (``_wording.normalise``), or its escaped line
# break with a letter or digit right after it: one that may cut a word
_BACKSLASH = rxb(rb"\\(?:u[0-9a-f]{4}|(?:r\\{1,2})?[nr][a-z0-9])")
# What a paste may join across: every escaped line break (see _extract._ESCAPED_LINE_BREAK)
_BREAK = rx(r"\\{1,2}(?:r\\{1,2})?n|\\{1,2}r")
_UNICODE = rx(r"\\u[0-9a-f]{4}")


def _readings(text: str) -> list[str]:
    """A cleaned line in lower case as a paste's tests read it: itself, with its \\u escapes decoded (the wording
    test decodes them), and with its escaped line breaks gone (a word they cut, as :func:`._extract.rejoin_wordings`
    joins it)."""
    out = [text]
    if "\\u" in text:
        out.append(_UNICODE.sub(lambda m: chr(int(m.group()[2:], 16)).lower(), text))
    if "\\" in text:
        out += [_BREAK.sub("", reading) for reading in out]
    return out


def escaped_lines(
    buf: bytes,
    low: bytes,
    end: int,
    longest: int,
    found: Mapping[int, int],
    mid_line: bool,
    patterns: Iterable[Pattern[bytes]],
) -> dict[int, int]:
    """``{start: end}`` of each line of ``buf[:end]`` (``low``: its bytes lowered) holding an entity or an escaped
    line break before a letter or digit, that one of ``patterns`` finds as a paste reads it (unescaped, and with
    its escaped line breaks gone, as a word they cut reads once joined) and not in ``found`` (the lines found in the
    raw bytes). A line over ``longest`` bytes is read in windows around its raw candidates: left out, as a line
    ``buf`` starts inside of (``mid_line``)."""
    patterns = list(patterns)
    out: dict[int, int] = {}
    for escape in (_ENTITY, _BACKSLASH):
        pos = 0
        while (match := escape.search(low, pos, end)) is not None:
            at = match.start()
            start = buf.rfind(b"\n", max(0, at - longest - 1), at) + 1
            stop = buf.find(b"\n", at, min(end, start + longest + 1))
            if stop < 0:
                stop = end if end - start <= longest else buf.find(b"\n", at, end)
                stop = end if stop < 0 else stop
            pos = stop + 1
            if start in found or start in out or stop - start > longest or (start == 0 and (mid_line or at > longest)):
                continue  # found already; or a long line, read in windows around its raw candidates
            text = clean(decode_utf8(buf[start:stop])).lower()
            readings = [reading.encode("utf-8", "surrogatepass") for reading in _readings(text)]
            if any(p.search(r) is not None for r in readings for p in patterns):
                out[start] = stop
    return out
