#!/usr/bin/env python3
"""Build ``diagnose/data/error_index.json`` from Twilio's error dictionary.

Usage::

    python scripts/build_error_index.py [SOURCE] [--output PATH] [--check]

SOURCE defaults to ``../shared/twilio-errors/error-codes.json`` (relative to the
repository root). Only facts are kept: code, message, product, log_level,
log_type and docs_url. Each error is one JSON array in the order the header's
``fields`` gives; rows are sorted by code, one per line, and the file is
byte-for-byte deterministic, so a rebuild from the same source changes nothing.
``--check`` writes nothing and exits 1 when the committed index is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "twilio-errors" / "error-codes.json"
DEFAULT_OUTPUT = ROOT / "diagnose" / "data" / "error_index.json"
FIELDS = ("code", "message", "product", "log_level", "log_type", "docs_url")
FORMAT = 1


class SourceError(ValueError):
    """The error dictionary is not in the expected shape."""


def _text_or_none(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(f"code {record.get('code')}: {key} must be a string or null, not {value!r}")
    value = value.strip()
    return value or None


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """One source record reduced to the facts the index keeps, in a fixed key order."""
    code = record.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code < 0:
        raise SourceError(f"record without a valid integer code: {record!r}")
    message = _text_or_none(record, "message")
    if message is None:
        raise SourceError(f"code {code}: empty message")
    docs_url = _text_or_none(record, "docs_url") or f"https://www.twilio.com/docs/api/errors/{code}"
    return {
        "code": code,
        "message": message,
        "product": _text_or_none(record, "product"),
        "log_level": _text_or_none(record, "log_level"),
        "log_type": _text_or_none(record, "log_type"),
        "docs_url": docs_url,
    }


def build_index(records: Iterable[Mapping[str, Any]], source_name: str = "twilio-errors/error-codes.json") -> str:
    """The text of ``error_index.json`` for these source records."""
    rows: dict[int, dict[str, Any]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            raise SourceError(f"expected an object per error, got {record!r}")
        row = normalise(record)
        if row["code"] in rows:
            raise SourceError(f"code {row['code']} appears twice")
        rows[row["code"]] = row
    lines = [
        json.dumps([rows[code][field] for field in FIELDS], ensure_ascii=False, separators=(",", ":"))
        for code in sorted(rows)
    ]
    header = json.dumps(
        {"format": FORMAT, "source": source_name, "count": len(rows), "fields": list(FIELDS)},
        separators=(",", ":"),
    )
    # One error per line keeps diffs readable; the header is the same object minus "errors".
    return header[:-1] + ',"errors":[\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE, help="error-codes.json")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the index")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is out of date")
    args = parser.parse_args(argv)

    try:
        records = json.loads(args.source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"{args.source}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(records, list):
        print(f"{args.source}: expected a JSON array of errors", file=sys.stderr)
        return 2
    try:
        text = build_index(records)
    except SourceError as exc:
        print(f"{args.source}: {exc}", file=sys.stderr)
        return 2

    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/build_error_index.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output} ({json.loads(text)['count']} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
