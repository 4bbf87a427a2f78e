"""Errors whose separators are escaped: lines joined by ``\\n`` / ``\\r\\n`` escapes inside a JSON string (a
docker or Kubernetes JSON log line, a CloudWatch record, JSON inside JSON), by ``%0A`` in a form body or
``&#10;`` in HTML; words spaced by ``&#32;``, ``&nbsp;``, ``\\u0020`` or a colour code. The pre-filter and the
anchor test of a log's reader let such a line through whenever a paste finds an error in it, and the
reader finds what a paste of the same text finds."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan
from diagnose.paste._extract import _is_wording, is_anchor
from diagnose.paste._stream import _candidates, _is_anchor_line
from diagnose.paste._text import clean
from diagnose.paste._wording import default_table
from tests.test_paste_truncated_wording import PREFIXES, TAILS

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))


def _docker(body: str) -> str:  # `docker logs`' json-file driver, Kubernetes' container logs
    return json.dumps({"log": body + "\n", "stream": "stderr", "time": "2026-11-30T10:00:00.123456789Z"})


def _cloudwatch(body: str) -> str:
    return json.dumps({"timestamp": 1764496800000, "message": body, "logStream": "app/web/1"})


def _json_in_json(body: str) -> str:  # a log shipper's record holding the application's JSON record
    return json.dumps({"message": json.dumps({"level": "error", "msg": body})})


def _form(body: str) -> str:  # a form body logged as sent: its line breaks are %0A
    return "2026-11-30T10:00:00Z DEBUG body=AccountSid=AC" + "c" * 32 + "&Payload=" + quote_plus(body)


def _html(body: str) -> str:  # a support ticket's HTML export
    return "<td>" + "&#10;".join(body.replace("&", "&amp;").split("\n")) + "</td>"


def _crlf(wrap: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return wrap.map(lambda f: lambda body: f(body.replace("\n", "\r\n")))


WRAPS = st.sampled_from([_docker, _cloudwatch, _json_in_json, _form, _html])
NOISE = st.lists(
    st.sampled_from(
        [
            "2026-11-30T10:00:00Z INFO GET /api/v1/users/42 200 12ms",
            '{"log":"INFO request done\\n","stream":"stdout","time":"2026-11-30T10:00:00Z"}',
            "2026-11-30T10:00:01Z WARN upstream http 503 from payments",
            "",
        ]
    ),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.one_of(WRAPS, _crlf(WRAPS)),
    NOISE,
    NOISE,
    st.sampled_from([257, 4096, 1 << 20]),
)
def test_an_error_joined_by_escaped_line_breaks_reads_as_in_a_paste(
    sample: Path, wrap: object, before: list[str], after: list[str], chunk: int
) -> None:
    body = sample.read_text(encoding="utf-8").rstrip("\n")
    line = wrap(body)  # type: ignore[operator]
    text = "\n".join([*before, line, *after]) + "\n"
    expected = extract(text)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected
    if extract(line):
        # the line that holds an error gets through the pre-filter and is an anchor, as in a paste
        data = line.encode()
        assert _candidates(data) == [0]
        assert _is_anchor_line(data, 0, len(data))


# Escapes a paste decodes or drops before it reads a message's words: HTML entities (a line break one too),
# JSON's \u escapes and line breaks, colour codes
ESCAPED = st.sampled_from(
    [
        *("&#32;", "&nbsp;", "&#160;", "&#x20;", "&#10;", "&NewLine;", "\\u0020", "\\u00a0", "\x1b[0m ", " \x1b[1;31m"),
        *("\\n", "\\r\\n", "\\t"),  # a JSON string's line breaks and tab: "for the\nregion" is not "nregion"
    ]
)
SPACES = st.sampled_from([" ", "  ", "\u00a0", ": "])


def _wordings() -> list[tuple[int, str]]:
    """Every wording of a code the knowledge explains, and every cut of one that loses its anchor word."""
    table = default_table()
    whole = {
        (w.code, w.written) for bucket in table._by_bigram.values() for _, w in bucket if w.code in table.known_codes
    }
    return sorted(whole) + TAILS


WORDINGS = _wordings()


def table_codes(written: str) -> set[int]:
    """The codes whose wordings are ``written`` (most wordings are one code's)."""
    return {code for code, text in WORDINGS if text == written}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(WORDINGS),
    st.data(),
    st.sampled_from(PREFIXES),
    st.lists(st.sampled_from(["INFO ok", "2026-11-30T10:00:00Z DEBUG cache hit", ""]), max_size=30),
    st.sampled_from([1, 7, 257, 1 << 20]),
)
def test_a_wording_spaced_by_escapes_reads_as_in_a_paste(
    wording: tuple[int, str], data: st.DataObject, prefix: str, around: list[str], chunk: int
) -> None:
    code, written = wording
    words = written.split()
    line = prefix + words[0] + "".join(data.draw(st.one_of(ESCAPED, SPACES)) + word for word in words[1:])
    half = len(around) // 2
    text = "\n".join([*around[:half], line, *around[half:]]) + "\n"
    expected = extract(text)
    # a paste reads through the escapes: the code of the wording spaced by spaces (a wording two codes share
    # reads as one of them)
    assert [e.code for e in expected] == [e.code for e in extract(prefix + written)]
    assert len(expected) == 1 and code in table_codes(written)
    assert list(scan(io.BytesIO(text.encode()), chunk_size=chunk)) == expected


