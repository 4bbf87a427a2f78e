"""A real pseudo-terminal for a child process: open one, read what the child writes to it, answer a prompt.

Shared by the tests that need a terminal rather than a pipe (progress bars,
confirmation prompts, wrapping at the terminal's width). Reading stops when the
child closes the terminal or exits, or at a deadline, so that a child that never
lets go of it cannot hang the suite.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest


def open_terminal(columns: int | None = None, rows: int = 40) -> tuple[int, int]:
    """A pseudo-terminal, ``(leader, follower)``: give ``follower`` to the child, read ``leader`` here.

    ``columns``: the width the child sees (``TIOCSWINSZ``). Skips the test where there are no pseudo-terminals.
    """
    if sys.platform == "win32":
        pytest.skip("needs a pseudo-terminal")
    import pty

    leader, follower = pty.openpty()
    if columns is not None:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return leader, follower


def read_terminal(
    leader: int,
    proc: subprocess.Popen[bytes],
    *,
    prompt: bytes = b"",
    reply: bytes = b"",
    deadline: float = 60,
) -> bytes:
    """Everything ``proc`` writes to the terminal ``leader`` (which this closes) until it lets go of it.

    Once ``prompt`` has appeared, ``reply`` is typed, once. After ``deadline`` seconds the child is
    killed: only a broken child gets there, and the test then fails on what it did write.
    """
    output = b""
    sent = not prompt
    end = time.monotonic() + deadline
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if not sent and prompt in output:
                os.write(leader, reply)
                sent = True
            if not ready and proc.poll() is not None:
                break
        else:
            proc.kill()
    finally:
        os.close(leader)
    return output
