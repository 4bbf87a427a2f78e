"""Hypothesis fuzzes every paste parser: generated text and mutations of the real samples."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from diagnose.models import Evidence
from diagnose.paste import FORMATS, extract, extract_bytes, mask_numbers, read_number, redact_secrets, scan
from diagnose.paste._extract import unwrap
from diagnose.paste._parse import parse_curl, parse_exceptions, parse_fields, parse_log_line, parse_urls
from diagnose.paste._text import MAX_LINE, clean
from diagnose.paste._wording import default_table

SAMPLES = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parent / "data" / "paste").glob("*.txt"))]
ALPHABET = st.sampled_from(
    [*list("0123456789+*xX{}[]\"':=&%,. \n\t\\/-()<>;"), "error", "code", "To", "21408", "\x1b["]
)
tokens = st.lists(ALPHABET, max_size=80).map("".join)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A real sample cut, spliced, with characters inserted or deleted."""
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        action = draw(st.sampled_from(["cut", "insert", "delete", "truncate", "duplicate"]))
        if action == "cut":
            text = text[i:]
        elif action == "insert":
            text = text[:i] + draw(tokens) + text[i:]
        elif action == "delete":
            text = text[:i] + text[j:]
        elif action == "truncate":
            text = text[:i]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def _check(found: list[Evidence]) -> None:
    for e in found:
        assert e.kind == "paste"
        assert e.format in FORMATS
        # a code, or none for an SDK's exception that printed none in words no wording names (docs/report-format.md)
        assert (isinstance(e.code, int) and 0 < e.code < 100000) or (e.code is None and e.code_source == "unknown")
        assert len(e.excerpt) <= 1201 + 1200  # bounded, whatever the input
        assert e.country is None or (len(e.country) == 2 and e.country.isupper())
        assert e.country_confidence in (None, "high", "medium", "low")
        assert e.to is None or e.to.startswith("+")


@FUZZ
@given(st.text(max_size=400))
def test_extract_any_text(text: str) -> None:
    _check(extract(text))


@FUZZ
@given(tokens)
def test_extract_token_soup(text: str) -> None:
    _check(extract(text))


@FUZZ
@given(mutated())
def test_extract_mutated_samples(text: str) -> None:
    _check(extract(text))


@FUZZ
@given(st.binary(max_size=600))
def test_extract_any_bytes(data: bytes) -> None:
    _check(extract_bytes(data))


@FUZZ
@given(st.one_of(st.text(max_size=300), tokens, mutated().map(lambda s: s[:MAX_LINE])))
def test_each_line_parser(text: str) -> None:
    line = clean(text.replace("\n", " "))
    table = default_table()
    for hits in (
        parse_fields(line, 0),
        parse_exceptions(line, 0),
        parse_curl(line, 0),
        parse_urls(line, 0),
        parse_log_line(line, 0, lambda code: True),
    ):
        for hit in hits:
            assert hit.code is None or 10000 <= hit.code <= 99999
            assert hit.message is None or len(hit.message) <= 500
            assert hit.format is None or hit.format in FORMATS
    table.match(line, True)
    assert len(unwrap(text.split("\n"))) == len(text.split("\n"))


@FUZZ
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\A\+?[0-9*x ()-]{0,20}\Z")))
def test_read_number(text: str) -> None:
    reading = read_number(text)
    assert reading.confidence in (None, "high", "medium", "low")
    assert reading.country is None or len(reading.country) == 2
    if reading.masked:
        assert reading.e164 is None


@FUZZ
@given(st.one_of(st.text(max_size=300), mutated()))
def test_redaction_never_leaks_a_token(text: str) -> None:
    token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    assume(token not in text)
    for line in (
        f"{text} auth_token={token}",
        f"Authorization: Basic {token}",
        f"https://AC{'1' * 32}:{token}@api.twilio.com {text}",
        f"{text} TWILIO_AUTH_TOKEN={token}",
    ):
        assert token not in redact_secrets(line)
    masked = mask_numbers(text + " +33612345678")
    assert "+33612345678" not in masked


