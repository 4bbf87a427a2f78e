"""Twilio's answers cannot hang or flood us: a deadline per request, a size cap, JSON objects only.

The servers are real sockets on 127.0.0.1 (tests/hostile_servers.py) that stop themselves;
the client is the real twilio client behind the gateway, driven through the real CLI.
"""

from __future__ import annotations

import json
import threading
from socket import socket
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.errors import InputError, UnreachableError
from diagnose.gateway import ApiError, Credentials, TwilioAccess, check_api_url
from diagnose.gateway._http import UnusableAnswer, check_json_object, foreign_body
from tests.hostile_servers import endless, gzip_bomb, raw_server, respond, trickle

ACCOUNT = "AC" + "0" * 32
SID = "SM" + "0" * 32
LIMIT = 16 * 1024 * 1024


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    base = {"NO_COLOR": "1", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", "DIAGNOSE_API_URL": ""}
    result = CliRunner().invoke(main, args, env={**base, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def creds(url: str, token: str = "token") -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": url}


def fetch(url: str, **policy: Any) -> Any:
    with TwilioAccess(Credentials(ACCOUNT, ACCOUNT, "token"), api_url=url, **{"timeout": 2.0, **policy}) as access:
        return access.fetch_account(ACCOUNT)


# --- a deadline per request ------------------------------------------------------------


def test_a_trickling_server_is_cut_off_by_the_deadline() -> None:
    # One byte every 0.2 s never trips a 1 s socket timeout; only an overall deadline stops it.
    with raw_server(trickle(0.2)) as (url, _):
        code, _out, err = run([SID, "--timeout", "1"], creds(url))
    assert code == 3
    assert "did not answer within 1 s" in err


def test_the_deadline_covers_the_body_too() -> None:
    def slow_body(conn: socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        while not stop.wait(0.2):
            conn.sendall(b" ")

    with raw_server(slow_body) as (url, _), pytest.raises(UnreachableError, match="within 1 s"):
        fetch(url, timeout=1.0)


# --- a cap on response size ---------------------------------------------------------------


def test_a_gzip_bomb_is_refused_once_decompressed_past_the_cap() -> None:
    bomb = gzip_bomb(4 * LIMIT)
    assert len(bomb) < LIMIT // 100
    with raw_server(respond("200 OK", bomb, {"Content-Encoding": "gzip"})) as (url, _):
        code, _out, err = run([SID, "--timeout", "5"], creds(url))
    assert code == 3
    assert f"larger than {LIMIT:,} bytes once decompressed" in err


def test_an_endless_body_is_refused_at_the_cap() -> None:
    with raw_server(endless()) as (url, _), pytest.raises(ApiError, match="larger than"):
        fetch(url)


def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    def huge(conn: socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n{")
        stop.wait(5)

    with raw_server(huge) as (url, _), pytest.raises(ApiError, match="3,000,000,000 bytes"):
        fetch(url)


# --- a 200 that is not a JSON object ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[]", "a list"),
        (b"null", "null"),
        (b'"SM0"', "a string"),
        (b"42", "a number"),
        (b"true", "a boolean"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        (b"<html>hello</html>", "not JSON"),
    ],
)
def test_a_200_that_is_not_a_json_object_exits_3_with_a_clear_message(body: bytes, words: str) -> None:
    with raw_server(respond("200 OK", body)) as (url, _):
        code, _out, err = run([SID, "--timeout", "5"], creds(url))
    assert code == 3, err
    assert words in err
    assert "Traceback" not in err


def test_an_error_answer_nested_deeply_is_still_an_error_not_a_crash() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with raw_server(respond("503 Service Unavailable", body)) as (url, _), pytest.raises(ApiError, match="HTTP 503"):
        fetch(url, max_retry_time=0.0)


# --- answers that cannot be Twilio's: a proxy, a firewall, a captive portal answered ----------------

NGINX_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>nginx</center></body></html>"
)
PAGES = [
    # (status line, body, headers, what the one line says; what it said before)
    (
        "302 Found",
        b"<html>Moved</html>",
        {"Location": "http://portal.example/login"},
        "HTTP 302, a redirect to http://portal.example/login: Twilio's API never redirects, so a proxy or captive "
        "portal answered",
        # the answer could not be read (JSONDecodeError: Expecting value: line 1 column 1 (char 0))
    ),
    (
        "407 Proxy Authentication Required",
        b"<html><body>Proxy Authentication Required</body></html>",
        {},
        "HTTP 407 Proxy Authentication Required: a proxy on the way wants credentials of its own",
        # HTTP 407
    ),
    (
        "403 Forbidden",
        b"<html><body><h1>Access Denied</h1> corporate firewall</body></html>",
        {},
        'HTTP 403, an HTML page, not Twilio\'s JSON ("Access Denied corporate firewall"): a proxy or firewall on the '
        "way answered, not Twilio",
        # HTTP 403
    ),
    (
        "502 Bad Gateway",
        NGINX_502,
        {},
        'HTTP 502, an HTML page, not Twilio\'s JSON ("502 Bad Gateway nginx"), still after 3 attempts',
        # HTTP 502, still after 3 attempts
    ),
]


@pytest.mark.parametrize(("status", "body", "headers", "words"), PAGES, ids=["302", "407", "403", "502"])
@pytest.mark.parametrize("command", [[SID], ["-"]], ids=["sid", "paste"])
def test_an_answer_that_is_not_twilios_says_what_answered(
    status: str, body: bytes, headers: dict[str, str], words: str, command: list[str]
) -> None:
    paste = "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678\n"
    with raw_server(respond(status, body, headers)) as (url, _):
        result = CliRunner().invoke(
            main,
            [*command, "--timeout", "5"],
            input=paste,
            env={"NO_COLOR": "1", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", **creds(url)},
            catch_exceptions=False,
        )
    assert result.exit_code == 3, result.stderr
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


def test_an_answer_that_says_it_is_gzip_and_is_not_is_said_so_once() -> None:
    # It said 'the connection to 127.0.0.1:PORT failed (ContentDecodingError)', after asking three times
    # for each read (6 requests): a corrupt body is an answer, and asking again gets the same one.
    body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"not deflate at all" * 3
    paste = "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678\n"
    with raw_server(respond("200 OK", body, {"Content-Encoding": "gzip"})) as (url, log):
        result = CliRunner().invoke(
            main,
            ["-", "--timeout", "5"],
            input=paste,
            env={"NO_COLOR": "1", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", **creds(url)},
            catch_exceptions=False,
        )
        heads = list(log.heads)
    assert result.exit_code == 3, result.stderr
    assert "HTTP 200, but the answer could not be decompressed (Content-Encoding: gzip)" in result.stderr
    assert len(heads) == 2, heads  # the account, then the permission: each once


def test_https_to_a_server_that_speaks_http_says_the_tls_handshake_failed() -> None:
    # '--api-url https://…' to a plain HTTP server (or a proxy that breaks TLS) said 'the connection to
    # 127.0.0.1:PORT failed (SSLError)', after three connections: a handshake that fails is not retried.
    listener = socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    stop = threading.Event()
    connections = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(conn)
            with conn:  # answers the ClientHello in plain HTTP, as a server without TLS does
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = CliRunner().invoke(
            main,
            ["-", "--timeout", "5"],
            input="2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678\n",
            env={"NO_COLOR": "1", "TWILIO_API_KEY": "", "TWILIO_API_SECRET": "", **creds(f"https://127.0.0.1:{port}")},
            catch_exceptions=False,
        )
        code, err = result.exit_code, result.stderr
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert code == 3, err
    assert f"the TLS handshake with 127.0.0.1:{port} failed ([SSL: WRONG_VERSION_NUMBER] wrong version number)" in err
    assert "https:// to a server that speaks http?" in err and "REQUESTS_CA_BUNDLE" in err, err
    assert len(connections) == 1, len(connections)  # the account read, once; the permission read not sent


def test_twilios_own_error_answer_reads_as_before() -> None:
    body = b'{"code": 20403, "message": "Permission denied", "more_info": "", "status": 403}'
    with raw_server(respond("403 Forbidden", body)) as (url, _):
        code, _out, err = run([SID, "--timeout", "5"], creds(url))
    assert code == 3 and 'HTTP 403, code 20403 "Permission denied"' in err and "not Twilio" not in err, err


@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
@settings(max_examples=300, deadline=None)
def test_foreign_body_never_raises_and_leaves_json_objects_alone(text: str) -> None:
    said = foreign_body(text)
    assert said is None or (said.startswith(("an HTML page", "text")) and len(said) < 200)
    assert foreign_body(json.dumps({"code": 20403, "message": text})) is None


# --- --api-url ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://127.0.0.1:99999", "http://a b/", "http://exa mple.com", "http://\x1b[2J/", "ftp://x"]
)
def test_a_malformed_api_url_exits_2_before_any_request(url: str) -> None:
    with raw_server(respond("200 OK", b"{}")) as (_, log):
        code, _out, err = run([SID], creds(url))
        assert code == 2, err
        assert "--api-url" in err and "Traceback" not in err
        assert log.connections == 0


def test_a_password_in_the_api_url_is_never_shown() -> None:
    with raw_server(respond("200 OK", b"[]")) as (url, _):
        secret_url = url.replace("http://", "http://user:hunter2@")
        code, out, err = run([SID, "--timeout", "5"], creds(secret_url))
    assert code == 3 and "hunter2" not in out + err
    code, out, err = run([SID], creds("http://user:hunter2@127.0.0.1:99999"))
    assert code == 2 and "hunter2" not in out + err and "***" in err
    code, out, err = run([SID, "--timeout", "1"], creds("http://user:hunter2@127.0.0.1:9"))
    assert code == 3 and "hunter2" not in out + err


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "https://api.twilio.com", "http://[::1]:8080/prefix/"])
def test_good_api_urls_are_kept(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/")


def test_check_api_url_raises_only_input_errors() -> None:
    with pytest.raises(InputError):
        check_api_url("http://[::1")


# --- credentials that cannot be sent ---------------------------------------------------------


@pytest.mark.parametrize("variable", ["TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET"])
def test_a_secret_no_header_can_carry_exits_2_and_sends_nothing(variable: str) -> None:
    with raw_server(respond("200 OK", b"{}")) as (url, log):
        env = creds(url)
        if variable == "TWILIO_API_SECRET":
            env.update(TWILIO_AUTH_TOKEN="", TWILIO_API_KEY="SK" + "0" * 32)
        env[variable] = "tök€n-秘密"
        code, out, err = run([SID], env)
        assert code == 2, err
        assert variable in err and "秘密" not in out + err
        assert log.connections == 0


def test_the_answer_is_still_read_normally() -> None:
    account = {"sid": ACCOUNT, "status": "active", "type": "Full", "owner_account_sid": ACCOUNT}
    with raw_server(respond("200 OK", json.dumps(account).encode())) as (url, _):
        assert fetch(url)["sid"] == ACCOUNT


# --- fuzz -------------------------------------------------------------------------------------

URLISH = st.lists(
    st.sampled_from(["http://", "https://", "[", "]", "::1", "127.0.0.1", ":", "99999", "80", "@", "/", " ", "a", "é"]),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(URLISH, st.text(max_size=40)), st.text(alphabet="abcXYZ019!$", min_size=4, max_size=12))
def test_check_api_url_refuses_with_input_errors_only_and_hides_passwords(text: str, password: str) -> None:
    for candidate in (text, text.replace("://", f"://user:{password}@", 1)):
        try:
            kept = check_api_url(candidate)
        except InputError as err:
            assert f":{password}@" not in str(err)
        else:
            assert kept.startswith(("http://", "https://"))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@given(JSON, st.integers(0, 3000))
def test_only_a_json_object_is_a_usable_answer(value: object, depth: int) -> None:
    text = "[" * depth + json.dumps(value) + "]" * depth
    try:
        payload = check_json_object(text, 200)
    except UnusableAnswer as err:
        assert depth or not isinstance(value, dict), err
    else:
        assert depth == 0 and isinstance(value, dict)
        assert payload == value  # the decoded object itself: the SDK is handed it, not the text


def test_an_upper_case_account_sid_in_the_environment_is_taken_in_twilios_form() -> None:
    # Refused (exit 2) until 78f3d0c, which takes it as the SID Twilio issued (lower-case hex).
    from diagnose.gateway import credentials_from_env

    creds = credentials_from_env({"TWILIO_ACCOUNT_SID": "AC" + "ABCDEF" * 5 + "00", "TWILIO_AUTH_TOKEN": "t"})
    assert creds.account_sid == "AC" + "abcdef" * 5 + "00"
