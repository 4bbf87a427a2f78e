"""The pieces of diagnose/cli/: the input router, exit codes, the progress bar, confirmation prompts, lazy commands."""

from __future__ import annotations

import difflib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from diagnose.cli import exit_codes, main
from diagnose.cli._router import CodeArg, FileArg, SidArg, StdinArg, TextArg, misspelt_command, route
from diagnose.cli.progress import Progress
from diagnose.cli.prompts import ConfirmationRefused, confirm
from diagnose.demo import run_demo
from diagnose.errors import (
    InputError,
    KnowledgeError,
    MissingCredentialsError,
    NotFoundError,
    RenderError,
    UnreachableError,
)
from diagnose.models import Diagnosis, ProblemKind, Verdict
from diagnose.report import build_unavailable
from tests.shared import OFFLINE_ENV
from tests.terminal import open_terminal, read_terminal

ROOT = Path(__file__).resolve().parents[1]
SID = "SM" + "0123456789abcdef" * 2
CALL = "CA" + "f" * 32


def invoke(args: list[str], stdin: str | None = None):
    env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "DIAGNOSE_API_URL": ""}
    return CliRunner().invoke(main, args, env=env, input=stdin, catch_exceptions=False)


# --------------------------------------------------------------------------- router


def never_a_file(_: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("-", StdinArg()),
        (" - ", StdinArg()),
        ("21408", CodeArg(21408)),
        (" 30003\n", CodeArg(30003)),
        (SID, SidArg(SID)),
        (f"  {CALL} ", SidArg(CALL)),
        ("SM123", SidArg("SM123")),  # malformed, but a SID attempt: the SID check says what is wrong
        ("XX" + "0" * 32, SidArg("XX" + "0" * 32)),
        (
            "Error 21408: Permission to send an SMS has not been enabled",
            TextArg("Error 21408: Permission to send an SMS has not been enabled"),
        ),
        ("twilio.log", TextArg("twilio.log")),  # no such file
        ("²", TextArg("²")),
        ("1234567", TextArg("1234567")),  # too long for a Twilio code, not a word
    ],
)
def test_route_without_files(arg: str, expected: object) -> None:
    assert route(arg, is_file=never_a_file) == expected


def test_route_finds_an_existing_file(tmp_path: Path) -> None:
    log = tmp_path / "twilio.log"
    log.write_text("Error 21408")
    assert route(str(log)) == FileArg(str(log))
    assert route(str(tmp_path / "missing.log")) == TextArg(str(tmp_path / "missing.log"))
    assert route(str(tmp_path)) == TextArg(str(tmp_path))  # a folder holds no error text
    # a code or a SID wins over a file of the same name
    assert route("21408", is_file=lambda _: True) == CodeArg(21408)
    assert route(SID, is_file=lambda _: True) == SidArg(SID)


@given(st.text(max_size=300))
def test_route_is_total(arg: str) -> None:
    routed = route(arg)
    assert isinstance(routed, (SidArg, StdinArg, FileArg, CodeArg, TextArg))
    if isinstance(routed, CodeArg):
        assert 0 <= routed.code <= 999_999


def test_route_survives_names_no_file_can_have() -> None:
    for arg in ("a\x00b", "x" * 100_000, "line one\nline two", "\udcff"):
        assert isinstance(route(arg), (TextArg, SidArg))


SHOWN = ["audit", "demo", "explain", "fix", "knowledge", "runbook", "scan", "simulator", "triage"]


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["scna"], "scan"),
        (["audti", "--countries", "FR"], "audit"),
        (["explian", "21408"], "explain"),
        (["--format", "json", "tirage", "app.log"], "triage"),
        (["Knowlege", "lint"], "knowledge"),
    ],
)
def test_a_mistyped_command_name_is_a_usage_error_naming_the_command_meant(args: list[str], meant: str) -> None:
    # It was taken for a SID: "'scna' is not a message SID", or "explian is a SID: … in separate runs".
    result = invoke(args)
    word = args[0] if args[0] != "--format" else args[2]
    assert result.exit_code == 2 and result.stdout == ""
    assert f"Error: No such command '{word}'. Did you mean '{meant}'?" in result.stderr


