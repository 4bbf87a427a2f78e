"""`diagnose triage` tells a group's failures from its occurrences: one failed message logged as the app's exception,
its status callback and more is one failure (as `diagnose scan` counts it) and several occurrences; errors that name
no message or call are a failure each. Text, Markdown and JSON say the same, worker processes' blocks included."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.models import Evidence
from diagnose.paste import MAX_FAILURE_SIDS, Groups, merge_duplicates
from diagnose.paste._stream import BLOCK
from tests.shared import OFFLINE_ENV

ACCOUNTS = ("AC" + "a" * 32, "AC" + "b" * 32, "AC" + "c" * 32)
FILLER = b"2026-11-30T10:00:01Z INFO GET /api/v1/users/42 200 12ms\n"


def _sid(n: int) -> str:
    return f"SM{n:032x}"


def _exception(sid: str, account: str) -> str:
    return (
        "2026-11-30T10:00:00Z ERROR twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create "
        "record: Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "
        f"+2348031234567 (code 21408, {sid}, account {account})"
    )


def _callback(sid: str, account: str, code: int = 21408) -> str:
    return (
        f"2026-11-30T10:00:02Z INFO POST /status MessageSid={sid}&MessageStatus=failed&ErrorCode={code}"
        f"&To=%2B2348031234567&AccountSid={account}"
    )


def _unnamed(account: str) -> str:
    return f"2026-11-30T10:00:03Z ERROR sms send failed code=21408 to=+2348031234567 account={account}"


def _triage(log: Path, fmt: str = "json") -> str:
    result = CliRunner().invoke(
        main, ["triage", str(log), "--offline", "--format", fmt], env=OFFLINE_ENV, catch_exceptions=False
    )
    assert result.exit_code == 1, result.stderr
    return result.stdout


def _groups(log: Path) -> dict[str | None, dict[str, Any]]:
    return {g["account_sid"]: g for g in json.loads(_triage(log))["groups"]}


def _interleaved(sids: int) -> list[str]:
    """Each of ``sids`` messages of each account failed once, logged as an exception and a callback, the
    accounts' lines interleaved, the callbacks after all the exceptions. A SID is one message, of one account."""
    lines = [_exception(_sid(i * sids + n), a) for n in range(sids) for i, a in enumerate(ACCOUNTS)]
    return lines + [_callback(_sid(i * sids + n), a) for n in range(sids) for i, a in enumerate(ACCOUNTS)]


def test_a_failure_logged_twice_is_one_failure_of_two_occurrences(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([*_interleaved(5), _unnamed(ACCOUNTS[0]), _unnamed(ACCOUNTS[0])]) + "\n")
    groups = _groups(log)
    assert {a: (g["count"], g["failures"], g["failures_at_least"]) for a, g in groups.items()} == {
        ACCOUNTS[0]: (12, 7, False),  # 5 messages twice, and 2 errors naming none
        ACCOUNTS[1]: (10, 5, False),
        ACCOUNTS[2]: (10, 5, False),
    }
    text = " ".join(_triage(log, "text").split())
    assert f"{ACCOUNTS[0]} · 7 failures (12 errors logged) ·" in text
    assert f"{ACCOUNTS[1]} · 5 failures (10 errors logged) ·" in text
    markdown = _triage(log, "markdown")
    assert f"`{ACCOUNTS[2]}` · 5 failures (10 errors logged) ·" in markdown


def test_a_group_whose_lines_are_its_failures_says_its_count_alone(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([_exception(_sid(1), ACCOUNTS[0]), _unnamed(ACCOUNTS[0]), _unnamed(ACCOUNTS[0])]) + "\n")
    (group,) = _groups(log).values()
    assert (group["count"], group["failures"], group["failures_at_least"]) == (3, 3, False)
    text = _triage(log, "text")
    assert " · 3× · " in text
    assert "failure" not in text


