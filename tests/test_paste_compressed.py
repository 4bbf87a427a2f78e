"""Compressed logs (a rotated ``app.log.1.gz``, ``.bz2``, ``.xz``): `diagnose triage` and `diagnose FILE|-`
read the text they hold, told by the first bytes, in bounded memory; what the standard library cannot
read (zstd, zip) is refused with the command that reads it; a stream cut short or corrupt ends in a
result that says so."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tracemalloc
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import exit_codes, main
from diagnose.errors import InputError
from diagnose.paste import decompressed, extract, extract_bytes, scan
from diagnose.paste._compressed import _OUT, kind_of
from tests.shared import OFFLINE_ENV, triage_in_a_process, unsourced

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))

COMPRESS = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lambda data: lzma.compress(data, format=lzma.FORMAT_XZ),
}
ERROR = b"2026-11-30T10:00:00Z ERROR sms send failed code=21408 to=+2348031234567\n"


class _Pipe:
    """A stream whose reads return at most ``step`` bytes (a pipe handing over what it has)."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.pos = data, step, 0

    def read(self, size: int, /) -> bytes:
        n = min(size, self.step) if size >= 0 else len(self.data)
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out


def _text(stream: object, name: str = "app.log.gz") -> bytes:
    reader, unpacked = decompressed(stream, name)
    assert unpacked is not None
    out = b""
    while chunk := reader.read(1 << 16):
        out += chunk
    return out


def _cli(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env=OFFLINE_ENV, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_each_kind_is_told_by_its_first_bytes() -> None:
    text = ERROR * 3
    for kind, compress in COMPRESS.items():
        assert kind_of(compress(text)[:10]) == kind
    assert kind_of(bz2.compress(b"")[:10]) == "bzip2"  # an empty bzip2 stream: its end marker at once
    assert kind_of(b"\x28\xb5\x2f\xfd\x00\x00") == "zstd"
    assert kind_of(b"PK\x03\x04\x14\x00") == "zip"
    # text that starts like a header is text
    assert kind_of(b"BZh91 is the first line of this log") is None
    assert kind_of(b"BZh9") is None


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
def test_text_is_never_taken_for_a_compressed_stream(text: str) -> None:
    data = text.encode()
    assert kind_of(data[:10]) is None
    stream = io.BytesIO(data)
    reader, unpacked = decompressed(stream, "paste")
    assert unpacked is None and reader is stream and stream.tell() == 0  # a file left where it was
    piped, unpacked = decompressed(_Pipe(data, 3), "paste")
    got = b""
    while chunk := piped.read(5):
        got += chunk
    assert unpacked is None and got == data  # a pipe's first bytes put back


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SAMPLES), st.sampled_from(list(COMPRESS)), st.sampled_from([1, 7, 4096, 1 << 20]))
def test_every_sample_compressed_reads_as_its_text(sample: Path, kind: str, step: int) -> None:
    data = sample.read_bytes()
    packed = COMPRESS[kind](data)
    for stream in (io.BytesIO(packed), _Pipe(packed, step)):
        reader, unpacked = decompressed(stream, sample.name)
        assert unpacked is not None and unpacked.kind == kind
        assert list(scan(reader)) == extract(data.decode())
        assert unpacked.problem is None


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_members_one_after_another_and_zero_padding_read_as_one_text(kind: str) -> None:
    # `cat a.gz b.gz > c.gz` (gzip -dc reads both), and the zeros a stream may be padded with
    first, second = ERROR, ERROR.replace(b"+2348031234567", b"+33612345678")
    packed = COMPRESS[kind](first) + b"\x00" * 8 + COMPRESS[kind](second) + b"\x00" * 4
    for step in (1, 5, 1 << 16):
        reader, unpacked = decompressed(_Pipe(packed, step), "two")
        assert [e.to for e in scan(reader)] == ["+2348031234567", "+33612345678"]
        assert unpacked is not None and unpacked.problem is None


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(COMPRESS)), st.data())
def test_a_stream_cut_anywhere_gives_what_came_before_and_says_so(kind: str, data: st.DataObject) -> None:
    text = b"".join(ERROR.replace(b"+234803123456", f"+23480312{i:04d}".encode()) for i in range(200))
    packed = COMPRESS[kind](text)
    cut = data.draw(st.integers(0, len(packed) - 1))
    reader, unpacked = decompressed(io.BytesIO(packed[:cut]), "cut.gz") if cut >= 10 else (None, None)
    if reader is None:
        return  # too short to be told apart from text: read as text (another test)
    read = b""
    while chunk := reader.read(4096):
        read += chunk
    assert text.startswith(read)  # what came before the cut, never anything else
    assert unpacked is not None and unpacked.problem is not None and "ends early" in unpacked.problem


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(COMPRESS)), st.data())
def test_corrupt_bytes_end_the_text_with_a_problem_never_an_exception(kind: str, data: st.DataObject) -> None:
    original = COMPRESS[kind](ERROR * 500)
    packed = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(10, len(packed) - 1))
        packed[at] ^= data.draw(st.integers(1, 255))
    reader, unpacked = decompressed(io.BytesIO(bytes(packed)), "bad")
    assert unpacked is not None
    list(scan(reader))  # ends, whatever the damage (which may make the text longer, or other errors)
    # past the first ten bytes each format checks what it holds (a CRC at the latest): damage is noticed,
    # unless it changes nothing of the text (bzip2 has such bits: byte 56 of this stream xor 25)
    assert unpacked.problem is not None or _text(io.BytesIO(bytes(packed)), "bad") == ERROR * 500


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_a_stream_that_expands_a_thousandfold_reads_in_flat_memory(kind: str) -> None:
    # 96 MB of text (one error at its end) from well under 1 MB: read in bounded steps, never whole
    lines = b"2026-11-30T10:00:00Z INFO ok\n" * 1024
    count = 96 * 1024 * 1024 // len(lines)
    text_size = count * len(lines) + len(ERROR)
    if kind == "gzip":
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
        packed = b"".join(squeeze.compress(lines) for _ in range(count)) + squeeze.compress(ERROR) + squeeze.flush()
    else:
        packed = COMPRESS[kind](lines * count + ERROR)
    assert len(packed) < text_size // 100
    tracemalloc.start()
    reader, _ = decompressed(io.BytesIO(packed), "bomb")
    total, tail = 0, b""
    while chunk := reader.read(1 << 20):
        total += len(chunk)
        tail = (tail + chunk)[-200:]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == text_size and tail.endswith(ERROR)
    dictionary = 8 << 20 if kind == "xz" else 0  # xz's default preset decompresses with an 8 MiB dictionary
    assert peak < len(packed) + 4 * _OUT + dictionary + (4 << 20), peak


