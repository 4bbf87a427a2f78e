"""`diagnose triage FILE... | -`: a rotated set (app.log, app.log.1, app.log.2.gz) read into one summary, equal
to the triage of the files' concatenation; a file that cannot be read refuses the run before anything is
read; Ctrl-C, a compressed file that ends early and a worker's death name the file they happened in."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.cli import exit_codes, main
from tests.interrupt import sigint_as_on_a_terminal
from tests.shared import OFFLINE_ENV
from tests.terminal import open_terminal, read_terminal

CORPUS = Path(__file__).parent / "data" / "paste"
# a quiet stretch between two errors: a cut in its middle has more plain lines above and below it than any
# reading window reaches (paste._stream._QUIET_ABOVE, _QUIET_BELOW), so no error's fields span it
QUIET = 40
FILLER = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n"


def _line(day: int, code: int, to: str) -> bytes:
    return f"2026-11-{day:02d}T10:00:00Z ERROR sms send failed code={code} to={to}\n".encode()


def _sample(name: str) -> bytes:
    data = (CORPUS / name).read_bytes()
    return data if data.endswith(b"\n") else data + b"\n"


EVENTS = [
    _sample("01-python-traceback.txt"),
    _sample("35-sip-32205.txt"),
    _sample("06-node-restexception.txt"),
    _line(3, 21408, "+2348031234567"),
    _line(28, 21408, "+2348031234567"),
    _line(12, 21408, "+33612345678"),
    _line(7, 21610, "+447700900123"),
]


def _cli(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env=OFFLINE_ENV, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _triage(paths: list[str], stdin: bytes | None = None) -> tuple[int, dict[str, Any]]:
    code, out, err = _cli(["triage", *paths, "--format", "json"], stdin)
    assert out, err
    return code, json.loads(out)


def _log(events: list[int]) -> list[bytes]:
    """The log's pieces: each event, then a quiet stretch (a file may end in the middle of one)."""
    return [EVENTS[i] + FILLER * QUIET for i in events]


def _split(pieces: list[bytes], cuts: list[int]) -> list[bytes]:
    """The log cut into files after the pieces ``cuts`` name, each cut in the middle of a quiet stretch."""
    files, current = [], b""
    for i, piece in enumerate(pieces):
        if i in cuts:
            half = len(piece) - QUIET // 2 * len(FILLER)
            files.append(current + piece[:half])
            current = piece[half:]
        else:
            current += piece
    return [*files, current]


