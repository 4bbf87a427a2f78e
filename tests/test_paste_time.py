"""First and last seen compare instants: log timestamps parsed in every form a log writes them."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.models import Evidence
from diagnose.paste import Groups, merge_duplicates
from diagnose.paste._text import timestamp
from diagnose.paste._time import EPOCH_FROM, EPOCH_UNTIL, iso_utc, parse_timestamp, shown

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ZONES = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
TIMES = st.datetimes(min_value=dt.datetime(2002, 1, 1), max_value=dt.datetime(2200, 12, 31), timezones=ZONES)


@given(st.text(max_size=80), st.none() | st.integers(min_value=-(10**6), max_value=10**6))
def test_any_text_gives_a_time_or_none(text: str, year: int | None) -> None:
    when = parse_timestamp(text, year=year)
    assert when is None or when.tzinfo is not None


@given(
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?"
    )
)
def test_impossible_dates_and_zones_give_none_not_an_error(text: str) -> None:
    when = parse_timestamp(text)
    assert when is None or when.utcoffset() == dt.timedelta(0)


def _forms(when: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(text, the instant it can carry) in every form a log writes."""
    seconds = when.replace(microsecond=0)
    millis = when.replace(microsecond=when.microsecond // 1000 * 1000)
    utc = when.astimezone(UTC)
    return [
        (when.isoformat(), when),
        (when.strftime("%Y-%m-%dT%H:%M:%S") + f".{when.microsecond:06d}" + when.strftime("%z"), when),
        (utc.strftime("%Y-%m-%d %H:%M:%S,") + f"{utc.microsecond // 1000:03d}", millis),
        (utc.strftime("%Y-%m-%dT%H:%M:%SZ"), seconds),
        (email.utils.format_datetime(seconds), seconds),
        (seconds.strftime("%d/%b/%Y:%H:%M:%S %z"), seconds),
        (f"ts={(seconds - EPOCH) // dt.timedelta(seconds=1)}", seconds),
        (f'"timestamp": {(millis - EPOCH) // dt.timedelta(milliseconds=1)}', millis),
    ]


@given(TIMES)
def test_every_form_reads_back_as_the_same_instant(when: dt.datetime) -> None:
    for text, meant in _forms(when):
        if text[:3] in ("ts=", '"ti') and not EPOCH_FROM <= meant < EPOCH_UNTIL:
            # an epoch number past 2100 is some other number under a time's label (an id, a count)
            assert timestamp(f"x {text} y") is None and parse_timestamp(text) is None, text
            continue
        found = timestamp(f"x {text} y")  # the form a log line holds is found whole (a label's quote aside)
        assert found is not None and text.endswith(found) and len(found) >= len(text) - 1, text
        assert parse_timestamp(found) == parse_timestamp(text) == meant, text
        assert parse_timestamp(iso_utc(meant)) == meant.replace(microsecond=meant.microsecond // 1000 * 1000)


@given(TIMES)
def test_syslog_time_takes_the_year_it_is_given(when: dt.datetime) -> None:
    utc = when.astimezone(UTC).replace(microsecond=0)
    text = utc.strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1) if utc.day < 10 else utc.strftime("%b %d %H:%M:%S")
    assert parse_timestamp(text) is None  # no year: not a time by itself
    assert parse_timestamp(text, year=utc.year) == utc


def _error(stamp: str) -> Evidence:
    return Evidence(kind="paste", code=21408, country="NG", format="log-line", timestamp=stamp)


def test_first_and_last_seen_are_instants_not_text() -> None:
    stamps = [
        "2026-11-30T11:00:00+01:00",  # 10:00 UTC
        "2026-11-30T10:30:00Z",
        "Mon, 30 Nov 2026 09:59:00 +0000",
        "30/Nov/2026:12:45:00 +0200",  # 10:45 UTC
        "2026-11-30 09:58:00,250",
    ]
    [merged] = merge_duplicates([_error(s) for s in stamps])
    assert (merged.count, merged.first_seen, merged.last_seen) == (
        5,
        "2026-11-30T09:58:00.250Z",
        "2026-11-30T10:45:00Z",
    )
    # as text, "30/Nov…" < "Mon…" < "2026…": the old comparison got both ends wrong
    assert shown(parse_timestamp(merged.first_seen)) == "2026-11-30 09:58:00.250 UTC"  # type: ignore[arg-type]


def test_a_syslog_time_takes_the_year_before_when_it_would_be_ahead() -> None:
    groups = Groups(now=dt.datetime(2027, 1, 1, 0, 30, tzinfo=UTC))
    for stamp in ("Dec 31 23:00:00", "Jan  1 00:10:00"):
        groups.add(_error(stamp))
    [merged] = groups.evidence()
    assert (merged.first_seen, merged.last_seen) == ("2026-12-31T23:00:00Z", "2027-01-01T00:10:00Z")


def test_without_a_year_syslog_times_still_order_and_keep_their_text() -> None:
    [merged] = merge_duplicates([_error(s) for s in ("Nov 30 10:00:00", "Dec  1 09:00:00", "Nov  3 08:00:00")])
    assert (merged.first_seen, merged.last_seen) == ("Nov  3 08:00:00", "Dec  1 09:00:00")


def test_text_that_is_no_time_never_stands_for_first_or_last_seen() -> None:
    [merged] = merge_duplicates([_error("2026-11-30T10:00:00Z"), _error("2026-13-45T99:00:00Z")])
    assert (merged.first_seen, merged.last_seen) == ("2026-11-30T10:00:00Z", "2026-11-30T10:00:00Z")


def test_triage_shows_first_and_last_seen_in_one_form_whatever_the_log_wrote(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-30T11:00:00+01:00 ERROR sms send failed code=21408 to=+2348031234567\n"  # 10:00 UTC
        + "INFO ok\n" * 30
        + "Mon, 30 Nov 2026 09:59:00 +0000 ERROR sms send failed code=21408 to=+2348031234567\n"
        + "INFO ok\n" * 30
        + "30/Nov/2026:12:45:00 +0200 ERROR sms send failed code=21408 to=+2348031234567\n"  # 10:45 UTC
    )
    result = CliRunner().invoke(main, ["triage", str(log), "--offline"], env={"NO_COLOR": "1"})
    assert "2026-11-30 09:59:00 UTC" in result.output and "2026-11-30 10:45:00 UTC" in result.output
    result = CliRunner().invoke(main, ["triage", str(log), "--offline", "--format", "json"], env={"NO_COLOR": "1"})
    [group] = json.loads(result.output)["groups"]
    assert (group["count"], group["first_seen"], group["last_seen"]) == (
        3,
        "2026-11-30T09:59:00Z",
        "2026-11-30T10:45:00Z",
    )
