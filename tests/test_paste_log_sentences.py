"""A log line written as a sentence by the app that sent the message is read as the error it reports.

* The code after a verb: "sms to +44… failed with 21408", "Twilio returned 21408 for +44…" (no error was
  found at all: the code had to follow "error", "code", "failed" or "twilio" right away).
* A destination written in groups with no label before it: "error 21408 for +44 7911 123456",
  "for +1 (876) 812-3456" (the To was lost: only a '+' number written whole was read without a label).
* The account written without a key: "(account AC…)", "subaccount AC…:" (it was dropped).
* The message or call written without a key: "… for +33… (SM…)" (it was dropped, so online the
  resource, the strongest evidence, could not be read).

Paste and triage read them alike.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.paste import extract, scan

# (number as E.164, its country, the same number in groups as people write it)
NUMBERS = [
    ("+447400123456", "GB", "+44 7400 123456"),
    ("+18768123456", "JM", "+1 (876) 812-3456"),
    ("+33612345678", "FR", "+33 6 12 34 56 78"),
    ("+4915123456789", "DE", "+49 151 23456789"),
    ("+819012345678", "JP", "+81 90-1234-5678"),
]
SENTENCES = [
    "sms to {to} failed with {code}",
    "Send to {to} failed with: {code}",
    "Twilio returned {code} for {to}",
    "twilio responded {code} when sending to {to}",
    "error {code} for {to}",
    "ERROR notify failed {code} for {to}",
    "sms to {to} failed with code {code}",
]
BEFORE = ["", "2026-11-30T10:00:00Z ", "[worker-3] WARN ", "May 14 10:22:31 web01 app[231]: "]
AFTER = ["", " (UK customer)", " after 3 retries", ", giving up"]


def _read(text: str) -> list[tuple[object, ...]]:
    return [(e.code, e.to, e.country, e.format) for e in extract(text)]


def test_the_samples() -> None:
    assert _read("sms to +447400123456 failed with 21408") == [(21408, "+447400123456", "GB", "log-line")]
    assert _read("Twilio returned 21215 for +447400123456") == [(21215, "+447400123456", "GB", "log-line")]
    assert _read("error 21408 for +1 (876) 812-3456") == [(21408, "+18768123456", "JM", "log-line")]
    assert _read("error 21408 for +44 7400 123456 (UK customer)") == [(21408, "+447400123456", "GB", "log-line")]


def test_the_sender_in_groups_is_never_the_destination() -> None:
    found = extract("ERROR 21408 from +1 415 555 0100 for +33 6 12 34 56 78")
    assert [(e.to, e.country) for e in found] == [("+33612345678", "FR")]
    (alone,) = extract("ERROR 21408 from +1 415 555 0100")
    assert alone.to is None and alone.country is None


def test_a_number_of_other_words_after_failed_is_no_code() -> None:
    # a code must be Twilio's, and a verb is only allowed before it, never any word
    for line in ("upload failed with 12345678 bytes to +447400123456", "failed after 21408 ms to +447400123456"):
        assert extract(line) == [], line


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(NUMBERS),
    st.booleans(),
    st.sampled_from(SENTENCES),
    st.sampled_from([21408, 21215, 21612]),
    st.sampled_from(BEFORE),
    st.sampled_from(AFTER),
)
def test_every_sentence_gives_its_error_and_destination(
    number: tuple[str, str, str], grouped: bool, sentence: str, code: int, before: str, after: str
) -> None:
    e164, country, groups = number
    line = before + sentence.format(to=groups if grouped else e164, code=code) + after
    assert _read(line) == [(code, e164, country, "log-line")], line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == extract(line + "\n")


ACCOUNTS = ["AC0123456789abcdef0123456789abcdef", "ACfedcba9876543210fedcba9876543210"]
ACCOUNT_WORDS = ["(account {a})", "subaccount {a}:", "for account {a}", "[{a}]"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(ACCOUNT_WORDS), st.sampled_from(SENTENCES), st.booleans())
def test_an_account_written_without_a_key_is_the_errors_account(words: str, sentence: str, first: bool) -> None:
    # "(account AC…)" was dropped: only account=AC… or a URL's /Accounts/AC… was read, so errors of two
    # subaccounts made one group, and online the credentials' account was read in place of the one named
    lines = []
    for account, to in zip(ACCOUNTS, ["+447400123456", "+33612345678"], strict=True):
        error = sentence.format(to=to, code=21408)
        named = words.format(a=account)
        lines.append(f"{named} {error}" if first else f"{error} {named}")
    text = "\n".join(lines) + "\n"
    found = extract(text)
    assert [(e.code, e.to, e.account_sid) for e in found] == [
        (21408, "+447400123456", ACCOUNTS[0]),
        (21408, "+33612345678", ACCOUNTS[1]),
    ], text
    assert list(scan(io.BytesIO(text.encode()))) == found


def test_a_line_naming_two_accounts_names_neither() -> None:
    (found,) = extract(f"twilio error 21408 to +33612345678 parent {ACCOUNTS[0]} sub {ACCOUNTS[1]}")
    assert found.account_sid is None


SIDS = [
    "SMf3354f19c397b936826affa8ff150772",
    "MM0123456789abcdef0123456789abcdef",
    "CA81c20c7db736b66024945ee0c9c81fab",
]
SID_WORDS = ["({s})", "message {s}:", "[{s}]", "for {s}", "{s}"]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SIDS),
    st.sampled_from(SID_WORDS),
    st.sampled_from(SENTENCES),
    st.booleans(),
    st.sampled_from(BEFORE),
)
def test_a_message_or_call_written_without_a_key_is_the_errors_own(
    sid: str, words: str, sentence: str, first: bool, before: str
) -> None:
    error = sentence.format(to="+33612345678", code=21408)
    named = words.format(s=sid)
    line = before + (f"{named} {error}" if first else f"{error} {named}")
    (found,) = extract(line)
    want = (sid, None) if sid[:2] in ("SM", "MM") else (None, sid)
    assert (found.code, found.to, found.message_sid, found.call_sid) == (21408, "+33612345678", *want), line
    assert list(scan(io.BytesIO((line + "\n").encode()))) == [found]


def test_a_line_naming_two_resources_names_neither() -> None:
    (found,) = extract(f"retry of {SIDS[0]} as SMf3354f19c397b936826affa8ff150773 failed: error 21408 to +33612345678")
    assert found.message_sid is None and found.call_sid is None
    (found,) = extract(f"call {SIDS[2]} then sms {SIDS[0]}: error 21408 to +33612345678")
    assert found.message_sid is None and found.call_sid is None
