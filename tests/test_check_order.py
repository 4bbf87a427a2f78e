"""With no cause likely, the checks start with the general one: is the country ticked on the sending account?

An offline 21408 paste listed `subaccount-mismatch` first (knowledge order, the order of precedence for
confirming a cause): a curl of the parent's credentials, the subaccount's token and both lists, before the
one Console page that answers the common case. A cause that refines another now follows it; the verdict's
list of open causes and the "Still open" note are in the same order as the checks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.knowledge import load_knowledge
from diagnose.models import CauseFinding, Evidence, Findings
from diagnose.paste import extract
from diagnose.pipeline import diagnose_pasted
from diagnose.report import build_diagnosis

PASTE = (
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send an"
    " SMS has not been enabled for the region indicated by the 'To' number: +5511987654321."
)
KNOWLEDGE = load_knowledge()
ENTRIES = {entry.code: entry for entry in KNOWLEDGE.entries()}
REFINING = [(code, c) for code, entry in sorted(ENTRIES.items()) for c in entry.causes if c.refines]


def _checked(d) -> list[str]:  # type: ignore[no-untyped-def]
    return [step.text.split("`")[1] for step in d.next_checks]


def test_an_offline_21408_checks_the_sending_account_first() -> None:
    (d,) = diagnose_pasted(extract(PASTE), KNOWLEDGE).diagnoses
    assert d.verdict == "inconclusive"
    assert _checked(d) == ["missing-country", "subaccount-mismatch", "permission-enabled-now"]
    assert "3 remain open (missing-country, subaccount-mismatch, permission-enabled-now)" in d.summary
    assert "Still open: missing-country, subaccount-mismatch, permission-enabled-now." in d.notes


def test_the_knowledge_has_refining_causes_to_order() -> None:
    assert {c.id for _, c in REFINING} >= {"subaccount-mismatch"}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_open_cause_is_checked_once_each_refinement_after_its_general(data: st.DataObject) -> None:
    code = data.draw(st.sampled_from(sorted({code for code, _ in REFINING})))
    entry = ENTRIES[code]
    statuses = data.draw(
        st.lists(st.sampled_from(["possible", "ruled-out"]), min_size=len(entry.causes), max_size=len(entry.causes))
    )
    causes = tuple(CauseFinding(id=c.id, title=c.title, status=s) for c, s in zip(entry.causes, statuses, strict=True))
    open_ids = [f.id for f in causes if f.status != "ruled-out"]
    findings = Findings(code=code, verdict="inconclusive", cause=None, causes=causes)
    d = build_diagnosis(Evidence(kind="paste", code=code), {}, findings, entry)
    checked = _checked(d)
    assert sorted(checked) == sorted(open_ids)
    for cause in entry.causes:
        if cause.refines and cause.id in checked and cause.refines in checked:
            assert checked.index(cause.refines) < checked.index(cause.id)
    if len(open_ids) > 1:
        assert f"Still open: {', '.join(checked)}." in d.notes
