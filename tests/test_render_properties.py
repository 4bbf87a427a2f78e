"""Hypothesis properties: every renderer accepts any valid document.

* every format of every renderer returns a ``str`` (no trailing newline), and never raises;
* the JSON of a report parses and reads back (``loads_report``) to an equal ``Report``;
* HTML never contains a ``<script`` or an event-handler attribute that came from data, and its tags nest;
* text without colour contains no escape character, whatever the data holds.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_render_samples import parse_html

from diagnose.conditions import compile_condition
from diagnose.knowledge.model import Cause, Check, Entry, Escalation, FixTemplate, IndexEntry, Reference
from diagnose.models import CauseFinding, Diagnosis, ErrorInfo, Evidence, FixStep, Report, Subject
from diagnose.render import FORMATS, render_explain, render_index_entry, render_report, render_summary
from diagnose.render._json import loads_report
from diagnose.render.runbook import build_site, render_runbook
from diagnose.safe_text import CONTROL, json_controls

NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<SCRIPT SRC=//x>",
    "[x](javascript:alert(1))",
    "<https://example.com>",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\r\n",
    "\n\n",
    "```",
    "`",
    "|",
    "**",
    "- ",
    "1. ",
    "# ",
    "> ",
    "{{ country }}",
    "{% if %}",
    "<country>",
    "&amp;",
    "\u202e",
    "\x00",
    "日本語",
    "👍🏽",
    "https://www.twilio.com/docs/api/errors/21408",
    " " * 120,
    "x" * 150,
]

CHARS = st.characters(blacklist_categories=("Cs",))
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=30), st.sampled_from(NASTY)), max_size=5).map("".join)
OPT_TEXT = st.none() | TEXT
OPT_INT = st.none() | st.integers(min_value=-(2**63), max_value=2**63)
TEXTS = st.lists(TEXT, max_size=3).map(tuple)

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
FACT = st.fixed_dictionaries({"value": JSON_VALUE, "known": st.booleans(), "source": TEXT, "reason": TEXT})
FACT_NAMES = st.sampled_from(["country", "country_name", "account_sid", "messaging_enabled", "is_trial"]) | TEXT
FACTS = st.dictionaries(FACT_NAMES, FACT | JSON_VALUE, max_size=6)

KIND = st.sampled_from(["message", "call", "paste"])
VERDICT = st.sampled_from(["confirmed", "likely", "inconclusive", "no-error", "no-knowledge"])
STATUS = st.sampled_from(["confirmed", "ruled-out", "possible", "unknown"])

EVIDENCE = st.builds(
    Evidence,
    kind=KIND,
    sid=OPT_TEXT,
    code=OPT_INT,
    http_status=OPT_INT,
    message_sid=OPT_TEXT,
    call_sid=OPT_TEXT,
    account_sid=OPT_TEXT,
    to=OPT_TEXT,
    from_=OPT_TEXT,
    country=OPT_TEXT,
    format=TEXT,
    status=OPT_TEXT,
    channel=OPT_TEXT,
    excerpt=TEXT,
)
CAUSE_FINDING = st.builds(CauseFinding, id=TEXT, title=TEXT, status=STATUS, evidence=TEXTS, facts=TEXTS)
FIX_STEP = st.builds(FixStep, text=TEXT, console=OPT_TEXT, api=OPT_TEXT)
DIAGNOSIS = st.builds(
    Diagnosis,
    subject=st.builds(Subject, kind=KIND, sid=OPT_TEXT),
    evidence=EVIDENCE,
    error=st.builds(ErrorInfo, code=OPT_INT, title=TEXT, docs_url=TEXT),
    verdict=VERDICT,
    cause=OPT_TEXT,
    causes=st.lists(CAUSE_FINDING, max_size=3).map(tuple),
    fix=st.lists(FIX_STEP, max_size=3).map(tuple),
    verify=TEXTS,
    facts=FACTS,
    summary=TEXT,
    explanation=TEXT,
    prevention=TEXTS,
    escalation=TEXTS,
    requests=TEXTS,
    notes=TEXTS,
)
REPORT = st.builds(Report, diagnoses=st.lists(DIAGNOSIS, max_size=3).map(tuple))

CONDITIONS = st.sampled_from(["messaging_enabled == false", "is_subaccount and not is_trial", "false"]).map(
    compile_condition
)
CAUSE = st.builds(
    Cause,
    id=TEXT,
    title=TEXT,
    explanation=TEXT,
    confirmed_when=CONDITIONS,
    ruled_out_when=st.none() | CONDITIONS,
    confirmed_because=TEXT,
    ruled_out_because=TEXT,
    check=st.builds(Check, console=TEXT, api=TEXT),
    fix=st.lists(
        st.builds(FixTemplate, text=TEXT, console=TEXT, api=TEXT, when=st.none() | CONDITIONS), max_size=2
    ).map(tuple),
    verify=TEXTS,
    prevention=TEXTS,
    retired=st.just("") | TEXT,
)
CODES = st.integers(min_value=1, max_value=99999)
ENTRY = st.builds(
    Entry,
    code=CODES,
    title=TEXT,
    summary=TEXT,
    products=TEXTS,
    channels=TEXTS,
    log_level=TEXT,
    meaning=TEXT,
    impact=TEXT,
    causes=st.lists(CAUSE, max_size=3).map(tuple),
    escalation=st.builds(Escalation, when=TEXTS, send=TEXTS),
    references=st.lists(st.builds(Reference, title=TEXT, url=TEXT, checked=TEXT), max_size=2).map(tuple),
    related=st.lists(CODES, max_size=3).map(tuple),
    docs_url=TEXT,
    diagnosis=TEXT,
    source=TEXT,
)
INDEX_ENTRY = st.builds(
    IndexEntry, code=CODES, message=TEXT, product=OPT_TEXT, log_level=OPT_TEXT, log_type=OPT_TEXT, docs_url=TEXT
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ESC = "\x1b"


def check_html(html: str) -> None:
    assert "<script" not in html.lower()
    page = parse_html(html)
    assert "script" not in page.tags and "img" not in page.tags
    for tag, attr, value in page.attrs:
        assert not attr.startswith("on"), (tag, attr)
        if attr in ("href", "src"):
            assert value is not None and not re.match(r"^\W*(javascript|vbscript|data):", value, re.I), value


@PROPERTY
@given(REPORT)
def test_every_report_renders_in_every_format(report: Report) -> None:
    for fmt in FORMATS:
        out = render_report(report, fmt)
        assert isinstance(out, str) and not out.endswith("\n")
    assert ESC not in render_report(report, "text", color=False)
    assert ESC not in render_report(report, "markdown")
    check_html(render_report(report, "html"))


@PROPERTY
@given(REPORT)
def test_summary_has_one_line_per_diagnosis(report: Report) -> None:
    plain = render_summary(report)
    assert len(plain.splitlines()) == 1 + len(report.diagnoses)
    assert re.sub(r"\x1b\[[0-9;]*m", "", render_summary(report, color=True)) == plain


@PROPERTY
@given(REPORT)
def test_colour_adds_only_sgr_codes(report: Report) -> None:
    plain = render_report(report, "text")
    colored = render_report(report, "text", color=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


@PROPERTY
@given(REPORT)
def test_report_json_round_trips(report: Report) -> None:
    text = render_report(report, "json")
    data = json.loads(text)
    assert list(data) == ["diagnoses"] and len(data["diagnoses"]) == len(report.diagnoses)
    for d in data["diagnoses"]:
        assert "from" in d["evidence"] and "from_" not in d["evidence"]
    assert loads_report(text) == report
    assert render_report(loads_report(text), "json") == text


@given(st.text())
def test_json_controls_escapes_every_control_and_keeps_the_string(value: str) -> None:
    text = json_controls(json.dumps({"v": value}, ensure_ascii=False))
    assert not CONTROL.search(text)
    assert json.loads(text) == {"v": value}


@PROPERTY
@given(ENTRY)
def test_every_entry_explains_and_makes_a_runbook(entry: Entry) -> None:
    for fmt in FORMATS:
        out = render_explain(entry, fmt, color=True)
        assert isinstance(out, str) and not out.endswith("\n")
    assert ESC not in render_explain(entry, "text")
    json.loads(render_explain(entry, "json"))
    check_html(render_explain(entry, "html"))
    assert ESC not in render_runbook(entry, "markdown")
    check_html(render_runbook(entry, "html"))


@PROPERTY
@given(st.lists(ENTRY, max_size=3))
def test_any_entries_build_a_site(entries: list[Entry]) -> None:
    site = build_site(entries)
    assert set(site) == {"index.html", "style.css"} | {f"{e.code}.html" for e in entries}
    for name, content in site.items():
        if name.endswith(".html"):
            check_html(content)


@PROPERTY
@given(INDEX_ENTRY)
def test_every_index_entry_renders(entry: IndexEntry) -> None:
    for fmt in FORMATS:
        assert not render_index_entry(entry, fmt).endswith("\n")
    assert ESC not in render_index_entry(entry, "text")
    check_html(render_index_entry(entry, "html"))


def _textwrap_fill(text: str, width: int, first: str, rest: str) -> list[str]:
    """What ``_text._fill`` always did: ``textwrap``, words never broken (the reference for its fast path)."""
    import textwrap

    from diagnose.render._text import _PROTECT, _protect, plain_emphasis

    wrapper = textwrap.TextWrapper(
        width=max(width, len(first) + 20),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = wrapper.wrap(_protect(plain_emphasis(text))) or [first.rstrip()]
    return [line.replace(_PROTECT, " ") for line in lines]


@given(
    st.lists(
        st.one_of(
            st.text(st.sampled_from("ab-*`é"), min_size=1, max_size=30),
            st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\x1f", "`a b`", "**x y**"]),
        ),
        max_size=40,
    ).map("".join),
    st.integers(0, 90),
    st.sampled_from(["", "  ", "- ", "  1. ", "label     "]),
    st.sampled_from(["", "  ", "    ", "          "]),
)
def test_the_fast_fill_wraps_exactly_as_textwrap(text: str, width: int, first: str, rest: str) -> None:
    from diagnose.render._text import _fill

    assert _fill(text, width, first, rest) == _textwrap_fill(text, width, first, rest)
