"""Timestamps as logs write them, read as instants, so that first and last seen compare times, not text.

ISO 8601 (``2026-11-30T10:00:00Z``, ``2026-11-30 10:00:00,123``, ``+01:00`` or
``+0100``), RFC 2822 as in Twilio's ``date_created`` (``Mon, 30 Nov 2026
10:00:00 +0000``), the Apache/NCSA form (``30/Nov/2026:10:00:00 +0000``), syslog
(``Nov 30 10:00:00``, which has no year: the caller says which) and epoch
seconds or milliseconds when a label says so (``ts=1764496800``,
``"timestamp": 1764496800123``), from September 2001 (ten digits) to 2100. A time without a zone is taken as UTC.

Pure and total: any text gives an aware ``datetime`` in UTC or None.
"""

from __future__ import annotations

import datetime as dt

from ._rx import rx

UTC = dt.timezone.utc
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_ZONE = r"(?P<zone>Z|z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?"
_FRACTION = r"(?:[.,](?P<frac>\d{1,9}))?"
_ISO = rx(r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)[T ](?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)" + _FRACTION + r" ?" + _ZONE)
_RFC2822 = rx(
    r"(?:[A-Za-z]{3}, )?(?P<d>\d{1,2}) (?P<mon>[A-Za-z]{3}) (?P<y>\d{4}) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d) ?" + _ZONE
)
_NCSA = rx(r"(?P<d>\d\d)/(?P<mon>[A-Za-z]{3})/(?P<y>\d{4}):(?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d) ?" + _ZONE)
_SYSLOG = rx(r"(?P<mon>[A-Za-z]{3}) (?P<d>[ \d]\d) (?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)" + _FRACTION)
_EPOCH = rx(r"(?P<n>\d{13}|\d{10})(?:\.(?P<frac>\d{1,6}))?")


def parse_timestamp(text: str, *, year: int | None = None) -> dt.datetime | None:
    """The instant ``text`` (a timestamp as :func:`._text.timestamp` finds it) names, in UTC; else None.

    ``year``: the year of a syslog timestamp, which has none (without it, such a timestamp gives None).
    """
    text = text.strip()
    if len(text) > 64:
        return None
    try:
        return _parse(text, year)
    except (ValueError, OverflowError):  # 2026-02-30, hour 24, a zone of +99:00: no such instant
        return None


def _parse(text: str, year: int | None) -> dt.datetime | None:
    label, sep, value = text.rpartition("=") if "=" in text else text.rpartition(":")
    if sep and label and _EPOCH.fullmatch(value.strip().strip("\"'")):
        return _epoch(value.strip().strip("\"'"))
    m = _ISO.fullmatch(text)
    if m:
        when = dt.datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]))
        return _zoned(when + _micro(m["frac"]), m["zone"])
    m = _RFC2822.fullmatch(text) or _NCSA.fullmatch(text)
    if m:
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            return None
        when = dt.datetime(int(m["y"]), month, int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]))
        return _zoned(when, m["zone"])
    m = _SYSLOG.fullmatch(text)
    if m and year is not None:
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            return None
        when = dt.datetime(year, month, int(m["d"]), int(m["h"]), int(m["mi"]), int(m["s"]))
        return (when + _micro(m["frac"])).replace(tzinfo=UTC)
    return None


def _micro(frac: str | None) -> dt.timedelta:
    return dt.timedelta(microseconds=int((frac or "0")[:6].ljust(6, "0")))


def _zoned(when: dt.datetime, zone: str | None) -> dt.datetime:
    if not zone or zone.upper() in ("Z", "UTC", "GMT"):
        return when.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(zone)
    offset = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return when.replace(tzinfo=offset).astimezone(UTC)


def _epoch(value: str) -> dt.datetime:
    digits, _, frac = value.partition(".")
    if len(digits) == 13:
        when = _UNIX + dt.timedelta(milliseconds=int(digits))
    else:
        when = _UNIX + dt.timedelta(seconds=int(digits)) + _micro(frac)
    if not EPOCH_FROM <= when < EPOCH_UNTIL:
        raise ValueError(value)  # an id or a count under a time's label, not a time a log wrote
    return when


_UNIX = dt.datetime(1970, 1, 1, tzinfo=UTC)
# The years an epoch number is taken for a time in: ten digits of seconds (or thirteen of milliseconds) start in
# September 2001; one past 2100 is some other number
EPOCH_FROM = dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)
EPOCH_UNTIL = dt.datetime(2100, 1, 1, tzinfo=UTC)


def epoch_time(value: str) -> str | None:
    """A time field's value written as epoch seconds or milliseconds (``1764496800``, ``"1764496800123"``,
    ``1764496800.5``), in ISO 8601 UTC; None for anything else, or a number outside the years of
    :data:`EPOCH_FROM` to :data:`EPOCH_UNTIL`. Only for a value a time's label names: a digit run alone
    is never a time."""
    value = value.strip().strip("\"'")
    if not _EPOCH.fullmatch(value):
        return None
    try:
        return iso_utc(_epoch(value))
    except (ValueError, OverflowError):
        return None


def iso_utc(when: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: milliseconds shown when the time has them."""
    when = when.astimezone(UTC)
    spec = "milliseconds" if when.microsecond else "seconds"
    return when.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def shown(when: dt.datetime) -> str:
    """A time as the text report shows it: UTC, one form for every log's timestamps."""
    when = when.astimezone(UTC)
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    if when.microsecond:
        text += f".{when.microsecond // 1000:03d}"
    return text + " UTC"
