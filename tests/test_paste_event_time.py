"""An error whose first line holds no time takes the time of the log event it is part of.

A Python or Java logger stamps the line that opens the event ("[2026-11-30 10:00:00,118] ERROR …") and
writes the traceback below it unstamped; the exception line, where the error is read, holds no time. So
triage showed no first or last seen for such errors, the most common shape of a Django, Celery or Spring
log. A pretty-printed Monitor alert holds its time on a line of its own ("date_created"). Paste and triage
read them alike.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan
from tests.shared import OFFLINE_ENV

PY_FRAME = (
    '  File "/srv/app/venv/lib/python3.11/site-packages/twilio/base/version.py", line {n}, in create\n    return x\n'
)
PY_ERROR = (
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send an SMS"
    " has not been enabled for the region indicated by the 'To' number: {to}."
)
JAVA_FRAME = "\tat com.twilio.base.Creator.create(Creator.java:{n})\n"
JAVA_ERROR = (
    "Caused by: com.twilio.exception.ApiException: Permission to send an SMS has not been enabled for the region"
    " indicated by the 'To' number: {to}."
)
STAMPS = ["[2026-11-30 10:0{m}:00,118] ERROR django.request: Internal Server Error: /notify/",
          "2026-11-30 10:0{m}:00.345 ERROR 1 --- [nio-8080-exec-3] c.e.sms.SmsService : send failed",
          "2026-11-30T10:0{m}:00Z app[worker.1]: ERROR sms task failed"]  # fmt: skip


def _event(stamp: str, minute: int, frames: int, java: bool, to: str) -> str:
    head = stamp.format(m=minute) + "\n"
    if java:
        body = "java.lang.RuntimeException: SMS delivery failed\n" + "".join(
            JAVA_FRAME.format(n=n) for n in range(frames)
        )
        return head + body + JAVA_ERROR.format(to=to) + "\n" + JAVA_FRAME.format(n=99)
    body = "Traceback (most recent call last):\n" + "".join(PY_FRAME.format(n=n) for n in range(frames))
    return head + body + PY_ERROR.format(to=to) + "\n"


def test_a_django_traceback_takes_the_time_of_its_log_line() -> None:
    text = _event(STAMPS[0], 1, 3, False, "+380501234567")
    (found,) = extract(text)
    assert (found.to, found.timestamp) == ("+380501234567", "2026-11-30 10:01:00,118")


def test_a_monitor_alert_takes_its_date_created() -> None:
    text = (Path(__file__).parent / "data" / "paste" / "18-monitor-alert.txt").read_text()
    assert '"date_created"' in text
    (found,) = extract(text)
    assert found.timestamp is not None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STAMPS),
            st.integers(0, 3),
            st.booleans(),
            st.sampled_from(["+380501234567", "+5511987654321"]),
        ),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 2),
)
def test_every_event_gives_its_time_in_paste_and_triage(events: list[tuple[str, int, bool, str]], noise: int) -> None:
    parts = []
    for minute, (stamp, frames, java, to) in enumerate(events):
        parts.append(_event(stamp, minute, frames, java, to))
        parts.append("".join(f"2026-11-30T10:0{minute}:30Z INFO request ok id={i}\n" for i in range(noise)))
    text = "".join(parts)
    found = extract(text)
    assert [e.timestamp is not None and e.timestamp[15] == str(m) for m, e in enumerate(found)] == [True] * len(
        events
    ), text
    assert list(scan(io.BytesIO(text.encode()))) == found


def test_triage_shows_first_and_last_seen_of_tracebacks(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(_event(STAMPS[0], 1, 3, False, "+380501234567") + _event(STAMPS[0], 4, 2, False, "+380501234568"))
    result = CliRunner().invoke(main, ["triage", str(log), "--format", "json"], env=OFFLINE_ENV)
    (group,) = json.loads(result.stdout)["groups"]
    assert (group["count"], group["first_seen"], group["last_seen"]) == (
        2,
        "2026-11-30T10:01:00.118Z",
        "2026-11-30T10:04:00.118Z",
    )
