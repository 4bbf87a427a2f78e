"""A line syslog relayed keeps the time its app wrote, which names the year and the zone.

In ``May 14 10:22:31 web01 gunicorn[123]: [2024-05-14 10:22:31 +0000] [123] [ERROR] …`` the error's time
was syslog's stamp, which has no year: triage dated it in the current year. The app's own stamp after
syslog's header now wins when it names the year, in its zone. A date further on in the message is the
message's, not the line's. Paste and triage read them alike.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan
from diagnose.paste._time import parse_timestamp
from tests.shared import OFFLINE_ENV

UTC = dt.timezone.utc
ERROR = "twilio error 21408 sending to +33612345678"
HEADERS = [" web01 gunicorn[123]: ", " web01 gunicorn: ", " ip-10-0-0-7.ec2.internal docker/3f2a9c[811]: ", " app[7]: "]
# the app's stamp of 2024-05-14 10:22:31 UTC, as apps write it
INNER = [
    "[2024-05-14 10:22:31 +0000] [123] [ERROR] ",
    "[2024-05-14 12:22:31 +0200] [123] [ERROR] ",
    "2024-05-14 10:22:31,000 ERROR app.sms: ",
    "2024-05-14T10:22:31Z ERROR ",
    "2024-05-14T05:22:31-05:00 error: ",
    "Tue, 14 May 2024 10:22:31 +0000 ERROR ",
]


def _read(text: str) -> list[dt.datetime | None]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    return [parse_timestamp(e.timestamp) if e.timestamp else None for e in found]


def test_the_reported_line_is_of_2024() -> None:
    text = f"May 14 10:22:31 web01 gunicorn[123]: [2024-05-14 10:22:31 +0000] [123] [ERROR] {ERROR}\n"
    assert _read(text) == [dt.datetime(2024, 5, 14, 10, 22, 31, tzinfo=UTC)]


def test_a_date_in_the_message_is_not_the_lines() -> None:
    text = f"May 14 10:22:31 web01 app[7]: reminder for 2024-06-01 09:00:00 failed: {ERROR}\n"
    (found,) = extract(text)
    assert found.timestamp == "May 14 10:22:31"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["May 14 10:22:31", "May 14 12:22:31", "May 14 10:22:30"]),
    st.sampled_from(HEADERS),
    st.sampled_from(INNER),
    st.integers(0, 2),
)
def test_the_apps_stamp_wins_in_its_zone(syslog: str, header: str, inner: str, others: int) -> None:
    noise = "".join(f"May 14 10:2{i}:00 web01 cron[9]: job ok\n" for i in range(others))
    text = noise + syslog + header + inner + ERROR + "\n"
    assert _read(text) == [dt.datetime(2024, 5, 14, 10, 22, 31, tzinfo=UTC)], text


def test_triage_dates_the_group_in_the_logs_year(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text(
        f"May 14 10:22:31 web01 gunicorn[123]: [2024-05-14 10:22:31 +0000] [123] [ERROR] {ERROR}\n"
        f"May 14 10:25:02 web01 gunicorn[123]: [2024-05-14 12:25:02 +0200] [123] [ERROR] {ERROR}\n"
    )
    result = CliRunner().invoke(main, ["triage", str(log), "--format", "json"], env=OFFLINE_ENV)
    (group,) = json.loads(result.stdout)["groups"]
    assert (group["count"], group["first_seen"], group["last_seen"]) == (
        2,
        "2024-05-14T10:22:31Z",
        "2024-05-14T10:25:02Z",
    )
