"""One JSON document written piece by piece: a head's fields, then lists of already-encoded items.

Audit and scan documents hold one entry per account or group, thousands of them: the entries come
from a spool one JSON text at a time and are never all in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..safe_text import json_controls


def stream_json(head: Mapping[str, Any], lists: Sequence[tuple[str, Callable[[], Iterable[str]]]]) -> Iterator[str]:
    """``head``'s fields, then each ``(key, items)`` as a list of the items (one JSON text each), escaped."""
    text = json.dumps(dict(head), indent=2, ensure_ascii=False)
    yield json_controls(text[: text.rstrip().rfind("}")].rstrip())
    for n, (key, items) in enumerate(lists):
        yield ("," if n or head else "") + f'\n  "{key}": ['
        first = True
        for doc in items():
            yield ("\n    " if first else ",\n    ") + json_controls(doc)
            first = False
        yield "" if first else "\n  "
        yield "]"
    yield "\n}\n"
