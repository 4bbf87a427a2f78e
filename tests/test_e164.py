"""diagnose.e164 reads a number exactly as phonenumbers does, or leaves it to phonenumbers (Hypothesis)."""

from __future__ import annotations

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, PhoneNumberType

from diagnose import e164

_CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)
_TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int) and t != PhoneNumberType.UNKNOWN]


def _phonenumbers(text: str) -> tuple[phonenumbers.PhoneNumber, str | None, bool, str] | None:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    valid = phonenumbers.is_valid_number_for_region(number, region)
    return number, region, valid, phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _agrees(text: str) -> bool:
    """Whether e164.read gave phonenumbers' answer (True), or left it to phonenumbers (False)."""
    fast = e164.read(text)
    if fast is None:
        return False
    slow = _phonenumbers(text)
    assert slow is not None, f"{text}: phonenumbers refuses it, e164 read {fast}"
    assert (fast.number, fast.region, fast.valid, fast.e164) == slow, text
    return True


def _examples() -> list[str]:
    """Every example number phonenumbers' metadata holds, of every region and type: valid numbers of
    every pattern, the case the validity test must get right."""
    out = []
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            for kind in _TYPES:
                if region == "001":
                    number = phonenumbers.example_number_for_non_geo_entity(code)
                else:
                    number = phonenumbers.example_number_for_type(region, kind)
                if number is not None:
                    out.append(phonenumbers.format_number(number, PhoneNumberFormat.E164))
    return sorted(set(out))


def test_every_example_number_of_every_region_reads_alike() -> None:
    examples = _examples()
    read = sum(_agrees(text) for text in examples)
    assert len(examples) > 900
    # most are read without phonenumbers' parser (the rest start like a national prefix, and go to it)
    assert read > 0.8 * len(examples), f"only {read} of {len(examples)} read"


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(_CODES), st.text("0123456789", min_size=0, max_size=18))
@example(1, "7875550143")  # Puerto Rico: a region of a shared calling code, found by its leading digits
@example(44, "7624123456")  # the Isle of Man, inside +44
@example(39, "0612345678")  # Italy: a national number that keeps its leading zero
@example(39, "000")
@example(7, "7012345678")  # Kazakhstan inside +7
@example(212, "5550143")  # a US number that lost its 1: not a valid Moroccan one
def test_any_digits_after_any_calling_code_read_alike(code: int, national: str) -> None:
    _agrees(f"+{code}{national}")


@given(st.text(max_size=24))
def test_anything_else_is_left_to_phonenumbers_or_read_alike(text: str) -> None:
    _agrees(text)


def test_what_it_does_not_read() -> None:
    for text in [
        "",
        "+",
        "+1",
        "+12",
        "33612345678",
        "+0123456789",
        "+33 6 12 34 56 78",
        "+٣٣٦١٢٣٤٥٦٧٨",
        "+" + "1" * 21,
    ]:
        assert e164.read(text) is None, text
