"""Logs of any size: Twilio errors read from a byte stream in bounded memory.

The stream is read in large chunks. A byte-level pre-filter (regular expressions
over the whole chunk, in C) finds the few lines that can hold part of an error;
of those, the anchors (:func:`._extract.is_anchor`) are gathered into chains
exactly as a paste's windows are (anchors at most ``REACH`` lines apart share
one), and each chain is read with the lines around it by the paste's own
:func:`._extract.extract_lines`. So a log and a paste of the same text give the
same errors, fields found on neighbouring lines included (a traceback's ``to=``,
a Node error's ``code``, pretty-printed JSON, ``curl -v`` output).

A chain still open at the end of a chunk is carried into the next, with the
lines before it. A line longer than ``_LONG`` (``MAX_LINE``, 8 KB) is never held
whole: its candidates are read in windows reaching ``_SEGMENT`` bytes either side
of them (neighbouring candidates share one, of at most ``MAX_LINE`` bytes of its
own), so an error in the middle of a 50 MB JSON record is found while memory
stays at a few chunks whatever the input. Such a line is a wall: no chain reads
into or across it, and a paste reads it the same way
(:func:`read_around_long_lines`): an error anywhere in it is read whole, once, by
both, and keeps the number of its line in the file. No line is cut into fixed
pieces (an error across a cut lost its number and fields): this is the one way
a line too long to read whole is read.

Lines end where a paste's end (``str.splitlines``): besides ``\n``, at ``\r``
(old Mac), ``\r\n``, the control characters ``\v \f \x1c \x1d \x1e`` and, in
UTF-8, NEL, U+2028 and U+2029. :class:`_Breaks` turns those into ``\n`` before
anything else reads the bytes, after one ``memchr`` per byte that can start one
finds none in the common case. Invalid UTF-8 is read as the paste's decoded text holds it, U+FFFD
(:class:`._repair.Repaired`), so a long line's windows sit where a paste's do.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import signal
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from ..errors import WorkerDiedError
from ..models import Evidence
from ._console import MAX_PAGE, is_heading
from ._controls import hidden_lines, lowered, marked, opens_with_space
from ._csv import HEAD_LINES, LONG_LINE, Header, cut_bytes, find_header, read_lines, row_width
from ._escapes import escaped_lines
from ._extract import (
    AFTER,
    BEFORE,
    _is_wording,
    continues,
    extract_lines,
    is_anchor,
    read_run,
    rejoin_wordings,
    unwrap,
    wraps_inside,
)
from ._group import merge_duplicates, note_suggested
from ._labels import NATIONAL_PASS, bare_code_pass
from ._numbers import read_number
from ._overlap import Seen, Shared, read_window
from ._parse import SDK_REST_TEXT
from ._repair import Repaired
from ._rx import rxb
from ._text import MAX_LINE, SNIFF, clean, decode_utf8, leading_stamp, starts_event, wide_codec
from ._wording import MIN_TAIL_WORDS, WordingTable, default_table

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

CHUNK = 8 * 1024 * 1024
# Between two words of a wording: spaces or punctuation, with one escape among them that a paste decodes or
# drops before it reads the words (an HTML entity "&#32;", a JSON "\u0020", a colour "\x1b[0m", a JSON
# string's line break "\n" or "\r\n" where a message wraps inside one)
_SEP = (
    rb"[^a-z0-9\n]+(?:[0-9a-z]{1,8};[^a-z0-9\n]*|u[0-9a-f]{4}[^a-z0-9\n]*|\[[0-9;?]{0,16}[a-z][^a-z0-9\n]*"
    rb"|(?<=\\)(?:r\\)?[nrt][^a-z0-9\n]*)?"
)
# Between two words of an anchor of several ("phone number", "allowed to call"): _SEP, or a wrap that
# _extract.unwrap joins ("…Forbidden phone" / " number"): a hit across it is the continuation's (_candidate_lines),
# whose line _anchor_start reads joined onto the one above
_WRAP_SEP = rb"(?:" + _SEP + rb"|[^a-z0-9\n]{0,8}\n )"
# What every line _extract.is_anchor accepts holds, at the byte level and in lower case (a superset:
# "wilio" also finds "wilion"; is_anchor sorts them out). One pass each over the lower-cased chunk:
# a pattern that starts with a literal runs in C at memory speed (faster than bytes.find here, and
# faster still from a rare letter), while an alternation of them would lose that literal search.
# Weak words count only with what _extract._WEAK needs right after them (error 21408, HTTP 400), so
# ERROR lines of other software pass by; "rr" also stands for apierror, resterror and errors/.
PREFILTER = (
    rxb(rb"code"),
    # "allowed to call": 21216's API message holds no other anchor; "allowed to c", that message cut (_TAIL)
    # "warning - 13227": a Console page's heading of a warning (._console.is_heading)
    rxb(rb"w(?:ilio|ed" + _WRAP_SEP + rb"to" + _WRAP_SEP + rb"c|arning - [0-9])"),
    rxb(rb"xception"),
    # "forbidden phone number": 13225's older wording; "perhaps you", 21215's second sentence cut (_TAIL)
    rxb(rb"p(?:ermi|ayload|hone" + _WRAP_SEP + rb"number|erhaps" + _SEP + rb"you)"),
    rxb(rb"horiz"),
    # {1,16} bytes: is_anchor allows 1-4 characters there, and a character is up to 4 bytes in UTF-8
    rxb(rb"rr(?:or(?:s/|(?<=apierror)|(?<=resterror)|[^a-z0-9\n]{1,16}[0-9])|[^a-z0-9\n]{1,16}[0-9])"),
    # "failure" + 4 characters of up to 4 bytes; "failed to update", 30649's wording cut (_TAIL); a code in brackets
    # after the words ("failed to send to … (21408)": _parse.PAREN_CODE_TEXT, 200 characters of up to 4 bytes), or
    # after a colon ("failed for +336…: 21408")
    rxb(
        rb"fail(?:[^\n]{0,20}[0-9]|ed"
        + _SEP
        + rb"to"
        + _SEP
        + rb"update|[^\n()]{0,800}\([0-9]{5}\)|[^\n]{0,800}:[ \t]{1,2}[0-9]{5})"
    ),
    rxb(rb"http/?[0-9. ]{0,4}[45][0-9][0-9]"),
    # the one pass _TAIL costs, "Call blocked by T(wilio)": from the "k", a rare letter, as fast as a pass goes; and a
    # code in brackets after "blocked" ("Dial to +49… blocked (13227)": _parse.PAREN_CODE_TEXT, as "fail" above)
    rxb(rb"ked(?:" + _SEP + rb"by" + _SEP + rb"t|[^\n()]{0,800}\([0-9]{5}\)|[^\n]{0,800}:[ \t]{1,2}[0-9]{5})"),
    # a code no word names, opening a message with a labelled '+' number ("21408 to=+33…"): from the '+', looking
    # back for the code and the label (_parse._BARE_CODE)
    rxb(bare_code_pass()),
    # and before a national number with its country in brackets ("21408 for 07400 123456 (GB)"): from the bracket
    rxb(NATIONAL_PASS),
)
# A message cut inside its wording before the anchor word it held still holds its first words ("Dial: Call
# blocked by T", "Account not allowed to c", "Failed to Update Geo P", "Perhaps you need to e"), and a paste
# reads such a line by itself (_extract._is_wording): PREFILTER lets these through, and _is_anchor_line takes
# them for anchors when they are. tests/test_paste_truncated_wording.py derives them from the knowledge.
_TAIL = rxb(
    rb"blocked" + _SEP + rb"by" + _SEP + rb"t|wed" + _SEP + rb"to" + _SEP + rb"c|ed" + _SEP + rb"to" + _SEP + rb"update"
    rb"|perhaps" + _SEP + rb"you|phone" + _SEP + rb"number"  # an anchor is_anchor misses when escapes space it
)
REACH = BEFORE + AFTER + 1  # anchors this many lines apart or closer share a window (_extract.windows)
PAD = 2  # lines read beyond a chain's windows, so that unwrap() joins there as in the whole text
_LONG = MAX_LINE  # bytes: a longer line is read in windows around its candidates, never whole (nor cut in pieces)
_SEGMENT = MAX_LINE // 4  # bytes read either side of a candidate in a long line (a window: MAX_LINE at most)
_STEP = _SEGMENT // 4  # in a long line, the pre-filter looks for the next candidate this far past one
_MAX_CHAIN = 4 * CHUNK  # bytes: a chain of anchors longer than this is read as it stands


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def scan(
    stream: Readable,
    *,
    chunk_size: int = CHUNK,
    table: WordingTable | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    merge: bool = False,
    now: dt.datetime | None = None,
) -> Iterator[Evidence]:
    """Every Twilio error in ``stream``, in order. Memory is bounded by ``chunk_size``.

    ``stream`` holds what ``diagnose FILE``, ``diagnose -`` and ``diagnose triage`` read: text in any
    encoding (UTF-16 and UTF-32 transcoded as read), or text compressed with gzip, bzip2 or xz, told by
    its first bytes (never by a name) and decompressed as it is read (:func:`._compressed.decompressed`:
    ``progress`` then counts the compressed bytes). A compressed stream that ends early or is corrupt
    gives the errors before the damage; to learn that it did, pass the reader :func:`decompressed` returns,
    whose ``problem`` says why (it is read as it stands, not looked into again). zstd and zip raise
    :class:`~diagnose.errors.InputError` naming the command that reads them, as the CLI refuses them.

    ``workers`` > 1 reads a regular file in that many processes, a block each (see :data:`BLOCK`), and
    a pipe's errors found in a chunk, while this one reads on (forked: they start with ``table`` as this
    process has it, see :func:`_shared_table`); results stay in order. A stream of two blocks or less is
    read here alone.
    ``merge``: a worker may hand over the duplicates of its block as one evidence with a ``count`` and
    a span (:func:`._group.merge_duplicates`, ``now`` dating a syslog time), which
    :class:`._group.Groups` takes as the errors it stands for.
    """
    table = table or default_table()
    stream, progress = _unpacked(stream, progress)
    stream, progress = _as_utf8(stream, progress)
    header, stream = _csv_header(stream)
    if workers > 1:
        blocks = _Blocks(min(chunk_size, BLOCK), workers, progress, merge, now, table, header)
        found = _file_range(stream)
        if found is None:
            yield from blocks.scan_stream(stream, chunk_size, workers)
            return
        if found[1] - found[0] > 2 * blocks.block:
            yield from blocks.scan_file(found[2], found[0], found[1])
            return
    if not isinstance(stream, _Utf8):  # a transcoded stream is valid UTF-8 already
        stream, progress = Repaired(stream, progress), None
    yield from _read(stream, _State(header), chunk_size, table, progress, workers)


def _unpacked(
    stream: Readable, progress: Callable[[int], None] | None
) -> tuple[Readable, Callable[[int], None] | None]:
    """``stream``'s text, decompressed when its first bytes say gzip, bzip2 or xz (then the reader counts the
    compressed bytes, and none are left to count), as the CLI reads a file; a reader handed in is read as is."""
    from ._compressed import Decompressed, decompressed  # it builds on this module's _Prefixed

    if isinstance(stream, Decompressed):
        return stream, progress
    name = getattr(stream, "name", None)
    text, unpacked = decompressed(stream, name if isinstance(name, str) else "standard input", progress)
    return text, (None if unpacked is not None else progress)


def _read(
    stream: Readable,
    state: _State,
    chunk_size: int,
    table: WordingTable,
    progress: Callable[[int], None] | None,
    workers: int,
) -> Iterator[Evidence]:
    """:func:`scan` of a stream read in order; ``state.lines`` counts its lines once it is read."""
    if state.csv is not None:
        yield from _read_csv(stream, state, chunk_size, table, progress)
        return
    breaks = _Breaks()
    carried = b""
    pool: _Pool | None = None
    try:
        while True:
            try:
                raw = stream.read(chunk_size)
            except KeyboardInterrupt:
                if pool is not None:  # what the workers have in hand is read to the end, then Ctrl-C goes on
                    yield from pool.drain()
                raise
            final = not raw
            if progress is not None and raw:
                progress(len(raw))
            data = breaks.normalise(raw, final)
            buf = carried + data if carried else data
            pieces, keep = _round(buf, state, final, table)
            if pool is None and workers > 1 and not final and len(raw) >= chunk_size:
                pool = _Pool(workers, table)
            if pool is None:
                yield from read_pieces(pieces, table)
            else:
                yield from pool.submit(pieces)
            if final:
                if pool is not None:
                    yield from pool.drain()
                state.lines = state.first_line + buf.count(b"\n")
                return
            state.first_line += buf.count(b"\n", 0, keep)
            carried = buf[keep:]
    finally:
        if pool is not None:
            pool.close()


# The bytes that begin a line break other than \n (str.splitlines' breaks), and those breaks
_SINGLE = b"\r\x0b\x0c\x1c\x1d\x1e"
_SINGLE_BREAKS = bytes.maketrans(_SINGLE, b"\n" * len(_SINGLE))
_WIDE_BREAKS = {b"\xe2": (b"\xe2\x80\xa8", b"\xe2\x80\xa9"), b"\xc2": (b"\xc2\x85",)}  # U+2028, U+2029, NEL
_HELD = (b"\r", b"\xe2", b"\xc2", b"\xe2\x80")  # a chunk ending in one of these may end mid-break


class _Breaks:
    """Every line break a paste knows, made ``\n``, chunk by chunk. A chunk's last bytes that may begin
    a break (``\r`` before ``\n``, the first bytes of U+2028) wait for the next chunk."""

    def __init__(self) -> None:
        self.held = b""

    def normalise(self, data: bytes, final: bool) -> bytes:
        if self.held:
            data, self.held = self.held + data, b""
        single = any(bytes((c,)) in data for c in _SINGLE)  # memchr each: the common case ends here
        wide = [lead for lead in _WIDE_BREAKS if lead in data]
        if not single and not wide:
            return data
        if not final:
            cut = 2 if data[-2:] in _HELD else 1 if data[-1:] in _HELD else 0
            if cut:
                data, self.held = data[:-cut], data[-cut:]
        if single:
            data = data.replace(b"\r\n", b"\n").translate(_SINGLE_BREAKS)
        for lead in wide:
            for sequence in _WIDE_BREAKS[lead]:
                if sequence in data:
                    data = data.replace(sequence, b"\n")
        return data


# A regular file is read in blocks of about this size, each by a worker process from start to end as
# scan() reads a stream; a block ends only where the log is quiet (see _quiet_cut), so each error is read
# as one reader would read it. The reading process only finds the cuts and gathers the results.
BLOCK = 4 * 1024 * 1024
_CUT_SEARCH = 256 * 1024  # bytes after a nominal block end searched for a quiet place to cut
_QUIET_ABOVE = AFTER + PAD + 1  # lines without an anchor before a cut: the last window above ends
_QUIET_BELOW = BEFORE + PAD + 1  # and after it: the next window below starts after the cut


def _file_range(stream: Readable) -> tuple[int, int, int] | None:
    """(position, size, descriptor) of a regular file read from its position on; None for a pipe."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        info = os.fstat(fd)
        position = stream.tell()  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return position, info.st_size, fd


