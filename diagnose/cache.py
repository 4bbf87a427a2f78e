"""Where diagnose keeps what it can recompute: checked knowledge files, compiled templates, outputs.

The edge decides, the core only uses what it is handed. The command line calls
``use_caches(caches_from_env(os.environ))`` once: ``$DIAGNOSE_CACHE_DIR``, else
``$XDG_CACHE_HOME/diagnose``, else ``~/.cache/diagnose``;
``DIAGNOSE_CACHE_DIR=off`` turns caching off. The knowledge loader and the
renderers ask :func:`current_caches` and never read the environment; until a
caller hands caches in, nothing is cached and nothing is written.

Everything here is keyed by content, so a stale entry is never used, and a
cache that cannot be read or written only costs time.

``explain`` keeps its rendered output (``outputs/``), keyed by everything the output
is made of (:func:`digest_tree` over the package's code, templates and error index,
the knowledge files' bytes, the arguments): a repeated ``diagnose explain 21408``
prints it without importing the loader or Jinja2.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .safe_text import one_line

if TYPE_CHECKING:
    from jinja2 import BytecodeCache

_OFF = frozenset({"", "off", "0", "false", "no"})


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


@dataclass(frozen=True, eq=False)
class Caches:
    """The cache folder (None: no caching); it and its parts are created, private, on first use."""

    folder: Path | None = None

    @property
    def knowledge(self) -> Path | None:
        """The folder of checked knowledge files (JSON), or None when caching is off or the folder unsafe."""
        if self.folder is None or private_folder(self.folder) is None:
            return None
        return self.folder / "knowledge"

    @functools.cached_property
    def templates(self) -> BytecodeCache | None:
        """Jinja2's own content-checked bytecode cache, or None when caching is off or impossible."""
        if self.folder is None or private_folder(self.folder) is None:
            return None
        target = private_folder(self.folder / "templates")
        if target is None:
            return None
        return _bounded_bytecode_cache()(str(target))

    @property
    def outputs(self) -> Path | None:
        """The folder of rendered outputs, or None when caching is off or the folder unsafe.

        Outputs reach the terminal as they are: like the templates, they are only read from a private folder.
        """
        if self.folder is None or private_folder(self.folder) is None:
            return None
        return private_folder(self.folder / "outputs")


NO_CACHES = Caches()

# Entries are keyed by content, so every new version or edited knowledge file adds some and none is
# ever replaced: each folder is pruned, oldest written first, when it grows past its bound.
KNOWLEDGE_ENTRIES = 500
TEMPLATE_ENTRIES = 5000
OUTPUT_ENTRIES = 500


def prune(folder: Path, keep: int) -> None:
    """Delete the oldest files of ``folder`` once it holds more than ``keep``, down to three quarters of it.

    Called after a write, which is rare (a cache miss); a file that vanishes meanwhile is fine.
    """
    try:
        with os.scandir(folder) as entries:
            files = [(entry.stat().st_mtime, entry.path) for entry in entries if entry.is_file()]
    except OSError:
        return
    if len(files) <= keep:
        return
    files.sort()
    for _mtime, path in files[: len(files) - keep * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def write_entry(folder: Path, name: str, text: str, keep: int) -> None:
    """Write ``folder/name`` whole or not at all (a temporary file, renamed), then bound the folder to ``keep``.

    Silently does nothing if it cannot: a cache that cannot be written only costs time.
    """
    import tempfile  # only when writing: a cache hit never needs it (start-up)

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, folder / name)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    prune(folder, keep)


def read_entry(folder: Path, name: str) -> str | None:
    """The text of ``folder/name``, or None when it is missing or unreadable."""
    try:
        with open(folder / name, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def digest_tree(update: Callable[[bytes], None], root: Path) -> None:
    """Feed the relative name and the bytes of every regular file under ``root`` (``__pycache__`` skipped) to
    ``update``, in a stable order. :class:`OSError` when one cannot be read."""
    with os.scandir(root) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                update(entry.name.encode("utf-8", "surrogateescape") + b"/")
                digest_tree(update, Path(entry.path))
        elif entry.is_file():  # not a FIFO or a device: reading one could hang
            update(entry.name.encode("utf-8", "surrogateescape"))
            with open(entry.path, "rb") as handle:
                update(handle.read())


@functools.cache
def _bounded_bytecode_cache() -> type[BytecodeCache]:
    """Jinja2's file cache of compiled templates, pruned to :data:`TEMPLATE_ENTRIES` files."""
    from jinja2 import FileSystemBytecodeCache

    class BoundedBytecodeCache(FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: Any) -> None:
            super().dump_bytecode(bucket)
            prune(Path(self.directory), TEMPLATE_ENTRIES)

    return BoundedBytecodeCache


def caches_from_env(environ: Mapping[str, str]) -> Caches:
    """The caches a user's environment asks for (see the module docstring); nothing is created yet."""
    configured = environ.get("DIAGNOSE_CACHE_DIR")
    if configured is not None:
        return NO_CACHES if configured.strip().lower() in _OFF else Caches(Path(configured))
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Caches(Path(base) / "diagnose")


_current = NO_CACHES


def use_caches(caches: Caches) -> None:
    """Hand the caches in (the edge does this once, before loading knowledge or rendering)."""
    global _current
    _current = caches


def current_caches() -> Caches:
    """The caches handed in, or :data:`NO_CACHES`."""
    return _current
