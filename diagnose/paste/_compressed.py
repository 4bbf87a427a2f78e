"""Compressed logs: a rotated ``app.log.1.gz`` (or ``.bz2``, ``.xz``) read as the text it holds.

Told by its first bytes, never by its name. Decompressed with the standard library's incremental
decompressors in bounded steps, so memory stays flat however much a file expands (a decompression
bomb only takes time, as a log of that size would, and Ctrl-C stops it). Formats the standard library
cannot read (zstd, zip) are refused with the command that reads them.
"""

from __future__ import annotations

import bz2
import lzma
import shlex
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import InputError
from ..formats import size_text
from ._stream import _Prefixed

_IN = 64 * 1024  # compressed bytes read at a time
_OUT = 1024 * 1024  # decompressed bytes made at a time, at most
_XZ_MEMLIMIT = 128 * 1024 * 1024  # an xz header may ask for more; refused, not allocated
HEAD = 10  # bytes that tell the formats apart


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def kind_of(head: bytes) -> str | None:
    """The compression ``head`` (a stream's first bytes) starts, or None for anything else."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # "BZh" and a level, then a block's magic (pi) or the end of an empty stream (sqrt(pi)): text that
    # happens to start with "BZh9" is not taken for bzip2
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


# How to read what the standard library cannot: the command that writes the text to a pipe
_REFUSED = {"zstd": "zstd -dc", "zip": "unzip -p"}


def _new(kind: str) -> Any:
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    if kind == "bzip2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=_XZ_MEMLIMIT)


class Decompressed:
    """The text of a compressed stream, read in steps of at most ``_IN`` compressed and ``_OUT``
    decompressed bytes. Concatenated members (``cat a.gz b.gz``) are read one after the other, and
    the zero bytes that pad a stream are skipped. A stream that ends early or is corrupt ends the
    text where it could be read; ``problem`` then says why (None while all is well).
    ``progress`` is told the compressed bytes read."""

    def __init__(self, raw: Readable, kind: str, head: bytes, progress: Callable[[int], None] | None) -> None:
        self.kind, self.problem = kind, None
        # read1: what a pipe holds now (a live log compressed as it is written is read as it comes)
        self._raw: Callable[[int], bytes] = getattr(raw, "read1", None) or raw.read
        self._progress = progress
        self._pending = head  # compressed bytes not yet given to the decompressor (a pipe's, read to peek)
        if head and progress is not None:
            progress(len(head))
        self._d = _new(kind)
        self._zlib = kind == "gzip"
        self._done = False
        self._made = 0  # decompressed bytes so far, for the problem's "after N MB"

    def read(self, size: int = -1, /) -> bytes:
        return self._read(size, greedy=True)

    def read1(self, size: int = -1, /) -> bytes:
        """Some text as soon as there is any: a live pipe's data is not held back until ``size`` bytes."""
        return self._read(size, greedy=False)

    def _read(self, size: int, greedy: bool) -> bytes:
        size = _OUT if size is None or size < 0 else size
        out: list[bytes] = []
        got = 0
        while got < size and not self._done and (greedy or not got):
            data = self._step(min(_OUT, size - got))
            out.append(data)
            got += len(data)
            self._made += len(data)
        return b"".join(out)

    def _more(self) -> bool:
        """More compressed bytes into ``_pending``; False at the end of the stream."""
        raw = self._raw(_IN)
        if not raw:
            return False
        if self._progress is not None:
            self._progress(len(raw))
        self._pending += raw
        return True

    def _step(self, most: int) -> bytes:
        """At most ``most`` (> 0) decompressed bytes, maybe none; sets ``_done`` at the end."""
        d = self._d
        if d.eof:
            return self._next_member()
        hungry = not self._pending if self._zlib else d.needs_input and not self._pending
        if hungry and not self._more():
            # the stream ends inside a member: what it held so far is the text (gzip -dc says the same)
            tail = d.flush() if self._zlib else b""
            self._stop(f"the {self.kind} data ends early (a file still being written, or cut short)")
            return tail
        try:
            data = d.decompress(self._pending, most)
        except (zlib.error, OSError, lzma.LZMAError, EOFError) as err:
            self._stop(f"the {self.kind} data is corrupt ({err})")
            return b""
        self._pending = d.unconsumed_tail if self._zlib else b""
        return data

    def _next_member(self) -> bytes:
        rest, self._pending = self._d.unused_data + self._pending, b""
        while not rest.strip(b"\x00"):  # zero padding (xz's, or a block device's), or nothing: read on
            if not self._more():
                self._done = True
                return b""
            rest, self._pending = self._pending, b""
        rest = rest.lstrip(b"\x00")
        if len(rest) >= HEAD and kind_of(rest[:HEAD]) != self.kind:
            self._stop(f"the {self.kind} data is followed by bytes that are not {self.kind} (ignored)")
            return b""
        self._d, self._pending = _new(self.kind), rest
        return b""

    def _stop(self, why: str) -> None:
        self._done = True
        self.problem = f"{why} after {size_text(self._made)} of text"


def _peek(stream: Any) -> tuple[bytes, bool]:
    """The first ``HEAD`` bytes (fewer at the end), and whether the stream is still where it was."""
    try:
        if stream.seekable():
            where = stream.tell()
            head = stream.read(HEAD)
            stream.seek(where)
            return head, True
    except (OSError, ValueError, AttributeError):
        pass
    head = b""
    read = getattr(stream, "read1", None) or stream.read
    while len(head) < HEAD and (more := read(HEAD - len(head))):
        head += more
    return head, False


def refuse(head: bytes, name: str) -> str | None:
    """The compression ``head`` (the first bytes of ``name``) starts, as :func:`kind_of` tells it; zstd and zip
    raise :class:`InputError` naming the command that reads them."""
    kind = kind_of(head)
    if kind in _REFUSED:
        file = "FILE" if name == "standard input" else shlex.quote(name)
        raise InputError(
            f"{name} is {kind}-compressed, which diagnose does not read itself: decompress it into a pipe,"
            f" `{_REFUSED[kind]} {file} | diagnose triage -`"
        )
    return kind


def decompressed(
    stream: Any, name: str, progress: Callable[[int], None] | None = None
) -> tuple[Any, Decompressed | None]:
    """``stream`` as text to scan, and the :class:`Decompressed` reader when it was compressed (which
    then counts the compressed bytes for ``progress``). A stream that is not compressed comes back as it
    was (a regular file still at its position, so that it can be read in blocks), else with its first
    bytes put back in front. zstd and zip raise :class:`InputError` naming the command that reads them."""
    head, kept = _peek(stream)
    kind = refuse(head, name)
    if kind is None:
        return (stream if kept else _Prefixed(head, stream)), None
    if kept:
        head = b""  # still in the stream
    reader = Decompressed(stream, kind, head, progress)
    return reader, reader
