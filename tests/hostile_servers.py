"""Misbehaving HTTP servers for tests: real sockets on 127.0.0.1 that stop themselves.

Each server accepts connections on an ephemeral port, reads the request head, then lets a
handler write whatever it likes (a trickle, a bomb, broken JSON). Every server and every
connection has a lifetime, so a test that goes wrong cannot leave anything running.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Handler = Callable[[socket.socket, threading.Event], None]


@dataclass
class ServerLog:
    """What a server saw: how many connections, and the request heads."""

    connections: int = 0
    heads: list[bytes] = field(default_factory=list)


def _read_head(conn: socket.socket, limit: int = 65536) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@contextlib.contextmanager
def raw_server(handle: Handler, *, lifetime: float = 15.0) -> Iterator[tuple[str, ServerLog]]:
    """``(base_url, log)`` of a server running ``handle`` on each connection, for at most ``lifetime`` s."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()
    log = ServerLog()
    ends_at = time.monotonic() + lifetime

    def run(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(max(0.1, ends_at - time.monotonic()))
            with contextlib.suppress(OSError):
                log.heads.append(_read_head(conn))
                handle(conn, stop)

    def serve() -> None:
        while not stop.is_set() and time.monotonic() < ends_at:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            log.connections += 1
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop.set()
        listener.close()
        thread.join(2)


def respond(status: str, body: bytes, headers: dict[str, str] | None = None) -> Handler:
    """A handler that answers once with ``body``."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "Connection: close\r\n\r\n"
        conn.sendall(head.encode("latin-1") + body)

    return handle


def trickle(every: float) -> Handler:
    """A handler that sends a valid answer, status line included, one byte every ``every`` seconds."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        body = b'{"sid": "SM' + b"0" * 32 + b'"}'
        data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        for i in range(len(data)):
            if stop.wait(every):
                return
            conn.sendall(data[i : i + 1])

    return handle


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip body that decompresses to a JSON object of about ``decoded_bytes`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b'{"sid": "')]
    block = b"a" * (1 << 20)
    for _ in range(max(1, decoded_bytes >> 20)):
        parts.append(packer.compress(block))
    parts.append(packer.compress(b'"}'))
    parts.append(packer.flush())
    return b"".join(parts)


def endless(chunk: bytes = b" " * 65536) -> Handler:
    """A 200 with no length that never ends (until the server stops or the client hangs up)."""

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{")
        while not stop.is_set():
            conn.sendall(chunk)

    return handle
