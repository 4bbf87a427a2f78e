"""The gateway against the real ``twilio`` client and the simulator on 127.0.0.1 (no monkeypatching).

Every test uses small timeouts and retry budgets, so faults cost fractions of a second.
"""

from __future__ import annotations

import http.client
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from diagnose.context import NOT_APPLICABLE, Context
from diagnose.errors import CredentialsError, NotFoundError, TwilioAccessError, UnreachableError
from diagnose.gateway import (
    ApiError,
    Credentials,
    GatewayHttpClient,
    RetryPolicy,
    TwilioAccess,
    credentials_from_env,
    fetch_context,
)
from diagnose.simulator import Simulator

FAST = {"timeout": 2.0, "max_retry_time": 2.0, "backoff_base": 0.05}


# --- helpers -----------------------------------------------------------------------


def main_sid(sim: Simulator) -> str:
    return next(sid for sid, a in sim.accounts.items() if a["parent"] is None)


def auth_of(sim: Simulator, sid: str) -> Credentials:
    return Credentials(sid, sid, sim.accounts[sid]["auth_token"])


def key_of(sim: Simulator, *, standard: bool) -> Credentials:
    main = main_sid(sim)
    key = next(k for k in sim.accounts[main]["api_keys"] if k["standard"] is standard)
    return Credentials(main, key["sid"], key["secret"], "api_key")


def access_for(url: str, creds: Credentials, **kwargs: Any) -> TwilioAccess:
    return TwilioAccess(creds, api_url=url, **{**FAST, **kwargs})


def chain(context: Context) -> int:
    """The longest chain of dependent round trips in the request log."""
    return max(r.round for r in context.requests)


def enabled(slot: Any, iso: str) -> bool:
    return next(p["enabled"] for p in slot.value["permissions"] if p["country_code"] == iso)


def v1(sim: Simulator, prefix: str) -> list[dict[str, Any]]:
    return [r for r in sim.requests if r["path"].startswith(prefix)]


# --- messages ------------------------------------------------------------------------


def test_message_on_main_account_takes_two_rounds(demo_sim: Simulator) -> None:
    sid, owner, (main, _) = demo_sim.sample("missing-country")
    with access_for(demo_sim.url, auth_of(demo_sim, main)) as access:
        context = fetch_context(sid, access)
    assert context.kind == "message" and context.resource.ok
    assert context.resource.value["sid"] == sid
    assert context.account.value["sid"] == owner == main
    assert context.parent == NOT_APPLICABLE  # a main account has no parent
    assert context.parent_messaging_permissions == NOT_APPLICABLE
    assert enabled(context.messaging_permissions, "FR") is False
    assert context.messaging_permissions.request.endswith(f"/v1/Messaging/GeoPermissions?CountryCode=FR as {main}")
    assert chain(context) == 2
    assert [r.round for r in context.requests] == [1, 1, 2]
    assert all(r.status == 200 and r.attempts == 1 for r in context.requests)


def test_subaccount_via_account_flag_reads_each_account_with_its_own_credentials(sim: Simulator) -> None:
    sid, sub, (main, _) = sim.sample("subaccount-mismatch")
    assert sub != main
    sim.set_latency(300)
    with access_for(sim.url, auth_of(sim, main)) as access:
        context = fetch_context(sid, access, account=sub)
    assert chain(context) == 2
    assert len(context.requests) == 5  # message, sub account, parent account | sub perms, parent perms
    assert context.account.value["sid"] == sub
    assert context.parent.value["sid"] == main
    assert enabled(context.messaging_permissions, "PR") is False
    assert enabled(context.parent_messaging_permissions, "PR") is True

    # The v1 API answers for whoever authenticates: the sub's permissions were read as the sub.
    geo = v1(sim, "/v1/Messaging/GeoPermissions")
    assert sorted(r["credential"] for r in geo) == sorted([sub, main])
    # Round 1 (three requests) and round 2 (two) each ran concurrently.
    round_one = [r for r in sim.requests if r["path"].startswith("/2010-04-01/")]
    assert len(round_one) == 3
    assert sim.max_in_flight(round_one) == 3
    assert sim.max_in_flight(geo) == 2
    assert max(r["start"] for r in geo) > max(r["end"] for r in round_one) - 0.001  # round 2 after round 1


