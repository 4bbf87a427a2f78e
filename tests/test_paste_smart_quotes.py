"""Curled quotes, as a chat or a mail client turns a pasted error's straight ones, read as the straight ones.

A status callback's JSON pasted into Slack ({“ErrorCode”: “30007”, “To”: “+234…”}) gave "no Twilio error
found"; a REST error body so curled lost its HTTP status and its format. Paste and triage read them alike.
"""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest

from diagnose.paste import extract, scan

CORPUS = Path(__file__).parent / "data" / "paste"
# the samples a chat client would change: those that hold a straight quote
SAMPLES = sorted(s for s in CORPUS.glob("*.txt") if any(c in s.read_text(encoding="utf-8") for c in "\"'"))


def curled(text: str) -> str:
    """``text`` with its straight quotes curled, opening and closing in turn, as a chat client types them."""
    doubles, singles = itertools.cycle("“”"), itertools.cycle("‘’")
    return "".join(next(doubles) if c == '"' else next(singles) if c == "'" else c for c in text)


def _fields(text: str) -> list[tuple[object, ...]]:
    return [
        (e.code, e.http_status, e.to, e.from_, e.country, e.account_sid, e.message_sid, e.status, e.format)
        for e in extract(text)
    ]


def test_the_samples() -> None:
    (callback,) = extract("{“ErrorCode”: “30007”, “To”: “+2348031234567”, “MessageStatus”: “undelivered”}")
    assert (callback.code, callback.to, callback.country, callback.format) == (
        30007,
        "+2348031234567",
        "NG",
        "status-callback",
    )
    (body,) = extract(
        "{“code”: 21408, “message”: “Permission to send an SMS has not been enabled for the region indicated by the"
        " ‘To’ number: +2348031234567.”, “status”: 400}"
    )
    assert (body.code, body.http_status, body.to, body.format) == (21408, 400, "+2348031234567", "rest-error")


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_every_sample_reads_alike_with_its_quotes_curled(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    assert _fields(curled(text)) == _fields(text)
    data = curled(text).encode()
    assert list(scan(io.BytesIO(data))) == extract(curled(text))
