"""Offline diagnosis of pastes: no credentials, the knowledge's causes decided from the paste alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from diagnose.knowledge import load_knowledge
from diagnose.models import Evidence
from diagnose.paste import extract, merge_duplicates
from diagnose.pipeline import diagnose_pasted

CORPUS = Path(__file__).parent / "data" / "paste"


def _report(name: str):  # type: ignore[no-untyped-def]
    return diagnose_pasted(extract((CORPUS / f"{name}.txt").read_text(encoding="utf-8")), load_knowledge())


def _status(diagnosis, cause: str) -> str:  # type: ignore[no-untyped-def]
    return next(c.status for c in diagnosis.causes if c.id == cause)


def test_every_sample_gives_a_diagnosis() -> None:
    kb = load_knowledge()
    for sample in sorted(CORPUS.glob("*.txt")):
        report = diagnose_pasted(extract(sample.read_text(encoding="utf-8")), kb)
        assert report.diagnoses, sample.name
        for d in report.diagnoses:
            assert d.verdict != "no-error", sample.name
            assert d.subject.kind == "paste"


def test_open_causes_are_possible_and_excluded_ones_ruled_out_with_reason() -> None:
    (d,) = _report("01-python-traceback").diagnoses  # Nigeria: high-risk, Console-only
    assert d.verdict == "inconclusive"
    assert _status(d, "subaccount-mismatch") == "possible"
    assert _status(d, "high-restriction-country") == "possible"
    for ruled in ("wrong-country-code", "country-not-allowed"):
        finding = next(c for c in d.causes if c.id == ruled)
        assert finding.status == "ruled-out" and finding.reason
    assert "Nigeria" in next(c.reason for c in d.causes if c.id == "country-not-allowed")


def test_wrong_country_code_is_detected_from_the_number_itself() -> None:
    (d,) = _report("22-log-line-wrong-prefix").diagnoses  # +41 55 550 123 is not Swiss: +1 415 555 0123
    assert d.verdict == "confirmed" and d.cause == "wrong-country-code"
    assert any("+14155550123" in step.text for step in d.fix)


def test_offline_a_wrong_prefix_says_the_country_meant_is_not_known_and_how_to_check() -> None:
    """Nothing is read offline: whether the country meant is enabled is unknown, said so, with the check."""
    (d,) = _report("22-log-line-wrong-prefix").diagnoses
    fact = d.facts["suggested_messaging_enabled"]
    assert not fact["known"] and "offline" in fact["reason"]
    reason = next(c.reason for c in d.causes if c.id == "wrong-country-code")
    assert "Whether United States is enabled on the sending account is not known here" in reason
    text = "\n".join(f"{s.text}\n{s.api or ''}" for s in d.fix)
    assert "GeoPermissions?CountryCode=US" in text  # how to check it
    assert "If it is not enabled, enable United States (US)" in text
    assert '"country_code":"US"' in text and '"country_code":"CH"' not in text


def _pasted(text: str):  # type: ignore[no-untyped-def]
    (d,) = diagnose_pasted(extract(text), load_knowledge()).diagnoses
    return d


SMS_21408 = (
    "HTTP 400 error: Unable to create record: Permission to send an SMS has not been enabled for the region "
    "indicated by the 'To' number: "
)


def test_a_wrong_prefix_meant_for_a_country_twilio_does_not_serve_is_never_told_to_enable_it() -> None:
    """+33 912…: an Iranian mobile behind a form's default French prefix, sent from Iran. Correcting it will not
    help either: no enable, no resend. (Its country code doubled, +98 98 912…, or its trunk 0 kept, +98 0912…, is
    no wrong country: Iran's own refusal decides, country-not-allowed; tests/test_same_country_paths.py.)"""
    kb = load_knowledge()
    form = Evidence(kind="paste", code=21408, http_status=400, to="+339123456789", from_="+982188001234", country="FR")
    (d,) = diagnose_pasted([form], kb).diagnoses
    assert d.cause == "wrong-country-code" and d.facts["suggested_country_not_allowed"]["value"] is True
    assert "Twilio does not deliver to Iran at all" in next(c.reason for c in d.causes if c.id == d.cause)
    text = "\n".join(f"{s.text}\n{s.console or ''}\n{s.api or ''}" for s in d.fix)
    assert "PATCH" not in text and "enable Iran" not in text and "Resend" not in text
    (call,) = diagnose_pasted([dataclasses.replace(form, code=21215)], kb).diagnoses
    assert call.cause == "wrong-country-code" and call.error.code == 21215
    assert all("BulkCountryUpdates" not in (s.api or "") for s in call.fix)
    doubled = _pasted(SMS_21408 + "+98989123456789")
    assert (doubled.facts["to"]["value"], doubled.cause) == ("+989123456789", "country-not-allowed")
    assert all("PATCH" not in (s.api or "") for s in doubled.fix)


def test_a_wrong_prefix_meant_for_a_high_risk_country_sends_to_the_console_not_the_api() -> None:
    """+33 806…: a Nigerian mobile behind a form's default French prefix, sent from Nigeria; Nigeria is
    Console-only (30649): never the API for Nigeria. (Its country code doubled, +234 234 806…, or its trunk 0 kept,
    +234 0806…, is no wrong country: Nigeria's own permission decides, from a SID as from a paste, and it is
    Console-only too; tests/test_trunk_zero_paths.py, tests/test_same_country_paths.py.)"""
    form = Evidence(kind="paste", code=21408, http_status=400, to="+338065551234", from_="+2349012345678", country="FR")
    (d,) = diagnose_pasted([form], load_knowledge()).diagnoses
    assert d.cause == "wrong-country-code" and d.facts["suggested_country_high_risk"]["value"] is True
    assert all('"country_code":"NG"' not in (s.api or "") for s in d.fix)  # the API would refuse it
    console = [s for s in d.fix if "only the Console can enable" in s.text]
    assert len(console) == 1 and "tick Nigeria" in (console[0].console or "")
    for kept in (
        Evidence(kind="message", sid="SM" + "0" * 32, code=21408, to="+23408065551234", country="NG", format="sid"),
        _pasted(SMS_21408 + "+23408065551234").evidence,
        Evidence(kind="message", sid="SM" + "0" * 32, code=21408, to="+2342348065551234", country="NG", format="sid"),
        _pasted(SMS_21408 + "+234 234 806 555 1234").evidence,
    ):
        (d,) = diagnose_pasted([kept], load_knowledge()).diagnoses
        assert (d.facts["to"]["value"], d.cause) == ("+2348065551234", None)
        assert {c.id: c.status for c in d.causes}["high-restriction-country"] == "possible"
        assert all("PATCH" not in (s.api or "") for s in (*d.fix, *d.next_checks))


def test_fix_steps_name_the_country_and_account_found() -> None:
    (d,) = _report("33-iran-not-allowed").diagnoses
    assert d.cause == "country-not-allowed"
    assert d.facts["country"]["value"] == "IR"
    (d,) = _report("29-several-errors").diagnoses[:1]
    assert d.facts["account_sid"] == {
        "value": "AC18181818181818181818181818181818",
        "known": True,
        "source": "input (log-line)",
        "reason": "",
    }


def test_debugger_parent_account_makes_a_known_subaccount() -> None:
    (d,) = _report("16-debugger-webhook-form").diagnoses
    assert d.facts["is_subaccount"]["value"] is True
    assert d.facts["parent_account_sid"]["value"] == "AC55555555555555555555555555555555"


def test_masked_number_keeps_its_country() -> None:
    (d,) = _report("23-log-masked-fr").diagnoses
    assert d.facts["country"]["value"] == "FR"
    assert "masked" in d.facts["to"]["reason"]


def test_duplicates_merge_with_a_count_and_first_and_last_seen() -> None:
    report = _report("44-duplicates")
    (d,) = report.diagnoses
    assert d.evidence.count == 3
    assert (d.evidence.first_seen, d.evidence.last_seen) == ("2026-11-30T14:00:00Z", "2026-11-30T14:00:09Z")
    several = _report("29-several-errors")
    assert [(d.evidence.code, d.evidence.country, d.evidence.count) for d in several.diagnoses] == [
        (21408, "NG", 2),
        (21215, "BD", 1),
        (21408, "SG", 1),
    ]


def test_a_wrong_prefix_is_not_merged_with_the_real_country() -> None:
    text = "ERROR code=21408 to=+41791234567\nERROR code=21408 to=+4155550123\n"
    merged = merge_duplicates(extract(text))
    assert [e.country for e in merged] == ["CH", "CH"]


# --------------------------------------------------------------------------- wordings in the knowledge


def test_builtin_wordings_load_and_recognise_their_code() -> None:
    from diagnose.paste import default_table

    kb = load_knowledge()
    # never inherited through extends: 32224 extends 21216, 13227 lists only its own
    assert kb.get(21216).wordings and kb.get(32224).wordings == ()
    assert kb.get(13227).wordings == ("Dial: No International Authorization",)
    for entry in kb.entries():
        for wording in entry.wordings:
            assert default_table().match(f"Error: {wording}: +33612345678", True) == (entry.code, "knowledge")


def test_lint_refuses_a_wording_shared_by_two_codes(tmp_path: Path) -> None:
    from diagnose.knowledge import lint_paths

    source = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    one = source.replace("\ncauses:", '\nwordings:\n  - "The same old words for two errors"\ncauses:', 1)
    (tmp_path / "21408.yaml").write_text(one, encoding="utf-8")
    (tmp_path / "21215.yaml").write_text(
        one.replace("code: 21408", "code: 21215", 1).replace(
            "wordings:\n", 'wordings:\n  - "Averyverylongword ok"\n', 1
        ),
        encoding="utf-8",
    )
    messages = [p.message for p in lint_paths([tmp_path]) if p.severity == "error"]
    assert any("also listed for 21408" in m for m in messages), messages
    assert any("at least" in m for m in messages), messages


def test_lint_refuses_another_codes_official_message_as_a_wording(tmp_path: Path) -> None:
    from diagnose.knowledge import lint_paths

    source = (Path(__file__).parent / "data" / "knowledge" / "valid" / "21408.yaml").read_text(encoding="utf-8")
    text = source.replace("\ncauses:", "\nwordings:\n  - \"Invalid 'To' Phone Number\"\ncauses:", 1)
    (tmp_path / "21408.yaml").write_text(text, encoding="utf-8")
    messages = [p.message for p in lint_paths([tmp_path]) if p.severity == "error"]
    assert any("official message for 21211" in m for m in messages), messages


def test_redaction_keeps_placeholders_of_fix_commands() -> None:
    from diagnose.paste import redact_secrets

    kept = [
        '-u "AC18181818181818181818181818181818:$SUBACCOUNT_AUTH_TOKEN"',
        "export TWILIO_AUTH_TOKEN=$TOKEN",
        "Authorization: Basic $CREDENTIALS",
        "https://AC1:<auth_token>@api.twilio.com",
        "auth_token: <your auth token>",
    ]
    for line in kept:
        assert redact_secrets(line) == line
    assert "s3cr3t" not in redact_secrets('-u "AC18181818181818181818181818181818:s3cr3t"')
    assert "s3cr3t" not in redact_secrets("Authorization: Bearer s3cr3t")


@pytest.mark.parametrize(
    "line,to",
    [
        ("2026-11-30 13:31:17 ERROR forward of inbound call to +442071838750 failed: error 32224", "+442071838750"),
        ("2026-11-30 13:31:17 WARNING inbound call forwarded to +442071838750 failed: code 13227", "+442071838750"),
        # an inbound call's To is the Twilio number; the leg it was passed on to failed (main read +14155550100, the
        # Twilio number, or none)
        (
            "2026-11-30 13:31:17 ERROR inbound call from +2348031234567 to +14155550100: error 13227 forwarding to "
            "+33612345678",
            "+33612345678",
        ),
        ("2026-11-30 13:31:17 ERROR received call to +14155550100, dial to +33612345678 failed: 13227", "+33612345678"),
        (
            "2026-11-30 13:31:17 ERROR incoming call from +2348031234567 to +14155550100 transferred to "
            "+447400123456, failed: error 13227",
            "+447400123456",
        ),
        ("2026-11-30 12:00:00 ERROR inbound message received to +15017122661 error 11200", None),
        (
            "2026-11-30T12:00:00Z ERROR webhook error code=11200 direction=inbound SmsStatus=received "
            "From=+447911123456 To=+15017122661",
            None,
        ),
    ],
)
def test_a_forwarded_inbound_call_keeps_its_destination_an_inbound_message_does_not(line: str, to: str | None) -> None:
    # the printed code and the wording alone read the same number (the corpus's 32224 sample has no code)
    found = extract(line)
    assert [e.to for e in found] == [to]


@pytest.mark.parametrize(
    "message,to,country",
    [
        ("Account not authorized to call +4915123456789", "+4915123456789", "DE"),
        (
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "
            "+2348031234567",
            "+2348031234567",
            "NG",
        ),
    ],
)
def test_a_printed_code_before_the_message_loses_no_number(message: str, to: str, country: str) -> None:
    # the same line with and without its code names the same destination (the code only adds certainty)
    bare = extract(f"2026-11-30T10:03:00Z ERROR {message}")
    coded = extract(f"2026-11-30T10:03:00Z ERROR code={bare[0].code} {message}")
    assert [(e.to, e.country) for e in bare] == [(to, country)]
    assert [(e.code, e.to, e.country, e.code_source) for e in coded] == [(bare[0].code, to, country, "printed")]
