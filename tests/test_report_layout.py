"""What a support engineer sees first, against the real pipeline and the bundled simulator.

Every diagnosis of the demo scenario goes through the real gateway, facts,
engine and report builder; these tests read the documents and their
renderings: answer first, values filled in, only the facts that bear on the
channel, no repeated bullets, batches separated and summarised.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_render_samples import sample_diagnosis

from diagnose.demo import run_demo
from diagnose.models import Diagnosis, ErrorInfo, Report
from diagnose.render import render_report
from diagnose.render._views import report_view
from diagnose.report import build_unavailable
from diagnose.simulator import Simulator

SUBACCOUNT = "AC15bf105506e1d44cb84ba12ca58143a1"
VOICE_FACTS = re.compile(r"^(parent_|effective_)?voice_|^governing_account_sid$|^to_high_risk_special$")
MESSAGING_FACTS = {"messaging_enabled", "parent_messaging_enabled"}


@pytest.fixture(scope="module")
def demo() -> Report:
    return run_demo()


def _single(d: Diagnosis, fmt: str = "text") -> str:
    return render_report(Report((d,)), fmt)


def _lists(d: Diagnosis) -> dict[str, tuple[str, ...]]:
    return {
        "verify": d.verify,
        "prevention": d.prevention,
        "escalation": d.escalation,
        "escalation_send": d.escalation_send,
        "notes": d.notes,
    }


def test_the_fix_is_on_the_first_screen(demo: Report) -> None:
    for d in demo.diagnoses:
        lines = _single(d).splitlines()
        assert lines[0].startswith(f"{d.error.code if d.error.code is not None else d.subject.sid}")
        answer = next(i for i, line in enumerate(lines) if line.startswith(d.summary.split()[0].strip("*")))
        assert answer <= 4, (d.subject.sid, lines[:6])
        if d.fix:
            fix = lines.index("Fix")
            assert fix <= answer + 6, (d.subject.sid, fix)
            assert lines.index("Verify") > fix
            assert lines.index("What failed") > lines.index("Verify")
        else:
            assert "Fix" not in lines


def test_answer_first_in_markdown_and_html(demo: Report) -> None:
    d = next(d for d in demo.diagnoses if d.cause == "missing-country" and d.evidence.channel == "sms")
    md = _single(d, "markdown")
    assert md.index("**Confirmed:**") < md.index("\n## Fix") < md.index("\n## Verify") < md.index("\n## What failed")
    html = _single(d, "html")
    assert html.index("<strong>Confirmed:</strong>") < html.index("<h2>Fix</h2>") < html.index("<h2>What failed</h2>")


def test_the_verdict_is_in_words(demo: Report) -> None:
    for d in demo.diagnoses:
        word = {"confirmed": "Confirmed", "no-error": "Nothing to fix", "no-knowledge": f"No rules for {d.error.code}"}
        assert d.summary.startswith(f"**{word[d.verdict]}"), d.summary
    mismatch = next(d for d in demo.diagnoses if d.cause == "subaccount-mismatch" and d.evidence.channel == "sms")
    assert "The subaccount has the country disabled" in mismatch.summary
    assert "Puerto Rico" in mismatch.summary  # the cause's reason, rendered for this account


def test_known_values_are_filled_in(demo: Report) -> None:
    for d in demo.diagnoses:
        if not d.facts.get("country", {}).get("known"):
            continue
        for fmt in ("text", "markdown", "json"):
            out = _single(d, fmt)
            assert not re.search(r"\bXX\b", out), (d.subject.sid, fmt)
            for name in ("country", "country_name", "account_sid", "to"):
                assert f"<{name}>" not in out, (d.subject.sid, fmt, name)
    escalated = [d for d in demo.diagnoses if d.escalation_send]
    assert escalated
    for d in escalated:
        country = d.facts["country"]["value"]
        # Voice reads the entry that governs the country (US for Canada); the block list names the country.
        entry = d.facts.get("voice_entry", {}).get("value") or country
        names = (f"CountryCode={country}", f"Countries/{entry}", f"({country})")
        assert any(n in s for n in names for s in d.escalation_send), d.cause


def test_the_subaccount_token_is_explained_once_where_a_step_needs_it(demo: Report) -> None:
    d = next(d for d in demo.diagnoses if d.cause == "subaccount-mismatch" and d.evidence.channel == "sms")
    needing = [s for s in d.fix if "$SUBACCOUNT_AUTH_TOKEN" in f"{s.text}{s.console}{s.api}"]
    assert needing, "the fix names the subaccount's token"
    noted = [s for s in d.fix if s.notes]
    assert noted == [needing[0]]
    (note,) = noted[0].notes
    parent = d.facts["parent_account_sid"]["value"]
    assert f"/2010-04-01/Accounts/{SUBACCOUNT}.json" in note and f"{parent}:$PARENT_AUTH_TOKEN" in note
    assert "auth_token" in note and "Console" in note
    text = _single(d)
    assert text.count("Note:    `$SUBACCOUNT_AUTH_TOKEN` is the auth token") == 1
    assert "Note: `$SUBACCOUNT_AUTH_TOKEN`" in _single(d, "markdown")
    # A main account's fix needs no such note.
    main = next(d for d in demo.diagnoses if d.cause == "missing-country" and d.evidence.channel == "sms")
    assert not any(s.notes for s in main.fix)


def test_only_facts_of_this_channel_and_code(demo: Report) -> None:
    sms = [d for d in demo.diagnoses if d.evidence.channel == "sms"]
    calls = [d for d in demo.diagnoses if d.evidence.channel in ("voice", "sip")]
    assert sms and calls
    for d in sms:
        assert not [n for n in d.facts if VOICE_FACTS.search(n)], d.subject.sid
        assert "voice" not in _single(d).split("\nFacts\n", 1)[-1].split("\n\n")[0]
    for d in calls:
        assert not MESSAGING_FACTS & set(d.facts), d.subject.sid
        if d.verdict == "confirmed" and d.error.code in (21215, 13227, 32205):  # not the block list (21216…)
            assert any(VOICE_FACTS.search(n) for n in d.facts)
    other = next(d for d in demo.diagnoses if d.verdict in ("no-knowledge", "no-error"))
    assert not MESSAGING_FACTS & set(other.facts) and not [n for n in other.facts if VOICE_FACTS.search(n)]


def test_no_list_repeats_an_item(demo: Report) -> None:
    for d in demo.diagnoses:
        for name, items in _lists(d).items():
            assert len(items) == len(set(items)), (d.subject.sid, name)
    rv = report_view(demo.diagnoses)
    shown = [line for _, lines in rv.prevention for line in lines]
    assert len(shown) == len(set(shown))
    assert set(shown) == {p for d in demo.diagnoses for p in d.prevention}
    assert all(v.prevention == () for v in rv.views)  # a batch gives prevention once, per code, at the end


@given(st.lists(st.tuples(st.sampled_from([21408, 21215, 13227]), st.lists(st.sampled_from("abcde"))), max_size=6))
def test_prevention_is_merged_per_code_without_repeats(rows: list[tuple[int, list[str]]]) -> None:
    base = sample_diagnosis()
    diagnoses = [
        dataclasses.replace(base, error=ErrorInfo(code, "t", ""), prevention=tuple(items)) for code, items in rows
    ]
    rv = report_view(diagnoses)
    if len(diagnoses) <= 1:
        assert rv.prevention == []
        return
    shown = [line for _, lines in rv.prevention for line in lines]
    assert len(shown) == len(set(shown))
    assert set(shown) == {p for _, items in rows for p in items}
    codes = [code for code, _ in rv.prevention]
    assert len(codes) == len(set(codes))


def _unavailable(sid: str, problem: str) -> Diagnosis:
    return build_unavailable("message", sid, "not-found", problem)


def test_a_batch_separates_subjects_and_ends_with_a_summary(demo: Report) -> None:
    missing = "SM00000000000000000000000000000000"
    batch = Report(
        (demo.diagnoses[0], _unavailable(missing, "no message with this SID in any account"), sample_diagnosis())
    )
    text = render_report(batch)
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("━━")]
    assert [lines[i].split()[1] for i in rules[:3]] == ["1/3", "2/3", "3/3"]
    assert lines[rules[0] + 1].startswith(f"message {demo.diagnoses[0].subject.sid}")
    second = "\n".join(lines[rules[1] : rules[2]])
    assert "Not diagnosed (not found): no message with this SID in any account" in second
    assert "Problem" not in second  # the answer already says it
    summary = lines[lines.index("Summary") :]
    assert lines[lines.index("Summary") - 1].startswith("━━━")  # a rule before the summary, nothing after it
    assert len(summary) == 4
    assert summary[2].split()[:3] == [missing, "-", "unavailable"]
    assert summary[2].split("unavailable", 1)[1].strip().startswith("not found: no message with this SID")
    assert all(len(line) <= 100 for line in summary)
    assert summary[1].split()[2:] == ["confirmed", demo.diagnoses[0].cause]
    md = render_report(batch, "markdown")
    assert md.index("| 2 | `SM00000000000000000000000000000000` | - | unavailable |") < md.index("## 1/3 ·")
    html = render_report(batch, "html")
    assert (
        'href="#d2-SM00000000000000000000000000000000"' in html and 'id="d2-SM00000000000000000000000000000000"' in html
    )


def test_text_wraps_at_the_width_given(demo: Report) -> None:
    d = next(d for d in demo.diagnoses if d.cause == "subaccount-mismatch" and d.evidence.channel == "sms")
    for width in (60, 100, 140):
        text = render_report(Report((d,)), width=width)
        answer = text.split("\n\n")[1]
        assert max(len(line) for line in answer.splitlines()) <= width
        assert max(len(line) for line in answer.splitlines()) > width - 20  # filled, not just short
    narrow = render_report(Report((d,)), width=60)
    assert "  1. " in narrow and narrow.count("\n") > render_report(Report((d,)), width=140).count("\n")


def test_a_batch_through_the_command_line(sim: Simulator) -> None:
    """`diagnose SID SID SID` against the simulator: one entry each, a SID found nowhere among them, worst exit."""
    from click.testing import CliRunner

    from diagnose.cli import main

    good, _, (account, token) = sim.sample("missing-country")
    call, _, _ = sim.sample("voice-missing-country")
    missing = "SM" + "0" * 32
    env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": sim.url, "NO_COLOR": "1"}
    result = CliRunner().invoke(main, [good, missing, call], env=env, catch_exceptions=False)
    assert result.exit_code == 3  # the worst subject: not found
    lines = result.stdout.splitlines()
    rules = [line.split()[1] for line in lines if line.startswith("━━ ") and "/" in line.split()[1]]
    assert rules == ["1/3", "2/3", "3/3"]
    summary = lines[lines.index("Summary") + 1 :]
    assert [row.split()[:3] for row in summary] == [
        [good, "21408", "confirmed"],
        [missing, "-", "unavailable"],
        [call, "21215", "confirmed"],
    ]
    assert summary[1].split("unavailable", 1)[1].strip().startswith("not found:")


def test_a_likely_report_gives_the_general_fix_first_then_what_decides(sim: Simulator) -> None:
    """A subaccount's standard key cannot read Accounts: likely, the general fix, then the checks in order."""
    from diagnose.gateway import Credentials, TwilioAccess
    from diagnose.knowledge import load_knowledge
    from diagnose.pipeline import diagnose_sids

    sid, owner, _ = sim.sample("subaccount-mismatch")
    key = next(k for k in sim.accounts[owner]["api_keys"] if k["standard"])
    creds = Credentials(account_sid=owner, username=key["sid"], password=key["secret"])
    with TwilioAccess(creds, api_url=sim.url, timeout=10) as access:
        (d,) = diagnose_sids([sid], access, load_knowledge(), account=owner).diagnoses
    assert d.verdict == "likely" and d.covers
    lines = _single(d).splitlines()
    assert lines[0] == f"21408 · likely: {d.cause}"
    assert lines[4].startswith("Likely: ") and "also covers" in " ".join(lines[4:7])
    order = [lines.index(h) for h in ("Fix", "Verify", "What to check next, in order", "What failed")]
    assert order == sorted(order) and order[0] <= 8
    assert not any("also covers" in n for n in d.notes)  # said once, in the verdict