def test_a_live_compressed_pipe_gives_its_text_as_it_comes() -> None:
    # a logger that compresses as it writes and flushes each line (Z_SYNC_FLUSH): read1 hands over the
    # lines that came, without waiting for the rest of a read's size
    squeeze = zlib.compressobj(6, zlib.DEFLATED, 31)
    came = squeeze.compress(ERROR) + squeeze.flush(zlib.Z_SYNC_FLUSH)

    class Live:
        def __init__(self) -> None:
            self.given = False

        def read1(self, size: int, /) -> bytes:
            assert not self.given, "read again: the reader waited for more than the pipe had"
            self.given = True
            return came

        read = read1

    reader, _ = decompressed(Live(), "standard input")
    assert reader.read1(1 << 20) == ERROR


@pytest.mark.parametrize(
    ("head", "command"),
    [(b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "zstd -dc"), (b"PK\x03\x04" + b"\x00" * 30, "unzip -p")],
)
def test_zstd_and_zip_are_refused_with_the_command_that_reads_them(head: bytes, command: str, tmp_path: Path) -> None:
    path = tmp_path / "app log.z"
    path.write_bytes(head)
    with pytest.raises(InputError, match=command):
        decompressed(io.BytesIO(head), str(path))
    for args, stdin in ((["triage", str(path)], None), ([str(path)], None), (["triage", "-"], head)):
        code, out, err = _cli(args, stdin)
        assert code == exit_codes.BAD_INPUT and out == ""
        assert command in err
        assert f"{command} '{path}'" in err if stdin is None else f"{command} FILE" in err


def _log(errors: int) -> bytes:
    samples = [(CORPUS / n).read_bytes() for n in ("01-python-traceback.txt", "35-sip-32205.txt")]
    filler = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n" * 40
    return b"".join(samples[i % 2] + filler for i in range(errors))


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_triage_and_paste_of_a_compressed_file_read_what_its_text_reads(kind: str, tmp_path: Path) -> None:
    plain, packed = tmp_path / "app.log", tmp_path / "app.log.1"
    plain.write_bytes(_log(6))
    packed.write_bytes(COMPRESS[kind](plain.read_bytes()))
    runs = {}
    for name, path in (("plain", plain), ("packed", packed)):
        code, out, err = _cli(["triage", str(path), "--format", "json"])
        data = json.loads(out)
        # the file's own bytes, as its progress bar counts
        assert data["bytes"] == data["sources"][0]["bytes"] == path.stat().st_size
        data = unsourced(data)
        runs[name] = (code, data)
        runs[name + " file"] = _cli([str(path), "--format", "json"])[:2]
        runs[name + " stdin"] = _cli(["-", "--format", "json"], stdin=path.read_bytes())[:2]
        runs[name + " triage stdin"] = _cli(["triage", "-", "--format", "json"], stdin=path.read_bytes())[0]
        assert (f"as {kind}-compressed text" in err) == (name == "packed")
    assert runs["plain"][1]["errors"] == 6 and runs["plain"][1]["problem"] is None
    assert runs["packed"] == runs["plain"]
    assert runs["packed file"] == runs["plain file"] == runs["packed stdin"]
    assert runs["packed triage stdin"] == runs["plain"][0]


