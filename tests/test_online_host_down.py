"""A host that stops answering is not asked again in the same run.

After a timeout, a refused connection or a connection reset on a host, the reads the planner still
has for that host in the run are not sent: each is an unread slot whose reason names the first
failure ("not tried after …"), its facts stay unknown, and no cause is confirmed on them. A 4xx is an
answer about one resource and changes nothing; a 429 or 5xx keeps its retries
(docs/twilio-access.md, "Retries, timeouts and the request log").

The servers are real sockets on 127.0.0.1 (tests/hostile_servers.py, the simulator) and the client is
the real twilio client behind the gateway. The wall times are bounds on a hang, not speed tests: a
run against a server that never answers costs one ``--timeout`` (T), where it cost two; each bound
leaves most of a T for start-up on a loaded machine and still fails at 2 T.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from typing import Any

import pytest
from click.testing import CliRunner

from diagnose import plan
from diagnose.cli import main
from diagnose.gateway import Credentials, ReadCache, TwilioAccess, run_reads
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.hostile_servers import raw_server, respond
from tests.shared import OFFLINE_ENV

PARENT, PARENT_TOKEN = "AC827b9cd0b030dcac3e225df5797efde0", "d836620b9e1ecfc6bed9d6bd980ace58"
SUPPORT = "AC15bf105506e1d44cb84ba12ca58143a1"
SANDBOX = "AC9443be59ab005b28d706163ac4ebacca"
T = 2.0  # --timeout of the timed runs
BOUND = 2 * T - 0.3  # one timeout and start-up pass; two timeouts (the old cost) never do


def run(args: list[str], stdin: str, env: dict[str, str]) -> tuple[int, str, str, float]:
    started = time.monotonic()
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr, time.monotonic() - started


def online(url: str, account: str = PARENT, token: str = PARENT_TOKEN) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": url}


def diagnoses(command: str, out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    return data["diagnoses"] if command == "-" else [g["diagnosis"] for g in data["groups"]]


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Accept, read the request, never answer (until the server stops)."""
    stop.wait()