def test_a_fix_step_claims_nothing_that_could_not_be_read(sim: Simulator) -> None:
    """With a standard key the Accounts resource is unreadable: whether the account is a subaccount, and its
    parent's list, are unknown. The subaccount step said "AC15bf… is a subaccount of <parent_account_sid>,
    which has Puerto Rico disabled too", and the parent has Puerto Rico enabled."""
    from diagnose.gateway import Credentials, TwilioAccess
    from diagnose.knowledge import load_knowledge
    from diagnose.pipeline import diagnose_sids

    sid, owner, _ = sim.sample("subaccount-mismatch")
    key = next(k for k in sim.accounts[owner]["api_keys"] if k["standard"])
    creds = Credentials(account_sid=owner, username=key["sid"], password=key["secret"])
    with TwilioAccess(creds, api_url=sim.url, timeout=10) as access:
        (d,) = diagnose_sids([sid], access, load_knowledge(), account=owner).diagnoses
    assert d.facts["is_subaccount"]["known"] is False and d.facts["parent_messaging_enabled"]["known"] is False
    steps = " ".join(step.text for step in d.fix)
    assert "is a subaccount of" not in steps and "disabled too" not in steps
    assert "For a subaccount, enable Puerto Rico on the subaccount itself" in steps
    # read, the same step says it
    sid, owner, (account, token) = sim.sample("inheriting-subaccount")
    with TwilioAccess(Credentials(account_sid=account, username=account, password=token), api_url=sim.url) as access:
        (d,) = diagnose_sids([sid], access, load_knowledge(), account=owner).diagnoses
    steps = " ".join(step.text for step in d.fix)
    assert d.cause == "missing-country" and d.facts["parent_messaging_enabled"]["value"] is False
    assert f"{owner} is a subaccount of {d.facts['parent_account_sid']['value']}, which has France disabled too" in (
        " ".join(steps.split())
    )


