"""Find the package's own data files and the built-in knowledge.

They sit on disk (the wheel is not zip-safe), so a path from ``__file__`` is
enough; ``importlib.resources`` would cost more start-up than reading the file
itself.

The built-in knowledge lives in ``knowledge/`` at the repository root, beside
``diagnose/``. A wheel or a non-editable install ships that folder as
``diagnose/builtin_knowledge/`` (a ``package-dir`` mapping in
``pyproject.toml``); a checkout or an editable install reads the root folder.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

_ROOT = os.path.dirname(os.path.abspath(__file__))

INSTALLED_KNOWLEDGE = "builtin_knowledge"
"""The folder inside the installed package that holds the repository's ``knowledge/``."""

COUNTRY_FILE = "countries.yaml"
"""The country lists in the knowledge folder; with :data:`WORDING_FILE`, the YAML files there that are not an
error code."""

WORDING_FILE = "wordings.yaml"
"""Wordings of codes that have no knowledge file of their own (``diagnose.knowledge.other_wordings``)."""


def data_path(*parts: str) -> str:
    """The path of a file inside the ``diagnose`` package, e.g. ``data_path("data", "error_index.json")``."""
    return os.path.join(_ROOT, *parts)


def read_text(*parts: str) -> str:
    with open(data_path(*parts), encoding="utf-8") as handle:
        return handle.read()


@functools.cache
def knowledge_dir() -> Path:
    """The folder of the built-in knowledge: installed copy first, else the checkout's ``knowledge/``."""
    installed = Path(_ROOT, INSTALLED_KNOWLEDGE)
    if installed.is_dir():
        return installed
    return Path(os.path.dirname(_ROOT), "knowledge")


def read_knowledge_text(name: str) -> str:
    """A file of the built-in knowledge folder, e.g. ``read_knowledge_text("schema.json")``."""
    return (knowledge_dir() / name).read_text(encoding="utf-8")
