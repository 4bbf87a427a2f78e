"""The fact registry, and facts derived from evidence plus fetched context.

``FACTS`` is the only list of names a knowledge condition may use; the
knowledge linter rejects any other name. Derivation is pure: it reads the
plain data in :class:`~diagnose.context.Context` and never talks to Twilio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Evidence, Fact, is_unread_number

if TYPE_CHECKING:  # the registry (FACTS) is needed at start-up by the knowledge loader; contexts only later
    from .context import Context, Fetched


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
    (
        "failed",
        "bool",
        "The message or call failed (status failed/undelivered, or an error code is present).",
    ),
    ("status", "str", "The resource's status as Twilio reports it."),
    ("channel", "str", "sms, mms, whatsapp, rcs, voice or sip."),
    ("subject_kind", "str", "message, call or paste."),
    # The destination
    (
        "to",
        "str",
        "The destination, without a channel prefix: as sent, except that a malformed number of the country "
        "meant (to_malformed) is read as the number meant (+49015123456789 and +4949015123456789 are "
        "+4915123456789; to_sent keeps the number as sent).",
    ),
    (
        "to_sent",
        "str",
        "The destination as sent when it is a malformed number of the country meant (to_malformed: "
        "+49015123456789, +4949015123456789, read as to, +4915123456789); null when to is the number as sent.",
    ),
    (
        "to_malformed",
        "str",
        "What the number as sent did when it is a malformed number of the very country meant, so that no wrong "
        "country was checked: 'kept its national trunk 0 (+49 0 …)' (always the country meant), 'has its "
        "country code twice (+1 1 …)' (when the digits sent read in the country of the number meant: not "
        "+44 44 7624 …, GB as sent, meant the Isle of Man); null otherwise.",
    ),
    ("from_number", "str", "The sender as sent: phone number, short code, alphanumeric sender ID or channel address."),
    ("to_valid", "bool", "phonenumbers considers the destination a valid number."),
    ("country", "str", "ISO 3166 alpha-2 code of the destination; NANP territories are their own country."),
    ("country_name", "str", "English name of the destination country."),
    ("calling_code", "int", "The destination's country calling code (1 for every NANP country)."),
    ("is_nanp", "bool", "The destination is in the North American Numbering Plan (+1)."),
    (
        "suggested_number",
        "str",
        "A valid number the digits most likely meant (e.g. a US number missing its 1), or null.",
    ),
    ("suggested_country", "str", "ISO code of suggested_number, or null."),
    ("suggested_country_name", "str", "English name of suggested_country, or null."),
    (
        "wrong_prefix_shape",
        "str",
        "How the number as sent probably went wrong: doubled-country-code, nanp-missing-1, "
        "national-behind-other-prefix or national-with-plus (a wrong country: wrong_prefix_suspected), or "
        "trunk-zero (its national trunk 0 kept after the country code); a kept trunk 0, and a doubled code read "
        "in the country meant, are no wrong country (to_malformed: to is the number meant, to_sent the number "
        "as sent); null when no shape fits.",
    ),
    ("wrong_prefix_how", "str", "wrong_prefix_shape in words, or null."),
    (
        "wrong_prefix_suspected",
        "bool",
        "The digits look like a number of another country sent with the wrong prefix: the country as sent differs "
        "from the country of the number meant (not a malformed number of the country meant, to_malformed).",
    ),
    # Country lists (knowledge/countries.yaml)
    (
        "country_high_risk",
        "bool",
        "Messaging: the country is high-risk; only the Console can change it (30649).",
    ),
    ("country_not_allowed", "bool", "The country cannot be enabled at all (Iran, Syria, Cuba)."),
    (
        "to_blocked_prefix",
        "bool",
        "The destination is in a range Twilio blocks by prefix (Crimea +7978, North Korea +850), "
        "whatever the country's geo permission.",
    ),
    ("blocked_prefix", "str", "The blocked prefix the destination starts with ('+7978'), or null."),
    ("blocked_prefix_name", "str", "What the blocked range is ('Crimea'), or null."),
    # Accounts
    ("account_sid", "str", "The account that sent the message or placed the call."),
    ("account_type", "str", "Trial or Full."),
    ("account_status", "str", "active, suspended or closed."),
    ("is_trial", "bool", "The sending account is a trial account."),
    (
        "is_subaccount",
        "bool",
        "The sending account is a subaccount (owner_account_sid differs from its SID).",
    ),
    ("parent_account_sid", "str", "The parent (owner) account, or null for a main account."),
    # Messaging geo permissions (accounts.twilio.com/v1/Messaging/GeoPermissions)
    (
        "messaging_enabled",
        "bool",
        "The destination country is enabled in the sending account's Messaging geo permissions.",
    ),
    (
        "parent_messaging_enabled",
        "bool",
        "The destination country is enabled in the parent account's Messaging geo permissions.",
    ),
    (
        "messaging_inheritance",
        "bool",
        "The subaccount inherits its parent's SMS geo permissions (false for a main account). No API reads it (a "
        "Console setting): known only from Twilio's answer to a change of the subaccount's list, 30648 (it "
        "inherits: its own list cannot be changed) or a change made (it does not), as diagnose fix's audit log "
        "records them; else unknown.",
    ),
    # Voice dialing permissions (voice.twilio.com/v1/DialingPermissions)
    (
        "voice_low_risk_enabled",
        "bool",
        "low_risk_numbers_enabled for the country on the sending account itself.",
    ),
    (
        "voice_high_risk_special_enabled",
        "bool",
        "high_risk_special_numbers_enabled on the sending account itself.",
    ),
    (
        "voice_high_risk_tollfraud_enabled",
        "bool",
        "high_risk_tollfraud_numbers_enabled on the sending account itself.",
    ),
    (
        "parent_voice_low_risk_enabled",
        "bool",
        "low_risk_numbers_enabled for the country on the parent account.",
    ),
    (
        "parent_voice_high_risk_special_enabled",
        "bool",
        "high_risk_special_numbers_enabled on the parent account.",
    ),
    (
        "parent_voice_high_risk_tollfraud_enabled",
        "bool",
        "high_risk_tollfraud_numbers_enabled on the parent account.",
    ),
    (
        "voice_entry",
        "str",
        "The voice dialing-permission entry that governs the destination: US for Canada (one entry "
        "'United States/Canada' covers +1), else the country's own ISO code.",
    ),
    ("voice_entry_name", "str", "The name of that entry ('United States/Canada' for US)."),
    ("voice_inheritance", "bool", "The subaccount's dialing_permissions_inheritance setting (/v1/Settings)."),
    (
        "effective_voice_low_risk_enabled",
        "bool",
        "Low-risk dialing as it applies to the call: the parent's when inheritance is on.",
    ),
    (
        "effective_voice_high_risk_special_enabled",
        "bool",
        "High-risk special dialing as it applies to the call.",
    ),
    (
        "effective_voice_high_risk_tollfraud_enabled",
        "bool",
        "High-risk toll-fraud dialing as it applies to the call: the parent's when inheritance is on.",
    ),
    # The number probably meant (wrong-country-code): would correcting the number be enough?
    (
        "suggested_country_high_risk",
        "bool",
        "Messaging: the country of the number probably meant is high-risk (only the Console can enable it, "
        "30649); null when no other number is suggested.",
    ),
    (
        "suggested_country_not_allowed",
        "bool",
        "The country of the number probably meant cannot be enabled at all (Iran, Syria, Cuba); null when no "
        "other number is suggested.",
    ),
    (
        "suggested_messaging_enabled",
        "bool",
        "The country of the number probably meant (suggested_country, when the number sent is not valid and "
        "reads validly there) is enabled in the sending account's Messaging geo permissions; null when no "
        "other number is suggested.",
    ),
    (
        "parent_suggested_messaging_enabled",
        "bool",
        "suggested_country is enabled in the parent account's Messaging geo permissions (null for a main account).",
    ),
    (
        "suggested_voice_entry",
        "str",
        "The voice dialing-permission entry that governs suggested_country (US for Canada), or null.",
    ),
    ("suggested_voice_entry_name", "str", "The name of that entry ('United States/Canada' for US), or null."),
    (
        "suggested_voice_low_risk_enabled",
        "bool",
        "low_risk_numbers_enabled of suggested_voice_entry on the sending account itself (null when no other "
        "number is suggested).",
    ),
    (
        "parent_suggested_voice_low_risk_enabled",
        "bool",
        "low_risk_numbers_enabled of suggested_voice_entry on the parent account.",
    ),
    (
        "effective_suggested_voice_low_risk_enabled",
        "bool",
        "Low-risk dialing to suggested_voice_entry as it would apply to a call to the number meant: the "
        "parent's when the subaccount inherits its dialing permissions.",
    ),
    (
        "primary_customer_profile",
        "bool",
        "The account has a Primary Customer Profile in Trust Hub (21216 for +1 calls without one). "
        "Cannot be read: no Trust Hub API field marks a Customer Profile as the Primary one "
        "(docs/sources.md, Trust Hub), so it is always unknown.",
    ),
    (
        "governing_account_sid",
        "str",
        "The account whose dialing permissions apply: the parent when inheritance is on.",
    ),
    (
        "to_high_risk_special",
        "bool",
        "The destination starts with one of the country's HighRiskSpecialPrefixes.",
    ),
)


# --- derivation -----------------------------------------------------------

# Why primary_customer_profile is never known (docs/sources.md, "Trust Hub"): the read exists, the answer does not.
PRIMARY_CUSTOMER_PROFILE_UNREADABLE = (
    "cannot be read: Trust Hub's GET https://trusthub.twilio.com/v1/CustomerProfiles lists the account's "
    "profiles with their policy_sid and status, but no field marks the Primary Customer Profile, and which "
    "account's profile counts for a subaccount is not documented (docs/sources.md, Trust Hub); check "
    "Console → Trust Hub → Customer Profiles"
)

Facts = dict[str, Fact]

FAILED_STATUSES = frozenset({"failed", "undelivered"})
# why a pasted Twilio error's code is unknown (Evidence.code_source "unknown"; docs/report-format.md)
UNKNOWN_CODE = "the helper library's exception printed no code, and its message matches no wording diagnose knows"


def _known(name: str, value: Any, source: str = "") -> Fact:
    return Fact(name=name, value=value, known=True, source=source)


def _slot_reason(slot: Fetched, what: str) -> str:
    if slot.error:
        return slot.error
    return f"{what} was not fetched"


def _permission_enabled(slot: Fetched, country: str | None, name: str, who: str) -> Fact:
    """Read one country's ``enabled`` out of a Messaging GeoPermissions payload."""
    if country is None:
        return Fact.unknown(name, "the destination country is unknown")
    if not slot.ok:
        return Fact.unknown(name, _slot_reason(slot, f"the {who}'s messaging geo permissions"), slot.request)
    rows = slot.value.get("permissions") if isinstance(slot.value, Mapping) else None
    for row in rows or ():
        if isinstance(row, Mapping) and str(row.get("country_code", "")).upper() == country:
            enabled = row.get("enabled")
            if isinstance(enabled, bool):
                return _known(name, enabled, slot.request)
    return Fact.unknown(name, f"the {who}'s geo permissions list no entry for {country}", slot.request)


