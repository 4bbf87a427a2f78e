"""The online path of pasted errors (`diagnose -` and `diagnose triage` with credentials), as a support
engineer uses it: against the simulator (a real HTTP server on 127.0.0.1) and the real `twilio` client.

* Every corpus sample with a code and a To agrees offline and online: the cause the simulator's state
  confirms is one the offline run listed as possible, never one it ruled out.
* Reads are shared across errors, counted where they arrive: at the server.
* What the credentials cannot read, a server that fails, hangs or answers what is not JSON: a report
  that states why (or, when nothing at all could be read, one line), a documented exit code, no
  traceback, no secret.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.countries import parse_destination
from diagnose.paste import extract
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.shared import OFFLINE_ENV

CORPUS = Path(__file__).parent / "data" / "paste"
SAMPLES = sorted(CORPUS.glob("*.txt"))

# The demo scenario (docs/simulator.md): Acme Corp, and two of its subaccounts, Acme Support (its own SMS
# list) and Acme Sandbox (inherits Acme Corp's).
PARENT, PARENT_TOKEN = "AC827b9cd0b030dcac3e225df5797efde0", "d836620b9e1ecfc6bed9d6bd980ace58"
SUPPORT, SUPPORT_TOKEN = "AC15bf105506e1d44cb84ba12ca58143a1", "ed3c838f9a59ad3fe8f4fd20ae077828"
SANDBOX = "AC9443be59ab005b28d706163ac4ebacca"
NOWHERE = "AC" + "1234567890abcdef" * 2  # an account no credentials of the scenario reach
SECRETS = (PARENT_TOKEN, SUPPORT_TOKEN, "d41c135df8972b9d32dab4b3aba3aa72", "5f0e7a9c3b2d4e6f8a1b0c9d8e7f6a5b")


def run(args: list[str], stdin: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The command in process; an exception other than exit is a failure (a traceback the user would see)."""
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def online(url: str, account: str = PARENT, token: str = PARENT_TOKEN) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": account, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": url}


