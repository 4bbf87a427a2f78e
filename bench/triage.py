"""Triage benchmark: a generated log, read by `diagnose triage` and by `grep -cE '21408|21215'`.

The log mixes ordinary application lines with one Twilio error line in 100. Every
error is written fresh, as a real log's are: its own SIDs, destination number
(eight countries, some masked or missing their '+'), timestamp (the log runs
forward in time, in four timestamp styles as an aggregated log has) and one of
ten formats (log lines, REST error bodies, status callbacks, Python, Node, PHP,
Go and Ruby exceptions, Monitor alerts; the Node and Ruby errors span lines).
No error line repeats another, so nothing can be read once and copied.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

ACCOUNTS = ["AC" + f"{i:x}" * 32 for i in range(10, 15)]
# (prefix, digits after it): mobile ranges of Nigeria, France, Puerto Rico, Germany, the UK, India,
# Brazil, Morocco, and a US number that lost its 1 (read as the Netherlands).
NUMBERS = [
    ("+23480", 8),
    ("+336", 8),
    ("+1787", 7),
    ("+49151", 8),
    ("+447", 9),
    ("+919", 9),
    ("+55119", 8),
    ("+2126", 8),
    ("+31", 9),
]
_START = dt.datetime(2026, 11, 30, 0, 0, 0, tzinfo=dt.timezone.utc)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _stamp(rng: random.Random, when: dt.datetime) -> str:
    style = rng.randrange(4)
    if style == 0:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    if style == 1:
        local = when.astimezone(dt.timezone(dt.timedelta(hours=1)))
        return local.strftime("%Y-%m-%dT%H:%M:%S+01:00")
    if style == 2:
        return when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03d}"
    host, pid = rng.randrange(1, 9), rng.randrange(900, 9999)
    return f"{_MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S} web-{host} app[{pid}]:"


def _number(rng: random.Random) -> str:
    prefix, digits = rng.choice(NUMBERS)
    rest = "".join(rng.choice("0123456789") for _ in range(digits))
    kind = rng.randrange(10)
    if kind == 0:
        return prefix + "*" * (digits - 2) + rest[-2:]  # masked
    if kind == 1:
        return prefix[1:] + rest  # the '+' lost
    return prefix + rest


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


_SMS = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}"
_CALL = "Account not authorized to call {to}. Perhaps you need to enable some international permissions: {url}"
_URL = "https://www.twilio.com/console/voice/calls/geo-permissions/low-risk"


def _error(rng: random.Random, ts: str) -> list[str]:
    """One Twilio error, as one line or (Node, Ruby) a few."""
    to, ac, sid = _number(rng), rng.choice(ACCOUNTS), _hex(rng)
    kind = rng.randrange(10)
    if kind == 0:
        return [f"{ts} ERROR sms send failed code=21408 to={to} account={ac} request_id=req_{sid[:12]}"]
    if kind == 1:
        body = _SMS.format(to=to).replace("'", "\\u0027")
        return [
            f'{ts} ERROR twilio response {{"code": 21408, "message": "{body}.", '
            f'"more_info": "https://www.twilio.com/docs/errors/21408", "status": 400}}'
        ]
    if kind == 2:
        plus = to.replace("+", "%2B")
        return [
            f"{ts} INFO  POST /hooks/status MessageSid=SM{sid}&MessageStatus=failed&ErrorCode=21408"
            f"&To={plus}&From=%2B15017122661&AccountSid={ac}&ApiVersion=2010-04-01"
        ]
    if kind == 3:
        return [
            f"{ts} ERROR twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: "
            + _CALL.format(to=to, url=_URL)
        ]
    if kind == 4:
        return [
            f"{ts} ERROR call {rng.randrange(10**6)} failed: Status: 400 - ApiError 21215: "
            f"Account not authorized to call {to} (null) More info: https://www.twilio.com/docs/errors/21215"
        ]
    if kind == 5:
        return [
            f"{ts} ERROR RestException [Error]: " + _SMS.format(to=to),
            "    at success (/srv/app/node_modules/twilio/lib/base/Version.js:79:23)",
            "  status: 400,",
            "  code: 21408,",
            "  moreInfo: 'https://www.twilio.com/docs/errors/21408',",
        ]
    if kind == 6:
        return [
            f"{ts} PHP Fatal error:  Uncaught Twilio\\Exceptions\\RestException: [HTTP 400] Unable to create "
            f"record: {_SMS.format(to=to)} in /var/www/vendor/twilio/sdk/src/Twilio/Version.php:{rng.randrange(80, 99)}"
        ]
    if kind == 7:
        return [
            f'{ts} WARN  monitor alert {{"sid": "NO{sid}", "account_sid": "{ac}", "error_code": "13227", '
            f'"alert_text": "Msg=Geo+Permission+configuration+is+not+permitting+call&To={to.replace("+", "%2B")}", '
            f'"log_level": "warning", "date_created": "2026-11-30T10:{rng.randrange(60):02d}:00Z"}}'
        ]
    if kind == 8:
        return [
            f"{ts} ERROR Twilio::REST::RestError: [HTTP 400] 21408 : Unable to create record",
            _SMS.format(to=to),
            "https://www.twilio.com/docs/errors/21408",
        ]
    return [
        f"{ts} ERROR notify user={rng.randrange(10**6)} sms failed: error 21408 for {to} "
        f"(SM{sid}) after {rng.randrange(900)}ms"
    ]


_FILLER: list[Callable[[random.Random, str], str]] = [
    lambda r, ts: (
        f"{ts} INFO  http GET /api/v1/users/{r.randrange(10**6)} 200 {r.randrange(2000)}ms "
        "ua=Mozilla/5.0 (X11; Linux x86_64)"
    ),
    lambda r, ts: f"{ts} DEBUG cache hit key=session:{r.getrandbits(40):x} ttl={r.choice((60, 600, 3600))}",
    lambda r, ts: (
        f"{ts} INFO  worker job={r.randrange(10**7)} queue={r.choice(('emails', 'sms', 'push'))} "
        f"state=done attempts={r.randrange(1, 4)}"
    ),
    lambda r, ts: f"{ts} WARN  slow query on orders table took {r.randrange(2000)}ms rows={r.randrange(10**5)}",
    lambda r, ts: f"{ts} INFO  POST /webhooks/stripe 200 {r.randrange(900)}ms request_id=req_{r.getrandbits(48):x}",
    lambda r, ts: f"{ts} ERROR database connection reset by peer, retrying in {r.randrange(2000)}ms",
    lambda r, ts: (
        f'{ts} INFO  level=info msg="request done" path=/api/v2/orders/{r.randrange(10**6)} '
        f"duration={r.randrange(900)}ms"
    ),
    lambda r, ts: f"{ts} INFO  scheduler tick {r.randrange(10**6)}, next run in {r.randrange(60)}s",
]
# lines that pass a cheap filter for Twilio errors and are none: a log holds some
_DECOYS: list[Callable[[random.Random, str], str]] = [
    lambda r, ts: f"{ts} INFO  sent verification code to user {r.randrange(10**6)} by email",
    lambda r, ts: f"{ts} WARN  upstream http 503 from payments, retry {r.randrange(1, 4)}",
    lambda r, ts: f"{ts} ERROR java.lang.IllegalStateException: queue {r.randrange(99)} closed",
]


def _events(rng: random.Random) -> Iterator[tuple[list[str], bool]]:
    """The log's events, each as its lines and whether it is a Twilio error."""
    when = _START
    while True:
        when += dt.timedelta(microseconds=rng.randrange(1, 40_000))
        ts = _stamp(rng, when)
        roll = rng.randrange(100)
        if roll == 0:
            yield _error(rng, ts), True
        elif roll == 1:
            yield [rng.choice(_DECOYS)(rng, ts)], False
        else:
            yield [rng.choice(_FILLER)(rng, ts)], False


