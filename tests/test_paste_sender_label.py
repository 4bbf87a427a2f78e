"""A number labelled ``sender`` is the error's From, and never its To.

``code=21408 sender=+14155550100 recipient=+33612345678`` read its To but left the From empty: the
key readers knew ``from`` only (the log-line reader, which knows ``sender``, runs when they find no code).
And with no To label, a message naming the sender's number ({"sender": "+1415…", "message": "SMS failed
for +1415…"}) gave that number as the failed destination. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

SENDERS = [("+14155550100", "14155550100"), ("+1 415 555 0100", "14155550100"), ("+447400123456", "447400123456")]
TARGETS = [("+33612345678",) * 2, ("+33 6 12 34 56 78", "+33612345678"), ("+5511987654321",) * 2]
KEYS = ["sender", "Sender", "SENDER"]
# {k}: the sender's key, {s}: the sender, {t}: the destination
SHAPES = [
    "code=21408 {k}={s} recipient={t}",
    "ERROR sms failed code=21408 recipient={t} {k}={s}",
    'code=21408 {k}="{s}" to="{t}"',
    '{{"code": 21408, "{k}": "{s}", "to": "{t}", "status": 400}}',
    "error_code: 21408, {k}: {s}, recipient: {t}",
]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    return [(e.code, e.to, e.from_) for e in found]


def test_the_reported_line_reads_its_sender() -> None:
    assert _read("code=21408 sender=+14155550100 recipient=+33612345678") == [(21408, "+33612345678", "+14155550100")]


def test_a_sender_the_message_names_is_no_destination() -> None:
    text = '{"code": 21408, "sender": "+14155550100", "message": "SMS failed for +14155550100 today"}'
    assert _read(text) == [(21408, None, "+14155550100")]
    assert _read("ERROR twilio code=21408 sender=+14155550100") == [(21408, None, "+14155550100")]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(KEYS),
    st.sampled_from(SENDERS),
    st.sampled_from(TARGETS),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: "]),
)
def test_sender_is_the_from_and_never_the_to(
    shape: str, key: str, sender: tuple[str, str], target: tuple[str, str], prefix: str
) -> None:
    text = prefix + shape.format(k=key, s=sender[0], t=target[0]) + "\n"
    ((code, to, from_),) = _read(text)
    assert code == 21408
    assert to == target[1], text
    assert isinstance(from_, str) and "".join(c for c in from_ if c.isdigit()) == sender[1], text


# --------------------------------------------------------------------------- the sender in free text

# free text that names the number a message or call went out through: never the destination. {s}: the sender,
# {t}: the destination, when the line names one
SENT_THROUGH = [
    "ERROR error 21408 via {s}",
    "ERROR outbound SMS via {s} failed: error 21408",
    "ERROR error 21408 sending to {t} via {s}",
    "ERROR error 21408 using number {s}",
    "ERROR Twilio error 21215 calling {t} using {s}",
    "ERROR error 21408 sent from our number {s}",
    "ERROR error 21408 from our Twilio number: {s}",
    "ERROR Twilio error 21215 calling {t} from caller ID {s}",
    "ERROR error 21408: our number {s} cannot text {t}",
    "ERROR twilio error 21408 sender id {s}",
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SENT_THROUGH),
    st.sampled_from(SENDERS),
    st.sampled_from(TARGETS),
    st.sampled_from(["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: "]),
)
def test_the_number_a_message_went_out_through_is_the_from_never_the_to(
    shape: str, sender: tuple[str, str], target: tuple[str, str], prefix: str
) -> None:
    # main read 'error 21408 via +14155550100', 'using number +1415…' and 'sent from our number +1415…' as errors to
    # +14155550100 (US), the sender; 'calling +234… from caller ID +1415…' gave no destination
    text = prefix + shape.format(s=sender[0], t=target[0]) + "\n"
    expected = target[1] if "{t}" in shape else None
    ((code, to, from_),) = _read(text)
    digits = "".join(c for c in str(from_) if c.isdigit())
    assert (code, to, digits) == (21215 if "21215" in shape else 21408, expected, sender[1]), text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TARGETS), st.sampled_from(["", "2026-11-30T10:00:00Z "]))
def test_words_near_the_destination_that_name_no_sender_leave_it(target: tuple[str, str], prefix: str) -> None:
    for shape in (
        "ERROR sms via API failed for {t}: error 21408",
        "ERROR error 21408 using template 12345678 to {t}",
        "ERROR error 21408: the number {t} is not enabled",
        "ERROR error 21408 for phone number {t}",
    ):
        text = prefix + shape.format(t=target[0]) + "\n"
        assert _read(text) == [(21408, target[1], None)], text


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SENDERS),
    st.sampled_from(TARGETS),
    st.sampled_from(["{s} -> {t}", "{s}->{t}", "{s} → {t}"]),
    st.sampled_from(["ERROR sms {pair} failed: error 21408", "ERROR twilio error 21408: {pair}"]),
)
def test_an_arrow_goes_from_the_sender_to_the_destination(
    sender: tuple[str, str], target: tuple[str, str], pair: str, shape: str
) -> None:
    # main read no destination from 'sms +14155550100 -> +33612345678 failed: error 21408' (two '+' numbers, none
    # labelled), and the sender's as the destination when the one after the arrow had no '+'
    text = shape.format(pair=pair.format(s=sender[0], t=target[0])) + "\n"
    ((code, to, from_),) = _read(text)
    assert (code, to, "".join(c for c in str(from_) if c.isdigit())) == (21408, target[1], sender[1]), text
    text = shape.format(pair=pair.format(s=sender[0], t="33612345678")) + "\n"
    assert [(to, from_ is not None) for _, to, from_ in _read(text)] == [(None, True)], text
