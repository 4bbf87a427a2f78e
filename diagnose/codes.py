"""What a Twilio error code is: one definition, pure, with no imports.

Its own module so that ``diagnose explain`` and the knowledge linter can use it
without importing the evidence step and its data model (start-up time).
"""

from __future__ import annotations

MAX_CODE_DIGITS = 6
"""Twilio error codes have at most six digits (the longest in the error index has five)."""


def error_code(text: str) -> int | None:
    """The Twilio error code ``text`` spells (``"21408"``, surrounding spaces allowed), else None.

    The one definition of "is this a code": ``diagnose explain`` and the knowledge
    linter (a file is named ``<code>.yaml``) both use it. ASCII digits only:
    ``isdigit()`` alone accepts ``"²"`` and other digits ``int()`` refuses.
    """
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > MAX_CODE_DIGITS:
        return None
    return int(cleaned)


def unknown_code(number: int) -> str:
    """What ``explain`` and ``diagnose CODE`` say of a code that neither the index nor the knowledge has."""
    return f"{number} is not a Twilio error code we know (see https://www.twilio.com/docs/api/errors)"