def test_each_escape_between_a_cut_wordings_words_is_read_by_a_log_reader() -> None:
    # triage's pre-filter once let only spaces and punctuation between the words: an entity's or a \u
    # escape's letters and digits hid "Dial: Call blocked by T" and "Dial: Forbidden phone number" from it
    for line in (
        "Dial: Call&#32;blocked&#32;by&#32;T",
        "Dial: Call\\u0020blocked\\u0020by\\u0020T",
        "Dial: Call blocked\x1b[0m by T",
        "Account&nbsp;not&nbsp;allowed&nbsp;to&nbsp;c",
        "Dial: Forbidden&nbsp;phone&nbsp;number",
        "Failed\\u0020to\\u0020Update\\u0020Geo P",
    ):
        text = "2026-11-30T10:00:00Z ERROR " + line + "\n"
        expected = extract(text)
        assert len(expected) == 1, line
        data = text.encode()
        assert _candidates(data) == [0], line
        assert list(scan(io.BytesIO(data))) == expected, line


def test_an_html_escaped_line_break_leaves_a_line_one_line() -> None:
    # "&#10;" unescaped into a line break inside a line moved every line after it in a window's reading: a
    # paste read nothing in a Monitor alert's HTML export that triage, reading the line alone, read
    body = (CORPUS / "18-monitor-alert.txt").read_text(encoding="utf-8").rstrip("\n")
    text = "2026-11-30T09:59:59Z INFO start\n" + _html(body) + "\n2026-11-30T10:00:01Z INFO done\n"
    expected = extract(text)
    assert [(e.code, e.to, e.line) for e in expected] == [(21408, "+6281234567890", 2)]
    assert list(scan(io.BytesIO(text.encode()))) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["&#10;", "&#13;", "&NewLine;", "&#8232;", "&#x2029;", "&#12;", "&#x0a;", "&amp;", "a", " "])
        | st.text(max_size=4),
        max_size=12,
    ).map("".join)
)
def test_a_cleaned_line_holds_no_line_break(line: str) -> None:
    cleaned = clean(" ".join(line.splitlines()))  # a line as a paste splits it: no break of its own
    assert len(cleaned.splitlines()) <= 1, repr(cleaned)


def test_the_wordings_spaced_by_escapes_are_no_anchors_by_their_words_alone() -> None:
    # why _is_anchor_line tests these lines as wordings: is_anchor reads no escape
    table = default_table()
    line = clean("Dial: Forbidden\\u0020phone\\u0020number")
    assert not is_anchor(line) and _is_wording(line, table)
