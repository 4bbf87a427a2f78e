"""Secrets never leave the tool: auth tokens, API secrets, Authorization headers, URL passwords.

:func:`redact_secrets` runs over every excerpt taken from a paste and over every
output the CLI writes. :func:`mask_numbers` (``--redact-numbers``) keeps a
phone number's country code and last two digits, for reports shared outside
the team.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ._labels import LABELS, alternation
from ._rx import rx

REDACTED = "[REDACTED]"

# Case-blind patterns, written in lower case: each runs case-sensitively over the lower-cased text (ten
# times faster than (?i) over a report's megabytes), unless lowering cannot stand for (?i) there (_LOWER_FAILS).
_AUTH_HEADER = r"(authorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?)(?:basic|bearer|token)?[ \t]{0,3}[^\s\"',;]{1,4096}"
_URL_PASSWORD = r"([a-z][a-z0-9+.-]{0,20}://[^\s:/@\"']{1,256}:)[^\s@/\"']{1,256}(@)"
_LABELLED = (
    r"((?:auth[_ -]?token|api[_ -]?secret|secret|password|passwd|pwd|token|twilio_auth_token|twilio_api_secret)"
    r"[\"']?[ \t]{0,3}(?:=>|[:=])[ \t]{0,3}[\"']?)[^\s\"',;&]{1,4096}"
)
_BLIND = {
    name: (rx(f"(?i){pattern}"), rx(pattern))
    for name, pattern in (("auth", _AUTH_HEADER), ("url", _URL_PASSWORD), ("labelled", _LABELLED))
}
# (?i) matches "ı" and "ſ" to i and s, which lower() keeps as they are; lower() makes two characters of "İ"
_LOWER_FAILS = ("ı", "ſ")
_CURL_USER = rx(r"((?:-u|--user)[ \t]{1,3}[\"']?(?:AC|SK)[0-9a-fA-F]{32}:)[^\s\"']{1,4096}")
# A bare 32-hex string that is no SID (SIDs have a two-letter prefix): how auth tokens look, in lower case as
# Twilio writes them or upper-cased by a log pipeline.
_HEX_TOKEN = rx(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32}(?![0-9A-Za-z])")
# A number as pastes write it: after '+' or a form's encoded '+' (%2B: status callbacks, debugger payloads,
# Monitor alerts), its digits whole or in groups ("+33 6 12 34 56 78", "+1 (415) 555-0123")
_PHONE = rx(r"(?:(?<![\w+])\+|(?<![0-9A-Za-z])%2[bB])[1-9][0-9 ().-]{5,24}[0-9]")
# A number without '+' that a label names as one ("to=447700900456", "From": "18005550199", "to_number=…"): every
# label of _labels.LABELS, as the readers read them, and the evidence's own to_raw
_LABELLED_NUMBER = rx(
    r"(?i)(\b(?:" + alternation(tuple(set(LABELS.values()))) + r"|to_raw|from_)[\"']?"
    r"[ \t]{0,3}[:=][ \t]{0,3}[\"']?)([0-9][0-9 ().-]{5,20}[0-9])"
)
# A number that neither '+' nor a label marks ("for 4155550100, 4155550111", "(415) 555-0111" in an excerpt):
# 10 to 15 digits, whole or in groups, never inside a word, a SID, a decimal or a time ("10:00")
_BARE_NUMBER = rx(
    r"(?<![0-9A-Za-z_+*%./:-])\(?[0-9](?:[0-9]|[ .-](?=[0-9])|\) ?(?=[0-9])){8,24}[0-9](?![0-9A-Za-z_*:])"
)
_BARE_DIGITS = (10, 15)
_MIN_DIGITS = 7  # fewer digits make no phone number worth masking (a count, a port, a code)
_MAX_DIGITS = 15  # E.164's longest: digits after them belong to the next word ("+336… 2024-05-14")


_PLACEHOLDER = ("$", "<", "{", "…", "[REDACTED]", "%s", "***")


def _keep(value: str) -> bool:
    """A placeholder (``$TWILIO_AUTH_TOKEN``, ``<token>``) is no secret: a fix command must keep it."""
    word = value.strip().strip("\"'").split()[-1:] or [""]
    return word[0].startswith(_PLACEHOLDER) or word[0].lower() in ("basic", "bearer", "token")


def _sub(pattern: Any, text: str, tail: bool = False, scanned: str | None = None) -> str:
    """``text`` with the secret of each match of ``pattern`` replaced (group 1 before it and, ``tail``,
    group 2 after it kept), placeholders aside; ``scanned``: where to match instead, ``text`` in lower
    case with the same offsets. ``text`` itself when nothing went."""
    out: list[str] = []
    done = 0
    for m in pattern.finditer(text if scanned is None else scanned):
        end = m.end() - (len(m.group(2)) if tail else 0)
        if _keep(text[m.end(1) : end]):
            continue
        out += (text[done : m.end(1)], REDACTED)
        done = end
    return "".join(out) + text[done:] if out else text


def _sub_blind(name: str, text: str, low: str, tail: bool = False) -> str:
    """:func:`_sub` of the case-blind pattern ``name``; ``low`` is ``text`` in lower case."""
    blind, lower = _BLIND[name]
    if len(low) != len(text) or any(c in low for c in _LOWER_FAILS):
        return _sub(blind, text, tail)
    return _sub(lower, text, tail, scanned=low)


def redact_secrets(text: str) -> str:
    """``text`` with secrets replaced by ``[REDACTED]``; placeholders such as ``$TWILIO_AUTH_TOKEN`` stay."""
    if not text:
        return text
    low = text.lower()
    # each pattern runs only where its key word is: most excerpts hold none of them
    for name, present in (
        ("auth", "authorization" in low),
        ("url", "://" in text and "@" in text),
        ("curl", "-u" in text),
        ("labelled", any(word in low for word in ("token", "secret", "passw", "pwd"))),
    ):
        if not present:
            continue
        done = _sub(_CURL_USER, text) if name == "curl" else _sub_blind(name, text, low, tail=name == "url")
        if done is not text:  # lower the text again only when a secret went
            text, low = done, done.lower()
    return _HEX_TOKEN.sub(REDACTED, text)


def mask_number(number: str) -> str:
    """``+33612345678`` → ``+33*******78``: country code kept, the rest masked but the last two."""
    digits = number.lstrip("+")
    return "+" + _masked_digits(digits, keep=_cc_size(digits))


def _cc_size(digits: str) -> int:
    """How many of ``digits`` (a number written with '+', without it) are its country code."""
    import phonenumbers

    for size in (1, 2, 3):
        if phonenumbers.region_codes_for_country_code(int(digits[:size] or 0)):
            return size
    return 0


def mask_numbers(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every phone number masked (:func:`mask_number`): written with '+' or %2B, whole or in
    groups, or without '+' after a label that names it a number; each of ``known`` (the numbers the
    evidence read, as written: "07700 900123", "447700900456") wherever it stands; and any other run of 10
    to 15 digits, whole or in groups, that stands alone (an epoch time or an id of that length too)."""
    if "+" in text or "%2" in text:
        text = _PHONE.sub(_masked_match, text)
    if "=" in text or ":" in text:
        text = _LABELLED_NUMBER.sub(lambda m: m.group(1) + _masked_digits(m.group(2), keep=0), text)
    for number in sorted({n for n in known if n and sum(c.isdigit() for c in n) >= _MIN_DIGITS}, key=len)[::-1]:
        if number in text:
            keep = _cc_size("".join(c for c in number if c.isdigit())) if number.startswith("+") else 0
            text = text.replace(number, _masked_digits(number, keep=keep))
    return _BARE_NUMBER.sub(_masked_bare, text)