def _voice_flag(slot: Fetched, field: str, name: str, who: str, entry: str | None = None) -> Fact:
    if not slot.ok:
        reason = _slot_reason(slot, f"the {who}'s dialing permissions")
        if entry and slot.error and "404" in slot.error:
            # Which NANP territories have voice entries of their own is not documented.
            reason = (
                f"Twilio's voice dialing permissions have no entry {entry} (HTTP 404); which entry governs "
                "these numbers is not documented: look for the destination in Console → Voice → Settings → "
                "Geo permissions"
            )
        return Fact.unknown(name, reason, slot.request)
    value = slot.value.get(field) if isinstance(slot.value, Mapping) else None
    if isinstance(value, bool):
        return _known(name, value, slot.request)
    return Fact.unknown(name, f"the {who}'s dialing permissions have no {field}", slot.request)


def _account_facts(context: Context, evidence: Evidence) -> Facts:
    out: Facts = {}
    account = context.account
    sid = evidence.account_sid or (account.value.get("sid") if account.ok else None)
    out["account_sid"] = (
        _known("account_sid", sid, context.resource.request)
        if sid
        else Fact.unknown("account_sid", "the input names no account")
    )
    if not account.ok:
        reason = _slot_reason(account, "the account")
        for name in ("account_type", "account_status", "is_trial", "is_subaccount", "parent_account_sid"):
            out[name] = Fact.unknown(name, reason, account.request)
        return out
    row = account.value
    src = account.request
    owner = row.get("owner_account_sid")
    typ = row.get("type")
    out["account_type"] = _known("account_type", typ, src)
    out["account_status"] = _known("account_status", row.get("status"), src)
    out["is_trial"] = _known("is_trial", typ == "Trial", src) if typ else Fact.unknown("is_trial", "no type", src)
    if owner:
        is_sub = owner != row.get("sid")
        out["is_subaccount"] = _known("is_subaccount", is_sub, src)
        out["parent_account_sid"] = _known("parent_account_sid", owner if is_sub else None, src)
    else:
        out["is_subaccount"] = Fact.unknown("is_subaccount", "the account has no owner_account_sid", src)
        out["parent_account_sid"] = Fact.unknown("parent_account_sid", "the account has no owner_account_sid", src)
    return out


