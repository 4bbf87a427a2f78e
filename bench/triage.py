"""Triage benchmark: a generated log, read by `diagnose triage` and by `grep -cE '21408|21215'`.

The log mixes ordinary application lines with one Twilio error line in 100, in
several formats (log lines, REST error bodies, status callbacks, SDK exceptions,
a Node error spread over lines), for several accounts and countries.
"""

from __future__ import annotations

import random
from pathlib import Path

ACCOUNTS = ["AC" + c * 32 for c in "abc"]
NUMBERS = ["+2348031234567", "+33612345678", "+17875550123", "+4915123456789", "+4155550123", "+33*****78"]
FILLER = [
    "{ts} INFO  http GET /api/v1/users/{n} 200 {ms}ms ua=Mozilla/5.0 (X11; Linux x86_64)",
    "{ts} DEBUG cache hit key=session:{n} ttl=3600",
    "{ts} INFO  worker job={n} queue=emails state=done attempts=1",
    "{ts} WARN  slow query on orders table took {ms}ms rows={n}",
    "{ts} INFO  POST /webhooks/stripe 200 {ms}ms request_id=req_{n}",
    "{ts} ERROR database connection reset by peer, retrying in {ms}ms",
]
ERRORS = [
    "{ts} ERROR sms send failed code=21408 to={to} account={ac}",
    '{ts} ERROR twilio response {{"code": 21408, "message": "Permission to send an SMS has not been enabled for the '
    'region indicated by the \'To\' number: {to}.", "more_info": "https://www.twilio.com/docs/errors/21408", '
    '"status": 400}}',
    "{ts} INFO  POST /hooks/status MessageSid=SM{hex}&MessageStatus=failed&ErrorCode=21408&To={to}&AccountSid={ac}",
    "{ts} ERROR twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Account not "
    "authorized to call {to}. Perhaps you need to enable some international permissions",
    "{ts} ERROR call failed: Status: 400 - ApiError 21215: Account not authorized to call {to} (null) More info: "
    "https://www.twilio.com/docs/errors/21215",
]


def _block(rng: random.Random, size: int) -> bytes:
    out: list[str] = []
    total = 0
    while total < size:
        minute = rng.randrange(0, 60)
        ts = f"2026-11-30T10:{minute:02d}:{rng.randrange(60):02d}Z"
        if rng.randrange(100) == 0:
            line = rng.choice(ERRORS).format(
                ts=ts, to=rng.choice(NUMBERS), ac=rng.choice(ACCOUNTS), hex=f"{rng.getrandbits(128):032x}"
            )
        else:
            line = rng.choice(FILLER).format(ts=ts, n=rng.randrange(10**6), ms=rng.randrange(2000))
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()


def build_log(path: Path, megabytes: int, seed: int = 9) -> int:
    """Write a log of about ``megabytes`` MB to ``path``; returns its size in bytes."""
    rng = random.Random(seed)
    blocks = [_block(rng, 1 << 20) for _ in range(8)]
    written = 0
    with path.open("wb") as fh:
        while written < megabytes * 1_000_000:
            block = blocks[rng.randrange(len(blocks))]
            fh.write(block)
            written += len(block)
    return written
