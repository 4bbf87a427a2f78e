"""The error code from the wording of a message, when no code is printed.

Twilio's official message for each code (the error index, or the title of a
knowledge file whose code the index lacks) plus older wordings that SDKs and
API versions used for the same error (the knowledge's ``wordings``, each with
its source or marked unverified). Text and wordings are compared as words:
lower case, letters and digits only (HTML and JSON escapes decoded first), so
case, spacing, line wraps, quotes and the number Twilio appends do not matter.
A message matches a wording when the wording's words stand in it in a row, or
when the message ends partway through a long wording (a truncated tail); the
longest match wins. Two codes sharing a wording (13227 and 21215 both read
"Geo Permission configuration is not permitting call") are told apart by where
the message came from: an HTTP error response is the REST API (the ERROR-level
code), a call's status callback the ``<Dial>`` (the WARNING-level one). A log
line or an application's own exception tells neither: the match is then read as
the WARNING-level code at low confidence, naming the other (``shared_with``).

Work per message is linear: each word position looks up its first two words in
a dict, then compares the few wordings that start with them word by word
(:attr:`WordingTable.bound` comparisons per position at most). No regex comes
from the knowledge, so a knowledge file cannot make matching slow.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, AnyStr

from ..knowledge._index import normalise_wording
from ..knowledge.model import KnownWording
from ._rx import rxb

if TYPE_CHECKING:
    from ..knowledge import KnowledgeBase

MIN_INDEX_CHARS = 24  # shorter official messages ("Bad Request", "Not Found") name no error reliably
MIN_INDEX_WORDS = 4
MIN_TAIL_WORDS = 5  # a truncated message must keep at least this many words of the wording...
MIN_TAIL_SHARE = 0.5  # ...and at least half of them
MAX_MESSAGE = 8192  # characters of a message looked at (a line is never longer: _text.MAX_LINE bytes at most)


# How an HTTP error response (or a REST exception of an SDK) tells words that codes share apart
FROM_REST = "an HTTP error response or an SDK's REST exception (the REST API's answer)"
# and how a call's status callback does: no REST request was refused, a <Dial> was
FROM_CALLBACK = "a call's status callback (a call was placed: no REST request was refused)"

# One normalisation for the matcher and the knowledge linter's wording checks.
normalise = normalise_wording


@dataclass(frozen=True)
class Wording:
    code: int
    text: str  # normalised
    source: str  # "index" (official message), "title" (a knowledge title the index lacks) or "knowledge"
    level: str  # the index's log level: ERROR, WARNING ...
    written: str = ""  # as Twilio wrote it, for the report
    origin: str = ""  # where it was seen (the knowledge's ``source``; the index for official messages)
    unverified: bool = False
    whole: bool = False  # the whole message, looked up as it is (:meth:`WordingTable.recognise_whole`)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split())


@dataclass(frozen=True)
class WordingMatch:
    """How a message was recognised."""

    code: int
    source: str  # "index", "title" or "knowledge" (see Wording.source)
    written: str  # the wording matched, as written
    origin: str
    unverified: bool
    partial: bool  # the message ends partway through the wording (a truncated tail)
    shared: bool  # another code has the same wording; the message's origin tells them apart, when it is known
    at_start: bool = False  # the message starts with the wording (a line that continues the one above)
    whole: bool = False  # the message was the wording and nothing else (a whole wording, "Authenticate")
    beside: tuple[str, str] = ("", "")  # the message's words (normalised) right before and after the match
    shared_with: tuple[int, ...] = ()  # the other codes whose message these words are too (shared)
    # where the message came from, when that told shared words apart ("an HTTP error response (the REST API)");
    # "" when nothing in the text did, and the code is the WARNING-level one's by default
    decided_by: str = ""
    # the code whose wording matched, when the message is read as another: its form for a call a <Dial> placed,
    # in a call's callback (21216's words there are 13225, :meth:`WordingTable.dial_form`); None otherwise
    worded_for: int | None = None
    # the message starts inside the wording's first word ("ermission to send an SMS…"): a paste cut at its start
    cut_head: bool = False

    @property
    def how(self) -> str:
        """``official`` (the official message) or ``older`` (another wording from the knowledge)."""
        return "official" if self.source in ("index", "title") else "older"

    @property
    def confidence(self) -> str:
        if self.unverified or self.undecided:
            return "low"
        return "medium" if self.partial or self.cut_head or self.shared else "high"

    @property
    def undecided(self) -> bool:
        """Words other codes share, and nothing in the text said which of them it is."""
        return self.shared and not self.decided_by

    @property
    def reason(self) -> str:
        """One sentence on how the code was recognised."""
        quoted = f'"{self.written}"'
        if self.worded_for is not None:
            unverified = " (no source shows Twilio writing it)" if self.unverified else ""
            return (
                f"No code was printed: recognised from {'an unverified' if self.unverified else 'a'} wording of"
                f" {self.worded_for}, {quoted}{unverified}, read as {self.code}, the code of the same error for a"
                f" call a <Dial> placed: it came from {self.decided_by}."
            )
        if self.how == "official":
            what = f"Twilio's official message for {self.code}, {quoted}"
            if self.source == "title":
                what += " (the heading of its docs page)"
        elif self.unverified:
            what = f"an unverified wording of {self.code}, {quoted} (no source shows Twilio writing it)"
        elif self.source == "other":  # knowledge/wordings.yaml: a code without a knowledge file
            whole = ", its whole message" if self.whole else ""
            what = f"what the API writes for {self.code}{whole}, {quoted}" + (
                f" (seen in {self.origin})" if self.origin else ""
            )
        else:
            what = f"an older wording of {self.code}, {quoted}" + (f" (seen in {self.origin})" if self.origin else "")
        tail = "; the message is cut off partway through it" if self.partial else ""
        if self.cut_head:
            tail += "; the message's start is cut off (it begins inside the wording's first word: a paste cut there)"
        others = " and ".join(str(c) for c in self.shared_with) or "another code"
        if self.undecided:
            shared = (
                f"; the same words are Twilio's message for {others} too, and nothing in the text says which: read as"
                f" {self.code}, the code Twilio logs as a WARNING (an HTTP error response, the REST API's answer,"
                f" would be {others}). Print the error's code, or paste its SID, to tell"
            )
        elif self.shared:
            shared = f"; the same words are Twilio's message for {others} too, told apart by where it came from"
            shared += f", {self.decided_by}"
        else:
            shared = ""
        return f"No code was printed: recognised from {what}{tail}{shared}."


class WordingTable:
    """All wordings, indexed by their first two words for a lookup linear in the message length."""

    def __init__(self, wordings: Iterable[Wording]) -> None:
        self._by_bigram: dict[tuple[str, str], list[tuple[tuple[str, ...], Wording]]] = {}
        # the same wordings by their second and third words: a message cut inside the first (:meth:`scan`, cut_head)
        self._by_second: dict[tuple[str, str], list[tuple[tuple[str, ...], Wording]]] = {}
        self._texts: dict[int, list[str]] = {}  # each code's wordings, for printed_code
        self.whole: dict[str, Wording] = {}  # whole messages by their words ("authenticate"): one lookup each
        longest = 2
        for w in wordings:
            self._texts.setdefault(w.code, []).append(f" {w.text} ")
            if w.whole:
                self.whole.setdefault(w.text, w)
                continue
            words = w.words
            if len(words) < 2:
                continue
            self._by_bigram.setdefault((words[0], words[1]), []).append((words, w))
            if len(words) >= MIN_TAIL_WORDS and len(words[0]) > 1:
                self._by_second.setdefault((words[1], words[2]), []).append((words, w))
            longest = max(longest, len(words))
        self._whole_words = frozenset(max(key.split(), key=len).encode() for key in self.whole)
        self.size = sum(len(v) for v in self._by_bigram.values())
        self.longest = longest  # words in the longest wording
        self.widest = max((len(v) for v in self._by_bigram.values()), default=0)  # wordings sharing a bigram
        self.bound = self.widest * self.longest  # word comparisons per message position, at most
        # a REST API code → the code that extends it for a call a <Dial> placed (21216 → 13225, 21215 → 13227): the
        # knowledge entry based on it at Twilio's WARNING level, voice only; its words in a call's callback are that
        self.dial_form: dict[int, int] = {}
        # code → its only channel, from the knowledge (21215 → voice, 32205 → sip), or voice for a code
        # that is a call on either product (32224: sip and voice): a pasted error that names no channel
        # is still known to be a call, so the call's permissions are what is read
        self.sole_channel: dict[int, str] = {}
        # the codes the knowledge explains: a line that is only their message is worth reading by itself
        # codes the knowledge explains: those with a knowledge wording or title (not "other": a code without a
        # knowledge file, whose wordings count only where a line already looks like an error)
        self.known_codes: set[int] = {
            w.code for ws in self._by_bigram.values() for _, w in ws if w.source not in ("index", "other")
        }
        # A match, whole or a truncated tail, holds at least the first MIN_TAIL_WORDS - 1 words of its
        # wording: indexed by the longest of them, they make a cheap test that skips most lines of a log.
        self._needs: dict[bytes, list[frozenset[bytes]]] = {}
        for bucket in self._by_bigram.values():
            for ws, _ in bucket:
                first = [word.encode() for word in ws[: MIN_TAIL_WORDS - 1]]
                self._needs.setdefault(max(first, key=len), []).append(frozenset(first))
        # each word's needs without repeats, the smallest first: any() over them stops sooner
        self._needs = {word: sorted(set(needs), key=len) for word, needs in self._needs.items()}
        self._need_words = frozenset(self._needs)  # a set meets a set by its smaller side; a dict costs a pass
        # every word some need holds: the rest of a text's words change nothing (see _indexing)
        self._need_members = frozenset().union(*(n for needs in self._needs.values() for n in needs))
        # and the longest word of each whole message: :meth:`_members` keeps them too (one set, one pass)
        self._member_words = self._need_members | self._whole_words
        self._indexing_cache: dict[frozenset[bytes], list[bytes]] = {}

    def wordings(self) -> list[Wording]:
        """Every wording of the table but its whole messages (those are looked up, never searched for)."""
        return [w for bucket in self._by_bigram.values() for _, w in bucket]

    @functools.cached_property
    def word_heads(self) -> frozenset[str]:
        """Every word of the wordings of the codes the knowledge explains, and every start of one: what a
        line that a wrap cut inside such a wording ends with ("Permission to send an", "Dial: C")."""
        words = {
            word for bucket in self._by_bigram.values() for ws, w in bucket if w.code in self.known_codes for word in ws
        }
        return frozenset(word[:k] for word in words for k in range(1, len(word) + 1))

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one table per process; few wordings match at all
    def inside_longer(self, written: str) -> bool:
        """Whether a longer wording holds this one's words after some of its own ("SIP Trunking Geo
        Permission configuration…" holds "Geo Permission configuration…"): text before a match of it
        may make a longer one."""
        inner = f" {normalise(written)} "
        return any(
            inner in f" {w.text} " and not f" {w.text} ".startswith(inner)
            for bucket in self._by_bigram.values()
            for _, w in bucket
        )

    def may_match(self, text: str) -> bool:
        """False only when :meth:`recognise` finds nothing in ``text``, nor :meth:`recognise_whole` in its
        messages: a cheap test."""
        relevant = self._relevant(text)
        return bool(self._indexing(relevant)) or not self._whole_words.isdisjoint(relevant)

    def keywords_in(self, text: str) -> list[str]:
        """The words that index the wordings whose first words ``text`` all holds: a line of ``text``
        holding none of them (in its lower case, escapes aside) matches no wording."""
        return [word.decode() for word in self._indexing(self._relevant(text))]

    def _relevant(self, text: str) -> frozenset[bytes]:
        """The words of ``text`` (in lower case, escapes decoded) that :meth:`_members` keeps."""
        low = text.lower()
        if "\\" in low:  # a JSON string's escaped line break or tab parts two words, as in normalise()
            low = low.replace("\\n", "  ").replace("\\r", "  ").replace("\\t", "  ")
        # normalise()'s words, in C: every byte but [0-9a-z] separates (a non-ASCII letter's bytes too)
        if "&" in low or "\\u" in low:
            # escapes: normalise() decodes them into words of their own. No escape spans a line, so only
            # the lines holding one go through it; the words of the others are read in C as below.
            plain: list[str] = []
            escaped: list[str] = []
            for line in low.split("\n"):
                (escaped if "&" in line or "\\u" in line else plain).append(line)
            words = self._members("\n".join(plain).encode("utf-8", "surrogatepass").translate(_SEPARATE))
            words |= self._members(normalise("\n".join(escaped)).encode())
        else:
            words = self._members(low.encode("utf-8", "surrogatepass").translate(_SEPARATE))
        return words

    def holds_need_words(self, text: str) -> bool:
        """Whether ``text`` holds any of the first words of a wording (a cheap test before :meth:`keywords_in`)."""
        return not self._need_members.isdisjoint(
            text.lower().encode("utf-8", "surrogatepass").translate(_SEPARATE).split()
        )

    def may_match_plain(self, data: bytes, wrapped: bool = False) -> bool:
        """:meth:`may_match` of text that its bytes already are (ASCII, with no escape and no control
        character that cleaning would remove), without decoding it. ``wrapped``: also with the words a wrap
        cut between its lines made whole, as :func:`._extract.rejoin_wordings` reads them (a message wrapped
        early keeps an anchor word whole, so only the lines of an anchor's own log event need it)."""
        words = self._members(data.translate(_SEPARATE_LOWER))
        if self._indexing(words):
            return True
        if not self._whole_words.isdisjoint(words):
            return True  # a whole message ("Authenticate") may be there: its longest word is
        if not wrapped or not any(data[m.start() - 1 : m.start()].isalnum() for m in _LINE_STARTS_WORD.finditer(data)):
            return False  # or no line goes on a word the line above ends with (a log's lines start with a time)
        cut = cut_words(data.split(b"\n"))
        return bool(cut) and bool(self._indexing(words | self._members(b" ".join(cut).translate(_SEPARATE_LOWER))))

    def _members(self, separated: bytes) -> frozenset[bytes]:
        """The words of ``separated`` (words apart, in lower case) that some need holds: the only ones
        :meth:`_indexing` reads. Kept as they are met, so a log's many other words build no set."""
        return self._member_words.intersection(separated.split())

    def _indexing(self, relevant: frozenset[bytes]) -> list[bytes]:
        # ``relevant``: the words of a text that needs hold (:meth:`_members`); a log's lines hold few,
        # and the same few again and again
        found = self._indexing_cache.get(relevant)
        if found is None:
            needs = self._needs
            found = [word for word in relevant & self._need_words if any(need <= relevant for need in needs[word])]
            if len(self._indexing_cache) >= 4096:
                self._indexing_cache.clear()
            self._indexing_cache[relevant] = found
        return found

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one table per process; messages repeat in logs
    def recognise(self, message: str, rest: bool, cut_head: bool = False) -> WordingMatch | None:
        """How ``message`` names an error, or None. ``rest``: it came from an HTTP error response; ``cut_head``: it
        opens a paste, whose start may be cut inside a wording's first word (see :meth:`scan`)."""
        return self.scan(message, rest, cut_head)[0]

    def recognise_whole(self, message: str) -> WordingMatch | None:
        """How ``message`` names an error when it is nothing but a whole message of the table ("Authenticate"),
        or None. A dict lookup: no search, whatever the message."""
        if not self.whole or len(message) > 300:
            return None
        w = self.whole.get(normalise(message))
        if w is None:
            return None
        return _matched(w, partial=False, shared=False, whole=True)

    def match(self, message: str, rest: bool) -> tuple[int, str] | None:
        """(code, source) for ``message``, or None (see :meth:`recognise`)."""
        found = self.recognise(message, rest)
        return None if found is None else (found.code, found.source)

    def scan(self, message: str, rest: bool, cut_head: bool = False) -> tuple[WordingMatch | None, int]:
        """:meth:`recognise` without the cache, and the number of word comparisons it made. ``cut_head``: the
        message may start inside a wording's first word ("ermission to send an SMS has not been enabled…", a paste
        that lost its first characters): the rest of that wording, whole and at least MIN_TAIL_WORDS - 1 words,
        after the end of its first word, matches it as a cut, its length counted as a whole match's (the longest
        match wins)."""
        words = normalise(message[:MAX_MESSAGE]).split()
        n = len(words)
        steps = 0
        found: list[tuple[int, bool, Wording, int]] = []  # (words matched, partial, wording, first word)
        starts: set[int] = set()  # codes matched at the first word
        heads: set[int] = set()  # id() of the wordings matched with their start cut off
        if cut_head and n >= MIN_TAIL_WORDS:
            for ws, w in self._by_second.get((words[1], words[2]), ()):
                size = len(ws)
                if n < size or not ws[0].endswith(words[0]) or ws[0] == words[0]:
                    continue
                j = 3
                while j < size and words[j] == ws[j]:
                    j += 1
                steps += j
                if j == size:
                    # the wording to its end, but for letters of its first word: as long as it is, it holds any whole
                    # wording it is matched against ("IP Trunking: Geo Permission…" is 32205's, not 13227's)
                    found.append((size, False, w, 0))
                    heads.add(id(w))
        for i in range(n - 1):
            bucket = self._by_bigram.get((words[i], words[i + 1]))
            if not bucket:
                continue
            left = n - i
            for ws, w in bucket:
                size = len(ws)
                limit = min(size, left)
                j = 2
                while j < limit and words[i + j] == ws[j]:
                    j += 1
                steps += j
                if j == size:
                    found.append((size, False, w, i))
                    if i == 0:
                        starts.add(w.code)
                elif (
                    left >= MIN_TAIL_WORDS
                    and left >= size * MIN_TAIL_SHARE
                    and (j == left or (j == left - 1 and ws[j].startswith(words[i + j])))
                ):
                    # the message ends inside the wording: a truncated tail ("…indicated by the 'To' nu")
                    found.append((left, True, w, i))
        if not found:
            return None, steps
        whole = [f for f in found if not f[1]]
        pool = whole or found
        best = max(size for size, _, _, _ in pool)
        top: dict[int, tuple[bool, Wording, int]] = {}
        for size, partial, w, i in pool:
            if size == best:
                kept = top.get(w.code)
                if kept is None or _rank(w) > _rank(kept[1]):
                    top[w.code] = (partial, w, i)
        shared = len(top) > 1
        others: tuple[int, ...] = ()
        if shared:
            wanted = "ERROR" if rest else "WARNING"
            narrowed = {c: pw for c, pw in top.items() if pw[1].level == wanted}
            if len(narrowed) != 1:
                return None, steps
            others = tuple(sorted(c for c in top if c not in narrowed))
            top = narrowed
        code, (partial, w, i) = next(iter(top.items()))
        beside = (words[i - 1] if i else "", words[i + best] if i + best < n else "")
        head = id(w) in heads and i == 0
        found = _matched(w, partial=partial and not head, shared=shared, at_start=code in starts, beside=beside)
        if head:
            found = replace(found, cut_head=True, at_start=True)
        if shared:
            # an HTTP error response decides; anything else may be a log of either, until its caller knows more
            found = replace(found, shared_with=others, decided_by=FROM_REST if rest else "")
        return found, steps

    def printed_code(self, found: WordingMatch) -> int | None:
        """The code printed right beside the wording ``found`` matched, or None: "21215 Geo Permission configuration
        is not permitting call", "…not permitting call (21215)", "32205: Geo Permission…" (32205's own message
        holds those words after "SIP Trunking"). Only a code one of whose wordings holds the matched one is taken:
        the words alone would name 13227, and "said 21215" is no recognition. Another five-digit number there (an
        id, a port) is not such a code."""
        inner = f" {normalise(found.written)} "
        for word in found.beside:
            if len(word) == 5 and word.isdigit():
                code = int(word)
                if any(inner in text for text in self._texts.get(code, ())):
                    return code
        return None


def _matched(
    w: Wording,
    *,
    partial: bool,
    shared: bool,
    at_start: bool = False,
    whole: bool = False,
    beside: tuple[str, str] = ("", ""),
) -> WordingMatch:
    """The match of wording ``w``, and how the message held it."""
    return WordingMatch(
        code=w.code,
        source=w.source,
        written=w.written or w.text,
        origin=w.origin,
        unverified=w.unverified,
        partial=partial,
        shared=shared,
        at_start=at_start,
        whole=whole,
        beside=beside,
    )


_SEPARATE = bytes(c if chr(c) in "0123456789abcdefghijklmnopqrstuvwxyz" else 32 for c in range(256))
_SEPARATE_LOWER = bytes(_SEPARATE[ord(chr(c).lower())] if c < 128 else 32 for c in range(256))  # ASCII lower() too


# a line starting with a letter (searched from its "\n", a literal: fast); the byte before is checked apart
_LINE_STARTS_WORD = rxb(rb"\n[A-Za-z]")


def cut_words(lines: Sequence[AnyStr]) -> list[AnyStr]:
    """The words that wraps inside them split between lines, whole again: a line ending in a letter or
    digit before one starting with a letter ("Dial: C" / "all blocked…" gives "Call"; "Ac" / "co" /
    "unt not…" gives "Account"). A break between two pieces may have been a space as well, so each
    reading counts (a few at most)."""
    out: list[AnyStr] = []
    going: list[AnyStr] = []  # words the line above may still continue (it was one piece of them)
    for a, b in itertools.pairwise(lines):
        if not (a and b and a[-1:].isalnum() and b[:1].isalpha()):
            going = []
            continue
        first = b.split(None, 1)
        grown = [word + first[0] for word in (*going, a.rsplit(None, 1)[-1])][-3:]
        out += grown
        going = grown if len(first) == 1 else []  # the next line is one piece: the words may go on
    return out


def _rank(w: Wording) -> tuple[bool, bool]:
    """Between equal matches of one code: a verified wording, then an official one."""
    return (not w.unverified, w.source != "knowledge")


def build_table(
    index: Mapping[int, tuple[str, str]],
    extra: Mapping[int, Sequence[str | KnownWording]],
    titles: Mapping[int, str] | None = None,
    others: Mapping[int, Sequence[KnownWording]] | None = None,
) -> WordingTable:
    """``index``: code → (official message, log level); ``extra``: code → older wordings;
    ``titles``: code → official message for codes the index lacks (a knowledge file's title);
    ``others``: code → wordings of codes without a knowledge file (``knowledge/wordings.yaml``)."""
    rows: list[Wording] = []
    for code, (message, level) in index.items():
        norm = normalise(message)
        if len(norm) >= MIN_INDEX_CHARS and len(norm.split()) >= MIN_INDEX_WORDS:
            rows.append(Wording(code, norm, "index", level or "", message, "the error index"))
    for code, title in (titles or {}).items():
        norm = normalise(title)
        if code not in index and len(norm.split()) >= 3:
            rows.append(Wording(code, norm, "title", "", title, "its docs page"))
    for code, items in extra.items():
        level = index.get(code, ("", ""))[1] or ""
        for item in items:
            known = item if isinstance(item, KnownWording) else KnownWording(item)
            norm = normalise(known.text)
            if norm:
                rows.append(Wording(code, norm, "knowledge", level, known.text, known.source, known.unverified))
    for code, items in (others or {}).items():
        level = index.get(code, ("", ""))[1] or ""
        for known in items:
            norm = normalise(known.text)
            if norm and code not in extra:
                rows.append(
                    Wording(code, norm, "other", level, known.text, known.source, known.unverified, known.whole)
                )
    return WordingTable(rows)


@functools.lru_cache(maxsize=1)
def default_table() -> WordingTable:
    """The error index plus the built-in knowledge's titles and wordings, and the wordings of codes without a
    knowledge file (``knowledge/wordings.yaml``), read once."""
    return table_for(None)


def table_for(kb: KnowledgeBase | None) -> WordingTable:
    """:func:`default_table` with the titles and wordings of ``kb`` (the built-in knowledge when None):
    a knowledge folder of one's own (``--knowledge DIR``) names its codes' wordings too."""
    from ..knowledge import error_index, load_knowledge

    index = {code: (e.message, e.log_level or "") for code, e in error_index().items()}
    extra: dict[int, Sequence[KnownWording]] = {}
    titles: dict[int, str] = {}
    channels: dict[int, str] = {}
    known: set[int] = set()
    dial: dict[int, list[int]] = {}
    try:
        for entry in (kb if kb is not None else load_knowledge()).entries():
            known.add(entry.code)
            level = entry.log_level or (index[entry.code][1] if entry.code in index else "")
            if entry.based_on is not None and level == "WARNING" and tuple(entry.channels) == ("voice",):
                dial.setdefault(entry.based_on, []).append(entry.code)
            info = getattr(entry, "wording_info", ())
            if info:
                extra[entry.code] = tuple(info)
            if entry.code not in index and entry.title:
                titles[entry.code] = entry.title
            calls = [c for c in entry.channels if c in ("voice", "sip")]
            if calls and len(calls) == len(entry.channels):
                # several: a call all the same (the same Voice Dialing Geo Permissions govern both)
                channels[entry.code] = calls[0] if len(calls) == 1 else "voice"
    except Exception:  # a broken knowledge folder must not stop reading pastes: the index still works
        extra, titles, channels, known, dial = {}, {}, {}, set(), {}
    others: Mapping[int, Sequence[KnownWording]] = {}
    try:  # codes without a knowledge file: what the API writes for them (wordings.yaml, a folder's too)
        from ..knowledge import other_wordings

        layered = getattr(kb, "other_wordings", None)
        mapping = layered if layered is not None else other_wordings()
        others = {code: items for code, items in mapping.items() if code not in known}
    except Exception:  # as above: the index still works
        others = {}
    table = build_table(index, extra, titles, others)
    table.sole_channel.update(channels)
    table.known_codes.update(known)
    table.dial_form.update({base: codes[0] for base, codes in dial.items() if len(codes) == 1})
    return table
