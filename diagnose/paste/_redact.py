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

_AUTH_HEADER = rx(
    r"(?i)(authorization[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?)(?:basic|bearer|token)?[ \t]{0,3}[^\s\"',;]{1,4096}"
)
_URL_PASSWORD = rx(r"(?i)([a-z][a-z0-9+.-]{0,20}://[^\s:/@\"']{1,256}:)[^\s@/\"']{1,256}(@)")
_LABELLED = rx(
    r"(?i)((?:auth[_ -]?token|api[_ -]?secret|secret|password|passwd|pwd|token|twilio_auth_token|twilio_api_secret)"
    r"[\"']?[ \t]{0,3}(?:=>|[:=])[ \t]{0,3}[\"']?)[^\s\"',;&]{1,4096}"
)
_CURL_USER = rx(r"((?:-u|--user)[ \t]{1,3}[\"']?(?:AC|SK)[0-9a-fA-F]{32}:)[^\s\"']{1,4096}")
# A bare 32-hex string that is no SID (SIDs have a two-letter prefix): how auth tokens look.
_HEX_TOKEN = rx(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])")
_PHONE = rx(r"(?<![\w+])\+[1-9][0-9]{6,14}(?![0-9])")


_PLACEHOLDER = ("$", "<", "{", "…", "[REDACTED]", "%s", "***")


def _keep(value: str) -> bool:
    """A placeholder (``$TWILIO_AUTH_TOKEN``, ``<token>``) is no secret: a fix command must keep it."""
    word = value.strip().strip("\"'").split()[-1:] or [""]
    return word[0].startswith(_PLACEHOLDER) or word[0].lower() in ("basic", "bearer", "token")


def _sub(pattern: Any, text: str, tail: bool = False) -> str:
    def repl(m: Any) -> str:
        value = m.group(0)[len(m.group(1)) : len(m.group(0)) - (len(m.group(2)) if tail else 0)]
        if _keep(value):
            return str(m.group(0))
        return m.group(1) + REDACTED + (m.group(2) if tail else "")

    return pattern.sub(repl, text)


def redact_secrets(text: str) -> str:
    """``text`` with secrets replaced by ``[REDACTED]``; placeholders such as ``$TWILIO_AUTH_TOKEN`` stay."""
    if not text:
        return text
    low = text.lower()
    # each pattern runs only where its key word is: most excerpts hold none of them
    if "authorization" in low:
        text = _sub(_AUTH_HEADER, text)
    if "://" in text and "@" in text:
        text = _sub(_URL_PASSWORD, text, tail=True)
    if "-u" in text:
        text = _sub(_CURL_USER, text)
    if any(word in low for word in ("token", "secret", "passw", "pwd")):
        text = _sub(_LABELLED, text)
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
