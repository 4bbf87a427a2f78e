"""Secrets never leave the tool: auth tokens, API secrets, Authorization headers, URL passwords.

:func:`redact_secrets` runs over every excerpt taken from a paste and over every
output the CLI writes. :func:`mask_numbers` (``--redact-numbers``) keeps a
phone number's country code and last two digits, for reports shared outside
the team.
"""

from __future__ import annotations

from typing import Any

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
# A bare 32-hex string that is no SID (SIDs have a two-letter prefix): how auth tokens look.
_HEX_TOKEN = rx(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])")
_PHONE = rx(r"(?<![\w+])\+[1-9][0-9]{6,14}(?![0-9])")


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
    import phonenumbers

    digits = number.lstrip("+")
    cc = ""
    for size in (1, 2, 3):
        if phonenumbers.region_codes_for_country_code(int(digits[:size] or 0)):
            cc = digits[:size]
            break
    keep = len(cc)
    hidden = max(0, len(digits) - keep - 2)
    return "+" + digits[:keep] + "*" * hidden + digits[keep + hidden :]


def mask_numbers(text: str) -> str:
    return _PHONE.sub(lambda m: mask_number(m.group()), text) if "+" in text else text
