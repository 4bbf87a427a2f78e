"""The fact registry, and facts derived from evidence plus fetched context.

``FACTS`` is the only list of names a knowledge condition may use; the
knowledge linter rejects any other name. Derivation is pure: it reads the
plain data in :class:`~diagnose.context.Context` and never talks to Twilio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .context import Context, Fetched
from .models import Evidence, Fact


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str
    description: str


def _specs(*rows: tuple[str, str, str]) -> dict[str, FactSpec]:
    return {name: FactSpec(name, typ, desc) for name, typ, desc in rows}


FACTS: Mapping[str, FactSpec] = _specs(
    # The failure itself
    ("error_code", "int", "The Twilio error code of the failure (0 or absent when it did not fail)."),
    ("failed", "bool", "The message or call failed (status failed/undelivered, or an error code is present)."),
    ("status", "str", "The resource's status as Twilio reports it."),
    ("channel", "str", "sms, mms, whatsapp, rcs, voice or sip."),
    ("subject_kind", "str", "message, call or paste."),
    # The destination
    ("to", "str", "The destination as sent, without a channel prefix."),
    ("to_valid", "bool", "phonenumbers considers the destination a valid number."),
    ("country", "str", "ISO 3166 alpha-2 code of the destination; NANP territories are their own country."),
    ("country_name", "str", "English name of the destination country."),
    ("calling_code", "int", "The destination's country calling code (1 for every NANP country)."),
    ("is_nanp", "bool", "The destination is in the North American Numbering Plan (+1)."),
    ("suggested_number", "str", "A valid number the digits most likely meant (e.g. a US number missing its 1), or null."),
    ("suggested_country", "str", "ISO code of suggested_number, or null."),
    ("wrong_prefix_suspected", "bool", "The digits look like a number of another country sent with the wrong prefix."),
    # Country lists (data/countries.yaml)
    ("country_high_risk", "bool", "Messaging: the country is high-risk; only the Console can change it (30649)."),
    ("country_not_allowed", "bool", "The country cannot be enabled at all (Iran, Syria, Cuba)."),
    # Accounts
    ("account_sid", "str", "The account that sent the message or placed the call."),
    ("account_type", "str", "Trial or Full."),
    ("account_status", "str", "active, suspended or closed."),
    ("is_trial", "bool", "The sending account is a trial account."),
    ("is_subaccount", "bool", "The sending account is a subaccount (owner_account_sid differs from its SID)."),
    ("parent_account_sid", "str", "The parent (owner) account, or null for a main account."),
    # Messaging geo permissions (accounts.twilio.com/v1/Messaging/GeoPermissions)
    ("messaging_enabled", "bool", "The destination country is enabled in the sending account's Messaging geo permissions."),
    ("parent_messaging_enabled", "bool", "The destination country is enabled in the parent account's Messaging geo permissions."),
    # Voice dialing permissions (voice.twilio.com/v1/DialingPermissions)
    ("voice_low_risk_enabled", "bool", "low_risk_numbers_enabled for the country on the sending account itself."),
    ("voice_high_risk_special_enabled", "bool", "high_risk_special_numbers_enabled on the sending account itself."),
    ("voice_high_risk_tollfraud_enabled", "bool", "high_risk_tollfraud_numbers_enabled on the sending account itself."),
    ("parent_voice_low_risk_enabled", "bool", "low_risk_numbers_enabled for the country on the parent account."),
    ("parent_voice_high_risk_special_enabled", "bool", "high_risk_special_numbers_enabled on the parent account."),
    ("parent_voice_high_risk_tollfraud_enabled", "bool", "high_risk_tollfraud_numbers_enabled on the parent account."),
    ("voice_inheritance", "bool", "The subaccount's dialing_permissions_inheritance setting (/v1/Settings)."),
    ("effective_voice_low_risk_enabled", "bool", "Low-risk dialing as it applies to the call: the parent's when inheritance is on."),
    ("effective_voice_high_risk_special_enabled", "bool", "High-risk special dialing as it applies to the call."),
    ("governing_account_sid", "str", "The account whose dialing permissions apply: the parent when inheritance is on."),
    ("to_high_risk_special", "bool", "The destination starts with one of the country's HighRiskSpecialPrefixes."),
)