def _not_subaccount(name: str, facts: Facts) -> Fact | None:
    """Parent facts of a main account are known to be null, not unknown."""
    sub = facts.get("is_subaccount")
    if sub is not None and sub.known and sub.value is False:
        return _known(name, None, "a main account has no parent")
    return None


def _messaging_inheritance(slot: Fetched, facts: Facts) -> Fact:
    """SMS inheritance: a main account's is false; a subaccount's is known only from Twilio's answer to a change."""
    name = "messaging_inheritance"
    sub = facts.get("is_subaccount")
    if sub is not None and sub.known and sub.value is False:
        return _known(name, False, "a main account inherits from nobody")
    if slot.ok and isinstance(slot.value, bool):
        return _known(name, slot.value, slot.request)
    return Fact.unknown(
        name,
        slot.error
        or "no API reads it (a Console setting): only Twilio's answer to a change of the subaccount's list shows it",
        slot.request,
    )


def _blocked_facts(e164: str | None, country: str | None, missing: str = "the destination is unknown") -> Facts:
    """Whether the destination is in a range Twilio blocks by prefix (countries.yaml: blocked_prefixes)."""
    from .countries import blocked_prefix, countries_with_blocked_prefixes

    names = ("to_blocked_prefix", "blocked_prefix", "blocked_prefix_name")
    if e164:
        found = blocked_prefix(e164)
        return {
            "to_blocked_prefix": _known("to_blocked_prefix", found is not None, "country list (blocked_prefixes)"),
            "blocked_prefix": _known("blocked_prefix", found.prefix if found else None, "country list"),
            "blocked_prefix_name": _known("blocked_prefix_name", found.name if found else None, "country list"),
        }
    if country and country not in countries_with_blocked_prefixes():
        # No blocked range lies in this country, so the number (unknown) is in none.
        source = f"country list: no blocked range in {country}"
        return {
            "to_blocked_prefix": _known("to_blocked_prefix", False, source),
            "blocked_prefix": _known("blocked_prefix", None, source),
            "blocked_prefix_name": _known("blocked_prefix_name", None, source),
        }
    reason = f"{missing}, and {country} contains a blocked range" if country else missing
    return {name: Fact.unknown(name, reason) for name in names}