@pytest.mark.parametrize("arg", ["scan now", "-- scna", "SMdemo", "sids", "zzzz", "21408"])
def test_words_that_are_input_are_never_taken_for_a_mistyped_command(arg: str) -> None:
    # a paste with spaces, a word after --, a word headed like a SID, the hidden command, no close name, a code
    result = invoke(arg.split(" ", 1) if arg.startswith("--") else [arg])
    assert "No such command" not in result.stderr


def test_an_existing_file_named_like_a_command_is_read_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scna").write_text("Error 21408: Permission to send an SMS has not been enabled for the region\n")
    monkeypatch.chdir(tmp_path)
    result = invoke(["scna", "--offline", "--format", "json"])
    assert result.exit_code == 1 and '"code": 21408' in result.stdout
    assert misspelt_command("scna", SHOWN, is_file=lambda _: True) is None


@given(st.text(max_size=40))
def test_only_a_word_taken_for_a_malformed_sid_can_be_a_mistyped_command(arg: str) -> None:
    # Every other input routes as before: only what already failed as a SID (exit 2) gets the suggestion.
    meant = misspelt_command(arg, SHOWN, is_file=never_a_file)
    if not difflib.get_close_matches(arg.lower(), SHOWN, n=1):
        assert meant is None
    if meant is not None:
        assert meant in SHOWN and isinstance(route(arg, is_file=never_a_file), SidArg)
        assert not any(c.isspace() for c in arg) and arg[:2] not in ("SM", "MM", "CA")


def test_the_names_offered_are_the_commands_shown() -> None:
    from diagnose.cli import _SHOWN

    assert _SHOWN == SHOWN


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-"], "Error 21408", "21408"),
        (["21408"], None, "`diagnose explain 21408`"),
        (["Error 21408: Permission to send an SMS"], None, "21408"),
    ],
)
def test_inputs_other_than_sids_are_read_as_pasted_errors(args: list[str], stdin: str | None, message: str) -> None:
    result = invoke(args, stdin)
    assert result.exit_code == exit_codes.UNRESOLVED  # offline: causes stay possible
    assert message in result.stdout


def test_sids_and_pasted_text_in_one_run_are_bad_input() -> None:
    result = invoke([SID, "21215"])
    assert result.exit_code == exit_codes.BAD_INPUT
    assert "separate runs" in result.stderr and result.stdout == ""


def test_a_file_argument_is_read(tmp_path: Path) -> None:
    log = tmp_path / "twilio.log"
    log.write_text("Error 21408")
    result = invoke([str(log)])
    assert result.exit_code == exit_codes.UNRESOLVED
    assert "21408" in result.stdout


# --------------------------------------------------------------------------- exit codes


def test_every_verdict_and_problem_has_an_exit_code() -> None:
    assert set(exit_codes.VERDICT_EXIT) | {"unavailable"} == set(get_args(Verdict))
    assert set(exit_codes.PROBLEM_EXIT) == set(get_args(ProblemKind))
    assert exit_codes.worst([0, 3, 1]) == 3
    assert exit_codes.for_diagnoses([]) == exit_codes.OK


@pytest.fixture(scope="module")
def demo_diagnoses() -> tuple[Diagnosis, ...]:
    return run_demo().diagnoses


@pytest.mark.parametrize(("kind", "code"), [("input", 2), ("not-found", 3), ("credentials", 3), ("unreachable", 3)])
def test_a_subject_that_cannot_be_diagnosed_sets_the_worst_exit_code(
    demo_diagnoses: tuple[Diagnosis, ...], kind: ProblemKind, code: int
) -> None:
    lost = build_unavailable("message", SID, kind, "why")
    assert exit_codes.for_diagnosis(lost) == code
    confirmed = [d for d in demo_diagnoses if d.verdict == "confirmed"][:2]
    assert exit_codes.for_diagnoses(confirmed) == exit_codes.OK
    assert exit_codes.for_diagnoses([*confirmed, lost]) == code


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("x"), 2),
        (MissingCredentialsError("x"), 2),
        (KnowledgeError("x"), 2),
        (RenderError("x"), 2),
        (UnreachableError("x"), 3),
        (NotFoundError("x"), 3),
    ],
)
def test_errors_map_to_documented_exit_codes(error: Exception, code: int) -> None:
    assert exit_codes.for_error(error) == code  # type: ignore[arg-type]