def diagnoses(command: str, out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    return data["diagnoses"] if command == "-" else [g["diagnosis"] for g in data["groups"]]


# --- offline and online agree, over the corpus -----------------------------------------------------

MAIN, MAIN_TOKEN = "AC" + "a" * 32, "f" * 32


def _seeded(text: str, state: str) -> dict[str, Any]:
    """A scenario where the cause holds for every error of the paste: its destinations ``disabled``
    everywhere, ``enabled`` now, or enabled on the parent only (``parent-only``: each account the paste
    names is a subaccount with a list of its own, voice inheritance off)."""
    countries = {parse_destination(e.to).country for e in extract(text) if e.to} - {None, "US"}
    parent_on = state in ("enabled", "parent-only")
    sub_on = state == "enabled"
    main_account = {
        "sid": MAIN,
        "auth_token": MAIN_TOKEN,
        "messaging_geo_permissions": {iso: parent_on for iso in sorted(countries)},  # type: ignore[type-var]
        "voice_dialing_permissions": {iso: {"low_risk": parent_on} for iso in sorted(countries)},  # type: ignore[type-var]
    }
    named = dict.fromkeys(e.account_sid for e in extract(text) if e.account_sid and e.account_sid != MAIN)
    subs = [
        {
            "sid": sid,
            "auth_token": hashlib.md5(sid.encode()).hexdigest(),
            "parent": MAIN,
            "messaging_geo_permissions": {iso: sub_on for iso in sorted(countries)},  # type: ignore[type-var]
            "voice_dialing_permissions": {iso: {"low_risk": sub_on} for iso in sorted(countries)},  # type: ignore[type-var]
            "voice_settings": {"dialing_permissions_inheritance": False},
        }
        for sid in named
    ]
    return {"accounts": [main_account, *subs]}


AGREEING = [s for s in SAMPLES if any(e.code and e.to for e in extract(s.read_text(encoding="utf-8")))]


def test_the_agreement_is_checked_on_most_of_the_corpus() -> None:
    # not vacuous: the samples below are most of the corpus, and include pastes that name an account
    assert len(AGREEING) >= 80, len(AGREEING)
    named = [s for s in AGREEING if any(e.account_sid for e in extract(s.read_text(encoding="utf-8")))]
    assert len(named) >= 15, len(named)


@pytest.mark.parametrize("state", ["disabled", "enabled", "parent-only"])
def test_every_corpus_sample_confirms_online_a_cause_offline_left_possible(state: str) -> None:
    compared = confirmed = 0
    by_cause: collections.Counter[str] = collections.Counter()
    for sample in AGREEING:
        text = sample.read_text(encoding="utf-8")
        _, out, _ = run(["-", "--format", "json"], text)
        offline = diagnoses("-", out)
        with Simulator(load_scenario(_seeded(text, state)), port=0) as sim:
            code, out, err = run(["-", "--format", "json"], text, online(sim.url, MAIN, MAIN_TOKEN))
        assert code in (0, 1), (sample.name, err)
        on = diagnoses("-", out)
        assert len(on) == len(offline), sample.name
        for before, after in zip(offline, on, strict=True):
            assert before["evidence"] == after["evidence"], sample.name
            listed = {c["id"]: c["status"] for c in before["causes"]}
            compared += 1
            for cause in after["causes"]:
                if cause["status"] == "confirmed":
                    # confirmed online: offline listed it as open (or confirmed it already), never ruled it out
                    assert listed[cause["id"]] in ("possible", "likely", "confirmed", "unknown"), (sample.name, cause)
            for cause_id, status in listed.items():
                if status == "confirmed":  # what the text alone settles, reading the account does not undo
                    assert after["cause"] == cause_id, (sample.name, cause_id, after["cause"])
            if after["verdict"] == "confirmed":
                confirmed += 1
                by_cause[after["cause"]] += 1
    assert compared >= 90, compared
    assert confirmed >= 60, (confirmed, by_cause)  # the simulator's state decided most of them
    expected = {
        "disabled": "missing-country",
        "enabled": "permission-enabled-now",
        "parent-only": "subaccount-mismatch",
    }
    assert by_cause[expected[state]] >= 10, by_cause


# --- reads shared across errors, counted at the server ---------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Iterator[Simulator]:
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        yield sim


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_500_errors_for_3_accounts_and_4_countries_read_each_account_and_permission_once(
    demo: Simulator, command: list[str]
) -> None:
    accounts = [PARENT, SUPPORT, SANDBOX]  # the parent and two of its subaccounts
    numbers = ["+17875550123", "+33612345678", "+2348031234567", "+4915123456789"]  # PR, FR, NG, DE
    lines = [
        f"2026-11-30T10:{i // 60:02d}:{i % 60:02d}Z ERROR code=21408 to={numbers[i % 4]} account={accounts[i % 3]}"
        for i in range(500)
    ]
    demo.clear_requests()
    code, out, err = run([*command, "--format", "json"], "\n".join(lines) + "\n", online(demo.url))
    assert code == 0, err
    found = diagnoses(command[0], out)
    assert len(found) == 12 and all(d["verdict"] == "confirmed" for d in found)
    assert sum(d["evidence"]["count"] for d in found) == 500
    # what the server received: every request, whoever made it, with its query and credentials
    seen = collections.Counter(
        (r["method"], r["path"], json.dumps(r.get("query") or {}, sort_keys=True), r["credential"])
        for r in demo.requests
    )
    assert set(seen.values()) == {1}, [k for k, v in seen.items() if v > 1]
    account_reads = {p for _, p, _, _ in seen if p.startswith("/2010-04-01/Accounts/")}
    assert account_reads == {f"/2010-04-01/Accounts/{a}.json" for a in accounts}
    permissions = {(json.loads(q)["CountryCode"], who) for _, p, q, who in seen if p == "/v1/Messaging/GeoPermissions"}
    assert permissions == {(iso, a) for iso in ("PR", "FR", "NG", "DE") for a in accounts}
    assert len(demo.requests) == 3 + 12


# --- what cannot be read ------------------------------------------------------------------------

PASTE = (
    f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={SUPPORT}\n"
    f"2026-11-30T10:00:01Z ERROR code=21408 to=+4915123456789 account={PARENT}\n"
)
FORMATS = {"-": ["text", "json", "markdown", "html"], "triage": ["text", "json", "markdown", "html"]}
COMMANDS = [(command, fmt) for command, formats in FORMATS.items() for fmt in formats]


class _NotJson(http.server.BaseHTTPRequestHandler):
    """Answers 200 with ``BODY`` (not a JSON object) to a path that starts with ``BAD``, else what the
    simulator at ``UPSTREAM`` answers: a proxy, a captive portal, a truncated answer."""

    UPSTREAM = ""
    BAD = "/"
    BODY = b'{"sid": "AC'

    def do_GET(self) -> None:
        import urllib.error
        import urllib.request

        if self.path.startswith(self.BAD):
            status, body = 200, self.BODY
        else:
            request = urllib.request.Request(
                self.UPSTREAM + self.path, headers={"Authorization": self.headers["Authorization"]}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    status, body = answer.status, answer.read()
            except urllib.error.HTTPError as err:
                status, body = err.code, err.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def not_json(sim: Simulator) -> Iterator[Any]:
    """``start(bad, body)``: the URL of a server that answers ``body`` under ``bad``, the simulator elsewhere."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(bad: str, body: bytes) -> str:
        handler = type("Handler", (_NotJson,), {"UPSTREAM": sim.url, "BAD": bad, "BODY": body})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _no_secret(out: str, err: str) -> None:
    for secret in SECRETS:
        assert secret not in out and secret not in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "fault",
    [
        {"match": "GET .", "status": 403},
        {"match": "GET .", "status": 500, "retry_after": 0},
        {"match": "GET .", "status": 503, "retry_after": 0},
    ],
    ids=["403", "500", "503"],
)
@pytest.mark.parametrize("command,fmt", COMMANDS)
def test_when_every_read_fails_it_is_one_line_and_exit_3_as_for_a_sid(
    sim: Simulator, fault: dict[str, Any], command: str, fmt: str
) -> None:
    # It used to print an inconclusive report (exit 1) as if the accounts had been read, with the reason
    # only among the facts far below (and not at all in triage's text): a SID gets exit 3 and one line.
    sim.add_fault(**fault)
    args = [command, "-"] if command == "triage" else ["-"]
    code, out, err = run([*args, "--format", fmt, "--timeout", "2"], PASTE, online(sim.url))
    assert (code, out) == (3, ""), (code, out[:300])
    assert err.count("\n") == 1 and err.startswith("diagnose: error: ") and "--offline" in err
    assert f"HTTP {fault['status']}" in err
    _no_secret(out, err)


@pytest.mark.parametrize("command,fmt", COMMANDS)
def test_a_server_that_answers_no_json_at_all_is_one_line_and_exit_3(not_json: Any, command: str, fmt: str) -> None:
    url = not_json("/", b"<html><body>Sign in to the proxy</body></html>")
    args = [command, "-"] if command == "triage" else ["-"]
    code, out, err = run([*args, "--format", fmt, "--timeout", "2"], PASTE, online(url))
    assert (code, out) == (3, ""), (code, out[:300])
    assert err.count("\n") == 1 and "not JSON" in err and "--offline" in err
    _no_secret(out, err)


def _first_lines(command: str, fmt: str, out: str) -> list[str]:
    """What a reader sees first: each entry's summary (JSON), or the report's first lines (text)."""
    if fmt == "json":
        return [d["summary"] for d in diagnoses(command, out)]
    return [" ".join(out.split())]


UNREAD = [
    # (what the server does, credentials, the paste, words of the reason the report must state)
    ("an account not under the credentials (404)", None, f"ERROR code=21408 to=+33612345678 account={NOWHERE}\n",
     ["HTTP 404", NOWHERE, PARENT]),
    ("the parent, named to a subaccount's credentials (401)", (SUPPORT, SUPPORT_TOKEN),
     f"ERROR code=21408 to=+33612345678 account={PARENT}\n", ["HTTP 401", PARENT, SUPPORT]),
    ("a sibling, named to a subaccount's credentials (401)", (SUPPORT, SUPPORT_TOKEN),
     f"ERROR code=21408 to=+33612345678 account={SANDBOX}\n", ["HTTP 401", SANDBOX, SUPPORT]),
]  # fmt: skip


@pytest.mark.parametrize("label,creds,paste,words", UNREAD, ids=[u[0] for u in UNREAD])
@pytest.mark.parametrize("command,fmt", COMMANDS)
def test_an_account_the_credentials_cannot_read_is_said_in_the_first_lines(
    demo: Simulator, label: str, creds: tuple[str, str] | None, paste: str, words: list[str], command: str, fmt: str
) -> None:
    # It used to say only "no cause could be confirmed from what diagnose could read": why (the account is
    # not one the credentials reach) was among the facts far below, and triage's text did not say it at all.
    account, token = creds or (PARENT, PARENT_TOKEN)
    args = [command, "-"] if command == "triage" else ["-"]
    code, out, err = run([*args, "--format", fmt], paste, online(demo.url, account, token))
    assert code == 1 and err == ""
    (first,) = _first_lines(command, fmt, out) if fmt == "json" else [out]
    if fmt == "json":
        assert "Not confirmed online" in first and all(w in first for w in words), first
        (d,) = diagnoses(command, out)
        assert d["verdict"] == "inconclusive"
        reasons = [f["reason"] for f in d["facts"].values() if not f["known"]]
        assert not [r for r in reasons if "has not been read" in r], reasons  # it was read: it failed
    else:
        head = " ".join(out.split("\nCauses")[0].split("\n#  count")[0].split())
        assert "Not confirmed online" in head and all(w in head for w in words), head[:2000]
    _no_secret(out, err)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_step_with_more_unread_reasons_than_it_shows_says_how_many_more(demo: Simulator, fmt: str) -> None:
    # Three accounts a subaccount's credentials cannot read, one step: the text said "… and 1 more reasons"
    # (sic), the Markdown and the HTML showed two reasons and stopped, as if there were no third.
    paste = "".join(f"ERROR code=21408 to=+33612345678 account={a}\n" for a in (NOWHERE, PARENT, SANDBOX))
    code, out, err = run(["triage", "-", "--format", fmt], paste, online(demo.url, SUPPORT, SUPPORT_TOKEN))
    assert code == 1 and err == ""
    todo = " ".join(out.split("#  count")[0].split("<table")[0].split("| # |")[0].split())
    assert todo.count("Not confirmed online") == 2, todo
    assert "… and 1 more reason: see the groups below." in todo, todo
    _no_secret(out, err)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_subaccounts_credentials_name_the_parent_they_cannot_read(demo: Simulator, fmt: str) -> None:
    # Acme Support's own credentials diagnose its message; its parent's permissions are Acme Corp's to read. It
    # said 'authenticated as subaccount AC…: its parent AC…'s account and permissions can be read only with the
    # parent's credentials', not what to run; it now says it as 'diagnose fix' says a parent it was refused.
    code, out, err = run(
        ["SMc3fa1dce2a8b85a6365ecd7d70ed377d", "--format", fmt], "", online(demo.url, SUPPORT, SUPPORT_TOKEN)
    )
    said = (
        f"the credentials of subaccount {SUPPORT} cannot read its parent {PARENT} (Twilio answers a subaccount's "
        "credentials for that subaccount alone); run with the parent's credentials to compare"
    )
    assert code == 1 and err == "", err
    if fmt == "text":
        assert said in " ".join(out.split()), out[:3000]
        return
    (d,) = json.loads(out)["diagnoses"]
    assert said in d["notes"], d["notes"]
    assert d["facts"]["parent_messaging_enabled"] == {**d["facts"]["parent_messaging_enabled"], "known": False}
    assert d["facts"]["parent_messaging_enabled"]["reason"] == said
    # Unknown, not ruled out: the verdict stays likely, and the cause that needs the parent stays open.
    assert d["verdict"] == "likely"
    mismatch = next(c for c in d["causes"] if c["id"] == "subaccount-mismatch")
    assert mismatch["status"] != "ruled-out", mismatch


READ_FAULTS = [
    ("500", {"match": "GET ^/v1/Messaging/GeoPermissions$", "status": 500, "retry_after": 0}, "HTTP 500"),
    ("403", {"match": "GET ^/v1/Messaging/GeoPermissions$", "status": 403}, "HTTP 403"),
    ("hangs", {"match": "GET ^/v1/Messaging/GeoPermissions$", "delay_ms": 5000}, "did not answer within 1 s"),
]


@pytest.mark.parametrize("label,fault,words", READ_FAULTS, ids=[f[0] for f in READ_FAULTS])
@pytest.mark.parametrize("command,fmt", COMMANDS)
def test_a_permission_read_that_fails_is_said_in_the_first_lines(
    sim: Simulator, label: str, fault: dict[str, Any], words: str, command: str, fmt: str
) -> None:
    sim.add_fault(**fault)
    args = [command, "-"] if command == "triage" else ["-"]
    code, out, err = run([*args, "--format", fmt, "--timeout", "1"], PASTE, online(sim.url))
    assert code == 1 and err == ""
    if fmt == "json":
        for first in _first_lines(command, fmt, out):
            assert "Not confirmed online" in first and words in first, first
    else:
        head = " ".join(out.split("\nCauses")[0].split("\n#  count")[0].split())
        assert "Not confirmed online" in head and words in head, head[:2000]
        if command == "triage":  # each group says it
            assert out.count("Not confirmed online") >= 2
    _no_secret(out, err)


@pytest.mark.parametrize("command,fmt", COMMANDS)
def test_a_permission_answer_that_is_not_json_is_said_in_the_first_lines(not_json: Any, command: str, fmt: str) -> None:
    url = not_json("/v1/Messaging", b'{"permissions": [{"country_code": "FR", "enab')
    args = [command, "-"] if command == "triage" else ["-"]
    code, out, err = run([*args, "--format", fmt, "--timeout", "2"], PASTE, online(url))
    assert code == 1 and err == ""
    if fmt == "json":
        for first in _first_lines(command, fmt, out):
            assert "Not confirmed online" in first and "not JSON" in first, first
    else:
        head = " ".join(out.split("\nCauses")[0].split("\n#  count")[0].split())
        assert "Not confirmed online" in head and "not JSON" in head, head[:2000]
    _no_secret(out, err)


# --- --account: the sender of the errors that name none, in paste and triage alike -------------------

ACCOUNTLESS = (
    "2026-11-30T10:00:00Z ERROR code=21408 to=+17875550123\n"
    "2026-11-30T10:00:05Z ERROR code=21408 to=+17875550124\n"
    f"2026-11-30T10:00:09Z ERROR code=21408 to=+33612345678 account={PARENT}\n"
)


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_account_names_the_sender_of_the_errors_that_name_none_in_paste_and_triage(
    demo: Simulator, command: list[str]
) -> None:
    # `diagnose triage LOG --account AC…` was a usage error (no such option), while `diagnose - --account`
    # read the subaccount: a log from one subaccount could only be read on the credentials' account (the
    # parent), which confirms the wrong cause for Puerto Rico (enabled there, disabled on the subaccount).
    code, out, err = run([*command, "--format", "json", "--account", SUPPORT], ACCOUNTLESS, online(demo.url))
    assert code == 0, err
    rows = sorted(
        (d["evidence"]["account_sid"], d["evidence"]["country"], d["cause"]) for d in diagnoses(command[0], out)
    )
    assert rows == sorted([(PARENT, "FR", "missing-country"), (SUPPORT, "PR", "subaccount-mismatch")])
    if command[0] == "triage":  # the group is the subaccount's, as if the log had named it
        groups = json.loads(out)["groups"]
        assert sorted((g["account_sid"], g["count"]) for g in groups) == sorted([(PARENT, 1), (SUPPORT, 2)])
        _, text, _ = run([*command, "--account", SUPPORT], ACCOUNTLESS, online(demo.url))
        assert f"21408 · PR (Puerto Rico) · {SUPPORT} · 2×" in text


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_malformed_account_is_refused_before_anything_is_read(demo: Simulator, command: list[str]) -> None:
    demo.clear_requests()
    code, out, err = run([*command, "--account", "AC123"], ACCOUNTLESS, online(demo.url))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "'AC123' is not an account SID" in err
    assert demo.requests == []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_triage_says_which_account_it_read_for_errors_that_name_none_as_paste_does(demo: Simulator, fmt: str) -> None:
    # `diagnose -` says in an entry's first lines that an error naming no account was read on the
    # credentials' account (a subaccount's message read on its parent confirms the wrong cause); triage
    # read it the same way and said nothing.
    log = "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678\n"
    said = f"names no account: {PARENT}, the account of the credentials, was read"
    for command in (["-"], ["triage", "-"]):
        code, out, err = run([*command, "--format", fmt], log, online(demo.url))
        assert code == 0, err
        if fmt == "json":
            (d,) = diagnoses(command[0], out)
            assert said in d["summary"], (command, d["summary"])
        else:
            assert said in " ".join(out.split()), (command, out[:1500])


# --- a secret the server's answer carries ------------------------------------------------------------

_BASIC = "QUM4MjdiOWNkMGIwMzBkY2FjM2UyMjVkZjU3OTdlZmRlMDpkODM2NjIwYjllMWVjZmM2YmVkOWQ2YmQ5ODBhY2U1OA=="


@pytest.mark.parametrize("status", [400, 500])
@pytest.mark.parametrize("match", ["GET ^/v1/Messaging/GeoPermissions$", "GET ."], ids=["some", "every"])
@pytest.mark.parametrize("command,fmt", [*COMMANDS, ("sid", "text"), ("sid", "json")])
def test_a_secret_in_the_servers_error_message_is_never_printed(
    sim: Simulator, status: int, match: str, command: str, fmt: str
) -> None:
    # A gateway that echoes the request's Authorization header in its error message: the text report
    # wraps its lines, so 'Authorization: Basic' and the credentials landed on two lines, and the
    # redaction of the output, which runs after the wrapping, no longer saw them as one header.
    message = f"Rejected by the gateway: Authorization: Basic {_BASIC} (see the logs, ref 7781)"
    sim.add_fault(match=match, status=status, message=message, retry_after=0)
    if command == "sid":
        sid, _owner, _creds = sim.sample("missing-country")
        args, stdin = [sid], ""
    else:
        args, stdin = ([command, "-"] if command == "triage" else ["-"]), PASTE
    code, out, err = run([*args, "--format", fmt, "--timeout", "2"], stdin, online(sim.url))
    assert code in (1, 3), err
    assert _BASIC[:16] not in out + err, (out + err)[:3000]
    assert "Rejected by the gateway" in out + err  # the message itself is still said
    _no_secret(out, err)


@pytest.mark.parametrize("timeout", ["nan", "NaN", "-nan"])
@pytest.mark.parametrize("command", [["-"], ["triage", "-"], ["sid"]])
def test_a_timeout_that_is_no_number_is_a_usage_error(demo: Simulator, timeout: str, command: list[str]) -> None:
    # '--timeout nan' passed click's range check (every comparison with NaN is false) and every request
    # then failed: 'the answer could not be read (ValueError: Invalid value NaN)', exit 3, as if Twilio had.
    demo.clear_requests()
    args = [demo.sample("missing-country")[0]] if command == ["sid"] else command
    code, out, err = run([*args, "--timeout", timeout], PASTE, online(demo.url))
    assert (code, out) == (2, ""), err
    assert "Invalid value for '--timeout'" in err
    assert demo.requests == []


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
@pytest.mark.parametrize("account", [PARENT, SUPPORT], ids=["main", "subaccount"])
def test_a_country_is_read_once_when_a_wrong_prefix_points_there_too(
    demo: Simulator, command: list[str], account: str
) -> None:
    # '+4155550123' (a Toronto or Bay Area number without its 1, read as Switzerland) reads CH and the
    # country meant in one request, CountryCode=CH,US; a valid Swiss number of the same account read CH
    # again on its own, and a US number US: three requests where one answers all.
    log = "".join(
        f"2026-11-30T10:00:0{i}Z ERROR code=21408 to={to} account={account}\n"
        for i, to in enumerate(["+4155550123", "+41446681800", "+41446681801", "+14155550123"])
    )
    demo.clear_requests()
    code, out, err = run([*command, "--format", "json"], log, online(demo.url))
    assert code in (0, 1), err
    assert {d["evidence"]["country"] for d in diagnoses(command[0], out)} == {"CH", "US"}
    permissions = collections.Counter(
        r["credential"] for r in demo.requests if r["path"] == "/v1/Messaging/GeoPermissions"
    )
    # one request per account whose permissions apply: the subaccount's, and its parent's
    assert set(permissions.values()) == {1}, [(r["credential"], r["query"]) for r in demo.requests]
    assert len(permissions) == (1 if account == PARENT else 2)


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_subaccount_whose_own_token_is_refused_is_named_with_its_status(make_sim: Any, command: list[str]) -> None:
    # The subaccount's permissions are read with its own auth token (from its Account resource); Twilio
    # refuses the token of a suspended account. The report said 'the credentials were rejected', as if
    # those given (the parent's, which had just read that Account) were wrong.
    parent, sub = "AC" + "a" * 32, "AC" + "c" * 32
    sim = make_sim(
        {
            "accounts": [
                {"sid": parent, "auth_token": "a" * 32, "messaging_geo_permissions": {"FR": True}},
                {"sid": sub, "auth_token": "c" * 32, "parent": parent, "status": "suspended"},
            ]
        }
    )
    log = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={sub}\n"
    code, out, err = run([*command, "--format", "json"], log, online(sim.url, parent, "a" * 32))
    assert code == 1, err
    (d,) = diagnoses(command[0], out)
    assert f"Twilio refused the credentials of {sub} (its auth token" in d["summary"], d["summary"]
    assert "'suspended'" in d["summary"] and "the credentials were rejected" not in d["summary"]
    _no_secret(out, err)


@pytest.mark.parametrize("named", [PARENT, SANDBOX], ids=["parent", "sibling"])
@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_an_account_refused_to_working_credentials_does_not_say_they_were_rejected(
    demo: Simulator, named: str, command: list[str]
) -> None:
    # A subaccount's credentials read their own Account, and Twilio answers 401 for its parent's or a
    # sibling's: the reason said 'the credentials were rejected', which sends the user to check a token
    # that works. It now says they work for their own account and are refused for that one.
    log = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={named}\n"
    code, out, err = run([*command, "--format", "json"], log, online(demo.url, SUPPORT, SUPPORT_TOKEN))
    assert code == 1, err
    (d,) = diagnoses(command[0], out)
    assert "the credentials were rejected" not in d["summary"], d["summary"]
    assert f"refused for {named}" in d["summary"] and f"accepted for {SUPPORT}" in d["summary"], d["summary"]
    assert "HTTP 401" in d["summary"]
