"""A number sent malformed but in the very country meant (its country code twice, +114155550123 for
+14155550123, both US) is diagnosed as a kept trunk 0 is (tests/test_trunk_zero_paths.py): no wrong country.

Before, ``diagnose SM…`` and a paste *confirmed* wrong-country-code for the demo's +114155550123: "The fix is the
number, not a permission. United States is enabled on AC…: correcting the number is enough", a contradiction:
the 21408 was raised by the US permission check, which a corrected US number meets again. Now wrong-country-code
is confirmed only when the country as sent differs from the country of the number meant (+44 44 7624 …, GB as
sent, is the Isle of Man's +44 7624 …; +7 7 701 …, RU as sent, is Kazakhstan's): otherwise ``to`` is the number
meant, ``to_sent`` the number as sent, the permission causes decide, and the knowledge's remark says that the
number has its country code twice and must be corrected; every resend uses the number meant.
"""

from __future__ import annotations

import io
import re

import phonenumbers
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.countries import parse_destination, wrong_prefix_how
from diagnose.facts import derive_facts
from diagnose.models import Diagnosis
from diagnose.paste import extract, scan
from diagnose.pipeline import diagnose_evidence
from diagnose.scan import _destination
from diagnose.simulator import Simulator
from tests.shared import OFFLINE_ENV
from tests.test_trunk_zero_paths import (
    KB,
    PARENT,
    PARENT_TOKEN,
    WORDS,
    _paste,
    _resends_use,
    _sid,
    _sid_evidence,
    _verdict,
    valid_numbers,
)

# The demo's San Francisco number with +1 written twice (docs/simulator.md); the US is enabled on Acme Corp.
DEMO_SID = "SM8e4b1a5f2d3c40b6e9f5a4b3c2d1e0f9"
SENT, MEANT = "+114155550123", "+14155550123"
TWICE = "has its country code twice"
FACTS = ("to", "to_sent", "to_valid", "country", "wrong_prefix_shape", "wrong_prefix_suspected", "to_malformed")


def _says_the_code_twice(d: Diagnosis, sent: str, meant: str, cc: int) -> None:
    assert f"{sent} {TWICE} (+{cc} {cc} …)" in d.summary and meant in d.summary, d.summary
    first = d.fix[0]
    assert TWICE in first.text and meant in first.text, first.text


PASTED = f"ERROR 21408 AccountSid={PARENT} To={SENT}\n"


def test_the_demo_message_and_its_paste_agree_online(demo_sim: Simulator) -> None:
    by_sid = _sid(demo_sim, DEMO_SID)
    statuses = {c.id: c.status for c in by_sid.causes}
    assert (by_sid.verdict, by_sid.cause) == ("confirmed", "permission-enabled-now"), statuses
    assert statuses["wrong-country-code"] == "ruled-out"
    assert by_sid.evidence.to == SENT  # Twilio's record, as it is
    assert (by_sid.facts["to"]["value"], by_sid.facts["to_sent"]["value"]) == (MEANT, SENT)
    assert "correcting the number is enough" not in by_sid.summary
    _says_the_code_twice(by_sid, SENT, MEANT, 1)
    _resends_use(by_sid, MEANT)

    env = {"TWILIO_ACCOUNT_SID": PARENT, "TWILIO_AUTH_TOKEN": PARENT_TOKEN, "DIAGNOSE_API_URL": demo_sim.url}
    pasted = _paste(PASTED, env)
    assert (pasted["verdict"], pasted["cause"]) == (by_sid.verdict, by_sid.cause)
    assert (pasted["facts"]["to"]["value"], pasted["facts"]["to_sent"]["value"]) == (MEANT, SENT)
    assert {c["id"]: c["status"] for c in pasted["causes"]} == statuses
    assert f"{SENT} {TWICE} (+1 1 …)" in pasted["summary"] and MEANT in pasted["summary"]


