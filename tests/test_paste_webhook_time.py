"""A Debugger webhook's ``Timestamp`` field is the error's time.

The form writes it with its colons encoded (``Timestamp=2026-11-30T09%3A15%3A02Z``), often far along a
long line, and the timestamp search reads text as written, near a line's start: the error had no time,
and triage no first or last seen for a log of webhooks. The field's time is the error's own, so it wins
over the stamp of the line the app logged it on. Paste and triage read them alike.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan
from diagnose.paste._time import parse_timestamp
from tests.shared import OFFLINE_ENV

UTC = dt.timezone.utc
PAYLOAD = (
    '{"resource_sid":"SM66666666666666666666666666666666","service_sid":null,"error_code":"21408",'
    '"more_info":{"msg":"Permission to send an SMS has not been enabled for the region indicated by the \'To\' number",'
    '"To":"+201001234567"},"webhook":{}}'
)
FIELDS = [
    "AccountSid=AC44444444444444444444444444444444",
    "Level=ERROR",
    "ParentAccountSid=AC55555555555555555555555555555555",
    "Payload=" + quote_plus(PAYLOAD),
    "PayloadType=application%2Fjson",
    "Sid=NO77777777777777777777777777777777",
]


def _webhook(when: dt.datetime, at: int, rfc: bool = False) -> str:
    written = when.strftime("%a, %d %b %Y %H:%M:%S +0000") if rfc else when.strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = list(FIELDS)
    fields.insert(at, "Timestamp=" + (quote_plus(written) if rfc else quote(written, safe="")))
    return "&".join(fields)


def _times(text: str) -> list[dt.datetime | None]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    return [parse_timestamp(e.timestamp) if e.timestamp else None for e in found]


def test_the_corpus_webhooks_take_their_timestamp() -> None:
    corpus = Path(__file__).parent / "data" / "paste"
    for name, when in [
        ("16-debugger-webhook-form", dt.datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC)),
        ("89-debugger-payload-30008", dt.datetime(2026, 11, 30, 10, 12, tzinfo=UTC)),
    ]:
        assert _times((corpus / f"{name}.txt").read_text()) == [when], name


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2035, 1, 1)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
    st.integers(0, len(FIELDS)),
    st.booleans(),
    st.sampled_from(["", "2026-01-02 03:04:05,678 INFO twilio debugger webhook: ", "May 14 10:22:31 web01 app[7]: "]),
)
def test_the_timestamp_field_is_the_errors_time(when: dt.datetime, at: int, rfc: bool, prefix: str) -> None:
    text = prefix + _webhook(when, at, rfc) + "\n"
    assert _times(text) == [when], text


def test_triage_shows_first_and_last_seen_of_webhooks(tmp_path: Path) -> None:
    log = tmp_path / "webhooks.log"
    first, last = dt.datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC), dt.datetime(2026, 11, 30, 11, 0, 59, tzinfo=UTC)
    log.write_text(_webhook(last, 6) + "\n" + _webhook(first, 0) + "\n")
    result = CliRunner().invoke(main, ["triage", str(log), "--format", "json"], env=OFFLINE_ENV)
    (group,) = json.loads(result.stdout)["groups"]
    assert (group["count"], group["first_seen"], group["last_seen"]) == (
        2,
        "2026-11-30T09:15:02Z",
        "2026-11-30T11:00:59Z",
    )
