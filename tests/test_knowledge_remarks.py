"""A knowledge file's ``remarks``: what a report says whatever the cause, when a condition holds
(docs/knowledge-format.md#remarks). The built-in use: a number sent with its national trunk 0 kept after the country
code (tests/test_trunk_zero_paths.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from diagnose.cli import main
from diagnose.knowledge import lint_paths, load_knowledge
from diagnose.models import Evidence
from diagnose.pipeline import diagnose_evidence

FIXTURES = Path(__file__).parent / "data" / "knowledge"

REMARKS = """\
    code: 21408
    extends: 21408
    remarks:
      - when: is_subaccount == true
        text: "{{ account_sid }} is one of our tenants: tell its owner."
        fix:
          - text: Open a ticket for {{ account_sid }}.
          - text: Never shown for a main account.
            when: is_subaccount == false
"""


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "21408.yaml").write_text(textwrap.dedent(text))
    return tmp_path


def _paste(parent: str | None) -> Evidence:
    return Evidence(
        kind="paste",
        code=21408,
        to="+33612345678",
        country="FR",
        account_sid="AC" + "1" * 32,
        parent_account_sid=parent,
        format="log-line",
    )


def test_a_remark_is_said_when_its_condition_is_true_and_only_then(tmp_path: Path) -> None:
    kb = load_knowledge([FIXTURES / "valid", _folder(tmp_path, REMARKS)], include_builtin=False)
    said = diagnose_evidence(_paste("AC" + "2" * 32), None, kb)  # the paste names a parent: a subaccount
    assert said.verdict == "inconclusive" or said.verdict == "likely"
    assert said.summary.endswith(f"AC{'1' * 32} is one of our tenants: tell its owner.")
    assert said.fix[0].text == f"Open a ticket for AC{'1' * 32}."  # first, whatever the verdict
    assert "Never shown" not in " ".join(s.text for s in said.fix)
    unknown = diagnose_evidence(_paste(None), None, kb)  # whether it is a subaccount is unknown: not said
    assert "tenants" not in unknown.summary and all("ticket" not in s.text for s in unknown.fix)


def test_a_remark_is_checked_like_a_cause(tmp_path: Path) -> None:
    bad = REMARKS.replace("is_subaccount == true", "is_sub_account == true").replace(
        "          - text: Open a ticket for {{ account_sid }}.\n",
        "          - text: Open a ticket for {{ account_sid }}.\n            action: enable-messaging-country\n",
    )
    problems = [p for p in lint_paths([_folder(tmp_path, bad)]) if p.severity == "error"]
    keys = {p.key for p in problems}
    assert "remarks[0].when" in keys, problems
    assert any(k.startswith("remarks[0].fix[0]") for k in keys), problems  # a remark's step has no action


def test_codes_that_extend_21215_take_its_remarks() -> None:
    kb = load_knowledge()
    base = kb.get(21215)
    assert base is not None and base.remarks
    for code in (13227, 32205):
        entry = kb.get(code)
        assert entry is not None and entry.remarks == base.remarks, code
        assert {"to_sent", "to_malformed"} <= entry.reads


def test_explain_and_the_runbook_show_the_remarks() -> None:
    for args in (
        ["explain", "21408"],
        ["explain", "21408", "--format", "markdown"],
        ["explain", "21408", "--format", "html"],
        ["runbook", "21215"],
        ["runbook", "21215", "--format", "html"],
    ):
        out = CliRunner().invoke(main, args, env={"NO_COLOR": "1"}).stdout
        assert "Whatever the cause" in out and "to_malformed != null" in out, args
        assert "national trunk 0" in out and "country code written twice" in out, args