def test_exit_codes_live_in_one_module() -> None:
    literal_exit = re.compile(r"(sys\.exit|SystemExit|ctx\.exit)\(\s*\d")
    for path in (ROOT / "diagnose").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not literal_exit.search(text), f"{path}: an exit code literal; use diagnose/cli/exit_codes.py"
        if path.name != "exit_codes.py":
            assert "VERDICT_EXIT = " not in text and "EXIT_" not in text, path


def test_help_documents_the_exit_codes() -> None:
    text = invoke(["--help"]).stdout
    assert "0 confirmed" in text and "2 bad input" in text and "3 Twilio unreachable" in text


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_nothing_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(total=3, label="reading", stream=stream) as bar:
        for _ in range(3):
            bar.advance()
    assert stream.getvalue() == ""


def test_progress_on_a_terminal_draws_and_clears_its_line() -> None:
    stream = FakeTerminal()
    with Progress(total=4, label="reading subaccounts", stream=stream) as bar:
        bar.advance(4)
    out = stream.getvalue()
    assert "reading subaccounts [" in out and "] 4/4" in out
    assert out.endswith("\r\x1b[K")


@given(
    total=st.one_of(st.none(), st.integers(-5, 10**6)),
    done=st.integers(0, 10**6),
    width=st.integers(0, 400),
    label=st.text(max_size=200),
)
def test_progress_line_fits_and_is_safe(total: int | None, done: int, width: int, label: str) -> None:
    bar = Progress(total=total, label=label, enabled=False)
    bar.done = done
    line = bar.line(width)
    assert len(line) <= max(width - 1, 10)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in line)


def test_progress_without_a_total_counts() -> None:
    bar = Progress(label="messages", enabled=False)
    bar.done = 12
    assert bar.line(80) == "messages 12"


def test_progress_stops_drawing_when_the_terminal_goes_away() -> None:
    stream = FakeTerminal()
    with Progress(total=2, stream=stream) as bar:
        stream.close()
        bar.advance(2)  # no ValueError from the closed stream
    assert bar.enabled is False


# --------------------------------------------------------------------------- prompts


def test_yes_skips_the_question() -> None:
    assert confirm("Enable France?", assume_yes=True, stdin=io.StringIO()) is True


def test_no_terminal_refuses_clearly() -> None:
    with pytest.raises(ConfirmationRefused) as caught:
        confirm("Enable France for AC1?", assume_yes=False, stdin=io.StringIO("y\n"))
    assert "--yes" in str(caught.value) and "Enable France for AC1?" in str(caught.value)
    assert isinstance(caught.value, InputError)  # a usage error: exit 2
    assert exit_codes.for_error(caught.value) == exit_codes.BAD_INPUT


PROMPT_SCRIPT = """
import sys
from diagnose.cli.prompts import confirm
from diagnose.cli.progress import Progress
with Progress(total=2, label="working") as bar:
    bar.advance(2)
answer = confirm("Enable France\\x1b[31m?", assume_yes=False)
print("ANSWER", answer)
"""


def _in_a_terminal(reply: bytes) -> str:
    """Run PROMPT_SCRIPT with a real pseudo-terminal as stdin, stdout and stderr; type ``reply``."""
    leader, follower = open_terminal()
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", PROMPT_SCRIPT], stdin=follower, stdout=follower, stderr=follower, env=env, cwd=ROOT
    )
    os.close(follower)
    output = read_terminal(leader, proc, prompt=b"[y/N]", reply=reply)
    proc.wait(timeout=10)
    return output.decode("utf-8", "replace")


@pytest.mark.parametrize(("reply", "answer"), [(b"y\n", True), (b"n\n", False), (b"\n", False)])
def test_a_real_terminal_gets_the_bar_and_the_question(reply: bytes, answer: bool) -> None:
    out = _in_a_terminal(reply)
    assert "working [" in out and "] 2/2" in out
    assert "Enable France\\x1b[31m? [y/N]" in out  # the escape made visible, not obeyed
    assert f"ANSWER {answer}" in out


# --------------------------------------------------------------------------- lazy commands


