"""Fact-level scenarios: for each built-in cause, facts that confirm it and facts that rule it out.

Shared by the engine tests. A new knowledge file needs rows here (the guard in
test_engine.py fails otherwise), in the manner of ansible-lint's pass/fail examples.
"""

from __future__ import annotations

from typing import Any

from diagnose.conditions import UNKNOWN

SMS_BASE: dict[str, Any] = {
    "error_code": 21408,
    "failed": True,
    "status": "failed",
    "channel": "sms",
    "subject_kind": "message",
    "to": "+33612345678",
    "to_valid": True,
    "country": "FR",
    "country_name": "France",
    "calling_code": 33,
    "is_nanp": False,
    "suggested_number": None,
    "suggested_country": None,
    "suggested_country_name": None,
    "wrong_prefix_shape": None,
    "wrong_prefix_how": None,
    "wrong_prefix_suspected": False,
    "country_high_risk": False,
    "country_not_allowed": False,
    "to_blocked_prefix": False,
    "blocked_prefix": None,
    "blocked_prefix_name": None,
    "account_sid": "AC" + "1" * 32,
    "account_type": "Full",
    "account_status": "active",
    "is_trial": False,
    "is_subaccount": False,
    "parent_account_sid": None,
    "messaging_enabled": False,
    "parent_messaging_enabled": None,
}

SUB = {"is_subaccount": True, "parent_account_sid": "AC" + "0" * 32}

# Crimea: phonenumbers reads +7 978 as Russia; Twilio blocks the range by prefix.
CRIMEA = {
    "to": "+79781234567",
    "country": "RU",
    "country_name": "Russia",
    "calling_code": 7,
    "to_blocked_prefix": True,
    "blocked_prefix": "+7978",
    "blocked_prefix_name": "Crimea",
}

SMS_CASES: dict[str, dict[str, Any]] = {
    "missing-country": {},
    "blocked-prefix": CRIMEA,
    "subaccount-mismatch": {
        **SUB,
        "to": "+17875550100",
        "country": "PR",
        "country_name": "Puerto Rico",
        "calling_code": 1,
        "is_nanp": True,
        "parent_messaging_enabled": True,
    },
    "high-restriction-country": {
        "to": "+2348031234567",
        "country": "NG",
        "country_name": "Nigeria",
        "calling_code": 234,
        "country_high_risk": True,
    },
    "country-not-allowed": {
        "to": "+989121234567",
        "country": "IR",
        "country_name": "Iran",
        "calling_code": 98,
        "country_not_allowed": True,
    },
    "permission-enabled-now": {
        "to": "+4915112345678",
        "country": "DE",
        "country_name": "Germany",
        "calling_code": 49,
        "messaging_enabled": True,
    },
    "wrong-country-code": {
        "to": "+2125550143",
        "to_valid": False,
        "country": "MA",
        "country_name": "Morocco",
        "calling_code": 212,
        "suggested_number": "+12125550143",
        "suggested_country": "US",
        "suggested_country_name": "United States",
        "wrong_prefix_shape": "nanp-missing-1",
        "wrong_prefix_how": "a US or Canadian number lost its leading 1",
        "wrong_prefix_suspected": True,
    },
}

VOICE_BASE: dict[str, Any] = {
    **{k: v for k, v in SMS_BASE.items() if not k.startswith(("messaging", "parent_messaging"))},
    "error_code": 21215,
    "channel": "voice",
    "subject_kind": "call",
    "to": "+525512345678",
    "country": "MX",
    "country_name": "Mexico",
    "calling_code": 52,
    "voice_low_risk_enabled": False,
    "voice_high_risk_special_enabled": False,
    "voice_high_risk_tollfraud_enabled": False,
    "parent_voice_low_risk_enabled": None,
    "parent_voice_high_risk_special_enabled": None,
    "parent_voice_high_risk_tollfraud_enabled": None,
    "voice_inheritance": False,
    "effective_voice_low_risk_enabled": False,
    "effective_voice_high_risk_special_enabled": False,
    "effective_voice_high_risk_tollfraud_enabled": False,
    "governing_account_sid": "AC" + "1" * 32,
    "to_high_risk_special": False,
}

_GB = {"to": "+447012345678", "country": "GB", "country_name": "United Kingdom", "calling_code": 44}

