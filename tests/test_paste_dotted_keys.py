"""A structured log's dotted keys name a field by their last part: ``twilio.error_code=21408 twilio.to=+86…``.

Before, a key after a dot was not read at all (the key pattern refused a key that a ``.`` precedes), so
``message.status=failed message.error_code=21408 message.to=+86…``, as structured loggers flatten nested
fields (OpenTelemetry attributes, Datadog's facets, ELK), gave "no Twilio error found".
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

PREFIXES = st.lists(st.sampled_from(["twilio", "message", "sms", "event", "req.body", "attributes", "ctx"]), max_size=3)
CODE_KEYS = ["code", "error_code", "errorCode", "ErrorCode"]
TO_KEYS = ["to", "To", "to_number", "recipient"]
FROM_KEYS = ["from", "From", "from_number", "sender"]
NUMBERS = [("+8613800138000", "CN"), ("+33612345678", "FR"), ("+2348031234567", "NG")]


def _dotted(prefix: list[str], key: str) -> str:
    return ".".join([*prefix, key])


@settings(max_examples=80, deadline=None)
@given(
    PREFIXES,
    st.sampled_from(CODE_KEYS),
    st.sampled_from(TO_KEYS),
    st.sampled_from(FROM_KEYS),
    st.sampled_from(NUMBERS),
    st.sampled_from(["logfmt", "json", "colon"]),
    st.sampled_from(["", "2026-11-30T10:00:00Z ERROR ", "level=error "]),
)
def test_a_dotted_key_names_its_field_by_its_last_part(
    prefix: list[str], code_key: str, to_key: str, from_key: str, number: tuple[str, str], shape: str, lead: str
) -> None:
    to, country = number
    fields = [
        (_dotted(prefix, code_key), 21408),
        (_dotted(prefix, from_key), "+14155550100"),
        (_dotted(prefix, to_key), to),
    ]
    if shape == "json":
        body = json.dumps(dict(fields))
    elif shape == "colon":
        body = ", ".join(f"{k}: {v}" for k, v in fields)
    else:
        body = " ".join(f"{k}={v}" for k, v in fields)
    line = lead + body
    found = extract(line)
    assert [(e.code, e.to, e.country, e.from_) for e in found] == [(21408, to, country, "+14155550100")], line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


def test_the_reported_lines() -> None:
    (e,) = extract("message.status=failed message.error_code=21408 message.to=+8613800138000")
    assert (e.code, e.to, e.status) == (21408, "+8613800138000", "failed")
    (e,) = extract("twilio.error_code=21408 twilio.to=+8613800138000")
    assert (e.code, e.to, e.country) == (21408, "+8613800138000", "CN")


def test_a_dotted_name_that_is_no_key_stays_nothing() -> None:
    assert extract("cache.hit=1 job.id=21408 db.rows=12") == []
    assert extract("metrics.latency_ms: 21408") == []
