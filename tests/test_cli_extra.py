"""CLI behaviour beyond the main paths: private knowledge, colour, the standalone simulator, packaging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario

ROOT = Path(__file__).resolve().parents[1]

PRIVATE_30003 = """\
code: 30003
title: Unreachable destination handset
summary: The carrier could not reach the handset.
products: [Programmable Messaging]
channels: [sms]
log_level: ERROR
meaning: |
  The handset was off or out of coverage when the carrier tried it.
impact: |
  The message was not delivered.
causes:
  - id: handset-unreachable
    title: The handset could not be reached
    explanation: |
      Carriers give up after a while; the number itself may be fine.
    confirmed_when: failed == true and to_valid == true
    ruled_out_when: to_valid == false
    confirmed_because: "{{ to }} ({{ country_name }}) was valid but unreachable."
    ruled_out_because: "{{ to }} is not a valid number."
    fix:
      - text: Ask the recipient to check the handset, then resend to {{ to }}.
escalation:
  when: [It keeps failing for many handsets of one carrier.]
  send: [The message SIDs.]
references:
  - {title: Error 30003, url: "https://www.twilio.com/docs/api/errors/30003", checked: 2026-11-27}
"""


def invoke(args: list[str], env: dict[str, str] | None = None):
    base = {"NO_COLOR": None, "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "DIAGNOSE_API_URL": ""}
    return CliRunner().invoke(main, args, env={**base, **(env or {})}, catch_exceptions=False)


def test_a_new_code_needs_only_a_knowledge_file(tmp_path: Path) -> None:
    (tmp_path / "30003.yaml").write_text(PRIVATE_30003)
    lint = invoke(["knowledge", "lint", str(tmp_path)])
    assert lint.exit_code == 0, lint.output
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        sid, owner, (account, token) = sim.sample("other-error")
        env = {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": sim.url}
        plain = invoke([sid, "--account", owner, "--format", "json"], env)
        private = invoke([sid, "--account", owner, "--format", "json", "--knowledge", str(tmp_path)], env)
    assert json.loads(plain.stdout)["diagnoses"][0]["verdict"] == "no-knowledge"
    diag = json.loads(private.stdout)["diagnoses"][0]
    assert (diag["verdict"], diag["cause"]) == ("confirmed", "handset-unreachable")
    assert private.exit_code == 0
    assert diag["fix"][0]["text"].startswith("Ask the recipient")


def test_broken_private_knowledge_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "30003.yaml").write_text(PRIVATE_30003.replace("failed == true", "failed === true"))
    result = invoke(["explain", "30003", "--knowledge", str(tmp_path)])
    assert result.exit_code == 2
    assert "30003.yaml:" in result.stderr and "confirmed_when" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_colour_only_when_asked_or_on_a_terminal() -> None:
    assert "\x1b[" in invoke(["explain", "21408", "--color", "always"]).stdout
    assert "\x1b[" not in invoke(["explain", "21408"]).stdout  # CliRunner's stdout is not a TTY
    assert "\x1b[" not in invoke(["explain", "21408", "--color", "never"]).stdout
    no_color = CliRunner().invoke(main, ["explain", "21408"], env={"NO_COLOR": "1"})
    assert "\x1b[" not in no_color.stdout


def test_standalone_simulator_prints_url_credentials_and_sids() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", "simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.stdout is not None:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "voice-trial-account" in line:
                break
        text = "".join(lines)
        assert "http://127.0.0.1:" in text
        assert "export TWILIO_ACCOUNT_SID=AC" in text and "export DIAGNOSE_API_URL=" in text
        assert "subaccount-mismatch" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=12).filter(lambda t: "\x00" not in t))
def test_explain_any_code_text_exits_cleanly(text: str) -> None:
    result = CliRunner().invoke(main, ["explain", "--", text], env={"NO_COLOR": "1"})
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ctrl_c_during_a_diagnosis_stops_it_now_and_exits_130() -> None:
    # Ctrl-C used to wait for the request in flight to time out, then print click's "Aborted!" and
    # exit 1 ("130 Ctrl-C", says --help). Twilio here takes longer than the run is allowed to.
    from tests.interrupt import interrupt

    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        sid, _owner, (main_sid, _token) = sim.sample("missing-country")
        sim.set_latency(8_000)
        main_account = next(a for a in sim.scenario.accounts if a.sid == main_sid)
        code, out, err = interrupt(sim, main_account, [sid, "--timeout", "60"], lambda: sim.peak_in_flight >= 1)
        sim.set_latency(0)
    assert (code, out) == (130, "")
    assert err == "diagnose: interrupted\n"


def test_ctrl_c_while_triage_reads_the_accounts_still_reports_the_log_offline(tmp_path: Path) -> None:
    # README: "Ctrl-C prints the errors read so far, diagnosed offline, and exits 130" — also once the
    # whole log is read and the accounts are being read.
    from tests.interrupt import interrupt

    log = tmp_path / "app.log"
    log.write_text("2026-11-30T10:00:00Z ERROR code=21408 to=+33645218709\n")
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        _sid, _owner, (main_sid, _token) = sim.sample("missing-country")
        sim.set_latency(8_000)
        main_account = next(a for a in sim.scenario.accounts if a.sid == main_sid)
        args = ["triage", str(log), "--format", "json", "--timeout", "60"]
        code, out, err = interrupt(sim, main_account, args, lambda: sim.peak_in_flight >= 1)
        sim.set_latency(0)
    assert code == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] is True and doc["groups"][0]["code"] == 21408


def test_a_knowledge_folder_of_ones_own_names_its_wordings_in_pastes(tmp_path: Path) -> None:
    # a new code's older wording is data in its file: a paste that holds only that wording is read as it
    wording = "The destination handset could not be reached by the carrier"
    own = PRIVATE_30003.replace(
        "causes:\n", f"wordings:\n  - text: {wording!r}\n    source: our support notes\n    unverified: true\ncauses:\n"
    )
    (tmp_path / "30003.yaml").write_text(own)
    assert invoke(["knowledge", "lint", str(tmp_path)]).exit_code == 0
    paste = f"send failed: {wording}: +33612345678"
    assert invoke([paste, "--offline"]).exit_code == 1  # the built-in knowledge knows no such wording
    result = invoke([paste, "--offline", "--format", "json", "--knowledge", str(tmp_path)])
    diag = json.loads(result.stdout)["diagnoses"][0]
    assert (diag["verdict"], diag["cause"]) == ("confirmed", "handset-unreachable")
    assert diag["evidence"]["code_source"] == "wording" and diag["evidence"]["code_wording"] == "unverified"


def test_options_written_before_a_command_name_are_that_commands() -> None:
    # `diagnose --format json explain 21408` took "json", the option's value, for the first argument, ran the
    # hidden SID command and said "explain is a SID: diagnose SIDs and pasted text in separate runs" (exit 2)
    env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
    before = CliRunner().invoke(main, ["--format", "json", "explain", "21408"], env=env)
    after = CliRunner().invoke(main, ["explain", "--format", "json", "21408"], env=env)
    assert (before.exit_code, before.stdout) == (after.exit_code, after.stdout) == (0, after.stdout)
    assert json.loads(before.stdout)["code"] == 21408
    paste = "Error 21408 to +33645218709"
    first = CliRunner().invoke(main, ["--format", "json", "--offline", paste], env=env)
    assert first.exit_code == 1 and json.loads(first.stdout)["diagnoses"][0]["evidence"]["country"] == "FR"
    # an option the command does not have is named as that command's, not the group's
    wrong = CliRunner().invoke(main, ["--offline", "explain", "21408"], env=env)
    assert wrong.exit_code == 2 and "explain --help" in wrong.stderr and "'--offline'" in wrong.stderr


_OPTIONS = st.sampled_from(
    [["--format", "json"], ["--color", "never"], ["--account", "explain"], ["--offline"], ["--format=json"], ["-"]]
)


@given(st.lists(_OPTIONS, max_size=4), st.sampled_from(["explain", "triage", "SM" + "0" * 32, "error 21408", "-"]))
def test_the_first_word_is_never_an_options_value(options: list[list[str]], word: str) -> None:
    from diagnose.cli import _first_word

    written = [a for option in options for a in option]
    stdin = written.index("-") if "-" in written else None  # `-` is a word, standard input
    assert _first_word([*written, word, "21408"]) == (stdin if stdin is not None else len(written))
