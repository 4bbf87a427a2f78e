"""Lines whose anchor word a control character splits (``co\\x00de``, ``Twi\\x07lio``, a colour inside a word).

A paste deletes control characters and colour codes before it reads a line (:func:`._text.clean`), so
such a line is an error to it, while a byte pre-filter over the raw bytes sees no anchor word there.
:func:`hidden_lines` gives the byte pre-filter of :mod:`._stream` those lines.

Cost: the pre-filter lower-cases a chunk with :func:`lowered`, which also makes each such byte ``\\x00`` in
the same pass, so one ``memchr`` (:func:`marked`) tells whether the chunk holds any: the common chunk
costs nothing more. A chunk that holds some (a coloured log, binary) is cleaned in C (colour codes,
then control bytes), the pre-filter runs over the cleaned copy, and only the lines it finds there and
not in the raw bytes are located in the chunk: on the 2-core VM, about 17 ms/MB more for a log coloured
on every line, 10 ms/MB for random bytes, nothing measurable for a log without (bench/triage.py
--frame-only, interleaved with the code before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from re import Pattern

from ._rx import rxb
from ._text import clean, decode_utf8

# The bytes clean() deletes (ESC with its colour code); \x0b, \x0c, \x1c-\x1e are line breaks, which a log's
# reader has made \n by now
_DELETED = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"
_UPPER = bytes(range(0x41, 0x5B))
_LOWER = bytes.maketrans(_UPPER, _UPPER.lower())
# bytes.lower(), with each deleted byte made \x00: every pattern of the pre-filter reads any of them alike
# (none is a letter, a digit or \n), so the pre-filter finds the same lines in it
_LOWER_MARKED = bytes(0 if c in _DELETED else _LOWER[c] for c in range(256))
# _text._ANSI's sequences but the OSC (a title, a link), whose length it counts in characters, not bytes:
# a line holding one is cleaned as a paste cleans it, alone
_CSI = rxb(rb"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]|\x1b[@-Z\\-_]")
_OSC = b"\x1b]"


def lowered(data: bytes) -> bytes:
    """``data.lower()`` with each byte a paste deletes made ``\\x00``, in one pass (as fast as ``lower``)."""
    return data.translate(_LOWER_MARKED)


def marked(low: bytes) -> bool:
    """Whether ``low`` (from :func:`lowered`) held a byte that a paste deletes."""
    return b"\x00" in low


def hidden_lines(
    buf: bytes, end: int, longest: int, found: Mapping[int, int], mid_line: bool, patterns: Iterable[Pattern[bytes]]
) -> dict[int, int]:
    """``{start: end}`` of each line of ``buf[:end]`` that one of ``patterns`` finds once its colour codes
    and control bytes are deleted and it is lower-cased, as a paste reads it, and not in ``found`` (the
    lines it finds in the raw bytes, ``{start: end}``; ``end`` -1 for a hit in a line over ``longest``
    bytes, which is read in windows around its raw candidates). With ``mid_line``, ``buf`` starts inside
    such a line."""
    raw = buf[:end]
    text = _CSI.sub(b"", raw) if b"\x1b" in raw else raw
    text = text.translate(_LOWER, _DELETED)  # a line break is never deleted: the lines keep their numbers
    hit_lines: list[int] = []  # the starts of the lines the patterns find, in the cleaned text
    for pattern in patterns:
        pos = 0
        while (match := pattern.search(text, pos)) is not None:
            at = match.start()
            hit_lines.append(text.rfind(b"\n", 0, at) + 1)
            pos = text.find(b"\n", at) + 1 or len(text)
    numbers = _numbers(text, sorted(set(hit_lines)))
    known = [start for start, stop in sorted(found.items()) if stop >= 0]
    known_numbers = _numbers(raw, known)
    out = _located(raw, sorted(set(numbers) - set(known_numbers)), known, known_numbers)
    if _OSC in raw:
        out.update(_with_titles(raw, patterns))
    return {
        start: stop
        for start, stop in out.items()
        if stop - start <= longest and start not in found and not (start == 0 and mid_line)
    }


def _numbers(data: bytes, starts: list[int]) -> list[int]:
    """The line number (from 0) of each line start of ``starts`` (sorted) in ``data``, counted in C."""
    out: list[int] = []
    at = line = 0
    for start in starts:
        line += data.count(b"\n", at, start)
        at = start
        out.append(line)
    return out


def _located(raw: bytes, numbers: list[int], known: list[int], known_numbers: list[int]) -> dict[int, int]:
    """``{start: end}`` in ``raw`` of the lines numbered ``numbers`` (sorted), walking from the nearest line
    before each whose start is known (``known``, numbered ``known_numbers``)."""
    out: dict[int, int] = {}
    points = list(zip(known_numbers, known, strict=True))
    i = 0
    at = line = 0
    for number in numbers:
        while i < len(points) and points[i][0] <= number:
            if points[i][0] >= line:
                line, at = points[i]
            i += 1
        while line < number:
            at = raw.find(b"\n", at) + 1
            line += 1
        stop = raw.find(b"\n", at)
        out[at] = len(raw) if stop < 0 else stop
    return out


def _with_titles(raw: bytes, patterns: Iterable[Pattern[bytes]]) -> dict[int, int]:
    """The lines holding an OSC sequence that the patterns find once cleaned exactly as a paste cleans them."""
    out: dict[int, int] = {}
    pos = 0
    patterns = list(patterns)
    while (at := raw.find(_OSC, pos)) >= 0:
        start = raw.rfind(b"\n", 0, at) + 1
        stop = raw.find(b"\n", at)
        stop = len(raw) if stop < 0 else stop
        pos = stop + 1
        line = clean(decode_utf8(raw[start:stop])).encode().lower()
        if any(pattern.search(line) is not None for pattern in patterns):
            out[start] = stop
    return out


def opens_with_space(buf: bytes, start: int, end: int) -> bool:
    """Whether the line ``buf[start:end]`` starts with a space as a paste reads it (a wrap it joins onto the
    line above): its first byte, or, after bytes a paste deletes ("\\x00 phone number"), its first left."""
    first = buf[start : start + 1]
    if first == b" ":
        return True
    return first in _FIRSTS and clean(decode_utf8(buf[start:end])).startswith(" ")


_FIRSTS = frozenset(bytes((c,)) for c in _DELETED)