def test_the_workers_blocks_combine_their_sids(tmp_path: Path) -> None:
    """A log of three blocks and more is read by worker processes, each merging its block's errors: the same
    message's exception in the first block and its callback in the last are one failure."""
    quiet = FILLER * (BLOCK // len(FILLER) + 100)
    exceptions = "\n".join(_exception(_sid(n), a) for n in range(20) for a in ACCOUNTS) + "\n"
    callbacks = "\n".join(_callback(_sid(n), a) for n in range(20) for a in ACCOUNTS) + "\n"
    unnamed = "\n".join(_unnamed(a) for a in ACCOUNTS) + "\n"
    log = tmp_path / "big.log"
    log.write_bytes(exceptions.encode() + quiet + unnamed.encode() + quiet + callbacks.encode() + quiet)
    assert log.stat().st_size > 3 * BLOCK
    groups = _groups(log)
    assert {a: (g["count"], g["failures"]) for a, g in groups.items()} == {a: (41, 21) for a in ACCOUNTS}


def test_past_the_cap_a_group_says_at_least(tmp_path: Path) -> None:
    """Memory stays flat: a group keeps MAX_FAILURE_SIDS SIDs, and the failures past them are a lower bound."""
    more = MAX_FAILURE_SIDS + 50
    log = tmp_path / "app.log"
    log.write_text("\n".join(_callback(_sid(n % more), ACCOUNTS[0]) for n in range(2 * more)) + "\n")
    (group,) = _groups(log).values()
    assert (group["count"], group["failures"], group["failures_at_least"]) == (2 * more, MAX_FAILURE_SIDS, True)
    text = " ".join(_triage(log, "text").split())  # the heading may wrap
    assert f"· at least {MAX_FAILURE_SIDS:,} failures ({2 * more:,} errors logged) ·" in text


# a line of the log: (account, message number or None: an error naming no message, exception or callback)
_LINES = st.lists(
    st.tuples(st.sampled_from(ACCOUNTS), st.none() | st.integers(0, 6), st.booleans()), min_size=1, max_size=30
)


def _log(lines: list[tuple[str, int | None, bool]]) -> str:
    out = []
    for account, n, exception in lines:
        if n is None:
            out.append(_unnamed(account))
        else:
            out.append((_exception if exception else _callback)(_sid(n), account))
    return "\n".join(out) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_LINES)
def test_failures_are_each_sid_once_and_a_log_twice_fails_no_more_messages(
    tmp_path: Path, lines: list[tuple[str, int | None, bool]]
) -> None:
    once, twice = tmp_path / "once.log", tmp_path / "twice.log"
    once.write_text(_log(lines))
    twice.write_text(_log(lines) * 2)
    first, second = _groups(once), _groups(twice)
    assert first.keys() == second.keys() == {a for a, _, _ in lines}
    for account, group in first.items():
        named = {n for a, n, _ in lines if a == account and n is not None}
        unnamed = sum(1 for a, n, _ in lines if a == account and n is None)
        assert group["count"] == sum(1 for a, _, _ in lines if a == account)
        assert group["failures"] == len(named) + unnamed <= group["count"]
        # the same messages failed: only the errors that name none are new failures
        assert second[account]["count"] == 2 * group["count"]
        assert second[account]["failures"] == group["failures"] + unnamed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_LINES)
def test_the_text_says_what_the_json_says(tmp_path: Path, lines: list[tuple[str, int | None, bool]]) -> None:
    log = tmp_path / "app.log"
    log.write_text(_log(lines))
    text = " ".join(_triage(log, "text").split())
    for group in json.loads(_triage(log))["groups"]:
        count, failures = group["count"], group["failures"]
        said = (
            f"{count:,}×"
            if count == failures
            else f"{failures:,} failure{'s' * (failures != 1)} ({count:,} errors logged)"
        )
        assert re.search(rf"{group['account_sid']} · {re.escape(said)} · ", text), (said, text)


