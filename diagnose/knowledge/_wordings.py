"""Wordings of codes that have no knowledge file of their own (``knowledge/wordings.yaml``).

What the API writes for an error often differs from the official message in the error index (21211's
"The 'To' number +1… is not a valid phone number." against "Invalid 'To' Phone Number"). A pasted
exception that prints no code is recognised by these, as by a knowledge file's ``wordings``; the code
then gets the diagnosis of a code without rules. Data only: texts, each with its source or marked
unverified, checked by :func:`check_other_wordings` (the same rules as a knowledge file's).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._index import normalise_wording, official_codes
from .model import KnownWording, known_wordings

MAX_WORDINGS = 40  # per code, as in a knowledge file: the matcher's work grows with the largest bucket
MIN_WORDS = 3
# A whole message ("Authenticate", 20003's whole text in every SDK) is looked up as it is, never searched for:
# a word or two name an error only when they are all the message says
MIN_WHOLE_CHARS = 5
_KEYS = frozenset({"text", "source", "unverified", "whole"})


def parse_other_wordings(doc: object) -> dict[int, tuple[KnownWording, ...]]:
    """``{code: wordings}`` of the file's document; anything that is not ``code: [wordings]`` is left out."""
    out: dict[int, tuple[KnownWording, ...]] = {}
    if isinstance(doc, Mapping):
        for code, raw in doc.items():
            if isinstance(code, int) and not isinstance(code, bool) and 10000 <= code <= 99999:
                items = known_wordings(raw)
                if items:
                    out[code] = items
    return out


def check_other_wordings(doc: object, knowledge_codes: set[int], index_codes: set[int]) -> list[str]:
    """Every problem of the file's document, one line each (empty: it is usable as it is)."""
    if not isinstance(doc, Mapping):
        return ["the file is a mapping of error codes to lists of wordings"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for code, raw in doc.items():
        if not isinstance(code, int) or isinstance(code, bool) or code not in index_codes:
            problems.append(f"{code!r}: not a code of Twilio's error index")
            continue
        if code in knowledge_codes:
            problems.append(f"{code}: it has a knowledge file: list its wordings there")
        if not isinstance(raw, list) or not raw:
            problems.append(f"{code}: a list of wordings")
            continue
        if len(raw) > MAX_WORDINGS:
            problems.append(f"{code}: at most {MAX_WORDINGS} wordings, got {len(raw)}")
        for i, item in enumerate(raw):
            problems += _item_problems(code, i, item, seen)
    return problems


def _item_problems(code: int, i: int, item: Any, seen: dict[str, int]) -> list[str]:
    where = f"{code}[{i}]"
    if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
        return [f"{where}: write {{text: ..., source: ...}} or {{text: ..., unverified: true}}"]
    if set(item) - _KEYS:
        return [f"{where}: unknown keys {sorted(set(item) - _KEYS)}"]
    text, source = item["text"], item.get("source")
    problems = []
    if not (isinstance(source, str) and source.strip()) and item.get("unverified") is not True:
        problems.append(f"{where}: a wording names its source (source: ...), or says unverified: true")
    if "whole" in item and not isinstance(item["whole"], bool):
        problems.append(f"{where}: whole is true or false")
    norm = normalise_wording(text)
    if item.get("whole") is True:
        if not MIN_WHOLE_CHARS <= len(text) <= 300 or not norm:
            problems.append(f"{where}: a whole message is {MIN_WHOLE_CHARS} to 300 characters, with a word")
    elif not 15 <= len(text) <= 300 or len(norm.split()) < MIN_WORDS:
        problems.append(f"{where}: 15 to 300 characters and at least {MIN_WORDS} words")
    if norm in seen and seen[norm] != code:
        problems.append(f"{where}: wording also listed for {seen[norm]}: a wording must name one code")
    seen.setdefault(norm, code)
    for other in official_codes(norm):
        if other != code:
            problems.append(f"{where}: wording is Twilio's official message for {other}")
    return problems


def read_other_wordings(path: Path, knowledge_codes: set[int]) -> dict[int, tuple[KnownWording, ...]]:
    """A knowledge folder's ``wordings.yaml``, checked: read as a knowledge file is (at most 1 MB, a regular
    file, the safe loader with its size limit: no tag runs code, no alias expands past it), then
    :func:`check_other_wordings`. Raises :class:`~diagnose.errors.KnowledgeError` naming the file."""
    from ..errors import KnowledgeError
    from ._files import read_bounded
    from ._index import error_index
    from ._where import YamlProblem
    from ._yaml import parse

    try:
        document = parse(read_bounded(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read it: {exc}", path=str(path)) from None
    except YamlProblem as exc:
        raise KnowledgeError(exc.message, path=str(path), line=exc.line) from None
    for _, name, _, again in document.duplicates:
        raise KnowledgeError(f"key {name!r} given twice", path=str(path), line=again.line)
    doc = document.data
    problems = check_other_wordings(doc, knowledge_codes, set(error_index()))
    if problems:
        raise KnowledgeError(problems[0], path=str(path))
    return parse_other_wordings(doc)


def layer_other_wordings(
    layers: Sequence[Mapping[int, tuple[KnownWording, ...]]],
) -> dict[int, tuple[KnownWording, ...]]:
    """The wordings of codes without a knowledge file over several layers (the built-in file, then each
    ``--knowledge`` folder's): a later layer's list for a code replaces the earlier one, as a knowledge file of
    one's own replaces the built-in entry. Raises ValueError when a wording would then name two codes."""
    merged: dict[int, tuple[KnownWording, ...]] = {}
    for layer in layers:
        merged.update(layer)
    owner: dict[str, int] = {}
    for code, items in merged.items():
        for item in items:
            norm = normalise_wording(item.text)
            if owner.setdefault(norm, code) != code:
                raise ValueError(f"{code}: wording {item.text!r} is also listed for {owner[norm]}")
    return merged


@functools.cache
def other_wordings() -> dict[int, tuple[KnownWording, ...]]:
    """The built-in ``knowledge/wordings.yaml`` (read once); empty when it is missing or unreadable."""
    import yaml

    from .._data import WORDING_FILE, knowledge_dir
    from ._files import read_bounded

    try:
        doc = yaml.safe_load(read_bounded(knowledge_dir() / WORDING_FILE))
    except (OSError, yaml.YAMLError):
        return {}
    return parse_other_wordings(doc)
