"""The command line, end to end: real click commands, the real twilio client, the simulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import CALL_CAUSE_CASES, OFFLINE_ENV, REQUIRED_CAUSES, SMS_CAUSE_CASES, cause_of

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def creds_env(sim: Simulator, case: str) -> tuple[str, str, dict[str, str]]:
    sid, owner, (account, token) = sim.sample(case)
    return sid, owner, {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": sim.url}


# --- offline ------------------------------------------------------------------


def test_explain_21408_text_covers_every_cause() -> None:
    code, out, _ = run(["explain", "21408"])
    assert code == 0
    for cause in REQUIRED_CAUSES[21408]:
        assert cause in out
    assert "\x1b[" not in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_explain_formats(fmt: str) -> None:
    code, out, _ = run(["explain", "21215", "--format", fmt])
    assert code == 0 and "21215" in out
    if fmt == "json":
        assert json.loads(out)["code"] == 21215


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_explain_21408_says_how_missing_country_is_ruled_out(fmt: str) -> None:
    # the line an offline report gives for a Nigerian number (knowledge-format.md, ruled_out_reasons),
    # under the cause it rules out, with the condition that gives it
    code, out, _ = run(["explain", "21408", "--format", fmt])
    assert code == 0
    if fmt == "json":
        (cause,) = [c for c in json.loads(out)["causes"] if c["id"] == "missing-country"]
        assert {
            "when": "country_high_risk == true",
            "because": "{{ country_name }} is on Twilio's high-risk list, which only the Console can enable (see "
            "high-restriction-country).",
        } in cause["ruled_out_ways"]
        return
    part = " ".join(out.split("21408/missing-country")[1].split("21408/permission-enabled-now")[0].split())
    part = part.replace("\\", "").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    assert "Ruled out when any of these holds" in part
    condition = {"text": "- country_high_risk == true", "markdown": "- `country_high_risk == true`:"}
    assert (
        condition.get(fmt, "<li><code>country_high_risk == true</code>:")
        + " <country_name> is on Twilio's high-risk list, which only the Console can enable"
        + " (see high-restriction-country)."
    ) in part


def test_explain_index_only_code() -> None:
    code, out, _ = run(["explain", "30003"])
    assert code == 0
    assert "Unreachable destination handset" in out
    assert "no diagnostic rules" in out.lower()


@pytest.mark.parametrize("bad", ["99999", "abc", "21408x", "-5", "²", "２１４０８"])
def test_explain_rejects_unknown_or_non_numeric_codes(bad: str) -> None:
    code, _, err = run(["explain", "--", bad])
    assert code == 2
    assert "error" in err


def test_explain_list() -> None:
    code, out, _ = run(["explain", "--list"])
    assert code == 0
    assert {"21408", "21215", "13227", "32205"} <= {line.split()[0] for line in out.splitlines()}


def test_runbook_all_writes_a_site(tmp_path: Path) -> None:
    code, out, _ = run(["runbook", "--all", "--format", "html", "--out", str(tmp_path)])
    assert code == 0, out
    assert (tmp_path / "index.html").exists() and (tmp_path / "21408.html").exists()
    assert (tmp_path / "style.css").exists() and not list(tmp_path.glob("*.md"))


def test_runbook_markdown_out_writes_markdown(tmp_path: Path) -> None:
    """`--format markdown` (the default) writes Markdown, with `--all` too: an index.md and one page per code."""
    for args, folder in (
        (["--all", "--format", "markdown"], "explicit"),
        (["--all"], "default"),
        (["21408", "21215", "--format", "markdown"], "codes"),
    ):
        target = tmp_path / folder
        code, out, _ = run(["runbook", *args, "--out", str(target)])
        assert code == 0, out
        names = sorted(p.name for p in target.iterdir())
        assert not [n for n in names if n.endswith((".html", ".css"))], names
        page = (target / "21408.md").read_text(encoding="utf-8")
        assert page.startswith("# 21408") and "<html" not in page
        if folder == "codes":
            assert names == ["21215.md", "21408.md"]
        else:
            assert "index.md" in names and "(<21408.md>)" in (target / "index.md").read_text(encoding="utf-8")
        assert out.strip() == f"wrote {len(names)} files to {target}"


def test_runbook_markdown_sections() -> None:
    code, out, _ = run(["runbook", "21408"])
    assert code == 0
    for heading in ("Meaning", "Impact", "Diagnosis", "Mitigation", "Prevention", "Escalation"):
        assert heading in out


def test_knowledge_lint_builtin_is_clean() -> None:
    code, out, err = run(["knowledge", "lint"])
    assert code == 0, out
    assert err == "0 errors, 0 warnings\n"  # it said "0 error(s), 0 warning(s)"


def test_knowledge_lint_counts_in_words(tmp_path: Path) -> None:
    fixtures = ROOT / "tests/data/knowledge"
    text = (fixtures / "valid/21408.yaml").read_text()
    (tmp_path / "21408.yaml").write_text(text.replace("related: [21215]", "related: [21215, 30699]"))
    assert run(["knowledge", "lint", str(tmp_path)])[::2] == (0, "0 errors, 1 warning\n")
    (tmp_path / "more").mkdir()
    (tmp_path / "more/30699.yaml").write_text(text.replace("related: [21215]", "related: [30700]"))
    mismatch = str(fixtures / "code-mismatch")
    assert run(["knowledge", "lint", mismatch, str(tmp_path / "21408.yaml")])[::2] == (1, "1 error, 1 warning\n")
    assert run(["knowledge", "lint", mismatch, str(tmp_path / "more")])[::2] == (1, "2 errors, 0 warnings\n")


def test_offline_commands_do_not_import_twilio() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    for args in (["explain", "21408"], ["runbook", "21408"], ["knowledge", "lint"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "diagnose", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        imported = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line]
        assert not [m for m in imported if m.split(".")[0] == "twilio"], args


# --- input checks ---------------------------------------------------------------


@pytest.mark.parametrize("bad", ["SM123", "XX" + "0" * 32, "CA" + "g" * 32])
def test_malformed_sid_exits_2_before_any_request(demo: Simulator, bad: str) -> None:
    demo.clear_requests()
    _, _, env = creds_env(demo, "missing-country")
    code, _, err = run([bad], env)
    assert code == 2 and "SID" in err
    assert demo.requests == []


def test_no_credentials_says_how_to_provide_them() -> None:
    code, _, err = run(["SM" + "0" * 32])
    assert code == 2  # a usage error: nothing was sent
    assert "TWILIO_ACCOUNT_SID" in err and "diagnose demo" in err


def test_rejected_credentials_exit_3(demo: Simulator) -> None:
    sid, _owner, env = creds_env(demo, "missing-country")
    env["TWILIO_AUTH_TOKEN"] = "wrong"
    code, _, err = run([sid], env)
    assert code == 3 and "rejected" in err


def test_unreachable_api_exits_3() -> None:
    env = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "x", "DIAGNOSE_API_URL": "http://127.0.0.1:9"}
    code, _, _err = run(["SM" + "0" * 32, "--timeout", "1"], env)
    assert code == 3


# --- live diagnosis ---------------------------------------------------------------


@pytest.mark.parametrize("cause", SMS_CAUSE_CASES)
def test_each_21408_cause_is_confirmed_live(demo: Simulator, cause: str) -> None:
    sid, owner, env = creds_env(demo, cause)
    code, out, err = run([sid, "--account", owner, "--format", "json"], env)
    doc = json.loads(out)
    (diag,) = doc["diagnoses"]
    assert diag["verdict"] == "confirmed", (diag["causes"], err)
    assert diag["cause"] == cause_of(cause)
    assert code == 0
    assert diag["error"]["code"] == 21408
    assert diag["subject"] == {"kind": "message", "sid": sid}
    for other in diag["causes"]:
        if other["id"] != cause_of(cause):
            assert other["status"] == "ruled-out" and other["evidence"], other
    assert diag["fix"], "a confirmed cause has fix steps"


def test_subaccount_found_without_account_flag(demo: Simulator) -> None:
    sid, owner, env = creds_env(demo, "subaccount-mismatch")
    _code, out, _ = run([sid, "--format", "json"], env)
    diag = json.loads(out)["diagnoses"][0]
    assert diag["cause"] == "subaccount-mismatch" and diag["evidence"]["account_sid"] == owner


def test_text_report_names_account_country_and_fix(demo: Simulator) -> None:
    sid, owner, env = creds_env(demo, "subaccount-mismatch")
    code, out, _ = run([sid, "--account", owner], env)
    assert code == 0
    assert owner in out and "Puerto Rico" in out and "subaccount-mismatch" in out


def test_delivered_and_other_code(demo: Simulator) -> None:
    cases = demo.cases
    delivered = next(c for c in cases if "delivered" in c or "no-error" in c)
    other = next(c for c in cases if "30003" in c or "other" in c)
    sid, owner, env = creds_env(demo, delivered)
    code, out, _ = run([sid, "--account", owner, "--format", "json"], env)
    assert json.loads(out)["diagnoses"][0]["verdict"] == "no-error" and code == 0
    sid, owner, env = creds_env(demo, other)
    code, out, _ = run([sid, "--account", owner, "--format", "json"], env)
    diag = json.loads(out)["diagnoses"][0]
    assert diag["verdict"] == "no-knowledge" and code == 1
    assert diag["error"]["code"] != 21408 and diag["error"]["docs_url"].endswith(str(diag["error"]["code"]))


@pytest.mark.parametrize("case", CALL_CAUSE_CASES)
def test_each_voice_cause_is_confirmed_live(demo: Simulator, case: str) -> None:
    sid, owner, env = creds_env(demo, case)
    code, out, err = run([sid, "--account", owner, "--format", "json"], env)
    (diag,) = json.loads(out)["diagnoses"]
    expected = cause_of(case)
    assert (diag["verdict"], diag["cause"]) == ("confirmed", expected), (diag["causes"], err)
    assert code == 0
    assert diag["subject"] == {"kind": "call", "sid": sid}
    assert diag["error"]["code"] in (21215, 13227, 32205, 21216)  # 21216: the block list
    assert all(c["status"] == "ruled-out" for c in diag["causes"] if c["id"] != diag["cause"])
    assert diag["fix"]


def test_demo_command_runs() -> None:
    code, out, _ = run(["demo"])
    assert code == 0  # documented: whatever the verdicts, though one case is no-knowledge
    assert "subaccount-mismatch" in out and "trial-account" in out and "30003 · no-knowledge" in out
    code, out, _ = run(["demo", "--help"])
    assert code == 0 and "Exits 0 once every case is diagnosed" in " ".join(out.split())


def test_an_upper_case_sid_is_read_as_twilio_writes_it(demo: Simulator) -> None:
    # It exited 2 ("copy it as Twilio shows it"); the hex digits are now taken in lower case, as Twilio issues them.
    sid, _owner, env = creds_env(demo, "missing-country")
    demo.clear_requests()
    code, out, err = run([sid[:2] + sid[2:].upper()], env)
    assert code == 0, err
    assert sid in out and any(sid in r["path"] for r in demo.requests)


def test_an_account_that_does_not_exist_says_so_without_searching(demo: Simulator) -> None:
    sid, _owner, env = creds_env(demo, "subaccount-mismatch")
    missing = "AC" + "9" * 32
    demo.clear_requests()
    code, out, err = run([sid, "--account", missing], env)
    assert code == 3
    said = " ".join((out + err).split())  # the subject is an unavailable entry of the report; text wraps
    assert f"--account {missing} does not exist" in said
    searched = [r for r in demo.requests if sid in r["path"] and missing not in r["path"]]
    assert searched == [], "the subaccounts were searched although --account named the account"


def test_runbook_out_counts_one_file_in_the_singular(tmp_path: Path) -> None:
    # 'diagnose runbook 21408 --format html --out DIR' said "wrote 1 files"
    code, out, _ = run(["runbook", "21408", "--out", str(tmp_path / "one")])
    assert code == 0, out
    assert out.strip() == f"wrote 1 file to {tmp_path / 'one'}"


def test_explain_list_follows_format() -> None:
    # 'diagnose explain --list --format json' printed the text lines, which no JSON reader can take
    code, out, _ = run(["explain", "--list", "--format", "json"])
    assert code == 0
    rows = json.loads(out)
    assert {21408, 21215, 13227, 32205} <= {r["code"] for r in rows}
    assert all(set(r) == {"code", "title", "summary"} and r["title"] and r["summary"] for r in rows)
    for fmt in ("markdown", "html"):
        code, out, err = run(["explain", "--list", "--format", fmt])
        assert (code, out) == (2, "") and f"--list prints text or json, not {fmt}" in err


def test_explain_list_with_a_code_is_refused() -> None:
    # 'diagnose explain 21408 --list' listed every code and ignored 21408, exit 0
    code, out, err = run(["explain", "21408", "--list"])
    assert code == 2, out
    assert "--list" in err and "21408" in err
