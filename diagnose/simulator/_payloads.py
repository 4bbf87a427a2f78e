"""Wire-format documents, field for field as twilio-oai describes them. Pure functions of records."""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any

from diagnose.country_table import Country
from diagnose.simulator._model import Account, Alert, Call, Message, Notification, VoicePermission

API_VERSION = "2010-04-01"
API_BASE = f"/{API_VERSION}"
VOICE_HOST = "https://voice.twilio.com"
ACCOUNTS_HOST = "https://accounts.twilio.com"
MONITOR_HOST = "https://monitor.twilio.com"

# Subresources listed on an Account (the order of the spec's example).
_ACCOUNT_SUBRESOURCES = {
    "available_phone_numbers": "AvailablePhoneNumbers",
    "calls": "Calls",
    "conferences": "Conferences",
    "incoming_phone_numbers": "IncomingPhoneNumbers",
    "notifications": "Notifications",
    "outgoing_caller_ids": "OutgoingCallerIds",
    "recordings": "Recordings",
    "transcriptions": "Transcriptions",
    "addresses": "Addresses",
    "signing_keys": "SigningKeys",
    "connect_apps": "ConnectApps",
    "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps",
    "usage": "Usage",
    "keys": "Keys",
    "applications": "Applications",
    "short_codes": "SMS/ShortCodes",
    "queues": "Queues",
    "messages": "Messages",
    "balance": "Balance",
}
_CALL_SUBRESOURCES = {
    "notifications": "Notifications",
    "recordings": "Recordings",
    "payments": "Payments",
    "events": "Events",
    "siprec": "Siprec",
    "streams": "Streams",
    "transcriptions": "Transcriptions",
    "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
    "user_defined_messages": "UserDefinedMessages",
}


def rfc2822(when: dt.datetime | None) -> str | None:
    """``Fri, 24 May 2019 17:18:27 +0000``, as the 2010-04-01 API writes dates."""
    return None if when is None else email.utils.format_datetime(when.astimezone(dt.timezone.utc))


