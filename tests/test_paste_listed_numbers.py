"""Several destinations listed after one error: ``Twilio error 21408 for 4155550100, 4155550111``.

A line that names one code for a list of numbers says each of them failed with it (an app that logs its failures
by code). Only the first was read: ``for 4155550100`` gave the error its To and the rest of the list was dropped;
with '+' (``for +33612345678, +5511987654321``) neither was read, two '+' numbers and no label naming one. A list
after the destination (a comma, "and" or '&' between the numbers, each written as the first is: with '+', or as
digits that make a phone number) is now a failure to each, with the same code; the sender is never one of them, and
a number listed twice is one. A list of strings as a label's value (``"recipients": [...]``) is another shape, a
request's list beside one error, and still names no destination (tests/test_paste_recipients.py). Paste and triage
read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

# (as written, E.164, country)
PLUS = [
    ("+33612345678", "+33612345678", "FR"),
    ("+5511987654321", "+5511987654321", "BR"),
    ("+44 7400 123456", "+447400123456", "GB"),
    ("+2348031234567", "+2348031234567", "NG"),
    ("+4915123456789", "+4915123456789", "DE"),
]
BARE = [
    ("4155550100", "+14155550100", "US"),
    ("4155550111", "+14155550111", "US"),
    ("447400123456", "+447400123456", "GB"),
    ("33612345678", "+33612345678", "FR"),
]
SHAPES = [
    "Twilio error {c} for {list}",
    "error {c} to {list}",
    "ERROR sms failed with {c} for {list}",
    "failed to send to {list} ({c})",
    "twilio {c} sending to {list}",
]
SEPARATORS = [", ", ",", " and ", ", and ", " & "]
PREFIXES = ["", "2026-12-02T10:00:00Z ", "May 14 10:22:31 web01 app[7]: ", "[worker-3] ERROR "]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_line_is_two_failures() -> None:
    found = extract("Twilio error 21408 for 4155550100, 4155550111")
    assert [(e.code, e.to, e.country, e.country_confidence) for e in found] == [
        (21408, "+14155550100", "US", "low"),
        (21408, "+14155550111", "US", "low"),
    ]
    assert _read("Twilio error 21408 for +33612345678, +5511987654321") == [
        (21408, "+33612345678", "FR"),
        (21408, "+5511987654321", "BR"),
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([PLUS, BARE]).flatmap(lambda kind: st.lists(st.sampled_from(kind), min_size=2, max_size=4)),
    st.sampled_from(SHAPES),
    st.sampled_from(SEPARATORS),
    st.sampled_from([21408, 13227, 21215]),
    st.sampled_from(PREFIXES),
    st.sampled_from(["", " from +14155550199", " via +14155550199"]),
)
def test_each_number_listed_after_an_error_is_a_failure(
    numbers: list[tuple[str, str, str]], shape: str, sep: str, code: int, prefix: str, sender: str
) -> None:
    listed = sep.join(written for written, _, _ in numbers)
    if "(" in shape and sender:
        sender = ""  # "failed to send to … (21408) from …": not a shape of this test
    text = prefix + shape.format(c=code, list=listed) + sender + "\n"
    expected, seen = [], set()
    for _, e164, country in numbers:
        if e164 not in seen:  # a number listed twice is one failure
            seen.add(e164)
            expected.append((code, e164, country))
    assert _read(text) == expected, text
    assert all(e.from_ == ("+14155550199" if sender else None) for e in extract(text))


NOT_LISTS = [
    ("error 21408 for +33612345678, 2 attempts", [(21408, "+33612345678", "FR")]),
    ("error 21408 for 4155550100, retrying in 30000 ms", [(21408, "+14155550100", "US")]),
    ("error 21408 for 4155550100, order 12345678901", [(21408, "+14155550100", "US")]),
    ("error 21408 for 4155550100, 1764496800", [(21408, "+14155550100", "US")]),  # an epoch time
    ("error 21408 for +33612345678, 4155550100", [(21408, "+33612345678", "FR")]),  # not written as the first
    ("error 21408 for +33612345678 then +5511987654321", [(21408, None, None)]),  # no list: neither is read
    ("sms from +14155550100 to +33612345678, +14155550100 failed: error 21408", [(21408, "+33612345678", "FR")]),
    ("error 21408 for +33612345678, +33 6 12 34 56 78", [(21408, "+33612345678", "FR")]),
    ('{"recipients": ["+33612345678", "+5511987654321"], "error": {"code": 21408}}', [(21408, None, None)]),
]


def test_what_is_no_list_of_destinations_adds_none() -> None:
    for text, expected in NOT_LISTS:
        assert _read(text) == expected, text
