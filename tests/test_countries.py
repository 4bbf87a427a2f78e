"""diagnose.countries: destinations → countries, and the country lists with their sources."""

from __future__ import annotations

import re
import subprocess
import sys

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from diagnose import e164
from diagnose.countries import (
    WRONG_PREFIX_SHAPES,
    CountryData,
    Destination,
    country_data,
    country_name,
    is_messaging_high_risk,
    is_not_allowed,
    nanp_countries,
    parse_destination,
    wrong_prefix_how,
)

# --------------------------------------------------------------------------- table tests

# raw, expected country, expected e164, valid
PARSE_TABLE = [
    ("+17875550100", "PR", "+17875550100", True),  # CDCgov/prime-simplereport#1259: +1 787 is Puerto Rico
    ("+19395550100", "PR", "+19395550100", True),
    ("+12125550143", "US", "+12125550143", True),
    ("+1 212 555 0143", "US", "+12125550143", True),
    ("+1 (212) 555-0143", "US", "+12125550143", True),
    ("+14165550143", "CA", "+14165550143", True),
    ("+18765550143", "JM", "+18765550143", True),
    ("+18095550143", "DO", "+18095550143", True),
    ("+447400123456", "GB", "+447400123456", True),
    ("+44 7400 123456", "GB", "+447400123456", True),
    ("+33612345678", "FR", "+33612345678", True),
    ("+33 6 12 34 56 78", "FR", "+33612345678", True),
    ("0033612345678", "FR", "+33612345678", True),
    ("%2B33612345678", "FR", "+33612345678", True),
    ("+525512345678", "MX", "+525512345678", True),
    ("+2348031234567", "NG", "+2348031234567", True),
    ("+970591234567", "PS", "+970591234567", True),  # +970 is not +972: its own country
    ("+989121234567", "IR", "+989121234567", True),
]


@pytest.mark.parametrize(("raw", "country", "e164", "valid"), PARSE_TABLE)
def test_parse_table(raw: str, country: str, e164: str, valid: bool) -> None:
    dest = parse_destination(raw)
    assert (dest.country, dest.e164, dest.valid) == (country, e164, valid)
    assert dest.raw == raw
    assert dest.is_nanp == e164.startswith("+1")
    assert dest.calling_code == phonenumbers.country_code_for_region(country)
    assert dest.country_name == country_name(country)
    assert dest.channel_prefix is None
    assert dest.suggested_number is None and dest.suggested_country is None


def test_puerto_rico_is_its_own_country() -> None:
    dest = parse_destination("+1 787 555 0100")
    assert dest.country == "PR" and dest.country_name == "Puerto Rico"
    assert dest.is_nanp and dest.calling_code == 1


@pytest.mark.parametrize(
    ("raw", "prefix", "country", "e164"),
    [
        ("whatsapp:+33612345678", "whatsapp", "FR", "+33612345678"),
        ("WhatsApp:+17875550100", "whatsapp", "PR", "+17875550100"),
        ("sip:+33612345678@example.pstn.twilio.com", "sip", "FR", "+33612345678"),
        ("sip:+33612345678@example.pstn.twilio.com;transport=tls", "sip", "FR", "+33612345678"),
        ("sips:+14165550143@trunk.example.com:5061", "sips", "CA", "+14165550143"),
        ("tel:+12125550143", "tel", "US", "+12125550143"),
        ("rcs:+447400123456", "rcs", "GB", "+447400123456"),
    ],
)
def test_channel_prefixes_are_stripped(raw: str, prefix: str, country: str, e164: str) -> None:
    dest = parse_destination(raw)
    assert (dest.channel_prefix, dest.country, dest.e164) == (prefix, country, e164)


@pytest.mark.parametrize("raw", ["client:alice", "client:+33612345678", "sip:alice@example.com"])
def test_addresses_without_a_phone_number_have_no_country(raw: str) -> None:
    dest = parse_destination(raw)
    assert dest.country is None and dest.country_name is None and not dest.valid
    assert dest.channel_prefix == raw.split(":", 1)[0]