def test_a_command_imports_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from diagnose.cli import main\n"
        "try:\n"
        "    main(['explain', '21408'], standalone_mode=False)\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.startswith('diagnose.cli.')), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stderr.strip().splitlines()[-1]
    assert "diagnose.cli.explain" in loaded
    for other in (
        "sids",
        "demo",
        "runbook",
        "simulator",
        "knowledge",
        "audit",
        "scan",
        "fix",
        "audit_log",
        "progress",
        "prompts",
    ):
        assert f"diagnose.cli.{other}'" not in loaded, loaded


def test_help_lists_every_visible_command_once() -> None:
    text = invoke(["--help"]).stdout
    commands = text.split("Commands:")[1].split()
    for name in ("audit", "demo", "explain", "fix", "knowledge", "runbook", "scan", "simulator"):
        assert name in commands
    assert "sids" not in commands


def test_knowledge_help_names_the_path_command() -> None:
    text = invoke(["knowledge", "--help"]).stdout
    assert "diagnose knowledge path" in text and "--knowledge DIR" in text
    result = invoke(["knowledge", "path"])
    assert result.exit_code == 0
    assert (Path(result.stdout.strip()) / "21408.yaml").is_file()


# --------------------------------------------------------------------------- error types


def test_errors_declare_their_fields_and_nothing_sets_one_later() -> None:
    from diagnose.errors import TwilioAccessError, reason_of

    err = NotFoundError("GET /x: HTTP 404", request="GET /x", reason="HTTP 404", status=404, code=20404)
    assert (err.request, err.reason, err.status, err.code) == ("GET /x", "HTTP 404", 404, 20404)
    assert reason_of(UnreachableError("no answer")) == "no answer"  # the reason defaults to the message
    assert reason_of(ValueError()) == "ValueError"
    assert isinstance(MissingCredentialsError("none"), TwilioAccessError)
    after_the_fact = re.compile(r"\b(err|exc|error)\.(request|reason|status|code)\s*=(?!=)|setattr\((err|exc|error)\b")
    for path in (ROOT / "diagnose").rglob("*.py"):
        found = after_the_fact.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path}: {found and found.group()}: declare the field on the error type"


@pytest.mark.parametrize(
    ("argv", "collecting"),
    [
        (["explain", "21408"], False),
        (["SM" + "0" * 32], False),
        (["triage", "-"], True),
        (["-"], True),  # a paste can be any size
        (["SM" + "0" * 32] * 9, True),  # more than a handful of SIDs
    ],
)
def test_only_brief_commands_run_without_the_cyclic_collector(argv: list[str], collecting: bool) -> None:
    script = (
        "import atexit, gc, sys\n"
        "from diagnose.cli import run\n"
        "atexit.register(lambda: sys.stderr.write(f'collector {gc.isenabled()}'))\n"
        f"sys.argv = ['diagnose', *{argv!r}]\n"
        "run()\n"
    )
    env = {**os.environ, **OFFLINE_ENV}  # a SID stops at the missing credentials: nothing is sent
    proc = subprocess.run([sys.executable, "-c", script], input="", capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.stderr.endswith(f"collector {collecting}")


@pytest.mark.parametrize("command", ["audit", "scan", "fix"])
def test_concurrency_help_names_the_default_the_pool_uses(command: str) -> None:
    from click.testing import CliRunner

    from diagnose.audit_reads import DEFAULT_CONCURRENCY
    from diagnose.cli import main

    out = CliRunner().invoke(main, [command, "--help"], terminal_width=200).stdout
    assert f"Requests in flight at once (default {DEFAULT_CONCURRENCY};" in out


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["SM" + "0" * 32, "--bogus"], None),
        (["SM" + "0" * 32, "--format", "xml"], None),
        (["-", "--format", "xml"], "error 21408"),
    ],
)
def test_a_usage_error_with_a_sid_or_a_paste_points_at_diagnose_help(args: list[str], stdin: str | None) -> None:
    # It said "Try 'diagnose sids --help' for help.": a command no help and no README names
    result = CliRunner().invoke(main, args, input=stdin, prog_name="diagnose")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == ["Usage: diagnose SID... [OPTIONS]", "Try 'diagnose --help' for help."]
    assert "sids" not in result.stderr
    help_text = CliRunner().invoke(main, ["--help"], prog_name="diagnose").stdout
    assert "--format" in help_text and "--color" in help_text  # what that help says of a SID's options
