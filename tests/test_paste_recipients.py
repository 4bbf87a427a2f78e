"""A destination written as a list: ``{"recipients": ["+2348031234567"], "error": {"code": 21408, …}}``, ``"to":
["+33…"]``.

``"to": ["+33612345678"]`` read ``to_raw`` ``[]`` ("the number is redacted"): a value was read up to its first quote,
and a ``[`` alone was taken for the start of a mask (``[REDACTED]``). ``"recipients"`` was no label at all. A list
of strings as the value of a destination's label (``to``, ``recipient``, ``to_number``… and the plural labels
``recipients``, ``destinations``, ``to_numbers``, ``recipient_numbers``) is now read as a list: one number in it
is the To, as the label's value would be; several, when the error does not say which one failed (Twilio's message
names the number it failed for), are no To: none is picked, and ``country_reason`` says how many the error names.
Paste and triage read them alike.
"""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [("+2348031234567", "NG"), ("+33612345678", "FR"), ("+4915123456789", "DE"), ("+447400123456", "GB")]
KEYS = ["recipients", "to", "To", "recipient", "destinations", "to_numbers", "toNumbers", "recipient_numbers"]
WORDING = "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}"


def _read(text: str) -> list:  # type: ignore[type-arg]
    found = extract(text)
    for size in (1 << 20, 61):
        assert list(scan(io.BytesIO(text.encode()), chunk_size=size)) == found, text
    return found


def test_the_reported_lists_read_their_one_number() -> None:
    text = (
        '{"recipients": ["+2348031234567"], "error": {"code": 21408, "message": "Permission to send an SMS has not '
        'been enabled"}}'
    )
    assert [(e.code, e.to, e.to_raw, e.country) for e in _read(text)] == [
        (21408, "+2348031234567", "+2348031234567", "NG")
    ]
    text = '{"to": ["+33612345678"], "error": {"code": 21408}}'
    assert [(e.code, e.to, e.to_raw, e.country) for e in _read(text)] == [(21408, "+33612345678", "+33612345678", "FR")]


def test_several_recipients_and_no_word_of_which_is_no_to() -> None:
    text = '{"recipients": ["+2348031234567", "+33612345678"], "error": {"code": 21408}}'
    (error,) = _read(text)
    assert (error.code, error.to, error.to_raw, error.country) == (21408, None, None, None)
    assert "2 recipients" in error.country_reason
    # Twilio's message names the number it failed for: that one
    text = (
        '{"recipients": ["+2348031234567", "+33612345678"], "error": {"code": 21408, "message": "'
        + WORDING.format(to="+33612345678")
        + '"}}'
    )
    assert [(e.code, e.to) for e in _read(text)] == [(21408, "+33612345678")]


def _shape(kind: int, key: str, numbers: list[str], code: int, message: str | None, nested: bool) -> str:
    error: dict[str, object] = {"code": code}
    if message is not None:
        error["message"] = message
    record: dict[str, object] = {key: numbers, **({"error": error} if nested else error)}
    if kind == 0:
        return json.dumps(record)
    if kind == 1:
        return json.dumps(record, separators=(",", ":"))
    if kind == 2:
        return repr(record)  # a Python dict logged as it prints
    return "2026-11-30T10:00:00Z ERROR send failed " + json.dumps(record)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(KEYS),
    st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4, unique=True),
    st.sampled_from([21408, 21612, 30007]),
    st.integers(0, 3),
    st.booleans(),
    st.sampled_from(["", "INFO started\n"]),
)
def test_a_list_of_recipients(
    key: str, numbers: list[tuple[str, str]], code: int, kind: int, nested: bool, around: str
) -> None:
    text = around + _shape(kind, key, [n for n, _ in numbers], code, None, nested) + "\n" + around
    (error,) = _read(text)
    if len(numbers) == 1:
        assert (error.code, error.to, error.country) == (code, numbers[0][0], numbers[0][1]), text
    else:
        assert (error.code, error.to, error.to_raw, error.country) == (code, None, None, None), text
        assert f"{len(numbers)} recipients" in error.country_reason, text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(KEYS),
    st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4, unique=True),
    st.integers(0, 3),
    st.booleans(),
    st.data(),
)
def test_twilios_message_names_the_recipient_that_failed(
    key: str, numbers: list[tuple[str, str]], kind: int, nested: bool, data: st.DataObject
) -> None:
    failed, country = data.draw(st.sampled_from(numbers))
    text = _shape(kind, key, [n for n, _ in numbers], 21408, WORDING.format(to=failed), nested) + "\n"
    assert [(e.code, e.to, e.country) for e in _read(text)] == [(21408, failed, country)], text


def test_a_list_that_is_no_number_and_a_mask_stay_as_they_were() -> None:
    assert [(e.to, e.to_raw) for e in _read('{"to": ["alice", "bob"], "code": 21408}')] == [(None, None)]
    assert [(e.to, e.to_raw) for e in _read('{"recipients": [], "code": 21408}')] == [(None, None)]
    assert [(e.to, e.to_raw) for e in _read("code=21408 to=[REDACTED]")] == [(None, "[REDACTED]")]