def _destination_facts(evidence: Evidence, context: Context) -> Facts:
    from .countries import (
        country_name,
        is_messaging_high_risk,
        is_not_allowed,
        malformed_how,
        number_meant,
        parse_destination,
        wrong_prefix_how,
    )

    out: Facts = {}
    src = context.resource.request or f"input ({evidence.format})"
    if not evidence.to:
        from .evidence import DIAL_LEG_CODES

        missing = "the destination ('To') is unknown"
        if evidence.to_raw:
            missing = f"the destination is masked in the input ({evidence.to_raw})"
            if is_unread_number(evidence.to_raw) and evidence.country_reason:
                # a number written whole that no country could be read for (07400123456, and no country named)
                missing = f"the destination {evidence.to_raw} was not read: {evidence.country_reason}"
        if evidence.code in DIAL_LEG_CODES:
            missing = (
                f"error {evidence.code} is raised for the number dialled (by <Dial> or a SIP trunk); this call is "
                "the parent call, whose own 'To' is not that number, and neither the notification nor the alert "
                "names it (diagnose the <Dial> child leg, direction outbound-dial, whose 'To' is the number)"
            )
        for name in (
            "to",
            "to_sent",
            "to_malformed",
            "to_valid",
            "country",
            "country_name",
            "calling_code",
            "is_nanp",
            "suggested_number",
            "suggested_country",
            "suggested_country_name",
            "wrong_prefix_shape",
            "wrong_prefix_how",
            "wrong_prefix_suspected",
            "suggested_country_high_risk",
            "suggested_country_not_allowed",
            "country_high_risk",
            "country_not_allowed",
        ):
            out[name] = Fact.unknown(name, missing)
        if evidence.country:  # a pasted text can name the country without the number
            iso = evidence.country
            out["country"] = _known("country", iso, src)
            out["country_name"] = _known("country_name", country_name(iso), "country list")
            out["country_high_risk"] = _known("country_high_risk", is_messaging_high_risk(iso), "country list")
            out["country_not_allowed"] = _known("country_not_allowed", is_not_allowed(iso), "country list")
        out.update(_blocked_facts(None, evidence.country, missing))
        return out
    home = None
    if evidence.from_:
        home = parse_destination(evidence.from_).country
    # The number as sent: a SID's To is Twilio's record; a paste that dropped a kept trunk 0 keeps what it read
    sent = parse_destination(evidence.to_sent or evidence.to, default_region=home)
    dest = number_meant(sent)  # a malformed number of the country meant: that number, whose permission Twilio checked
    out["to"] = _known("to", dest.e164 or dest.raw, src)
    out["to_sent"] = _known("to_sent", sent.e164 if dest is not sent else None, src if dest is not sent else "")
    out["to_valid"] = _known("to_valid", dest.valid, "phonenumbers")
    out["is_nanp"] = _known("is_nanp", dest.is_nanp, "phonenumbers")
    out["calling_code"] = (
        _known("calling_code", dest.calling_code, "phonenumbers")
        if dest.calling_code
        else Fact.unknown("calling_code", f"{evidence.to!r} has no country calling code")
    )
    out["suggested_number"] = _known("suggested_number", dest.suggested_number, "phonenumbers")
    out["suggested_country"] = _known("suggested_country", dest.suggested_country, "phonenumbers")
    out["suggested_country_name"] = _known(
        "suggested_country_name",
        country_name(dest.suggested_country) if dest.suggested_country else None,
        "phonenumbers",
    )
    out["wrong_prefix_shape"] = _known("wrong_prefix_shape", sent.shape, "phonenumbers")
    out["wrong_prefix_how"] = _known(
        "wrong_prefix_how", wrong_prefix_how(sent.shape, sent.calling_code), "phonenumbers"
    )
    out["wrong_prefix_suspected"] = _known(
        "wrong_prefix_suspected", sent.shape is not None and not sent.malformed_in_country, "phonenumbers"
    )
    out["to_malformed"] = _known(
        "to_malformed",
        malformed_how(sent.shape, sent.calling_code) if sent.malformed_in_country else None,
        "phonenumbers",
    )
    # The country meant, against the country lists (known offline too): can it be enabled at all, and by the API?
    meant = dest.intended_country
    for name, test in (
        ("suggested_country_high_risk", is_messaging_high_risk),
        ("suggested_country_not_allowed", is_not_allowed),
    ):
        out[name] = _known(name, test(meant) if meant else None, "country list")
    iso = dest.country
    if iso:
        out["country"] = _known("country", iso, "phonenumbers")
        out["country_name"] = _known("country_name", dest.country_name or country_name(iso), "phonenumbers")
        out["country_high_risk"] = _known("country_high_risk", is_messaging_high_risk(iso), "country list")
        out["country_not_allowed"] = _known("country_not_allowed", is_not_allowed(iso), "country list")
    else:
        reason = f"{evidence.to!r} maps to no country"
        for name in ("country", "country_name", "country_high_risk", "country_not_allowed"):
            out[name] = Fact.unknown(name, reason, "phonenumbers")
    out.update(_blocked_facts(dest.e164, iso))
    return out


