"""The audit log of ``diagnose fix``: two JSON lines per change it sends.

Before a request leaves, its attempt is written (``"event": "attempt"``,
``"outcome": "unknown"``) and flushed to disk; once Twilio answers, its result
(``"event": "result"``: ``done``, ``inherits``, ``refused`` or ``failed``, the
state read back). Both carry the same ``change`` key. Whatever ends the process
while a change is in flight (a third Ctrl-C, ``kill -9``, a power cut), the log
still says it was tried, and its outcome reads unknown (:func:`read_changes`).

Each record says who made the change (the credential's SID, never a secret),
when (UTC, ISO 8601), on which account, country and product, the request, and
the state before and after (as read back from Twilio). The file is opened for
appending only, created with private permissions (0600, in a 0700 folder),
and a symbolic link or anything but a regular file is refused, so the log can
be neither redirected nor truncated.

Default location: ``$DIAGNOSE_AUDIT_LOG`` when set, else
``$XDG_STATE_HOME/diagnose/fix-audit.jsonl`` (``~/.local/state/diagnose/fix-audit.jsonl``);
``diagnose fix --audit-log FILE`` overrides both.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["AuditLog", "default_audit_log_path", "read_changes", "sms_inheritance", "utc_now"]

_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def default_audit_log_path(env: Mapping[str, str]) -> Path:
    """Where the audit log goes when ``--audit-log`` is not given."""
    configured = env.get("DIAGNOSE_AUDIT_LOG", "").strip()
    if configured:
        return Path(configured).expanduser()
    base = env.get("XDG_STATE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "diagnose" / "fix-audit.jsonl"


def utc_now() -> str:
    """The current time in UTC, ISO 8601 with a ``Z``: ``2026-11-30T17:49:07Z``."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class AuditLog:
    """An append-only JSON-lines file, opened once before the first change is sent."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._lock = threading.Lock()  # changes made in parallel append one whole line each

    def open(self) -> AuditLog:
        """Open (and create) the file; raises :class:`InputError` when it cannot be used safely."""
        folder = self.path.parent
        try:
            if not folder.exists():
                folder.mkdir(mode=0o700, parents=True)
            fd = os.open(self.path, _FLAGS, 0o600)
        except OSError as err:
            raise InputError(f"cannot open the audit log {self.path}: {err.strerror or err}") from err
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise InputError(f"the audit log {self.path} is not a regular file")
        self._fd = fd
        return self

    def __enter__(self) -> AuditLog:
        return self.open() if self._fd is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one record as one line (a single ``write`` with ``O_APPEND``), and flush it to disk."""
        if self._fd is None:
            raise RuntimeError("the audit log is not open")
        line = json.dumps(record, ensure_ascii=True, sort_keys=False, separators=(",", ":")) + "\n"
        data = line.encode("ascii")
        with self._lock:
            written = os.write(self._fd, data)
            if written != len(data):  # pragma: no cover - a local file takes a short line whole
                raise OSError(f"short write to {self.path}")
            os.fsync(self._fd)


def read_changes(path: Path) -> list[dict[str, Any]]:
    """The changes an audit log records, in the order they were tried: each one's last record, its result,
    or its attempt alone (``"outcome": "unknown"``) when the process ended while it was in flight. A line
    of a version that logged results only (no ``event``) is a change done; a line that is not a JSON
    object (a disk that filled up mid-line) is skipped."""
    changes: dict[str, dict[str, Any]] = {}
    with Path(path).open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            if "event" not in record:
                record = {**record, "event": "result", "outcome": "done"}
            changes[str(record.get("change") or f"line {number}")] = record  # a result replaces its attempt
    return list(changes.values())


def sms_inheritance(path: Path) -> dict[str, tuple[bool, str]]:
    """Per account, what Twilio's last answer to a change of its SMS geo permissions showed, with where it was
    said: ``(True, …)`` when it answered 30648 (the subaccount inherits its parent's list: no API reads the
    setting, this answer is the only sign), ``(False, …)`` when it made the change (the account keeps its own).

    Read line by line, keeping one entry per account: a log of any length. No log (the first ``diagnose fix``),
    or one that cannot be read, says nothing: ``{}``. A line that is not a result is skipped.
    """
    found: dict[str, tuple[bool, str]] = {}
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return found
        with Path(path).open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if '"enable-messaging-country"' not in line:
                    continue  # the cheap test first: most lines are not SMS changes
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(record, dict) or record.get("action") != "enable-messaging-country":
                    continue
                outcome, account = record.get("outcome"), record.get("account")
                if record.get("event", "result") != "result" or outcome not in ("inherits", "done"):
                    continue
                if isinstance(account, str):
                    said = (
                        f"Twilio answered {record.get('code') or 30648} to {record.get('request')} for "
                        f"{record.get('country')} at {record.get('time')} (diagnose fix's audit log {path})"
                        if outcome == "inherits"
                        else f"Twilio changed its list at {record.get('time')} (diagnose fix's audit log {path})"
                    )
                    found[account] = (outcome == "inherits", said)
    except OSError:
        return {}
    return found