def _groups(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups as a triage of one file would give them, but for where their first error was read (the
    file, and its line in that file)."""
    out = []
    for group in data["groups"]:
        group = {k: v for k, v in group.items() if k != "source"}
        group["diagnosis"] = dict(group["diagnosis"])
        group["diagnosis"]["evidence"] = {k: v for k, v in group["diagnosis"]["evidence"].items() if k != "line"}
        out.append(group)
    return out


def _write(folder: Path, files: list[bytes], packed: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    paths = []
    for i, data in enumerate(files):
        path = folder / (f"app.log.{i}.gz" if i in packed else f"app.log.{i}")
        path.write_bytes(gzip.compress(data) if i in packed else data)
        paths.append(str(path))
    return paths


def test_a_rotated_set_with_a_gzip_among_it_reads_as_its_concatenation(tmp_path: Path) -> None:
    pieces = _log([0, 3, 1, 5, 4, 2, 6, 3, 0])
    files = _split(pieces, [2, 5])
    whole = tmp_path / "whole.log"
    whole.write_bytes(b"".join(files))
    paths = _write(tmp_path, files, packed={1})
    code, data = _triage(paths)
    alone_code, alone = _triage([str(whole)])
    assert code == alone_code
    assert data["errors"] == alone["errors"] == 9
    assert _groups(data) == _groups(alone)
    assert data["next_steps"] == alone["next_steps"]
    assert data["problem"] is None and data["interrupted"] is False
    assert data["source"] == ", ".join(paths)
    assert [s["name"] for s in data["sources"]] == paths
    assert [s["compressed"] for s in data["sources"]] == [None, "gzip", None]
    assert [s["bytes"] for s in data["sources"]] == [Path(p).stat().st_size for p in paths]
    assert data["bytes"] == sum(Path(p).stat().st_size for p in paths)
    assert [s["errors"] for s in data["sources"]] == [3, 3, 3]
    assert all(s["problem"] is None for s in data["sources"])
    # each group names the file its first error was read from, and its line is that file's
    for group in data["groups"]:
        evidence = group["diagnosis"]["evidence"]
        text = files[paths.index(group["source"])].decode().splitlines()
        assert evidence["excerpt"].splitlines()[0].strip() in text[evidence["line"] - 1], group["source"]
    assert alone["groups"][0]["source"] == str(whole)  # one file: every group names it


def test_one_file_keeps_its_source_and_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(_log([3, 4])))
    code, data = _triage([str(path)])
    assert data["source"] == str(path)
    assert data["sources"] == [
        {"name": str(path), "bytes": path.stat().st_size, "errors": 2, "compressed": None, "problem": None}
    ]
    code, out, _ = _cli(["triage", str(path)])
    assert code == exit_codes.UNRESOLVED  # offline: inconclusive
    assert out.startswith(f"{path}: 2 Twilio errors in 1 group ({path.stat().st_size / 1e3:.1f} KB read)\n\n")


def test_the_text_report_says_which_files_were_read(tmp_path: Path) -> None:
    paths = _write(tmp_path, _split(_log([3, 6, 4]), [0, 1]), packed={2})
    code, out, err = _cli(["triage", *paths])
    assert code == exit_codes.UNRESOLVED
    head = out.splitlines()[:4]
    total = sum(Path(p).stat().st_size for p in paths)
    assert head[0] == f"3 files: 3 Twilio errors in 2 groups ({total / 1e3:.1f} KB read)"
    for line, path, kind in zip(head[1:], paths, ("", "", " gzip"), strict=True):
        size = Path(path).stat().st_size
        shown = f"{size / 1e3:.1f} KB" if size >= 1000 else f"{size} bytes"
        assert line.startswith(f"  {path}  ") and line.rstrip().endswith(f" 1 error  {shown}{kind}"), line
    assert f"reading {paths[2]} as gzip-compressed text" in err


def test_the_order_named_is_the_order_read(tmp_path: Path) -> None:
    # two groups of one error each: the first named file's comes first; counts and times do not move
    first, second = _write(tmp_path, [b"".join(_log([5])), b"".join(_log([6]))])
    _, forward = _triage([first, second])
    _, backward = _triage([second, first])
    assert [g["code"] for g in forward["groups"]] == [21408, 21610]
    assert [g["code"] for g in backward["groups"]] == [21610, 21408]
    assert [s["name"] for s in backward["sources"]] == [second, first]
    assert _groups(forward) == _groups(backward)[::-1]
    # first and last seen are instants, whichever file holds the older error
    a, b = _write(tmp_path, [b"".join(_log([4])), b"".join(_log([3]))])
    for order in ([a, b], [b, a]):
        group = _triage(order)[1]["groups"][0]
        assert (group["count"], group["first_seen"], group["last_seen"]) == (
            2,
            "2026-11-03T10:00:00Z",
            "2026-11-28T10:00:00Z",
        )


def test_standard_input_among_the_files_is_read_in_its_place(tmp_path: Path) -> None:
    files = _split(_log([0, 3, 1, 6]), [0, 2])
    first, _, last = _write(tmp_path, files)
    whole = tmp_path / "whole.log"
    whole.write_bytes(b"".join(files))
    _, alone = _triage([str(whole)])
    for stdin in (files[1], gzip.compress(files[1])):
        _, data = _triage([first, "-", last], stdin=stdin)
        assert _groups(data) == _groups(alone)
        assert [s["name"] for s in data["sources"]] == [first, "standard input", last]
        assert [s["errors"] for s in data["sources"]] == [1, 2, 1]


def test_standard_input_named_twice_is_a_usage_error(tmp_path: Path) -> None:
    (path,) = _write(tmp_path, [b"".join(_log([3]))])
    code, out, err = _cli(["triage", "-", path, "-"], stdin=b"".join(_log([4])))
    assert code == exit_codes.BAD_INPUT and out == ""
    assert "'-' (standard input) may be named once" in err


def test_the_same_file_named_twice_is_read_once(tmp_path: Path) -> None:
    (path,) = _write(tmp_path, [b"".join(_log([3]))])
    other = f"{tmp_path}/./{Path(path).name}"
    code, out, err = _cli(["triage", path, other, path, "--format", "json"])
    assert code == exit_codes.UNRESOLVED
    data = json.loads(out)
    assert data["errors"] == 1 and [s["name"] for s in data["sources"]] == [path]
    assert f"{other} is {path} (the same file): read once" in err
    assert f"{path} is named twice: read once" in err


def test_a_file_that_cannot_be_read_refuses_the_run_before_anything_is_read(tmp_path: Path) -> None:
    good, other = _write(tmp_path, [b"".join(_log([3])), b"".join(_log([4]))])
    missing, folder = str(tmp_path / "app.log.9"), str(tmp_path)
    for args, named in (
        ([good, missing, other], [f"cannot read {missing}: No such file or directory"]),
        ([folder, good], [f"cannot read {folder}: it is a folder, not a file"]),
        ([good, missing, folder], [f"cannot read {missing}:", f"cannot read {folder}: it is a folder"]),
        ([good, f"{other}/app.log"], [f"cannot read {other}/app.log: Not a directory"]),
    ):
        code, out, err = _cli(["triage", *args, "--format", "json"])
        assert code == exit_codes.BAD_INPUT and out == ""
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("diagnose: error: ") and lines[0].endswith("nothing was read")
        assert all(n in lines[0] for n in named), lines
        # as `diagnose FILE FILE` refuses it: exit 2, no report
        assert _cli([*args])[:2] == (exit_codes.BAD_INPUT, "")
    # a compressed file diagnose cannot read is refused up front too, with the command that reads it
    packed = tmp_path / "app.log.3.zst"
    packed.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 20)
    code, out, err = _cli(["triage", good, str(packed)])
    assert code == exit_codes.BAD_INPUT and out == "" and f"zstd -dc {packed} |" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_a_file_without_read_permission_refuses_the_run(tmp_path: Path) -> None:
    good, locked = _write(tmp_path, [b"".join(_log([3])), b"".join(_log([4]))])
    os.chmod(locked, 0)
    code, out, err = _cli(["triage", good, locked])
    assert code == exit_codes.BAD_INPUT and out == ""
    assert f"cannot read {locked}: Permission denied: nothing was read" in err


def test_a_gzip_that_ends_early_in_the_middle_names_it_and_the_other_files_are_read(tmp_path: Path) -> None:
    files = _split(_log([3, 3, 3, 3, 6]), [0, 3])
    paths = _write(tmp_path, files, packed={1})
    cut = Path(paths[1]).read_bytes()
    Path(paths[1]).write_bytes(cut[: len(cut) * 2 // 3])  # logrotate still compressing it
    code, out, err = _cli(["triage", *paths, "--format", "json"])
    assert code == exit_codes.WORKER_DIED
    data = json.loads(out)
    assert data["problem"].startswith(f"{paths[1]}: the gzip data ends early")
    counts = [s["errors"] for s in data["sources"]]
    assert counts[0] == 1 and counts[1] < 3 and counts[2] == 1  # the file after the damage is read whole
    assert [g["code"] for g in data["groups"]][-1] == 21610
    assert data["sources"][1]["problem"].startswith("the gzip data ends early")
    assert [s["problem"] for s in data["sources"]][::2] == [None, None]
    assert f"diagnose: error: {paths[1]}: the gzip data ends early" in err
    assert "the report holds the errors read before it and in the other files" in err
    code, out, err = _cli(["triage", *paths])
    assert code == exit_codes.WORKER_DIED
    assert out.startswith(f"diagnose triage stopped short: {paths[1]}: the gzip data ends early")


def _reading(pid: int, path: Path) -> bool:
    """The process waits in read() on its descriptor of ``path`` (a FIFO that is empty now)."""
    fds = [fd.name for fd in Path(f"/proc/{pid}/fd").iterdir() if os.path.realpath(fd) == str(path)]
    call = Path(f"/proc/{pid}/syscall").read_text()
    return any(call.startswith(f"0 {hex(int(fd))} ") for fd in fds)


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc to see the read wait")
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_ctrl_c_during_the_second_file_reports_what_was_read_and_names_it(tmp_path: Path, fmt: str) -> None:
    # the second file is a FIFO a writer keeps open: once it waits on it, the first file was read whole
    first, _, last = _write(tmp_path, [b"".join(_log([3, 4])), b"", b"".join(_log([6]))])
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    env = {**os.environ, **OFFLINE_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", first, str(fifo), last, "--format", fmt],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        preexec_fn=sigint_as_on_a_terminal,
    )
    try:
        with fifo.open("wb") as writer:  # opens once the command opens it for reading
            writer.write(b"".join(_log([5, 5, 5])))
            writer.flush()
            deadline = time.monotonic() + 120  # a bound on waiting, not a measure: the condition decides
            while proc.poll() is None and not _reading(proc.pid, fifo) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == exit_codes.INTERRUPTED, err
    assert "Traceback" not in err
    if fmt == "json":
        data = json.loads(out)
        assert data["interrupted"] is True and data["errors"] == 5
        assert [(s["name"], s["errors"], s["problem"]) for s in data["sources"]] == [
            (first, 2, None),
            (str(fifo), 3, "interrupted (Ctrl-C)"),
        ]
        assert [(g["code"], g["country"], g["count"]) for g in data["groups"]] == [(21408, "FR", 3), (21408, "NG", 2)]
    else:
        assert re.match(
            rf"diagnose triage was interrupted after [0-9.]+ KB, in {re.escape(str(fifo))} \(not read: ", out
        )
        assert out.startswith(
            f"diagnose triage was interrupted after {out.split()[5]} KB, in {fifo} (not read: {last}): "
        )
        assert "2 files: 5 Twilio errors in 2 groups" in out


def test_a_rotated_set_through_a_pipe_in_a_real_process(tmp_path: Path) -> None:
    # the real command: app.log, app.log.1 and app.log.2.gz, the newest on a pipe (`cat app.log | …`), big
    # enough (~12 MB of text) that each file's blocks go to the workers
    text = b"".join(_log([3, 6])) * 1_500
    files = _split([text, text, text], [0, 1])
    whole = tmp_path / "whole.log"
    whole.write_bytes(b"".join(files))
    _, one, two = _write(tmp_path, files, packed={2})
    env = {**os.environ, **OFFLINE_ENV}
    docs = []
    for args, stdin in ((["-", one, two], files[0]), ([str(whole)], None)):
        proc = subprocess.run(
            [sys.executable, "-m", "diagnose", "triage", *args, "--format", "json"],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=600,
            check=False,
        )
        assert proc.returncode in (0, 1), proc.stderr
        docs.append(json.loads(proc.stdout))
    several, alone = docs
    assert several["errors"] == alone["errors"] == 9_000
    assert _groups(several) == _groups(alone)
    assert [s["errors"] for s in several["sources"]] == [3_000, 3_000, 3_000]
    assert several["sources"][2]["compressed"] == "gzip"


def test_one_bar_counts_all_the_files_on_a_terminal(tmp_path: Path) -> None:
    # three files of 12 MB, none big enough for a bar of its own (32 MB), and a gzip among them: one bar over
    # all their bytes, labelled with the file being read, on stderr only; the gzip's line stands alone
    text = b"".join(_log([3, 6])) * 2_600
    paths = [Path(p).name for p in _write(tmp_path, [text, text, text, text], packed={2})]
    total = sum((tmp_path / p).stat().st_size for p in paths) // 1_000_000
    leader, follower = open_terminal()
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", *paths, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=tmp_path,
        env={**os.environ, **OFFLINE_ENV, "TERM": "xterm"},
    )
    os.close(follower)
    terminal = read_terminal(leader, proc, deadline=300)
    out, _ = proc.communicate(timeout=300)
    assert json.loads(out)["errors"] == 4 * 2 * 2_600
    assert f"\r\x1b[K{paths[0]} (MB) [#".encode() in terminal  # the first draw
    assert f"\r\x1b[K{paths[3]} (MB) [{'#' * 10}".encode() in terminal
    assert f"] {total}/{total}".encode() in terminal  # the last draw, forced at the end
    assert f"\r\x1b[Kdiagnose: reading {paths[2]} as gzip-compressed text".encode() in terminal
    assert terminal.endswith(b"\r\x1b[K")  # cleared before the report


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(st.integers(0, len(EVENTS) - 1), min_size=1, max_size=10),
    data=st.data(),
)
def test_splitting_a_log_at_quiet_places_never_changes_its_groups(
    tmp_path: Path, events: list[int], data: st.DataObject
) -> None:
    pieces = _log(events)
    cuts = data.draw(st.sets(st.integers(0, len(pieces) - 1), max_size=4), label="cuts")
    files = _split(pieces, sorted(cuts))
    packed = data.draw(st.sets(st.integers(0, len(files) - 1)), label="packed")
    folder = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    whole = folder / "whole.log"
    whole.write_bytes(b"".join(files))
    paths = _write(folder, files, packed)
    code, several = _triage(paths)
    alone_code, alone = _triage([str(whole)])
    assert code == alone_code
    assert several["errors"] == alone["errors"] == len(events)
    assert _groups(several) == _groups(alone)
    assert sum(s["errors"] for s in several["sources"]) == several["errors"]


def _limited(files: int) -> Any:
    """A child's open-file limit (soft and hard) set well under ``files``, as `ulimit -n 64` sets it."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    assert files > 64
    return limit


def test_more_files_than_the_open_file_limit_are_all_read(tmp_path: Path) -> None:
    # a year of daily logs (a gzip among them) under `ulimit -n 64`: every file was opened before any was
    # read, so the 61st failed with "Too many open files" and nothing was read
    files = [b"".join(_log([3 + i % 4])) for i in range(150)]
    paths = _write(tmp_path, files, packed={7})
    whole = tmp_path / "whole.log"
    whole.write_bytes(b"".join(files))
    env = {**os.environ, **OFFLINE_ENV}
    docs = []
    for command in (["triage", *paths], ["triage", str(whole)], paths):
        proc = subprocess.run(
            [sys.executable, "-m", "diagnose", *command, "--format", "json"],
            capture_output=True,
            env=env,
            timeout=600,
            check=False,
            preexec_fn=_limited(len(paths)),
        )
        assert proc.returncode == exit_codes.UNRESOLVED, proc.stderr[-2000:]
        docs.append(json.loads(proc.stdout))
    several, alone, pasted = docs
    assert several["errors"] == alone["errors"] == 150
    assert _groups(several) == _groups(alone)
    assert [s["errors"] for s in several["sources"]] == [1] * 150
    assert several["sources"][7]["compressed"] == "gzip"
    # `diagnose FILE…` (a paste of each file) reads them all too, and finds the same errors
    assert sum(d["evidence"]["count"] for d in pasted["diagnoses"]) == 150
    assert {d["evidence"]["to"] for d in pasted["diagnoses"]} == {
        g["diagnosis"]["evidence"]["to"] for g in several["groups"]
    }


def test_a_missing_file_still_stops_the_run_among_more_files_than_the_limit(tmp_path: Path) -> None:
    # checked first, each closed again: the one missing file is named, nothing is read
    paths = _write(tmp_path, [b"".join(_log([3]))] * 100)
    missing = str(tmp_path / "app.log.999")
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", "triage", *paths[:50], missing, *paths[50:]],
        capture_output=True,
        env={**os.environ, **OFFLINE_ENV},
        timeout=600,
        check=False,
        text=True,
        preexec_fn=_limited(len(paths)),
    )
    assert proc.returncode == exit_codes.BAD_INPUT and proc.stdout == ""
    assert proc.stderr == f"diagnose: error: cannot read {missing}: No such file or directory: nothing was read\n"


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (the command runs in a child of its own, its workers below that)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        below = [child for child, parent in parents.items() if parent == todo[-1]]
        todo.pop()
        found += below
        todo += below
    return found