def _voice_entry_facts(facts: Facts) -> Facts:
    """The voice dialing-permission entry that governs the destination (US for Canada)."""
    from .country_table import VOICE_ENTRY_NAMES, voice_entry

    out: Facts = {}
    country = facts.get("country")
    if country is None or not country.known or not country.value:
        for fact_name in ("voice_entry", "voice_entry_name"):
            out[fact_name] = Fact.unknown(fact_name, "the destination country is unknown")
        return out
    entry = voice_entry(str(country.value))
    shared = entry != country.value
    source = "twilio_voice_v1.json: US is 'United States/Canada' for +1" if shared else "country"
    out["voice_entry"] = _known("voice_entry", entry, source)
    named = facts.get("country_name")
    name = VOICE_ENTRY_NAMES.get(entry) or str(named.value if named is not None and named.known else entry)
    out["voice_entry_name"] = _known("voice_entry_name", name, source)
    return out


def _voice_facts(context: Context, facts: Facts) -> Facts:
    out: Facts = {}
    entry_fact = facts.get("voice_entry")
    entry = str(entry_fact.value) if entry_fact is not None and entry_fact.known else None
    flags = (
        ("low_risk_numbers_enabled", "low_risk"),
        ("high_risk_special_numbers_enabled", "high_risk_special"),
        ("high_risk_tollfraud_numbers_enabled", "high_risk_tollfraud"),
    )
    for field, short in flags:
        out[f"voice_{short}_enabled"] = _voice_flag(
            context.voice_country, field, f"voice_{short}_enabled", "sending account", entry
        )
        parent_name = f"parent_voice_{short}_enabled"
        out[parent_name] = _not_subaccount(parent_name, facts) or _voice_flag(
            context.parent_voice_country, field, parent_name, "parent account", entry
        )
    settings = context.voice_settings
    if _not_subaccount("voice_inheritance", facts):
        out["voice_inheritance"] = _known("voice_inheritance", False, "a main account inherits from nobody")
    elif settings.ok and isinstance(settings.value.get("dialing_permissions_inheritance"), bool):
        out["voice_inheritance"] = _known(
            "voice_inheritance", settings.value["dialing_permissions_inheritance"], settings.request
        )
    else:
        out["voice_inheritance"] = Fact.unknown(
            "voice_inheritance", _slot_reason(settings, "the voice settings"), settings.request
        )

    inherit = out["voice_inheritance"]
    account, parent = facts.get("account_sid"), facts.get("parent_account_sid")
    for short in ("low_risk", "high_risk_special", "high_risk_tollfraud"):
        name = f"effective_voice_{short}_enabled"
        own, par = out[f"voice_{short}_enabled"], out[f"parent_voice_{short}_enabled"]
        if inherit.known:
            chosen = par if inherit.value else own
            out[name] = replace_name(chosen, name)
        else:
            out[name] = Fact.unknown(name, f"whether the subaccount inherits is unknown: {inherit.reason}")
    if inherit.known and account is not None:
        chosen_sid = parent if inherit.value and parent is not None else account
        out["governing_account_sid"] = replace_name(chosen_sid, "governing_account_sid")
    else:
        out["governing_account_sid"] = Fact.unknown(
            "governing_account_sid", f"whether the subaccount inherits is unknown: {inherit.reason}"
        )

    prefixes = context.voice_high_risk_prefixes
    to = facts.get("to")
    if to is None or not to.known:
        out["to_high_risk_special"] = Fact.unknown("to_high_risk_special", "the destination is unknown")
    elif prefixes.ok:
        listed = [p.get("prefix") if isinstance(p, Mapping) else p for p in prefixes.value]
        number = str(to.value)
        match = any(isinstance(p, str) and p and number.startswith(p) for p in listed)
        out["to_high_risk_special"] = _known("to_high_risk_special", match, prefixes.request)
    else:
        out["to_high_risk_special"] = Fact.unknown(
            "to_high_risk_special", _slot_reason(prefixes, "the high-risk special prefixes"), prefixes.request
        )
    return out


