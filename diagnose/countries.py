"""Destinations → countries, and the country lists geo permissions depend on.

Two jobs, both pure:

* :func:`parse_destination` reads a ``To`` value the way Twilio's geo
  permissions see it: a channel prefix (``whatsapp:``, ``sip:…@host``) is
  stripped, the number is resolved to an ISO 3166-1 alpha-2 country with
  ``phonenumbers``, and every NANP territory is its own country (``+1 787`` is
  Puerto Rico, not the United States). When the digits look like another
  country's number sent with the wrong prefix (``+2125550143`` is Morocco, but
  ``+1 212 555 0143`` is New York), a suggestion says so.
* :func:`country_data` and the helpers around it expose
  ``knowledge/countries.yaml``: the Messaging high-risk (Console-only) countries,
  the countries Twilio does not deliver to, and the NANP members, each list
  with its source.

Nothing happens at import: the data file is read on first use (through
:mod:`diagnose._data`) and cached. No ``twilio``, no ``click``, no I/O
besides reading that package file.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import phonenumbers

from . import e164
from .errors import KnowledgeError

__all__ = [
    "CountryData",
    "CountryEntry",
    "CountryList",
    "Destination",
    "Source",
    "blocked_prefix",
    "countries_with_blocked_prefixes",
    "country_data",
    "country_name",
    "is_messaging_high_risk",
    "is_not_allowed",
    "malformed_how",
    "nanp_countries",
    "number_meant",
    "parse_destination",
    "wholly_blocked",
]

_DATA_FILE = "knowledge/countries.yaml"

# Channel prefixes Twilio accepts in a To/From address. ``client:`` names a
# Voice SDK identity, not a phone number, so it never has a country.
_ADDRESS_SCHEMES = ("whatsapp", "sip", "sips", "tel", "sms", "mms", "rcs", "messenger", "client")
_NO_COUNTRY_SCHEMES = frozenset({"client", "messenger"})
_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]{0,20}):")
_MAX_INPUT = 256  # longer text is no phone number; phonenumbers rejects it anyway
_NON_GEO_REGION = "001"  # phonenumbers' region for non-geographic numbers (+800, +882, ...)


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Source:
    """Where a list comes from, and when it was last checked."""

    title: str
    url: str
    checked: str  # YYYY-MM-DD


@dataclass(frozen=True)
class CountryEntry:
    """One country in a list."""

    iso: str
    name: str
    calling_code: int | None = None
    since: str | None = None  # not_allowed: the date Twilio stopped delivering
    area_codes: tuple[str, ...] = ()  # nanp: the three digits after +1
    prefix: str | None = None  # blocked_prefixes: the E.164 prefix Twilio blocks ("+7978")


@dataclass(frozen=True)
class CountryList:
    """One section of ``knowledge/countries.yaml``."""

    key: str
    title: str
    description: str
    sources: tuple[Source, ...]
    notes: tuple[str, ...]
    countries: tuple[CountryEntry, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c.iso for c in self.countries)

    @property
    def isos(self) -> tuple[str, ...]:
        """The ISO codes in the order of the file."""
        return tuple(c.iso for c in self.countries)

    def get(self, iso: str) -> CountryEntry | None:
        return next((c for c in self.countries if c.iso == iso), None)


@dataclass(frozen=True)
class CountryData:
    """The parsed data file: every list with its sources, for reports to cite."""

    messaging_high_risk: CountryList
    not_allowed: CountryList
    nanp: CountryList
    blocked_prefixes: CountryList | None = None  # ranges, not countries: not in ``lists``

    @property
    def lists(self) -> tuple[CountryList, ...]:
        return (self.messaging_high_risk, self.not_allowed, self.nanp)

    @property
    def sources(self) -> tuple[Source, ...]:
        seen: dict[tuple[str, str], Source] = {}
        for lst in (*self.lists, *((self.blocked_prefixes,) if self.blocked_prefixes else ())):
            for src in lst.sources:
                seen.setdefault((src.title, src.url), src)
        return tuple(seen.values())


@dataclass(frozen=True)
class Destination:
    """A ``To`` value as geo permissions see it.

    ``country`` is None when the text is no phone number (a ``client:``
    identity, garbage) or the number belongs to no country (``+800``).
    ``suggested_number``/``suggested_country`` are set only for a number that
    is not valid as written but is valid read another way.
    """

    raw: str
    e164: str | None
    country: str | None
    country_name: str | None
    calling_code: int | None
    valid: bool
    is_nanp: bool
    channel_prefix: str | None
    suggested_number: str | None
    suggested_country: str | None
    # How the number probably went wrong, when a suggestion exists (see WRONG_PREFIX_SHAPES).
    shape: str | None = None

    @property
    def intended_country(self) -> str | None:
        """The country of the number probably meant, when the one sent is invalid and reads validly elsewhere.

        The test of the cause ``wrong-country-code`` (``to_valid == false and wrong_prefix_suspected == true``):
        the planner reads this country's permission, and the facts say whether it is enabled. None for a malformed
        number of the country meant (:attr:`malformed_in_country`): that country's permission is the one Twilio
        checked.
        """
        if self.valid or self.shape is None or self.malformed_in_country:
            return None
        return self.suggested_country

    @property
    def kept_trunk_zero(self) -> bool:
        """The number as sent kept its national trunk 0 after the country code (``+49 0151…``): the number meant,
        ``suggested_number``, is of the same country, without that 0 (see :func:`without_trunk_zero`)."""
        return self.shape == TRUNK_ZERO and not self.valid and self.suggested_number is not None

    @property
    def malformed_in_country(self) -> bool:
        """The number as sent is not valid, and the number meant (``suggested_number``) is of the very country it
        was read in (``country``): no wrong country, the permission Twilio checked is the one meant, only the
        number is malformed. Always so for a kept trunk 0 (``+49 0151…``); for a doubled country code when the
        countries are the same (``+1 1 415…``: US as sent and meant; not ``+44 44 7624…``, GB as sent, the Isle of
        Man's ``+44 7624…`` meant, nor ``+7 7 701…``, Russia as sent, Kazakhstan meant). ISO countries are
        compared, not calling codes: +1, +44 and +7 are shared."""
        if self.valid or self.shape is None or self.suggested_number is None:
            return False
        return self.shape == TRUNK_ZERO or (self.country is not None and self.suggested_country == self.country)


def number_meant(dest: Destination) -> Destination:
    """The number ``dest`` stands for: a malformed number of the country meant
    (:attr:`Destination.malformed_in_country`) read as that number (``+49015123456789`` → ``+4915123456789``,
    ``+114155550123`` → ``+14155550123``), else ``dest`` itself. Both a SID's ``To`` and a pasted number are read
    through it (facts, paste reader)."""
    if not dest.malformed_in_country or dest.suggested_number is None:
        return dest
    meant = parse_destination(dest.suggested_number)
    return dataclasses.replace(meant, raw=dest.raw, channel_prefix=dest.channel_prefix)


TRUNK_ZERO = "trunk-zero"
"""The shape of a number that kept its national trunk 0 after the country code: the country is right (the
calling code is the one meant), only the number is malformed; no wrong country (:attr:`Destination.kept_trunk_zero`)."""

# The ways a number gets the wrong prefix, in the order they are tried: what went wrong, in words.
WRONG_PREFIX_SHAPES: dict[str, str] = {
    "doubled-country-code": "the country code was written twice",
    TRUNK_ZERO: "the national trunk 0 was kept after the country code",
    "nanp-missing-1": "a US or Canadian number lost its leading 1",
    "national-behind-other-prefix": "a national number was put behind another country's prefix",
    "national-with-plus": "a national number was given a + without a country code",
}
# Each shape's example, beside its words ({cc}: the calling code of the number sent, where the shape keeps it:
# a German number's kept trunk 0 is "+49 0 …"); the one in brackets when the calling code is unknown.
WRONG_PREFIX_EXAMPLES: dict[str, tuple[str, str | None]] = {
    "doubled-country-code": ("+44 44 …", "+{cc} {cc} …"),
    TRUNK_ZERO: ("+44 0 …", "+{cc} 0 …"),
    "nanp-missing-1": ("+212 555 … for +1 212 555 …", None),
    "national-behind-other-prefix": ("a form's default country", None),
    "national-with-plus": ("", None),
}


# What a malformed number of the country meant did, said of the number (Destination.malformed_in_country):
# "+49015123456789 kept its national trunk 0 (+49 0 …)", "+114155550123 has its country code twice (+1 1 …)".
MALFORMED_WORDS: dict[str, str] = {
    TRUNK_ZERO: "kept its national trunk 0",
    "doubled-country-code": "has its country code twice",
}


def _example(shape: str, calling_code: int | None) -> str:
    example, own = WRONG_PREFIX_EXAMPLES[shape]
    return own.format(cc=calling_code) if own is not None and calling_code else example


def malformed_how(shape: str | None, calling_code: int | None) -> str | None:
    """What a malformed number of the country meant did (:data:`MALFORMED_WORDS`), with the example of
    :func:`wrong_prefix_how` ("kept its national trunk 0 (+49 0 …)"); None for no such shape."""
    if shape not in MALFORMED_WORDS:
        return None
    return f"{MALFORMED_WORDS[shape]} ({_example(shape, calling_code)})"


def wrong_prefix_how(shape: str | None, calling_code: int | None) -> str | None:
    """How a number probably got its wrong prefix (:data:`WRONG_PREFIX_SHAPES`), in words, with its example
    (:data:`WRONG_PREFIX_EXAMPLES`) written with the country code of the number sent where the shape keeps it;
    None for no shape."""
    if shape is None:
        return None
    example = _example(shape, calling_code)
    return f"{WRONG_PREFIX_SHAPES[shape]} ({example})" if example else WRONG_PREFIX_SHAPES[shape]


# --------------------------------------------------------------------------- loading


def _str(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise KnowledgeError(f"expected a non-empty string, got {value!r}", path=_DATA_FILE, key=where)


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, Mapping):
        raise KnowledgeError("a source must be a mapping with title, url and checked", path=_DATA_FILE, key=where)
    checked = _str(raw.get("checked"), f"{where}.checked")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", checked):
        raise KnowledgeError(f"checked must be YYYY-MM-DD, got {checked!r}", path=_DATA_FILE, key=where)
    return Source(_str(raw.get("title"), f"{where}.title"), _str(raw.get("url"), f"{where}.url"), checked)


def _entry(raw: Any, where: str) -> CountryEntry:
    if not isinstance(raw, Mapping):
        raise KnowledgeError("a country must be a mapping", path=_DATA_FILE, key=where)
    iso = _str(raw.get("iso"), f"{where}.iso").upper()
    if not re.fullmatch(r"[A-Z]{2}", iso):
        raise KnowledgeError(f"iso must be two letters, got {iso!r}", path=_DATA_FILE, key=where)
    code = raw.get("calling_code")
    if code is not None and not isinstance(code, int):
        raise KnowledgeError("calling_code must be an integer", path=_DATA_FILE, key=where)
    since = raw.get("since")
    area_codes = raw.get("area_codes") or ()
    if not isinstance(area_codes, (list, tuple)) or not all(
        isinstance(a, str) and re.fullmatch(r"[2-9]\d\d", a) for a in area_codes
    ):
        raise KnowledgeError("area_codes must be a list of three-digit strings", path=_DATA_FILE, key=where)
    prefix = raw.get("prefix")
    if prefix is not None and not (isinstance(prefix, str) and re.fullmatch(r"\+[1-9]\d{0,6}", prefix)):
        raise KnowledgeError("prefix must be '+' and 1 to 7 digits, e.g. '+7978'", path=_DATA_FILE, key=where)
    return CountryEntry(
        iso=iso,
        name=_str(raw.get("name"), f"{where}.name"),
        calling_code=code,
        since=_str(since, f"{where}.since") if since is not None else None,
        area_codes=tuple(area_codes),
        prefix=prefix,
    )


def _section(doc: Mapping[str, Any], key: str) -> CountryList:
    raw = doc.get(key)
    if not isinstance(raw, Mapping):
        raise KnowledgeError(f"section {key!r} is missing", path=_DATA_FILE, key=key)
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        raise KnowledgeError("every section needs at least one source", path=_DATA_FILE, key=f"{key}.sources")
    countries = raw.get("countries")
    if not isinstance(countries, list) or not countries:
        raise KnowledgeError("a section needs countries", path=_DATA_FILE, key=f"{key}.countries")
    notes = raw.get("notes") or []
    return CountryList(
        key=key,
        title=_str(raw.get("title"), f"{key}.title"),
        description=" ".join(_str(raw.get("description"), f"{key}.description").split()),
        sources=tuple(_source(s, f"{key}.sources[{i}]") for i, s in enumerate(sources)),
        notes=tuple(" ".join(_str(n, f"{key}.notes[{i}]").split()) for i, n in enumerate(notes)),
        countries=tuple(_entry(c, f"{key}.countries[{i}]") for i, c in enumerate(countries)),
    )


@functools.lru_cache(maxsize=1)
def country_data() -> CountryData:
    """The parsed ``knowledge/countries.yaml`` (read once, then cached).

    Raises :class:`~diagnose.errors.KnowledgeError` if the packaged file is
    missing or malformed: that is a packaging bug, not a user error.
    """
    from ._data import COUNTRY_FILE, knowledge_dir
    from .knowledge._cache import recall, remember

    try:
        raw = (knowledge_dir() / COUNTRY_FILE).read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"cannot read the country data: {exc}", path=_DATA_FILE) from exc
    # Parsed once, then recalled by content from the knowledge cache: YAML is not even imported.
    cached = recall(raw, COUNTRY_FILE)
    doc = cached["doc"] if cached is not None and "doc" in cached else _parse_yaml(raw)
    if cached is None and isinstance(doc, Mapping):
        remember(raw, COUNTRY_FILE, {"doc": doc})
    if not isinstance(doc, Mapping):
        raise KnowledgeError("the country data must be a mapping", path=_DATA_FILE)
    return CountryData(
        messaging_high_risk=_section(doc, "messaging_high_risk"),
        not_allowed=_section(doc, "not_allowed"),
        nanp=_section(doc, "nanp"),
        blocked_prefixes=_section(doc, "blocked_prefixes") if "blocked_prefixes" in doc else None,
    )


def _parse_yaml(raw: bytes) -> object:
    import yaml

    try:
        # libyaml's C SafeLoader when present: same safety, a fraction of the time.
        return yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"cannot read the country data: {exc}", path=_DATA_FILE) from exc


@functools.lru_cache(maxsize=1)
def _nanp_by_area_code() -> Mapping[str, str]:
    table: dict[str, str] = {}
    for entry in country_data().nanp.countries:
        for area in entry.area_codes:
            table.setdefault(area, entry.iso)
    return MappingProxyType(table)


@functools.lru_cache(maxsize=1)
def _names_from_data() -> Mapping[str, str]:
    names: dict[str, str] = {}
    for lst in country_data().lists:
        for entry in lst.countries:
            names.setdefault(entry.iso, entry.name)
    return MappingProxyType(names)


# --------------------------------------------------------------------------- country lists


def _iso(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    iso = value.strip().upper()
    return iso if re.fullmatch(r"[A-Z]{2}", iso) else None


def is_messaging_high_risk(iso: str | None) -> bool:
    """Messaging treats the country as high risk: only the Console can change it (30649)."""
    code = _iso(iso)
    return code is not None and code in country_data().messaging_high_risk.codes


def is_not_allowed(iso: str | None) -> bool:
    """Twilio does not deliver to the country at all (Iran, Syria, Cuba)."""
    code = _iso(iso)
    return code is not None and code in country_data().not_allowed.codes


def blocked_prefix(number: str | None) -> CountryEntry | None:
    """The blocked range an E.164 number falls in (Crimea +7978, North Korea +850), or None."""
    section = country_data().blocked_prefixes
    if section is None or not isinstance(number, str) or not number.startswith("+"):
        return None
    return next((e for e in section.countries if e.prefix and number.startswith(e.prefix)), None)


def wholly_blocked(iso: str | None) -> str | None:
    """The blocked prefix when it is the country's whole calling code (North Korea, +850), else None.

    A range blocked inside a country (Crimea, +7978, in RU) leaves the rest of the country usable.
    """
    from .country_table import countries as country_table

    if not iso or iso not in countries_with_blocked_prefixes():
        return None
    row = country_table().get(iso)
    if row is None:
        return None
    entry = blocked_prefix(f"+{row.calling_code}")
    return entry.prefix if entry is not None and entry.iso == iso else None


def countries_with_blocked_prefixes() -> frozenset[str]:
    """ISO codes that contain a blocked range (a number of any other country is in none)."""
    section = country_data().blocked_prefixes
    return frozenset(e.iso for e in section.countries) if section is not None else frozenset()


def nanp_countries() -> Mapping[str, str]:
    """ISO code → English name of every country and territory sharing +1."""
    return MappingProxyType({c.iso: c.name for c in country_data().nanp.countries})


def _table_name(iso: str) -> str:
    # A static table: phonenumbers' own locale data costs ~100 MB and a third of a second to import.
    from .country_table import countries

    country = countries().get(iso)
    return country.name if country is not None else ""


def country_name(iso: str | None) -> str:
    """The English name of a country; never raises (an unknown code is returned as given)."""
    if not isinstance(iso, str):
        return "" if iso is None else str(iso)
    code = iso.strip().upper()
    try:
        name = _names_from_data().get(code) or _table_name(code)
    except Exception:  # a broken data file must not break naming
        name = ""
    return name or iso


# --------------------------------------------------------------------------- parsing


def _split_address(raw: str) -> tuple[str | None, str]:
    """``whatsapp:+33…`` → ("whatsapp", "+33…"); ``sip:+33…@host;x=y`` → ("sip", "+33…")."""
    match = _SCHEME_RE.match(raw)
    if not match or match.group(1).lower() not in _ADDRESS_SCHEMES:
        return None, raw.strip()
    scheme = match.group(1).lower()
    rest = raw[match.end() :].strip()
    if scheme in ("sip", "sips"):
        rest = rest.split("@", 1)[0].split(";", 1)[0]
    if scheme == "tel":
        rest = rest.split(";", 1)[0]
    return scheme, rest.strip()


def _clean(number: str) -> str:
    """Undo URL-encoding of '+', drop separators; keep anything else for phonenumbers to judge."""
    text = number.replace("%2B", "+").replace("%2b", "+")
    text = re.sub(r"[\s\u00a0\u2000-\u200f\u2060\-./()\[\]]", "", text)
    if text.startswith("00") and text[2:].isascii() and text[2:].isdigit():  # the common international prefix
        text = "+" + text[2:]
    return text


def _validate(number: phonenumbers.PhoneNumber) -> tuple[bool, str | None]:
    """``phonenumbers.is_valid_number`` and the region it found on the way (the NANP's is a walk over
    some 25 regions: found once, not twice)."""
    region = phonenumbers.region_code_for_number(number)
    return phonenumbers.is_valid_number_for_region(number, region), region


def _region_for(number: phonenumbers.PhoneNumber, valid: bool, region: str | None) -> str | None:
    """The ISO country of a parsed number (``region``: its region when valid); NANP territories are their
    own country."""
    if valid:
        return region if region and region != _NON_GEO_REGION else None
    cc = number.country_code
    if cc == 1:
        area = str(number.national_number)[:3]
        found = _nanp_by_area_code().get(area)
        if found:
            return found
    region = phonenumbers.region_code_for_country_code(cc)
    if not region or region in (_NON_GEO_REGION, "ZZ"):
        return None
    return region


def _read(text: str, region: str | None) -> tuple[phonenumbers.PhoneNumber, bool, str | None, str]:
    """(number, valid, its region, E.164) as phonenumbers reads ``text`` in ``region``: by ``e164.read``
    for "+" and digits, the common case, else by phonenumbers. Raises ``NumberParseException``."""
    fast = e164.read(text) if region is None else None
    if fast is not None:
        return fast.number, fast.valid, fast.region, fast.e164
    number = phonenumbers.parse(text, region)
    valid, found = _validate(number)
    return number, valid, found, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid_region(candidate: str, region: str | None = None) -> tuple[str, str] | None:
    """(E.164, ISO) when ``candidate`` parses to a valid number of a real country."""
    try:
        _, valid, iso, formatted = _read(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not valid:
        return None
    if not iso or iso == _NON_GEO_REGION:
        return None
    return formatted, iso


def _suggest(
    digits: str, country: str | None, default_region: str | None, calling_code: int | None = None
) -> tuple[str, str, str] | None:
    """A valid reading of ``digits`` (the number as sent, without '+'): (E.164, ISO, shape).

    Bounded: at most five candidates, each one phonenumbers parse.
    """
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 17:
        return None
    cc = str(calling_code) if calling_code else ""
    national = digits[len(cc) :] if cc and digits.startswith(cc) else ""
    region = _iso(default_region)
    candidates: list[tuple[str, str | None, str, bool]] = []  # text, region, shape, another country only
    if cc and national.startswith(cc):
        candidates.append(("+" + cc + national[len(cc) :], None, "doubled-country-code", False))
    if cc and without_trunk_zero(national, int(cc)) is not None:
        candidates.append(("+" + cc + national[1:], None, TRUNK_ZERO, False))
    if not digits.startswith("1"):
        candidates.append(("+1" + digits, None, "nanp-missing-1", True))
    if region and national:
        candidates.append((national, region, "national-behind-other-prefix", True))
    if region and not national:
        candidates.append((digits, region, "national-with-plus", True))
    for text, reg, shape, elsewhere in candidates:
        found = _valid_region(text, reg)
        if found and (found[1] != country or not elsewhere):
            return found[0], found[1], shape
    return None


def without_trunk_zero(national: str, calling_code: int) -> str | None:
    """``national`` (the digits after the calling code) without the single trunk 0 it starts with, when the calling
    code's countries dial a national prefix 0 (GB, FR, DE…; not +1, whose prefix is 1, nor Italy, which has none:
    its 0 is part of the number); None for any other digits, a double 0 among them. Whether the rest is a valid
    number is for the caller to say."""
    if national[:1] != "0" or national[1:2] in ("", "0"):
        return None
    region = phonenumbers.region_code_for_country_code(calling_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is None or metadata.national_prefix != "0":
        return None
    return national[1:]


def _unparsed(raw: str, scheme: str | None) -> Destination:
    return Destination(
        raw=raw,
        e164=None,
        country=None,
        country_name=None,
        calling_code=None,
        valid=False,
        is_nanp=False,
        channel_prefix=scheme,
        suggested_number=None,
        suggested_country=None,
    )


def parse_destination(raw: str, *, default_region: str | None = None, strict: bool = False) -> Destination:
    """Read a ``To`` value; never raises, whatever the text.

    ``default_region`` (e.g. the From number's country) is used to read a
    number written without ``+``, and to suggest what a mistyped number meant.
    ``strict``: an unexpected fault raises instead of reading as no country, for a caller that keeps what
    it makes of the answer (``_numbers.read_number``'s cache must not keep a passing fault either).
    """
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    if len(text) > _MAX_INPUT or not isinstance(default_region, (str, type(None))):
        return _parse_safely(text, default_region)
    try:
        return _parse_cached(text, default_region)
    except Exception:  # as _parse_safely, but outside the cache: a passing fault is not remembered
        if strict:
            raise
        return _unparsed(text, None)


def _parse_safely(text: str, default_region: object) -> Destination:
    try:
        return _parse(text, default_region)  # type: ignore[arg-type]
    except Exception:  # phonenumbers on hostile input; never let it escape
        return _unparsed(text, None)


def _parse(raw: str, default_region: str | None) -> Destination:
    if len(raw) > _MAX_INPUT:
        return _unparsed(raw, None)
    scheme, address = _split_address(raw)
    if scheme in _NO_COUNTRY_SCHEMES:
        return _unparsed(raw, scheme)
    cleaned = _clean(address)
    if not cleaned:
        return _unparsed(raw, scheme)
    region = _iso(default_region)
    if cleaned.startswith("+"):
        digits = cleaned[1:]
        to_parse, parse_region = cleaned, None
    elif region:
        digits = cleaned
        to_parse, parse_region = cleaned, region
    else:
        digits = cleaned  # no '+' and no region to read it in: take it as E.164 without its '+'
        to_parse, parse_region = "+" + cleaned, None
    try:
        number, valid, found_region, formatted = _read(to_parse, parse_region)
    except phonenumbers.NumberParseException:
        found = _suggest(digits, None, region)
        dest = _unparsed(raw, scheme)
        if found:
            dest = dataclasses.replace(dest, suggested_number=found[0], suggested_country=found[1], shape=found[2])
        return dest
    country = _region_for(number, valid, found_region)
    if to_parse.startswith("+") and formatted != to_parse and to_parse[1:].isascii() and to_parse[1:].isdigit():
        # phonenumbers dropped digits (a kept trunk 0, a doubled +1): as sent, it is no E.164
        # number, and Twilio sees the digits as sent. Keep them, and suggest the number meant.
        valid, formatted = False, to_parse
    suggestion = (
        _suggest(digits, country, region, number.country_code or None) if not valid or country is None else None
    )
    return Destination(
        raw=raw,
        e164=formatted,
        country=country,
        country_name=country_name(country) if country else None,
        calling_code=number.country_code or None,
        valid=valid,
        is_nanp=number.country_code == 1,
        channel_prefix=scheme,
        suggested_number=suggestion[0] if suggestion else None,
        suggested_country=suggestion[1] if suggestion else None,
        shape=suggestion[2] if suggestion else None,
    )


# A log names the same numbers again and again, and a paste's reading of one (``_numbers.read_number``)
# and its E.164 form's both come here: a parse, validation and suggestion is ~10-80 µs (e164.read, phonenumbers).
_parse_cached = functools.lru_cache(maxsize=4096)(_parse)
