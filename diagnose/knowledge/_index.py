"""The index of every Twilio error code (facts only), read lazily from package data."""

from __future__ import annotations

import functools
import json
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