def test_us_number_missing_its_1_suggests_the_us_number() -> None:
    dest = parse_destination("+2125550143")  # read as Morocco (+212), which it is not
    assert dest.country == "MA" and not dest.valid
    assert dest.suggested_number == "+12125550143"
    assert dest.suggested_country == "US"


def test_nanp_territory_missing_its_1_suggests_the_territory() -> None:
    dest = parse_destination("+7875550100")  # +7 is Russia; the digits are a Puerto Rico number
    assert not dest.valid
    assert (dest.suggested_number, dest.suggested_country) == ("+17875550100", "PR")


def test_national_number_sent_with_a_plus_suggests_the_from_country() -> None:
    dest = parse_destination("+0612345678", default_region="FR")
    assert dest.country is None
    assert (dest.suggested_number, dest.suggested_country) == ("+33612345678", "FR")


def test_default_region_reads_a_national_number() -> None:
    dest = parse_destination("06 12 34 56 78", default_region="FR")
    assert (dest.country, dest.e164, dest.valid) == ("FR", "+33612345678", True)


def test_valid_numbers_get_no_suggestion() -> None:
    assert parse_destination("+33612345678", default_region="US").suggested_number is None


def test_invalid_nanp_number_falls_back_to_its_area_code() -> None:
    # An exchange starting with 0 is never valid, but the area code still names the territory.
    dest = parse_destination("+17870000000")
    assert not dest.valid and dest.country == "PR"
    assert parse_destination("+14160000000").country == "CA"
    assert parse_destination("+15550000000").country == "US"  # no territory: the +1 main region


def test_non_geographic_numbers_have_no_country() -> None:
    dest = parse_destination("+80012345678")
    assert dest.valid and dest.country is None and dest.calling_code == 800


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "+",
        "++",
        "garbage",
        "whatsapp:",
        "sip:",
        "client:",
        "+abc",
        "+0",
        "1" * 300,
        "\x00",
        "+1-800-FLOWERS",
        "☎ +33 6 12",
        "+33612345678\n+33612345679",
        "sip:@",
        "%2B",
    ],
)
def test_garbage_never_raises(raw: str) -> None:
    dest = parse_destination(raw)
    assert isinstance(dest, Destination)
    assert dest.raw == raw


def test_non_string_input_never_raises() -> None:
    assert parse_destination(None).country is None  # type: ignore[arg-type]
    assert parse_destination(12125550143).country == "US"  # type: ignore[arg-type]  # read as +1 212…


# --------------------------------------------------------------------------- lists and names


def test_messaging_high_risk_list() -> None:
    expected = {"BD", "IL", "NG", "PK", "PS", "LK", "AZ", "TJ", "OM", "TN", "DZ"}
    assert country_data().messaging_high_risk.codes == expected
    assert all(is_messaging_high_risk(iso) for iso in expected)
    assert is_messaging_high_risk("ng") and not is_messaging_high_risk("FR")
    assert not is_messaging_high_risk(None) and not is_messaging_high_risk("")


def test_not_allowed_list_with_dates() -> None:
    lst = country_data().not_allowed
    assert {c.iso: c.since for c in lst.countries} == {"IR": "2025-03-15", "SY": "2025-09-15", "CU": "2025-09-15"}
    assert is_not_allowed("IR") and is_not_allowed("cu") and not is_not_allowed("US")
    assert not is_not_allowed(None)


def test_lists_do_not_overlap() -> None:
    data = country_data()
    assert not data.messaging_high_risk.codes & data.not_allowed.codes
    assert not data.nanp.codes & (data.messaging_high_risk.codes | data.not_allowed.codes)


def test_calling_codes_match_phonenumbers() -> None:
    data = country_data()
    for entry in (*data.messaging_high_risk.countries, *data.not_allowed.countries):
        assert entry.calling_code == phonenumbers.country_code_for_region(entry.iso), entry.iso


