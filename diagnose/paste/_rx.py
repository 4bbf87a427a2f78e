"""Every regular expression of the paste parsers, compiled in one place.

Pasted text is hostile by nature (a 50 MB line, runs of digits, braces and
``+``). Each pattern is written without nested quantifiers and without two
unbounded quantifiers over overlapping characters side by side, so that the
``re`` engine never backtracks more than linearly. ``tests/test_paste_safety.py``
walks :data:`ALL` and checks this on the parsed patterns.
"""

from __future__ import annotations

import re

ALL: list[re.Pattern[str]] = []
ALL_BYTES: list[re.Pattern[bytes]] = []


def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    compiled = re.compile(pattern, flags)
    ALL.append(compiled)
    return compiled


def rxb(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    compiled = re.compile(pattern, flags)
    ALL_BYTES.append(compiled)
    return compiled