def _suggested_facts(context: Context, facts: Facts) -> Facts:
    """Whether the country of the number probably meant is open: is correcting the number enough?

    Read only when the cause wrong-country-code applies (the number sent is not valid and reads
    validly elsewhere); otherwise every one of these facts is null.
    """
    from .country_table import VOICE_ENTRY_NAMES, voice_entry

    names = (
        "suggested_messaging_enabled",
        "parent_suggested_messaging_enabled",
        "suggested_voice_entry",
        "suggested_voice_entry_name",
        "suggested_voice_low_risk_enabled",
        "parent_suggested_voice_low_risk_enabled",
        "effective_suggested_voice_low_risk_enabled",
    )
    valid, suspected, country = (facts.get(n) for n in ("to_valid", "wrong_prefix_suspected", "suggested_country"))
    if not all(f is not None and f.known for f in (valid, suspected, country)):
        return {n: Fact.unknown(n, "whether the number has a wrong prefix is unknown") for n in names}
    assert valid is not None and suspected is not None and country is not None
    intended = str(country.value) if country.value and suspected.value and not valid.value else None
    if intended is None:
        return {n: _known(n, None, "no other number is suggested") for n in names}
    out: Facts = {}
    out["suggested_messaging_enabled"] = _permission_enabled(
        context.messaging_permissions, intended, "suggested_messaging_enabled", "sending account"
    )
    name = "parent_suggested_messaging_enabled"
    out[name] = _not_subaccount(name, facts) or _permission_enabled(
        context.parent_messaging_permissions, intended, name, "parent account"
    )
    entry = voice_entry(intended)
    source = "twilio_voice_v1.json: US is 'United States/Canada' for +1" if entry != intended else "country"
    out["suggested_voice_entry"] = _known("suggested_voice_entry", entry, source)
    named = facts.get("suggested_country_name")
    label = VOICE_ENTRY_NAMES.get(entry) or str(named.value if named is not None and named.known else entry)
    out["suggested_voice_entry_name"] = _known("suggested_voice_entry_name", label, source)
    own = _voice_flag(
        context.suggested_voice_country,
        "low_risk_numbers_enabled",
        "suggested_voice_low_risk_enabled",
        "sending account",
        entry,
    )
    name = "parent_suggested_voice_low_risk_enabled"
    parent = _not_subaccount(name, facts) or _voice_flag(
        context.parent_suggested_voice_country, "low_risk_numbers_enabled", name, "parent account", entry
    )
    out["suggested_voice_low_risk_enabled"], out[name] = own, parent
    inherit = facts.get("voice_inheritance")
    name = "effective_suggested_voice_low_risk_enabled"
    if inherit is not None and inherit.known:
        out[name] = replace_name(parent if inherit.value else own, name)
    else:
        reason = inherit.reason if inherit is not None else "not derived"
        out[name] = Fact.unknown(name, f"whether the subaccount inherits is unknown: {reason}")
    return out


