"""The simulator stays up: malformed requests get a 400 with a Twilio error body, never a dropped
connection or a 500 "simulator bug"; a body that never arrives is cut off by a read deadline."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(load_scenario(DEMO_SCENARIO), port=0, read_timeout=0.5) as simulator:
        yield simulator


def main_auth(sim: Simulator) -> str:
    sid, token = next((a["sid"], a["auth_token"]) for a in sim.accounts.values() if a["parent"] is None)
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def exchange(sim: Simulator, head: bytes, body: bytes = b"", *, wait: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Send raw bytes; (status, JSON body) of the answer. A dropped connection fails the test."""
    with socket.create_connection(("127.0.0.1", sim.port), timeout=wait) as conn:
        conn.sendall(head + body)
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            head_end = data.find(b"\r\n\r\n")
            if head_end >= 0:
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in data[:head_end].split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    None,
                )
                if length is not None and len(data) >= head_end + 4 + length:
                    break
    assert data, "the simulator dropped the connection without answering"
    status = int(data.split(b" ", 2)[1])
    payload = json.loads(data[data.find(b"\r\n\r\n") + 4 :] or b"null")
    return status, payload


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


ACCOUNTS = "/2010-04-01/Accounts.json"


def test_a_non_ascii_authorization_header_is_a_400(sim: Simulator) -> None:
    head = request_head("GET", ACCOUNTS, {})[:-2] + "Authorization: Basic ñé€".encode() + b"\r\n\r\n"
    status, body = exchange(sim, head)
    assert status == 400 and "Authorization" in body["message"]


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", " "])
def test_a_bad_content_length_is_a_400(sim: Simulator, length: str) -> None:
    head = request_head(
        "POST", "/v1/DialingPermissions/BulkCountryUpdates", {"Authorization": main_auth(sim), "Content-Length": length}
    )
    status, body = exchange(sim, head)
    assert status == 400 and "Content-Length" in body["message"]


def test_a_body_shorter_than_its_content_length_is_a_400_after_the_read_deadline(sim: Simulator) -> None:
    head = request_head(
        "POST",
        "/v1/DialingPermissions/BulkCountryUpdates",
        {"Authorization": main_auth(sim), "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "100"},
    )
    status, body = exchange(sim, head, b"UpdateRequest=", wait=5.0)
    assert status == 400 and "Content-Length" in body["message"]


def form_post(sim: Simulator, path: str, form: dict[str, str], method: str = "POST") -> tuple[int, dict[str, Any]]:
    body = urlencode(form).encode()
    head = request_head(
        method,
        path,
        {
            "Authorization": main_auth(sim),
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
        },
    )
    return exchange(sim, head, body)


@pytest.mark.parametrize("depth", [100_000])
def test_deeply_nested_json_in_update_request_is_a_400(sim: Simulator, depth: int) -> None:
    status, body = form_post(
        sim, "/v1/DialingPermissions/BulkCountryUpdates", {"UpdateRequest": "[" * depth + "]" * depth}
    )
    assert status == 400 and "UpdateRequest" in body["message"]


def test_deeply_nested_json_in_permissions_is_a_400(sim: Simulator) -> None:
    nested = '{"a":' * 20_000 + "1" + "}" * 20_000  # deep enough for a RecursionError, within MAX_BODY
    status, body = form_post(sim, "/v1/Messaging/GeoPermissions", {"Permissions": nested}, method="PATCH")
    assert status == 400 and "Permissions" in body["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    length=st.one_of(st.integers(-10, 10).map(str), st.text(alphabet="0123456789-+ abcx", max_size=6)),
    auth=st.text(max_size=20),
    body=st.binary(max_size=12),
)
def test_fuzzed_heads_always_get_an_answer(sim: Simulator, length: str, auth: str, body: bytes) -> None:
    length = length.strip() or "0"
    if length.isdigit():  # a body that matches its length (a short one waits for the deadline: tested above)
        body = body.ljust(int(length), b"x")[: int(length)]
    headers = {"Content-Length": length, "Content-Type": "application/x-www-form-urlencoded"}
    head = request_head("POST", "/v1/DialingPermissions/BulkCountryUpdates", headers)[:-2]
    head += b"Authorization: " + auth.replace("\r", "").replace("\n", "").encode("utf-8") + b"\r\n\r\n"
    status, _ = exchange(sim, head, body)
    assert status != 500
