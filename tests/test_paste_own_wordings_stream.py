"""With ``--knowledge DIR``, a line holding nothing but one of that folder's own wordings (no printed code, none of
the built-in anchor words) is found when read from a file, standard input or ``diagnose triage``, as in a paste
given as text: the byte pre-filter gets a pass of its own, built from the folder's wordings, used only when a
table of one's own is (``_stream.own_prefilter``); the default reading pays nothing for it."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.knowledge import load_knowledge
from diagnose.paste import extract, scan, table_for
from diagnose.paste._stream import own_prefilter
from diagnose.paste._wording import default_table

# A code of one's own with an older wording that holds no built-in anchor word: 21408 extended, as a company's
# runbook would (docs/knowledge-format.md, "extends")
OWN = """code: 21408
extends: 21408
wordings:
  - text: "Destination region blocked for outbound texts"
    unverified: true
  - text: "Outbound SMS refused for this destination country"
    unverified: true
"""
WORDINGS = ["Destination region blocked for outbound texts", "Outbound SMS refused for this destination country"]


def _table(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "kb"
    folder.mkdir(exist_ok=True)
    (folder / "21408.yaml").write_text(OWN, encoding="utf-8")
    return folder, table_for(load_knowledge([folder]))


NOISE = st.lists(
    st.sampled_from(["2026-11-30T10:00:00Z INFO GET /api/v1/users/42 200 12ms", "INFO cache warm", ""]), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(WORDINGS),
    st.sampled_from(["", "2026-11-30T10:00:00Z WARN ", "sms: ", "  "]),
    st.sampled_from([": +33612345678", " +2348031234567", ""]),
    NOISE,
    NOISE,
    st.sampled_from([1, 257, 1 << 20]),
)
def test_a_line_of_ones_own_wording_is_found_as_in_a_paste(
    tmp_path_factory, wording: str, prefix: str, number: str, before: list[str], after: list[str], chunk: int
) -> None:  # type: ignore[no-untyped-def]
    _, table = _table(tmp_path_factory.mktemp("own"))
    line = prefix + wording + number
    text = "\n".join([*before, line, *after]) + "\n"
    expected = extract(text, table=table)
    assert [e.code for e in expected] == [21408], text
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk, table=table)) == expected
    assert extract(text) == []  # the built-in knowledge has no such wording


def test_the_default_reading_has_no_pass_of_its_own(tmp_path: Path) -> None:
    _, table = _table(tmp_path)
    assert own_prefilter(default_table()) is None
    assert own_prefilter(table) is not None
    assert own_prefilter(table_for(load_knowledge())) is None  # the built-in knowledge: nothing of its own


def test_file_stdin_and_triage_find_ones_own_wording(tmp_path: Path) -> None:
    folder, _ = _table(tmp_path)
    log = tmp_path / "app.log"
    lines = [f"2026-11-30T10:00:{i:02d}Z INFO GET /api/v1/users/{i} 200 12ms" for i in range(30)]
    lines[15] = "2026-11-30T10:00:15Z WARN Destination region blocked for outbound texts: +33612345678"
    log.write_text("\n".join(lines) + "\n")
    common = ["--knowledge", str(folder), "--offline", "--format", "json"]
    for how, args in {
        "file": [str(log), *common],
        "stdin": ["-", *common],
        "triage": ["triage", str(log), *common],
    }.items():
        done = subprocess.run(
            [sys.executable, "-m", "diagnose", *args],
            input=log.read_text() if how == "stdin" else None,
            capture_output=True,
            text=True,
            timeout=120,
        )
        document = json.loads(done.stdout)
        if how == "triage":
            found = [(g["code"], g["country"]) for g in document["groups"]]
        else:
            found = [(d["evidence"]["code"], d["evidence"]["country"]) for d in document["diagnoses"]]
        assert found == [(21408, "FR")], (how, done.stderr)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDINGS), st.integers(0, 40)), min_size=3, max_size=40))
def test_workers_read_with_ones_own_table_as_one_reader_does(
    tmp_path_factory, arrangement: list[tuple[str, int]]
) -> None:  # type: ignore[no-untyped-def]
    # a file in blocks and a pipe in chunks, each read by worker processes: they start with the folder's table
    # (forked with it), and a block is cut only where no line of its own wordings is near, as one reader reads it
    tmp = tmp_path_factory.mktemp("own-workers")
    _, table = _table(tmp)
    noise = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n"
    numbers = ["+33612345678", "+2348031234567", "+4915112345678"]
    data = b"".join(
        f"2026-11-30T10:00:00Z WARN {wording}: {numbers[i % 3]}\n".encode() + noise * gap
        for i, (wording, gap) in enumerate(arrangement)
    )
    path = tmp / "app.log"
    path.write_bytes(data)
    alone = list(scan(io.BytesIO(data), table=table))
    assert [e.line for e in alone] == sorted({e.line for e in alone}) and len(alone) == len(arrangement)
    with path.open("rb") as handle:
        assert list(scan(handle, chunk_size=1 << 10, workers=2, table=table)) == alone
    assert list(scan(io.BytesIO(data), chunk_size=1 << 10, workers=2, table=table)) == alone


def test_a_worker_reads_a_block_with_the_table_it_was_given(tmp_path: Path) -> None:
    # a block holding only a folder's own wordings: read with the built-in table it would find nothing
    _, table = _table(tmp_path)
    path = tmp_path / "app.log"
    lines = [f"2026-11-30T10:00:{i % 60:02d}Z INFO GET /api/v1/users/{i} 200 12ms" for i in range(3000)]
    for i in range(100, 3000, 300):
        lines[i] = f"2026-11-30T10:00:00Z WARN Outbound SMS refused for this destination country: +3361234{i:04d}"
    path.write_text("\n".join(lines) + "\n")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    with path.open("rb") as handle:
        found = list(scan(handle, chunk_size=1 << 14, workers=2, table=table))
    # read by worker processes (each touched memory of its own), not in this one as before
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt > children
    assert [e.line for e in found] == list(range(101, 3001, 300))
    assert {e.code for e in found} == {21408}
    with path.open("rb") as handle:
        assert list(scan(handle, chunk_size=1 << 14, workers=2)) == []
