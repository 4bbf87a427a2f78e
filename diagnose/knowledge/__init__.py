"""Knowledge: one YAML file per error code, validated into :class:`Entry` objects.

::

    from diagnose.knowledge import load_knowledge, lint_paths, lookup_error

    kb = load_knowledge()                 # built-in files, loaded on first use and cached
    entry = kb.get(21408)                 # Entry | None
    problems = lint_paths([Path("my-knowledge/")])
    lookup_error(30001)                   # IndexEntry from the index of every Twilio code

Importing this package reads nothing and imports none of its modules: names load on first use,
files are read on the first call and cached.
The format is described in ``docs/knowledge-format.md`` and ``schema.json``.
"""

from __future__ import annotations

from .._lazy import lazy_exports

# Names are imported on first use: the edge can read knowledge files through ``_files`` (the cached
# ``explain`` output's key) without importing the loader, the model and Jinja2.
_EXPORTS = {
    "error_index": "_index",
    "lookup_error": "_index",
    "BUILTIN_DIR": "_loader",
    "KnowledgeBase": "_loader",
    "Problem": "_loader",
    "clear_caches": "_loader",
    "lint_paths": "_loader",
    "load_knowledge": "_loader",
    "Cause": "model",
    "Check": "model",
    "Entry": "model",
    "Escalation": "model",
    "FixTemplate": "model",
    "IndexEntry": "model",
    "Reference": "model",
    "render_template": "templating",
    "check_other_wordings": "_wordings",
    "other_wordings": "_wordings",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