def test_sid_in_a_subaccount_is_found_by_searching(demo_sim: Simulator) -> None:
    sid, sub, (main, _) = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, auth_of(demo_sim, main)) as access:
        context = fetch_context(sid, access)
    assert context.resource.value["account_sid"] == sub
    assert context.account.value["sid"] == sub
    assert context.parent.value["sid"] == main
    assert enabled(context.parent_messaging_permissions, "PR") is True
    assert any("found it under account " + sub in note for note in context.notes)
    # 404, list the accounts, try the SID under the others, then round 2.
    assert chain(context) == 4


def test_unknown_sid_is_not_found_under_any_account(demo_sim: Simulator) -> None:
    main = main_sid(demo_sim)
    with access_for(demo_sim.url, auth_of(demo_sim, main)) as access, pytest.raises(NotFoundError) as caught:
        fetch_context("SM" + "0" * 32, access)
    text = str(caught.value)
    assert "not found under any account you can reach" in text
    assert f"searched {len(demo_sim.accounts)} accounts" in text


def test_standard_api_key_reports_the_parent_comparison_as_unknown(demo_sim: Simulator) -> None:
    sid, _, _ = demo_sim.sample("missing-country")
    creds = key_of(demo_sim, standard=True)
    with access_for(demo_sim.url, creds) as access:
        context = fetch_context(sid, access)
    assert context.resource.ok
    assert enabled(context.messaging_permissions, "FR") is False  # the key reads its own account's v1 data
    for slot in (context.account, context.parent, context.parent_messaging_permissions):
        assert not slot.ok
        assert "standard API key" in slot.error and "cannot read the Accounts resource" in slot.error
    assert chain(context) == 2


def test_standard_api_key_with_account_flag_cannot_read_the_subaccount(demo_sim: Simulator) -> None:
    sid, sub, _ = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, key_of(demo_sim, standard=True)) as access:
        context = fetch_context(sid, access, account=sub)
    assert context.resource.ok
    assert not context.account.ok and "standard API key" in context.account.error
    assert not context.messaging_permissions.ok
    assert "standard API key" in context.messaging_permissions.error
    # The authenticated account reached the subaccount's message, so it is the parent: its data is real.
    assert enabled(context.parent_messaging_permissions, "PR") is True
    assert chain(context) == 2


def test_main_api_key_reads_accounts_like_the_auth_token(demo_sim: Simulator) -> None:
    sid, sub, _ = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, key_of(demo_sim, standard=False)) as access:
        context = fetch_context(sid, access, account=sub)
    assert enabled(context.messaging_permissions, "PR") is False
    assert enabled(context.parent_messaging_permissions, "PR") is True


def test_authenticated_as_the_subaccount_the_parent_is_unknown(demo_sim: Simulator) -> None:
    sid, sub, (main, _) = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, auth_of(demo_sim, sub)) as access:
        context = fetch_context(sid, access)
    assert context.account.value["owner_account_sid"] == main
    assert enabled(context.messaging_permissions, "PR") is False
    for slot in (context.parent, context.parent_messaging_permissions):
        assert not slot.ok and "cannot read its parent" in slot.error and main in slot.error
    assert chain(context) == 2


# --- calls ---------------------------------------------------------------------------


def test_call_with_notification(sim: Simulator) -> None:
    sid, sub, (main, _) = sim.sample("voice-subaccount-mismatch")
    with access_for(sim.url, auth_of(sim, main)) as access:
        context = fetch_context(sid, access, account=sub)
    assert context.kind == "call"
    assert [n["error_code"] for n in context.notifications.value] == ["13227"]
    assert context.alerts == NOT_APPLICABLE  # the notification has the code
    assert context.voice_country.value["low_risk_numbers_enabled"] is False
    assert context.parent_voice_country.value["low_risk_numbers_enabled"] is True
    assert context.voice_settings.value["dialing_permissions_inheritance"] is False
    assert context.parent_voice_settings.ok
    assert {p["prefix"] for p in context.voice_high_risk_prefixes.value} == {"+4470", "+4487"}
    assert chain(context) == 2
    # Prefixes are per country: asked once. Country and settings: once as each account.
    assert sim.count("GET", "/v1/DialingPermissions/Countries/GB/HighRiskSpecialPrefixes") == 1
    country = v1(sim, "/v1/DialingPermissions/Countries/GB")
    assert sorted(r["credential"] for r in country if r["path"].endswith("/GB")) == sorted([sub, main])
    assert sorted(r["credential"] for r in v1(sim, "/v1/Settings")) == sorted([sub, main])


