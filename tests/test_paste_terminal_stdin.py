"""``diagnose -`` (and ``diagnose triage -``) typed at a terminal say what they wait for.

Before, they waited in silence for standard input, which looks like a hang to whoever typed the command
without piping anything. On a terminal one line on standard error now says to paste the text and end it
with Ctrl-D; from a pipe nothing is added.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.shared import OFFLINE_ENV
from tests.terminal import open_terminal, read_terminal

ERROR = "HTTP 400 error: Unable to create record: Permission to send an SMS has not been enabled for the region "
ERROR += "indicated by the 'To' number: +2348031234567."
HINT = b"diagnose: paste the error text, then press Ctrl-D on a line of its own"


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_a_terminal_is_told_what_to_paste_and_how_to_end(command: list[str]) -> None:
    leader, follower = open_terminal(columns=100)
    env = {**os.environ, **OFFLINE_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-m", "diagnose", *command, "--format", "json"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = read_terminal(leader, proc, prompt=b"Ctrl-D", reply=(ERROR + "\n").encode() + b"\x04")
    out, _ = proc.communicate(timeout=60)
    assert HINT in seen
    assert b'"code": 21408' in out and b"+2348031234567" in out


def test_a_pipe_gets_no_hint() -> None:
    env = {**os.environ, **OFFLINE_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "diagnose", "-", "--format", "json"],
        input=ERROR.encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert b"paste the error text" not in done.stderr
    assert b'"code": 21408' in done.stdout
