"""Generated scenarios: one main account and N subaccounts × M countries, with deterministic variety.

For audits and scans at scale (tests, ``bench/``). The same arguments always
give the same scenario (SIDs, tokens and permissions come from a seeded
``random.Random``), so a test can assert exact counts. In YAML::

    generate:
      subaccounts: 2000
      countries: [FR, DE, IN]
      seed: 7

The result is a plain scenario mapping (``accounts:`` …) that
``load_scenario`` validates like any other.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from diagnose.simulator._model import known_lists

GENERATE_KEYS = (
    "subaccounts", "countries", "seed", "home_country", "sms_gap_rate", "voice_gap_rate",
    "inherit_rate", "inactive_rate", "failures", "failure_age", "sms_inherit_rate",
)  # fmt: skip

# 25 destinations a platform commonly needs (the bench's list).
DEFAULT_COUNTRIES: tuple[str, ...] = (
    "FR", "DE", "IN", "GB", "ES", "IT", "NL", "BE", "PT", "IE", "SE", "NO", "DK", "FI", "PL",
    "AT", "CH", "MX", "BR", "AR", "AU", "NZ", "JP", "SG", "ZA",
)  # fmt: skip


def _hex(rng: random.Random, n: int = 32) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def generate_scenario(
    subaccounts: int = 100,
    countries: Sequence[str] = DEFAULT_COUNTRIES,
    *,
    seed: int = 0,
    home_country: str = "US",
    sms_gap_rate: float = 0.02,
    voice_gap_rate: float = 0.03,
    inherit_rate: float = 0.3,
    inactive_rate: float = 0.01,
    failures: int = 0,
    failure_age: str = "-2d",
    sms_inherit_rate: float = 0.0,
) -> dict[str, Any]:
    """A scenario mapping: a main account with every country on, and ``subaccounts`` with gaps.

    * Main account: SMS and voice low-risk on for every country in ``countries``
      (except messaging high-risk ones, left off: they show as blocked).
    * Each subaccount: each country's SMS permission is off with probability
      ``sms_gap_rate``; a share ``inherit_rate`` inherits voice dialing
      permissions (``dialing_permissions_inheritance: true``), the others have
      their own, each country off with probability ``voice_gap_rate``, some with
      high-risk ranges on; a share ``inactive_rate`` is suspended or closed;
      a share ``sms_inherit_rate`` inherits its parent's SMS permissions
      (``messaging_settings.geo_permissions_inheritance``; its own list stays stored).
    * ``failures``: messages per SMS gap that failed with 21408 (dated
      ``failure_age``), and as many calls with a 21215 notification per voice gap,
      for ``diagnose scan``.
    """
    if not 0 <= subaccounts <= 100_000:
        raise ValueError("subaccounts must be between 0 and 100000")
    rng = random.Random(seed)
    codes = tuple(dict.fromkeys(c.upper() for c in countries))
    console_only = set(known_lists()[0])
    main_sid = "AC" + _hex(rng)
    main: dict[str, Any] = {
        "sid": main_sid,
        "auth_token": _hex(rng),
        "friendly_name": "Generated Platform",
        "home_country": home_country,
        "messaging_geo_permissions": {c: c not in console_only for c in codes},
        "voice_dialing_permissions": {_voice_key(c): {"low_risk": True} for c in codes},
    }
    accounts = [main]
    for i in range(subaccounts):
        sub: dict[str, Any] = {
            "sid": "AC" + _hex(rng),
            "auth_token": _hex(rng),
            "friendly_name": f"Tenant {i + 1:05d}",
            "parent": main_sid,
        }
        roll = rng.random()
        if roll < inactive_rate:
            sub["status"] = "suspended" if roll < inactive_rate / 2 else "closed"
        sms = {c: not (rng.random() < sms_gap_rate or c in console_only) for c in codes}
        sub["messaging_geo_permissions"] = sms
        if sms_inherit_rate and rng.random() < sms_inherit_rate:
            sub["messaging_settings"] = {"geo_permissions_inheritance": True}
            sms = dict(main["messaging_geo_permissions"])  # what it can send to: its parent's list
        inherits = rng.random() < inherit_rate
        sub["voice_settings"] = {"dialing_permissions_inheritance": inherits}
        voice = {}
        for c in codes:
            on = rng.random() >= voice_gap_rate
            voice[c] = {"low_risk": on, "high_risk_special": on and rng.random() < 0.1}
        sub["voice_dialing_permissions"] = {_voice_key(c): v for c, v in voice.items()}
        if failures:
            sub["messages"] = [
                {"to": _number(c), "error_code": 21408, "date_created": failure_age}
                for c in codes
                if not sms[c]
                for _ in range(failures)
            ]
            if not inherits:
                sub["calls"] = [
                    {"to": _number(c), "date_created": failure_age, "notifications": [{"error_code": "21215"}]}
                    for c in codes
                    if not voice[c]["low_risk"]
                    for _ in range(failures)
                ]
        accounts.append(sub)
    return {"accounts": accounts}


def _voice_key(iso: str) -> str:
    """Twilio's voice API has one US entry ("United States/Canada") and none for CA."""
    return "US" if iso == "CA" else iso


_NUMBERS: dict[str, str] = {}


def _number(iso: str) -> str:
    """A valid mobile number of the country (phonenumbers' example), in E.164."""
    if iso not in _NUMBERS:
        import phonenumbers

        example = phonenumbers.example_number_for_type(iso, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            example = phonenumbers.example_number(iso)
        if example is None:
            raise ValueError(f"no example number for {iso}")
        _NUMBERS[iso] = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    return _NUMBERS[iso]


def expand(data: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario mapping with its ``generate:`` block replaced by the generated accounts.

    Accounts listed under ``accounts:`` are kept and come after the generated ones.
    """
    options = data.get("generate")
    if not isinstance(options, Mapping):
        raise ValueError("generate: expected a mapping such as {subaccounts: 100, countries: [FR, DE]}")
    unknown = [k for k in options if k not in GENERATE_KEYS]
    if unknown:
        raise ValueError(f"generate: unknown key {unknown[0]!r} (known: {', '.join(GENERATE_KEYS)})")
    kwargs = dict(options)
    if "countries" in kwargs:
        kwargs["countries"] = tuple(str(c) for c in kwargs["countries"])
    generated = generate_scenario(**kwargs)
    out = {k: v for k, v in data.items() if k != "generate"}
    out["accounts"] = [*generated["accounts"], *(data.get("accounts") or [])]
    return out
