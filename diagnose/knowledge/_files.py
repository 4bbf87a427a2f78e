"""Which files a knowledge folder holds, and reading one safely: no parsing, so no heavy imports.

The loader reads through these, and so does the edge that keys a cached ``explain``
output by the bytes the loader would read (``cli/explain.py``): one definition of
"the files of a layer" serves both.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .._data import COUNTRY_FILE, WORDING_FILE
from ..codes import error_code

MAX_FILE_BYTES = 1_000_000
"""The largest knowledge file read (the largest built-in one is under 50 kB); a larger one is refused unread."""


def code_from_name(path: Path) -> int | None:
    """The code a file is named for: ``21408.yaml`` → 21408; only names ``explain`` accepts as a code."""
    if path.suffix != ".yaml":
        return None
    code = error_code(path.stem)
    # The name must be the code as written (no spaces, no leading zero): one file per code.
    return code if code is not None and str(code) == path.stem else None


def read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`; :class:`OSError` with a clear reason otherwise.

    Opened without blocking, so a FIFO cannot hang the read, and checked on the open
    descriptor, so what is read is what was checked.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file (a knowledge file must be a plain .yaml file)")
        if info.st_size > MAX_FILE_BYTES:
            raise OSError(0, f"the file is {info.st_size:,} bytes: at most {MAX_FILE_BYTES:,} are read")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # it grew after the check
            raise OSError(0, f"the file is larger than {MAX_FILE_BYTES:,} bytes")
        return raw
    finally:
        os.close(fd)


_NOT_CODES = frozenset({COUNTRY_FILE, WORDING_FILE})


def layer_paths(path: Path) -> list[Path]:
    """The knowledge files of one layer, in load order: a folder's ``*.yaml`` by code, or the file itself."""
    if path.is_dir():
        # countries.yaml holds the country lists (read by diagnose.countries) and wordings.yaml other codes'
        # wordings (read by diagnose.knowledge.other_wordings): neither is an error code.
        files = [
            p
            for p in path.iterdir()
            if p.suffix == ".yaml" and not p.name.startswith(".") and p.name not in _NOT_CODES and p.is_file()
        ]
        return sorted(files, key=lambda p: (code_from_name(p) is None, code_from_name(p) or 0, p.name))
    return [path]
