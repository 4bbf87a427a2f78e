"""Each error keeps its own time: the ``timestamp`` (``time``, ``ts``, ``date_created``) field of its own record.

Two errors on one line, each with its own time (a JSON list of error objects, a batch's results), both
took the first: a ``timestamp`` written before its record's code was taken for the record before it, and
``time``, ``ts`` and ``date_created`` were not read as the error's time at all, so the line's first
timestamp was every error's. Paste and triage read them alike, and triage's first and last seen are the
earliest and latest of the errors' own times.
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
from diagnose.paste._time import iso_utc, parse_timestamp
from tests.shared import OFFLINE_ENV

UTC = dt.timezone.utc
NUMBERS = ["+33612345678", "+2348031234567", "+447700900123", "+5511987654321"]


def _times(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found  # triage's reader
    return [(e.to, e.timestamp) for e in found]


def _triage(text: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["triage", "-", "--format", "json"], input=text, env=OFFLINE_ENV)
    return json.loads(result.stdout)


def test_the_reported_line_gives_each_error_its_own_time() -> None:
    text = (
        '[{"timestamp": "2026-11-30T09:15:02Z", "code": 21408, "to": "+33612345678"},'
        ' {"timestamp": "2026-11-30T11:40:00Z", "code": 21408, "to": "+33612345678"}]\n'
    )
    assert _times(text) == [("+33612345678", "2026-11-30T09:15:02Z"), ("+33612345678", "2026-11-30T11:40:00Z")]
    (group,) = _triage(text)["groups"]  # type: ignore[misc]
    assert (group["count"], group["first_seen"], group["last_seen"]) == (
        2,
        "2026-11-30T09:15:02Z",
        "2026-11-30T11:40:00Z",  # was 09:15:02 twice
    )
    pasted = CliRunner().invoke(main, ["-", "--format", "json"], input=text, env=OFFLINE_ENV)
    (diagnosis,) = json.loads(pasted.stdout)["diagnoses"]
    assert (diagnosis["evidence"]["first_seen"], diagnosis["evidence"]["last_seen"]) == (
        "2026-11-30T09:15:02Z",
        "2026-11-30T11:40:00Z",
    )


KEYS = ["timestamp", "Timestamp", "time", "ts", "date_created", "dateCreated"]


def _written(when: dt.datetime, form: str) -> str:
    if form == "iso":
        return iso_utc(when)
    if form == "offset":
        return when.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")  # RFC 2822, as Twilio's date_created


@settings(max_examples=120, deadline=None)
@given(
    times=st.lists(
        st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1), timezones=st.just(UTC)).map(
            lambda t: t.replace(microsecond=0)
        ),
        min_size=2,
        max_size=4,
    ),
    key=st.sampled_from(KEYS),
    form=st.sampled_from(["iso", "offset", "rfc2822"]),
    place=st.sampled_from(["first", "middle", "last"]),
    container=st.sampled_from(["list", "errors", "lines"]),
    prefix=st.sampled_from(["", "2026-12-01T08:00:00Z ERROR batch failed: ", "ERROR "]),
)
def test_each_error_on_a_line_keeps_its_own_time(
    times: list[dt.datetime], key: str, form: str, place: str, container: str, prefix: str
) -> None:
    records = []
    for i, when in enumerate(times):
        fields: list[tuple[str, object]] = [("code", 21408), ("to", NUMBERS[i])]
        fields.insert({"first": 0, "middle": 1, "last": 2}[place], (key, _written(when, form)))
        records.append(dict(fields))
    if container == "list":
        line = json.dumps(records)
    elif container == "errors":
        line = json.dumps({"status": "partial", "errors": records})
    else:  # logfmt records, one after the other
        line = " ; ".join(
            " ".join(f'{k}="{v}"' if " " in str(v) else f"{k}={v}" for k, v in r.items()) for r in records
        )
    found = _times(prefix + line + "\n")
    assert [to for to, _ in found] == NUMBERS[: len(times)]
    for (_, stamp), when in zip(found, times, strict=True):
        assert parse_timestamp(str(stamp)) == when
    first, last = iso_utc(min(times)), iso_utc(max(times))
    data = _triage(prefix + line + "\n")
    assert min(g["first_seen"] for g in data["groups"]) == first  # type: ignore[index, union-attr]
    assert max(g["last_seen"] for g in data["groups"]) == last  # type: ignore[index, union-attr]