def _quiet_cut(fd: int, nominal: int, table: WordingTable | None = None, floor: int = 0) -> int | None:
    """Where a block of a file may end near ``nominal`` (see :func:`_quiet_place`), or None; ``floor``: where
    the block starts (the bytes before ``nominal`` looked at for a Console page's heading stay in it)."""
    back = min(_PAGE_BACK, max(0, nominal - floor))
    cut = _quiet_place(os.pread(fd, back + _CUT_SEARCH, nominal - back), table, back)
    return None if cut is None else nominal + cut


# Bytes before a nominal block end looked at for a Console page's heading: its page, read whole from it
# (._console), may go on past the nominal end
_PAGE_BACK = 256 * 1024


def _quiet_place(region: bytes, table: WordingTable | None = None, back: int = 0) -> int | None:
    """Where in ``region`` (the bytes from a nominal block end on, after ``back`` bytes before it) a block may
    end, counted from the nominal end: the start of a line with no anchor (and no long line) ``_QUIET_ABOVE``
    lines above it nor ``_QUIET_BELOW`` lines below, nor within ``MAX_PAGE`` lines below a Console page's
    heading. No window of the reader crosses it, and anchors on either side are too far apart to chain. None
    when the log is busy all the way."""
    pos = region.find(b"\n") + 1
    if pos == 0:
        return None
    own = own_prefilter(table) if table is not None else None  # a table of one's own: its wordings anchor too
    anchors = {
        start
        for start, end in _candidate_lines(region, len(region), False, own=own)
        if end < 0 or _anchor_start(region, start, end, table) is not None
    }
    quiet = below = 0
    cut = -1
    page = 0  # lines still to come of a Console page (._console), which is read whole: no cut inside it
    while True:
        end = region.find(b"\n", pos)
        if end < 0:
            return None  # the region ends before a quiet place does
        if pos in anchors and b" - " in region[pos:end] and is_heading(clean(decode_utf8(region[pos:end]))):
            page = MAX_PAGE
        if pos in anchors or end - pos > _LONG or page > 0:
            quiet, cut = 0, -1
            page -= 1
        else:
            quiet += 1
            if cut < 0 and quiet > _QUIET_ABOVE and pos >= back:  # past the nominal end, quiet enough above
                cut, below = pos, 0
            if cut >= 0:
                below += 1  # quiet lines from the cut on
                if below == _QUIET_BELOW:
                    return cut - back
        pos = end + 1