def replace_name(fact: Fact, name: str) -> Fact:
    return Fact(name=name, value=fact.value, known=fact.known, source=fact.source, reason=fact.reason)


def _input_account_facts(evidence: Evidence, src: str) -> Facts:
    """Offline, the account facts the input itself states (a pasted error's AccountSid, ParentAccountSid)."""
    out: Facts = {}
    if evidence.account_sid:
        out["account_sid"] = _known("account_sid", evidence.account_sid, src)
    if evidence.parent_account_sid and evidence.parent_account_sid != evidence.account_sid:
        out["parent_account_sid"] = _known("parent_account_sid", evidence.parent_account_sid, src)
        out["is_subaccount"] = _known("is_subaccount", True, src)
    return out


def derive_facts(evidence: Evidence, context: Context | None = None) -> Facts:
    """Every registered fact, known or unknown with its reason.

    ``context`` is None when nothing was fetched (offline triage of pasted
    text): account and permission facts are then unknown, never false.
    """
    from .context import Context

    ctx = context or Context(kind="call" if evidence.kind == "call" else "message", sid=evidence.sid or "")
    facts: Facts = {}
    src = ctx.resource.request or f"input ({evidence.format})"
    code = evidence.code
    unknown = code is None and evidence.code_source == "unknown"  # an SDK's exception that printed no code
    facts["error_code"] = Fact.unknown("error_code", UNKNOWN_CODE, src) if unknown else _known("error_code", code, src)
    status = evidence.status
    failed = bool(code) or unknown or (status in FAILED_STATUSES if status else False)
    facts["failed"] = _known("failed", failed, src)
    facts["status"] = (
        _known("status", status, ctx.resource.request) if status else Fact.unknown("status", "no status in the input")
    )
    facts["channel"] = (
        _known("channel", evidence.channel, "input") if evidence.channel else Fact.unknown("channel", "not stated")
    )
    facts["subject_kind"] = _known("subject_kind", evidence.kind, "input")
    facts["from_number"] = (
        _known("from_number", evidence.from_, src)
        if evidence.from_
        else Fact.unknown("from_number", "the input names no sender")
    )
    facts.update(_destination_facts(evidence, ctx))
    facts.update(_voice_entry_facts(facts))
    if context is None:
        reason = "nothing was fetched from Twilio (offline)"
        facts.update(_input_account_facts(evidence, src))
        for name in FACTS:
            facts.setdefault(name, Fact.unknown(name, reason))
        return facts
    facts.update(_account_facts(ctx, evidence))
    country = facts["country"].value if facts["country"].known else None
    facts["messaging_enabled"] = _permission_enabled(
        ctx.messaging_permissions, country, "messaging_enabled", "sending account"
    )
    facts["parent_messaging_enabled"] = _not_subaccount("parent_messaging_enabled", facts) or _permission_enabled(
        ctx.parent_messaging_permissions, country, "parent_messaging_enabled", "parent account"
    )
    facts["messaging_inheritance"] = _messaging_inheritance(ctx.messaging_inheritance, facts)
    facts.update(_voice_facts(ctx, facts))
    facts.update(_suggested_facts(ctx, facts))
    facts["primary_customer_profile"] = Fact.unknown("primary_customer_profile", PRIMARY_CUSTOMER_PROFILE_UNREADABLE)
    for name in FACTS:
        facts.setdefault(name, Fact.unknown(name, "not derived for this input"))
    return facts


def values(facts: Mapping[str, Fact]) -> dict[str, Any]:
    """The mapping conditions and templates read: unknown facts become UNKNOWN."""
    from .conditions import UNKNOWN

    return {name: (fact.value if fact.known else UNKNOWN) for name, fact in facts.items()}
