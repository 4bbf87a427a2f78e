"""A bare code after a log's level and its source: ``WARN send_sms: 21408 for +5511987654321``.

A five-digit number no word names is a code only when it opens the log message and a label and a '+' number follow
it (docs/report-format.md, "Which numbers are codes"). What may stand before it was a stamp, a level and bracketed
tags, so the logger, module or function most log formats write between the level and the message (``%(levelname)s
%(name)s: %(message)s``) made the line no error at all. After a level, such a source is now read as the log's: a name
as code writes one (``send_sms``, ``app.sms``, ``SmsSender``, ``worker-3``, maybe with a ``[pid]``). A word alone
(``job:``), a key of an id or a count (``job_id:``, ``retry_count:``), a source with no level before it, an INFO line
and a line that says the message went out stay no error, as before. Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

NUMBERS = [("+5511987654321", "BR"), ("+33612345678", "FR"), ("+2348031234567", "NG"), ("+4915123456789", "DE")]
LEVELS = ["WARN ", "ERROR ", "[error] ", "WARNING: ", "FATAL "]
SOURCES = ["send_sms: ", "app.sms: ", "SmsSender: ", "twilio.rest: ", "notify-worker[12]: ", "sms/send: ", "job3: "]
STAMPS = ["", "2026-12-02T10:00:00Z ", "May 14 10:22:31 web01 app[7]: "]
TAILS = ["for {n}", "to {n}", "to={n}", "recipient={n}", "callee: {n}"]


def _read(text: str) -> list[tuple[object, ...]]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    return [(e.code, e.to, e.country) for e in found]


def test_the_reported_line_is_an_error() -> None:
    assert _read("WARN send_sms: 21408 for +5511987654321") == [(21408, "+5511987654321", "BR")]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(STAMPS),
    st.sampled_from(LEVELS),
    st.sampled_from(["", "[sms] "]),
    st.sampled_from(SOURCES),
    st.sampled_from([21408, 13227, 21215, 32205]),
    st.sampled_from(TAILS),
    st.sampled_from(NUMBERS),
    st.sampled_from(["", "\nINFO next line\n"]),
)
def test_a_code_after_a_level_and_a_source_is_read(
    stamp: str, level: str, tag: str, source: str, code: int, tail: str, number: tuple[str, str], around: str
) -> None:
    text = around + stamp + level + tag + source + f"{code} " + tail.format(n=number[0]) + "\n" + around
    assert _read(text) == [(code, number[0], number[1])], text


DECOYS = [
    "WARN job: 21408 for {n}",  # a word: what the number may be the id of
    "WARN job_id: 21408 for {n}",  # a key of an id or a count
    "ERROR retry_count: 21408 to={n}",
    "ERROR order.no: 21408 to={n}",
    "WARN batchId: 21408 for {n}",
    "send_sms: 21408 for {n}",  # no level before the source
    "INFO send_sms: 21408 for {n}",  # an INFO line is no error
    "WARN send_sms: 21408 for {n} delivered",  # it went out
    "WARN send_sms: 21408 messages to={n}",  # a count of messages
    "WARN send_sms: job 21408 for {n}",
    "WARN send_sms: app.sms: 21408 for {n}",  # two sources: words of the message
    "WARN send_sms: 21408 for 5511987654321",  # no '+'
]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(DECOYS), st.sampled_from(STAMPS), st.sampled_from(NUMBERS))
def test_a_source_that_names_an_id_or_a_line_that_is_no_error_reads_nothing(
    decoy: str, stamp: str, number: tuple[str, str]
) -> None:
    text = stamp + decoy.format(n=number[0]) + "\n"
    assert _read(text) == [], text