# What a worker reads as a block: a file's bytes (descriptor, start, end or None for the file's end), or a
# pipe's, handed over
_Source = tuple[int, int, int | None] | bytes


class _Blocks:
    """:func:`scan` by worker processes, a block each, results in order: a regular file's blocks read from
    it by the workers (:meth:`scan_file`), or a pipe's, read here and handed over (:meth:`scan_stream`)."""

    def __init__(
        self,
        block: int,
        workers: int,
        progress: Callable[[int], None] | None,
        merge: bool,
        now: dt.datetime | None,
        table: WordingTable,
        header: Header | None = None,
    ) -> None:
        self.block, self.workers, self.progress = block, workers, progress
        self.merge, self.now, self.table = merge, now, table
        # a CSV export's header (see ._csv): blocks are cut between rows, and each is read with the header in
        # force where it starts, the one after the blocks gathered so far (the first line's, unless another came)
        self.first_header = self.header = header
        self.pending: deque[tuple[Future[_BlockRead], int, _Source]] = deque()
        self.lines_before = 0
        self.floor = 0  # where the block being cut starts in a file
        # where the next block to gather starts in the stream a reader reads (line breaks made \n, invalid
        # UTF-8 repaired: see Repaired), modulo _STEP; a block's offset is guessed from the input's until then
        self.offset = 0
        self.read = 0  # bytes handed to the workers so far: a block's offset is guessed from them
        self.key = 0

    @contextmanager
    def _pool(self) -> Iterator[ProcessPoolExecutor]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        self.key = _shared_table(self.table)
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_quiet)
        try:
            yield pool
        finally:
            for future, *_ in self.pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            if self.key:
                _TABLES.pop(self.key, None)

    def _interrupted(self) -> Iterator[Evidence]:
        """Ctrl-C: the blocks read so far, in order; then it goes on."""
        while self.pending and self.pending[0][0].done():
            yield from self._gather()

    def scan_file(self, fd: int, start: int, size: int) -> Iterator[Evidence]:
        with self._pool() as pool:
            try:
                begin, nominal = start, start + self.block
                while nominal < size - self.block:
                    self.floor = begin
                    cut = self._cut(fd, nominal)
                    if cut is not None and cut > begin:
                        yield from self._submit(pool, (fd, begin, cut), cut - begin)
                        begin = cut
                    nominal = max(nominal + self.block, begin + self.block)
                yield from self._submit(pool, (fd, begin, None), size - begin)
                while self.pending:
                    yield from self._gather()
            except KeyboardInterrupt:
                yield from self._interrupted()
                raise

    def scan_stream(self, stream: Readable, chunk_size: int, workers: int) -> Iterator[Evidence]:
        """A pipe's blocks, cut here where the log is quiet (as a file's are) and handed to the workers: this
        process only reads and cuts. A stretch busy for ``_BUSY`` blocks, where no cut can fall (a log of
        nothing but errors, ``grep 21408 app.log | diagnose triage -``), is read as :func:`_read` reads a
        stream from there to the end (the pieces to the workers), so memory stays bounded. A stream of two
        blocks or less is read by :func:`_read` alone. Ctrl-C while the pipe is waited for: what was read
        is read to the end (the blocks in the workers' hands, then the bytes not handed over), then it goes on."""
        ahead = _Ahead(stream, self.progress, chunk_size)
        try:
            ahead.fill(2 * self.block + _CUT_SEARCH)
        except KeyboardInterrupt:  # a live pipe (tail -f) stopped before two blocks came: what came is read
            ahead.ended = True
            yield from _read(Repaired(ahead), _State(self.header), chunk_size, self.table, None, 1)
            raise
        if ahead.ended and ahead.size <= 2 * self.block:
            yield from _read(Repaired(ahead), _State(self.header), chunk_size, self.table, None, workers)
            return
        with self._pool() as pool:
            try:
                while ahead.size:
                    cut = None
                    for nominal in range(self.block, _BUSY * self.block + 1, self.block):
                        ahead.fill(nominal + _CUT_SEARCH)
                        if ahead.ended and ahead.size <= nominal + self.block:
                            cut = ahead.size  # the rest: the last block
                            break
                        place = self._place(ahead, nominal)
                        if place is not None:
                            cut = nominal + place
                            break
                    if cut is None:
                        break  # busy all the way: read on below
                    yield from self._submit(pool, ahead.take(cut), cut)
                while self.pending:
                    yield from self._gather()
            except KeyboardInterrupt:
                if not ahead.waiting:
                    yield from self._interrupted()
                    raise
                while self.pending:
                    yield from self._gather()
                ahead.ended = True  # the bytes read so far are all there is
                yield from self._rest(ahead, chunk_size, 1)
                raise
        yield from self._rest(ahead, chunk_size, workers)

    def _rest(self, ahead: _Ahead, chunk_size: int, workers: int) -> Iterator[Evidence]:
        """The stream from where the blocks handed over end, read by :func:`_read`."""
        state = _State(self.header)
        state.first_line, state.offset = self.lines_before, self.offset
        yield from _read(Repaired(ahead), state, chunk_size, self.table, None, workers)

    def _cut(self, fd: int, nominal: int) -> int | None:
        """Where a block of the file may end near ``nominal``: between two rows of a CSV export, else where
        the log is quiet (:func:`_quiet_cut`)."""
        if self.first_header is None:
            return _quiet_cut(fd, nominal, self.table, self.floor)
        place = _row_place(os.pread(fd, _CUT_SEARCH, nominal), self.first_header)
        return None if place is None else nominal + place

    def _place(self, ahead: _Ahead, nominal: int) -> int | None:
        if self.first_header is None:
            back = min(_PAGE_BACK, nominal)  # a Console page's heading before the nominal end (see _quiet_cut)
            return _quiet_place(ahead.peek(nominal - back, back + _CUT_SEARCH), self.table, back)
        return _row_place(ahead.peek(nominal, _CUT_SEARCH), self.first_header)

    def _submit(self, pool: ProcessPoolExecutor, source: _Source, size: int) -> Iterator[Evidence]:
        """Queue a block; yields what the blocks before it found, keeping at most ``2 * workers`` queued."""
        with _worker_death():
            args = (source, self.merge, self.now, self.read % _STEP, self.key, self.header)
            future = pool.submit(_read_block, *args)
        self.read += size
        self.pending.append((future, size, source))
        while len(self.pending) > 2 * self.workers:
            yield from self._gather()

    def _gather(self) -> Iterator[Evidence]:
        future, size_read, source = self.pending.popleft()
        with _worker_death():
            found, lines, started, ended, windowed, header = future.result()
        if (windowed and started != self.offset) or header[0] != self.header:
            # a long line's windows sit on a grid of the stream's offsets, which \r\n or invalid UTF-8 above
            # moved from the input's; or a CSV export's header changed in a block before (exports of other
            # columns joined): read again here, from where the blocks before it really ended (rare)
            found, lines, _, ended, _, header = _read_block(
                source, self.merge, self.now, self.offset, self.key, self.header
            )
        else:
            ended = (ended - started + self.offset) % _STEP
        self.offset = ended
        self.header = header[1]
        yield from _received(found, self.lines_before)
        self.lines_before += lines
        if self.progress is not None and not isinstance(source, bytes):  # a pipe's bytes count as they are read
            self.progress(size_read)