@given(st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.none() | st.integers(0, 6)), max_size=40), st.integers(1, 5))
def test_blocks_merged_apart_then_grouped_count_as_one_reading(
    errors: list[tuple[str, int | None]], blocks: int
) -> None:
    """A worker merges its block (merge_duplicates, by record); the grouping of the blocks' merges has the
    failures and occurrences of one grouping of every error."""
    evidence = [
        Evidence(kind="paste", code=21408, account_sid=a, message_sid=_sid(n) if n is not None else None, country="NG")
        for a, n in errors
    ]
    whole, parts = Groups(), Groups()
    for e in evidence:
        whole.add(e)
    for start in range(blocks):
        for merged in merge_duplicates(evidence[start::blocks]):
            parts.add(merged)

    def told(groups: Groups) -> dict[str | None, tuple[int, object]]:
        return {e.account_sid: (e.count, f) for e, f in zip(groups.evidence(), groups.failures(), strict=True)}

    assert told(whole) == told(parts)


def test_the_first_screen_leads_with_failures_and_json_adds_them(tmp_path: Path) -> None:
    """The headline, each step, its countries and the table say how many messages failed first, then how many
    errors logged them; JSON keeps ``errors`` and ``count`` as they were and adds ``failures`` beside them."""
    log = tmp_path / "app.log"
    log.write_text("\n".join([*_interleaved(5), _unnamed(ACCOUNTS[0]), _unnamed(ACCOUNTS[0])]) + "\n")
    doc = json.loads(_triage(log))
    assert (doc["errors"], doc["failures"], doc["failures_at_least"]) == (32, 17, False)
    (step,) = doc["next_steps"]
    assert (step["errors"], step["failures"], step["failures_at_least"]) == (32, 17, False)
    assert {t["account_sid"]: (t["errors"], t["failures"]) for t in step["targets"]} == {
        ACCOUNTS[0]: (12, 7),
        ACCOUNTS[1]: (10, 5),
        ACCOUNTS[2]: (10, 5),
    }
    assert step["targets"][0]["countries"] == [{"country": "NG", "errors": 12, "failures": 7}]
    text = _triage(log, "text")
    lines = text.splitlines()
    assert lines[0].startswith(f"{log}: 17 failures (32 Twilio errors logged) in 3 groups (")
    flat = " ".join(text.split())
    assert "· 17 failures (32 errors logged) · groups 1, 2, 3" in flat
    assert f"SMS on {ACCOUNTS[0]}: NG 7" in flat
    header = next(line for line in lines if line.startswith("#  "))
    assert header.split()[:4] == ["#", "failures", "errors", "code"]
    row = lines[lines.index(header) + 1].split()
    assert row[:4] == ["1", "7", "12", "21408"]
    markdown = _triage(log, "markdown")
    assert markdown.startswith(f"# `{log}`: 17 failures (32 Twilio errors logged) in 3 groups (")
    assert "| # | failures | errors | code |" in markdown
    assert "| 1 | 7 | 12 | 21408 |" in markdown


def test_where_each_error_is_a_failure_the_first_screen_counts_errors_alone(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([_exception(_sid(1), ACCOUNTS[0]), _unnamed(ACCOUNTS[0])]) + "\n")
    text = _triage(log, "text")
    assert text.startswith(f"{log}: 2 Twilio errors in 1 group (")
    assert "· 2 errors · group 1" in " ".join(text.split())
    assert next(line for line in text.splitlines() if line.startswith("#  ")).split()[:3] == ["#", "count", "code"]
    assert json.loads(_triage(log))["failures"] == 2