def reset(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then reset the connection (RST, no answer)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Import what an online run imports, so that the first timed run does not pay for it."""
    import twilio.rest  # noqa: F401

    from diagnose.knowledge import load_knowledge

    load_knowledge()
    CliRunner().invoke(main, ["-", "--offline"], input=ONE, env=OFFLINE_ENV)


ONE = "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678\n"
TWO = (
    f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={SUPPORT}\n"
    f"2026-11-30T10:00:01Z ERROR code=21408 to=+4915123456789 account={PARENT}\n"
)
ACCOUNTS = [PARENT, SUPPORT, SANDBOX]
NUMBERS = ["+17875550123", "+33612345678", "+2348031234567", "+4915123456789"]  # PR, FR, NG, DE
MANY = "".join(
    f"2026-11-30T10:{i // 60:02d}:{i % 60:02d}Z ERROR code=21408 to={NUMBERS[i % 4]} account={ACCOUNTS[i % 3]}\n"
    for i in range(500)
)


# --- a server that never answers: one timeout, not two ----------------------------------------------


@pytest.mark.parametrize("paste", [ONE, TWO, MANY], ids=["one-error", "two-accounts", "500-errors-3-accounts"])
@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_server_that_never_answers_costs_one_timeout(paste: str, command: list[str]) -> None:
    # It cost two: the accounts' reads timed out, then the credentials' own permission read was sent to
    # the same silent host and timed out again.
    with raw_server(silent, lifetime=4 * T) as (url, log):
        code, out, err, took = run([*command, "--timeout", f"{T:g}"], paste, online(url))
        heads = list(log.heads)
    assert (code, out) == (3, ""), (code, out[:500])
    assert took < BOUND, took
    assert err.count("\n") == 1 and f"did not answer within {T:g} s" in err, err
    assert heads and not [h for h in heads if b" /v1/" in h], heads  # nothing sent after the first timeout


def test_a_sid_against_a_server_that_never_answers_costs_one_timeout() -> None:
    with raw_server(silent, lifetime=4 * T) as (url, _):
        code, out, err, took = run(["SM" + "a" * 32, "--timeout", f"{T:g}"], "", online(url))
    assert (code, out) == (3, "") and f"did not answer within {T:g} s" in err
    assert took < BOUND, took


def test_a_refused_connection_is_not_tried_again() -> None:
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        creds = Credentials(PARENT, PARENT, PARENT_TOKEN)
        reads = [plan.account(PARENT), plan.messaging_permissions(PARENT, ["FR"])]
        with TwilioAccess(creds, api_url=url, timeout=T) as access:
            first = run_reads(access, reads[:1], cache := ReadCache())
            second = run_reads(access, reads[1:], cache)
    (failed,) = first.values()
    (skipped,) = second.values()
    assert failed.kind == "unreachable" and "could not connect to 127.0.0.1" in str(failed.error)
    assert skipped.kind == "unreachable" and not skipped.ok
    assert str(skipped.error).startswith(
        f"not tried after GET https://api.twilio.com/2010-04-01/Accounts/{PARENT}.json"
    )
    assert "could not connect to 127.0.0.1" in str(skipped.error)
    assert skipped.records == ()  # no exchange: nothing was sent


def test_a_reset_connection_is_retried_as_before_then_the_host_is_not_tried_again() -> None:
    # A dropped connection on a GET is retried (the retry policy); once the retries give up, the run
    # sends that host nothing more: the permission read is never sent.
    creds = Credentials(PARENT, PARENT, PARENT_TOKEN)
    reads = [plan.account(PARENT), plan.messaging_permissions(PARENT, ["FR"])]
    with raw_server(reset) as (url, log):
        with TwilioAccess(creds, api_url=url, timeout=T, backoff_base=0.01, max_retry_time=2) as access:
            cache = ReadCache()
            first = run_reads(access, reads[:1], cache)
            second = run_reads(access, reads[1:], cache)
        heads = list(log.heads)
    (failed,) = first.values()
    (skipped,) = second.values()
    assert failed.kind == "unreachable" and failed.records[0].attempts > 1  # retried, as a GET always was
    assert "not tried after" in str(skipped.error)
    assert heads and all(f"/Accounts/{PARENT}.json".encode() in h for h in heads), heads


def test_a_new_run_tries_the_host_again() -> None:
    # The hosts that failed are the run's (its ReadCache's): one open TwilioAccess serving one call after
    # another (a webhook receiver) asks again in the next.
    creds = Credentials(PARENT, PARENT, PARENT_TOKEN)
    read = plan.account(PARENT)
    with raw_server(silent, lifetime=4 * T) as (url, log):
        with TwilioAccess(creds, api_url=url, timeout=0.5) as access:
            for _ in range(2):
                (answer,) = run_reads(access, [read], ReadCache()).values()
                assert answer.kind == "unreachable" and "did not answer within 0.5 s" in str(answer.error)
        assert log.connections == 2


# --- a host that answers some reads and hangs on others -----------------------------------------------


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_permission_reads_left_after_a_timeout_are_unread_and_decide_nothing(
    command: list[str],
) -> None:
    # 12 permission reads (3 accounts x 4 countries), 8 at a time: the first 8 timed out together, then
    # the other 4 were sent to the same silent host and timed out again (2 T).
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", delay_ms=int(3 * T * 1000))
        code, out, err, took = run([*command, "--format", "json", "--timeout", f"{T:g}"], MANY, online(sim.url))
        (held,) = sim.faults
        sent = held.hits  # the permission reads that reached the server (each held past the timeout)
    assert code == 1, err
    assert took < BOUND, took
    assert 1 <= sent <= 8, sent  # the first wave only (8 at a time), not the 12
    found = diagnoses(command[0], out)
    assert len(found) == 12 and sum(d["evidence"]["count"] for d in found) == 500
    assert all(d["verdict"] != "confirmed" for d in found), [d["verdict"] for d in found]
    for d in found:
        assert all(c["status"] != "confirmed" for c in d["causes"])
        assert "Not confirmed online" in d["summary"], d["summary"]
    unread = [f["reason"] for d in found for f in d["facts"].values() if not f["known"]]
    skipped = [r for r in unread if "not tried after GET https://accounts.twilio.com/v1/Messaging/GeoPermissions" in r]
    assert skipped and all(f"did not answer within {T:g} s" in r for r in skipped), unread[:5]


VOICE_THEN_SMS = "".join(
    f"2026-11-30T10:00:0{i}Z ERROR call failed: error 13227 to={n} account={PARENT}\n"
    for i, n in enumerate(
        ["+2348031234567", "+525512345678", "+33612345678", "+4915123456789", "+447400123456", "+34612345678"]
    )
) + (
    f"2026-11-30T10:01:00Z ERROR code=21408 to=+33612345678 account={SUPPORT}\n"
    f"2026-11-30T10:01:01Z ERROR code=21408 to=+4915123456789 account={PARENT}\n"
)


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_behind_api_url_a_product_that_hangs_stops_that_product_alone(command: list[str]) -> None:
    # Every product goes to the one --api-url server; its voice dialing permissions hang, the rest answers.
    # The voice reads, 8 at a time, timed out together with nothing answered meanwhile, and the server was
    # taken for dead: the SMS permission reads queued behind them were not sent ('not tried after GET
    # https://voice.twilio.com/v1/DialingPermissions/…'), so the two 21408s were inconclusive, where
    # accounts.twilio.com would have answered them, as it does without --api-url (a host of its own).
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        sim.add_fault(match="GET ^/v1/DialingPermissions", delay_ms=int(3 * T * 1000))
        code, out, err, _ = run([*command, "--format", "json", "--timeout", f"{T:g}"], VOICE_THEN_SMS, online(sim.url))
        asked = [r["path"] for r in sim.requests]
    assert code == 1, err
    found = diagnoses(command[0], out)
    sms = [d for d in found if d["error"]["code"] == 21408]
    assert len(sms) == 2 and asked.count("/v1/Messaging/GeoPermissions") >= 2, asked
    assert [d["verdict"] for d in sms] == ["confirmed", "confirmed"], [d["summary"] for d in sms]
    voice = [d for d in found if d["error"]["code"] == 13227]
    assert len(voice) == 6 and all(d["verdict"] != "confirmed" for d in voice)


# --- what does not stop a run: a 4xx, a 5xx (retried as before) ------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_4xx_does_not_stop_the_reads_of_its_host(sim: Simulator, status: int) -> None:
    # An account's read refused (a per-resource answer): the other accounts, and their permissions, are read.
    sim.add_fault(match=f"GET ^/2010-04-01/Accounts/{SANDBOX}.json$", status=status)
    code, out, err, _ = run(["-", "--format", "json"], MANY, online(sim.url))
    assert code == 1, err
    found = diagnoses("-", out)
    confirmed = {d["evidence"]["account_sid"] for d in found if d["verdict"] == "confirmed"}
    assert confirmed == {PARENT, SUPPORT}
    assert any(r["path"] == "/v1/Messaging/GeoPermissions" for r in sim.requests)
    assert not [f for d in found for f in d["facts"].values() if "not tried after" in str(f["reason"])]


def test_a_5xx_of_one_resource_is_retried_and_does_not_stop_the_reads_of_its_host(sim: Simulator) -> None:
    # The other accounts' reads are answered while this one is retried (each attempt held 0.3 s, so the
    # three end well after them): one broken resource is no host down.
    sim.add_fault(match=f"GET ^/2010-04-01/Accounts/{SANDBOX}.json$", status=503, retry_after=0, delay_ms=300)
    code, out, err, _ = run(["-", "--format", "json"], MANY, online(sim.url))
    assert code == 1, err
    tries = [r for r in sim.requests if r["path"] == f"/2010-04-01/Accounts/{SANDBOX}.json"]
    assert len(tries) == 3  # a 5xx is asked three times (a 429 six)
    found = diagnoses("-", out)
    confirmed = {d["evidence"]["account_sid"] for d in found if d["verdict"] == "confirmed"}
    assert confirmed == {PARENT, SUPPORT}
    assert not [f for d in found for f in d["facts"].values() if "not tried after" in str(f["reason"])]


# --- a host that answers every request with a server error: a few seconds, not one budget per read ----------


UNAVAILABLE = b'{"code": 20503, "message": "Service Unavailable", "more_info": "", "status": 503}'


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_host_that_answers_503_to_everything_is_asked_three_times_in_all(command: list[str]) -> None:
    # It was asked ten times over 11-17 s: the account read five times within its 10 s budget, then the
    # permission read, to the same host, five times more. A 5xx is now asked three times (within 3 s), and
    # a host that answered nothing else meanwhile is asked nothing more in the run, as a silent one.
    with raw_server(respond("503 Service Unavailable", UNAVAILABLE)) as (url, log):
        code, out, err, _ = run(command, ONE, online(url))
        heads = list(log.heads)
    assert (code, out) == (3, ""), (code, out[:500])
    assert err.count("\n") == 1 and 'HTTP 503, code 20503 "Service Unavailable", still after 3 attempts' in err, err
    assert len(heads) == 3 and all(f"/Accounts/{PARENT}.json".encode() in h for h in heads), heads


THROTTLED = b'{"code": 20429, "message": "Too Many Requests", "more_info": "", "status": 429}'


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_host_that_answers_429_to_everything_is_not_asked_again_after_one_read(command: list[str]) -> None:
    # A 429 is waited out as before (six attempts, Retry-After honoured), but a run whose host served
    # nothing but 429s does not send its next read to be throttled again: 12 requests (16 s without a
    # Retry-After), now 6 (9 s).
    with raw_server(respond("429 Too Many Requests", THROTTLED, {"Retry-After": "0"})) as (url, log):
        code, out, err, _ = run(command, ONE, online(url))
        heads = list(log.heads)
    assert (code, out) == (3, "")
    assert 'HTTP 429, code 20429 "Too Many Requests", still after 6 attempts' in err, err
    assert len(heads) == 6 and all(f"/Accounts/{PARENT}.json".encode() in h for h in heads), heads


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_diagnosis_waits_for_429s_within_its_budget_and_says_twilio_is_rate_limiting(command: list[str]) -> None:
    # Each Retry-After: 1 was waited out within the request's 10 s budget: six attempts (about 5 s; about 9 s
    # without a Retry-After), then 'HTTP 429 …, still after 6 attempts', which did not say who was limiting.
    # A diagnosis now waits for 429s at most 3 s in all (DIAGNOSIS_THROTTLE_BUDGET), then says so.
    with raw_server(respond("429 Too Many Requests", THROTTLED, {"Retry-After": "1"})) as (url, log):
        code, out, err, _ = run(command, ONE, online(url))
        heads = list(log.heads)
    assert (code, out) == (3, "")
    assert 2 <= len(heads) <= 3, heads
    assert "the 3 s a diagnosis waits for 429s in all" in err, err
    assert "Twilio is rate-limiting these credentials; try again in a minute" in err, err
    assert err.count("\n") == 1, err


def test_a_503s_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    # Retry-After: 5 was waited out once within the 10 s budget, for each of the two reads (4 requests, 11 s).
    with raw_server(respond("503 Service Unavailable", UNAVAILABLE, {"Retry-After": "5"})) as (url, log):
        code, out, err, _ = run(["-"], ONE, online(url))
        heads = list(log.heads)
    assert (code, out) == (3, "")
    assert "Retry-After asked for 5 s, beyond the 3.0 s left of the 3 s retry budget (after 1 attempt)" in err, err
    assert len(heads) == 1, heads


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_permission_reads_left_after_503s_are_unread_and_say_why(command: list[str]) -> None:
    # The accounts are answered, then every permission read is 503: 12 reads, 8 at a time, each asked six
    # times (72 requests, 10-15 s). Each read is now asked three times, and once three have ended so with no
    # answer between them, the reads left are not sent (those started as the first ended still are).
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", status=503)
        code, out, err, _ = run([*command, "--format", "json"], MANY, online(sim.url))
        (broken,) = sim.faults
        sent = broken.hits
    assert code == 1, err
    assert 3 * 3 <= sent < 12 * 3, sent
    found = diagnoses(command[0], out)
    assert len(found) == 12 and all(d["verdict"] != "confirmed" for d in found)
    assert all("Not confirmed online" in d["summary"] for d in found), [d["summary"] for d in found]
    unread = [f["reason"] for d in found for f in d["facts"].values() if not f["known"]]
    assert any("HTTP 503" in r and "still after 3 attempts" in r for r in unread), unread[:5]
    skipped = [r for r in unread if "not tried after GET https://accounts.twilio.com/v1/Messaging/GeoPermissions" in r]
    assert skipped and all("HTTP 503" in r for r in skipped), unread[:5]


def cut_short(conn: socket.socket, stop: threading.Event) -> None:
    """Answer 200 with a Content-Length of 100 and 40 bytes of it, then close (a proxy that cuts answers)."""
    body = b'{"sid": "' + PARENT.encode() + b'", "owner_account_sid": "' + PARENT.encode() + b'"}'
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" + body[:40])


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_answers_cut_short_are_said_so_and_stop_the_host(command: list[str]) -> None:
    # It said 'the connection to api.twilio.com failed (ChunkedEncodingError)' (not the host that cut it,
    # nor what happened) after 10 requests and about 13-15 s: each read was retried as a dropped keep-alive
    # connection up to six times, and the cut answer did not stop the host.
    with raw_server(cut_short) as (url, log):
        code, out, err, _ = run(command, ONE, online(url))
        heads = list(log.heads)
    host = url.removeprefix("http://")
    assert (code, out) == (3, "")
    assert err.count("\n") == 1 and f"{host} cut its answer short (IncompleteRead(40 bytes read" in err, err
    assert len(heads) == 3 and all(f"/Accounts/{PARENT}.json".encode() in h for h in heads), heads
