"""A ``wordings.yaml`` in a ``--knowledge DIR`` folder: loaded with the folder (docs/knowledge-format.md, "Wordings
of other codes"), its codes then named by their wordings in every way a paste is read, under the same limits
as the built-in file (a knowledge file never runs code nor burns unbounded time or memory)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diagnose.errors import KnowledgeError
from diagnose.knowledge import lint_paths, load_knowledge
from diagnose.paste import extract, scan, table_for

PY = "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: "
# a wording of 21610 the built-in file does not have (written for the test: marked unverified)
OWN = '21610:\n  - text: "has replied STOP to this sender"\n    unverified: true\n'
LINE = PY + "+33612345678 has replied STOP to this sender"


def _folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir(exist_ok=True)
    (folder / "wordings.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_folders_wordings_name_its_codes(tmp_path: Path) -> None:
    kb = load_knowledge([_folder(tmp_path, OWN)])
    table = table_for(kb)
    (found,) = extract(LINE, table=table)
    assert (found.code, found.code_source, found.code_wording, found.to) == (
        21610,
        "wording",
        "unverified",
        "+33612345678",
    )
    assert list(scan(io.BytesIO(LINE.encode()), table=table)) == [found]
    # the built-in knowledge has no such wording: an SDK's exception of a code unknown
    assert [(e.code, e.code_source) for e in extract(LINE)] == [(None, "unknown")]
    # the built-in file's wordings of other codes are still there
    (builtin,) = extract(PY + "The 'To' number +33612345678 is not a valid phone number.", table=table)
    assert builtin.code == 21211


def test_a_folders_list_for_a_code_replaces_the_built_in_one(tmp_path: Path) -> None:
    kb = load_knowledge([_folder(tmp_path, '21211:\n  - text: "is not a number we can reach"\n    unverified: true\n')])
    table = table_for(kb)
    assert [e.code for e in extract(PY + "+33612345678 is not a number we can reach", table=table)] == [21211]
    # the built-in wording no longer names 21211 (at most a cut-off 21212, whose wording starts with the same words)
    found = extract(PY + "The 'To' number +33612345678 is not a valid phone number.", table=table)
    assert 21211 not in [e.code for e in found]


def test_every_way_of_reading_a_paste_uses_the_folders_wordings(tmp_path: Path) -> None:
    folder = _folder(tmp_path, OWN)
    paste = tmp_path / "error.txt"
    paste.write_text("2026-11-30T10:00:00Z INFO start\n" + LINE + "\n2026-11-30T10:00:01Z INFO done\n")
    common = ["--knowledge", str(folder), "--offline", "--format", "json"]
    runs = {
        "text": [LINE, *common],
        "file": [str(paste), *common],
        "stdin": ["-", *common],
        "triage": ["triage", str(paste), *common],
    }
    for how, args in runs.items():
        done = subprocess.run(
            [sys.executable, "-m", "diagnose", *args],
            input=paste.read_text() if how == "stdin" else None,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, (how, done.stderr)  # a code without rules
        document = json.loads(done.stdout)
        codes = (
            [g["code"] for g in document["groups"]]
            if how == "triage"
            else [d["evidence"]["code"] for d in document["diagnoses"]]
        )
        assert codes == [21610], (how, done.stdout[:2000])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('21610:\n  - text: "too short"\n    source: x\n', "15 to 300 characters"),
        ("21610: [unclosed\n", "invalid YAML"),
        ("21408:\n  - text: a wording of a code with a file\n    source: x\n", "it has a knowledge file"),
        ('99999:\n  - text: "not a code of the index"\n    source: x\n', "not a code of Twilio's error index"),
        # a wording the built-in file lists for 21211, given to another code: one wording, one code
        ('21614:\n  - text: "is not a valid phone number"\n    source: x\n', "also listed for"),
        ('21610:\n  - text: "has replied STOP to this sender"\n    source: x\n21610: []\n', "given twice"),
    ],
)
def test_a_broken_folder_wordings_file_stops_loading_with_its_name(tmp_path: Path, text: str, expected: str) -> None:
    folder = _folder(tmp_path, text)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge([folder])
    assert expected in str(caught.value) and "wordings.yaml" in str(caught.value)
    if expected not in ("also listed for", "given twice"):  # what lint reads in the file alone, it reports too
        assert any(expected in p.message for p in lint_paths([folder]) if p.path.endswith("wordings.yaml"))


def test_a_folder_wordings_file_never_runs_code_nor_grows_without_bound(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    tag = f'21610:\n  - text: !!python/object/apply:os.system ["touch {marker}"]\n    source: x\n'
    with pytest.raises(KnowledgeError, match=r"wordings\.yaml"):
        load_knowledge([_folder(tmp_path, tag)])
    assert not marker.exists()
    # a "billion laughs": aliases that would expand past the safe loader's limit
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefg", "bcdefgh", strict=True)
    )
    with pytest.raises(KnowledgeError, match="too large"):
        load_knowledge([_folder(tmp_path, bomb)])
    # more than the 1 MB a knowledge file may hold is refused before it is parsed
    with pytest.raises(KnowledgeError, match="bytes"):
        load_knowledge([_folder(tmp_path, "# " + "x" * (1 << 20) + "\n" + OWN)])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_folder_wordings_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    os.mkfifo(folder / "wordings.yaml")
    with pytest.raises(KnowledgeError, match="not a regular file"):
        load_knowledge([folder])