_BUSY = 4  # blocks of a pipe searched for a quiet place to cut before the rest is read as a stream


class _Ahead:
    """A stream read ahead into a buffer (:meth:`fill`), whose reads are counted for ``progress``; read
    as a stream, it gives its buffer first. What a read brought stays in the buffer when Ctrl-C stops the
    next one (``waiting`` says one was under way)."""

    def __init__(self, stream: Readable, progress: Callable[[int], None] | None, chunk_size: int) -> None:
        self.progress, self.chunk_size = progress, chunk_size
        # read1: what a pipe holds now, never waiting for more once it has some; a read of many megabytes that
        # Ctrl-C stops loses what it had taken in (BufferedReader.read)
        self._read: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read
        self.parts: list[bytes] = []
        self.size = 0
        self.ended = self.waiting = False

    def fill(self, size: int) -> None:
        """Read until the buffer holds ``size`` bytes or the stream ends."""
        while self.size < size and not self.ended:
            self.waiting = True
            data = self._read(max(self.chunk_size, size - self.size))
            self.waiting = False
            if data and self.progress is not None:
                self.progress(len(data))
            self.ended = not data
            self.parts.append(data)
            self.size += len(data)

    def _joined(self) -> bytes:
        if len(self.parts) > 1:
            self.parts = [b"".join(self.parts)]
        return self.parts[0] if self.parts else b""

    def peek(self, start: int, size: int) -> bytes:
        return self._joined()[start : start + size]

    def take(self, size: int) -> bytes:
        """The buffer's first ``size`` bytes, taken out of it."""
        data = self._joined()
        self.parts, self.size = [data[size:]], self.size - size
        return data[:size]

    def read(self, size: int, /) -> bytes:
        if not self.size:
            if self.ended:
                return b""
            self.fill(size)
        return self.take(min(size, self.size))


class _Block:
    """The bytes of a file from ``start`` to ``end`` (None: its end, wherever it is by then), read as a
    stream."""

    def __init__(self, fd: int, start: int, end: int | None) -> None:
        self.fd, self.pos, self.end = fd, start, end

    def read(self, size: int) -> bytes:
        if self.end is not None:
            size = min(size, self.end - self.pos)
        data = os.pread(self.fd, size, self.pos) if size > 0 else b""
        self.pos += len(data)
        return data


# A block's errors, its line count, the stream offsets (modulo _STEP) it was read from and ended at,
# whether it read a long line in windows (which the first offset places), and the CSV header it was read
# with and the one in force at its end
_BlockRead = tuple[list[tuple[Evidence, str | None]], int, int, int, bool, tuple[Header | None, Header | None]]


def _read_block(
    source: _Source,
    merge: bool,
    now: dt.datetime | None,
    offset: int = 0,
    table: int = 0,
    header: Header | None = None,
) -> _BlockRead:
    """In a worker: the errors of one block (line numbers from the block's first line; merged, when asked)
    and its line count; ``offset``: the block's stream offset, modulo ``_STEP`` (see ``_State.offset``);
    ``table``: the wording table's key (:func:`_shared_table`); ``header``: a CSV export's, where the block starts."""
    state = _State(header)
    state.offset = offset
    block: Readable = io.BytesIO(source) if isinstance(source, bytes) else _Block(*source)
    found: Iterable[Evidence] = _read(Repaired(block), state, BLOCK, _TABLES[table], None, 1)
    if merge:
        found = merge_duplicates(found, now=now)
    return _with_suggested(found), state.lines, offset, state.offset, state.windowed, (header, state.csv)


# The wording tables worker processes read with, by key: a worker is forked with them, so a table of one's
# own (``--knowledge DIR``) reaches it with no pickling (a table holds caches, and is big). Key 0: the built-in.
_TABLES: dict[int, WordingTable] = {}


def _shared_table(table: WordingTable) -> int:
    """The key of ``table`` in :data:`_TABLES`, added there (before the workers fork) unless built in."""
    if table is default_table():
        _TABLES[0] = table
        return 0
    key = id(table)
    _TABLES[key] = table
    return key


class _State:
    """What one round hands the next: where its carried bytes stand in the stream."""

    def __init__(self, csv: Header | None = None) -> None:
        self.csv = csv  # a CSV export's header in force (see ._csv): rows are read by it, not by the pre-filter
        self.first_line = 0  # 0-based line number of the first carried byte
        self.lines = 0  # line breaks in the whole stream, once it is read
        self.mid_line = False  # the carried bytes start inside a long line
        self.segment_done = 0  # bytes of carried already read in a long line's window
        self.owned_from = 0  # hits of a long line before this offset of carried were the last round's
        # where carried starts in the stream, modulo _STEP: a long line's candidates are searched on a grid of
        # the stream's offsets, so every way of reading it (chunks, blocks, a paste) finds the same ones
        self.offset = 0
        self.windowed = False  # a long line was read in windows (their place depends on self.offset)
        # the window before a cut whose next window was carried: its bytes, where the cut falls in carried, and
        # where its own bytes start in its bytes
        self.before: tuple[bytes, int, int] | None = None


def _round(buf: bytes, state: _State, final: bool, table: WordingTable | None = None) -> tuple[list[Piece], int]:
    """The pieces of ``buf`` that this round owns (in order), and the offset from which the next round reads."""
    if state.mid_line and not final and len(buf) <= _LONG and b"\n" not in buf:
        return [], 0  # a long line's tail too short to read yet (small reads): carried whole, the state kept
    limit = len(buf) if final else buf.rfind(b"\n") + 1  # the complete lines end here
    long_tail = not final and len(buf) - limit > _LONG
    # In a long unfinished line, the hits up to scan_end are this round's; the next reads from a window
    # before it, and owns what follows.
    scan_end = len(buf) - _SEGMENT if long_tail else limit
    lines = _Lines(buf, state)
    anchors: list[tuple[int, int, int]] = []  # (line start, line end, line number)
    # anchors that only say how far below a Console page's heading (._console) its chain reads, none of them a
    # line's own; by the heading's line number, the last line its page may reach
    pseudo: list[tuple[int, int, int]] = []
    reaches: set[tuple[int, int]] = set()
    reach_of: dict[int, int] = {}
    long_hits: list[int] = []
    own = own_prefilter(table) if table is not None else None  # a table of one's own: its wordings' pass
    if state.first_line == 0 and not state.mid_line and (head := _cut_head(buf, limit, table)) is not None:
        anchors.append((0, head, 0))
    for start, end in _candidate_lines(buf, len(buf) if long_tail else limit, state.mid_line, state.offset, own):
        if end < 0:
            long_hits.append(start)
        elif (at := _anchor_start(buf, start, end, table)) is not None and not (anchors and anchors[-1][0] == at):
            anchors.append((at, end, lines.number(at)))
            if b" - " in buf[at:end] and is_heading(clean(decode_utf8(buf[at:end]))):
                # a Console page: the lines below its heading are read with it (._console), up to MAX_PAGE of them
                reach = lines.forward(end, MAX_PAGE - 1, limit)
                if reach > end:
                    last = buf.rfind(b"\n", end, reach) + 1 or end
                    reach_at = last if last > end else end
                    reach_of[anchors[-1][2]] = lines.number(reach_at)
                    pseudo.append((reach_at, reach, lines.number(reach_at)))
    if pseudo:
        reaches = {(at, number) for at, _, number in pseudo} - {(at, number) for at, _, number in anchors}
        anchors = sorted({*anchors, *pseudo})
    chains: list[list[tuple[int, int, int]]] = []
    chain_reach = -1  # the line a page of the last chain may reach down to: its anchors up to there join it
    for anchor in anchors:
        near = chains and (anchor[2] - chains[-1][-1][2] <= REACH or anchor[2] <= chain_reach)
        if near and not _long_between(buf, chains[-1][-1][1], anchor[0]):
            chains[-1].append(anchor)
        else:
            chains.append([anchor])
            chain_reach = -1
        chain_reach = max(chain_reach, reach_of.get(anchor[2], -1))
    # Where the next round starts: an open chain (one a later anchor may still join) is carried whole,
    # with the lines before it; else the last lines, which the next round's first chain reads back to.
    keep = limit
    if long_tail:
        keep = scan_end - _SEGMENT
    elif not final:
        keep = lines.back(limit, BEFORE + PAD)
        if chains and lines.number(limit) - chains[-1][-1][2] <= REACH + PAD:
            start = lines.back(chains[-1][0][0], BEFORE + PAD)
            if limit - start <= _MAX_CHAIN:
                keep = start
                chains.pop()
            else:  # a chain longer than memory allows: read as it stands, never twice
                keep = max(keep, chains[-1][-1][1] + 1)
    out: list[tuple[int, Piece]] = []
    for chain in chains:
        out.append((chain[0][0], _chain_piece(buf, chain, lines, limit, reaches)))
    owned = scan_end if long_tail else keep
    windows = _long_windows(buf, long_hits, lines, state, owned)
    done = state.segment_done
    state.before = None
    if long_tail and windows and windows[-1].start >= limit and windows[-1].end + _SEGMENT >= scan_end:
        # the last window may still grow with the next round's hits: carried and read there, whole
        carried = windows.pop()
        start = carried.start
        keep = min(keep, start)
        owned = start
        if carried.before:  # it starts inside the window before it, at a cut: so it will again (_overlap)
            state.before = (carried.before, carried.own - keep, carried.lead)
    for window in windows:
        out.append((window.start, (buf[window.start : window.end], lines.number(window.start), window.shared())))
        done = window.end
        state.windowed = True
    state.segment_done = max(0, done - keep)
    state.mid_line = long_tail
    state.owned_from = owned - keep if long_tail else 0
    state.offset = (state.offset + keep) % _STEP
    out.sort(key=lambda item: item[0])
    return [piece for _, piece in out], keep