class Log(NamedTuple):
    bytes: int
    errors: int  # Twilio errors written, each one a triage must find


def build_log(path: Path, megabytes: int, seed: int = 9) -> Log:
    """Write a log of about ``megabytes`` MB to ``path``."""
    events = _events(random.Random(seed))
    written = errors = 0
    lines: list[str] = []
    with path.open("wb") as fh:
        while written < megabytes * 1_000_000:
            while len(lines) < 10_000:  # so each event counted starts in this block
                event, is_error = next(events)
                lines += event
                errors += is_error
            # 10,000 lines a block, an error's later lines in the next: the log of earlier versions
            block = ("\n".join(lines[:10_000]) + "\n").encode()
            del lines[:10_000]
            fh.write(block)
            written += len(block)
    return Log(written, errors)


def frame_only(path: Path) -> int:
    """What triage does to a log before it reads any error: the pre-filter, the anchor test, the chains
    and the pieces (``_stream._round``), in one process. Its time is the floor of this design: however
    cheap reading an error became, triage would not go faster. Returns the pieces found."""
    from diagnose.paste import _stream

    state, carried, pieces = _stream._State(), b"", 0
    with path.open("rb") as fh:
        while True:
            raw = fh.read(_stream.CHUNK)
            final = not raw
            buf = carried + raw if carried else raw
            found, keep = _stream._round(buf, state, final)
            pieces += len(found)
            if final:
                return pieces
            state.first_line += buf.count(b"\n", 0, keep)
            carried = buf[keep:]


def read_numbers(count: int, seed: int = 9) -> int:
    """What reading the destinations of ``count`` errors costs by itself: ``count`` numbers drawn as the
    log's are (eight countries, some masked or without '+'), each read once as triage reads a To
    (``_numbers.read_number``), none twice: the log's numbers are all different. Returns the countries found."""
    from diagnose.paste._numbers import read_number

    rng = random.Random(seed)
    numbers = [_number(rng) for _ in range(count)]
    return sum(read_number(number).country is not None for number in numbers)


if __name__ == "__main__":
    import sys
    import time

    if len(sys.argv) == 3 and sys.argv[1] in ("--frame-only", "--numbers-only"):
        from diagnose.paste._numbers import read_number

        read_number("+14155550100")  # phonenumbers loads its metadata on first use: not part of the cost
        start = time.process_time()  # the reading alone: not the interpreter's start nor the imports
        frame = sys.argv[1] == "--frame-only"
        found = frame_only(Path(sys.argv[2])) if frame else read_numbers(int(sys.argv[2]))
        print(found, time.process_time() - start)
    else:
        sys.exit("usage: triage.py --frame-only LOG | --numbers-only COUNT")
