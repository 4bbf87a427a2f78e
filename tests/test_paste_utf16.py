"""UTF-16 and UTF-32 logs (Windows PowerShell 5's ``>``, tools writing UTF-16BE, UTF-32 or no byte-order
mark, in any script): a paste decodes them whole, and `diagnose triage` / `diagnose FILE` stream them
transcoded, to the same errors and line numbers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import decode, extract, scan
from diagnose.paste._text import SNIFF, wide_codec
from tests.shared import OFFLINE_ENV, scan_peaks, triage_in_a_process, unsourced

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))

# How each kind of file starts and is encoded: a byte-order mark (PowerShell 5 writes UTF-16LE with
# one), or none, which the decoder tells from the zero bytes of mostly-ASCII text
ENCODINGS = {
    "le-bom": (b"\xff\xfe", "utf-16-le"),
    "be-bom": (b"\xfe\xff", "utf-16-be"),
    "le": (b"", "utf-16-le"),
    "be": (b"", "utf-16-be"),
    # UTF-32, which some tools write (iconv -t UTF-32, .NET's Encoding.UTF32): its little-endian mark starts
    # as UTF-16LE's does
    "32le-bom": (b"\xff\xfe\x00\x00", "utf-32-le"),
    "32be-bom": (b"\x00\x00\xfe\xff", "utf-32-be"),
    "32le": (b"", "utf-32-le"),
    "32be": (b"", "utf-32-be"),
}


def _utf16(text: str, kind: str) -> bytes:
    mark, codec = ENCODINGS[kind]
    return mark + text.encode(codec)


class _Cut:
    """A stream whose reads stop at ``cut`` once (a pipe handing over what it has), else as asked."""

    def __init__(self, data: bytes, cut: int) -> None:
        self.data, self.cut, self.pos = data, cut, 0

    def read(self, size: int, /) -> bytes:
        end = self.pos + size
        if self.pos < self.cut < end:
            end = self.cut
        out = self.data[self.pos : end]
        self.pos += len(out)
        return out


def test_the_kinds_of_utf16_are_told_apart_from_utf8() -> None:
    text = "2026-11-30 ERROR sms failed code=21408 to=+33612345678\r\n" * 3
    assert {kind: wide_codec(_utf16(text, kind)[:SNIFF]) for kind in ENCODINGS} == {
        "le-bom": "utf-16",
        "be-bom": "utf-16",
        "le": "utf-16-le",
        "be": "utf-16-be",
        "32le-bom": "utf-32",
        "32be-bom": "utf-32",
        "32le": "utf-32-le",
        "32be": "utf-32-be",
    }
    for data in (text.encode(), "Überweisung fehlgeschlagen: 21408 → +33612345678 ✓".encode(), b"", b"\x00" * 8):
        assert wide_codec(data[:SNIFF]) is None
    assert all(decode(_utf16(text, kind)) == text for kind in ENCODINGS)


@pytest.mark.parametrize("kind", list(ENCODINGS))
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_every_sample_in_utf16_reads_as_in_utf8(sample: Path, kind: str) -> None:
    text = sample.read_text(encoding="utf-8").replace("\n", "\r\n")  # as Windows writes it
    data = _utf16(text, kind)
    detected = wide_codec(data[:SNIFF]) is not None
    if not detected:  # a sample that is not mostly ASCII, without a mark: read as bytes, alike
        assert list(scan(io.BytesIO(data))) == extract(decode(data))
        return
    expected = extract(text)
    assert expected, sample
    assert extract(decode(data)) == expected
    assert list(scan(io.BytesIO(data))) == expected


NOISE = st.sampled_from(
    [
        "INFO GET /api/v1/users/42 200 12ms",
        "ERROR database connection reset by peer",
        'level=info msg="request done" status=200 duration=12ms',
        "WARN upstream http 503 from payments",
        "INFO sent verification code to user 42 😀",  # a surrogate pair in UTF-16
        "DEBUG Überweisung ok – 𝄞 ✓",
        "INFO message delivered to +33612345678",
    ]
) | st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
STAMP = st.from_regex(r"2026-11-30T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z ", fullmatch=True)
LOG_LINES = st.lists(st.tuples(STAMP, NOISE).map("".join), max_size=30)


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    LOG_LINES,
    LOG_LINES,
    st.sampled_from(list(ENCODINGS)),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([1, 2, 3, 5, 257, 4096, 1 << 20]),
)
def test_a_utf16_log_reads_as_its_paste(
    sample: Path, before: list[str], after: list[str], kind: str, newline: str, chunk: int
) -> None:
    # triage == paste of the same bytes, and (where the paste knows the encoding) == the text itself:
    # whatever the chunks cut (a code unit, a surrogate pair, a \r\n)
    text = newline.join([*before, sample.read_text(encoding="utf-8").rstrip("\n"), *after]) + newline
    data = _utf16(text, kind)
    found = list(scan(io.BytesIO(data), chunk_size=chunk))
    assert found == extract(decode(data))
    assume(wide_codec(data[:SNIFF]) is not None)  # without a mark, only where a paste tells UTF-16 too
    assert found == extract(text)


# A small log whose characters cut badly: surrogate pairs, \r\n, U+2028, NEL and non-ASCII letters
# around two errors, longer than the bytes read to tell the encoding, so reads cut the transcoding
_SMALL = (
    "2026-11-30T10:00:00Z INFO 😀 start\r\n"
    + "2026-11-30T10:00:01Z DEBUG ✓ Ü 𝄞\u2028second part\r\n" * 12
    + "2026-11-30T10:00:02Z ERROR sms failed code=21408 to=+33612345678 😀\r\n"
    + "2026-11-30T10:00:03Z INFO ok\x85next 𝄞\r\n"
    + "Twilio::REST::RestError: [HTTP 400] 21215 : Unable to create record\r\n"
    + "Account not authorized to call +2348031234567. 😀\r\n"
)


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_a_read_may_end_at_any_byte_of_a_utf16_log(kind: str) -> None:
    data = _utf16(_SMALL, kind)
    assert len(data) > SNIFF + 200  # the reads past the first bytes cut the decoder's input
    expected = extract(_SMALL)
    assert [(e.code, e.line) for e in expected] == [(21408, 26), (21215, 29)]
    assert extract(decode(data)) == expected
    for cut in range(len(data) + 1):
        for chunk in (7, 1 << 20):
            assert list(scan(_Cut(data, cut), chunk_size=chunk)) == expected, (cut, chunk)


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_a_utf16_file_reads_at_any_chunk_size_with_workers(kind: str, tmp_path: Path) -> None:
    # a regular file, which UTF-8 would have cut into blocks by byte offsets: transcoded, it is read
    # in order (the workers read its pieces), from where the handle stands
    log = tmp_path / "app.log"
    body = "".join(s.read_text(encoding="utf-8") + "2026-11-30T10:00:00Z INFO unrelated\n" * 30 for s in SAMPLES)
    expected = extract(body)
    log.write_bytes(_utf16(body, kind))
    for chunk in (1 << 12, 100_003):
        with log.open("rb") as handle:
            assert list(scan(handle, chunk_size=chunk, workers=2)) == expected
    prefix = "2026-11-30T09:00:00Z INFO before\n" * 5
    log.write_bytes(b"HEADER\n" + _utf16(prefix + body, kind))
    with log.open("rb") as handle:
        handle.readline()  # a file read from its middle: the encoding is told from there
        moved = [e.line - 5 for e in scan(handle, chunk_size=1 << 12, workers=2)]
    assert moved == [e.line for e in expected]


def test_memory_stays_flat_as_a_utf16_log_grows() -> None:
    # transcoded as it is read: a few chunks at most, whatever the size of the log
    block = "".join(f"2026-11-30T10:00:00Z INFO GET /api/v1/items/{i} 200 12ms 😀\r\n" for i in range(5_000))
    block += "2026-11-30T10:00:01Z ERROR sms failed code=21408 to=+2348031234567\r\n"
    peaks = scan_peaks(io.BytesIO(_utf16(block * (mb * 1_000_000 // len(block) + 1), "le-bom")) for mb in (2, 8))
    assert peaks[1] < 2 * peaks[0] + (4 << 20), peaks


def _cli(args: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env=OFFLINE_ENV, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_triage_and_paste_of_a_utf16_file_read_what_its_utf8_reads(kind: str, tmp_path: Path) -> None:
    text = "".join(
        (CORPUS / name).read_text(encoding="utf-8").replace("\n", "\r\n") + "2026-11-30T10:00:00Z INFO ok\r\n" * 20
        for name in ("01-python-traceback.txt", "22-log-line-wrong-prefix.txt", "35-sip-32205.txt")
    )
    utf8, utf16 = tmp_path / "utf8.log", tmp_path / "utf16.log"
    utf8.write_bytes(text.encode())
    utf16.write_bytes(_utf16(text, kind))
    runs = {}
    for name, path in (("utf8", utf8), ("utf16", utf16)):
        code, out, _ = _cli(["triage", str(path), "--format", "json"])
        data = json.loads(out)
        # the file's own bytes, not the transcoded ones
        assert data["bytes"] == data["sources"][0]["bytes"] == path.stat().st_size
        data = unsourced(data)
        runs[name] = (code, data)
        # diagnose FILE and diagnose - (a pipe: the encoding is told from its first bytes) alike
        runs[name + " file"] = _cli([str(path), "--format", "json"])
        runs[name + " stdin"] = _cli(["-", "--format", "json"], stdin=path.read_bytes())
    assert runs["utf8"][1]["errors"] == 3
    assert runs["utf16"] == runs["utf8"]
    assert runs["utf16 file"] == runs["utf8 file"] == runs["utf16 stdin"]
    assert runs["utf8 file"][0] in (0, 1) and json.loads(runs["utf8 file"][1])["diagnoses"]


def test_a_powershell_log_bigger_than_a_chunk_is_triaged_by_the_workers(tmp_path: Path) -> None:
    # the real command in its own process: a UTF-16LE log with a mark and \r\n line ends (PowerShell 5's
    # `> app.log`), big enough that its transcoded chunks go to the worker processes
    line = "2026-11-30T10:00:00Z ERROR sms send failed code=21408 to=+2348031234567 😀\r\n"
    filler = "2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms ✓\r\n" * 99
    body = (line + filler) * 1_600  # ~9.5 MB of UTF-8: more than one 8 MiB chunk once transcoded
    utf8, utf16 = tmp_path / "utf8.log", tmp_path / "ps.log"
    utf8.write_bytes(body.encode())
    utf16.write_bytes(_utf16(body, "le-bom"))
    # the file (its encoding told without moving it), then the UTF-16 bytes through a real pipe
    docs = [
        triage_in_a_process(path, source) for path, source in ((utf8, str(utf8)), (utf16, str(utf16)), (utf16, "-"))
    ]
    assert docs[0]["errors"] == 1_600 and docs[0]["groups"][0]["count"] == 1_600
    assert docs[1] == docs[0]
    assert docs[2] == docs[0]


# Lines in other scripts: a log whose first kilobyte holds few ASCII characters, so that UTF-16 without a
# mark is no longer told by its zero bytes alone
SCRIPTS = st.sampled_from(
    [
        "ОШИБКА отправки сообщения клиенту, повторная попытка",
        "发送短信失败，稍后重试。用户通知服务不可用",
        "Σφάλμα αποστολής μηνύματος στον πελάτη",
        "שגיאה בשליחת הודעה ללקוח",
        "خطأ في إرسال الرسالة إلى العميل",
        "메시지 전송 실패, 나중에 다시 시도하십시오",
        "ข้อผิดพลาดในการส่งข้อความ",
        "送信に失敗しました　再試行します",  # an ideographic space
        "😀🎉 𝄞 ✓ — «ok»",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(SCRIPTS, min_size=1, max_size=40),
    st.sampled_from(SAMPLES),
    st.sampled_from(list(ENCODINGS)),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([1, 7, 4096, 1 << 20]),
)
def test_a_log_in_another_script_reads_as_its_text_in_every_encoding(
    lines: list[str], sample: Path, kind: str, newline: str, chunk: int
) -> None:
    # told from its first bytes, with or without a mark, and read as the text it holds by a paste and by
    # triage alike (both once read UTF-32, and UTF-16 without a mark, as UTF-8 with zero bytes: a paste
    # cleaned them away and read the ASCII errors, triage's pre-filter found none)
    text = newline.join([*lines, sample.read_text(encoding="utf-8").rstrip("\n")]) + newline
    data = _utf16(text, kind)
    mark, codec = ENCODINGS[kind]
    assert wide_codec(data[:SNIFF]) == ("utf-32" if mark[2:] else "utf-16" if mark else codec)
    assert decode(data) == text
    expected = extract(text)
    assert expected
    assert list(scan(io.BytesIO(data), chunk_size=chunk)) == expected


@pytest.mark.parametrize("kind", ["le", "be"])
def test_japanese_in_utf16_without_a_mark_is_told_from_utf8(kind: str) -> None:
    # Hypothesis found it (test_a_log_in_another_script_reads_as_its_text_in_every_encoding): kana in UTF-16
    # are "0" and a letter as often as not, read as UTF-8, so 60 % of text: wide_codec() said UTF-8, and the log
    # was read as text with zero bytes between its letters
    text = "\n".join(
        ["送信に失敗しました\u3000再試行します"] * 2 + [(CORPUS / "41-kazakhstan-shared-code.txt").read_text()]
    )
    data = _utf16(text, kind)
    assert wide_codec(data[:SNIFF]) == ENCODINGS[kind][1]
    assert decode(data) == text and extract(decode(data)) == extract(text) != []


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Co")) | st.sampled_from("\n\t\r\x1b"), max_size=600),
    st.integers(0, 2000),
)
def test_utf8_is_never_taken_for_utf16_or_utf32(text: str, zeros: int) -> None:
    # UTF-8 text holds no zero byte; a log truncated in place (logrotate's copytruncate) starts with zeros
    data = text.encode("utf-8", "surrogatepass")
    assert wide_codec(data[:SNIFF]) is None
    assert wide_codec((b"\x00" * zeros + data)[:SNIFF]) is None or not data


def test_a_log_truncated_in_place_reads_past_its_zeros() -> None:
    text = (CORPUS / "22-log-line-wrong-prefix.txt").read_text(encoding="utf-8")
    data = b"\x00" * 4096 + text.encode()
    expected = extract(decode(data))
    assert [e.code for e in expected] == [e.code for e in extract(text)] != []
    assert list(scan(io.BytesIO(data))) == expected