def test_every_section_cites_a_dated_source() -> None:
    data = country_data()
    assert isinstance(data, CountryData)
    for lst in data.lists:
        assert lst.sources, lst.key
        for src in lst.sources:
            assert src.url.startswith("https://")
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", src.checked)
        assert lst.title and lst.description
    assert data.sources  # de-duplicated, for reports to cite
    # "June 2023: Twilio blocked unused high-risk countries" has no source (facts sheet): it is gone.
    assert not any("June 2023" in note for note in data.messaging_high_risk.notes)
    assert any("not documented" in note for note in data.messaging_high_risk.notes)


def test_country_names() -> None:
    assert country_name("PR") == "Puerto Rico"
    assert country_name("pr") == "Puerto Rico"
    assert country_name("PS") == "Palestinian Territories"
    assert country_name("FR") == "France"
    assert country_name("GB") == "United Kingdom"
    assert country_name("QQ") == "QQ"  # unknown: the code itself
    assert country_name("") == ""


@given(st.text(max_size=8))
def test_country_name_never_raises(text: str) -> None:
    assert isinstance(country_name(text), str)


# --------------------------------------------------------------------------- NANP


def test_nanp_data_covers_every_plus_one_region() -> None:
    assert set(nanp_countries()) == set(phonenumbers.region_codes_for_country_code(1))
    assert nanp_countries()["PR"] == "Puerto Rico"


def test_nanp_area_codes_are_unique() -> None:
    seen: dict[str, str] = {}
    for entry in country_data().nanp.countries:
        for area in entry.area_codes:
            assert area not in seen, f"{area} is listed for {seen.get(area)} and {entry.iso}"
            seen[area] = entry.iso
    assert seen["787"] == seen["939"] == "PR"
    assert seen["212"] == "US" and seen["416"] == "CA" and seen["876"] == "JM"


@pytest.mark.parametrize("iso", sorted(phonenumbers.region_codes_for_country_code(1)))
def test_every_nanp_region_resolves(iso: str) -> None:
    for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
        example = phonenumbers.example_number_for_type(iso, kind)
        if example is None:
            continue
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        dest = parse_destination(e164)
        assert (dest.country, dest.valid, dest.is_nanp) == (iso, True, True), e164
    entry = country_data().nanp.get(iso)
    assert entry is not None and entry.area_codes
    for area in entry.area_codes:  # the fallback for numbers phonenumbers does not validate
        assert parse_destination(f"+1{area}0000000").country == iso, area


# --------------------------------------------------------------------------- properties

PHONEISH = st.from_regex(r"\A(whatsapp:|sip:|client:|tel:)?\+?[0-9 ()\-.]{0,20}(@[a-z.]{0,10})?\Z")


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # no timing: bench/ measures speed
@given(st.one_of(st.text(), PHONEISH), st.one_of(st.none(), st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS))))
def test_parse_destination_never_raises(raw: str, region: str | None) -> None:
    dest = parse_destination(raw, default_region=region)
    assert isinstance(dest, Destination)
    assert dest.raw == raw
    if dest.country is not None:
        assert re.fullmatch(r"[A-Z]{2}", dest.country)
        assert dest.country_name
    if dest.suggested_number is not None:
        assert dest.shape in WRONG_PREFIX_SHAPES
        if dest.shape in ("nanp-missing-1", "national-behind-other-prefix", "national-with-plus"):
            assert dest.suggested_country is not None and dest.suggested_country != dest.country
        again = parse_destination(dest.suggested_number)
        assert again.valid and again.country == dest.suggested_country and again.e164 == dest.suggested_number
    else:
        assert dest.shape is None
    if dest.valid:
        assert dest.e164 is not None


_TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]


@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), st.sampled_from(_TYPES), st.booleans())
def test_valid_numbers_round_trip(region: str, kind: PhoneNumberType, whatsapp: bool) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    assume(example is not None and phonenumbers.is_valid_number(example))
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    # Numbers shared by several regions (toll-free +1 800, Åland inside +358…) belong to
    # the region phonenumbers resolves them to: the canonical form to compare against.
    canonical = phonenumbers.region_code_for_number(example)
    dest = parse_destination(("whatsapp:" if whatsapp else "") + e164)
    assert dest.valid and dest.e164 == e164
    assert dest.country == (canonical if canonical != "001" else None)
    assert dest.suggested_number is None
    again = parse_destination(dest.e164)
    assert (again.e164, again.country) == (dest.e164, dest.country)