def iso8601(when: dt.datetime | None) -> str | None:
    """``2015-07-30T20:00:00Z``, as the v1 APIs write dates."""
    return None if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, code: int, message: str) -> dict[str, Any]:
    """A Twilio error document."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return {"code": code, "message": message, "more_info": more_info, "status": status}


def account(acc: Account) -> dict[str, Any]:
    base = f"{API_BASE}/Accounts/{acc.sid}"
    return {
        "auth_token": acc.auth_token,
        "date_created": rfc2822(acc.date_created),
        "date_updated": rfc2822(acc.date_created),
        "friendly_name": acc.friendly_name,
        "owner_account_sid": acc.owner_account_sid,
        "sid": acc.sid,
        "status": acc.status,
        "subresource_uris": {key: f"{base}/{name}.json" for key, name in _ACCOUNT_SUBRESOURCES.items()},
        "type": acc.type,
        "uri": f"{base}.json",
    }


def message(msg: Message) -> dict[str, Any]:
    base = f"{API_BASE}/Accounts/{msg.account_sid}/Messages/{msg.sid}"
    return {
        "account_sid": msg.account_sid,
        "api_version": API_VERSION,
        "body": msg.body,
        "date_created": rfc2822(msg.date_created),
        "date_sent": rfc2822(msg.date_sent),
        "date_updated": rfc2822(msg.date_updated),
        "direction": msg.direction,
        "error_code": msg.error_code,
        "error_message": msg.error_message,
        "from": msg.from_,
        "messaging_service_sid": msg.messaging_service_sid,
        "num_media": msg.num_media,
        "num_segments": msg.num_segments,
        "price": msg.price,
        "price_unit": msg.price_unit,
        "sid": msg.sid,
        "status": msg.status,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "to": msg.to,
        "uri": f"{base}.json",
    }


def _formatted(number: str) -> str:
    """``(305) 191-3581`` for NANP numbers, the number itself otherwise (as Twilio formats calls)."""
    digits = number[2:]
    if number.startswith("+1") and len(digits) == 10 and digits.isascii() and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return number


def call(c: Call) -> dict[str, Any]:
    base = f"{API_BASE}/Accounts/{c.account_sid}/Calls/{c.sid}"
    return {
        "account_sid": c.account_sid,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": rfc2822(c.date_created),
        "date_updated": rfc2822(c.end_time or c.date_created),
        "direction": c.direction,
        "duration": c.duration,
        "end_time": rfc2822(c.end_time),
        "forwarded_from": None,
        "from": c.from_,
        "from_formatted": _formatted(c.from_),
        "group_sid": None,
        "parent_call_sid": c.parent_call_sid,
        "phone_number_sid": None,
        "price": c.price,
        "price_unit": c.price_unit,
        "queue_time": "0",
        "sid": c.sid,
        "start_time": rfc2822(c.start_time),
        "status": c.status,
        "subresource_uris": {key: f"{base}/{name}.json" for key, name in _CALL_SUBRESOURCES.items()},
        "to": c.to,
        "to_formatted": _formatted(c.to),
        "trunk_sid": None,
        "uri": f"{base}.json",
    }


def notification(note: Notification) -> dict[str, Any]:
    return {
        "account_sid": note.account_sid,
        "api_version": API_VERSION,
        "call_sid": note.call_sid,
        "date_created": rfc2822(note.date_created),
        "date_updated": rfc2822(note.date_created),
        "error_code": note.error_code,
        "log": note.log,
        "message_date": rfc2822(note.date_created),
        "message_text": note.message_text,
        "more_info": note.more_info,
        "request_method": note.request_method,
        "request_url": note.request_url,
        "sid": note.sid,
        "uri": f"{API_BASE}/Accounts/{note.account_sid}/Calls/{note.call_sid}/Notifications/{note.sid}.json",
    }


def alert(a: Alert, *, instance: bool) -> dict[str, Any]:
    """An alert as ``GET /v1/Alerts`` lists it, or (``instance``) as ``GET /v1/Alerts/{Sid}`` returns it."""
    doc: dict[str, Any] = {
        "account_sid": a.account_sid,
        "alert_text": a.alert_text,
        "api_version": API_VERSION,
        "date_created": iso8601(a.date_created),
        "date_generated": iso8601(a.date_created),
        "date_updated": iso8601(a.date_created),
        "error_code": a.error_code,
        "log_level": a.log_level,
        "more_info": a.more_info,
        "request_method": a.request_method,
        "request_url": a.request_url,
        "resource_sid": a.resource_sid,
        "service_sid": a.service_sid,
        "sid": a.sid,
        "url": f"{MONITOR_HOST}/v1/Alerts/{a.sid}",
    }
    if instance:
        doc |= {"request_variables": None, "response_body": None, "response_headers": None, "request_headers": None}
    return doc


def messaging_permission(country: Country, enabled: bool, *, console_only: bool) -> dict[str, Any]:
    return {
        "country_code": country.iso,
        "type": "country",
        "enabled": enabled,
        "prefix": f"+{country.calling_code}",
        "message": "High Risk Country" if console_only else "",
    }


def dialing_country(country: Country, perm: VoicePermission) -> dict[str, Any]:
    url = f"{VOICE_HOST}/v1/DialingPermissions/Countries/{country.iso}"
    return {
        "iso_code": country.iso,
        "name": country.name,
        "continent": country.continent,
        "country_codes": list(country.prefixes),
        "low_risk_numbers_enabled": perm.low_risk,
        "high_risk_special_numbers_enabled": perm.high_risk_special,
        "high_risk_tollfraud_numbers_enabled": perm.high_risk_tollfraud,
        "url": url,
        "links": {"highrisk_special_prefixes": f"{url}/HighRiskSpecialPrefixes"},
    }


def dialing_settings(inheritance: bool) -> dict[str, Any]:
    return {"dialing_permissions_inheritance": inheritance, "url": f"{VOICE_HOST}/v1/Settings"}