def _long_between(buf: bytes, end: int, start: int) -> bool:
    """Whether a line of more than ``_LONG`` bytes lies between the line ending at ``end`` and the one
    starting at ``start``: it is read in its own windows, and no chain reaches across it (nor a paste's
    window: :func:`read_around_long_lines`)."""
    if start - end <= _LONG + 1:  # the common case: no room for one
        return False
    pos = end + 1
    while pos < start:
        nxt = buf.find(b"\n", pos, start)
        if nxt < 0 or nxt - pos > _LONG:
            return nxt - pos > _LONG or start - pos > _LONG
        pos = nxt + 1
    return False


class _Window:
    """[start, end) of a window in a long line; at a cut with no record edge (see ._overlap), ``before``: the
    window before it, whole, whose end it starts inside, ``lead`` where that one's own bytes start in it, ``own``
    where its own bytes start (the cut), and ``tail``: how many of its last bytes the next window starts with."""

    __slots__ = ("before", "end", "lead", "own", "start", "tail")

    def __init__(self, start: int, end: int, before: bytes = b"", own: int = -1, lead: int = 0) -> None:
        self.start, self.end, self.before, self.tail, self.lead = start, end, before, 0, lead
        self.own = start if own < 0 else own

    def shared(self) -> Shared | None:
        if not self.before and not self.tail:
            return None
        return Shared(self.before, self.own - self.start if self.before else 0, self.tail, self.lead)


def _long_windows(buf: bytes, hits: list[int], lines: _Lines, state: _State, owned: int) -> list[_Window]:
    """The windows a round reads in long lines: one around each run of candidates less than ``_SEGMENT``
    bytes apart, from ``_SEGMENT`` bytes before its first to ``_SEGMENT`` after its last, so that an error
    is read whole wherever it falls; a run whose own bytes would pass ``MAX_LINE`` is cut between two JSON
    records where it can be (a list of alerts logged on one line), else the next window starts up to
    ``MAX_LINE`` bytes before the cut (see ._overlap)."""
    windows: list[_Window] = []
    for at in hits:
        if at >= owned or at < state.segment_done or at < state.owned_from:
            continue  # the next round owns it, or a window already read it, or the last round did
        end = min(at + _SEGMENT, len(buf), lines.end_of(at))
        last = windows[-1] if windows else None
        if last is not None and at - _SEGMENT <= last.end and buf.find(b"\n", last.end, at) < 0:
            if end - last.own <= MAX_LINE:
                last.end = max(last.end, end)
            else:
                edge = _record_edge(buf, max(last.own + 1, end - MAX_LINE), at)
                last.end = edge
                if buf[edge - 1 : edge] == b"}" and buf[edge : edge + 1] in (b",", b"{"):
                    windows.append(_Window(edge, end))  # between two records: nothing to share
                else:
                    share = min(MAX_LINE, edge - last.start)
                    last.tail = share
                    windows.append(_Window(edge - share, end, buf[last.start : edge], edge, last.own - last.start))
        else:
            done = last.end if last is not None else state.segment_done
            start = max(at - _SEGMENT, done, lines.start_of(at))
            if last is None and state.before is not None and start == state.before[1]:
                before, edge, lead = state.before  # the window carried from the last round starts inside its neighbour
                windows.append(_Window(max(0, edge - min(MAX_LINE, len(before))), end, before, edge, lead))
            else:
                windows.append(_Window(start, end))
    return windows


def _record_edge(buf: bytes, lo: int, hi: int) -> int:
    """Where in ``buf[lo:hi]`` one window may end and the next begin: after the last JSON object that
    another follows ("}, {", "},{", "}{"), else ``_SEGMENT`` bytes before ``hi``, the candidate the next one reads."""
    edge = max(buf.rfind(b"},{", lo, hi), buf.rfind(b"}, {", lo, hi), buf.rfind(b"}{", lo, hi))
    return edge + 1 if edge >= 0 else max(lo, hi - _SEGMENT)


def _is_anchor_line(buf: bytes, start: int, end: int, table: WordingTable | None = None) -> bool:
    """:func:`._extract.is_anchor` of the line ``buf[start:end]``, decoded and cleaned, or a wording cut
    before its anchor word (see :data:`_TAIL`), which a paste reads by itself; with a table of one's own,
    any line a paste reads by itself as one of its wordings (:func:`own_prefilter` let it through)."""
    text = clean(decode_utf8(buf[start:end]))
    if is_anchor(text):
        return True
    if "\\" in text and wraps_inside(text):
        # a wording an escaped line break cuts ("P\\nermission"), which a paste joins before it looks for anchors
        joined = rejoin_wordings([text], table or default_table())[0]
        if joined != text and (is_anchor(joined) or _is_wording(joined, table or default_table())):
            return True
    if "\\u" in text or "&" in text:
        # a wording with an escape inside an anchor word ("Per\\u006dission"): its words, read as a paste's wording
        # test reads them (escapes decoded), make it an anchor to a paste (see ._escapes)
        return _is_wording(text, table or default_table())
    if table is not None and own_prefilter(table) is not None:
        return _is_wording(text, table)  # a table of one's own: any line a paste reads by itself as its wording
    low = lowered(buf[start:end])
    if _TAIL.search(low) is None and not (marked(low) and _TAIL.search(text.encode().lower()) is not None):
        return False  # neither in its bytes nor, when it holds control bytes, as a paste reads it (._controls)
    return _is_wording(text, default_table())


def _cut_head(buf: bytes, limit: int, table: WordingTable | None = None) -> int | None:
    """The end of the stream's first line (``buf`` holds the stream from its start) when it is a wording whose start
    is cut off ("ermission to send an SMS…", a paste cut inside its first word), which a paste reads by itself
    (._extract._is_wording with ``head``) and no pre-filter word may find; else None."""
    end = buf.find(b"\n", 0, limit)
    end = limit if end < 0 else end
    if not 20 <= end <= _LONG:
        return None
    text, table = clean(decode_utf8(buf[:end])).rstrip("\r"), table or default_table()
    # only a line that is a wording just for its cut start: any other anchor there is found, and read (a Console
    # page's heading with its page), as every line's is
    return end if _is_wording(text, table, head=True) and not _is_wording(text, table) else None