def test_call_without_notification_finds_the_monitor_alert(sim: Simulator) -> None:
    sid, sub, (main, _) = sim.sample("voice-trial-account")
    with access_for(sim.url, auth_of(sim, main)) as access:
        context = fetch_context(sid, access, account=sub)
    assert context.notifications.value == []
    assert [a["resource_sid"] for a in context.alerts.value] == [sid]
    assert context.alerts.value[0]["error_code"] == "13227"
    # Alerts ride in round 2; a 13227 names the <Dial>ed number only there, so its country is read in round 3.
    assert chain(context) == 3
    assert context.voice_country.value["iso_code"] == "GB"
    (alerts,) = v1(sim, "/v1/Alerts")
    assert alerts["credential"] == sub  # Monitor acts on the authenticated account
    assert "StartDate" in alerts["query"]


ALERT_PAGES = {
    "accounts": [
        {
            "sid": "AC" + "1" * 32,
            "auth_token": "a" * 32,
            "friendly_name": "Pager",
            "type": "Full",
            "home_country": "US",
            "calls": [
                {
                    "sid": "CA" + "2" * 32,
                    "to": "+442071838750",
                    "status": "failed",
                    "date_created": "-30m",
                    "alerts": [{"error_code": "13227", "log_level": "warning"}],
                }
            ],
            "alerts": [
                {"resource_sid": "CA" + f"{i:032x}", "error_code": "11200", "date_created": f"-{i}m"}
                for i in range(1, 6)
            ],
        }
    ]
}


def test_alert_search_pages_until_found(make_sim: Any) -> None:
    sim = make_sim(ALERT_PAGES)
    account = "AC" + "1" * 32
    with access_for(sim.url, auth_of(sim, account), page_size=2) as access:
        context = fetch_context("CA" + "2" * 32, access)
    assert [a["error_code"] for a in context.alerts.value] == ["13227"]
    assert len(v1(sim, "/v1/Alerts")) == 3  # five newer alerts first, two per page
    assert chain(context) == 4  # pages are sequential


def test_alert_search_is_bounded(make_sim: Any) -> None:
    sim = make_sim(ALERT_PAGES)
    account = "AC" + "1" * 32
    with access_for(sim.url, auth_of(sim, account), page_size=2, max_alert_pages=1) as access:
        context = fetch_context("CA" + "2" * 32, access)
    assert not context.alerts.ok and "first 1 pages" in context.alerts.error
    assert len(v1(sim, "/v1/Alerts")) == 1


# --- faults --------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(sim: Simulator) -> None:
    sid, _, (main, _) = sim.sample("missing-country")
    sim.add_fault("GET /v1/Messaging/GeoPermissions", status=429, retry_after=0.3, times=1)
    with access_for(sim.url, auth_of(sim, main)) as access:
        context = fetch_context(sid, access)
    assert enabled(context.messaging_permissions, "FR") is False
    (record,) = [r for r in context.requests if "GeoPermissions" in r.url]
    assert (record.status, record.attempts) == (200, 2)
    assert record.elapsed >= 0.3
    geo = v1(sim, "/v1/Messaging/GeoPermissions")
    assert [r["status"] for r in geo] == [429, 200]
    assert geo[1]["start"] - geo[0]["end"] >= 0.29  # Retry-After honoured


def test_retry_after_beyond_the_budget_gives_up_with_the_reason(sim: Simulator) -> None:
    sid, _, (main, _) = sim.sample("missing-country")
    sim.add_fault("GET /v1/Messaging/GeoPermissions", status=429, retry_after=30)
    with access_for(sim.url, auth_of(sim, main), max_retry_time=1.0) as access:
        started = time.monotonic()
        context = fetch_context(sid, access)
    # No point waiting when 30 s is beyond the budget: generous bound, for a loaded machine.
    assert time.monotonic() - started < 15
    assert [r["status"] for r in v1(sim, "/v1/Messaging/GeoPermissions")] == [429]
    assert "HTTP 429" in context.messaging_permissions.error
    assert "Retry-After" in context.messaging_permissions.error
    assert context.resource.ok


