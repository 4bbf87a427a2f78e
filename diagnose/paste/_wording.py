"""The error code from the wording of a message, when no code is printed.

Twilio's official message for each code (the error index) plus older wordings
that SDKs and API versions used for the same error (the knowledge's
``wordings``). A message matches a wording when the wording appears in it,
compared without case, punctuation or spacing; the longest match wins. Two
codes sharing a wording (13227 and 21215 both read "Geo Permission
configuration is not permitting call") are told apart by where the message
came from: an HTTP error response is the REST API (the ERROR-level code), a
call notification or log is the ``<Dial>`` (the WARNING-level one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..knowledge._index import normalise_wording

MIN_INDEX_CHARS = 24  # shorter official messages ("Bad Request", "Not Found") name no error reliably
MIN_INDEX_WORDS = 4


# One normalisation for the matcher and the knowledge linter's wording checks.
normalise = normalise_wording


@dataclass(frozen=True)
class Wording:
    code: int
    text: str  # normalised
    source: str  # "index" or "knowledge"
    level: str  # the index's log level: ERROR, WARNING ...


class WordingTable:
    """All wordings, indexed by their first two words for a lookup linear in the message length."""

    def __init__(self, wordings: Iterable[Wording]) -> None:
        self._by_bigram: dict[str, list[Wording]] = {}
        for w in wordings:
            words = w.text.split()
            key = " ".join(words[:2])
            self._by_bigram.setdefault(key, []).append(w)
        self.size = sum(len(v) for v in self._by_bigram.values())

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one table per process; messages repeat in logs
    def match(self, message: str, rest: bool) -> tuple[int, str] | None:
        """(code, source) for ``message``, or None. ``rest``: the message came from an HTTP error response."""
        norm = normalise(message)
        if not norm:
            return None
        padded = f" {norm} "
        words = norm.split()
        found: list[Wording] = []
        seen: set[str] = set()
        for i in range(len(words)):
            key = " ".join(words[i : i + 2])
            if key in seen:
                continue
            seen.add(key)
            for w in self._by_bigram.get(key, ()):
                if f" {w.text} " in padded:
                    found.append(w)
        if not found:
            return None
        best = max(len(w.text) for w in found)
        top = {w.code: w for w in found if len(w.text) == best}
        if len(top) > 1:
            wanted = "ERROR" if rest else "WARNING"
            narrowed = {c: w for c, w in top.items() if w.level == wanted}
            if len(narrowed) != 1:
                return None
            top = narrowed
        code, w = next(iter(top.items()))
        return code, w.source


def build_table(index: Mapping[int, tuple[str, str]], extra: Mapping[int, Sequence[str]]) -> WordingTable:
    """``index``: code → (official message, log level); ``extra``: code → older wordings."""
    rows: list[Wording] = []
    for code, (message, level) in index.items():
        norm = normalise(message)
        if len(norm) >= MIN_INDEX_CHARS and len(norm.split()) >= MIN_INDEX_WORDS:
            rows.append(Wording(code, norm, "index", level or ""))
    for code, texts in extra.items():
        level = index.get(code, ("", ""))[1] or ""
        for text in texts:
            norm = normalise(text)
            if norm:
                rows.append(Wording(code, norm, "knowledge", level))
    return WordingTable(rows)


@functools.lru_cache(maxsize=1)
def default_table() -> WordingTable:
    """The error index plus the built-in knowledge's wordings (read once)."""
    from ..knowledge import error_index, load_knowledge

    index = {code: (e.message, e.log_level or "") for code, e in error_index().items()}
    extra: dict[int, Sequence[str]] = {}
    try:
        for entry in load_knowledge().entries():
            wordings = getattr(entry, "wordings", ())
            if wordings:
                extra[entry.code] = tuple(wordings)
    except Exception:  # a broken knowledge folder must not stop reading pastes: the index still works
        extra = {}
    return build_table(index, extra)