def _anchor_start(buf: bytes, start: int, end: int, table: WordingTable | None = None) -> int | None:
    """Where the anchor of the line ``buf[start:end]`` starts: the line itself when it is one; the line above
    when this one continues it (a wrap, which :func:`._extract.unwrap` joins) and the two make one ("…
    Dial: Forbidden" / " phone number"); else None."""
    if _is_anchor_line(buf, start, end, table):
        return start
    if start == 0 or not opens_with_space(buf, start, end):
        return None
    above = buf.rfind(b"\n", max(0, start - 2 - _LONG), start - 1) + 1
    if above == 0 and start - 1 > _LONG:
        return None  # a line over _LONG bytes above: read in its own windows, nothing joins onto it
    prev, line = clean(decode_utf8(buf[above : start - 1])), clean(decode_utf8(buf[start:end]))
    if not continues(prev, line):
        return None
    joined = (prev + line).encode()
    return above if _is_anchor_line(joined, 0, len(joined), table) else None


def _candidate_lines(
    buf: bytes, end: int, mid_line: bool, origin: int = 0, own: re.Pattern[bytes] | None = None
) -> list[tuple[int, int]]:
    """(start, end) of each line the pre-filter lets through, in order; end -1 for a hit in a long line.

    After a hit the search goes on from the end of its line (or, in a long line, from past the window
    read around the hit), so a line full of candidates costs one search, not one per candidate. In a long
    line it goes on from the next multiple of ``_STEP`` in the stream (``origin``: the stream offset of
    ``buf``, modulo ``_STEP``): it finds the same candidates wherever a read of the stream began. ``own``: the
    pass of a table of one's own (:func:`own_prefilter`), after the built-in ones."""
    out: dict[int, int] = {}
    low = lowered(buf[:end] if end < len(buf) else buf)  # as bytes.lower(), control bytes made \x00 (._controls)
    for pattern in PREFILTER if own is None else (*PREFILTER, own):
        pos = 0
        while (match := pattern.search(low, pos)) is not None:
            at = match.start()
            if (wrap := low.rfind(b"\n", at, match.end())) >= 0:
                at = wrap + 1  # an anchor a wrap cuts: the continuation's line (see _WRAP_SEP)
            start = buf.rfind(b"\n", max(0, at - _LONG), at) + 1
            if start == 0 and (at >= _LONG or mid_line):
                out[at] = -1  # no line start within reach: a long line, read around this hit
                pos = _past_hit(buf, at, origin)
                continue
            stop = out.get(start, -1)
            if stop < 0:
                stop = buf.find(b"\n", at, start + _LONG + 1)
                if stop < 0 and start + _LONG < len(buf):
                    out[at] = -1
                    pos = _past_hit(buf, at, origin)
                    continue
                stop = out[start] = len(buf) if stop < 0 else stop
            pos = stop + 1
    if marked(low):  # a control byte may split an anchor word that a paste reads whole (see ._controls)
        out.update(hidden_lines(buf, end, _LONG, out, mid_line, PREFILTER))
    # and an HTML entity, or a JSON string's escaped line break, inside one (see ._escapes)
    out.update(escaped_lines(buf, low, end, _LONG, out, mid_line, PREFILTER if own is None else (*PREFILTER, own)))
    return sorted(out.items())


def _past_hit(buf: bytes, at: int, origin: int) -> int:
    """Where the search goes on after a hit in a long line: the next multiple of ``_STEP`` in the stream, or
    the next line if it starts before (its first candidates are its own, as a paste of it finds them)."""
    nxt = at + _STEP - (at + origin) % _STEP
    brk = buf.find(b"\n", at, nxt)
    return nxt if brk < 0 else brk + 1


def _candidates(body: bytes) -> list[int]:
    """Start offsets of the lines the pre-filter lets through (a test's view of the pre-filter)."""
    return [start for start, _ in _candidate_lines(body, len(body), False)]


# A table of one's own (``--knowledge DIR``) may name its codes by wordings that hold none of PREFILTER's words
# ("Destination region blocked for outbound texts"): a paste reads such a line by itself (_extract._is_wording),
# so the reader needs a pass for them. Built from that table only, and only the wordings the built-in table
# lacks: the default reading pays nothing.
MAX_OWN_WORDS = 256  # words the pass searches for; more, and every line is a candidate (correct, slower)


@functools.lru_cache(maxsize=8)
def own_prefilter(table: WordingTable) -> re.Pattern[bytes] | None:
    """The pass for ``table``'s own wordings, or None when it has none (the built-in table, or one that adds
    nothing a line could be read as by itself). A line holding such a wording whole, or cut after at least
    :data:`._wording.MIN_TAIL_WORDS` of its words, holds its first words: the pass searches for the longest
    of them, in lower case, as bytes (words are ASCII letters and digits: :func:`._wording.normalise`)."""
    builtin = default_table()
    if table is builtin:
        return None
    theirs = {(w.code, w.text) for w in builtin.wordings()}
    words = {
        max(w.words[: MIN_TAIL_WORDS - 1], key=len)
        for w in table.wordings()
        if w.code in table.known_codes and (w.code, w.text) not in theirs and w.words
    }
    if not words:
        return None
    # compiled here, not by _rx.rxb (which lists every pattern for the safety test): a table's pass is data, made
    # of literal words only, and a long-running process must not keep one per table it ever saw
    if len(words) > MAX_OWN_WORDS:
        return re.compile(rb"[^\n]")  # too many to search for: every line is read, as a paste reads every line
    alternatives = b"|".join(re.escape(word.encode()) for word in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rb"(?:" + alternatives + rb")")


class _Lines:
    """Line numbers and line starts in one round's bytes, counted forward once."""

    def __init__(self, buf: bytes, state: _State) -> None:
        self.buf = buf
        self.mid_line = state.mid_line
        self._at, self._line = 0, state.first_line

    def number(self, offset: int) -> int:
        if offset >= self._at:
            self._line += self.buf.count(b"\n", self._at, offset)
        else:
            self._line -= self.buf.count(b"\n", offset, self._at)
        self._at = offset
        return self._line

    def back(self, start: int, count: int) -> int:
        """The start of the line ``count`` lines above the line starting at ``start`` (bounded)."""
        for _ in range(count):
            if start == 0:
                break
            prev = self.buf.rfind(b"\n", max(0, start - 2 - _LONG), start - 1)  # a line above of _LONG bytes
            if prev < 0:
                if start - 1 <= _LONG and not self.mid_line:
                    start = 0
                break  # a long line above: the window stops at it
            start = prev + 1
        return start

    def forward(self, end: int, count: int, limit: int) -> int:
        """The end of the line ``count`` lines below the line ending at ``end`` (bounded by ``limit``)."""
        for _ in range(count):
            if end >= limit:
                return limit
            nxt = self.buf.find(b"\n", end + 1, min(limit, end + 2 + _LONG))
            if nxt < 0:
                # the last line, unended; or a long line below, read in its own windows: the window stops at it
                return limit if limit - end - 1 <= _LONG else end
            end = nxt
        return end

    def start_of(self, at: int) -> int:
        return self.buf.rfind(b"\n", max(0, at - _SEGMENT), at) + 1

    def end_of(self, at: int) -> int:
        end = self.buf.find(b"\n", at, at + _SEGMENT)
        return len(self.buf) if end < 0 else end


# What one worker reads: the bytes of a chain's lines, the line number of the first, and the indexes of
# its anchors among them; or, for a window in a long line, its bytes, its line number and None (or what
# it shares with its neighbours at a cut, see ._overlap).
Piece = tuple[bytes, int, "tuple[int, ...] | Shared | None"]


def _chain_piece(
    buf: bytes, chain: list[tuple[int, int, int]], lines: _Lines, limit: int, reaches: set[tuple[int, int]]
) -> Piece:
    """A chain's anchors with the lines around them (``reaches``: anchors that are none, see :func:`_round`)."""
    first, last = chain[0], chain[-1]
    start = lines.back(first[0], BEFORE + PAD)
    end = lines.forward(last[1], AFTER + PAD, limit)
    base = first[2] - buf.count(b"\n", start, first[0])
    own = sorted({number - base for at, _, number in chain if (at, number) not in reaches})
    return buf[start:end], base, tuple(own)