def test_persistent_500_leaves_that_slot_unknown(sim: Simulator) -> None:
    sid, sub, (main, _) = sim.sample("subaccount-mismatch")
    sim.add_fault("GET /v1/Messaging/GeoPermissions", status=500)
    with access_for(sim.url, auth_of(sim, main), max_retry_time=0.5) as access:
        started = time.monotonic()
        context = fetch_context(sid, access, account=sub)
    assert time.monotonic() - started < 15  # the retry budget ends it (generous: a loaded machine)
    for slot in (context.messaging_permissions, context.parent_messaging_permissions):
        assert not slot.ok and "HTTP 500" in slot.error
        assert slot.request.startswith("GET https://accounts.twilio.com/v1/Messaging/GeoPermissions")
    assert context.resource.ok and context.account.ok and context.parent.ok
    geo = [r for r in context.requests if "GeoPermissions" in r.url]
    assert all(r.status == 500 and r.attempts >= 2 for r in geo)


def test_500_on_the_subject_raises(sim: Simulator) -> None:
    sid, _, (main, _) = sim.sample("missing-country")
    sim.add_fault(r"GET /Messages/SM", status=503)
    with access_for(sim.url, auth_of(sim, main), max_retry_time=0.3) as access, pytest.raises(ApiError) as caught:
        fetch_context(sid, access)
    assert "HTTP 503" in str(caught.value)


def test_slow_answer_is_cut_off_by_the_timeout(sim: Simulator) -> None:
    sid, _, (main, _) = sim.sample("missing-country")
    sim.add_fault("GET /v1/Messaging/GeoPermissions", delay_ms=6000)
    with access_for(sim.url, auth_of(sim, main), timeout=0.3) as access:
        started = time.monotonic()
        context = fetch_context(sid, access)
        elapsed = time.monotonic() - started
    assert elapsed < 5  # not the 6 s answer (generous: a loaded machine)
    assert "did not answer within 0.3 s" in context.messaging_permissions.error
    assert context.resource.ok


def test_slow_subject_is_unreachable(sim: Simulator) -> None:
    sid, _, (main, _) = sim.sample("missing-country")
    sim.add_fault(r"/Messages/SM", delay_ms=2000)
    with access_for(sim.url, auth_of(sim, main), timeout=0.3) as access, pytest.raises(UnreachableError):
        fetch_context(sid, access)


def test_rejected_credentials(demo_sim: Simulator) -> None:
    sid, _, (main, _) = demo_sim.sample("missing-country")
    creds = Credentials(main, main, "0" * 32)
    with access_for(demo_sim.url, creds) as access, pytest.raises(CredentialsError) as caught:
        fetch_context(sid, access)
    assert "the credentials were rejected" in str(caught.value)
    assert "20003" in str(caught.value)