VOICE_CASES: dict[str, dict[str, Any]] = {
    "missing-country": {},
    "blocked-prefix": CRIMEA,
    "subaccount-mismatch": {
        **SUB,
        **_GB,
        "parent_voice_low_risk_enabled": True,
        "parent_voice_high_risk_special_enabled": False,
    },
    "high-risk-number-range": {
        **_GB,
        "voice_low_risk_enabled": True,
        "effective_voice_low_risk_enabled": True,
        "to_high_risk_special": True,
    },
    "trial-account": {
        **SUB,
        **_GB,
        "account_type": "Trial",
        "is_trial": True,
        "voice_low_risk_enabled": True,
        "effective_voice_low_risk_enabled": True,
        "to_high_risk_special": True,
        "parent_voice_low_risk_enabled": True,
        "parent_voice_high_risk_special_enabled": False,
    },
    "country-not-allowed": {
        "to": "+989121234567",
        "country": "IR",
        "country_name": "Iran",
        "calling_code": 98,
        "country_not_allowed": True,
    },
    "wrong-country-code": {
        "to": "+2125550143",
        "to_valid": False,
        "country": "MA",
        "country_name": "Morocco",
        "calling_code": 212,
        "suggested_number": "+12125550143",
        "suggested_country": "US",
        "suggested_country_name": "United States",
        "wrong_prefix_shape": "nanp-missing-1",
        "wrong_prefix_how": "a US or Canadian number lost its leading 1",
        "wrong_prefix_suspected": True,
    },
    "permission-enabled-now": {
        "voice_low_risk_enabled": True,
        "effective_voice_low_risk_enabled": True,
        "voice_high_risk_tollfraud_enabled": True,
        "effective_voice_high_risk_tollfraud_enabled": True,
    },
}

# 30649 comes from the response of a PATCH to the Messaging GeoPermissions API,
# not from a message: the country is the refused entry's country_code, and
# there is no 'To' number, status or channel (unknown, as for pasted text).
MESSAGING_API_BASE: dict[str, Any] = {
    "error_code": 30649,
    "failed": True,
    "subject_kind": "paste",
    "country": "NG",
    "country_name": "Nigeria",
    "country_high_risk": True,
    "country_not_allowed": False,
    **{
        k: SMS_BASE[k]
        for k in (
            "account_sid",
            "account_type",
            "account_status",
            "is_trial",
            "is_subaccount",
            "parent_account_sid",
            "messaging_enabled",
            "parent_messaging_enabled",
        )
    },
}

MESSAGING_API_CASES: dict[str, dict[str, Any]] = {
    "console-only-country": {},
    "not-on-high-risk-list": {"country": "KE", "country_name": "Kenya", "country_high_risk": False},
}


# 21216 / 13225 / 32224: Twilio's block list (not geo permissions).
BLOCK_LIST_CASES: dict[str, dict[str, Any]] = {
    "blocked-destination": CRIMEA,
    "missing-customer-profile": {
        "to": "+12125550143",
        "country": "US",
        "country_name": "United States",
        "calling_code": 1,
        "is_nanp": True,
        "primary_customer_profile": False,
    },
    "fraud-risk-destination": {"primary_customer_profile": True},
}

# 30648: a PATCH made as a subaccount that inherits its parent's SMS geo permissions.
SUBACCOUNT_PATCH_CASES: dict[str, dict[str, Any]] = {
    "subaccount-inherits": {**SUB, "error_code": 30648},
    "not-a-subaccount": {"error_code": 30648},
}


def scenario(code: int, cause: str) -> dict[str, Any]:
    """Fact values under which ``code/cause`` should be the one confirmed cause."""
    if code == 21408:
        return {**SMS_BASE, **SMS_CASES[cause]}
    if code == 30649:
        return {**MESSAGING_API_BASE, **MESSAGING_API_CASES[cause]}
    if code in (21216, 13225, 32224):
        base = {**VOICE_BASE, "error_code": code, "channel": "sip" if code == 32224 else "voice"}
        return {**base, **BLOCK_LIST_CASES[cause]}
    if code == 30648:
        return {**MESSAGING_API_BASE, "country": "FR", "country_name": "France", "country_high_risk": False,
                **SUBACCOUNT_PATCH_CASES[cause]}  # fmt: skip
    base = {**VOICE_BASE, "error_code": code, "channel": "sip" if code == 32205 else "voice"}
    return {**base, **VOICE_CASES[cause]}


CASES: dict[int, dict[str, dict[str, Any]]] = {
    21408: SMS_CASES,
    21215: VOICE_CASES,
    13227: VOICE_CASES,
    32205: VOICE_CASES,
    30649: MESSAGING_API_CASES,
    30648: SUBACCOUNT_PATCH_CASES,
    21216: BLOCK_LIST_CASES,
    13225: BLOCK_LIST_CASES,
    32224: BLOCK_LIST_CASES,
}


def with_unknown(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**values, **{n: UNKNOWN for n in names}}