def read_pieces(pieces: list[Piece], table: WordingTable | None = None) -> list[Evidence]:
    """The errors of each piece, in order: a chain read as a paste of its text would read it."""
    table = table or default_table()
    out: list[Evidence] = []
    seen = Seen()  # what the windows just read found, which the next ones may find again (see ._overlap)
    for data, base, anchors in pieces:
        if anchors is None or isinstance(anchors, Shared):  # a window in a long line
            out += read_window(data, base, anchors, table, seen)
            continue
        raw = data.split(b"\n")
        lines = _Decoded(raw)
        spans = _events_of(lines, anchors)
        # a Console page is one block whatever times its lines show (._console), as a paste reads it
        page = _CONSOLE_HEADING.search(data) is not None
        if spans != [(0, len(raw))] and (page or _may_say_more(lines, spans, table)):
            spans = [(0, len(raw))]
        # the stream's first line may be a wording whose start a cut paste lost, which no word test finds (_cut_head)
        cut_head = (
            base == 0
            and 0 in anchors
            and _is_wording(lines.text(0), table, head=True)
            and not _is_wording(lines.text(0), table)
        )
        if not cut_head and _names_no_code(b"\n".join(line for lo, hi in spans for line in raw[lo:hi]), table):
            continue  # a line like an error's that is none ("sent verification code", "http 503")
        for lo, hi in spans:
            text = [lines.text(i) for i in range(lo, hi)]
            block = unwrap(text)
            wanted = set()
            for i in anchors:
                if not lo <= i < hi:
                    continue
                i -= lo
                while i > 0 and block[i] == "" and text[i] != "":
                    i -= 1  # unwrap() joined this line onto the one above: that one holds it now
                wanted.add(i)
            out += extract_lines(block, base=base + lo, table=table, anchors=sorted(wanted))
    return out


class _Decoded:
    """A piece's lines as bytes, each decoded and cleaned as :func:`read_pieces` reads it once asked for,
    and its leading stamp: the event tests and the reading share one decoding."""

    def __init__(self, raw: list[bytes]) -> None:
        self.raw = raw
        self._text: dict[int, str] = {}
        self._stamp: dict[int, str | None] = {}

    def text(self, i: int) -> str:
        if i not in self._text:
            self._text[i] = clean(_line(self.raw[i]))
        return self._text[i]

    def stamp(self, i: int) -> str | None:
        if i not in self._stamp:
            self._stamp[i] = leading_stamp(self.text(i))
        return self._stamp[i]


def _may_say_more(lines: _Decoded, spans: list[tuple[int, int]], table: WordingTable) -> bool:
    """Whether the lines of a piece outside ``spans`` may hold a Twilio message (alone, or wrapped over two
    lines): then they are read too, as a paste reads every line of a window. A printed code always
    makes its line an anchor; a message need not."""
    outside: list[int] = []
    at = 0
    for lo, hi in spans:
        outside += range(at, lo)
        at = hi
    outside += range(at, len(lines.raw))
    data = b"\n".join(lines.raw[i] for i in outside)
    if b"%" in data:
        return True  # a form's value is URL-decoded before it is read: a message may hide there
    if _plain(data):
        return table.may_match_plain(data)
    return table.may_match("\n".join(lines.text(i) for i in outside))


def _names_no_code(data: bytes, table: WordingTable) -> bool:
    """True only when no error can come from these lines: a code is printed as five digits, or found
    from a message's words; neither is there. Plain ASCII only (else False: decoding may make either)."""
    if _FIVE_DIGITS.search(data) is not None or b"%" in data or not _plain(data):
        return False
    # a helper library's exception is an error even with no code and no known words (its code is unknown)
    return not table.may_match_plain(data, wrapped=True) and _SDK_REST.search(data) is None


def _plain(data: bytes) -> bool:
    """ASCII that decoding and cleaning leave as it is: its word tests can read the bytes."""
    # deleting those bytes in C is several times faster than searching for them with a character class
    return data.isascii() and len(data.translate(None, _NOT_PLAIN_BYTES)) == len(data)


