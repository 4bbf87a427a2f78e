"""Knowledge: one YAML file per error code, validated into :class:`Entry` objects.

::

    from diagnose.knowledge import load_knowledge, lint_paths, lookup_error

    kb = load_knowledge()                 # built-in files, loaded on first use and cached
    entry = kb.get(21408)                 # Entry | None
    problems = lint_paths([Path("my-knowledge/")])
    lookup_error(30001)                   # IndexEntry from the index of every Twilio code

Importing this package reads nothing: files are read on the first call and cached.
The format is described in ``docs/knowledge-format.md`` and ``schema.json``.
"""

from __future__ import annotations

from ._index import error_index, lookup_error
from ._loader import BUILTIN_DIR, KnowledgeBase, Problem, clear_caches, lint_paths, load_knowledge
from .model import Cause, Check, Entry, Escalation, FixTemplate, IndexEntry, Reference
from .templating import render_template

__all__ = [
    "BUILTIN_DIR",
    "Cause",
    "Check",
    "Entry",
    "Escalation",
    "FixTemplate",
    "IndexEntry",
    "KnowledgeBase",
    "Problem",
    "Reference",
    "clear_caches",
    "error_index",
    "lint_paths",
    "load_knowledge",
    "lookup_error",
    "render_template",
]
