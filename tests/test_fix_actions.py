"""The fix-action vocabulary: schema, linter and loader agree, and the built-in knowledge uses it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from diagnose.fixes import OPERATIONS
from diagnose.knowledge import BUILTIN_DIR, lint_paths, load_knowledge
from diagnose.knowledge.actions import ACTIONS, TARGETS

ROOT = Path(__file__).parent.parent

HEAD = """\
code: 21408
title: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number"
summary: The country is not enabled.
products: [Programmable Messaging]
channels: [sms]
log_level: ERROR
meaning: Refused.
impact: Not sent.
causes:
  - id: missing-country
    title: The country is not enabled
    explanation: Each account enables countries one by one.
    confirmed_when: messaging_enabled == false
    confirmed_because: "{{ country }} is disabled."
    ruled_out_because: "{{ country }} is enabled."
    fix:
      - text: Enable {{ country }}.
"""


def write(tmp_path: Path, step_extra: str) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "21408.yaml").write_text(HEAD + textwrap.indent(textwrap.dedent(step_extra), " " * 8))
    return folder


def test_schema_lists_exactly_the_vocabulary() -> None:
    schema = json.loads((BUILTIN_DIR / "schema.json").read_text())
    step = schema["$defs"]["fix_step"]["properties"]
    assert step["action"]["enum"] == list(ACTIONS)
    assert step["target"]["enum"] == list(TARGETS)


def test_every_writing_action_has_one_operation_and_console_only_has_none() -> None:
    writing = {name for name, spec in ACTIONS.items() if spec.writes}
    assert set(OPERATIONS) == writing
    assert "console-only" in ACTIONS and "console-only" not in OPERATIONS
    for name, op in OPERATIONS.items():
        assert ACTIONS[name].request == f"{op.method} {op.url}"


def test_docs_describe_every_action() -> None:
    doc = (ROOT / "docs" / "knowledge-format.md").read_text()
    for name in ACTIONS:
        assert f"`{name}`" in doc
    for target in TARGETS:
        assert f"`{target}`" in doc


def test_a_known_action_lints_clean_and_loads(tmp_path: Path) -> None:
    folder = write(tmp_path, "action: enable-messaging-country\ntarget: parent\n")
    assert [p for p in lint_paths([folder]) if p.severity == "error"] == []
    step = load_knowledge([folder], include_builtin=False).get(21408).causes[0].fix[0]  # type: ignore[union-attr]
    assert (step.action, step.target) == ("enable-messaging-country", "parent")


def test_a_step_without_action_targets_the_account_and_does_nothing(tmp_path: Path) -> None:
    folder = write(tmp_path, "")
    step = load_knowledge([folder], include_builtin=False).get(21408).causes[0].fix[0]  # type: ignore[union-attr]
    assert (step.action, step.target) == ("", "account")


def test_unknown_action_is_a_lint_error_with_file_line_and_key(tmp_path: Path) -> None:
    folder = write(tmp_path, "action: enable-messaging-countries\n")
    (problem,) = [p for p in lint_paths([folder]) if p.severity == "error"]
    assert problem.path.endswith("21408.yaml")
    assert problem.line == HEAD.count("\n") + 1
    assert problem.key == "causes[0].fix[0].action"
    assert "unknown fix action 'enable-messaging-countries'" in problem.message
    assert "did you mean 'enable-messaging-country'" in problem.message
    assert str(problem).startswith(f"{problem.path}:{problem.line}")


@pytest.mark.parametrize("value", ["true", "1", "[enable-voice-country]"])
def test_an_action_that_is_not_a_name_is_refused(tmp_path: Path, value: str) -> None:
    folder = write(tmp_path, f"action: {value}\n")
    (problem,) = [p for p in lint_paths([folder]) if p.severity == "error"]
    assert problem.key == "causes[0].fix[0].action"


def test_unknown_target_is_a_lint_error(tmp_path: Path) -> None:
    folder = write(tmp_path, "action: enable-messaging-country\ntarget: grandparent\n")
    (problem,) = [p for p in lint_paths([folder]) if p.severity == "error"]
    assert problem.key == "causes[0].fix[0].target"
    assert "grandparent" in problem.message


def test_target_without_action_is_a_lint_error(tmp_path: Path) -> None:
    folder = write(tmp_path, "target: parent\n")
    (problem,) = [p for p in lint_paths([folder]) if p.severity == "error"]
    assert problem.key == "causes[0].fix[0].target"
    assert "needs an action" in problem.message
    assert problem.line == HEAD.count("\n") + 1


def test_an_action_for_another_product_is_a_lint_error(tmp_path: Path) -> None:
    folder = write(tmp_path, "action: enable-voice-country\n")
    (problem,) = [p for p in lint_paths([folder]) if p.severity == "error"]
    assert problem.key == "causes[0].fix[0].action"
    assert "voice" in problem.message and "sms" in problem.message


@pytest.mark.parametrize("action", ["console-only", "no-change"])
def test_an_action_that_writes_nothing_suits_any_code(tmp_path: Path, action: str) -> None:
    folder = write(tmp_path, f"action: {action}\n")
    assert [p for p in lint_paths([folder]) if p.severity == "error"] == []


def test_builtin_knowledge_names_actions_for_the_fixes_the_tool_can_make() -> None:
    kb = load_knowledge()
    actions = {
        (code, cause.id): [s.action for s in cause.fix if s.action]
        for code in (21408, 21215)
        for cause in kb.get(code).causes  # type: ignore[union-attr]
    }
    assert "enable-messaging-country" in actions[(21408, "missing-country")]
    assert "enable-messaging-country" in actions[(21408, "subaccount-mismatch")]
    assert "console-only" in actions[(21408, "high-restriction-country")]
    assert "enable-voice-country" in actions[(21215, "missing-country")]
    assert "set-voice-inheritance" in actions[(21215, "subaccount-mismatch")]
    # Nothing can enable a country Twilio does not serve: no action that writes.
    for code in (21408, 21215):
        assert not [a for a in actions[(code, "country-not-allowed")] if ACTIONS[a].writes]
        # and the scan ranks it, a blocked range and a permission on already by the knowledge: no change
        for cause in ("country-not-allowed", "blocked-prefix", "permission-enabled-now"):
            assert actions[(code, cause)] == ["no-change"]