def test_account_flag_outside_the_credentials_reach(demo_sim: Simulator) -> None:
    sid, main, _ = demo_sim.sample("missing-country")
    _, sub, _ = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, auth_of(demo_sim, sub)) as access, pytest.raises(CredentialsError) as caught:
        fetch_context(sid, access, account=main)
    assert f"the credentials of {sub} are valid but may not read {main}" in str(caught.value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_api_url() -> None:
    creds = Credentials("AC" + "0" * 32, "AC" + "0" * 32, "x")
    with access_for(f"http://127.0.0.1:{free_port()}", creds) as access:
        started = time.monotonic()
        with pytest.raises(UnreachableError) as caught:
            fetch_context("SM" + "1" * 32, access)
    assert time.monotonic() - started < 8  # refused at once, not retried until the 10 s timeout
    assert "could not connect to 127.0.0.1" in str(caught.value)


# --- --api-url through a reverse proxy with a path prefix -------------------------------


class _Proxy(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    prefix: str
    seen: list[str]


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        self.server.seen.append(self.path)
        if not self.path.startswith(self.server.prefix + "/"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=5)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
        upstream.request(self.command, self.path[len(self.server.prefix) :], body=body or None, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in {"content-length", "connection", "transfer-encoding", "server", "date"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    do_GET = do_POST = do_PATCH = _forward


@pytest.fixture
def proxy(demo_sim: Simulator) -> Iterator[_Proxy]:
    server = _Proxy(("127.0.0.1", 0), _ProxyHandler)
    server.upstream = ("127.0.0.1", demo_sim.port)
    server.prefix = "/twilio"
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_api_url_with_a_path_prefix_goes_through_a_proxy(demo_sim: Simulator, proxy: _Proxy) -> None:
    sid, sub, (main, _) = demo_sim.sample("voice-trial-account")
    url = f"http://127.0.0.1:{proxy.server_address[1]}/twilio/"
    with access_for(url, auth_of(demo_sim, main)) as access:
        context = fetch_context(sid, access, account=sub)
    assert [a["resource_sid"] for a in context.alerts.value] == [sid]
    assert context.voice_country.ok and context.parent_voice_country.ok
    assert proxy.seen and all(path.startswith(("/twilio/2010-04-01/", "/twilio/v1/")) for path in proxy.seen)
    assert f"/twilio/2010-04-01/Accounts/{sub}/Calls/{sid}.json" in proxy.seen
    # The log shows Twilio's URLs, whatever --api-url is.
    assert all(r.url.startswith("https://") and ".twilio.com/" in r.url for r in context.requests)


# --- the reusable pieces -------------------------------------------------------------


def test_list_accounts_pages_through_every_account(demo_sim: Simulator) -> None:
    main = main_sid(demo_sim)
    with access_for(demo_sim.url, auth_of(demo_sim, main), page_size=1) as access:
        listed = [a["sid"] for a in access.list_accounts()]
    assert sorted(listed) == sorted(demo_sim.accounts)


def test_update_and_read_permissions_as_a_subaccount(sim: Simulator) -> None:
    _, sub, (main, _) = sim.sample("subaccount-mismatch")
    with access_for(sim.url, auth_of(sim, main)) as access:
        assert access.messaging_permissions(sub, ["PR", "US"]) == {"PR": False, "US": True}
        result = access.update_messaging_permissions(sub, {"PR": True, "NG": True})
        assert result["PR"]["error_code"] == 0
        assert result["NG"]["error_code"] == 30649  # high risk: Console only
        assert access.messaging_permissions(sub, ["PR"]) == {"PR": True}
        assert access.messaging_permissions(main, ["PR"]) == {"PR": True}
        assert access.update_voice_countries(sub, {"MX": {"low_risk_numbers_enabled": True}}) == 1
        assert access.voice_country(sub, "MX")["low_risk_numbers_enabled"] is True
        assert access.voice_country(main, "MX")["low_risk_numbers_enabled"] is False
    patch = [r for r in sim.requests if r["method"] == "PATCH"]
    assert [r["credential"] for r in patch] == [sub]
    # The sub's auth token was read once from its Account resource, then reused.
    assert sim.count("GET", f"/2010-04-01/Accounts/{sub}.json") == 1


class CountingHttpClient(GatewayHttpClient):
    """The gateway's transport, keeping every object it decodes (``decode`` is the transport's own hook)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.decoded: list[dict[str, Any]] = []

    def decode(self, text: str, status: int) -> dict[str, Any]:
        payload = super().decode(text, status)
        self.decoded.append(payload)
        return payload


def counting_access(sim: Simulator, creds: Credentials) -> tuple[TwilioAccess, CountingHttpClient]:
    http = CountingHttpClient(api_url=sim.url, policy=RetryPolicy(timeout=2.0, max_retry_time=2.0))
    return TwilioAccess(creds, http_client=http), http


def test_each_answer_is_decoded_once_and_handed_to_the_sdk_as_it_is(sim: Simulator) -> None:
    # The SDK's Version would json.loads the text again and return a new object: what reaches the caller
    # is the very object the transport decoded, and the transport decoded each answer once.
    sid, sub, (main, _) = sim.sample("subaccount-mismatch")
    access, http = counting_access(sim, auth_of(sim, main))
    with access:
        account = access.fetch_account(sub)
        assert account is http.decoded[-1] and account["sid"] == sub
        message = access.fetch_message(sid, sub)
        assert message is http.decoded[-1] and message["sid"] == sid
        permissions = access.messaging_geo_permissions(sub, ["PR", "US"])
        assert permissions is http.decoded[-1]
        pages = list(access.pages("api", "/Accounts.json", "accounts", {"PageSize": 1}))
        assert len(pages) == len(sim.accounts) > 1
        assert all(rows is page["accounts"] for rows, page in zip(pages, http.decoded[-len(pages) :], strict=True))
        voice = access.voice_countries(sub)
        assert voice and voice[0] is http.decoded[-1]["content"][0]
    assert len(http.decoded) == len(sim.requests) == 4 + len(pages)
    assert all(r["status"] == 200 for r in sim.requests)


def test_writes_are_decoded_once_too(sim: Simulator) -> None:
    _, sub, (main, _) = sim.sample("subaccount-mismatch")
    access, http = counting_access(sim, auth_of(sim, main))
    with access:
        access.credentials_for(sub)  # the sub's auth token, read first
        before = len(http.decoded)
        result = access.update_messaging_permissions(sub, {"PR": True})
        assert result["PR"] is http.decoded[-1]["permissions"][0] and result["PR"]["error_code"] == 0
        assert access.update_voice_countries(sub, {"MX": {"low_risk_numbers_enabled": True}}) == 1
        assert http.decoded[-1]["update_count"] == 1
        assert access.update_voice_settings(sub, dialing_permissions_inheritance=False) == {
            "dialing_permissions_inheritance": False
        }
        assert http.decoded[-1]["dialing_permissions_inheritance"] is False
        assert len(http.decoded) == before + 3
    writes = [r for r in sim.requests if r["method"] in ("PATCH", "POST")]
    assert len(writes) == 3 and all(r["status"] < 300 for r in writes)


def test_a_refusal_is_still_the_sdks_exception_with_its_code_status_and_message(demo_sim: Simulator) -> None:
    main = main_sid(demo_sim)
    missing = "SM" + "f" * 32
    access, http = counting_access(demo_sim, auth_of(demo_sim, main))
    with access, pytest.raises(NotFoundError) as caught:
        access.fetch_message(missing)
    cause = caught.value.__cause__
    assert isinstance(cause, TwilioRestException)
    assert (cause.status, cause.code, cause.method) == (404, 20404, "GET")
    assert cause.msg.startswith("Unable to fetch record: The requested resource")
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert http.decoded == []  # an error answer is the SDK's to read


def test_the_sdks_request_log_is_written_when_its_logger_is_on(
    demo_sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    main = main_sid(demo_sim)
    with access_for(demo_sim.url, auth_of(demo_sim, main)) as access:
        access.fetch_account(main)  # logger off: nothing
        assert not [r for r in caplog.records if r.name == "twilio.http_client"]
        with caplog.at_level(logging.INFO, logger="twilio.http_client"):
            access.messaging_geo_permissions(None, ["FR"])
    lines = [r.getMessage() for r in caplog.records if r.name == "twilio.http_client"]
    assert "-- BEGIN Twilio API Request --" in lines
    assert any(line.startswith("GET Request: ") and "CountryCode=FR" in line for line in lines)
    assert "Response Status Code: 200" in lines
    assert not any(demo_sim.accounts[main]["auth_token"] in line for line in lines)


def test_run_concurrently_is_bounded_and_can_stop_early(sim: Simulator) -> None:
    main = main_sid(sim)
    sim.set_latency(100)
    with access_for(sim.url, auth_of(sim, main), max_workers=3) as access:
        outcomes = access.run_concurrently([lambda: access.voice_settings(main) for _ in range(7)])
        assert all(o.ok for o in outcomes) and len(outcomes) == 7
        assert sim.max_in_flight() == 3
        sim.clear_requests()
        missing = access.run_concurrently([lambda: access.voice_country(main, "ZZ")])
        assert "HTTP 404" in str(missing[0].error)

        def fail() -> None:
            raise ApiError("boom")

        stopped = access.run_concurrently(
            [fail] + [lambda: access.voice_settings(main)] * 6, stop_when=lambda o: not o.ok
        )
    assert isinstance(stopped[0].error, TwilioAccessError)
    assert [o.ran for o in stopped] == [True, True, True, False, False, False, False]  # the next wave never started
    with pytest.raises(TwilioAccessError):
        stopped[0].get()


def test_context_feeds_the_fact_derivation(demo_sim: Simulator) -> None:
    from diagnose.facts import derive_facts
    from diagnose.pipeline import evidence_from_context

    sid, sub, (main, _) = demo_sim.sample("subaccount-mismatch")
    with access_for(demo_sim.url, auth_of(demo_sim, main)) as access:
        context = fetch_context(sid, access, account=sub)
    facts = derive_facts(evidence_from_context(context), context)
    assert facts["country"].value == "PR"
    assert facts["is_subaccount"].value is True
    assert facts["messaging_enabled"].value is False
    assert facts["parent_messaging_enabled"].value is True


# --- credentials ---------------------------------------------------------------------

ACCOUNT = "AC" + "a" * 32
KEY = "SK" + "b" * 32


def test_missing_credentials_say_how_to_provide_them() -> None:
    with pytest.raises(CredentialsError) as caught:
        credentials_from_env({})
    text = str(caught.value)
    for word in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET"):
        assert word in text
    assert "diagnose demo" in text and "diagnose simulator" in text


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"TWILIO_ACCOUNT_SID": ACCOUNT}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": "s"}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_API_KEY": KEY, "TWILIO_ACCOUNT_SID": ACCOUNT}, "TWILIO_API_SECRET"),
        ({"TWILIO_ACCOUNT_SID": "nope", "TWILIO_AUTH_TOKEN": "t"}, "not an account SID"),
    ],
)
def test_incomplete_credentials_name_what_is_missing(env: dict[str, str], missing: str) -> None:
    with pytest.raises(CredentialsError, match=missing):
        credentials_from_env(env)


def test_a_sid_in_the_environment_in_another_case_is_taken_in_twilios_form() -> None:
    # TWILIO_ACCOUNT_SID=AC1111…-upper-cased (a secrets store, a shell script) was refused ("not an account SID",
    # exit 2): Twilio issues SIDs with lower-case hex, and that SID is the one it authenticates and answers for
    for account in (ACCOUNT.upper(), ACCOUNT.lower(), ACCOUNT[:2] + ACCOUNT[2:].upper()):
        token = credentials_from_env({"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": "t"})
        assert (token.account_sid, token.username) == (ACCOUNT, ACCOUNT), account
    key = credentials_from_env(
        {"TWILIO_ACCOUNT_SID": ACCOUNT.upper(), "TWILIO_API_KEY": KEY.upper(), "TWILIO_API_SECRET": "s"}
    )
    assert (key.account_sid, key.username) == (ACCOUNT, KEY)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"TWILIO_ACCOUNT_SID": ACCOUNT[:-2], "TWILIO_AUTH_TOKEN": "t"}, "32 characters long, where a SID is 34"),
        ({"TWILIO_ACCOUNT_SID": KEY, "TWILIO_AUTH_TOKEN": "t"}, "an API key SID: it goes in TWILIO_API_KEY"),
        (
            {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_KEY": ACCOUNT, "TWILIO_API_SECRET": "s"},
            "an account SID: it goes in TWILIO_ACCOUNT_SID",
        ),
        ({"TWILIO_ACCOUNT_SID": "AC" + "g" * 32, "TWILIO_AUTH_TOKEN": "t"}, "copy it again from the Console"),
    ],
)
def test_a_value_that_is_no_sid_says_what_to_set(env: dict[str, str], says: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        credentials_from_env(env)
    text = str(caught.value)
    assert says in text and "Set TWILIO_ACCOUNT_SID" in text, text
    assert all(value[6:] not in text for value in env.values() if len(value) > 6)  # never more than its start


def test_credentials_from_env() -> None:
    token = credentials_from_env({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "secret-token"})
    assert (token.account_sid, token.username, token.kind) == (ACCOUNT, ACCOUNT, "auth_token")
    assert "secret-token" not in repr(token)
    key = credentials_from_env({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": "s"})
    assert (key.account_sid, key.username, key.kind) == (ACCOUNT, KEY, "api_key")
    both = credentials_from_env(
        {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": "t", "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": "s"}
    )
    assert both.kind == "auth_token"  # it can read Accounts, a standard key cannot


def test_importing_the_gateway_loads_no_async_stack() -> None:
    code = (
        "import sys, diagnose.gateway; "
        "assert 'aiohttp' not in sys.modules, 'aiohttp'; "
        "assert 'twilio.rest.api' not in sys.modules, 'product domains load lazily'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_offline_modules_do_not_import_the_gateway() -> None:
    code = (
        "import sys, diagnose.cli, diagnose.pipeline, diagnose.facts, diagnose.evidence; "
        "bad = [m for m in ('twilio', 'diagnose.gateway') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
