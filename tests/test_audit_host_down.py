"""``diagnose audit`` and ``diagnose scan`` stop asking a host that stopped answering, for the whole run.

Each account had a ``ReadCache`` (so a host record) of its own: against a host whose permission reads
never answer, every wave of ``--concurrency`` accounts sent its reads and waited out its own timeout
(200 subaccounts at ``--timeout 1``: 200 reads held, 6.5 s; at the default 10 s and 2,000 subaccounts,
about 7 minutes). The run now shares one (``HostFailures(patience=2)``): requests of two accounts that got
no answer, with no answer of that host between them, stop it; the accounts left are listed ``unknown``
("not sent"), counted once in the report, and the exit code is 3 (incomplete). One slow answer among many
stops nothing, nor do one account's reads that all answer late (docs/audit.md, docs/twilio-access.md).

The simulator on 127.0.0.1 and the real twilio client; the assertions count requests, never time.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import CliRunner

from diagnose import plan
from diagnose.cli import main
from diagnose.gateway import Credentials, HostFailures, ReadCache, TwilioAccess, run_reads
from diagnose.simulator import Simulator, load_scenario
from diagnose.simulator._generate import generate_scenario
from tests.shared import OFFLINE_ENV

SUBACCOUNTS = 120
HELD_MS = 4000  # well past --timeout 1: a read held so never answers in time


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env={**OFFLINE_ENV, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@contextmanager
def _platform(
    subaccounts: int, countries: tuple[str, ...], failures: int
) -> Iterator[tuple[Simulator, dict[str, str]]]:
    """A generated platform served by the simulator, and the environment of its main account."""
    scenario = load_scenario(generate_scenario(subaccounts, countries, seed=4, inactive_rate=0, failures=failures))
    first = scenario.accounts[0]
    with Simulator(scenario, port=0) as sim:
        yield sim, {"TWILIO_ACCOUNT_SID": first.sid, "TWILIO_AUTH_TOKEN": first.auth_token, "DIAGNOSE_API_URL": sim.url}


@pytest.fixture
def platform() -> Any:
    with _platform(SUBACCOUNTS, ("FR", "DE"), failures=1) as served:
        yield served


AUDIT = ["audit", "--countries", "FR,DE", "--subaccounts", "all", "--timeout", "1"]
# Where every read but the held ones must be answered: more time and fewer in flight, so that a loaded machine
# (the in-process simulator shares its two cores with the tests) does not time out an answered read.
ANSWERED_AUDIT = ["audit", "--countries", "FR,DE", "--subaccounts", "all", "--timeout", "2", "--concurrency", "8"]


def test_an_audit_stops_reading_a_host_whose_permission_reads_never_answer(platform: Any) -> None:
    sim, env = platform
    sim.add_fault(match="GET ^/v1/", delay_ms=HELD_MS)
    code, out, err = run([*AUDIT, "--concurrency", "8", "--format", "json"], env)
    (held,) = sim.faults
    assert code == 3, err
    # The main account's SMS and voice reads (read together, before the others) time out, then the first
    # wave of accounts' reads, and nothing answers between them: nothing more is sent to the host (one
    # account's reads alone stop nothing). 242 were held before: every account's.
    assert held.hits <= 2 + 2 * (8 + 1), held.hits
    doc = json.loads(out)
    assert doc["complete"] is False and doc["exit_code"] == 3
    (stopped,) = doc["stopped_hosts"]
    assert stopped.startswith("GET https://") and "did not answer within 1 s" in stopped, stopped
    assert doc["unsent_accounts"] == SUBACCOUNTS
    accounts = doc["accounts"]
    assert len(accounts) == SUBACCOUNTS + 1 and all(a["verdict"] == "unknown" for a in accounts)
    assert "did not answer within 1 s" in accounts[0]["problem"]
    assert all("not sent: the host had stopped answering" in a["problem"] for a in accounts[1:])


def test_the_audit_says_once_which_host_it_stopped_asking_and_how_many_accounts_it_left(platform: Any) -> None:
    sim, env = platform
    sim.add_fault(match="GET ^/v1/", delay_ms=HELD_MS)
    code, out, _ = run(AUDIT, env)
    assert code == 3
    said = [line for line in out.splitlines() if "sent that host nothing more" in line]
    assert len(said) == 1, said
    assert said[0].startswith("Incomplete: GET https://") and "did not answer within 1 s" in said[0]
    assert f"so {SUBACCOUNTS:,} accounts were not read from it" in said[0], said[0]


def test_one_slow_answer_stops_nothing(platform: Any) -> None:
    # The first permission read (the main account's SMS) is held; the voice read after it is answered, and
    # so is every other account's: one slow answer is no host down.
    sim, env = platform
    sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", delay_ms=HELD_MS, times=1)
    code, out, err = run([*ANSWERED_AUDIT, "--format", "json"], env)
    doc = json.loads(out)
    assert code == 3, err
    assert doc["stopped_hosts"] == [] and doc["unsent_accounts"] == 0
    unknown = [a for a in doc["accounts"] if a["verdict"] == "unknown"]
    assert len(unknown) == 1 and "did not answer within 2 s" in unknown[0]["problem"]


def test_one_accounts_reads_that_all_answer_late_stop_nothing(platform: Any) -> None:
    # The main account's two reads (its SMS and voice permissions, the audit's first) are held past the
    # timeout; every other read is answered. Both timed out with no answer between them, so the whole audit
    # stopped: 'Incomplete: GET https://voice.twilio.com/v1/DialingPermissions/Countries?PageSize=1000
    # failed: … did not answer within 1 s; the audit sent that host nothing more, so 120 accounts were not
    # read from it', every account unknown. A slow account is no dead host: the others are read.
    sim, env = platform
    sms = sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", delay_ms=HELD_MS, times=1)
    voice = sim.add_fault(match="GET ^/v1/DialingPermissions/Countries$", delay_ms=HELD_MS, times=1)
    code, out, err = run([*ANSWERED_AUDIT, "--format", "json"], env)
    doc = json.loads(out)
    assert code == 3, err
    assert (sms.hits, voice.hits) == (1, 1)
    assert doc["stopped_hosts"] == [] and doc["unsent_accounts"] == 0
    main_account, *subaccounts = doc["accounts"]
    assert main_account["verdict"] == "unknown" and "did not answer within 2 s" in main_account["problem"]
    # Every subaccount's own permissions were read: only a voice cell that follows the parent's is unknown.
    read = [c["status"] for a in subaccounts for c in a["cells"] if c["product"] == "sms"]
    assert len(read) == 2 * SUBACCOUNTS and "unknown" not in read, read
    assert not [a for a in subaccounts if "not sent" in str(a["problem"])]


def test_one_resource_answering_500_first_stops_nothing(platform: Any) -> None:
    # The main account's SMS read, the audit's first, answers 500 to its three attempts; every other read
    # is answered. The whole audit stopped there ('… the audit sent that host nothing more, so 121
    # accounts were not read'): the host had served nothing yet in the run's reads. Now only that cell is unknown.
    sim, env = platform
    sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", status=500, times=3)
    code, out, err = run([*AUDIT, "--format", "json"], env)
    doc = json.loads(out)
    assert code == 3, err
    assert doc["stopped_hosts"] == [] and doc["unsent_accounts"] == 0
    unknown = [a for a in doc["accounts"] if a["verdict"] == "unknown"]
    assert len(unknown) == 1 and "HTTP 500" in unknown[0]["problem"], [a["problem"] for a in unknown[:3]]


def test_a_host_answering_503_to_every_permission_read_stops_the_audit(platform: Any) -> None:
    # The main account's two reads, one after the other, get only 503s: nothing more is sent.
    sim, env = platform
    sim.add_fault(match="GET ^/v1/", status=503)
    code, out, err = run([*AUDIT, "--format", "json"], env)
    (broken,) = sim.faults
    doc = json.loads(out)
    assert code == 3, err
    assert broken.hits == 2 * 3, broken.hits
    (stopped,) = doc["stopped_hosts"]
    assert "HTTP 503" in stopped and "still after 3 attempts" in stopped, stopped
    assert doc["unsent_accounts"] == SUBACCOUNTS  # the main account's reads were sent, and failed


def test_an_audit_waits_out_429s_longer_than_a_diagnosis(platform: Any) -> None:
    # A batch job keeps each request's six attempts within 10 s: the main account's SMS read, answered 429
    # (Retry-After: 1) four times, is read on its fifth attempt, where a diagnosis would give up after 3 s.
    sim, env = platform
    throttled = sim.add_fault(match="GET ^/v1/Messaging/GeoPermissions$", status=429, retry_after=1, times=4)
    sms_audit = ["audit", "--countries", "FR", "--product", "sms", "--subaccounts", "all", "--timeout", "1"]
    code, out, err = run([*sms_audit, "--format", "json"], env)
    doc = json.loads(out)
    assert throttled.hits == 4
    assert doc["accounts"][0]["problem"] is None, doc["accounts"][0]
    assert code in (0, 1), err


def test_a_refused_connection_stops_the_host_at_once_whatever_the_patience() -> None:
    # A connection that could not be made is never about one resource.
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        creds = Credentials("AC" + "1" * 32, "AC" + "1" * 32, "2" * 32)
        reads = [plan.messaging_permissions(creds.account_sid, ["FR"]), plan.voice_countries(creds.account_sid)]
        cache = ReadCache(hosts=HostFailures(patience=2))
        with TwilioAccess(creds, api_url=url, timeout=1) as access:
            (first,) = run_reads(access, reads[:1], cache).values()
            (second,) = run_reads(access, reads[1:], cache).values()
    assert first.sent and "could not connect" in str(first.error)
    assert not second.sent and str(second.error).startswith("not tried after GET https://accounts.twilio.com/v1/")


SCAN = ["scan", "--since", "7d", "--subaccounts", "all", "--timeout", "1", "--concurrency", "8"]


def test_a_scan_stops_reading_a_product_that_never_answers(platform: Any) -> None:
    # Monitor's alerts are held; the messages and notifications (the same --api-url host) are answered.
    # Each wave of 8 accounts waited out its own timeout (121 alert reads held); now the first wave's stop
    # the alerts (and, when no answer of the host came between those timeouts, the host: each account
    # reads its alerts first, so that depends on which thread gets there first).
    sim, env = platform
    sim.add_fault(match="GET ^/v1/Alerts", delay_ms=HELD_MS)
    code, out, err = run([*SCAN, "--format", "json"], env)
    (held,) = sim.faults
    assert code == 3, err
    assert held.hits <= 8 + 2, held.hits
    doc = json.loads(out)
    assert doc["complete"] is False
    (stopped,) = doc["stopped_hosts"]
    assert stopped.startswith("GET https://monitor.twilio.com/v1/Alerts") and "did not answer within 1 s" in stopped
    assert doc["unsent_accounts"] >= SUBACCOUNTS + 1 - held.hits
    assert len(doc["problems"]) == held.hits  # each held read once; the reads not sent are counted, not listed


def test_a_scan_that_could_not_read_says_so_rather_than_no_failures() -> None:
    # No account has a failure, and no alert could be read: 'No geo-permission failures in the last 7 days'
    # (in green, exit 3) said what the scan could not know.
    with _platform(20, ("FR",), failures=0) as (sim, env):
        sim.add_fault(match="GET ^/v1/Alerts", delay_ms=HELD_MS)
        code, out, _ = run(SCAN, env)
    assert code == 3
    headline = out.splitlines()[0]
    assert headline == (
        "No geo-permission failures found in the last 7 days, but the scan is incomplete: "
        "21 of 21 accounts could not be read (fully)."
    ), headline


def test_a_scans_text_says_a_wave_of_timeouts_once(platform: Any) -> None:
    # Each account whose alerts timed out had its own line, 'Incomplete: alerts of AC… could not be read
    # (127.0.0.1:… did not answer within 1 s).': as many lines as the first wave had accounts.
    sim, env = platform
    sim.add_fault(match="GET ^/v1/Alerts", delay_ms=HELD_MS)
    code, out, _ = run(SCAN, env)
    (held,) = sim.faults
    assert code == 3 and held.hits >= 2
    said = [line for line in out.splitlines() if line.startswith("Incomplete: alerts of")]
    assert len(said) == 1, said
    assert f"Incomplete: alerts of {held.hits} accounts could not be read (" in said[0], said[0]
    assert "did not answer within 1 s): AC" in said[0] and (held.hits <= 3 or " more." in said[0]), said[0]


def test_a_scan_that_found_nothing_but_could_not_read_is_not_green() -> None:
    with _platform(5, ("FR",), failures=0) as (sim, env):
        sim.add_fault(match="GET ^/v1/Alerts", delay_ms=HELD_MS)
        code, out, _ = run([*SCAN, "--color", "always"], env)
        sim.clear_faults()
        clean_code, clean_out, _ = run([*SCAN, "--color", "always"], env)
    assert code == 3 and out.startswith("\x1b[1;33m"), repr(out[:40])  # bold yellow: incomplete
    assert clean_code == 0 and clean_out.startswith("\x1b[1;32m"), repr(clean_out[:40])  # bold green


def test_a_fix_plan_stops_reading_a_host_whose_permission_reads_never_answer(platform: Any) -> None:
    # 'diagnose fix' reads each account as the audit does, and had the same per-account host record:
    # every account's reads were held (121), a --timeout per wave.
    sim, env = platform
    sim.add_fault(match="GET ^/v1/", delay_ms=HELD_MS)
    fix = ["fix", "--country", "FR", "--subaccounts", "all", "--timeout", "1", "--concurrency", "8"]
    code, out, err = run([*fix, "--format", "json"], env)
    (held,) = sim.faults
    assert code == 3, err
    assert held.hits <= 3 + 3 * (8 + 1), held.hits  # the main account's reads, together, then the first wave's
    doc = json.loads(out)
    # The server answered the account reads: each product that hangs is stopped on its own (SMS, voice).
    stopped = doc["stopped_hosts"]
    assert 1 <= len(stopped) <= 2, stopped
    assert all(s.startswith("GET https://") and "did not answer within 1 s" in s for s in stopped), stopped
    assert doc["unsent_accounts"] >= SUBACCOUNTS
    reasons = [i["summary"] for i in doc["items"] if i["status"] == "unknown"]
    assert sum("not sent: the host had stopped answering" in r for r in reasons) >= SUBACCOUNTS, reasons[:3]


def test_a_fix_plans_text_says_how_many_accounts_it_left_in_words(platform: Any) -> None:
    # It said "so 120 account(s) were not read from it", where the audit and scan say "120 accounts were"
    sim, env = platform
    sim.add_fault(match="GET ^/v1/", delay_ms=HELD_MS)
    code, out, _ = run(["fix", "--country", "FR", "--subaccounts", "all", "--timeout", "1"], env)
    assert code == 3
    said = [line for line in out.splitlines() if "the plan sent that host nothing more" in line]
    assert said and all(re.search(r"so [\d,]+ accounts were not read from it \('not sent' above\)\.$", s) for s in said)
    assert "(s)" not in out
