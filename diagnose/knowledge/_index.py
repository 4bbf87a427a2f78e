"""The index of every Twilio error code (facts only), read lazily from package data."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from types import MappingProxyType

from .._data import read_text
from .model import IndexEntry


@functools.cache
def _rows() -> tuple[tuple[str, ...], dict[int, list[object]]]:
    text = read_text("data", "error_index.json")
    document = json.loads(text)
    return tuple(document["fields"]), {row[0]: row for row in document["errors"]}


@functools.cache
def error_index() -> Mapping[int, IndexEntry]:
    """Every code in ``diagnose/data/error_index.json``, read on first use and cached."""
    fields, rows = _rows()
    return MappingProxyType({code: IndexEntry(**dict(zip(fields, row, strict=True))) for code, row in rows.items()})


@functools.lru_cache(maxsize=256)
def lookup_error(code: int) -> IndexEntry | None:
    """Twilio's facts about ``code`` (message, product, log level...), or None if unknown."""
    fields, rows = _rows()  # one row is built on demand: start-up need not build all 1,953
    row = rows.get(code)
    return None if row is None else IndexEntry(**dict(zip(fields, row, strict=True)))


_NON_WORD = re.compile(r"[^0-9a-z]+")
# Escapes a pasted message often carries instead of its quotes: HTML (&#39; &quot;) and JSON (\u0027).
_ESCAPE = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});|\\u[0-9a-f]{4}")
# A JSON string's line breaks and tabs (a message wrapped inside one, "for the\nregion"): they part two
# words, never glue the escape's letter onto the next ("nregion")
_BREAK_ESCAPE = re.compile(r"\\[nrt]")


def normalise_wording(text: str) -> str:
    r"""A message as wordings are compared: lower case, letters and digits only, single spaces.

    HTML and JSON escapes become the characters they stand for first, so ``the &#39;To&#39;
    number`` and ``the \u0027To\u0027 number`` read as ``the to number``.
    """
    low = text.lower()
    if "\\" in low:
        low = _BREAK_ESCAPE.sub(" ", low)
    if "&" in low or "\\u" in low:
        low = _ESCAPE.sub(_unescape, low)
    return " ".join(_NON_WORD.sub(" ", low).split())


def _unescape(match: re.Match[str]) -> str:
    token = match.group()
    if token.startswith("\\"):
        return chr(int(token[2:], 16)).lower()
    import html  # only for a message that holds an escape

    return html.unescape(token).lower()


@functools.cache
def _lowered_messages() -> tuple[tuple[int, str], ...]:
    fields, rows = _rows()
    at = fields.index("message")
    return tuple((code, row[at].lower()) for code, row in rows.items() if isinstance(row[at], str))


def official_codes(wording: str) -> tuple[int, ...]:
    """The codes whose official message normalises to ``wording`` (already normalised).

    Its longest word must stand in the lower-cased message, so only those few messages are
    normalised: normalising all 1,953 on every knowledge load cost explain ~9 ms of start-up.
    """
    words = wording.split()
    if not words:
        return ()
    probe = max(words, key=len)
    return tuple(
        code for code, lowered in _lowered_messages() if probe in lowered and normalise_wording(lowered) == wording
    )
