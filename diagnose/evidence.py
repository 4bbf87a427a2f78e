"""Evidence: what the input says about a failure, before any fact is derived.

Pure functions over plain data. A SID is checked here, before any request;
the Message/Call/Notification/Alert payloads the gateway fetched become an
:class:`~diagnose.models.Evidence` here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus

from .errors import InputError
from .models import Evidence

# Twilio writes every SID as two upper-case letters and 32 lower-case hex digits (SMc3fa1dce…); its API
# specs accept the hex digits in either case. A SID given in another case (a log pipeline upper-cased it) is
# taken in Twilio's form: the SID Twilio issued, the one asked for and shown.
_SID = re.compile(r"^(?P<prefix>SM|MM|CA)(?P<hex>[0-9a-f]{32})$")
_ACCOUNT = re.compile(r"^AC[0-9a-f]{32}$")
_ANY_CASE_SID = re.compile(r"^[A-Za-z]{2}[0-9a-fA-F]{32}$")


def twilio_form(sid: str) -> str:
    """``sid`` as Twilio writes it (upper-case letters, lower-case hex) when it is a SID in any case, else as given."""
    return sid[:2].upper() + sid[2:].lower() if _ANY_CASE_SID.match(sid) else sid


_E164 = re.compile(r"(?<![\w+])\+[1-9]\d{6,14}(?!\d)")

# Codes raised for a number that was dialled, by <Dial> in TwiML (13227) or through an Elastic SIP
# Trunk (32205). The SID may be the parent call, whose own `to` is not what was dialled, or the leg
# that dialled it, whose `to` is.
DIAL_LEG_CODES = frozenset({13227, 32205, 13225, 32224})
# Call directions (twilio_api_v2010.json, call `direction`) of a leg whose own `to` is the number
# dialled: a <Dial> child leg, or a call from a SIP trunk to the PSTN.
DIALLING_DIRECTIONS = frozenset({"outbound-dial", "trunking-terminating"})
# Directions of a parent call: it ran the TwiML whose <Dial> failed; its `to` is the caller's target.
PARENT_DIRECTIONS = frozenset({"inbound", "outbound-api", "trunking-originating"})


# SIDs of other kinds that a support engineer has at hand and may pass instead: what to do with each.
_OTHER_SIDS = {
    "AC": "it is an account SID: give it as --account beside the message or call SID",
    "NO": "it is an alert or notification SID: its resource_sid, the message or call it is about, is what to diagnose",
    "MG": "it is a Messaging Service SID: diagnose one of the messages sent through it",
}


def classify_sid(text: str) -> tuple[Literal["message", "call"], str]:
    """Return the subject kind of a message or call SID, or raise InputError."""
    sid = twilio_form(text.strip())
    match = _SID.match(sid)
    if match is None:
        hint = ""
        if sid[:2].upper() in {"SM", "MM", "CA"}:
            rest = max(len(sid) - 2, 0)
            chars = "character" if rest == 1 else "characters"
            hint = f" (a SID is 2 letters and 32 hex digits; this one has {rest} {chars} after them)"
        elif _ANY_CASE_SID.match(sid) and sid[:2].upper() in _OTHER_SIDS:
            hint = f" ({_OTHER_SIDS[sid[:2].upper()]})"
        raise InputError(
            f"{sid!r} is not a message SID (SM…/MM…) or a call SID (CA…){hint}. "
            "Find it in the Console (Monitor → Logs) or in the `sid` your application got back."
        )
    kind: Literal["message", "call"] = "call" if match["prefix"] == "CA" else "message"
    return kind, sid


def check_account_sid(text: str) -> str:
    sid = twilio_form(text.strip())
    if not _ACCOUNT.match(sid):
        raise InputError(f"{text.strip()!r} is not an account SID (AC followed by 32 hex digits).")
    return sid


def _code(value: Any) -> int | None:
    """Twilio sends error codes as int (Messages) or str (Notifications, Alerts)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        code = int(str(value).strip())
    except ValueError:
        return None
    return code or None


def _text(value: Any) -> str | None:
    """A string field of a payload, or None when absent or of the wrong type."""
    return value if isinstance(value, str) and value else None


def channel_of(address: str | None, *, kind: str, num_media: Any = None, code: int | None = None) -> str:
    """The channel a message or call used, from its addresses."""
    text = (address or "").strip().lower()
    if ":" in text and not text.startswith("+"):
        prefix = text.split(":", 1)[0]
        if prefix in {"whatsapp", "rcs", "messenger"}:
            return prefix
        if prefix in {"sip", "sips"}:
            return "sip"
    if kind == "call":
        return "sip" if code == 32205 else "voice"
    try:
        return "mms" if int(num_media or 0) > 0 else "sms"
    except (TypeError, ValueError):
        return "sms"


def _resource_fields(payload: Mapping[str, Any], to: str | None, from_: str | None, fmt: str) -> dict[str, Any]:
    """What a Message and a Call resource both tell: the account, the parties, the destination and the status."""
    from .countries import parse_destination

    return {
        "account_sid": _text(payload.get("account_sid")),
        "to": to,
        "from_": from_,
        "country": parse_destination(to).country if to else None,
        "format": fmt,
        "status": _text(payload.get("status")),
    }


