"""Every `diagnose …` command the project recommends exists in this version.

Reports, runbooks and docs tell people what to run next. This test finds each
`diagnose …` invocation written in code (inline code spans, shell and text
code blocks) in the knowledge files, the report templates, the docs and the
README, and resolves it against the real click command tree: the command (and
sub-command) must exist, and every `--option` it names must be an option of
that command.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from diagnose.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    *sorted((ROOT / "knowledge").glob("*.yaml")),
    *sorted((ROOT / "diagnose" / "render" / "templates").glob("*.j2")),
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "README.md",
]

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
_SHELL = {"", "sh", "bash", "shell", "console", "text"}  # code blocks a person types or reads as output
_SPAN = re.compile(r"`([^`\n]+)`")
_COMMAND = re.compile(r"(?:^|[\s;&|(])diagnose(?=\s)([^;&|)#]*)")


_WRAPPED = re.compile(r"`(diagnose\s[^`]{0,300}?)`")


def _code(text: str) -> Iterator[tuple[int, str]]:
    """(line number, code) for every inline code span and every line of a shell or text code block."""
    # A span that prose wraps over lines (a YAML folded scalar, a Markdown paragraph) is one span too: read
    # line by line, `diagnose` / `audit` on the next line was never resolved.
    for wrapped in _WRAPPED.finditer(text):
        if "\n" in wrapped.group(1):
            yield text.count("\n", 0, wrapped.start()) + 1, " ".join(wrapped.group(1).split())
    fenced: str | None = None  # the language of the open code block
    for number, line in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(line)
        if fence:
            fenced = fence.group(2).lower() if fenced is None else None
            continue
        if fenced is not None:
            if fenced in _SHELL:
                yield number, line
            continue
        for span in _SPAN.findall(line):
            yield number, span


def invocations() -> list[tuple[str, list[str]]]:
    """Every `diagnose …` written in code: (where, the words after `diagnose`)."""
    found = []
    for path in SOURCES:
        for number, code in _code(path.read_text(encoding="utf-8")):
            for match in _COMMAND.finditer(code):
                words = match.group(1).replace("\\", " ").strip()
                try:
                    tokens = shlex.split(words)
                except ValueError:  # an unbalanced quote in prose: take the words as they are
                    tokens = words.split()
                found.append((f"{path.relative_to(ROOT)}:{number}", tokens))
    return found


def _is_word(token: str) -> bool:
    """A lower-case word is a command name; anything else (a SID, `$MESSAGE_SID`, `SM…`, `-`) is an argument."""
    return re.fullmatch(r"[a-z][a-z-]*", token) is not None


def resolve(tokens: list[str]) -> str | None:
    """``None`` when ``diagnose <tokens>`` names a real command with real options, else what is wrong."""
    command: click.Command = main
    ctx = click.Context(main)  # commands load on first use: ask the group, never its `commands` dict
    rest = list(tokens)
    if not rest or (rest[0].startswith("-") and rest[0] != "-"):
        pass  # `diagnose` alone, or options of the group itself
    elif _is_word(rest[0]):
        while isinstance(command, click.Group) and rest and _is_word(rest[0]):
            sub = command.get_command(ctx, rest[0])
            if sub is None or sub.hidden:
                return f"no command {rest[0]!r}" + (f" in `diagnose {command.name}`" if command is not main else "")
            command, rest = sub, rest[1:]
    else:
        sids = main.get_command(ctx, "sids")  # `diagnose SID…`
        assert sids is not None
        command = sids
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    options |= {"--help", "-h"}
    for token in rest:
        name = token.split("=", 1)[0]
        if name.startswith("--") and name not in options:
            return f"`{command.name}` has no option {name}"
    return None


def test_recommended_commands_are_found() -> None:
    found = invocations()
    words = {tokens[0] for _, tokens in found if tokens}
    assert {"demo", "explain", "runbook", "knowledge"} <= words  # the scan sees the README and docs


@pytest.mark.parametrize(("where", "tokens"), invocations(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_recommended_command_exists(where: str, tokens: list[str]) -> None:
    problem = resolve(tokens)
    assert problem is None, f"{where}: `diagnose {' '.join(tokens)}`: {problem}"


def test_every_audit_the_knowledge_recommends_covers_the_subaccounts() -> None:
    # The runbook's prevention said "run `diagnose audit` against it: it compares every account and
    # subaccount with the list", and `diagnose audit` alone audits the authenticated account only
    audits = [(w, tokens) for w, tokens in invocations() if w.startswith("knowledge/") and tokens[:1] == ["audit"]]
    assert len(audits) >= 3  # 21408 twice, 21215 once
    for where, tokens in audits:
        assert tokens[tokens.index("--subaccounts") + 1] == "all", where
        assert "--countries-file" in tokens or "--countries" in tokens, where


def test_the_resolver_refuses_what_does_not_exist() -> None:
    assert resolve(["explain", "21408"]) is None
    assert resolve(["SM0123", "--account", "AC1"]) is None
    assert resolve(["$MESSAGE_SID"]) is None
    assert resolve(["knowledge", "lint", "my-knowledge/"]) is None
    assert resolve(["frobnicate"]) == "no command 'frobnicate'"
    assert resolve(["knowledge", "lint", "--knowledge", "DIR"]) == "`lint` has no option --knowledge"
    assert resolve(["knowledge", "frob"]) == "no command 'frob' in `diagnose knowledge`"
    assert resolve(["sids", "SM1"]) == "no command 'sids'"  # hidden: never recommended by name


# --------------------------------------------------------------------------- the fix steps' own `diagnose fix`

_FIX = re.compile(r"`(diagnose fix [^`]+)`")
_TARGET = {"account": "account_sid", "parent": "parent_account_sid", "governing": "governing_account_sid"}


def test_every_fix_step_the_tool_can_send_names_its_diagnose_fix() -> None:
    # The steps gave the Console click and the curl, never the command that plans the same change with a dry run.
    from diagnose.knowledge import load_knowledge
    from diagnose.knowledge.actions import ACTIONS

    steps = [s for e in load_knowledge().entries() for c in e.causes for s in c.fix if s.action]
    sent = [s for s in steps if ACTIONS[s.action].writes]
    assert len(sent) >= 7  # 21408: four; 21215: three
    for step in sent:
        (command,) = _FIX.findall(" ".join(step.text.split()))
        tokens = shlex.split(command)
        assert resolve(tokens[1:]) is None, command
        assert tokens[tokens.index("--product") + 1] == ACTIONS[step.action].product, command
        assert f"--account {{{{ {_TARGET[step.target]} }}}}" in command, command  # the account the action changes
        assert ("--use" in tokens) == (step.action == "set-voice-inheritance"), command
        assert "--apply" not in tokens  # a dry run first: the text says to add it


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("subaccount-mismatch", [("owner", "enable-messaging-country")]),
        ("missing-country", [("owner", "enable-messaging-country")]),
        ("voice-missing-country", [("owner", "enable-voice-country")]),
        ("voice-subaccount-mismatch", [("owner", "enable-voice-country"), ("owner", "set-voice-inheritance")]),
        ("inheriting-subaccount", [("owner", "enable-messaging-country"), ("parent", "enable-messaging-country")]),
    ],
)
def test_the_diagnose_fix_a_report_names_plans_its_steps_change(demo_sim: Any, case: str, expected: list) -> None:
    sid, owner, (parent, token) = demo_sim.sample(case)
    env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": parent, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo_sim.url}
    env |= {"TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}
    report = CliRunner().invoke(main, [sid, "--account", owner, "--format", "json"], env=env, catch_exceptions=False)
    (diagnosis,) = json.loads(report.stdout)["diagnoses"]
    commands = [c for step in diagnosis["fix"] for c in _FIX.findall(step["text"])]
    planned = []
    for command in commands:
        result = CliRunner().invoke(main, [*shlex.split(command)[1:], "--format", "json"], env=env)
        assert result.exit_code == 1, command  # a dry run with a change
        (change,) = json.loads(result.stdout)["plan"]["changes"]
        planned.append(("owner" if change["account"] == owner else "parent", change["action"]))
        assert change["account"] == (owner if planned[-1][0] == "owner" else parent)
    assert planned == expected