# --------------------------------------------------------------------------- purity


def test_import_does_no_work_and_loads_no_sdk() -> None:
    code = (
        "import sys\n"
        "sys.modules['twilio'] = None\n"
        "sys.modules['click'] = None\n"
        "import diagnose.countries as c\n"
        "assert c.country_data.cache_info().currsize == 0, 'data read at import'\n"
        "assert 'yaml' not in sys.modules, 'yaml imported at import time'\n"
        "assert c.parse_destination('+17875550100').country == 'PR'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- wrong-prefix shapes

REGIONS = sorted(r for r in phonenumbers.SUPPORTED_REGIONS if r != "001")


def _example(region: str, kind: PhoneNumberType) -> phonenumbers.PhoneNumber | None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None or not phonenumbers.is_valid_number(example) or example.italian_leading_zero:
        return None
    return example


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(deadline=None)  # no timing in tests: bench/ measures speed
@given(st.sampled_from(REGIONS), st.sampled_from(_TYPES[:2]))
def test_a_kept_trunk_zero_is_found_and_the_number_meant_suggested(region: str, kind: PhoneNumberType) -> None:
    example = _example(region, kind)
    assume(example is not None)
    meant = _e164(example)
    sent = f"+{example.country_code}0{example.national_number}"
    assume(7 <= len(sent) - 1 <= 17)
    kept = phonenumbers.parse(sent)
    assume(not (phonenumbers.is_valid_number(kept) and _e164(kept) == sent))  # not a number of its own
    dest = parse_destination(sent)
    assert not dest.valid and dest.e164 == sent  # the digits as sent, never silently corrected
    main = phonenumbers.PhoneMetadata.metadata_for_region(
        phonenumbers.region_code_for_country_code(example.country_code)
    )
    if main is not None and main.national_prefix == "0":
        assert (dest.suggested_number, dest.shape, dest.kept_trunk_zero) == (meant, "trunk-zero", True)
        assert dest.intended_country is None  # the calling code is the country meant: no other country
    else:  # the country dials no trunk 0 (Andorra, the NANP's 1): a 0 there is no kept trunk prefix
        assert dest.shape != "trunk-zero" and not dest.kept_trunk_zero


@settings(deadline=None)  # no timing in tests: bench/ measures speed
@given(st.sampled_from(REGIONS), st.sampled_from(_TYPES[:2]))
def test_a_doubled_country_code_is_found(region: str, kind: PhoneNumberType) -> None:
    example = _example(region, kind)
    assume(example is not None)
    cc = str(example.country_code)
    sent = f"+{cc}{cc}{example.national_number}"
    assume(7 <= len(sent) - 1 <= 17)
    dest = parse_destination(sent)
    doubled = phonenumbers.parse(sent)
    assume(not (phonenumbers.is_valid_number(doubled) and _e164(doubled) == sent))  # not a number of its own
    assert dest.suggested_number is not None
    again = parse_destination(dest.suggested_number)
    assert again.valid
    if dest.shape == "doubled-country-code":
        assert dest.suggested_number == _e164(example)


@settings(deadline=None)  # no timing in tests: bench/ measures speed
@given(st.sampled_from(sorted(nanp_countries())), st.sampled_from(_TYPES[:2]))
def test_a_nanp_number_that_lost_its_1_is_found(region: str, kind: PhoneNumberType) -> None:
    example = _example(region, kind)
    assume(example is not None)
    sent = f"+{example.national_number}"
    try:
        as_sent = phonenumbers.parse(sent)
    except phonenumbers.NumberParseException:
        as_sent = None  # no country code at all: still a +1 number missing its 1
    assume(as_sent is None or not phonenumbers.is_valid_number(as_sent))  # invalid where it lands
    dest = parse_destination(sent)
    assert (dest.suggested_number, dest.suggested_country) == (
        _e164(example),
        phonenumbers.region_code_for_number(example),
    )
    assert dest.shape == "nanp-missing-1"


@settings(deadline=None)  # no timing in tests: bench/ measures speed
@given(st.sampled_from(REGIONS), st.sampled_from(REGIONS), st.sampled_from(_TYPES[:2]))
def test_a_national_number_behind_a_forms_default_prefix_is_found(home: str, form: str, kind: PhoneNumberType) -> None:
    example = _example(home, kind)
    form_cc = phonenumbers.country_code_for_region(form)
    assume(example is not None and form_cc != example.country_code and form_cc != 1)
    sent = f"+{form_cc}{example.national_number}"
    assume(7 <= len(sent) - 1 <= 17)  # the lengths the suggestion considers (E.164 allows 15 digits)
    landed = phonenumbers.parse(sent)
    assume(not phonenumbers.is_valid_number(landed))
    dest = parse_destination(sent, default_region=home)  # the sender's country is the user's
    assert dest.suggested_number is not None and parse_destination(dest.suggested_number).valid
    if dest.shape == "national-behind-other-prefix":
        assert dest.suggested_number == _e164(example)


def test_shapes_by_example() -> None:
    cases = {
        ("+2125550143", None): ("+12125550143", "US", "nanp-missing-1"),
        ("+442125550143", "US"): ("+12125550143", "US", "national-behind-other-prefix"),
        ("+330612345678", None): ("+33612345678", "FR", "trunk-zero"),
        ("+112125550143", None): ("+12125550143", "US", "doubled-country-code"),
        ("+0612345678", "FR"): ("+33612345678", "FR", "national-with-plus"),
    }
    for (sent, home), expected in cases.items():
        dest = parse_destination(sent, default_region=home)
        assert (dest.suggested_number, dest.suggested_country, dest.shape) == expected, sent


def test_a_passing_fault_is_not_remembered_with_the_number(monkeypatch: pytest.MonkeyPatch) -> None:
    # both readings are cached per number for the process's life (a receiver's, a long triage's): a fault
    # that passes (memory, a module being reloaded) must not stay with the number, as "unreadable" forever
    from diagnose.paste import read_number

    number = "+33 6 45 21 87 11"  # written so that no other test reads it first

    def broken(*args: object, **kwargs: object) -> object:
        raise MemoryError("a passing fault")

    with monkeypatch.context() as patched:
        patched.setattr(phonenumbers, "parse", broken)
        patched.setattr(e164, "read", broken)  # the reading of "+" and digits that skips phonenumbers.parse
        assert read_number(number).reason == "unreadable number"
        assert parse_destination(number.replace(" ", "")).country is None
    assert (read_number(number).country, read_number(number).confidence) == ("FR", "high")
    assert parse_destination(number.replace(" ", "")).country == "FR"


def test_each_shape_is_said_with_its_example() -> None:
    """The examples sit in a table beside the words (they were cut out of the words at their last ' ('): the
    same sentences, with the number's own country code where the shape keeps it."""
    assert {shape: wrong_prefix_how(shape, 49) for shape in WRONG_PREFIX_SHAPES} == {
        "doubled-country-code": "the country code was written twice (+49 49 …)",
        "trunk-zero": "the national trunk 0 was kept after the country code (+49 0 …)",
        "nanp-missing-1": "a US or Canadian number lost its leading 1 (+212 555 … for +1 212 555 …)",
        "national-behind-other-prefix": (
            "a national number was put behind another country's prefix (a form's default country)"
        ),
        "national-with-plus": "a national number was given a + without a country code",
    }
    assert wrong_prefix_how("doubled-country-code", None) == "the country code was written twice (+44 44 …)"
    assert wrong_prefix_how("trunk-zero", None) == "the national trunk 0 was kept after the country code (+44 0 …)"
    assert wrong_prefix_how(None, 49) is None