def _masked_bare(m: re.Match[str]) -> str:
    """A run of 10 to 15 digits masked whatever it is: a phone number no label names looks like an id or a
    time of that length, and a report shared outside the team had better lose those than leak one."""
    found = m.group()
    low, high = _BARE_DIGITS
    return _masked_digits(found, keep=0) if low <= sum(c.isdigit() for c in found) <= high else found


def _masked_match(m: re.Match[str]) -> str:
    found = m.group()
    plus = 3 if found[0] == "%" else 1
    body = found[plus:]
    run = len(body) - len(body.lstrip("0123456789"))
    if run >= _MIN_DIGITS:  # written whole: the number is that run ("+33612345678 400 Bad Request")
        cut = min(run, _MAX_DIGITS)
    else:  # in groups: up to E.164's longest
        cut, digits = len(body), 0
        for at, c in enumerate(body):
            digits += c.isdigit()
            if digits == _MAX_DIGITS:
                cut = at + 1
                break
    number = body[:cut].rstrip(" ().-")
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) < _MIN_DIGITS:
        return found
    return found[:plus] + _masked_digits(number, keep=_cc_size(digits)) + body[len(number) :]


def _masked_digits(text: str, keep: int) -> str:
    """``text`` with its digits masked but the first ``keep`` and the last two; other characters kept."""
    total = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isdigit():
            seen += 1
            if keep < seen <= total - 2:
                c = "*"
        out.append(c)
    return "".join(out)