def test_a_compressed_log_bigger_than_a_chunk_is_triaged_by_the_workers_through_a_pipe(tmp_path: Path) -> None:
    # the real command in its own process: ~12 MB of text, more than a chunk, so its blocks go to the workers
    filler = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n" * 99
    text = (ERROR + filler) * 2_000
    plain, packed = tmp_path / "app.log", tmp_path / "app.log.gz"
    plain.write_bytes(text)
    packed.write_bytes(gzip.compress(text, 1))
    docs = [
        triage_in_a_process(path, source)
        for path, source in ((plain, str(plain)), (packed, str(packed)), (packed, "-"))
    ]
    assert docs[0]["errors"] == 2_000 and docs[0]["groups"][0]["count"] == 2_000
    assert docs[1] == docs[0] == docs[2]


def test_a_compressed_log_cut_short_reports_what_came_and_exits_4(tmp_path: Path) -> None:
    text = _log(6)
    packed = gzip.compress(text)
    path = tmp_path / "app.log.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])  # still being written by logrotate, say
    code, out, err = _cli(["triage", str(path), "--format", "json"])
    assert code == exit_codes.WORKER_DIED
    data = json.loads(out)
    assert 0 < data["errors"] < 6
    assert "gzip data ends early" in data["problem"]
    assert "ends early" in err and "the report holds the errors read before it" in err
    code, out, err = _cli(["triage", str(path)])
    assert code == exit_codes.WORKER_DIED and out.startswith("diagnose triage stopped short: the gzip data ends early")
    # diagnose FILE: the errors are diagnosed, and stderr says the file ended early
    code, out, err = _cli([str(path), "--format", "json"])
    assert code in (0, 1) and json.loads(out)["diagnoses"]
    assert "ends early" in err
    # nothing readable before the cut: one line, no report
    path.write_bytes(packed[:12])
    code, out, err = _cli(["triage", str(path)])
    assert code == exit_codes.WORKER_DIED and out == ""
    assert "ends early" in err and "no Twilio error found before it" in err


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SAMPLES), st.sampled_from(list(COMPRESS)), st.sampled_from([1, 7, 4096, 1 << 20]))
def test_the_library_reads_a_compressed_stream_as_the_cli_does(sample: Path, kind: str, step: int) -> None:
    # diagnose.paste.scan(open("app.log.1.gz", "rb")) found nothing (it read the compressed bytes), while
    # `diagnose app.log.1.gz` and `diagnose triage` read the text: the library now reads what the CLI reads
    data = sample.read_bytes()
    packed = COMPRESS[kind](data)
    expected = extract(data.decode())
    for stream in (io.BytesIO(packed), _Pipe(packed, step)):
        counted: list[int] = []
        assert list(scan(stream, progress=counted.append)) == expected
        assert sum(counted) == len(packed)  # the compressed bytes, as the CLI's bar counts them
    assert extract_bytes(packed) == extract_bytes(data) == expected


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_the_library_and_the_cli_read_a_compressed_file_alike(kind: str, tmp_path: Path) -> None:
    plain, packed = tmp_path / "app.log", tmp_path / "app.log.1"
    plain.write_bytes(_log(6))
    packed.write_bytes(COMPRESS[kind](plain.read_bytes()))
    with plain.open("rb") as handle:
        expected = list(scan(handle))
    assert len(expected) == 6
    for workers in (1, 2):
        with packed.open("rb") as handle:
            assert list(scan(handle, workers=workers)) == expected
    _, out, _ = _cli([str(packed), "--format", "json"])  # a paste of the file
    pasted = [d["evidence"] for d in json.loads(out)["diagnoses"]]  # duplicates merged, with a count
    assert sum(e["count"] for e in pasted) == len(expected)
    assert {(e["code"], e["to"]) for e in pasted} == {(e.code, e.to) for e in expected}
    _, out, _ = _cli(["triage", str(packed), "--format", "json"])
    assert json.loads(out)["errors"] == len(expected)


def test_the_library_refuses_zstd_as_the_cli_does() -> None:
    with pytest.raises(InputError, match="zstd -dc"):
        list(scan(io.BytesIO(b"\x28\xb5\x2f\xfd" + b"\x00" * 20)))


def test_extract_bytes_never_raises_for_zstd_or_zip() -> None:
    # extract_bytes never raises (a webhook receiver hands it any body): what the CLI refuses is bytes to it,
    # read as they are (here a header and a plain line)
    for head in (b"\x28\xb5\x2f\xfd", b"PK\x03\x04"):
        assert [e.to for e in extract_bytes(head + ERROR)] == ["+2348031234567"]
