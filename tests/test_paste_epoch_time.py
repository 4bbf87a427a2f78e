"""An epoch number labelled as the time (``"timestamp": 1764496800``, milliseconds ``1764496800000``) is the
error's time; a digit run without such a label never is, nor a number outside the years a log is written in.

A REST error body logged with ``"timestamp": 1764496800`` after its message had no time: the key was read
only when its value was a written date, and the line's timestamp is looked for in its first 160
characters. Where it was found there, the error's time read ``timestamp": 1764496800`` as written, and
9999999999 (the year 2286) was a time. Now the keys ``timestamp``, ``time``, ``ts``, ``date_created``
(``created_at``, ``epoch``) give an epoch value as the error's own time, in ISO 8601 UTC, between
September 2001 (ten digits) and 2100. Paste and triage read them alike.
"""

from __future__ import annotations

import datetime as dt
import io
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import extract, scan
from diagnose.paste._time import EPOCH_FROM, EPOCH_UNTIL, iso_utc, parse_timestamp
from tests.shared import OFFLINE_ENV

UTC = dt.timezone.utc
MESSAGE = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +33612345678"


def _times(text: str) -> list[object]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found  # triage's reader
    return [e.timestamp for e in found]


def _seen(text: str) -> list[tuple[object, object]]:
    """Triage's first and last seen of each group, and a paste's."""
    triaged = CliRunner().invoke(main, ["triage", "-", "--format", "json"], input=text, env=OFFLINE_ENV)
    pasted = CliRunner().invoke(main, ["-", "--format", "json"], input=text, env=OFFLINE_ENV)
    groups = [(g["first_seen"], g["last_seen"]) for g in json.loads(triaged.stdout)["groups"]]
    diagnoses = [
        (d["evidence"]["first_seen"], d["evidence"]["last_seen"]) for d in json.loads(pasted.stdout)["diagnoses"]
    ]
    assert groups == diagnoses
    return groups


def test_the_reported_body_takes_its_epoch_time() -> None:
    body = {"code": 21408, "message": MESSAGE, "more_info": "https://www.twilio.com/docs/errors/21408", "status": 400}
    for stamp in (1764496800, 1764496800000, "1764496800"):
        text = json.dumps({**body, "timestamp": stamp}) + "\n"
        assert _times(text) == ["2025-11-30T10:00:00Z"]  # was None: the key past the line's first 160 characters
        assert _seen(text) == [("2025-11-30T10:00:00Z", "2025-11-30T10:00:00Z")]
    # where the line's search found it, it read as written; now as the instant it names
    assert _times('{"timestamp": 1764496800123, "code": 21408, "to": "+33612345678"}\n') == ["2025-11-30T10:00:00.123Z"]


KEYS = ["timestamp", "Timestamp", "time", "ts", "date_created", "dateCreated", "created_at", "epoch"]


@settings(max_examples=150, deadline=None)
@given(
    when=st.datetimes(dt.datetime(2001, 9, 10), dt.datetime(2099, 12, 31), timezones=st.just(UTC)),
    key=st.sampled_from(KEYS),
    unit=st.sampled_from(["s", "ms", "s.frac"]),
    quoted=st.booleans(),
    shape=st.sampled_from(["json-first", "json-last", "logfmt", "list"]),
    prefix=st.sampled_from(["", "ERROR ", "web.1 | "]),
)
def test_a_labelled_epoch_is_the_error_s_time(
    when: dt.datetime, key: str, unit: str, quoted: bool, shape: str, prefix: str
) -> None:
    seconds = int(when.timestamp())
    if unit == "ms":
        written, when = (
            str(seconds * 1000 + when.microsecond // 1000),
            when.replace(microsecond=when.microsecond // 1000 * 1000),
        )
    elif unit == "s.frac":
        written, when = f"{seconds}.{when.microsecond:06d}", when
    else:
        written, when = str(seconds), when.replace(microsecond=0)
    value: object = written if quoted or "." in written else int(written)
    fields = {"code": 21408, "message": MESSAGE, "status": 400}
    if shape == "json-first":
        line = json.dumps({key: value, **fields})
    elif shape == "json-last":
        line = json.dumps({**fields, key: value})
    elif shape == "logfmt":
        line = f'level=error code=21408 to=+33612345678 msg="sms failed" {key}={written}'
    else:  # two errors on one line, each its own time, an hour apart
        later = float(written) + (3_600_000 if unit == "ms" else 3600)
        other = str(int(later)) if "." not in written else f"{later:.6f}"
        line = json.dumps([{key: written, **fields}, {key: other, "code": 21408, "to": "+2348031234567"}])
    found = _times(prefix + line + "\n")
    expected = [iso_utc(when)]
    if shape == "list":
        expected.append(iso_utc(when + dt.timedelta(hours=1)))
    assert found == expected
    # first seen is written to the millisecond (iso_utc)
    assert min(first for first, _ in _seen(prefix + line + "\n")) == iso_utc(parse_timestamp(iso_utc(when)))  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    number=st.one_of(
        st.integers(10**9, 10**10 - 1),  # ten digits: seconds
        st.integers(10**12, 10**13 - 1),  # thirteen: milliseconds
    ),
    place=st.sampled_from(
        [
            '{{"code": 21408, "to": "+33612345678", "id": {n}}}',  # a label that names no time
            '{{"code": 21408, "to": "+33612345678", "count": "{n}"}}',
            "ERROR sms send failed code=21408 to=+33612345678 order {n}",  # no label at all
            "ERROR sms send failed code=21408 to=+33612345678 request={n}",
            '{{"code": 21408, "to": "+33612345678", "timestamp": {n}}}',  # labelled: a time when in range
        ]
    ),
)
def test_a_digit_run_is_a_time_only_under_a_time_s_label_and_in_sane_years(number: int, place: str) -> None:
    text = place.format(n=number) + "\n"
    (stamp,) = _times(text)
    if "timestamp" not in place:
        assert stamp is None
        return
    millis = number >= 10**12
    when = dt.datetime(1970, 1, 1, tzinfo=UTC) + (
        dt.timedelta(milliseconds=number) if millis else dt.timedelta(seconds=number)
    )
    assert stamp == (iso_utc(when) if EPOCH_FROM <= when < EPOCH_UNTIL else None)