def test_each_demo_case_lists_the_reads_its_own_diagnosis_makes(demo: Report, demo_sim: Simulator) -> None:
    """The demo's report of a case names the requests `diagnose SID --account OWNER` makes for it alone.

    The demo once diagnosed the cases of one account as a batch, so a case listed the reads another
    case widened: the delivered message to the US listed `GeoPermissions?CountryCode=MA%2CUS` (MA for
    the wrong-country-code case), and the doubled-code case cited that read for its US permission.
    """
    from diagnose.gateway import Credentials, TwilioAccess
    from diagnose.knowledge import load_knowledge
    from diagnose.pipeline import diagnose_online
    from diagnose.plan import SidSubject

    def reads(d: Diagnosis) -> list[str]:
        # a call's alert search starts a minute before the call, which each simulator dates from its own start
        return [re.sub(r"StartDate=[^&\s]+", "StartDate=…", r) for r in d.requests]

    kb = load_knowledge()
    assert len(demo.diagnoses) == len(demo_sim.cases)
    for case, shown in zip(demo_sim.cases, demo.diagnoses, strict=True):
        sid, owner, (account, token) = demo_sim.sample(case)
        creds = Credentials(account_sid=account, username=account, password=token)
        with TwilioAccess(creds, api_url=demo_sim.url) as access:
            (alone,) = diagnose_online([SidSubject.parse(sid, owner)], access, kb).diagnoses
        assert shown.subject.sid == sid
        assert reads(shown) == reads(alone), case
        assert [f.get("source") for f in shown.facts.values()] == [f.get("source") for f in alone.facts.values()], case
