"""Read the package's own data files.

They sit on disk beside the modules (the wheel is not zip-safe), so a path from
``__file__`` is enough; ``importlib.resources`` would cost more start-up than
reading the file itself.
"""

from __future__ import annotations

import os

_ROOT = os.path.dirname(os.path.abspath(__file__))


def data_path(*parts: str) -> str:
    """The path of a file inside the ``diagnose`` package, e.g. ``data_path("data", "countries.yaml")``."""
    return os.path.join(_ROOT, *parts)


def read_text(*parts: str) -> str:
    with open(data_path(*parts), encoding="utf-8") as handle:
        return handle.read()