def _open_files(pid: int, folder: Path) -> set[str]:
    out = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.path.realpath(fd)
            if target.startswith(f"{folder}/"):
                out.add(target)
    except OSError:  # it ended meanwhile
        pass
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc to see a worker's files")
def test_a_worker_holds_no_file_but_the_one_it_reads(tmp_path: Path) -> None:
    # the workers are forked: with every file open in the parent, each worker held them all
    big = b"".join(_log([3, 6])) * 4_000  # ~19 MB: its blocks go to the workers
    paths = [str(p.resolve()) for p in map(Path, _write(tmp_path, [b"".join(_log([4]))] * 20 + [big] * 2))]
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", *paths, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **OFFLINE_ENV},
    )
    seen: list[set[str]] = []
    try:
        deadline = time.monotonic() + 300  # a bound on waiting, not a measure
        while proc.poll() is None and time.monotonic() < deadline:
            for child in _descendants(proc.pid):
                held = _open_files(child, tmp_path.resolve())
                if held:
                    seen.append(held)
            time.sleep(0.01)
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == exit_codes.UNRESOLVED, err
    assert json.loads(out)["errors"] == 20 + 2 * 8_000
    assert seen, "no worker was seen"
    assert all(len(held) == 1 and held <= set(paths[20:]) for held in seen), seen[:3]


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc to see the read wait")
def test_a_file_gone_between_its_check_and_its_reading_is_named_and_the_others_are_read(tmp_path: Path) -> None:
    # a file is opened again to be read: one deleted meanwhile (logrotate's old copy) is a problem of its own,
    # as a damaged gzip is (exit 4), never a traceback; the file before it was read whole
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    (gone,) = _write(tmp_path, [b"".join(_log([4]))])
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "triage", str(fifo), gone, "--format", "json"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **OFFLINE_ENV},
        text=True,
    )
    try:
        with fifo.open("wb") as writer:
            writer.write(b"".join(_log([3, 5])))
            writer.flush()
            deadline = time.monotonic() + 120  # a bound on waiting, not a measure: the condition decides
            while proc.poll() is None and not _reading(proc.pid, fifo) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert proc.poll() is None, proc.communicate()
            os.unlink(gone)  # checked already: the run goes on to read it
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == exit_codes.WORKER_DIED, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert [(s["name"], s["errors"]) for s in data["sources"]] == [(str(fifo), 2), (gone, 0)]
    assert data["sources"][1]["problem"].startswith(f"cannot read {gone}: No such file or directory")
    assert data["problem"].startswith(f"{gone}: cannot read {gone}")


