"""A run that reads nothing from Twilio ends in one line and exit 3, whichever command it is.

What a user sees when the credentials are wrong (401), when the host refuses the connection (a port
nothing listens on: what a name that does not resolve or a wrong ``--api-url`` gives too), never
answers, or resets the connection: one ``diagnose: error: …`` line on standard error, nothing on
standard output, exit 3 (docs/report-format.md, "Exit codes"). The line says what failed (the
request), for which account (the credentials'), and what to do (check the credentials, the network
or ``--api-url``, or allow more time with ``--timeout``); the auth token never appears.

Real sockets on 127.0.0.1 (tests/hostile_servers.py, the simulator), the real twilio client.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from click.testing import CliRunner

from diagnose.cli import main
from diagnose.simulator import DEMO_SCENARIO, Simulator, load_scenario
from tests.hostile_servers import raw_server
from tests.shared import OFFLINE_ENV

PARENT, PARENT_TOKEN = "AC827b9cd0b030dcac3e225df5797efde0", "d836620b9e1ecfc6bed9d6bd980ace58"
SUPPORT = "AC15bf105506e1d44cb84ba12ca58143a1"
WRONG_TOKEN = "e3b0c44298fc1c149afbf4c8996fb924"  # a token Twilio does not know: it must never be printed
PASTE = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={SUPPORT}\n"
SID = "SM" + "a" * 32

COMMANDS = {
    "paste": (["-"], PASTE),
    "triage": (["triage", "-"], PASTE),
    "sid": ([SID], ""),
    "audit": (["audit", "--countries", "FR"], ""),
    "scan": (["scan"], ""),
}


def run(args: list[str], stdin: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **env}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def online(url: str, token: str = PARENT_TOKEN) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": PARENT, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": url}


@contextmanager
def refusing() -> Iterator[str]:
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{closed.getsockname()[1]}"


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def _reset(conn: socket.socket, stop: threading.Event) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextmanager
def silent() -> Iterator[str]:
    with raw_server(_silent, lifetime=10) as (url, _):
        yield url


@contextmanager
def resetting() -> Iterator[str]:
    with raw_server(_reset, lifetime=30) as (url, _):
        yield url


SERVERS: dict[str, tuple[Callable[[], AbstractContextManager[str]], list[str]]] = {
    # what the line must say besides the request and the account: the failure, and what to do
    "refused": (refusing, ["could not connect to 127.0.0.1:", "Check the network", "--api-url"]),
    "silent": (silent, ["did not answer within 1 s", "Check the network", "--timeout"]),
    "reset": (resetting, ["connection", "without an answer", "Check the network", "--api-url"]),
}


def _one_line(code: int, out: str, err: str) -> str:
    assert (code, out) == (3, ""), (code, out[:500], err)
    assert err.startswith("diagnose: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and PARENT_TOKEN not in err and WRONG_TOKEN not in err
    return err


@pytest.mark.parametrize("server", sorted(SERVERS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_twilio_out_of_reach_is_one_line_that_says_what_to_do(server: str, command: str) -> None:
    start, words = SERVERS[server]
    args, stdin = COMMANDS[command]
    with start() as url:
        err = _one_line(*run([*args, "--timeout", "1"], stdin, online(url)))
    assert "GET https://api.twilio.com/2010-04-01/Accounts/" in err, err  # the request
    assert PARENT in err, err  # the account whose credentials were used
    for word in words:
        assert word in err, (word, err)
    if command in ("paste", "triage"):
        assert "--offline" in err  # the text alone can still be diagnosed


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_rejected_credentials_are_one_line_that_says_what_to_do(command: str) -> None:
    args, stdin = COMMANDS[command]
    with Simulator(load_scenario(DEMO_SCENARIO), port=0) as sim:
        err = _one_line(*run(args, stdin, online(sim.url, WRONG_TOKEN)))
    assert "the credentials were rejected" in err and "HTTP 401" in err, err
    assert "GET https://api.twilio.com/2010-04-01/Accounts/" in err and PARENT in err, err
    assert "TWILIO_ACCOUNT_SID" in err and "TWILIO_AUTH_TOKEN" in err, err  # what to check
