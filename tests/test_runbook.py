"""Runbooks and the static runbook site (the browser test is test_site_browser.py).

Golden files: ``tests/golden/runbook.md`` and ``runbook.html``; regenerate with
``UPDATE_GOLDEN=1 /work/venv/bin/pytest tests/test_runbook.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import re

import pytest
from test_render import XSS, check_golden
from test_render_samples import assert_valid_page, parse_html, sample_entry

from diagnose.errors import RenderError
from diagnose.render.runbook import build_site, render_runbook

SECTIONS = ["Meaning", "Impact", "Diagnosis", "Mitigation", "Prevention", "Escalation", "References", "Related codes"]


def test_runbook_markdown_golden() -> None:
    check_golden("runbook.md", render_runbook(sample_entry()))


def test_runbook_html_golden() -> None:
    check_golden("runbook.html", render_runbook(sample_entry(), "html"))


def test_runbook_markdown_sections_in_order() -> None:
    md = render_runbook(sample_entry())
    assert md.startswith("# 21408: Permission to send an SMS")
    assert re.findall(r"^## (.+)$", md, re.M) == SECTIONS


def test_runbook_diagnosis_has_exact_requests_with_placeholders_for_each_cause() -> None:
    md = render_runbook(sample_entry())
    diagnosis = md.split("\n## Diagnosis\n")[1].split("\n## Mitigation\n")[0]
    for cause in ("country-disabled", "subaccount-mismatch"):
        assert f"### `21408/{cause}`" in diagnosis
    assert (
        diagnosis.count(
            '```sh\ncurl -s "https://accounts.twilio.com/v1/Messaging/GeoPermissions?CountryCode=<country>"'
        )
        == 2
    )
    assert r"**Console:** Sign in as subaccount \<account_sid\>" in diagnosis
    assert "`21408/old-inheritance-rule`: Messaging has no inheritance setting" in diagnosis  # retired, noted


def test_runbook_mitigation_has_steps_per_cause_and_verify() -> None:
    md = render_runbook(sample_entry())
    mitigation = md.split("\n## Mitigation\n")[1].split("\n## Prevention\n")[0]
    assert "### `21408/country-disabled`" in mitigation and "### `21408/subaccount-mismatch`" in mitigation
    assert "old-inheritance-rule" not in mitigation
    assert "1. Enable \\<country_name\\> (\\<country\\>)" in mitigation
    assert "*Only when* `country_high_risk == true`" in mitigation
    assert mitigation.count("**Verify:**") == 2


def test_runbook_diagnosis_says_how_each_cause_is_ruled_out() -> None:
    md = render_runbook(sample_entry())
    diagnosis = md.split("\n## Diagnosis\n")[1].split("\n## Mitigation\n")[0]
    disabled, mismatch = diagnosis.split("### `21408/subaccount-mismatch`")
    # one way: the condition and ruled_out_because, after the manual check
    assert disabled.index("**API:**") < disabled.index(
        "**Ruled out when:**\n\n- `messaging_enabled == true`: \\<country_name\\> is enabled on \\<account_sid\\>.\n"
    )
    # several: each operand of the top-level `or` with its ruled_out_reasons line, else ruled_out_because
    assert (
        "**Ruled out when any of these holds:**\n\n"
        "- `not is_subaccount`: \\<account_sid\\> is not a subaccount: it has no parent.\n"
        "- `messaging_enabled == true`: \\<account_sid\\> is not a subaccount, or has \\<country\\> enabled.\n"
    ) in mismatch
    assert md.count("Ruled out when") == 2  # not for the retired cause, not under Mitigation


def test_runbook_html_says_how_each_cause_is_ruled_out() -> None:
    html = render_runbook(sample_entry(), "html")
    assert_valid_page(html)
    block = html.split('id="check-subaccount-mismatch"')[1].split("</div>")[0]
    assert "<p><strong>Ruled out when any of these holds:</strong></p>" in block
    assert re.findall(r"<li>(.*?)</li>", block) == [
        "<code>not is_subaccount</code>: &lt;account_sid&gt; is not a subaccount: it has no parent.",
        "<code>messaging_enabled == true</code>: &lt;account_sid&gt; is not a subaccount, or has &lt;country&gt;"
        " enabled.",
    ]
    block = html.split('id="check-country-disabled"')[1].split("</div>")[0]
    assert "<p><strong>Ruled out when:</strong></p>" in block
    assert (
        "<li><code>messaging_enabled == true</code>: &lt;country_name&gt; is enabled on &lt;account_sid&gt;.</li>"
        in block
    )
    assert html.count("Ruled out when") == 2
    mitigation = html.split('<section id="mitigation">')[1]
    assert "ruled-out" not in mitigation


def test_runbook_html_escapes_what_rules_a_cause_out() -> None:
    entry = sample_entry()
    cause = dataclasses.replace(entry.causes[1], ruled_out_because=XSS, ruled_out_reasons=(("not is_subaccount", XSS),))
    html = render_runbook(dataclasses.replace(entry, causes=(cause,)), "html")
    page = parse_html(html)
    assert "<script" not in html.lower() and "img" not in page.tags
    assert not any(k.startswith("on") for _, k, _ in page.attrs)


def test_runbook_escalation_references_and_related() -> None:
    md = render_runbook(sample_entry())
    assert "Escalate to Twilio Support when:\n\n- The country is enabled" in md
    assert "Send:\n\n- The message SID\n- The account SID and the destination country" in md
    assert "- [Error 21408](https://www.twilio.com/docs/api/errors/21408) (checked 2026-04-14)" in md
    assert "- [21215](https://www.twilio.com/docs/api/errors/21215)" in md


def test_runbook_html_is_a_valid_page() -> None:
    page = assert_valid_page(render_runbook(sample_entry(), "html"))
    assert page.headings["h2"] == SECTIONS
    assert "link" not in page.tags  # standalone: the stylesheet is inline
    assert ("a", "href", "#mitigation") in page.attrs


def test_runbook_of_an_empty_entry_says_so() -> None:
    entry = dataclasses.replace(
        sample_entry(), causes=(), references=(), related=(), meaning="", impact="", diagnosis=""
    )
    entry = dataclasses.replace(entry, escalation=dataclasses.replace(entry.escalation, when=(), send=()))
    md = render_runbook(entry)
    assert re.findall(r"^## (.+)$", md, re.M) == SECTIONS
    assert "No causes are known." in md and "Not written yet." in md
    assert_valid_page(render_runbook(entry, "html"))


def test_runbook_unknown_format() -> None:
    with pytest.raises(RenderError):
        render_runbook(sample_entry(), "text")


def test_runbook_html_escapes_knowledge() -> None:
    entry = sample_entry()
    cause = dataclasses.replace(
        entry.causes[0],
        title=XSS,
        explanation=XSS,
        check=dataclasses.replace(entry.causes[0].check, console=XSS, api=XSS),
    )
    entry = dataclasses.replace(entry, title=XSS, meaning=XSS, causes=(cause,), docs_url="javascript:alert(1)")
    html = render_runbook(entry, "html")
    page = parse_html(html)
    assert "<script" not in html.lower() and "img" not in page.tags
    assert not any(k.startswith("on") for _, k, _ in page.attrs)
    assert not any(v and "javascript:" in v for _, _, v in page.attrs)


# --------------------------------------------------------------------------- site


def _site_entries() -> list:
    return [
        sample_entry(21408, (21215, 13227, 30649)),
        sample_entry(21215, (21408, 13227, 32205)),
        sample_entry(13227, (21215,)),
    ]


def test_site_has_index_pages_and_stylesheet() -> None:
    site = build_site(_site_entries())
    assert sorted(site) == ["13227.html", "21215.html", "21408.html", "index.html", "style.css"]
    assert "--accent" in site["style.css"]
    index = assert_valid_page(site["index.html"])
    links = [v for tag, k, v in index.attrs if tag == "a" and k == "href"]
    assert links == ["13227.html", "21215.html", "21408.html"]
    assert ("link", "href", "style.css") in index.attrs


def test_site_pages_link_related_codes_to_pages_or_docs() -> None:
    site = build_site(_site_entries())
    page = assert_valid_page(site["21408.html"])
    hrefs = [v for tag, k, v in page.attrs if tag == "a" and k == "href"]
    assert hrefs[0] == "index.html"  # the nav back to the index comes first
    assert "21215.html" in hrefs and "13227.html" in hrefs
    assert "https://www.twilio.com/docs/api/errors/30649" in hrefs  # no page of its own
    assert ("link", "href", "style.css") in page.attrs
    assert page.headings["h2"] == SECTIONS


def test_site_is_pure_and_deterministic() -> None:
    assert build_site(_site_entries()) == build_site(list(reversed(_site_entries())))
    assert build_site([]).keys() == {"index.html", "style.css"}
    assert "No runbooks yet." in build_site([])["index.html"]
    assert build_site([], "markdown") == {"index.md": build_site([], "markdown")["index.md"]}
    assert "No runbooks yet." in build_site([], "markdown")["index.md"]


def test_markdown_site_is_markdown_with_relative_links() -> None:
    site = build_site(_site_entries(), "markdown")
    assert sorted(site) == ["13227.md", "21215.md", "21408.md", "index.md"]
    assert all("<html" not in text and "<!doctype" not in text.lower() for text in site.values())
    index = site["index.md"]
    assert index.startswith("# Twilio error runbooks\n")
    assert [line.split("](")[1].split(")")[0] for line in index.splitlines() if line.startswith("| [")] == [
        "<13227.md>",
        "<21215.md>",
        "<21408.md>",
    ]
    page = site["21408.md"]
    assert page.startswith("# 21408")
    related = page.split("## Related codes")[1]
    assert "(<21215.md>)" in related and "(<13227.md>)" in related
    assert "https://www.twilio.com/docs/api/errors/30649" in related  # no page of its own
    single = render_runbook(_site_entries()[0], "markdown")
    assert page.split("## Related codes")[0] == single.split("## Related codes")[0]  # the same runbook


# --------------------------------------------------------------------------- the real knowledge


def _real_entries() -> list:
    from diagnose.errors import KnowledgeError
    from diagnose.knowledge import load_knowledge

    try:
        entries = list(load_knowledge().entries())
    except KnowledgeError as exc:  # the knowledge guard tests report this; here it only blocks rendering
        pytest.skip(f"the built-in knowledge does not load: {exc}")
    if not entries:
        pytest.skip("no built-in knowledge files yet")
    return entries


def test_every_built_in_entry_renders_as_runbook_explain_and_site() -> None:
    from diagnose.render import FORMATS, render_explain

    entries = _real_entries()
    for entry in entries:
        md = render_runbook(entry)
        assert re.findall(r"^## (.+)$", md, re.M) == SECTIONS, entry.code
        page = assert_valid_page(render_runbook(entry, "html"))
        assert page.headings["h2"] == SECTIONS
        assert len(page.headings.get("h3", [])) >= 2 * len([c for c in entry.causes if not c.retired])
        for fmt in FORMATS:
            assert render_explain(entry, fmt)
        assert_valid_page(render_explain(entry, "html"))
    site = build_site(entries)
    assert set(site) == {"index.html", "style.css"} | {f"{e.code}.html" for e in entries}
    for name, html in site.items():
        if name.endswith(".html"):
            assert_valid_page(html)


def _plain(text: str, html: bool = False) -> str:
    """Output as words: no escapes, code marks or emphasis (nor tags, for ``html``); blanks made single spaces."""
    if html:
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(re.sub(r"[\\`*]", "", text).split())


def _cause_parts(plain: str, code: int, ids: list[str]) -> dict[str, str]:
    """Each cause's part of ``plain``: from its ref to the next cause's."""
    starts = [plain.index(f"{code}/{cause_id}") for cause_id in ids]
    ends = [*starts[1:], len(plain)]
    return {cause_id: plain[start:end] for cause_id, start, end in zip(ids, starts, ends, strict=True)}


@pytest.mark.parametrize("kind", ["runbook markdown", "runbook html", "text", "markdown", "html"])
def test_every_built_in_cause_shows_each_way_it_is_ruled_out(kind: str) -> None:
    # what a report says when a cause is ruled out, said before it happens: each way the knowledge
    # rules a cause out (every ruled_out_reasons line), with its condition, under that cause
    from diagnose.knowledge.model import ruled_out_ways
    from diagnose.render import render_explain
    from diagnose.render._placeholders import placeholders

    checked = 0
    for entry in _real_entries():
        if kind.startswith("runbook"):
            out = render_runbook(entry, kind.split()[1])
            out = re.split(r"\n## Mitigation\n|<section id=\"mitigation\">", out)[0]  # the Diagnosis section
        else:
            out = render_explain(entry, kind)
        active = [c for c in entry.causes if not c.retired]
        parts = _cause_parts(_plain(out, html="html" in kind), entry.code, [c.id for c in active])
        for cause in active:
            reasons = dict(cause.ruled_out_reasons)
            for when, because in ruled_out_ways(cause):
                line = when + (" " if kind == "text" else ": ") + _plain(placeholders(because))
                assert line in parts[cause.id], (entry.code, cause.id, when)
                checked += when in reasons
    assert checked == sum(len(c.ruled_out_reasons) for e in _real_entries() for c in e.causes if not c.retired) > 0
