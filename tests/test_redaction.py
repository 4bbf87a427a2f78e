"""``--redact-numbers`` over a rendered report (diagnose/redaction.py): the numbers read masked, examples kept."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from diagnose.knowledge import load_knowledge
from diagnose.redaction import example_numbers, mask_report_numbers

EXAMPLES = frozenset({"+33 0612345678", "+33 612345678", "+2125550143"})


def test_the_knowledge_writes_examples_that_the_masking_keeps() -> None:
    found = example_numbers([load_knowledge().get(21408)])
    assert {"+33 0612345678", "+33 612345678", "+2125550143", "+44 44 7624 123456"} <= found
    text = "A trunk 0 kept (`+33 0612345678` instead of `+33 612345678`); sent to +33645218709."
    assert mask_report_numbers(text, found, ["+33645218709"]) == (
        "A trunk 0 kept (`+33 0612345678` instead of `+33 612345678`); sent to +33*******09."
    )


def test_an_example_that_is_a_number_read_stays_masked() -> None:
    # the customer's number is the knowledge's example, or holds it (the number meant: +12125550143)
    text = "`+2125550143` is read as Morocco; the number meant is +12125550143."
    for read in (["+2125550143"], ["+12125550143"]):
        out = mask_report_numbers(text, EXAMPLES, read)
        assert "2125550143" not in out and "+212*****43" in out


def test_an_example_that_a_longer_number_begins_with_stays_masked() -> None:
    out = mask_report_numbers("to +33 612345678 90 and +33 0612345678-12", EXAMPLES)
    assert "612345678" not in out


digits = st.text("0123456789", min_size=7, max_size=13)


@given(st.lists(st.sampled_from(sorted(EXAMPLES)) | digits.map(lambda d: "+" + d), max_size=6), st.data())
def test_no_number_read_is_ever_printed(parts: list[str], data: st.DataObject) -> None:
    text = " x ".join(parts)
    read = [p for p in parts if data.draw(st.booleans())]
    out = mask_report_numbers(text, EXAMPLES, read)
    assert len(out) == len(text)
    for number in read:
        assert number.lstrip("+") not in out.replace("+", " ")


def test_the_numbers_a_report_read_are_its_evidences_and_its_number_facts() -> None:
    from test_render_samples import sample_diagnosis

    from diagnose.models import Report
    from diagnose.redaction import report_numbers

    d = sample_diagnosis()
    facts = {**d.facts, "seen": {"value": "2026-11-30", "known": True}, "meant": {"value": "+12125550143"}}
    found = report_numbers(Report((dataclasses.replace(d, facts=facts),)))
    assert "+12125550143" in found and d.evidence.to in found
    assert "2026-11-30" not in found  # masked as a number, every date of the report would go