def test_the_first_line_says_a_small_log_s_size_as_a_reader_takes_it_in(tmp_path: Path) -> None:
    # "(0.0 MB read)" for every log under 50 KB, and "0.0 MB" for each file of a set: a size that said nothing
    line = tmp_path / "one.log"
    line.write_bytes(_line(3, 21408, "+2348031234567"))  # 72 bytes
    kilo = tmp_path / "app.log"
    kilo.write_bytes(_line(4, 21408, "+2348031234567") + FILLER * 80)  # 4,552 bytes
    _, out, _ = _cli(["triage", str(line)])
    assert out.splitlines()[0] == f"{line}: 1 Twilio error in 1 group (72 bytes read)"
    _, out, _ = _cli(["triage", str(kilo)])
    assert out.splitlines()[0] == f"{kilo}: 1 Twilio error in 1 group (4.6 KB read)"
    _, out, _ = _cli(["triage", str(line), str(kilo)])
    assert out.splitlines()[:3] == [
        "2 files: 2 Twilio errors in 1 group (4.6 KB read)",
        f"  {line}  1 error  72 bytes",
        f"  {kilo}  1 error  4.6 KB",
    ]
    # JSON keeps the number of bytes: a number, exact
    _, data = _triage([str(line), str(kilo)])
    assert data["bytes"] == 72 + 4_552
    assert [s["bytes"] for s in data["sources"]] == [72, 4_552]


