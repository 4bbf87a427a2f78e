"""Evidence: SID checks and payload parsing (pure), with Hypothesis for the parsers."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnose.errors import InputError
from diagnose.evidence import call_error_code, channel_of, check_account_sid, classify_sid, from_call, from_message
from diagnose.models import Evidence

HEX = "0123456789abcdef"


@given(st.sampled_from(["SM", "MM", "CA"]), st.text(alphabet=HEX, min_size=32, max_size=32))
def test_valid_sids_classify(prefix: str, digits: str) -> None:
    kind, sid = classify_sid(f"  {prefix}{digits}\n")
    assert sid == prefix + digits
    assert kind == ("call" if prefix == "CA" else "message")


@given(st.text(max_size=60))
def test_anything_else_is_an_input_error_or_a_sid(text: str) -> None:
    try:
        kind, sid = classify_sid(text)
    except InputError as err:
        assert "SID" in str(err)
    else:
        assert kind in {"message", "call"} and len(sid) == 34


@pytest.mark.parametrize("bad", ["", "SM123", "SMxyz" + "0" * 29, "AC" + "0" * 32, "CA" + "0" * 33, "-"])
def test_malformed_sids_are_rejected(bad: str) -> None:
    with pytest.raises(InputError):
        classify_sid(bad)


def test_account_sid_check() -> None:
    assert check_account_sid("AC" + "a" * 32) == "AC" + "a" * 32
    with pytest.raises(InputError):
        check_account_sid("AC123")


def test_message_payload_becomes_evidence() -> None:
    payload = {
        "sid": "SM" + "1" * 32,
        "account_sid": "AC" + "2" * 32,
        "to": "+17875550100",
        "from": "+15005550006",
        "status": "failed",
        "error_code": 21408,
        "num_media": "0",
    }
    ev = from_message(payload)
    assert (ev.kind, ev.code, ev.country, ev.channel, ev.status) == ("message", 21408, "PR", "sms", "failed")
    assert ev.message_sid == payload["sid"] and ev.account_sid == payload["account_sid"]


def test_whatsapp_prefix_is_a_channel_not_part_of_the_number() -> None:
    ev = from_message({"sid": "SM" + "1" * 32, "to": "whatsapp:+33612345678", "error_code": None, "status": "failed"})
    assert ev.channel == "whatsapp" and ev.country == "FR" and ev.code is None


def test_call_code_comes_from_notifications_then_alerts() -> None:
    notes = [{"error_code": "13227", "log": "1"}, {"error_code": "21215", "log": "0"}]
    assert call_error_code(notes, None) == 21215
    assert call_error_code([], [{"error_code": "32205", "log_level": "error"}]) == 32205
    assert call_error_code(None, None) is None
    ev = from_call({"sid": "CA" + "1" * 32, "to": "sip:+525512345678@trunk.example", "status": "failed"}, [], [])
    assert ev.channel == "sip" and ev.code is None


@given(
    st.dictionaries(
        st.sampled_from(["sid", "to", "from", "status", "error_code", "account_sid", "num_media"]),
        st.one_of(st.none(), st.text(max_size=20), st.integers(-5, 99999), st.booleans()),
    )
)
def test_message_parser_never_raises_and_round_trips_as_json(payload: dict) -> None:
    ev = from_message(payload)
    data = json.loads(json.dumps(asdict(ev)))
    assert Evidence(**data) == ev


@given(st.one_of(st.none(), st.text(max_size=30)), st.sampled_from(["message", "call"]))
def test_channel_of_is_total(address: str | None, kind: str) -> None:
    assert channel_of(address, kind=kind) in {"sms", "mms", "whatsapp", "rcs", "messenger", "voice", "sip"}


def test_a_dial_leg_code_takes_the_dialled_number_from_the_notification() -> None:
    call = {"sid": "CA" + "5" * 32, "to": "+15017122661", "from": "+14155550142", "status": "failed"}
    text = "Msg=Geo+Permission+configuration+is+not+permitting+call&phonenumber=%2B442071838750&ErrorCode=13227"
    ev = from_call(call, [{"error_code": "13227", "log": "1", "message_text": text}])
    assert (ev.code, ev.to, ev.country) == (13227, "+442071838750", "GB")
    assert "+442071838750" in ev.excerpt


def test_a_dial_leg_code_without_the_dialled_number_leaves_the_destination_unknown() -> None:
    from diagnose.facts import derive_facts

    call = {"sid": "CA" + "5" * 32, "to": "+15017122661", "from": "+14155550142", "status": "failed"}
    ev = from_call(call, [{"error_code": "13227", "log": "1", "message_text": "Msg=blocked"}])
    assert ev.to is None and ev.country is None  # never the call's own `to`, which is not what was dialled
    facts = derive_facts(ev, None)
    assert not facts["country"].known and "<Dial>" in facts["country"].reason


def test_other_call_codes_keep_the_calls_own_destination() -> None:
    call = {"sid": "CA" + "5" * 32, "to": "+525512345678", "from": "+15017122661", "status": "failed"}
    text = "Msg=x&phonenumber=%2B442071838750"
    ev = from_call(call, [{"error_code": "21215", "log": "0", "message_text": text}])
    assert ev.to == "+525512345678" and ev.country == "MX"


def test_a_child_leg_is_its_own_dialled_number() -> None:
    # The <Dial> child leg (direction outbound-dial) has the dialled number as its own To.
    call = {"sid": "CA" + "6" * 32, "to": "+16135550123", "from": "+15017122661", "direction": "outbound-dial"}
    ev = from_call(call, [{"error_code": "13227", "log": "1", "message_text": "Msg=blocked&ErrorCode=13227"}])
    assert (ev.to, ev.country, ev.excerpt) == ("+16135550123", "CA", "")
    # The same call as a parent (inbound) has no number dialled to read.
    assert from_call({**call, "direction": "inbound"}, [{"error_code": "13227", "message_text": "x"}]).to is None


def test_phonenumber_in_the_text_is_authoritative_even_when_it_is_a_number_of_the_call() -> None:
    call = {"sid": "CA" + "7" * 32, "to": "+442071838750", "from": "+15017122661", "direction": "inbound"}
    text = "Msg=Geo+Permission&phonenumber=%2B442071838750&ErrorCode=13227"
    ev = from_call(call, [{"error_code": "13227", "log": "1", "message_text": text}])
    assert ev.to == "+442071838750" and ev.country == "GB"
    # On a child leg too, a stated phonenumber wins over the leg's own To.
    leg = {**call, "direction": "outbound-dial", "to": "+525512345678"}
    assert from_call(leg, [{"error_code": "13227", "message_text": text}]).to == "+442071838750"


def test_32205_reads_the_trunk_calls_own_to_or_the_stated_number() -> None:
    call = {"sid": "CA" + "8" * 32, "to": "sip:+525587654321@acme.pstn.twilio.com", "direction": "trunking-terminating"}
    ev = from_call(call, [{"error_code": "32205", "log": "0", "message_text": "Msg=x&ErrorCode=32205"}])
    assert ev.country == "MX" and ev.channel == "sip"
    stated = [{"error_code": "32205", "message_text": "Msg=x&phonenumber=%2B33645218709"}]
    assert from_call(call, stated).country == "FR"
    # A parent call (inbound, whose TwiML dialled a SIP trunk) is not the number dialled.
    assert (
        from_call({**call, "direction": "inbound", "to": "+15017122661"}, [stated[0] | {"message_text": "x"}]).to
        is None
    )


@given(st.text(max_size=300))
def test_stated_phonenumber_reader_is_total(text: str) -> None:
    from diagnose.evidence import stated_phonenumber

    found = stated_phonenumber([{"message_text": text}], [{"alert_text": text}])
    assert found is None or (found[0] and len(found[0]) <= 64 and len(found[1]) <= 300)


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_dialled_number_reader_is_total(text: str, exclude: str | None) -> None:
    from diagnose.evidence import dialled_number

    found = dialled_number([{"message_text": text}], [{"alert_text": text}], exclude=(exclude,))
    assert found is None or (found[0].startswith("+") and found[0] != exclude)


# --- SIDs are two letters and 32 hex digits, taken in Twilio's form (lower-case hex) whatever their case ---


@pytest.mark.parametrize(
    "sid", ["SMABCDEF" + "0" * 26, "CA" + "A" * 32, "MM" + "0" * 31 + "F", "sm" + "a" * 32, "Ca" + "a" * 32]
)
def test_a_sid_in_another_case_is_taken_in_twilios_form(sid: str) -> None:
    # It was refused ("copy it as Twilio shows it"), while a log pipeline's upper-cased copy may be all there is.
    kind, clean = classify_sid(sid)
    assert clean == sid[:2].upper() + sid[2:].lower() and kind == ("call" if sid[:2].upper() == "CA" else "message")


def test_an_upper_case_account_sid_is_taken_in_twilios_form() -> None:
    assert check_account_sid("AC" + "ABCDEF" * 5 + "00") == "AC" + "abcdef" * 5 + "00"


@given(st.sampled_from(["SM", "MM", "CA"]), st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32))
def test_any_case_of_the_hex_digits_is_a_sid_in_lower_case(prefix: str, digits: str) -> None:
    assert classify_sid(prefix + digits)[1] == prefix + digits.lower()
