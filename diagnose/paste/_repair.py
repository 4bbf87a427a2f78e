"""A UTF-8 stream read as :func:`._text.decode` reads the whole of it: each invalid sequence as U+FFFD.

A paste is text: its invalid bytes were replaced when it was decoded, each by U+FFFD (three bytes in
UTF-8). A log's reader reads bytes, and where it reads a line over 32 KB in windows depends on their
offsets (``_stream._LONG``): so that both read the same windows, the reader reads the bytes the paste's
text stands for. A chunk of ASCII passes as it is (one C pass, ``bytes.isascii``); another is checked
by the strict decoder and passes as it is when valid; only a chunk holding an invalid sequence is
decoded with replacement and encoded again. A character cut by the end of a read waits for the next.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Protocol


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class Repaired:
    """``stream`` with its invalid UTF-8 replaced as decoding the whole would; ``progress`` counts the bytes
    read from it. A read returns at least ``size`` bytes until the end, as a file's does."""

    def __init__(self, stream: _Readable, progress: Callable[[int], None] | None = None) -> None:
        self.stream, self.progress = stream, progress
        self.held = b""  # the first bytes of a character the last read cut
        self.done = False

    def read(self, size: int, /) -> bytes:
        out = b""
        while len(out) < size and not self.done:
            raw = self.stream.read(size)
            if raw and self.progress is not None:
                self.progress(len(raw))
            self.done = not raw
            piece = self._repaired(self.held + raw if self.held else raw, self.done)
            out = out + piece if out else piece
        return out

    def _repaired(self, data: bytes, final: bool) -> bytes:
        self.held = b""
        if data.isascii():
            return data
        try:
            _, used = codecs.utf_8_decode(data, "strict", final)
        except UnicodeDecodeError:
            text, used = codecs.utf_8_decode(data, "replace", final)
            self.held = data[used:]
            return text.encode()
        self.held = data[used:]
        return data[:used] if used < len(data) else data