def test_the_group_and_step_with_most_failures_come_first_not_the_one_logged_most(tmp_path: Path) -> None:
    """One message to Nigeria logged 29 times (and one error naming none) is 2 failures of 30 errors; ten calls
    to Great Britain, each logged once, are 10 failures: the calls come first, in the table and in What to do."""
    sms = [_callback(_sid(1), ACCOUNTS[0]) for _ in range(29)] + [_unnamed(ACCOUNTS[0])]
    calls = [f"2026-11-30T10:00:04Z ERROR call failed code=21215 to=+447400123456 account={ACCOUNTS[1]}"] * 10
    log = tmp_path / "app.log"
    log.write_text("\n".join(sms + calls) + "\n")
    doc = json.loads(_triage(log))
    assert [(g["code"], g["failures"], g["count"]) for g in doc["groups"]] == [(21215, 10, 10), (21408, 2, 30)]
    assert [(s["code"], s["groups"]) for s in doc["next_steps"]] == [(21215, [1]), (21408, [2])]
    text = _triage(log, "text")
    what_to_do = text.split("\n#")[0]
    assert what_to_do.index("21215") < what_to_do.index("21408")


def test_a_message_that_failed_with_two_codes_is_one_failure_of_the_total(tmp_path: Path) -> None:
    """Three messages, each refused with 21408 (the app's exception) and reported 30007 by its callback, sit in
    two groups, three failures each: the first line said '6 Twilio errors in 2 groups' and JSON 'failures' 6,
    adding up the groups' failures. Three messages failed."""
    log = tmp_path / "app.log"
    lines = [_exception(_sid(n), ACCOUNTS[0]) for n in range(3)] + [
        _callback(_sid(n), ACCOUNTS[0], 30007) for n in range(3)
    ]
    log.write_text("\n".join(lines) + "\n")
    doc = json.loads(_triage(log))
    assert sorted((g["code"], g["count"], g["failures"]) for g in doc["groups"]) == [(21408, 3, 3), (30007, 3, 3)]
    assert (doc["errors"], doc["failures"], doc["failures_at_least"]) == (6, 3, False)
    assert _triage(log, "text").startswith(f"{log}: 3 failures (6 Twilio errors logged) in 2 groups (")
    assert _triage(log, "markdown").startswith(f"# `{log}`: 3 failures (6 Twilio errors logged) in 2 groups (")


def test_past_the_cap_the_total_is_a_lower_bound_of_the_distinct_failures(tmp_path: Path) -> None:
    """Each of MAX_FAILURE_SIDS + 50 messages failed with two codes: each group keeps MAX_FAILURE_SIDS of them;
    the total is at least as many, never their sum (which is more messages than failed)."""
    more = MAX_FAILURE_SIDS + 50
    log = tmp_path / "app.log"
    lines = [_callback(_sid(n), ACCOUNTS[0], code) for code in (21408, 30007) for n in range(more)]
    log.write_text("\n".join(lines) + "\n")
    doc = json.loads(_triage(log))
    assert [(g["failures"], g["failures_at_least"]) for g in doc["groups"]] == [(MAX_FAILURE_SIDS, True)] * 2
    assert (doc["failures"], doc["failures_at_least"]) == (MAX_FAILURE_SIDS, True)
    assert doc["failures"] <= more
    first = _triage(log, "text").splitlines()[0]
    assert first.startswith(f"{log}: at least {MAX_FAILURE_SIDS:,} failures ({2 * more:,} Twilio errors logged)")


@given(
    st.lists(st.tuples(st.none() | st.integers(0, 6), st.sampled_from((21408, 30007, 21215))), min_size=1, max_size=30)
)
def test_the_total_counts_each_sid_once_whatever_its_groups(errors: list[tuple[int | None, int]]) -> None:
    """Groups.failed(): one failure per SID over every group, one per error naming none."""
    groups = Groups()
    for n, code in errors:
        sid = _sid(n) if n is not None else None
        groups.add(Evidence(kind="paste", code=code, account_sid=ACCOUNTS[0], message_sid=sid, country="NG"))
    failed = groups.failed()
    named = {n for n, _ in errors if n is not None}
    assert (failed.count, failed.at_least) == (len(named) + sum(1 for n, _ in errors if n is None), False)
    assert failed.count <= sum(f.count for f in groups.failures())
