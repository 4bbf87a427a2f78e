"""The labels real applications log a phone number under, read as a support engineer reads them.

``twilio error 21408 from_number=+336… to_number=+234…`` and ``ErrorCode=21408 caller=+336… callee=+234…`` read
neither number; ``21408 originator=+336… destination=+234…`` and ``HTTP 400 21408 sending from +336… to +234…``
gave "no Twilio error found". The vocabulary is one table (diagnose/paste/_labels.py): which labels name the
destination, which the sender, and which only "a number". A code no word names is read only where nothing else
explains its five digits (docs/report-format.md, "Which numbers are codes"): a job's id is no error. Paste and
triage read every sample alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, mask_numbers, scan
from diagnose.paste._labels import LABELS
from diagnose.paste._stream import _candidates

SENDER = ("+33612345678", "33612345678")
TARGET = ("+2348012345678", "+2348012345678")


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.from_, e.country) for e in found]


def _digits(text: object) -> str:
    return "".join(c for c in str(text) if c.isdigit())


# --------------------------------------------------------------------------- the reported lines


def test_the_reported_lines_read_the_destination_and_the_sender() -> None:
    expected = [(21408, "+2348012345678", "+33612345678", "NG")]
    assert _read("twilio error 21408 from_number=+33612345678 to_number=+2348012345678") == expected
    assert _read("ErrorCode=21408 caller=+33612345678 callee=+2348012345678") == expected
    assert _read("21408 originator=+33612345678 destination=+2348012345678") == expected
    assert _read("HTTP 400 21408 sending from +33612345678 to +2348012345678") == expected
    (found,) = extract("HTTP 400 21408 sending from +33612345678 to +2348012345678")
    assert found.http_status == 400


def test_the_lines_read_right_before_stay_so() -> None:
    # dst is the destination; the From, left empty before, is src's
    assert _read("code=21408 src=+14155550100 dst=+33612345678") == [(21408, "+33612345678", "+14155550100", "FR")]
    assert _read("error 21408 src=+33612345678") == [(21408, None, "+33612345678", None)]
    assert _read("code=21408 sender=+14155550100 recipient=+33612345678") == [
        (21408, "+33612345678", "+14155550100", "FR")
    ]


# --------------------------------------------------------------------------- the vocabulary, any spelling

TO_LABELS = sorted(label for label, role in LABELS.items() if role in ("to", "to_other"))
FROM_LABELS = sorted(label for label, role in LABELS.items() if role in ("from", "from_other", "from_id"))
WEAK_LABELS = sorted(label for label, role in LABELS.items() if role == "to_alt")


def _spell(label: str, how: str) -> str:
    words = label.split("_")
    if how == "snake":
        return label
    if how == "camel":
        return words[0] + "".join(w.title() for w in words[1:])
    if how == "pascal":
        return "".join(w.title() for w in words)
    if how == "upper":
        return label.upper()
    if how == "kebab":
        return "-".join(words)
    return "".join(words)  # joined, lower case


SPELLINGS = st.sampled_from(["snake", "camel", "pascal", "upper", "kebab", "joined"])
# the sender and the destination as logs write them: whole, or in groups
SENDERS = [("+33612345678", "33612345678"), ("+33 6 12 34 56 78", "33612345678"), ("+1 415 555 0100", "14155550100")]
TARGETS = [
    ("+2348012345678", "+2348012345678"),
    ("+234 801 234 5678", "+2348012345678"),
    ("+44 7400 123456", "+447400123456"),
    ("+5511987654321", "+5511987654321"),
]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[2026-11-30 10:00:00,118] ERROR [sms] "]
# {t}/{tv}: the destination's label and number, {f}/{fv}: the sender's; {pair}: the two in either order
SHAPES = [
    "code=21408 {pair}",  # logfmt, a number in groups quoted
    "ERROR sms failed error_code=21408 {upair}",  # or not
    "twilio error 21408 {pair}",
    "21408 {upair}",  # a code no word names, labelled '+' numbers after it
    '{{"code": 21408, {jpair}, "status": 400}}',  # JSON
    "error_code: 21408, {cpair}",  # key: value
    "POST /hooks/sms?ErrorCode=21408&{qpair}&MessageStatus=failed",  # a query string, '+' encoded
]


def _pairs(t: str, tv: str, f: str, fv: str, to_first: bool) -> dict[str, str]:
    def both(a: str, b: str, sep: str) -> str:
        return sep.join([a, b] if to_first else [b, a])

    return {
        "pair": both(
            f"{t}={tv}" if " " not in tv else f'{t}="{tv}"', f"{f}={fv}" if " " not in fv else f'{f}="{fv}"', " "
        ),
        "upair": both(f"{t}={tv}", f"{f}={fv}", " "),
        "jpair": both(f'"{t}": "{tv}"', f'"{f}": "{fv}"', ", "),
        "cpair": both(f"{t}: {tv}", f"{f}: {fv}", ", "),
        "qpair": both(
            f"{t}={tv.replace('+', '%2B').replace(' ', '')}", f"{f}={fv.replace('+', '%2B').replace(' ', '')}", "&"
        ),
    }


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(TO_LABELS),
    st.sampled_from(FROM_LABELS),
    SPELLINGS,
    SPELLINGS,
    st.sampled_from(SENDERS),
    st.sampled_from(TARGETS),
    st.booleans(),
    st.sampled_from(PREFIXES),
)
def test_every_label_names_its_number_in_every_spelling_shape_and_order(
    shape: str,
    to_label: str,
    from_label: str,
    to_how: str,
    from_how: str,
    sender: tuple[str, str],
    target: tuple[str, str],
    to_first: bool,
    prefix: str,
) -> None:
    t, f = _spell(to_label, to_how), _spell(from_label, from_how)
    text = prefix + shape.format(**_pairs(t, target[0], f, sender[0], to_first)) + "\n"
    ((code, to, from_, _),) = _read(text)
    assert code == 21408, text
    assert to == target[1], text
    assert _digits(from_) == sender[1], text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(WEAK_LABELS), SPELLINGS, st.sampled_from(TARGETS), st.sampled_from(PREFIXES))
def test_a_number_label_is_the_destination_only_when_nothing_names_one_more_surely(
    label: str, how: str, target: tuple[str, str], prefix: str
) -> None:
    key = _spell(label, how)
    # alone, the number is the destination
    assert _read(f"{prefix}code=21408 {key}={target[0].replace(' ', '')}\n")[0][1] == target[1]
    # a To label wins, before or after it
    assert _read(f"{prefix}code=21408 {key}=+447400123456 to_number={target[0].replace(' ', '')}\n")[0][1] == target[1]
    assert _read(f"{prefix}error 21408 to={target[0].replace(' ', '')} {key}=+447400123456\n")[0][1] == target[1]
    # and the sender's own number is never the destination
    ((_, to, from_, _),) = _read(f"{prefix}error 21408 from_number=+447400123456 {key}=+447400123456\n")
    assert to is None and from_ == "+447400123456"


def test_twilio_voice_called_and_caller() -> None:
    # a call's status callback: Called is the To (the number dialled), Caller the From
    form = (
        "CallSid=CA" + "a" * 32 + "&CallStatus=failed&ErrorCode=13227&Called=%2B2348012345678"
        "&Caller=%2B14155550100&Direction=outbound-api"
    )
    assert _read(form) == [(13227, "+2348012345678", "+14155550100", "NG")]
    both = form + "&To=%2B2348012345678&From=%2B14155550100"
    assert _read(both) == [(13227, "+2348012345678", "+14155550100", "NG")]
    # an inbound call: Called is the Twilio number that received it, never the failed destination
    inbound = "ErrorCode=11200&Called=%2B14155550100&Caller=%2B2348012345678&Direction=inbound&CalledVia=%2B14155550199"
    assert [row[1] for row in _read(inbound)] == [None]


def test_a_label_whose_value_is_no_number_names_nothing() -> None:
    assert _read("code=21408 dst=10.0.0.5 to=+2348012345678") == [(21408, "+2348012345678", None, "NG")]
    assert _read("error 21408 source=api to=+2348012345678") == [(21408, "+2348012345678", None, "NG")]
    assert _read("code=21408 callee=alice to=+2348012345678") == [(21408, "+2348012345678", None, "NG")]
    # an alphanumeric sender ID is a sender, where the label allows one
    assert _read("code=21408 originator=ACME to=+2348012345678") == [(21408, "+2348012345678", "ACME", "NG")]
    assert _read("code=21408 caller=web to=+2348012345678") == [(21408, "+2348012345678", None, "NG")]
    # a Messaging Service SID logged as the sender is no number, though it holds digits
    sid = "MG0123456789abcdef0123456789abcdef"
    assert _read(f"code=21408 sender_id={sid} to=+2348012345678") == [(21408, "+2348012345678", None, "NG")]
    # a channel's prefix and a mask keep a number a number
    assert _read("code=21408 to_number=whatsapp:+2348012345678 fromNumber=whatsapp:+14155550100") == [
        (21408, "+2348012345678", "whatsapp:+14155550100", "NG")
    ]
    (masked,) = extract("code=21408 callee=+33xxxxxx78")
    assert (masked.to, masked.to_raw) == (None, "+33xxxxxx78")


# --------------------------------------------------------------------------- which numbers are codes


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["HTTP 400 21408", "[HTTP 400] 21408", "HTTP 400: 21408", "http 400 - 21408"]),
    st.sampled_from([" sending from {f} to {t}", " to={t} from={f}", " for {t} (from {f})"]),
    st.sampled_from(PREFIXES),
)
def test_a_code_right_after_the_http_status_is_read(head: str, tail: str, prefix: str) -> None:
    text = prefix + head + tail.format(t="+2348012345678", f="+33612345678") + "\n"
    assert _read(text) == [(21408, "+2348012345678", "+33612345678", "NG")], text
    assert extract(text)[0].http_status == 400


DECOYS = [
    "job 21408 to=+33612345678",  # a job's id
    "job_id=21408 to=+33612345678",
    "processed job 21408 to=+33612345678 in 3s",
    "[21408] to=+33612345678",
    "#21408 to=+33612345678",
    "21408 messages to=+33612345678",
    "worker 21408: to=+33612345678",
    "INFO 21408 to=+33612345678",  # an INFO line is no error
    "DEBUG 21408 to=+33612345678",
    "21408 to=+33612345678 delivered",  # it went out
    "21408 to=+33612345678 status=sent",
    "21408 to 33612345678",  # no label written as a key, no '+'
    '127.0.0.1 - - [30/Nov/2026:10:00:00 +0000] "POST /sms HTTP/1.1" 400 21408 "-" "curl/8.0"',  # bytes sent
    "GET /sms HTTP/1.1 400 21408",
    "order 21408 shipped to=+33612345678",
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(DECOYS), st.sampled_from(PREFIXES[:3]))
def test_a_five_digit_number_nothing_names_a_code_is_no_error(decoy: str, prefix: str) -> None:
    assert _read(prefix + decoy + "\n") == [], decoy


def test_a_log_of_messages_sent_makes_no_candidates() -> None:
    # triage's pre-filter: a label is no anchor, so a log full of them is never read line by line
    lines = [
        f"2026-11-30T10:00:{i % 60:02d}Z INFO sms sent to_number=+3361234{i:04d} from_number=+14155550100 "
        f"callee=+3361234{i:04d} caller: +14155550100 job={21408 + i} dst=+4474001{i:05d} took 21408 ms"
        for i in range(300)
    ]
    body = ("\n".join(lines) + "\n").encode()
    assert _candidates(body) == []
    bare = b"2026-11-30T10:00:00Z 21408 originator=+33612345678 destination=+2348012345678\n"
    assert _candidates(body + bare) == [len(body)]


def test_redact_numbers_masks_a_number_any_label_names() -> None:
    masked = mask_numbers("to_number=447400123456 callerId: 14155550100 msisdn='2348012345678' code=21408")
    assert "447400123456" not in masked and "14155550100" not in masked and "2348012345678" not in masked
    assert "code=21408" in masked