_UNITS = {"byte": 1, "bytes": 1, "KB": 1_000, "MB": 1_000_000}


@given(st.integers(0, 10**13))
def test_a_size_in_words_is_the_size_rounded_in_the_unit_that_fits(count: int) -> None:
    from diagnose.formats import size_text

    number, unit = size_text(count).split(" ")
    value = float(number.replace(",", ""))
    assert abs(value * _UNITS[unit] - count) <= 0.05 * _UNITS[unit]  # rounded to the digit shown
    assert unit == "MB" or value < 1000  # a smaller unit only while its number stays under 1,000
    assert unit in ("byte", "bytes") or value >= 1  # never "0.0 KB"
    assert (unit == "byte") == (count == 1)


def test_triage_takes_color_as_a_paste_does(tmp_path: Path) -> None:
    # 'diagnose triage app.log --color never' said "No such option '--color'", which 'diagnose - --color never'
    # (the same errors pasted), audit and scan all take
    log = tmp_path / "app.log"
    log.write_text("ERROR code=21408 to=+33612345678\nERROR code=21408 to=+2348031234567\n")
    code, plain, _ = _cli(["triage", str(log), "--offline", "--color", "never"])
    assert code == 1 and "\x1b" not in plain
    code, colored, _ = _cli(["triage", str(log), "--offline", "--color", "always"])
    assert code == 1
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain  # colour only: not a character more or less
    lines = colored.splitlines()
    assert lines[0].startswith("\x1b[1m") and "\x1b[1mWhat to do\x1b[0m" in lines
    rows = [line for line in lines if line.startswith(("1 ", "2 "))]
    assert len(rows) == 2 and all(row.endswith("\x1b[1;33minconclusive\x1b[0m") for row in rows)
    _, as_json, _ = _cli(["triage", str(log), "--offline", "--format", "json", "--color", "always"])
    assert "\x1b" not in as_json and json.loads(as_json)  # colour is for text alone


def test_a_log_with_no_twilio_error_exits_1_as_the_help_and_readme_say(tmp_path: Path) -> None:
    # 'diagnose --help' and README said "Exit codes: 0 confirmed or no error", while a triage (or a paste) of a
    # log that holds no Twilio error exits 1, as docs/report-format.md says: a script that read the help took a
    # clean log for a failed run, or the other way round.
    log = tmp_path / "app.log"
    log.write_text("2026-11-30T10:00:00Z INFO request done\n")
    result = CliRunner().invoke(main, ["triage", str(log)], env=OFFLINE_ENV)
    assert result.exit_code == 1 and result.stdout == ""
    assert "no Twilio error found" in result.stderr
    help_text = " ".join(CliRunner().invoke(main, ["--help"]).stdout.split())
    assert "or a log (triage) with no Twilio error in it" in help_text
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert (
        "1 likely / inconclusive / no knowledge, or pasted input or a log (`diagnose triage`) that holds no" in readme
    )
