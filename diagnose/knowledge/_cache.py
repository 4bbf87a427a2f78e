"""A cache of knowledge files that passed their checks, keyed by content.

Checking a file (composing YAML with line marks, parsing every template) costs
far more than using it. The result depends only on the file's bytes and on the
code that checks it, so a file that passed is remembered under a hash of both
and later runs skip straight to building the entry. Only clean files are
stored, as JSON (never pickle), and any failure to read or write the cache just
means checking again.

Location: the caches handed in through :mod:`diagnose.cache` (none: nothing is remembered).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from ..cache import KNOWLEDGE_ENTRIES, current_caches, private_folder, read_entry, write_entry

# The modules whose code decides whether a file is valid: a change to any of them is a new cache key.
_CHECKERS = (
    "_loader.py",
    "_files.py",
    "_schema.py",
    "_yaml.py",
    "templating.py",
    "actions.py",
    "../conditions.py",
    "../facts.py",
)


def salt_sources() -> list[Path]:
    """The files whose bytes go into every cache key: the checkers, the schema beside the knowledge, and
    the error index (the cross-file checks compare titles, related codes and wordings with it)."""
    from .._data import knowledge_dir

    here = Path(__file__).resolve().parent
    return [
        *(here / name for name in _CHECKERS),
        knowledge_dir() / "schema.json",
        here.parent / "data" / "error_index.json",
    ]


@functools.cache
def _salt() -> bytes:
    digest = hashlib.sha256()
    for path in salt_sources():
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(str(path).encode())
    return digest.digest()


def _entry_path(raw: bytes, name: str) -> Path | None:
    folder = current_caches().knowledge
    if folder is None:
        return None
    key = hashlib.sha256(_salt() + name.encode() + b"\0" + raw).hexdigest()
    return folder / f"{key}.json"


def recall(raw: bytes, name: str) -> dict[str, Any] | None:
    """The checked data of a clean file with exactly these bytes, if remembered."""
    path = _entry_path(raw, name)
    if path is None or (path.parent.exists() and private_folder(path.parent) is None):
        return None
    text = read_entry(path.parent, path.name)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def remember(raw: bytes, name: str, data: dict[str, Any]) -> None:
    """Store the checked data of a clean file; silently does nothing if it cannot."""
    path = _entry_path(raw, name)
    if path is None:
        return
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):
        return
    # A value JSON cannot carry as it is (an int key, a tuple) would come back changed: skip it.
    if json.loads(text) != data or private_folder(path.parent) is None:
        return
    write_entry(path.parent, path.name, text, KNOWLEDGE_ENTRIES)
