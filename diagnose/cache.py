"""Where diagnose keeps what it can recompute: checked knowledge files and compiled templates.

``$DIAGNOSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/diagnose``, else
``~/.cache/diagnose``; ``DIAGNOSE_CACHE_DIR=off`` turns caching off. Everything
here is keyed by content, so a stale entry is never used, and a cache that
cannot be read or written only costs time.

Compiled templates are Python bytecode, which Jinja2 loads with pickle and
marshal: whoever can write the cache folder can make diagnose run their code.
So the folder (and each folder in it) is created private to the user (0700),
and a folder that another user owns, or that others can write to, is not used:
diagnose prints a one-line warning and works without the cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .safe_text import one_line

if TYPE_CHECKING:
    from jinja2 import BytecodeCache


def _configured() -> Path | None:
    configured = os.environ.get("DIAGNOSE_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in {"", "off", "0", "false", "no"} else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "diagnose"


def cache_dir() -> Path | None:
    """The cache folder, created private to the user; None when caching is off or the folder is not safe."""
    folder = _configured()
    if folder is None or private_folder(folder) is None:
        return None
    return folder


def unsafe_reason(info: os.stat_result) -> str | None:
    """Why a folder with this ``stat`` must not hold a cache (code could be planted in it), or None."""
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "it belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users can write to it"
    return None


@functools.cache
def private_folder(folder: Path) -> Path | None:
    """``folder``, created 0700 if missing and checked; None (after one warning) if it is not safe to use."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None  # cannot be created or read: caching only costs time
    reason = unsafe_reason(info)
    if reason is not None:
        # A one-line warning on stderr: the cache is an I/O edge of its own, used by every command.
        sys.stderr.write(
            f"diagnose: warning: not using the cache folder {one_line(folder)}: {reason} "
            "(make it yours and private with chmod 700, or set DIAGNOSE_CACHE_DIR)\n"
        )
        return None
    if info.st_mode & 0o077:
        with contextlib.suppress(OSError):
            folder.chmod(0o700)  # ours and not writable by others, but readable: make it private
    return folder


@functools.cache
def template_bytecode_cache() -> BytecodeCache | None:
    """Jinja2's own content-checked bytecode cache, or None when caching is off or impossible."""
    folder = cache_dir()
    if folder is None:
        return None
    from jinja2 import FileSystemBytecodeCache

    target = private_folder(folder / "templates")
    if target is None:
        return None
    return FileSystemBytecodeCache(str(target))
