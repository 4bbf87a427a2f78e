"""Reading the failed destination out of messy text, and how sure its country is.

A pasted ``To`` is rarely clean E.164: the ``+`` is missing or became a space
(bad URL encoding), digits are masked (``+33*****78``), separators abound, or a
US number lost its ``1``. :func:`read_number` returns the best reading with a
confidence (``high``/``medium``/``low``) and one sentence saying why.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from ._rx import rx

if TYPE_CHECKING:
    from ..countries import Destination

MASK_CHARS = frozenset("*xX#•●…?")
_REDACTED = rx(r"(?i)\[?<?(?:redacted|masked|hidden|removed|filtered)>?\]?")
_CHANNEL = rx(r"(?i)^(whatsapp|sms|mms|rcs|tel|sip|sips|messenger|client):")
_SEPARATORS = frozenset(" \u00a0-./()[]\t")
_NOT_DIGIT = rx(r"[^0-9]")
_MAX_RAW = 64
# "+44 (0)20 7183 8750": the trunk prefix in brackets after the country code, written by the convention that
# says it is not dialled from abroad (phonenumbers drops it too); the number is valid, no trunk 0 was kept
_BRACKETED_TRUNK = rx(r"^\+[1-9][0-9]{0,2}[ \u00a0]{0,2}\(0\)")


@dataclass(frozen=True)
class Reading:
    """One destination read from text."""

    raw: str  # as written
    e164: str | None  # the number read, when it is not masked
    country: str | None
    confidence: str | None  # high / medium / low
    reason: str
    masked: bool = False
    channel: str | None = None  # whatsapp, sip ... when the address names one
    suggested_country: str | None = None  # a wrong prefix: the country the digits most likely meant
    sent: str | None = None  # read as the number meant (a kept trunk 0, a code twice): as written, in E.164 form


def is_masked(text: str) -> bool:
    return not MASK_CHARS.isdisjoint(text) or _REDACTED.search(text) is not None


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def read_number(raw: str, *, from_country: str | None = None, hint: str | None = None) -> Reading:
    """The destination ``raw`` names, its country and how sure that country is. Never raises.

    A number written without '+' is read as a national number of ``hint`` (the destination's country the error
    names beside it: Twilio's ``ToCountry``, an app's ``country=GB``; see :func:`country_hint`), else of
    ``from_country`` (the sender's)."""
    if raw.lstrip().startswith("+"):
        from_country = hint = None  # only a number without '+' is read in a country: one cache entry
    try:
        return _read_cached(raw, from_country, hint)  # one cache key for read_number(x) and (x, from_country=None)
    except Exception:  # phonenumbers on hostile text: report no country rather than fail
        # and remember nothing: a passing fault (memory) must not stay with the number for the process's life
        return Reading(raw=raw[:_MAX_RAW], e164=None, country=None, confidence=None, reason="unreadable number")


@functools.lru_cache(maxsize=4096)
def _read_cached(raw: str, from_country: str | None, hint: str | None = None) -> Reading:
    return _read(raw[:_MAX_RAW], from_country, hint)


_CALLING_CODE = rx(r"\+?[1-9][0-9]{0,2}")


def country_hint(value: str) -> str | None:
    """The country a field beside a destination names (``ToCountry=GB``, ``countryCode: "gb"``, ``country_code=44``):
    an ISO 3166 alpha-2 code phonenumbers knows, or a calling code (its main country); None for anything else."""
    import phonenumbers

    text = value.strip().strip("\"'").strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        region = text.upper()
        return region if region in phonenumbers.SUPPORTED_REGIONS else None
    if _CALLING_CODE.fullmatch(text):
        region = phonenumbers.region_code_for_country_code(int(text.lstrip("+")))
        return region if region in phonenumbers.SUPPORTED_REGIONS else None
    return None


def _read(raw: str, from_country: str | None, hint: str | None = None) -> Reading:
    text = raw
    if "%" in text:
        text = unquote(text)
    channel = None
    match = _CHANNEL.match(text.strip())
    if match:
        channel = match.group(1).lower()
        text = text.strip()[match.end() :]
        if channel in ("sip", "sips"):
            text = text.split("@", 1)[0].split(";", 1)[0]
        if channel in ("client", "messenger"):
            return Reading(raw, None, None, None, f"a {channel} address has no country", channel=channel)
    lead_space = text[:1] == " " and text.strip()[:1].isdigit()
    body = text.strip()
    if not body or _REDACTED.fullmatch(body) or not any(c.isdigit() for c in body):
        return Reading(raw, None, None, None, "the number is redacted", masked=True, channel=channel)
    if is_masked(body):
        return _masked(raw, body, channel)
    plus = body.startswith("+")
    digits = _digits(body)
    dialled = ""  # digits written with an international prefix: 00 (most countries'), read as '+'
    if body.startswith("00") and not plus:
        plus, dialled, digits = True, digits, digits[2:]
    if not plus and not lead_space and digits[:1] == "0" and 15 < len(digits) <= 19:
        abroad = _dialled_abroad(raw, digits, channel)  # "011 234 803 123 4567": 15 digits after the prefix
        if abroad is not None:
            return abroad
    too_long = f"{raw.strip()!r} is too short or too long for a phone number"
    # E.164's 15 digits, or up to 17 for a country code written twice (+234 234 806 555 1234, as a SID's To
    # is read: countries._suggest), read only when it is one (below)
    if not 6 <= len(digits) <= (17 if plus else 15):
        return Reading(raw, None, None, None, too_long)
    from ..countries import malformed_how, number_meant, parse_destination

    how = "written in E.164"
    if not _SEPARATORS.isdisjoint(body):
        how = "written with separators"
    if not plus:
        how = (
            "the '+' arrived as a space (bad URL encoding)" if lead_space else "written without '+'"
        ) + f"; read as +{digits}"
    dest = parse_destination("+" + digits, strict=True)
    if dialled and not dest.valid and (abroad := _dialled_abroad(raw, dialled, channel)) is not None:
        return abroad  # "0011 44 7400 123456": another international prefix than 00 (Australia's)
    if len(digits) > 15 and dest.shape != "doubled-country-code":
        return Reading(raw, None, None, None, too_long)
    trunk = _BRACKETED_TRUNK.match(body) if plus and not dest.valid else None
    malformed: Destination | None = None  # the number as written, when read as the number meant
    if trunk:  # Italy's 0 is part of the number: dropped only when that makes the number valid
        dropped = _digits(body[: trunk.end() - 3] + body[trunk.end() :])
        without = parse_destination("+" + dropped, strict=True)
        if without.valid:
            dest, digits = without, dropped
            how += "; the trunk 0 in brackets after the country code is not dialled with it"
    elif plus and dest.malformed_in_country:
        # "+44 07400 123456", "+4407400123456": the trunk 0 written after the country code, as people write
        # a number they know nationally; "+1 1 415 555 0123": the country code twice, read in the country
        # meant. Read as the number meant when that is valid (as a trunk 0 in brackets), as the facts read a
        # SID's To (countries.number_meant)
        malformed = dest
        dest = number_meant(dest)
        digits = _digits(dest.e164 or "")
    if not plus and hint and not lead_space and (not dest.valid or dest.country is None):
        # Without '+' (not lost: a space in its place), no number as E.164, and the error names the
        # destination's country: a national number of that country, before the sender's
        national = _national(raw, digits, hint, "the destination's country the error names beside it", channel)
        if national is not None:
            return national
    if not plus and (not dest.valid or dest.country is None):
        # Without '+' the digits may be a national number of the sender's country.
        national = _national(raw, digits, from_country, "the sender's country", channel) if from_country else None
        if national is not None:
            return national
        if len(digits) == 10:
            nanp = parse_destination("+1" + digits, strict=True)
            if nanp.valid and nanp.country:
                return Reading(
                    raw,
                    nanp.e164,
                    nanp.country,
                    "low",
                    "ten digits without a country code; read as a North American number",
                    channel=channel,
                )
    if not plus and not lead_space and (not dest.valid or dest.country is None):
        # "011 44 7400 123456": an international prefix for the '+', as dialled from North America
        abroad = _dialled_abroad(raw, digits, channel)
        if abroad is not None:
            return abroad
    if not plus and digits[:1] == "0" and not dest.valid:
        # A national number (its trunk 0 first: no calling code starts with 0) in no country the error names:
        # the To as written, not read
        if hint:
            where = f"not a valid national number of {hint}, the country named beside it"
        elif from_country:
            where = f"not a valid national number of {from_country}, the sender's country, and no country is named"
        else:
            where = "nothing names its country (no country field beside it, no sender's number)"
        return Reading(
            raw, None, None, None, f"written without a country code (a national number); {where}", channel=channel
        )
    if dest.country is None:
        return Reading(raw, dest.e164, None, None, f"+{digits} belongs to no country", channel=channel)
    if dest.valid and malformed is not None:
        if malformed.kept_trunk_zero:
            code = dest.calling_code
            meant = (
                f"the trunk 0 after the country code (+{code} 0…) is not dialled with it, read without it as "
                f"{dest.e164}, a valid number"
            )
        else:
            meant = f"it {malformed_how(malformed.shape, malformed.calling_code)}, read as {dest.e164}, a valid number"
        return Reading(
            raw,
            dest.e164,
            dest.country,
            "medium",
            f"{how}; not a valid number as written: {meant}",
            channel=channel,
            sent=malformed.e164,
        )
    if dest.valid:
        return Reading(
            raw, dest.e164, dest.country, "high" if plus else "medium", f"{how}; a valid number", channel=channel
        )
    if dest.suggested_number and dest.suggested_country != dest.country:
        return Reading(
            raw,
            dest.e164,
            dest.country,
            "medium",
            f"{how}; not a valid {dest.country} number, but {dest.suggested_number} is a valid "
            f"{dest.suggested_country} number: the country prefix is probably wrong",
            channel=channel,
            suggested_country=dest.suggested_country,
        )
    return Reading(
        raw,
        dest.e164,
        dest.country,
        "low",
        f"{how}; not a valid number, country from the calling code +{dest.calling_code}",
        channel=channel,
    )


def _national(raw: str, digits: str, region: str, whose: str, channel: str | None) -> Reading | None:
    """``digits`` read as a national number of ``region`` (``whose`` country that is, in words), when valid there;
    or, as phonenumbers reads them in that region, as dialled from it with its international prefix."""
    import phonenumbers

    from ..countries import parse_destination

    national = parse_destination(digits, default_region=region, strict=True)
    if not (national.valid and national.country):
        return None
    code = phonenumbers.country_code_for_region(region)
    if national.e164 is not None and not national.e164.startswith(f"+{code}"):
        # "011 44 7400 123456" from the US: not a national number, its international prefix stands for the '+'
        prefix = digits[: len(digits) - len(national.e164) + 1]
        reason = f"written with {prefix}, the international prefix of {region}, {whose}, for '+'; a valid number"
        return Reading(raw, national.e164, national.country, "medium", reason, channel=channel)
    reason = f"written without a country code; read as a national number of {region}, {whose}"
    return Reading(raw, national.e164, national.country, "medium", reason, channel=channel)


@functools.cache
def _international_prefixes() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each international prefix phonenumbers knows (a pattern, as its metadata writes it), with a region that dials
    it: the regions one pattern serves read a number written with it alike."""
    import phonenumbers

    seen: dict[str, str] = {}
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is not None and meta.international_prefix:
            seen.setdefault(meta.international_prefix, region)
    return tuple((re.compile(pattern), region) for pattern, region in seen.items())


def _dialled_abroad(raw: str, digits: str, channel: str | None) -> Reading | None:
    """``digits`` (no '+', no country reads them) read as dialled from abroad: an international prefix in place of
    the '+' ("011 44 7400 123456", as from North America; "010 44 …", as from Japan), as phonenumbers reads a number in
    each region whose prefix they start with. Read only when every valid reading is the same number."""
    import phonenumbers

    if digits[:1] != "0":
        return None  # "810 44 …" (Belarus's 8~10) may as well be any run of digits: only a prefix led by 0 is read
    readings: dict[str, set[str]] = {}
    for pattern, region in _international_prefixes():
        if pattern.match(digits) is None:
            continue
        try:
            number = phonenumbers.parse(digits, region, keep_raw_input=True)  # keeps country_code_source
        except phonenumbers.NumberParseException:
            continue
        if number.country_code_source != phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD:
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        # three digits at least: a prefix of one ("0", Samoa's) or two ("01") is a national number's trunk 0 as well
        # (015123456789 is German, not +1 512…); 00 is read as '+' before (_read)
        if len(digits) - len(e164) + 1 >= 3 and phonenumbers.is_valid_number(number):
            readings.setdefault(e164, set()).add(region)
    if len(readings) != 1:
        return None
    ((e164, regions),) = readings.items()
    from ..countries import parse_destination

    dest = parse_destination(e164, strict=True)
    if not (dest.valid and dest.country):
        return None
    prefix = digits[: len(digits) - len(e164) + 1]
    named = sorted({_dialling_from(region) for region in regions}, key=lambda words: (-len(words), words))
    where = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    reason = f"written with {prefix}, an international prefix (dialled from {where}), for '+'; read as {e164}"
    reason += "; a valid number"
    return Reading(raw, e164, dest.country, "medium", reason, channel=channel)


def _dialling_from(region: str) -> str:
    """A region whose international prefix a number was dialled with, in words: its calling code's countries
    ("US and the other +1 countries") when it shares the code."""
    import phonenumbers

    code = phonenumbers.country_code_for_region(region)
    main = phonenumbers.region_code_for_country_code(code)
    if len(phonenumbers.region_codes_for_country_code(code)) > 1:
        return f"{main} and the other +{code} countries"
    return region


def _masked(raw: str, body: str, channel: str | None) -> Reading:
    """A masked number keeps the country its visible prefix gives."""
    import phonenumbers

    plus = body.lstrip().startswith("+")
    prefix = ""
    for c in body.lstrip().lstrip("+"):
        if c.isascii() and c.isdigit():
            prefix += c
        elif c in _SEPARATORS:
            continue
        else:
            break
    if not plus or not prefix:
        return Reading(raw, None, None, None, "the number is masked and shows no country code", masked=True)
    filled = _fill_masked(body)
    if filled is not None:
        return Reading(
            raw,
            None,
            filled,
            "medium",
            f"masked number; its visible digits are a {filled} number",
            masked=True,
            channel=channel,
        )
    for size in (1, 2, 3):
        if len(prefix) < size:
            break
        cc = int(prefix[:size])
        regions = [r for r in phonenumbers.region_codes_for_country_code(cc) if r != "001"]
        if not regions:
            continue
        if cc == 1:
            return _masked_nanp(raw, prefix[1:], channel)
        main = phonenumbers.region_code_for_country_code(cc)
        if len(regions) == 1:
            return Reading(
                raw,
                None,
                main,
                "medium",
                f"masked number; +{cc} is {main}'s calling code",
                masked=True,
                channel=channel,
            )
        return Reading(
            raw,
            None,
            main,
            "low",
            f"masked number; +{cc} is shared by {', '.join(sorted(regions))}, the visible digits cannot tell which",
            masked=True,
            channel=channel,
        )
    return Reading(raw, None, None, None, f"masked number; +{prefix[:3]} is no calling code", masked=True)


def _fill_masked(body: str) -> str | None:
    """The country every filling of the masked digits agrees on, when each filling is a valid number."""
    from ..countries import parse_destination

    template = [c for c in body if (c.isascii() and c.isdigit()) or c in MASK_CHARS or c == "+"]
    if not template or template[0] != "+" or not 8 <= len(template) <= 16:
        return None
    found: set[str] = set()
    for filler in ("2345678901234", "5550123456789", "8765432109876"):
        it = iter(filler)
        number = "".join(next(it) if c in MASK_CHARS else c for c in template)
        dest = parse_destination(number, strict=True)
        if not dest.valid or dest.country is None:
            return None
        found.add(dest.country)
    return found.pop() if len(found) == 1 else None


def _masked_nanp(raw: str, rest: str, channel: str | None) -> Reading:
    from ..countries import parse_destination

    if len(rest) >= 3:
        area = rest[:3]
        for filler in ("2345678", "4567890", "2223333"):
            dest = parse_destination(f"+1{area}{filler}", strict=True)
            if dest.valid and dest.country:
                return Reading(
                    raw,
                    None,
                    dest.country,
                    "medium",
                    f"masked number; area code {area} of +1 is in {dest.country}",
                    masked=True,
                    channel=channel,
                )
    return Reading(
        raw,
        None,
        "US",
        "low",
        "masked number; +1 is shared by the US, Canada and the Caribbean, and no area code is visible",
        masked=True,
        channel=channel,
    )
