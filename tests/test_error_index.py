"""The index of every Twilio error code: built from ../shared, committed, read from package data."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from diagnose.knowledge import IndexEntry, error_index, lookup_error

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "scripts" / "build_error_index.py"
SOURCE = ROOT.parent / "shared" / "twilio-errors" / "error-codes.json"
INDEX = ROOT / "diagnose" / "data" / "error_index.json"


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_error_index", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SOURCE.exists(), reason=f"{SOURCE} is missing (../shared is not checked out next to the repo)")
def test_committed_index_is_what_the_script_builds() -> None:
    records = json.loads(SOURCE.read_text(encoding="utf-8"))
    assert build_script().build_index(records) == INDEX.read_text(encoding="utf-8")
    assert len(records) == 1953


@pytest.mark.skipif(not SOURCE.exists(), reason=f"{SOURCE} is missing (../shared is not checked out next to the repo)")
def test_script_check_mode(tmp_path: Path) -> None:
    script = build_script()
    assert script.main(["--check"]) == 0
    out = tmp_path / "index.json"
    assert script.main([str(SOURCE), "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == INDEX.read_text(encoding="utf-8")
    out.write_text("{}")
    assert script.main([str(SOURCE), "--output", str(out), "--check"]) == 1


def test_build_is_deterministic_and_facts_only() -> None:
    script = build_script()
    records = [
        {
            "code": 2,
            "message": " Two ",
            "log_level": "ERROR",
            "log_type": None,
            "product": "P",
            "last_updated": "2020-01-01",
            "docs_url": "https://www.twilio.com/docs/api/errors/2",
        },
        {
            "code": 1,
            "message": "One",
            "log_level": "WARNING",
            "log_type": "TWILIO",
            "product": None,
            "last_updated": "2021-01-01",
            "docs_url": "",
        },
    ]
    text = script.build_index(records)
    assert text == script.build_index(list(reversed(records)))
    document = json.loads(text)
    assert document["fields"] == ["code", "message", "product", "log_level", "log_type", "docs_url"]
    assert document["errors"] == [
        [1, "One", None, "WARNING", "TWILIO", "https://www.twilio.com/docs/api/errors/1"],
        [2, "Two", "P", "ERROR", None, "https://www.twilio.com/docs/api/errors/2"],
    ]
    assert "last_updated" not in text
    with pytest.raises(script.SourceError):
        script.build_index([*records, records[0]])
    with pytest.raises(script.SourceError):
        script.build_index([{"code": "x", "message": "m"}])


def test_index_has_every_code() -> None:
    index = error_index()
    assert len(index) == 1953
    assert list(index) == sorted(index)
    assert error_index() is index  # cached
    document = json.loads(INDEX.read_text(encoding="utf-8"))
    assert document["count"] == 1953


def test_lookup() -> None:
    entry = lookup_error(21408)
    assert entry == IndexEntry(
        code=21408,
        message="Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
        product="Programmable SMS",
        log_level="ERROR",
        log_type="APPLICATION",
        docs_url="https://www.twilio.com/docs/api/errors/21408",
    )
    voice = lookup_error(13227)
    assert voice is not None and voice.log_level == "WARNING" and voice.product is None
    sip = lookup_error(32205)
    assert sip is not None and sip.product == "Elastic SIP Trunking"
    assert lookup_error(30649) is None  # newer than the 2023 snapshot
    assert lookup_error(0) is None
