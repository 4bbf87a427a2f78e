"""Several subjects in one command: one entry each, shared reads made once, a bad SID does not sink the rest.

Against the simulator on 127.0.0.1 with the real ``twilio`` client; the
request counts come from the simulator's own request log.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.errors import CredentialsError, InputError
from diagnose.gateway import Credentials, TwilioAccess
from diagnose.knowledge import load_knowledge
from diagnose.models import Evidence
from diagnose.pipeline import diagnose_online, diagnose_sids
from diagnose.plan import EvidenceSubject
from diagnose.simulator import DEMO_SCENARIO, Simulator

MAIN = "AC827b9cd0b030dcac3e225df5797efde0"
SUPPORT = "AC15bf105506e1d44cb84ba12ca58143a1"  # Acme Support: PR disabled, enabled on its parent
PR_SIDS = ["SM" + f"{0xB47C0 + n:032x}" for n in range(3)]
FAST = {"timeout": 2.0, "max_retry_time": 2.0, "backoff_base": 0.05}


def batch_scenario() -> dict[str, Any]:
    """The demo scenario, plus two more failed messages of Acme Support to Puerto Rico (three in all)."""
    scenario = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    support = next(a for a in scenario["accounts"] if a["sid"] == SUPPORT)
    (template,) = [m for m in support["messages"] if m["case"] == "subaccount-mismatch"]
    support["messages"] = [
        {**copy.deepcopy(template), "sid": sid, "case": f"pr-{n}", "to": f"+1787231664{n}"}
        for n, sid in enumerate(PR_SIDS)
    ]
    return scenario


@pytest.fixture
def batch_sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim(batch_scenario())


def run(sim: Simulator, args: list[str], token: str | None = None) -> tuple[int, str, str]:
    env = {
        "NO_COLOR": "1",
        "TWILIO_ACCOUNT_SID": MAIN,
        "TWILIO_AUTH_TOKEN": token or sim.accounts[MAIN]["auth_token"],
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "DIAGNOSE_API_URL": sim.url,
    }
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def count(sim: Simulator, path: str, credential: str | None = None, **query: str) -> int:
    return sum(
        1
        for r in sim.requests
        if r["path"] == path
        and (credential is None or r["credential"] == credential)
        and all(r["query"].get(k) == v for k, v in query.items())
    )


def test_three_messages_of_one_subaccount_read_account_parent_and_country_once(batch_sim: Simulator) -> None:
    code, out, err = run(batch_sim, [*PR_SIDS, "--account", SUPPORT, "--format", "json"])
    diagnoses = json.loads(out)["diagnoses"]
    assert code == 0, err
    assert [d["subject"]["sid"] for d in diagnoses] == PR_SIDS  # one entry each, in input order
    assert {d["cause"] for d in diagnoses} == {"subaccount-mismatch"}
    assert count(batch_sim, f"/2010-04-01/Accounts/{SUPPORT}.json") == 1
    assert count(batch_sim, f"/2010-04-01/Accounts/{MAIN}.json") == 1
    geo = "/v1/Messaging/GeoPermissions"
    assert count(batch_sim, geo, SUPPORT, CountryCode="PR") == 1  # the subaccount's, read as itself
    assert count(batch_sim, geo, MAIN, CountryCode="PR") == 1  # its parent's
    for sid in PR_SIDS:
        assert count(batch_sim, f"/2010-04-01/Accounts/{SUPPORT}/Messages/{sid}.json") == 1
    assert len(batch_sim.requests) == 7  # 3 messages + 2 accounts | 2 permissions
    round_one = [r for r in batch_sim.requests if r["path"].startswith("/2010-04-01/")]
    round_two = [r for r in batch_sim.requests if r["path"] == geo]
    assert min(r["start"] for r in round_two) >= max(r["end"] for r in round_one) - 0.001  # round 2 waits for 1
    # Each report lists the requests it used, shared ones included: two round trips.
    for d in diagnoses:
        assert sum("GeoPermissions" in line for line in d["requests"]) == 2
        assert sum("/Messages/" in line for line in d["requests"]) == 1


def test_without_account_the_subaccounts_are_listed_once_for_all_three(batch_sim: Simulator) -> None:
    code, out, _ = run(batch_sim, [*PR_SIDS, "--format", "json"])
    assert code == 0
    assert [d["cause"] for d in json.loads(out)["diagnoses"]] == ["subaccount-mismatch"] * 3
    assert count(batch_sim, "/2010-04-01/Accounts.json") == 1
    assert count(batch_sim, f"/2010-04-01/Accounts/{SUPPORT}.json") == 0  # its row in the listing serves
    assert count(batch_sim, "/v1/Messaging/GeoPermissions", SUPPORT, CountryCode="PR") == 1
    assert count(batch_sim, "/v1/Messaging/GeoPermissions", MAIN, CountryCode="PR") == 1


def access_for(sim: Simulator, token: str | None = None) -> TwilioAccess:
    creds = Credentials(MAIN, MAIN, token or sim.accounts[MAIN]["auth_token"])
    return TwilioAccess(creds, api_url=sim.url, **FAST)


def test_the_batch_takes_two_round_trips(batch_sim: Simulator) -> None:
    from diagnose.gateway import fetch_contexts
    from diagnose.plan import SidSubject

    with access_for(batch_sim) as access:
        results = fetch_contexts([SidSubject.parse(sid, SUPPORT) for sid in PR_SIDS], access)
    for result in results:
        assert result.context is not None
        rounds = [r.round for r in result.context.requests]
        assert rounds == [1, 1, 1, 2, 2]  # its message and the two accounts | the two permissions


def test_each_batch_is_announced_with_the_answers_before_it(batch_sim: Simulator) -> None:
    """What the pipeline prepares while a round is in flight: the codes the earlier rounds fetched."""
    from diagnose.gateway import fetch_contexts
    from diagnose.plan import SidSubject, fetched_codes

    announced: list[dict[object, object]] = []
    with access_for(batch_sim) as access:
        fetch_contexts([SidSubject.parse(sid, SUPPORT) for sid in PR_SIDS], access, on_round=announced.append)
    first, second = announced  # two rounds: nothing known yet, then the messages and the accounts
    assert first == {}
    assert {read.what for read in second} == {"message", "account"}
    assert fetched_codes(second) == [21408]  # three messages, one code


def test_a_batch_is_under_way_once_each_of_its_reads_has_sent_or_finished(batch_sim: Simulator) -> None:
    """``under_way`` is heard exactly once per batch, before its answers, whether requests were sent or not."""
    import threading

    from diagnose.gateway import ReadCache, run_reads
    from diagnose.plan import account, messaging_permissions

    heard: list[int] = []
    cache = ReadCache()
    reads = [account(MAIN), account(SUPPORT), messaging_permissions(MAIN, ["PR"])]
    lock = threading.Lock()

    def under_way() -> None:
        with lock:
            heard.append(len(cache))  # nothing of this batch is answered yet

    with access_for(batch_sim) as access:
        batch_sim.clear_requests()
        first = run_reads(access, reads, cache, under_way=under_way)
        assert heard == [0] and len(batch_sim.requests) == 3 and all(a.ok for a in first.values())
        again = run_reads(access, reads, cache, under_way=under_way)  # all answered from the cache: no request
        assert heard == [0, 3] and len(batch_sim.requests) == 3 and again == first
    with TwilioAccess(Credentials(MAIN, MAIN, "x"), api_url="http://127.0.0.1:9", **FAST) as unreachable:
        (failed,) = run_reads(unreachable, [account(MAIN)], under_way=lambda: heard.append(-1)).values()
    assert not failed.ok and heard[-1] == -1 and heard.count(-1) == 1


def test_a_sid_found_nowhere_becomes_an_entry_and_the_others_are_diagnosed(batch_sim: Simulator) -> None:
    missing = "SM" + "0" * 32
    kb = load_knowledge()
    with access_for(batch_sim) as access:
        report = diagnose_sids([PR_SIDS[0], missing, "SM123", PR_SIDS[1]], access, kb)
    first, lost, bad, last = report.diagnoses
    assert first.cause == last.cause == "subaccount-mismatch"
    assert (lost.verdict, lost.problem_kind, lost.subject.sid) == ("unavailable", "not-found", missing)
    assert "was not found under any account you can reach (searched 4 accounts)" in lost.problem
    assert (bad.verdict, bad.problem_kind, bad.subject.sid) == ("unavailable", "input", "SM123")
    assert "not a message SID" in bad.problem
    assert count(batch_sim, "/2010-04-01/Accounts.json") == 1  # the search is shared by the two lost SIDs


def test_a_lone_sid_found_nowhere_is_an_entry_too(batch_sim: Simulator) -> None:
    with access_for(batch_sim) as access:
        (entry,) = diagnose_sids(["CA" + "0" * 32], access, load_knowledge()).diagnoses
    assert (entry.verdict, entry.problem_kind, entry.subject.kind) == ("unavailable", "not-found", "call")


def test_rejected_credentials_fail_the_whole_command(batch_sim: Simulator) -> None:
    with access_for(batch_sim, token="0" * 32) as access, pytest.raises(CredentialsError, match="rejected"):
        diagnose_sids(PR_SIDS, access, load_knowledge())


def test_only_malformed_sids_are_a_usage_error_before_any_request(batch_sim: Simulator) -> None:
    with access_for(batch_sim) as access, pytest.raises(InputError):
        diagnose_sids(["SM1", "CA2"], access, load_knowledge())
    with access_for(batch_sim) as access, pytest.raises(InputError, match="account SID"):
        diagnose_sids(PR_SIDS, access, load_knowledge(), account="AC1")
    assert batch_sim.requests == []


def test_several_malformed_sids_are_all_named_in_the_one_line() -> None:
    # It named only the first: the user fixed it, ran again, and met the next.
    result = CliRunner().invoke(main, ["SM1", "CA2", "SMxyz"], env={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""})
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "'SM1' is not a message SID" in result.stderr
    assert "2 more are malformed too: 'CA2', 'SMxyz'" in result.stderr


def test_evidence_in_hand_is_diagnosed_with_its_account_and_parent(batch_sim: Simulator) -> None:
    """A pasted 21408 for Acme Support to Puerto Rico: the same cause as the SID gives, from the reads alone."""
    evidence = Evidence(kind="paste", code=21408, account_sid=SUPPORT, to="+17872316644", format="text")
    with access_for(batch_sim) as access:
        (entry,) = diagnose_online([EvidenceSubject(evidence)], access, load_knowledge()).diagnoses
    assert (entry.verdict, entry.cause) == ("confirmed", "subaccount-mismatch")
    assert count(batch_sim, "/v1/Messaging/GeoPermissions", SUPPORT, CountryCode="PR") == 1
    assert not [r for r in batch_sim.requests if "/Messages/" in r["path"]]  # no resource to read


# --- the executor ------------------------------------------------------------------------


def test_run_reads_answers_from_the_run_cache_and_never_asks_twice(batch_sim: Simulator) -> None:
    from diagnose import plan
    from diagnose.gateway import ReadCache, run_reads

    cache = ReadCache()
    reads = [
        plan.accounts_list(),
        plan.messaging_permissions(SUPPORT, ["PR", "US"]),
        plan.voice_country(SUPPORT, "GB"),
        plan.voice_settings(SUPPORT),
        plan.voice_prefixes("GB"),
    ]
    with access_for(batch_sim) as access:
        first = run_reads(access, reads[:1], cache)  # the listing carries the subaccounts' tokens
        answers = run_reads(access, reads, cache)
        again = run_reads(access, reversed(reads), cache)
    assert first[reads[0]].ok and {r["sid"] for r in first[reads[0]].value} == set(batch_sim.accounts)
    assert plan.permissions_of(answers[reads[1]].value) == {"PR": False, "US": True}
    assert answers[reads[2]].value["low_risk_numbers_enabled"] is False
    assert answers[reads[3]].value["dialing_permissions_inheritance"] is False
    assert {p["prefix"] for p in answers[reads[4]].value} == {"+4470", "+4487"}
    assert again == answers and len(cache) == len(reads)
    assert len(batch_sim.requests) == len(reads)  # each read once; no Account read for the token
    assert [r.round for r in cache.log.records] == [1, 2, 2, 2, 2]


def test_a_failed_read_is_an_answer_with_its_reason(batch_sim: Simulator) -> None:
    from diagnose import plan
    from diagnose.gateway import run_reads

    with access_for(batch_sim) as access:
        (answer,) = run_reads(access, [plan.voice_country(MAIN, "ZZ")]).values()
    assert (answer.ok, answer.kind, answer.status) == (False, "not-found", 404)
    assert answer.request == "GET https://voice.twilio.com/v1/DialingPermissions/Countries/ZZ"


def test_search_probes_stop_once_the_sid_is_found(batch_sim: Simulator) -> None:
    from diagnose.gateway import fetch_context

    sandbox = next(sid for sid, a in batch_sim.accounts.items() if a["parent"] and sid != SUPPORT)
    listed = [a for a in batch_sim.accounts if a != MAIN]
    assert listed.index(SUPPORT) < listed.index(sandbox)  # the listing names Support first
    with access_for(batch_sim) as access:
        access.max_workers = 1  # one probe at a time, in listing order
        context = fetch_context(PR_SIDS[0], access)
    assert context.account.value["sid"] == SUPPORT
    assert count(batch_sim, f"/2010-04-01/Accounts/{sandbox}/Messages/{PR_SIDS[0]}.json") == 0
    # The note counts the accounts listed, not the probes that ran (timing decides those).
    assert any(f"searching the {len(batch_sim.accounts)} accounts the credentials list" in n for n in context.notes)


# --- the command line: one entry each, the worst exit code -------------------------------


def test_cli_batch_with_a_sid_found_nowhere_exits_3_and_keeps_the_others(batch_sim: Simulator) -> None:
    missing = "SM" + "f" * 32
    code, out, err = run(batch_sim, [PR_SIDS[0], missing, "--format", "json"])
    first, lost = json.loads(out)["diagnoses"]
    assert code == 3, err
    assert first["verdict"] == "confirmed" and first["subject"]["sid"] == PR_SIDS[0]
    assert (lost["verdict"], lost["problem_kind"]) == ("unavailable", "not-found")
    assert lost["subject"] == {"kind": "message", "sid": missing}


def test_cli_batch_text_names_the_missing_sid_and_why(batch_sim: Simulator) -> None:
    missing = "CA" + "f" * 32
    code, out, _ = run(batch_sim, [PR_SIDS[0], missing])
    assert code == 3
    assert missing in out and "was not found under any account you can reach" in " ".join(out.split())  # wrapped
    assert "subaccount-mismatch" in out


def test_cli_malformed_sid_among_good_ones_is_an_entry_with_exit_2(batch_sim: Simulator) -> None:
    code, out, _ = run(batch_sim, [PR_SIDS[0], "SM123", "--format", "json"])
    good, bad = json.loads(out)["diagnoses"]
    assert code == 2
    assert good["verdict"] == "confirmed"
    assert (bad["verdict"], bad["problem_kind"], bad["subject"]["sid"]) == ("unavailable", "input", "SM123")


def test_cli_lone_sid_found_nowhere_is_a_report_with_exit_3(batch_sim: Simulator) -> None:
    code, out, _ = run(batch_sim, ["SM" + "f" * 32, "--format", "json"])
    (entry,) = json.loads(out)["diagnoses"]
    assert code == 3 and entry["problem_kind"] == "not-found"


def test_cli_rejected_credentials_are_one_error_for_the_whole_batch(batch_sim: Simulator) -> None:
    code, out, err = run(batch_sim, [*PR_SIDS, "--format", "json"], token="0" * 32)
    assert code == 3 and out == ""
    assert err.count("diagnose: error:") == 1 and "rejected" in err


def test_cli_only_malformed_sids_exit_2_before_credentials_or_requests(batch_sim: Simulator) -> None:
    result = CliRunner().invoke(main, ["SM1", "CA2"], env={"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""})
    assert result.exit_code == 2 and "not a message SID" in result.stderr
    assert batch_sim.requests == []
