"""Renderers: golden files, content and escaping.

Golden files live in ``tests/golden/``. After an intended change to a
template, regenerate them and review the diff::

    UPDATE_GOLDEN=1 /work/venv/bin/pytest tests/test_render.py tests/test_runbook.py

A missing golden file fails the test with that hint.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_render_samples import (
    ACCOUNT,
    assert_valid_page,
    parse_html,
    sample_diagnosis,
    sample_entry,
    sample_index_entry,
    sample_report,
)

from diagnose.errors import RenderError
from diagnose.models import CauseFinding, Diagnosis, ErrorInfo, Evidence, Fact, FixStep, Report, Subject
from diagnose.render import FORMATS, render_explain, render_index_entry, render_report
from diagnose.render._json import loads_report, report_data
from diagnose.render._text import wrap

GOLDEN = Path(__file__).parent / "golden"
XSS = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing: run with UPDATE_GOLDEN=1 to create it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (UPDATE_GOLDEN=1)"


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_golden(fmt: str) -> None:
    ext = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}[fmt]
    check_golden(f"report.{ext}", render_report(sample_report(), fmt))


def test_report_color_golden() -> None:
    check_golden("report.color.txt", render_report(sample_report(), color=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_explain_golden(fmt: str) -> None:
    ext = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}[fmt]
    check_golden(f"explain.{ext}", render_explain(sample_entry(), fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_index_entry_golden(fmt: str) -> None:
    ext = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}[fmt]
    check_golden(f"index-entry.{ext}", render_index_entry(sample_index_entry(), fmt))


# --------------------------------------------------------------------------- text


def test_text_header_names_code_verdict_and_cause() -> None:
    text = render_report(sample_report())
    assert text.splitlines()[0] == "21408 · confirmed: subaccount-mismatch"
    # Answer first: the verdict in words, the fix, how to verify; then the evidence.
    order = [
        "The subaccount that sent the message has not enabled Germany",
        "Fix",
        "Verify",
        "What failed",
        "Evidence for cause: subaccount-mismatch",
        "Other causes",
        "Facts",
        "Prevention",
        "Escalation",
        "Requests",
        "Notes",
    ]
    found = [re.search(rf"^{re.escape(heading)}", text, re.M) for heading in order]
    assert all(found), [h for h, m in zip(order, found, strict=True) if not m]
    assert [m.start() for m in found if m] == sorted(m.start() for m in found if m)
    assert "To       +4915123456789 → DE (Germany)" in text
    assert "country_high_risk         unknown (knowledge/countries.yaml has no entry for DE)" in text
    assert re.search(r"^  ruled out  country-disabled — ", text, re.M)
    assert re.search(r"^  unknown    high-risk-country — ", text, re.M)
    assert text.rstrip().endswith("Docs: https://www.twilio.com/docs/api/errors/21408")


def test_text_fix_steps_are_numbered_with_console_and_api_lines() -> None:
    text = render_report(sample_report())
    fix = text.split("\nFix\n")[1].split("\n\n")[0].splitlines()
    assert fix[0].startswith("  1. Sign in as subaccount")
    assert any(line.startswith("     Console: https://console.twilio.com/") for line in fix)
    api = next(i for i, line in enumerate(fix) if line.startswith("     API:     curl -X POST"))
    assert fix[api + 1].startswith("     " + " " * 9 + "  --data-urlencode")  # continuation kept verbatim
    assert fix[-1] == "  2. Send the message again."


def test_text_has_no_escape_codes_without_color_and_some_with_it() -> None:
    assert "\x1b" not in render_report(sample_report())
    colored = render_report(sample_report(), color=True)
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == render_report(sample_report())


def test_color_is_ignored_outside_text() -> None:
    for fmt in ("markdown", "html", "json"):
        assert "\x1b" not in render_report(sample_report(), fmt, color=True)
        assert "\x1b" not in render_explain(sample_entry(), fmt, color=True)


def test_escape_sequences_in_data_are_made_visible() -> None:
    d = dataclasses.replace(sample_diagnosis(), summary="evil \x1b[31mred\x1b[0m\rover \u202eRTL")
    for color in (False, True):
        text = render_report(Report((d,)), color=color)
        assert "\\x1b[31mred" in text and "\\x0dover" in text and "\\u202eRTL" in text
        assert "\r" not in text
    assert "\x1b" not in render_report(Report((d,)), "markdown")


def test_long_prose_wraps_but_never_breaks_urls_or_code() -> None:
    url = "https://console.twilio.com/us1/develop/sms/settings/geo-permissions?frameUrl=" + "x" * 80
    cmd = "`curl -s https://accounts.twilio.com/v1/Messaging/GeoPermissions?CountryCode=DE -u AC1:token`"
    text = wrap(f"{'word ' * 30}{url} and then {cmd} {'more ' * 30}", indent=2)
    lines = text.splitlines()
    assert any(url in line for line in lines)
    assert any(cmd in line for line in lines)
    for line in lines:
        assert line.startswith("  ")
        if url not in line and cmd not in line:
            assert len(line) <= 100


def test_wrap_keeps_lists_code_blocks_and_paragraphs() -> None:
    text = "Para one is short.\n\n- item one that is long " + "x " * 60 + "\n- item two\n\n```\n  code   kept\n```"
    out = wrap(text, indent=4)
    assert "    Para one is short.\n\n    - item one" in out
    assert "\n      x x" in out  # hanging indent under the list marker
    assert "    - item two" in out
    assert "      code   kept" in out


def test_empty_report() -> None:
    assert render_report(Report()) == "No diagnoses."
    assert "No diagnoses." in render_report(Report(), "markdown")
    html = render_report(Report(), "html")
    assert "No diagnoses." in html
    assert_valid_page(html)
    assert json.loads(render_report(Report(), "json")) == {"diagnoses": []}


def _bare(verdict: str, **changes: object) -> Diagnosis:
    base = Diagnosis(
        subject=Subject(kind="call", sid=None),
        evidence=Evidence(kind="call"),
        error=ErrorInfo(code=None, title="", docs_url=""),
        verdict=verdict,  # type: ignore[arg-type]
        cause=None,
        causes=(),
        fix=(),
        verify=(),
        facts={},
    )
    return dataclasses.replace(base, **changes)


def test_minimal_diagnoses_of_every_verdict_render() -> None:
    for verdict in ("confirmed", "likely", "inconclusive", "no-error", "no-knowledge"):
        report = Report((_bare(verdict),))
        for fmt in FORMATS:
            out = render_report(report, fmt)
            assert isinstance(out, str) and out and not out.endswith("\n")
        assert render_report(report).splitlines()[0] == f"call · {verdict}"


def test_inconclusive_lists_all_causes_without_a_cause_section() -> None:
    d = dataclasses.replace(
        sample_diagnosis(),
        verdict="inconclusive",
        cause=None,
        causes=tuple(dataclasses.replace(c, status="possible") for c in sample_diagnosis().causes),
        fix=(),
    )
    text = render_report(Report((d,)))
    assert text.splitlines()[0] == "21408 · inconclusive"
    assert "\nCauses\n" in text and "Other causes" not in text and "\nCause:" not in text
    assert "\nAbout this error\n" in text  # the explanation still shows


def test_likely_cause_is_labelled_likely() -> None:
    d = dataclasses.replace(sample_diagnosis(), verdict="likely")
    text = render_report(Report((d,)))
    assert text.splitlines()[0] == "21408 · likely: subaccount-mismatch"
    assert "\nEvidence for likely cause: subaccount-mismatch" in text


def test_cause_missing_from_causes_still_shows() -> None:
    d = dataclasses.replace(sample_diagnosis(), cause="not-listed", causes=())
    assert "\nEvidence for cause: not-listed\n" in render_report(Report((d,)))


def test_facts_accept_fact_objects_bare_values_and_none() -> None:
    d = dataclasses.replace(
        sample_diagnosis(),
        causes=(),
        facts={
            "is_trial": Fact("is_trial", False, source="GET account"),
            "account_status": Fact.unknown("account_status", "no credentials"),
            "zz_custom": None,
            "parent_account_sid": None,
            "calling_code": 49,
            "country": ["DE", "AT"],
        },
    )
    text = render_report(Report((d,)))
    facts = text.split("\nFacts\n")[1].split("\n\n")[0]
    names = [line.split()[0] for line in facts.splitlines()]
    assert names == ["country", "calling_code", "account_status", "is_trial", "parent_account_sid", "zz_custom"]
    assert "account_status      unknown (no credentials)" in facts
    assert "is_trial            false" in facts
    assert "parent_account_sid  none" in facts
    assert "country             DE, AT" in facts
    data = json.loads(render_report(Report((d,)), "json"))
    assert data["diagnoses"][0]["facts"]["account_status"]["known"] is False


def test_only_facts_a_cause_reads_are_shown_the_rest_counted() -> None:
    d = dataclasses.replace(
        sample_diagnosis(),
        facts={
            **sample_diagnosis().facts,
            "voice_inheritance": {"value": None, "known": False, "source": "", "reason": "x"},
        },
    )
    text = render_report(Report((d,)))
    facts = text.split("\nFacts\n")[1].split("\n\n")[0]
    assert "voice_inheritance" not in facts and "country_name" not in facts  # read by no cause
    assert "account_type" in facts  # always shown
    assert facts.splitlines()[-1] == "  (2 more that no cause reads: see --format json)"
    assert "*2 more that no cause reads: see the JSON output.*" in render_report(Report((d,)), "markdown")
    assert "2 more that no cause reads" in render_report(Report((d,)), "html")
    assert "voice_inheritance" in json.loads(render_report(Report((d,)), "json"))["diagnoses"][0]["facts"]


def test_several_diagnoses() -> None:
    report = Report((sample_diagnosis(), _bare("no-error")))
    text = render_report(report)
    lines = text.splitlines()
    assert lines[0].startswith("━━ 1/2 ━━━") and lines[1].startswith("message SM0123456789abcdef0123456789abcdef")
    assert "\n21408 · confirmed: subaccount-mismatch\n" in text
    assert "\n━━ 2/2 ━━━" in text and "\ncall · no-error\n" in text
    md = render_report(report, "markdown")
    assert md.startswith("# Diagnosis report\n") and md.count("\n## 1/2 · 21408 · confirmed") == 1
    page = assert_valid_page(render_report(report, "html"))
    assert page.headings["h1"] == ["Diagnosis report"]
    assert len(page.headings["h2"]) == 3  # two subjects, then prevention per code


def test_unknown_format_is_a_render_error() -> None:
    with pytest.raises(RenderError):
        render_report(sample_report(), "yaml")
    with pytest.raises(RenderError):
        render_explain(sample_entry(), "pdf")


# --------------------------------------------------------------------------- markdown


def test_markdown_carries_the_same_sections() -> None:
    md = render_report(sample_report(), "markdown")
    assert md.startswith("# 21408 · confirmed: `subaccount-mismatch`\n")
    order = [
        "Fix",
        "Verify",
        "What failed",
        "Evidence for cause: `subaccount-mismatch`",
        "Other causes",
        "Facts",
        "Prevention",
        "Escalation",
        "Requests",
        "Notes",
    ]
    positions = [md.find(f"\n## {heading}") for heading in order]
    assert all(p > 0 for p in positions), [h for h, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "   ```sh\n   curl -X POST" in md


def test_markdown_escapes_data_but_keeps_knowledge_markdown() -> None:
    ev = dataclasses.replace(sample_diagnosis().evidence, to="*bold* | <b>x</b>")
    d = dataclasses.replace(sample_diagnosis(), evidence=ev)
    md = render_report(Report((d,)), "markdown")
    assert r"\*bold\* \| \<b\>x\</b\>" in md
    assert "**Germany (DE)**" in md  # the fix text is Markdown and stays so


def test_markdown_placeholders_stay_visible() -> None:
    md = render_explain(sample_entry(), "markdown")
    assert r"Enable \<country_name\> (\<country\>)" in md
    assert '"country_code":"<country>"' in md  # inside a code block: as is


# --------------------------------------------------------------------------- html


def test_html_report_is_a_valid_page_with_sections() -> None:
    page = assert_valid_page(render_report(sample_report(), "html"))
    assert "".join(page.headings["h1"]) == "21408 · confirmed: subaccount-mismatch"
    assert [h.split(":")[0].strip() for h in page.headings["h2"]] == [
        "Fix",
        "Verify",
        "What failed",
        "Evidence for cause",
        "Other causes",
        "Facts",
        "Prevention",
        "Escalation",
        "Requests",
        "Notes",
    ]
    assert "style" in page.tags and "script" not in page.tags


def _hostile_diagnosis() -> Diagnosis:
    d = sample_diagnosis()
    return dataclasses.replace(
        d,
        subject=Subject(kind="message", sid=XSS),
        evidence=dataclasses.replace(d.evidence, to=XSS, excerpt=XSS, account_sid=XSS),
        error=ErrorInfo(code=21408, title=XSS, docs_url="javascript:alert(3)"),
        cause=XSS,
        causes=(
            CauseFinding(id=XSS, title=XSS, status="possible", evidence=(XSS, f"[click](javascript:alert(4)) {XSS}")),
        ),
        fix=(FixStep(text=XSS, console="javascript:alert(5)", api=XSS),),
        verify=(XSS,),
        facts={"account_sid": {"name": XSS, "value": XSS, "known": True, "source": XSS, "reason": ""}, XSS: XSS},
        summary=XSS,
        explanation=f"{XSS}\n\n<div onclick=alert(6)>x</div>",
        prevention=(XSS,),
        escalation=(XSS,),
        requests=(XSS,),
        notes=(XSS,),
    )


def test_html_escapes_everything_from_data() -> None:
    html = render_report(Report((_hostile_diagnosis(),)), "html")
    page = parse_html(html)
    assert "<script" not in html.lower()
    assert "script" not in page.tags and "img" not in page.tags and "<div onclick" not in html
    assert not any(k.startswith("on") for _, k, _ in page.attrs)
    assert not any(v and "javascript:" in v for _, _, v in page.attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_explain_escapes_knowledge_text() -> None:
    entry = sample_entry()
    cause = dataclasses.replace(entry.causes[0], title=XSS, explanation=XSS)
    entry = dataclasses.replace(entry, title=XSS, meaning=XSS, impact=XSS, causes=(cause,), summary=XSS)
    for html in (
        render_explain(entry, "html"),
        render_index_entry(
            dataclasses.replace(sample_index_entry(), message=XSS, product=XSS, docs_url="javascript:x"), "html"
        ),
    ):
        page = parse_html(html)
        assert "<script" not in html.lower() and "img" not in page.tags
        assert not any(k.startswith("on") for _, k, _ in page.attrs)
        assert not any(v and "javascript:" in v for _, _, v in page.attrs)


def test_html_explain_and_index_entry_are_valid_pages() -> None:
    page = assert_valid_page(render_explain(sample_entry(), "html"))
    assert page.headings["h2"] == [
        "Meaning",
        "Impact",
        "Diagnosis",
        "Causes",
        "Prevention",
        "Escalation",
        "Related codes",
        "References",
    ]
    page = assert_valid_page(render_index_entry(sample_index_entry(), "html"))
    assert "No diagnostic rules exist yet for this code" in "".join(page.text)


# --------------------------------------------------------------------------- json


def test_json_shape_and_from_rename() -> None:
    data = json.loads(render_report(sample_report(), "json"))
    assert list(data) == ["diagnoses"]
    d = data["diagnoses"][0]
    assert list(d) == [f.name for f in dataclasses.fields(Diagnosis)]
    assert "from" in d["evidence"] and "from_" not in d["evidence"]
    assert list(d["evidence"]).index("from") == [f.name for f in dataclasses.fields(Evidence)].index("from_")
    assert d["evidence"]["from"] == "+15005550006"
    assert d["causes"][1]["reason"].startswith("Germany (DE) is disabled")
    assert isinstance(d["fix"], list) and d["fix"][1] == {
        "text": "Send the message again.",
        "console": None,
        "api": None,
        "notes": [],
    }


def test_json_facts_in_registry_order() -> None:
    facts = json.loads(render_report(sample_report(), "json"))["diagnoses"][0]["facts"]
    assert list(facts)[:2] == ["country", "country_name"]
    assert list(facts).index("account_sid") < list(facts).index("messaging_enabled")


def test_json_round_trip() -> None:
    report = sample_report()
    text = render_report(report, "json")
    assert loads_report(text) == report
    assert render_report(loads_report(text), "json") == text
    assert json.loads(text) == json.loads(json.dumps(report_data(report)))


def test_json_is_unicode_and_ends_with_newline() -> None:
    d = dataclasses.replace(sample_diagnosis(), summary="Grüße → 日本")
    text = render_report(Report((d,)), "json")
    assert "Grüße → 日本" in text and text.endswith("\n  ]\n}")


def test_loads_report_rejects_other_json() -> None:
    with pytest.raises(RenderError):
        loads_report('{"nope": 1}')
    with pytest.raises(RenderError):
        loads_report("not json")


# --------------------------------------------------------------------------- explain / index


def test_explain_text_covers_every_section() -> None:
    text = render_explain(sample_entry())
    assert text.startswith("21408: Permission to send an SMS")
    for heading in (
        "Meaning",
        "Impact",
        "Diagnosis",
        "Causes",
        "Prevention",
        "Escalation",
        "Related codes",
        "References",
    ):
        assert f"\n{heading}\n" in text, heading
    assert "  1. 21408/country-disabled — The country is disabled on the account" in text
    assert "How to confirm" in text and "Console: Open Messaging" in text
    assert 'CountryCode=<country>" -u "<account_sid>:$AUTH_TOKEN"' in text  # placeholders, never broken
    assert "Only when: country_high_risk == true" in text
    assert "[retired]" in text and "Retired: Messaging has no inheritance setting" in text
    assert "(checked 2026-04-14)" in text
    # prevention is shared, not repeated
    assert text.count("Check geo permissions for every new destination before launch.") == 1


def test_explain_says_how_each_cause_is_ruled_out() -> None:
    text = render_explain(sample_entry())
    disabled, mismatch = text.split("21408/subaccount-mismatch")
    assert disabled.index("How to confirm") < disabled.index(
        "     Ruled out when\n"
        "       - messaging_enabled == true\n"
        "         <country_name> is enabled on <account_sid>.\n"
    )
    assert (
        "     Ruled out when any of these holds\n"
        "       - not is_subaccount\n"
        "         <account_sid> is not a subaccount: it has no parent.\n"
        "       - messaging_enabled == true\n"  # a way without a line of its own: ruled_out_because
        "         <account_sid> is not a subaccount, or has <country> enabled.\n"
    ) in mismatch
    assert text.count("Ruled out when") == 2  # the retired cause is not evaluated
    md = render_explain(sample_entry(), "markdown")
    assert (
        "**Ruled out when any of these holds**\n\n"
        "- `not is_subaccount`: \\<account_sid\\> is not a subaccount: it has no parent.\n"
        "- `messaging_enabled == true`: \\<account_sid\\> is not a subaccount, or has \\<country\\> enabled.\n"
    ) in md
    html = render_explain(sample_entry(), "html")
    block = html.split('id="subaccount-mismatch"')[1].split("</div>")[0]
    assert "<h4>Ruled out when any of these holds</h4>" in block
    assert (
        "<li><code>not is_subaccount</code>: &lt;account_sid&gt; is not a subaccount: it has no parent.</li>" in block
    )
    causes = json.loads(render_explain(sample_entry(), "json"))["causes"]
    assert [list(c)[-1] for c in causes] == ["ruled_out_ways"] * 3  # added last: the fields before keep their place
    assert causes[1]["ruled_out_ways"] == [
        {"when": "not is_subaccount", "because": "{{ account_sid }} is not a subaccount: it has no parent."},
        {
            "when": "messaging_enabled == true",
            "because": "{{ account_sid }} is not a subaccount, or has {{ country }} enabled.",
        },
    ]
    assert causes[2]["ruled_out_ways"] == []  # retired


def test_a_cause_without_ruled_out_when_is_ruled_out_when_its_confirmation_fails() -> None:
    entry = sample_entry()
    cause = dataclasses.replace(entry.causes[0], ruled_out_when=None)
    entry = dataclasses.replace(entry, causes=(cause,))
    assert (
        "- not (messaging_enabled == false and not is_subaccount)\n"
        "         <country_name> is enabled on <account_sid>.\n"
    ) in render_explain(entry)
    assert json.loads(render_explain(entry, "json"))["causes"][0]["ruled_out_ways"] == [
        {"when": "not (messaging_enabled == false and not is_subaccount)", "because": cause.ruled_out_because}
    ]


def test_explain_minimal_entry() -> None:
    entry = dataclasses.replace(
        sample_entry(),
        causes=(),
        references=(),
        related=(),
        meaning="",
        impact="",
        diagnosis="",
        summary="",
        products=(),
        channels=(),
        log_level="",
        docs_url="",
    )
    entry = dataclasses.replace(entry, escalation=dataclasses.replace(entry.escalation, when=(), send=()))
    for fmt in FORMATS:
        assert render_explain(entry, fmt) and not render_explain(entry, fmt).endswith("\n")
    assert "https://www.twilio.com/docs/api/errors/21408" in render_explain(entry)


def test_index_entry_says_no_rules() -> None:
    text = render_index_entry(sample_index_entry())
    assert text.startswith("21211: Invalid 'To' Phone Number\n")
    assert "No diagnostic rules exist yet for this code" in text
    assert "Log type   APPLICATION" in text
    bare = dataclasses.replace(sample_index_entry(), product=None, log_level=None, log_type=None, docs_url="")
    assert "https://www.twilio.com/docs/api/errors/21211" in render_index_entry(bare)


def test_explain_text_with_color_only_adds_sgr_codes() -> None:
    plain = render_explain(sample_entry())
    colored = render_explain(sample_entry(), color=True)
    assert "\x1b" not in plain and "\x1b[1m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def test_account_sid_appears_in_all_formats() -> None:
    for fmt in FORMATS:
        assert ACCOUNT in render_report(sample_report(), fmt)


def test_text_drops_emphasis_markers_but_not_code_or_globs() -> None:
    from diagnose.render._text import plain_emphasis

    strong = "**Defaults are narrow.** A *home country* only"
    assert plain_emphasis(strong) == "Defaults are narrow. A home country only"
    assert plain_emphasis("run `ls **/*.py` and 2 * 3 * 4") == "run `ls **/*.py` and 2 * 3 * 4"
    assert plain_emphasis("a**b") == "a**b"


@given(st.text(max_size=200))
def test_plain_emphasis_only_removes_asterisks(text: str) -> None:
    from diagnose.render._text import clean, plain_emphasis

    source = clean(text)
    out = plain_emphasis(source)
    assert out.replace("*", "") == source.replace("*", "")
