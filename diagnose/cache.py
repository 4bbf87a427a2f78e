"""Where diagnose keeps what it can recompute: checked knowledge files and compiled templates.

``$DIAGNOSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/diagnose``, else
``~/.cache/diagnose``; ``DIAGNOSE_CACHE_DIR=off`` turns caching off. Everything
here is keyed by content, so a stale entry is never used, and a cache that
cannot be read or written only costs time.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import BytecodeCache


def cache_dir() -> Path | None:
    configured = os.environ.get("DIAGNOSE_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in {"", "off", "0", "false", "no"} else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diagnose"


@functools.cache
def template_bytecode_cache() -> BytecodeCache | None:
    """Jinja2's own content-checked bytecode cache, or None when caching is off or impossible."""
    folder = cache_dir()
    if folder is None:
        return None
    from jinja2 import FileSystemBytecodeCache

    target = folder / "templates"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(target))
