"""A number written ``+`` and digits, read exactly as phonenumbers reads it, from its own metadata.

phonenumbers' parser takes any text in any region, and a number costs some 50 µs
there, with its validation; a log of a million errors names a million
destinations, nearly all ``+`` and digits. For those, :func:`read` finds the
country calling code, the national number, the region and whether the number is
valid as ``phonenumbers.parse`` followed by ``region_code_for_number`` and
``is_valid_number_for_region`` would, with phonenumbers' own metadata and
patterns compiled once per calling code. Where phonenumbers could read the digits
differently (a national prefix it might strip, a length it refuses, a calling code
without metadata) it returns None, and the caller asks phonenumbers.
``tests/test_e164.py`` holds the two to the same answers, for every calling code.

Pure: no I/O beyond phonenumbers' metadata, which it loads lazily.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber

__all__ = ["Read", "read"]

_NON_GEO = "001"
_MIN_NSN, _MAX_NSN = 2, 17  # phonenumbers' bounds on a national number; outside them it raises
_MAX_DIGITS = 20


@dataclass(frozen=True)
class Read:
    number: PhoneNumber  # equal to what phonenumbers.parse returns
    region: str | None  # phonenumbers.region_code_for_number
    valid: bool  # phonenumbers.is_valid_number_for_region(number, region)
    e164: str  # phonenumbers.format_number(number, E164)


# A number description: (the lengths it allows, none meaning any; its pattern); None matches nothing. Patterns are
# compiled when first tested (_compiled): phonenumbers' own patterns are many, a log's numbers need few.
_Desc = tuple[frozenset[int], str] | None


@dataclass(frozen=True)
class _Region:
    code: str
    leading: str | None  # leading_digits: a region of a shared calling code known by its start
    general: _Desc
    # A number of the region matches general and one of these (_number_type_helper), in the order most
    # numbers match them: fixed line and mobile first (any one will do, so the order changes no answer)
    types: tuple[_Desc, ...]


@dataclass(frozen=True)
class _Plan:
    national_prefix: re.Pattern[str] | None  # national_prefix_for_parsing of the calling code's main region
    codes: tuple[str, ...]  # its regions, in phonenumbers' order
    regions: tuple[_Region | None, ...]  # the same, compiled; None: no metadata


def read(text: str) -> Read | None:
    """``text`` (``+`` and ASCII digits) as phonenumbers reads it; None for anything else, or when
    phonenumbers might read it another way."""
    digits = text[1:]
    if text[:1] != "+" or not 2 < len(digits) <= _MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    if digits[0] == "0":
        return None  # phonenumbers: no calling code starts with 0
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    plan = _plan(code)
    if plan is None or not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    if plan.national_prefix is not None and plan.national_prefix.match(national):
        return None  # phonenumbers may strip a national prefix (or carrier code) here
    number = PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        number.italian_leading_zero = True
        zeros = min(len(national) - len(national.lstrip("0")), len(national) - 1)
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    region, valid = _region(plan, national)
    return Read(number, region, valid, text)


def _region(plan: _Plan, national: str) -> tuple[str | None, bool]:
    """phonenumbers.region_code_for_number, for a national number of the plan's calling code, and
    is_valid_number_for_region for that region (found on the way when the walk tested it)."""
    if len(plan.regions) == 1:
        return plan.codes[0], _valid(plan.regions[0], national)
    for region in plan.regions:
        if region is None:
            continue
        if region.leading is not None:
            if _compiled(region.leading).match(national):
                return region.code, _valid(region, national)
        elif _valid(region, national):
            return region.code, True
    return None, False


def _valid(region: _Region | None, national: str) -> bool:
    """phonenumbers' _number_type_helper(...) != UNKNOWN: the number matches the region's general
    description and one of its number types."""
    if region is None or not _matches(region.general, national):
        return False
    return any(_matches(desc, national) for desc in region.types)


def _matches(desc: _Desc, national: str) -> bool:
    """phonenumbers' _is_number_matching_desc."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return _compiled(pattern).fullmatch(national) is not None


_compiled = functools.cache(re.compile)  # bounded: phonenumbers' metadata holds a few thousand patterns


@functools.cache  # bounded: one entry per calling code (about 250)
def _plan(code: int) -> _Plan | None:
    """What reading a number of calling code ``code`` needs, compiled; None where phonenumbers has no
    metadata to read it with (then it is asked)."""
    main = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    codes = tuple(COUNTRY_CODE_TO_REGION_CODE[code])
    return _Plan(
        national_prefix=re.compile(prefix) if prefix else None,
        codes=codes,
        regions=tuple(_compile_region(code, name) for name in codes),
    )


def _compile_region(code: int, name: str) -> _Region | None:
    if name == _NON_GEO:
        metadata = PhoneMetadata.metadata_for_nongeo_region(code, None)
    else:
        metadata = PhoneMetadata.metadata_for_region(name.upper(), None)
    if metadata is None:
        return None
    types = [metadata.fixed_line]
    if not metadata.same_mobile_and_fixed_line_pattern:
        types.append(metadata.mobile)  # else phonenumbers never tests it: fixed_line decided
    types += [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    ]
    return _Region(
        code=name,
        leading=metadata.leading_digits,
        general=_desc(metadata.general_desc),
        types=tuple(_desc(desc) for desc in types),
    )


def _desc(desc: Any) -> _Desc:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), desc.national_number_pattern
