"""The index of every Twilio error code (facts only), read lazily from package data."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

from .model import IndexEntry


@functools.cache
def error_index() -> Mapping[int, IndexEntry]:
    """Every code in ``diagnose/data/error_index.json``, read on first use and cached."""
    text = resources.files("diagnose").joinpath("data").joinpath("error_index.json").read_text(encoding="utf-8")
    document = json.loads(text)
    fields = document["fields"]
    rows = (dict(zip(fields, row, strict=True)) for row in document["errors"])
    return MappingProxyType({row["code"]: IndexEntry(**row) for row in rows})


def lookup_error(code: int) -> IndexEntry | None:
    """Twilio's facts about ``code`` (message, product, log level...), or None if unknown."""
    return error_index().get(code)