def _redacted_case_blind(text: str) -> str:
    """redact_secrets as written before it lowered the text once: each case-blind pattern with (?i)."""
    from diagnose.paste import _redact

    low = text.lower()
    if "authorization" in low:
        text = _redact._sub(_redact._BLIND["auth"][0], text)
    if "://" in text and "@" in text:
        text = _redact._sub(_redact._BLIND["url"][0], text, tail=True)
    if "-u" in text:
        text = _redact._sub(_redact._CURL_USER, text)
    if any(word in text.lower() for word in ("token", "secret", "passw", "pwd")):
        text = _redact._sub(_redact._BLIND["labelled"][0], text)
    return _redact._HEX_TOKEN.sub(_redact.REDACTED, text)


_SECRET_PARTS = st.sampled_from(
    [
        "Authorization",
        "AUTHORIZATION: bearer ",
        "auth_token",
        "Api-Secret",
        "PASSWORD",
        "pwd",
        "TOKEN",
        "token",
        "Twilio_Auth_Token",
        "https://",
        "HTTP://",
        "AC" + "1" * 32,
        "-u ",
        "--user ",
        ":",
        "=",
        "=>",
        '"',
        "'",
        " ",
        "\t",
        "\n",
        "@",
        "ı",
        "ſ",
        "İ",
        "K",
        "$TOKEN",
        "<token>",
        "s3cr3t",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "é",
    ]
)


@FUZZ
@given(st.one_of(st.lists(_SECRET_PARTS, max_size=30).map("".join), st.text(max_size=200), mutated()))
@example("token ſecret=s3cr3t")  # (?i) reads ſ as s and ı as i; lower() keeps them
@example("authorization authorızation: s3cr3t")
@example("İ token=s3cr3t")  # lower() makes İ two characters: the offsets move
def test_redaction_reads_lowered_text_as_case_blind_patterns_read_the_text(text: str) -> None:
    # the patterns run case-sensitively over text.lower(): the same secrets go, in any case and any script
    assert redact_secrets(text) == _redacted_case_blind(text)


@FUZZ
@given(st.one_of(st.binary(max_size=600), mutated().map(str.encode)), st.integers(16, 4096))
@example(b"(\xb5/\xfd", 16)  # a zstd frame's magic: Hypothesis found it once scan() refused zstd
@example(b"PK\x03\x04", 16)
def test_stream_any_bytes_any_chunk_size(data: bytes, chunk: int) -> None:
    import io

    from diagnose.errors import InputError
    from diagnose.paste import scan
    from diagnose.paste._compressed import HEAD, kind_of

    kind = kind_of(data[:HEAD])
    if kind in ("zstd", "zip"):  # refused as `diagnose -` refuses them (b"(\xb5/\xfd" opens a zstd frame)
        with pytest.raises(InputError, match=f"{kind}-compressed"):
            list(scan(io.BytesIO(data), chunk_size=chunk))
        return
    found = list(scan(io.BytesIO(data), chunk_size=chunk))
    _check(found)
    lines = [e.line for e in found]
    assert lines == sorted(lines)


# A log's own lines around an error: each opens with its time, and some hold fields a parser reads.
NEIGHBOURS = st.sampled_from(
    [
        'INFO  level=info msg="request done" path=/api/v2/orders/7 duration=12ms',
        "INFO  GET /api/v1/users/42 status=200",
        "DEBUG to: ops@example.com",
        "INFO  message delivered to +4915112345678",
        "WARN  account=AC9999999999999999999999999999999f quota at 80%",
    ]
)
# How loggers open a line (docs/sources.md, "Log lines"): ISO 8601, syslog, a container's name; Go's log package,
# glog, Ruby's Logger, logback's time of day, AWS Lambda's Python runtime (its level first); and none at all, where
# each line names its level first
STAMP_FORMS = [
    "2026-11-30T10:00:0{}Z ",
    "Nov 30 10:00:0{} web-2 app[812]: ",
    "web-1  | 2026-11-30 10:00:0{},250 ",
    "2026/11/30 10:00:0{} ",
    "E1130 10:00:0{}.118123   12 sms.go:40] ",
    "E, [2026-11-30T10:00:0{}.118000 #123] ERROR -- : ",
    "10:00:0{}.118 [main] ",
    "[ERROR]\t2026-11-30T10:00:0{}.118Z\t6f1c2d3e-5b7a-4c1e-9f00-0a1b2c3d4e5f\t",
]
LOG_STAMPS = st.sampled_from([*STAMP_FORMS, ""])
ERROR_LINES = [
    "ERROR sms send failed code=21408 to=+33612345678 account=AC1111111111111111111111111111111a",
    "ERROR twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to"
    " send an SMS has not been enabled for the region indicated by the 'To' number: +2348031234567",
    "ERROR call 7 failed: Status: 400 - ApiError 21215: Account not authorized to call +919812345678",
    # twilio-ruby's message sits on the line below, never on the next log event's
    "ERROR Twilio::REST::RestError: [HTTP 400] 21408 : Unable to create record",
]