# Bytes that decoding or cleaning would change (an escape, a colour, a control character): those lines
# are tested as text
_NOT_PLAIN_BYTES = b"&\\" + bytes(range(0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f"
_FIVE_DIGITS = rxb(rb"[0-9]{5}")
_SDK_REST = rxb(SDK_REST_TEXT.encode())
# a Console page's heading (._console._ANY_HEADING), in bytes
_CONSOLE_HEADING = rxb(rb"(?im)^[ \t]{0,8}(?:error|warning) - [0-9]{5}")


def _events_of(lines: _Decoded, anchors: tuple[int, ...]) -> list[tuple[int, int]]:
    """The spans ``[lo, hi)`` of a chain's piece to read, in order: each anchor's log event (see
    :func:`._text.new_event`), when it starts and ends within the anchor's windows; else the piece up to
    or from that anchor. No record spans two events, so a window's other lines can change nothing, and
    most errors in a log are one line between two others."""
    size = len(lines.raw)

    def starts(i: int) -> bool:  # new_event() for i > 0
        return starts_event(lines.stamp(i), lines.stamp(i - 1), lines.text(i), lines.text(i - 1))

    spans: list[tuple[int, int]] = []
    for anchor in anchors:
        lo = 0
        for i in range(anchor, max(-1, anchor - BEFORE - 1), -1):
            if i == 0 or starts(i):  # the piece's first line: the fallback either way
                lo = i
                break
        hi = size
        for j in range(anchor + 1, min(size, anchor + AFTER + 2)):
            if starts(j):
                hi = j
                break
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


class _Pool:
    """Worker processes reading pieces; results come back in the order the pieces were submitted."""

    def __init__(self, workers: int, table: WordingTable) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork: a worker starts with this process's knowledge and wording table already loaded
        self._workers = workers
        self._key = _shared_table(table)
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_quiet)
        self._pending: deque[Future[list[tuple[Evidence, str | None]]]] = deque()

    def submit(self, pieces: list[Piece]) -> Iterator[Evidence]:
        """Queue a round's pieces; yields what earlier rounds found, keeping at most two rounds queued."""
        size = max(1, -(-len(pieces) // (2 * self._workers)))
        for i in range(0, len(pieces), size):
            with _worker_death():
                self._pending.append(self._pool.submit(_read_in_worker, pieces[i : i + size], self._key))
        while len(self._pending) > 4 * self._workers:
            yield from self._next()

    def drain(self) -> Iterator[Evidence]:
        while self._pending:
            yield from self._next()

    def _next(self) -> Iterator[Evidence]:
        with _worker_death():
            results = self._pending.popleft().result()
        yield from _received(results)

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._key:
            _TABLES.pop(self._key, None)


@contextmanager
def _worker_death() -> Iterator[None]:
    """A worker that died (the pool breaks: every piece not yet read is lost) is a one-line error; what
    the workers handed back before it has been yielded, in order."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except BrokenProcessPool:
        raise WorkerDiedError("a worker process reading the log died (killed: out of memory, or kill -9)") from None


def _read_in_worker(pieces: list[Piece], table: int = 0) -> list[tuple[Evidence, str | None]]:
    """:func:`read_pieces` in a worker with the table of key ``table``, as :func:`_with_suggested` hands it back."""
    return _with_suggested(read_pieces(pieces, _TABLES[table]))


def _with_suggested(found: Iterable[Evidence]) -> list[tuple[Evidence, str | None]]:
    """Each error with its To number's wrong-prefix country (see :func:`._group.group_key`), read in the
    worker, where the number's reading is cached."""
    return [(e, read_number(e.to).suggested_country if e.to else None) for e in found]


def _received(results: list[tuple[Evidence, str | None]], lines_before: int = 0) -> Iterator[Evidence]:
    """What a worker handed back, its wrong-prefix readings noted, line numbers moved past ``lines_before``."""
    for evidence, suggested in results:
        if evidence.to:
            note_suggested(evidence.to, suggested)
        yield replace(evidence, line=evidence.line + lines_before) if lines_before else evidence


def _quiet() -> None:
    """A worker leaves Ctrl-C to the process that reads: it stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _line(raw: bytes) -> str:
    """A line of a piece (never over ``_LONG`` bytes: a longer one is read in windows, see _long_windows) as text."""
    text = decode_utf8(raw[:_LONG])
    return text[:-1] if text.endswith("\r") else text


def read_around_long_lines(lines: list[str], table: WordingTable, base: int = 0) -> list[Evidence]:
    """The errors of a paste's ``lines`` (``base``: the index of the first) as :func:`scan` reads them: each line
    over ``_LONG`` bytes in windows around its candidates, alone (no window of a paste reaches across it, as
    none of a reader's does), the lines between them as a paste reads them (:func:`._extract.read_run`)."""
    out: list[Evidence] = []
    start = offset = 0  # offset: the stream offset of the line, as a reader of the same text counts it
    for number, line in enumerate(lines):
        data = _utf8(line) if len(line) > _LONG or not line.isascii() else None
        size = len(line) if data is None else len(data)
        if size > _LONG:
            out += read_run(lines[start:number], base=base + start, table=table)
            out += read_long_line(data or b"", base + number, table, offset)
            start = number + 1
        offset += size + 1
    return out + read_run(lines[start:], base=base + start, table=table)


def read_long_line(data: bytes, number: int, table: WordingTable, offset: int = 0) -> list[Evidence]:
    """The errors of one line of more than ``_LONG`` bytes (``number``: its index; ``offset``: where it
    starts in the stream), read as :func:`scan` reads one in a stream: in windows around its candidates."""
    state = _State()
    state.first_line, state.offset = number, offset % _STEP
    pieces, _ = _round(data, state, True, table)
    return read_pieces(pieces, table)


def _utf8(line: str) -> bytes:
    """A paste's line as the bytes a reader of the same text reads (a command line's undecodable bytes
    come back as they were)."""
    try:
        return line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return line.encode("utf-8", "replace")


def _as_utf8(stream: Readable, progress: Callable[[int], None] | None) -> tuple[Readable, Callable[[int], None] | None]:
    """``stream`` as UTF-8, as :func:`._text.decode` would decode it whole, and the progress callback left
    for the reader. A UTF-16 or UTF-32 stream is transcoded as it is read (:class:`_Utf8`, which counts the bytes
    it reads for ``progress``); it has no file descriptor, so it is read in order, never in blocks cut at
    offsets of the original. Else the stream itself, or (a pipe) its first bytes and the rest."""
    found = _file_range(stream)
    if found is not None:
        head = os.pread(found[2], SNIFF, found[0])  # a look that leaves the file where it was
    else:
        head = b""
        while len(head) < SNIFF and (more := stream.read(SNIFF - len(head))):
            head += more
    codec = wide_codec(head)
    if codec is not None:
        return _Utf8(stream, codec, b"" if found is not None else head, progress), None
    return (stream if found is not None else _Prefixed(head, stream)), progress


class _Prefixed:
    """A stream whose first bytes were read already, to tell its encoding: they come first."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.head, self.stream = head, stream

    def read(self, size: int, /) -> bytes:
        if not self.head:
            return self.stream.read(size)
        head, self.head = self.head[:size], self.head[size:]
        return head + self.stream.read(size - len(head)) if len(head) < size else head

    def read1(self, size: int, /) -> bytes:
        """The first bytes, else one read of the stream's (``read1`` where it has one: see :class:`_Ahead`)."""
        if self.head:
            head, self.head = self.head[:size], self.head[size:]
            return head
        return (getattr(self.stream, "read1", None) or self.stream.read)(size)


class _Utf8:
    """A UTF-16 or UTF-32 stream read as UTF-8. The incremental decoder keeps a code unit or a surrogate pair cut by
    the end of a read for the next, so the text is what decoding the whole would give, invalid units
    replaced alike. A read returns at least ``size`` bytes until the end, as a file's does."""

    def __init__(self, stream: Readable, codec: str, head: bytes, progress: Callable[[int], None] | None) -> None:
        import codecs

        self.stream, self.head, self.progress = stream, head, progress
        self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self.done = False

    def read(self, size: int, /) -> bytes:
        out = b""
        while len(out) < size and not self.done:
            raw, self.head = (self.head, b"") if self.head else (self.stream.read(size), b"")
            if raw and self.progress is not None:
                self.progress(len(raw))
            self.done = not raw
            out += self.decoder.decode(raw, final=self.done).encode("utf-8")
        return out


# --------------------------------------------------------------------------- CSV exports (see ._csv)

_HEADER_READ = 32768  # bytes read to find a stream's CSV header: its first lines (._csv.find_header's lines fit)


def _csv_header(stream: Readable) -> tuple[Header | None, Readable]:
    """The CSV header ``stream`` opens with (see :func:`._csv.find_header`: its first line, or one below blank
    lines and a title), or None, and the stream to read: a file is looked at where it is (it stays one, for its
    blocks), another stream's first bytes are put back (:class:`_Prefixed`). Read once, here: a worker reading a
    block in the middle never sees line 1."""
    found = _file_range(stream)
    if found is not None:
        head = os.pread(found[2], _HEADER_READ, found[0])
    else:
        head = b""
        read = getattr(stream, "read1", None) or stream.read
        while len(head) < _HEADER_READ and _breaks(head) <= HEAD_LINES:
            more = read(_HEADER_READ - len(head))
            if not more:
                break
            head += more
        stream = _Prefixed(head, stream)
    if b"," not in head and b"\t" not in head and b";" not in head:
        return None, stream  # the common case, a log: nothing more to do
    lines = decode_utf8(head).splitlines(keepends=True)  # where a paste's lines end (\v, U+2028… too)
    if len(head) >= _HEADER_READ and lines and lines[-1] == lines[-1].rstrip("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        lines.pop()  # a line the read cut: longer than any line above a header or a header is
    return find_header([line.rstrip("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029") for line in lines]), stream


def _breaks(head: bytes) -> int:
    """The line breaks of ``head`` (a CRLF one; the rarer breaks a paste also ends a line at are not counted: more
    is read, never less)."""
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")


def _read_csv(
    stream: Readable,
    state: _State,
    chunk_size: int,
    table: WordingTable,
    progress: Callable[[int], None] | None,
) -> Iterator[Evidence]:
    """:func:`_read` of a CSV export: its lines in rounds, read by :func:`._csv.read_lines` as a paste reads
    them; the rows (and the run of other lines) a round leaves open are carried to the next. A line over
    ``LONG_LINE`` bytes is held in its first ``LONG_LINE`` bytes only, as a paste of it is read."""
    assert state.csv is not None
    first_line = state.first_line
    breaks = _Breaks()
    pending: list[str] = []  # lines not read yet, decoded
    tail = b""  # the line the last chunk ended inside
    dropping = False  # the rest of a line past its LONG_LINE bytes is not held
    breaks_seen = 0
    while True:
        raw = stream.read(chunk_size)
        final = not raw
        if progress is not None and raw:
            progress(len(raw))
        data = breaks.normalise(raw, final)
        breaks_seen += data.count(b"\n")
        if dropping:
            at = data.find(b"\n")
            data = b"" if at < 0 else data[at:]
            dropping = at < 0
        parts = data.split(b"\n")
        parts[0] = tail + parts[0]
        tail = parts.pop()
        if len(tail) > LONG_LINE:
            tail, dropping = cut_bytes(tail), True
        if final and tail:
            parts.append(tail)
        if parts:  # decoded at once (valid UTF-8: see Repaired); a line too long is cut by read_lines, as in a paste
            pending += decode_utf8(b"\n".join(parts)).split("\n")
        found, used, state.csv = read_lines(pending, state.csv, table, base=state.first_line, final=final)
        yield from found
        if final:
            state.lines = first_line + breaks_seen
            return
        del pending[:used]
        state.first_line += used


def _row_place(region: bytes, header: Header) -> int | None:
    """Where in ``region`` (the bytes from a nominal block end on) a block of a CSV export may end: the start of
    a row whose line and the line above are each a whole row (quotes closed) of as many cells, at least three,
    as the header's delimiter separates (another header's further down, too), so that no quoted field's line
    break is cut. None when no such place is there."""
    pos = region.find(b"\n") + 1
    if pos == 0:
        return None
    above = -1
    while True:
        end = region.find(b"\n", pos)
        if end < 0:
            return None
        line = region[pos : end - 1] if region[end - 1 : end] == b"\r" else region[pos:end]  # CRLF
        width = -1
        if line.count(b'"') % 2 == 0 and len(line) <= LONG_LINE:
            width = row_width(clean(decode_utf8(line)), header.delimiter)
        if width >= 3 and width == above:
            return pos
        above = width
        pos = end + 1