def test_offline_the_paste_leaves_the_permission_causes_open_and_says_the_code_twice() -> None:
    pasted = _paste(PASTED, {})
    statuses = {c["id"]: c["status"] for c in pasted["causes"]}
    assert pasted["cause"] != "wrong-country-code" and statuses["wrong-country-code"] == "ruled-out"
    assert statuses["missing-country"] == "possible" and statuses["permission-enabled-now"] == "possible"
    assert (pasted["facts"]["to"]["value"], pasted["facts"]["to_sent"]["value"]) == (MEANT, SENT)
    assert f"{SENT} {TWICE} (+1 1 …)" in pasted["summary"]
    assert TWICE in pasted["fix"][0]["text"] and MEANT in pasted["fix"][0]["text"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_says_the_number_has_its_code_twice(demo_sim: Simulator, fmt: str) -> None:
    env = {**OFFLINE_ENV, "TWILIO_ACCOUNT_SID": PARENT, "TWILIO_AUTH_TOKEN": PARENT_TOKEN}
    out = CliRunner().invoke(main, [DEMO_SID, "--format", fmt, "--api-url", demo_sim.url], env=env).stdout
    flat = " ".join(re.sub(r"<[^>]+>", " ", out).split())
    assert f"{SENT} {TWICE}" in flat and MEANT in flat, out[:4000]
    assert "correcting the number is enough" not in flat, out[:4000]


# --- Hypothesis: doubled codes -------------------------------------------------------------------------

DOUBLED_COUNTRIES = ["GB", "DE", "FR", "NG", "AU", "US", "PR", "CA", "IM", "JE", "KZ", "RU"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(valid_numbers(DOUBLED_COUNTRIES), st.sampled_from(sorted(WORDS)), st.booleans())
def test_a_doubled_code_reads_alike_from_a_sid_a_paste_and_triage(
    number: phonenumbers.PhoneNumber, code: int, spaced: bool
) -> None:
    """The same country as sent and meant: no wrong country; another country: wrong-country-code, confirmed."""
    cc, nsn = number.country_code, phonenumbers.national_significant_number(number)
    meant, sent = f"+{cc}{nsn}", f"+{cc}{cc}{nsn}"
    read = parse_destination(sent)
    assume(read.shape == "doubled-country-code" and read.suggested_number == meant)
    same = read.country == read.suggested_country
    text = WORDS[code].format(n=f"+{cc} {cc} {nsn}" if spaced else sent) + "\n"
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found, text
    (pasted,) = found
    by_sid = _sid_evidence(code, sent)
    sid_facts, paste_facts = derive_facts(by_sid), derive_facts(pasted)
    assert {n: sid_facts[n].value for n in FACTS} == {n: paste_facts[n].value for n in FACTS}, text
    sid_verdict = _verdict(by_sid)
    assert sid_verdict == _verdict(pasted), text
    _, cause, statuses = sid_verdict
    if same:
        assert (pasted.to, pasted.to_sent) == (meant, sent), text
        assert (sid_facts["to"].value, sid_facts["to_sent"].value) == (meant, sent)
        assert sid_facts["wrong_prefix_suspected"].value is False
        assert sid_facts["to_malformed"].value == f"{TWICE} (+{cc} {cc} …)"
        assert cause != "wrong-country-code" and statuses["wrong-country-code"] == "ruled-out", statuses
        assert _destination(sent).suggested_country is None  # diagnose scan: the country's own group
        for evidence in (by_sid, pasted):
            d = diagnose_evidence(evidence, None, KB)
            _says_the_code_twice(d, sent, meant, cc)
            _resends_use(d, meant)
    else:  # +44 44 7624 … (Isle of Man), +7 7 7… (Kazakhstan): another country than the one Twilio saw
        assert (sid_facts["to"].value, sid_facts["to_sent"].value) == (sent, None)
        assert sid_facts["wrong_prefix_suspected"].value is True and sid_facts["to_malformed"].value is None
        assert (sid_verdict[0], cause) == ("confirmed", "wrong-country-code"), (sent, statuses)
        assert _destination(sent).suggested_country == read.suggested_country


def test_a_doubled_code_of_a_shared_calling_code_is_a_wrong_country_only_when_it_differs() -> None:
    """+44 and +7 are shared: the ISO countries are compared, not the calling codes."""
    for sent, country, meant, wrong in (
        ("+44447624123456", "GB", "IM", True),
        ("+441534123456", None, None, None),  # written once: no shape at all
        ("+777012345678", "RU", "KZ", True),
        ("+779123456789", "RU", "RU", False),
        ("+44447911123456", "GB", "GG", True),  # +44 7911 12… is Guernsey's
        ("+44447400123456", "GB", "GB", False),
        ("+117872316644", "PR", "PR", False),
    ):
        dest = parse_destination(sent)
        facts = derive_facts(_sid_evidence(21408, sent))
        if wrong is None:
            assert dest.shape is None, sent
            continue
        assert (dest.country, dest.suggested_country) == (country, meant), sent
        assert facts["wrong_prefix_suspected"].value is wrong, sent
        assert (facts["to_sent"].value is not None) is (not wrong), sent
        assert _verdict(_sid_evidence(21408, sent))[1] != "wrong-country-code" or wrong, sent


def test_each_shape_is_said_in_the_remark_with_its_own_example() -> None:
    facts = derive_facts(_sid_evidence(21408, "+49015123456789"))
    assert facts["to_malformed"].value == "kept its national trunk 0 (+49 0 …)"
    facts = derive_facts(_sid_evidence(21408, "+4949015123456789"))
    assert facts["to_malformed"].value == f"{TWICE} (+49 49 …)"
    assert wrong_prefix_how("doubled-country-code", 49) == "the country code was written twice (+49 49 …)"
    for sent in ("+2125550143", "+14155550123"):
        assert derive_facts(_sid_evidence(21408, sent))["to_malformed"].value is None, sent