@FUZZ
@given(
    st.sampled_from(ERROR_LINES),
    LOG_STAMPS,
    st.lists(NEIGHBOURS, max_size=6),
    st.lists(NEIGHBOURS, max_size=6),
    st.booleans(),
)
def test_an_unrelated_log_line_lends_an_error_nothing(
    error: str, stamp: str, before: list[str], after: list[str], one_second: bool
) -> None:
    # each line is a log event of its own (its own second, or the same one: each names its level after its
    # stamp, or first where the log stamps none): the error reads as if it stood alone
    lines = [*before, error, *after]
    text = "\n".join(stamp.format(0 if one_second else i) + line for i, line in enumerate(lines))
    alone = stamp.format(0 if one_second else len(before)) + error
    found = [e for e in extract(text) if e.code is not None]
    assert [(e.code, e.message, e.to, e.account_sid, e.excerpt) for e in found] == [
        (e.code, e.message, e.to, e.account_sid, e.excerpt) for e in extract(alone)
    ]


# a line that no log stamped, and the errors below it that name no number: no line of theirs goes on from it
UNSTAMPED = st.sampled_from(
    [
        "to=+33612345678 account=AC0123456789abcdef0123456789abcdef",
        "queued sms to=+33612345678 account=AC0123456789abcdef0123456789abcdef",
        '{"to": "+33612345678", "account_sid": "AC0123456789abcdef0123456789abcdef"}',
    ]
)
BARE_ERRORS = st.sampled_from(["ERROR twilio error 21408", "ERROR sms failed code=21610", "WARN twilio alert 13227"])


@FUZZ
@given(UNSTAMPED, BARE_ERRORS, st.sampled_from(STAMP_FORMS))
def test_a_line_above_a_stamped_error_lends_it_nothing_and_one_below_goes_on(
    other: str, error: str, stamp: str
) -> None:
    stamped = stamp.format(1) + error
    # above: the end of another event (or of none); the error's line starts its own
    [found] = extract(other + "\n" + stamped)
    assert (found.to, found.account_sid, found.line) == (None, None, 2), stamped
    assert list(scan(io.BytesIO((other + "\n" + stamped).encode()))) == [found]
    # below, with no stamp of its own: the error's event goes on there
    [found] = extract(stamped + "\n" + other)
    assert (found.to, found.account_sid, found.line) == ("+33612345678", "AC0123456789abcdef0123456789abcdef", 1)


def test_lines_stamped_at_one_instant_are_one_event() -> None:
    # journald and `docker logs -t` stamp every line of a traceback: its to= still reaches the error
    stamp = "Nov 30 10:00:01 web-2 app[812]: "
    text = "\n".join(
        stamp + line
        for line in [
            "Traceback (most recent call last):",
            '  File "/srv/app/sms.py", line 14, in send',
            "    client.messages.create(to='+33612345678', from_='+15017122661', body='hi')",
            "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send"
            " an SMS has not been enabled for the region indicated by the 'To' number",
        ]
    )
    [error] = extract(text)
    assert (error.code, error.to, error.country) == (21408, "+33612345678", "FR")


GROUPED = ["+442071838750", "+33612345678", "+14155550100", "+2348031234567", "+919812345678", "+5511998101848"]


@FUZZ
@given(st.sampled_from(GROUPED), st.lists(st.integers(1, 4), min_size=1, max_size=5), st.sampled_from([" ", "\t"]))
def test_a_number_written_in_groups_after_a_key_is_read_whole(number: str, cuts: list[int], sep: str) -> None:
    # `to=+44 20 7183 8750`: an unquoted value stops at the first space, but the number does not
    groups, rest = [number[:3]], number[3:]
    for size in cuts:
        if rest:
            groups.append(rest[:size])
            rest = rest[size:]
    if rest:
        groups.append(rest)
    line = f"2026-11-30T10:00:00Z ERROR sms failed code=21408 to={sep.join(groups)} account=AC{'1' * 32}"
    [error] = extract(line)
    assert (error.to, error.account_sid) == (number, "AC" + "1" * 32)
