"""A key that names a person's phone by its last word (``customer_phone``, ``user_mobile``) is read as ``phone`` is.

``ERROR code=21408 customer_phone=+33612345678`` gave no To: the key readers knew ``phone``, ``mobile``,
``number`` and ``msisdn`` (a number, not surely the To: ``_labels.LABELS``' ``to_alt``) and the labels of the
table, not the keys apps make of them. (Free text without a code key read it already, as the one '+' number of
the line; ``recipientPhone`` is the table's ``recipient_phone``.) A key that ends with one of those words after a
stem of its own is now ``to_alt`` too: the To when nothing names one more surely (a To label, the number Twilio's
message names), never the sender's number, never when its stem names the sender (``twilio_number``,
``senderPhone``); a ``…_number`` only when written with '+' (``order_number=12345678901`` is an order's). Paste
and triage read them alike.
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

STEMS = [["customer"], ["user"], ["contact"], ["client"], ["patient"], ["lead"], ["guest"], ["member"], ["end", "user"]]
SUFFIXES = [["phone"], ["mobile"], ["msisdn"], ["phone", "number"], ["mobile", "number"]]
SENDER_STEMS = [["twilio"], ["sender"], ["from"], ["caller"], ["source"], ["origin"], ["our"], ["business"]]
NUMBERS = [("+33612345678", "+33612345678", "FR"), ("+44 7400 123456", "+447400123456", "GB")]
PREFIXES = ["", "2026-11-30T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ", "level=error "]


def _spell(words: list[str], style: int) -> str:
    """A key of ``words`` as apps write one: snake, camel, Pascal, upper snake, kebab, or dotted (a structured log's
    attribute, read by its last part)."""
    if style == 0:
        return "_".join(words)
    if style == 1:
        return words[0] + "".join(w.capitalize() for w in words[1:])
    if style == 2:
        return "".join(w.capitalize() for w in words)
    if style == 3:
        return "_".join(words).upper()
    if style == 4:
        return "-".join(words)
    return "sms.attrs." + "_".join(words)


def _shape(kind: int, key: str, number: str, extra: dict[str, str]) -> str:
    """An error with ``key`` naming ``number`` (and the ``extra`` fields), as logs write fields."""
    fields = {"code": "21408", key: number, **extra}
    if kind == 0:
        return "ERROR sms failed " + " ".join(f"{k}={v.replace(' ', '')}" for k, v in fields.items())
    if kind == 1:
        return json.dumps({k: int(v) if k == "code" else v for k, v in fields.items()})
    if kind == 2:
        return ", ".join(f"{k}: {v}" for k, v in fields.items())
    return "&".join(f"{k}={v.replace('+', '%2B').replace(' ', '')}" for k, v in fields.items())


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_keys_read_their_number() -> None:
    for key in ("customer_phone", "recipientPhone", "user_mobile", "contact_number"):
        assert _read(f"ERROR code=21408 {key}=+33612345678") == [(21408, "+33612345678", "FR")], key


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.sampled_from(NUMBERS),
    st.integers(0, 3),
    st.sampled_from(PREFIXES),
)
def test_a_phone_key_with_a_stem_names_the_to(
    stem: list[str], suffix: list[str], style: int, number: tuple[str, str, str], kind: int, prefix: str
) -> None:
    key = _spell(stem + suffix, style)
    written, e164, country = number
    text = prefix + _shape(kind, key, written, {"status": "400"}) + "\n"
    assert _read(text) == [(21408, e164, country)], text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.integers(0, 3),
    st.sampled_from(PREFIXES),
    st.booleans(),
)
def test_a_to_label_or_twilios_message_wins(
    stem: list[str], suffix: list[str], style: int, kind: int, prefix: str, message: bool
) -> None:
    key = _spell(stem + suffix, style)
    if message:
        extra = {
            "message": "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "
            "+2348031234567"
        }
        if kind != 1:
            return  # a message with spaces unquoted is no logfmt, "key: value" or form value: JSON's
    else:
        extra = {"to": "+2348031234567"}
    text = prefix + _shape(kind, key, "+33612345678", extra) + "\n"
    assert _read(text) == [(21408, "+2348031234567", "NG")], text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(SENDER_STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.integers(0, 3),
    st.sampled_from(PREFIXES),
)
def test_a_senders_key_never_names_the_to(
    stem: list[str], suffix: list[str], style: int, kind: int, prefix: str
) -> None:
    key = _spell(stem + suffix, style)
    text = prefix + _shape(kind, key, "+33612345678", {"status": "400"}) + "\n"
    assert _read(text) == [(21408, None, None)], text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(STEMS), st.sampled_from(SUFFIXES), st.integers(0, 5), st.integers(0, 3))
def test_the_senders_number_is_never_the_to(stem: list[str], suffix: list[str], style: int, kind: int) -> None:
    key = _spell(stem + suffix, style)
    text = _shape(kind, key, "+33612345678", {"from": "+33612345678"}) + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    assert [(e.to, e.to_raw, e.from_) for e in found] == [(None, None, "+33612345678")], text


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["order", "job", "invoice", "ticket", "tracking", "contact", "customer"]),
    st.integers(0, 5),
    st.integers(0, 3),
    st.sampled_from(["12345678901", "447400123456", "0612345678"]),
)
def test_a_number_key_without_plus_names_no_phone(stem: str, style: int, kind: int, value: str) -> None:
    key = _spell([stem, "number"], style)
    text = _shape(kind, key, value, {"status": "400"}) + "\n"
    assert _read(text) == [(21408, None, None)], text


# --------------------------------------------------------------------------- a CSV export's header

SID = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01"


def _csv_header_name(words: list[str], style: int) -> str:
    """A column name as exports write one: snake, camel, Pascal, upper snake, kebab, or words ('Customer Phone')."""
    if style == 5:
        return " ".join(w.capitalize() for w in words)
    return _spell(words, style)


def _export(column: str, number: str, delimiter: str, extra: list[tuple[str, str]]) -> str:
    header = ["Sid", "Status", column, *(name for name, _ in extra), "ErrorCode"]
    row = [SID, "failed", number, *(value for _, value in extra), "21408"]
    delivered = [SID[:-2] + "02", "delivered", "+4915123456789", *(value for _, value in extra), ""]
    return "\n".join(delimiter.join(cells) for cells in (header, row, delivered)) + "\n"


def _read_export(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    for size in (1 << 20, 97):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=size)) == found, size
    assert all(e.format == "csv-row" for e in found)
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_export_columns_read_their_number() -> None:
    for column in ("customer_phone", "user_mobile", "contact_number", "Customer Phone", "recipientMsisdn"):
        text = _export(column, "+33612345678", ",", [])
        assert _read_export(text) == [(21408, "+33612345678", "FR")], column


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.sampled_from(NUMBERS),
    st.sampled_from([",", "\t", ";"]),
    st.sampled_from([[], [("Body", "hello")], [("From", "+15017122661")], [("DateSent", "2026-11-30T10:15:02Z")]]),
)
def test_a_phone_column_with_a_stem_names_the_to(
    stem: list[str],
    suffix: list[str],
    style: int,
    number: tuple[str, str, str],
    delimiter: str,
    extra: list[tuple[str, str]],
) -> None:
    written, e164, country = number
    text = _export(_csv_header_name(stem + suffix, style), written, delimiter, extra)
    assert _read_export(text) == [(21408, e164, country)], text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.sampled_from([",", "\t"]),
)
def test_a_to_column_wins_over_a_phone_column(stem: list[str], suffix: list[str], style: int, delimiter: str) -> None:
    text = _export(_csv_header_name(stem + suffix, style), "+33612345678", delimiter, [("To", "+2348031234567")])
    assert _read_export(text) == [(21408, "+2348031234567", "NG")], text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(SENDER_STEMS),
    st.sampled_from([*SUFFIXES, ["number"]]),
    st.integers(0, 5),
    st.sampled_from([",", "\t"]),
)
def test_a_senders_column_never_names_the_to(stem: list[str], suffix: list[str], style: int, delimiter: str) -> None:
    text = _export(_csv_header_name(stem + suffix, style), "+33612345678", delimiter, [])
    assert _read_export(text) == [(21408, None, None)], text


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["order", "job", "invoice", "ticket", "contact", "customer"]),
    st.integers(0, 5),
    st.sampled_from(["12345678901", "447400123456"]),
)
def test_a_number_column_without_plus_names_no_phone(stem: str, style: int, value: str) -> None:
    text = _export(_csv_header_name([stem, "number"], style), value, ",", [])
    assert _read_export(text) == [(21408, None, None)], text
