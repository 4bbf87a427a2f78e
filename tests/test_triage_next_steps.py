"""`diagnose triage` answers first: what to do, gathered by action (diagnose/next_steps.py), then the groups.

Online against the simulator, the commands it prints are run as printed: each is a real command, and
applying the planned fixes changes what the same log then diagnoses. Offline, the groups no cause could
be confirmed for get one read-only audit. A property test over the real engine checks that every group
is acted on exactly once and every count adds up.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.knowledge import load_knowledge
from diagnose.next_steps import gather
from diagnose.paste import extract, merge_duplicates
from diagnose.pipeline import diagnose_pasted
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def demo():
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


def _demo_log(sim: Simulator, path: Path) -> dict[str, str]:
    """Three log lines per failed message and call of the demo scenario; the environment that reads them."""
    lines = []
    for account in sim.scenario.accounts:
        failed = [(m.error_code, m.to) for m in account.messages if m.error_code]
        failed += [(c.notifications[0].error_code, c.to) for c in account.calls if c.notifications]
        for code, to in failed:
            for minute in range(3):
                lines.append(
                    f"2026-11-30T10:0{minute}:00Z ERROR twilio error code={code} to={to} account={account.sid}"
                )
                lines.append(f"2026-11-30T10:0{minute}:01Z INFO request done")
    path.write_text("\n".join(lines) + "\n")
    _sid, _owner, (main_sid, token) = sim.sample("missing-country")
    return {"TWILIO_ACCOUNT_SID": main_sid, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": sim.url}


def _commands(text: str) -> list[list[str]]:
    return [shlex.split(line.strip())[1:] for line in text.splitlines() if line.strip().startswith("diagnose ")]


def test_online_triage_puts_what_to_do_first_and_its_commands_fix_it(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    code, text, _ = run(["triage", str(log)], env)
    assert code == 1, text  # the worst verdict: the demo's 30003 has no rules
    lines = text.splitlines()
    assert lines[2] == "What to do"
    assert (
        lines.index("What to do")
        < next(i for i, line in enumerate(lines) if line.startswith("#  "))
        < lines.index("Groups")
    )
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    doc = json.loads(out)
    steps = {(s["kind"], s["code"], s["cause"]): s for s in doc["next_steps"]}

    # the demo's missing-country failures: one command per account, naming exactly its countries
    missing = steps[("fix", 21408, "missing-country")]
    assert missing["product"] == "sms" and missing["targets"]
    for target in missing["targets"]:
        countries = [c["country"] for c in target["countries"]]
        groups = [
            g["country"]
            for g in doc["groups"]
            if g["account_sid"] == target["account_sid"]
            and (g["code"], g["diagnosis"]["cause"]) == (21408, "missing-country")
        ]
        assert sorted(countries) == sorted(groups)
        assert target["command"] == (
            f"diagnose fix --account {target['account_sid']} --country {','.join(countries)} --product sms"
        )
        assert target["command"] in text
    # a cause no command fixes gets its groups' own first step, never a command
    for kind, code_, cause in (("fix", 21408, "wrong-country-code"), ("fix", 21408, "country-not-allowed")):
        step = steps[(kind, code_, cause)]
        assert all(t["command"] is None for t in step["targets"])
        assert step["advice"] and all(a["group"] in step["groups"] for a in step["advice"])
    # every group acted on is in one step; the numbers are the table's
    numbered = [n for s in doc["next_steps"] for n in s["groups"]]
    assert sorted(numbered) == list(range(1, len(doc["groups"]) + 1))
    for s in doc["next_steps"]:
        assert s["errors"] == sum(doc["groups"][n - 1]["count"] for n in s["groups"])

    # every command printed is a real command: it runs, and exits as its help documents (never 2: usage)
    commands = _commands(text)
    assert any(c[0] == "fix" for c in commands) and any(c[0] == "explain" for c in commands)
    for args in commands:
        assert run(args, env)[0] in (0, 1), args
    # and the fix commands fix it: applied, the same log diagnoses those groups as enabled now
    for args in commands:
        if args[0] == "fix":
            assert run([*args, "--apply", "--yes", "--audit-log", str(tmp_path / "audit.jsonl")], env)[0] == 0, args
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    after = json.loads(out)
    fixed = {(t["account_sid"], c["country"]) for t in missing["targets"] for c in t["countries"]}
    verdicts = {
        (g["account_sid"], g["country"]): g["diagnosis"]["cause"]
        for g in after["groups"]
        if (g["account_sid"], g["country"]) in fixed and g["code"] == 21408
    }
    assert set(verdicts) == fixed and set(verdicts.values()) == {"permission-enabled-now"}


def test_offline_triage_says_once_how_to_confirm_and_gives_one_audit(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    account = "AC" + "ab" * 16
    lines = []
    for i in range(60):
        lines.append(f"2026-11-30T10:00:{i:02d}Z ERROR code=21408 to=+2348031234567 account={account}")
        lines.append(f"2026-11-30T10:00:{i:02d}Z ERROR code=21408 to=+4915123456789")
        lines.append(f"2026-11-30T10:00:{i:02d}Z INFO ok")
    log.write_text("\n".join(lines) + "\n")
    code, text, _ = run(["triage", str(log)])
    assert code == 1
    head = text.split("\n#")[0]
    assert head.count("TWILIO_ACCOUNT_SID") == 1
    assert "No cause confirmed for 21408" in head
    assert f"SMS on {account}: NG 60" in head
    assert "SMS on the account that sent them (not in the log): DE 60" in head
    assert "diagnose audit --product sms --countries DE,NG --subaccounts all" in head
    assert "diagnose fix" not in head  # nothing confirmed: nothing to plan yet
    code, text, _ = run(["triage", str(log), "--offline"])
    assert "TWILIO_ACCOUNT_SID" not in text  # asked for offline: no hint


def test_offline_audit_command_runs_against_the_simulator(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    _sid, owner, (main_sid, token) = demo.sample("missing-country")
    log.write_text(f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={owner}\n")
    _, text, _ = run(["triage", str(log)])
    (audit,) = [c for c in _commands(text) if c[0] == "audit"]
    env = {"TWILIO_ACCOUNT_SID": main_sid, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo.url}
    code, out, _ = run([*audit, "--format", "json"], env)
    assert code in (0, 1)
    assert "FR" in out


_NUMBERS = ["+2348031234567", "+4915123456789", "+33612345678", "+2125550143", "+79781234567", "+33*****78", "nothing"]
_ACCOUNTS = [None, "AC" + "1" * 32, "AC" + "2" * 32]
_CODES = [21408, 21215, 13227, 30003, 21216, 32205]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(_NUMBERS), st.sampled_from(_ACCOUNTS)), max_size=30))
def test_every_group_is_acted_on_once_and_the_counts_add_up(errors: list[tuple[int, str, str | None]]) -> None:
    text = "\n".join(
        f"2026-11-30T10:00:{i % 60:02d}Z ERROR code={code} to={to}" + (f" account={acct}" if acct else "")
        for i, (code, to, acct) in enumerate(errors)
    )
    kb = load_knowledge()
    groups = merge_duplicates(extract(text))
    report = diagnose_pasted(groups, kb)
    steps = gather(groups, report.diagnoses, kb.get)
    acted = [i for i, d in enumerate(report.diagnoses, 1) if d.verdict not in ("no-error", "unavailable")]
    assert sorted(n for s in steps for n in s.groups) == acted
    assert [s.errors for s in steps] == sorted((s.errors for s in steps), reverse=True)
    for step in steps:
        assert step.errors == sum(groups[n - 1].count for n in step.groups)
        if step.kind == "explain":
            assert step.command == f"diagnose explain {step.code}" and not step.targets
            continue
        assert step.errors == sum(t.errors for t in step.targets)
        assert step.failures == sum(t.failures for t in step.targets) == step.errors  # no SIDs: one error, one failure
        for target in step.targets:
            mine: Counter[str | None] = Counter()
            for n in step.groups:
                if groups[n - 1].account_sid == target.account_sid:
                    mine[groups[n - 1].country] += groups[n - 1].count
            assert {iso: n for iso, n, _ in target.countries} == dict(mine)
            if target.command is not None:
                assert step.kind == "fix" and step.product in ("sms", "voice")
                isos = ",".join(iso for iso, _, _ in target.countries if iso)
                assert target.command.endswith(f"--country {isos} --product {step.product}")


def test_a_step_lists_at_most_twelve_accounts_in_text_and_every_one_in_json(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    accounts = [f"AC{i:032x}" for i in range(1, 31)]
    log.write_text("".join(f"2026-11-30T10:00:00Z ERROR code=21408 to=+2348031234567 account={a}\n" for a in accounts))
    _, text, _ = run(["triage", str(log)])
    head = text.split("\n#")[0]
    assert sum(f"SMS on {a}:" in head for a in accounts) == 12
    assert "… and 18 more accounts (--format json lists them all)." in head
    _, out, _ = run(["triage", str(log), "--format", "json"])
    (step,) = json.loads(out)["next_steps"]
    assert sorted(t["account_sid"] for t in step["targets"]) == accounts


def test_triage_text_never_prints_a_control_character_raw() -> None:
    import dataclasses

    from diagnose.render.triage import TriageView, triage_text

    kb = load_knowledge()
    groups = merge_duplicates(extract("2026-11-30T10:00:00Z ERROR code=30003 to=+2348031234567\n"))
    report = diagnose_pasted(groups, kb)
    hostile = "\x1b]0;owned\x07\x1b[2J\u202etxt\r"
    diagnoses = tuple(dataclasses.replace(d, summary=hostile, cause=hostile) for d in report.diagnoses)
    report = dataclasses.replace(report, diagnoses=diagnoses)
    steps = gather(groups, report.diagnoses, kb.get)
    text = triage_text(TriageView(groups, report, steps, source="log", bytes_read=1, total=1))
    assert not any(c in text for c in "\x1b\x07\u202e\r")
    assert "\\x1b]0;owned" in text  # shown, made visible


def test_redact_numbers_masks_the_numbers_what_to_do_quotes(demo: Simulator, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    env = _demo_log(demo, log)
    numbers = set(re.findall(r"to=(\+\d{8,15})\b", log.read_text()))
    _, plain, _ = run(["triage", str(log)], env)
    head = plain.split("\n#")[0]
    assert any(n in head for n in numbers)  # the advice quotes them (the wrong prefix's number meant, …)
    for fmt in ("text", "json"):
        _, out, _ = run(["triage", str(log), "--redact-numbers", "--format", fmt], env)
        assert not any(n in out for n in numbers), fmt


_ISOS = ["NG", "DE", "FR", "GB", "IN", "MA", "BR", "NL", "PR", "US", "MX", "ZA"]
_TO = {
    "NG": "+2348031234567", "DE": "+4915123456789", "FR": "+33612345678", "GB": "+447400123456",
    "IN": "+919812345678", "MA": "+212612345678", "BR": "+5511912345678", "NL": "+31612345678",
    "PR": "+17877315170", "US": "+14155550123", "MX": "+525512345678", "ZA": "+27821234567",
}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(_ISOS), st.integers(1, 12_000), min_size=1), st.integers(60, 120))
def test_a_country_and_its_count_are_never_split_across_lines(counts: dict[str, int], width: int) -> None:
    from diagnose.render.triage import TriageView, triage_text

    lines = [
        f"2026-11-30T10:00:00Z ERROR code=21408 to={_TO[iso]} account=AC{'ab' * 16}"
        for iso, n in counts.items()
        for _ in range(min(n, 3))
    ]
    kb = load_knowledge()
    groups = merge_duplicates(extract("\n".join(lines) + "\n"))
    report = diagnose_pasted(groups, kb)
    steps = gather(groups, report.diagnoses, kb.get)
    text = triage_text(TriageView(groups, report, steps, source="log", bytes_read=1, total=1), width=width)
    head = text.split("\n#")[0]
    for iso in counts:
        n = min(counts[iso], 3)
        assert re.search(rf"(?m)\b{iso} {n}\b", head), (iso, head)  # on one line, not "IN\n 3"
    assert "\ue000" not in text


def test_an_error_that_names_its_sid_is_fixed_on_the_account_of_its_record(demo: Simulator, tmp_path: Path) -> None:
    # A log line that names the message (its SID) but no account is diagnosed from Twilio's record of it: the
    # subaccount-mismatch message's says subaccount AC15bf… has PR disabled. "What to do" still gave the
    # command for "the account that sent them (not in the log)", `diagnose fix --country PR --product sms`,
    # which plans the credentials' own account, where PR is enabled: "Nothing to change through the API".
    env = _demo_log(demo, tmp_path / "unused.log")
    log = tmp_path / "app.log"
    sid, owner, _ = demo.sample("subaccount-mismatch")
    log.write_text(f"2026-11-30T10:00:00Z ERROR message {sid} failed: error 21408 to +17872316644\n")
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    doc = json.loads(out)
    (group,) = doc["groups"]
    assert group["account_sid"] is None  # the log names none
    assert group["diagnosis"]["evidence"]["account_sid"] == owner  # the record does
    (step,) = doc["next_steps"]
    (target,) = step["targets"]
    assert target["account_sid"] == owner
    assert target["command"] == f"diagnose fix --account {owner} --country PR --product sms"
    _, text, _ = run(["triage", str(log)], env)
    assert f"SMS on {owner}: PR 1" in text
    code, plan, _ = run(shlex.split(target["command"])[1:], env)
    assert f"{owner}  SMS  Puerto Rico (PR)" in plan and code == 1  # a change planned on the subaccount


def test_errors_naming_other_messages_are_not_put_on_the_account_of_the_one_record_read(
    demo: Simulator, tmp_path: Path
) -> None:
    # Two log lines name two messages to France, and no account: the demo's missing-country message (main
    # account) and its inheriting-subaccount one (Acme Clinics). They are one group, diagnosed from the first
    # one's record; "What to do" said "SMS on <the first's account>: FR 2" with its fix command, so the other
    # message's account, never read, was taken for the first's.
    env = _demo_log(demo, tmp_path / "unused.log")
    first, first_owner, _ = demo.sample("inheriting-subaccount")
    other, other_owner, _ = demo.sample("missing-country")
    assert first_owner != other_owner
    log = tmp_path / "app.log"
    lines = [
        f"2026-11-30T10:00:0{i}Z ERROR notify sms failed: error 21408 for +33612345670 ({sid})"
        for i, sid in enumerate([first, other, first])
    ]
    log.write_text("\n".join(lines) + "\n")
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    doc = json.loads(out)
    (group,) = doc["groups"]
    assert group["count"] == 3 and group["diagnosis"]["evidence"]["account_sid"] == first_owner
    (step,) = doc["next_steps"]
    shares = {t["account_sid"]: t["countries"] for t in step["targets"]}
    assert shares == {
        first_owner: [{"country": "FR", "errors": 2, "failures": 1}],  # the record read: one message, logged twice
        None: [{"country": "FR", "errors": 1, "failures": 1}],
    }
    # the other message's account was not read: no command, which without --account would plan the credentials'
    # own account (AC827b…, here the other message's by chance, a subaccount's parent in general)
    commands = {t["account_sid"]: (t["command"], t["account_unknown"]) for t in step["targets"]}
    assert commands == {
        first_owner: (f"diagnose fix --account {first_owner} --country FR --product sms", False),
        None: (None, True),
    }
    _, text, _ = run(["triage", str(log)], env)
    flat = " ".join(text.split())
    assert " · 2 failures (3 errors logged) · group 1" in flat
    assert f"SMS on {first_owner}: FR 1" in text
    assert "SMS on an account not known (their messages or calls were not read): FR 1" in text
    assert "diagnose fix --country" not in text.split("\n#")[0]  # every diagnose fix of What to do names its account
    assert "then diagnose fix --account AC… --country FR --product sms plans its change." in flat
    _, markdown, _ = run(["triage", str(log), "--format", "markdown"], env)
    assert "SMS on an account not known (their messages or calls were not read): FR 1" in markdown
    assert "`diagnose fix --country" not in markdown.split("## Groups")[0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SM1", "SM2", None]),
            st.sampled_from(["+33612345678", "+2348031234567", "+336******78", "+23480******67"]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.integers(min_value=1, max_value=30), max_size=4),
)
def test_a_groups_share_of_its_record_is_the_same_however_workers_merged_its_blocks(
    errors: list[tuple[str | None, str]], cuts: list[int]
) -> None:
    # Worker processes merge their block's duplicates before the triage groups them: a block's errors that
    # name two messages must not come back as one evidence of the first's, or the share would be lost. And a
    # group is diagnosed from a whole number when one of its errors has it, whichever block it fell in.
    from diagnose.models import Evidence
    from diagnose.paste import Groups

    evidence = [
        Evidence(
            kind="paste",
            code=21408,
            message_sid=sid and sid.ljust(34, "0"),
            to=None if "*" in to else to,
            to_raw=to,
            country="FR" if to.startswith("+33") else "NG",
            format="log-line",
        )
        for sid, to in errors
    ]
    alone, blocks = Groups(), Groups()
    for item in evidence:
        alone.add(item)
    edges = sorted({0, len(evidence), *(c for c in cuts if c < len(evidence))})
    for start, end in itertools.pairwise(edges):
        for merged in merge_duplicates(evidence[start:end]):
            blocks.add(merged)
    assert blocks.record_shares() == alone.record_shares()
    assert [e.count for e in blocks.evidence()] == [e.count for e in alone.evidence()]
    for first, share in zip(alone.evidence(), alone.record_shares(), strict=True):
        named = [e for e in evidence if (e.country, e.message_sid) == (first.country, first.message_sid)]
        assert share == (len(named) if first.message_sid else None)
        whole = [e.to for e in named if e.to]
        assert first.to == (whole[0] if whole else None)
    assert [e.to for e in blocks.evidence()] == [e.to for e in alone.evidence()]


@pytest.mark.parametrize(
    ("case", "line", "meant"),
    [
        ("wrong-prefix-meant-disabled", "code=21408 to=+4165550123", "Enable Canada (CA)"),
        ("voice-wrong-prefix-meant-disabled", "code=21215 to=+4035550123", "Canada"),
    ],
)
def test_a_wrong_prefix_steps_advice_carries_the_next_step_it_points_to(
    demo: Simulator, tmp_path: Path, case: str, line: str, meant: str
) -> None:
    # The number meant is in a country disabled on the account: the group's first fix step says "enable it too
    # (next step)". "What to do" showed that first step alone, so the next step it pointed to was the next
    # step of the list, another group's (or none), and the country meant was never named as one to enable.
    env = _demo_log(demo, tmp_path / "unused.log")
    _sid, owner, _ = demo.sample(case)
    log = tmp_path / "app.log"
    log.write_text(f"2026-11-30T10:00:00Z ERROR twilio error {line} account={owner}\n")
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    (step,) = json.loads(out)["next_steps"]
    assert step["cause"] == "wrong-country-code"
    (advice,) = step["advice"]
    assert "(next step)" in advice["text"]
    then = advice["text"].split("(next step)", 1)[1]
    assert meant in then and owner in then  # the step it points to, on the same account
    _, text, _ = run(["triage", str(log)], env)
    what_to_do = " ".join(text.split("\n\n#")[0].split())
    assert meant in what_to_do.split("(next step)", 1)[1]


@pytest.mark.parametrize("masked_first", [True, False])
def test_a_group_is_diagnosed_from_a_whole_number_when_its_first_is_masked(
    demo: Simulator, tmp_path: Path, masked_first: bool
) -> None:
    # Two errors to Nigeria from one account, one number masked by the app's logger. The group was diagnosed
    # from its first error alone: masked first, it stayed "No cause confirmed … Not confirmed online: the
    # destination is masked in the input (+23480******87)", the other order confirmed high-restriction-country.
    env = _demo_log(demo, tmp_path / "unused.log")
    _sid, owner, _ = demo.sample("high-restriction-country")
    numbers = ["+23480******87", "+2348031234567"]
    lines = [
        f"2026-11-30T10:00:0{i}Z ERROR sms send failed code=21408 to={to} account={owner}"
        for i, to in enumerate(numbers if masked_first else numbers[::-1])
    ]
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines) + "\n")
    _, out, _ = run(["triage", str(log), "--format", "json"], env)
    (group,) = json.loads(out)["groups"]
    assert group["count"] == 2
    assert group["first_seen"] == "2026-11-30T10:00:00Z" and group["last_seen"] == "2026-11-30T10:00:01Z"
    diagnosis = group["diagnosis"]
    assert diagnosis["verdict"] == "confirmed" and diagnosis["cause"] == "high-restriction-country"
    assert diagnosis["evidence"]["to"] == "+2348031234567"
    assert diagnosis["evidence"]["line"] == (2 if masked_first else 1)  # the line it was read from
    _, text, _ = run(["triage", str(log), "--offline"], env)
    assert "masked" not in text
