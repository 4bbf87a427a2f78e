"""Every `diagnose …` command the project recommends exists in this version.

Reports, runbooks and docs tell people what to run next. This test finds each
`diagnose …` invocation written in code (inline code spans, shell and text
code blocks) in the knowledge files, the report templates, the docs and the
README, and resolves it against the real click command tree: the command (and
sub-command) must exist, and every `--option` it names must be an option of
that command.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

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