def from_message(payload: Mapping[str, Any], *, fmt: str = "sid") -> Evidence:
    """Evidence from a Message resource (api.twilio.com 2010-04-01 wire format)."""
    code = _code(payload.get("error_code"))
    to, from_, sid = _text(payload.get("to")), _text(payload.get("from")), _text(payload.get("sid"))
    return Evidence(
        kind="message",
        sid=sid,
        code=code,
        http_status=None,
        message_sid=sid,
        channel=channel_of(to or from_, kind="message", num_media=payload.get("num_media")),
        **_resource_fields(payload, to, from_, fmt),
    )


def call_error_code(
    notifications: Sequence[Mapping[str, Any]] | None, alerts: Sequence[Mapping[str, Any]] | None
) -> int | None:
    """The call's error code: the first error-level Notification, else the first matching Alert."""
    for rows in (notifications or (), alerts or ()):
        # Errors (log "0" / level "error") outrank warnings, but 13227 is itself logged as a warning.
        ordered = sorted(rows, key=lambda r: str(r.get("log", r.get("log_level", ""))).lower() not in {"0", "error"})
        for row in ordered:
            code = _code(row.get("error_code"))
            if code:
                return code
    return None


def from_call(
    payload: Mapping[str, Any],
    notifications: Sequence[Mapping[str, Any]] | None = None,
    alerts: Sequence[Mapping[str, Any]] | None = None,
    *,
    fmt: str = "sid",
) -> Evidence:
    """Evidence from a Call resource plus its Notifications or Monitor Alerts."""
    code = call_error_code(notifications, alerts)
    to, sid, from_ = _text(payload.get("to")), _text(payload.get("sid")), _text(payload.get("from"))
    excerpt = ""
    if code in DIAL_LEG_CODES:
        to, excerpt = dialled_to(code, payload, notifications, alerts)
    return Evidence(
        kind="call",
        sid=sid,
        code=code,
        call_sid=sid,
        channel=channel_of(to or _text(payload.get("to")), kind="call", code=code),
        excerpt=excerpt,
        **_resource_fields(payload, to, from_, fmt),
    )


def dialled_to(
    code: int | None,
    payload: Mapping[str, Any],
    notifications: Sequence[Mapping[str, Any]] | None,
    alerts: Sequence[Mapping[str, Any]] | None,
) -> tuple[str | None, str]:
    """The number a 13227/32205 call dialled, and the text it was read from ("" for the call's own ``to``).

    In order: a ``phonenumber=`` value in the notification or alert text (authoritative, even when it
    equals a number of the call); the call's own ``to`` when the call is the leg that dialled (a
    ``<Dial>`` child leg: direction ``outbound-dial``, or a ``parent_call_sid``, "the call that created
    this leg"; a trunk's ``trunking-terminating`` call; a 32205 call of unknown direction); for a parent
    call, another E.164 number in the texts; else None.
    """
    to, from_ = _text(payload.get("to")), _text(payload.get("from"))
    stated = stated_phonenumber(notifications, alerts)
    if stated is not None:
        return stated
    if is_dialled_leg(payload, code):
        return to, ""
    found = dialled_number(notifications, alerts, exclude=(to, from_))
    return found if found else (None, "")


def is_dialled_leg(payload: Mapping[str, Any], code: int | None) -> bool:
    """The call is the leg that dialled its own ``to``: a ``<Dial>`` child leg (direction ``outbound-dial``, or a
    ``parent_call_sid``), a trunk's ``trunking-terminating`` call, or a 32205 call of unknown direction."""
    direction = (_text(payload.get("direction")) or "").strip().lower()
    if direction in DIALLING_DIRECTIONS or _text(payload.get("parent_call_sid")):
        return True
    return code == 32205 and direction not in PARENT_DIRECTIONS


def stated_phonenumber(
    notifications: Sequence[Mapping[str, Any]] | None,
    alerts: Sequence[Mapping[str, Any]] | None,
) -> tuple[str, str] | None:
    """The ``phonenumber=`` value of the first notification or alert text that has one, with that text."""
    for row in (*(notifications or ()), *(alerts or ())):
        for field in ("message_text", "alert_text", "request_variables"):
            raw = row.get(field)
            if not isinstance(raw, str) or "phonenumber=" not in raw.lower():
                continue
            for key, value in parse_qsl(raw[:4000], keep_blank_values=False):
                number = value.strip()
                if key.strip().lower() == "phonenumber" and number:
                    return number[:64], unquote_plus(raw)[:300]
    return None


def dialled_number(
    notifications: Sequence[Mapping[str, Any]] | None,
    alerts: Sequence[Mapping[str, Any]] | None,
    *,
    exclude: Sequence[str | None] = (),
) -> tuple[str, str] | None:
    """The number a <Dial> tried, read from the Notification or Alert text, with the text it came from.

    Twilio writes these texts URL-encoded (``key=value&…``); the first E.164 number in them that
    is not the call's own ``to`` or ``from`` is taken.
    """
    skip = {e for e in exclude if e}
    for row in (*(notifications or ()), *(alerts or ())):
        for field in ("message_text", "alert_text", "request_variables"):
            raw = row.get(field)
            if not isinstance(raw, str) or not raw:
                continue
            text = unquote_plus(raw)
            for match in _E164.finditer(text):
                if match.group() not in skip:
                    return match.group(), text[:300]
    return None
