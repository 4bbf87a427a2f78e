"""The corpus of real-shaped pastes: every sample yields exactly the evidence it expects.

Each ``tests/data/paste/NAME.txt`` has ``NAME.expected.json``: one object per
error the paste holds, in order, naming the Evidence fields that matter for
it (a field left out is not checked; ``null`` means "must not be found").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diagnose.paste import FORMATS, extract

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))
# Whole files, read as what they are only from their first line (a CSV export's header): kept apart, since the
# tests above put the samples of CORPUS inside other text; tests/test_paste_csv_export.py reads each
EXPORTS = sorted((Path(__file__).parent / "data" / "exports").glob("*.expected.json"))


def test_corpus_is_large_and_covers_every_format() -> None:
    assert len(SAMPLES) >= 40
    seen = set()
    for expected in [sample.with_suffix(".expected.json") for sample in SAMPLES] + EXPORTS:
        for row in json.loads(expected.read_text(encoding="utf-8")):
            seen.add(row.get("format"))
    missing = set(FORMATS) - seen - {"wording"}
    assert not missing, f"no sample expects these formats: {sorted(missing)}"


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_sample_extracts_expected_evidence(sample: Path) -> None:
    expected = json.loads(sample.with_suffix(".expected.json").read_text(encoding="utf-8"))
    found = extract(sample.read_text(encoding="utf-8"))
    got = [{key: getattr(e, key) for key in row} for e, row in zip(found, expected, strict=False)]
    assert got == expected, "\n".join(f"{e.line}: {e}" for e in found)
    assert len(found) == len(expected), "\n".join(f"{e.line}: {e}" for e in found)
    for evidence in found:
        assert evidence.kind == "paste"
        assert evidence.format in FORMATS
        assert evidence.code is not None
        # the sender is never taken for the failed destination
        assert evidence.to is None or evidence.to != evidence.from_
