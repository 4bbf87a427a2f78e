"""The fix audit log: append-only JSON lines, private, never through a symlink."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli.audit_log import AuditLog, default_audit_log_path, utc_now
from diagnose.errors import InputError


def test_default_location_is_documented_and_overridable(tmp_path: Path) -> None:
    assert default_audit_log_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "diagnose" / "fix-audit.jsonl"
    assert default_audit_log_path({"DIAGNOSE_AUDIT_LOG": str(tmp_path / "x.jsonl")}) == tmp_path / "x.jsonl"
    home = default_audit_log_path({})
    assert home.parts[-4:] == (".local", "state", "diagnose", "fix-audit.jsonl")


def test_appends_one_line_per_record_and_keeps_what_was_there(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "fix.jsonl"
    with AuditLog(path) as log:
        log.append({"n": 1})
    with AuditLog(path) as log:
        log.append({"n": 2, "text": "é\n\x1b"})
    lines = path.read_text(encoding="ascii").splitlines()
    assert [json.loads(line) for line in lines] == [{"n": 1}, {"n": 2, "text": "é\n\x1b"}]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_an_existing_file_is_appended_to_not_truncated(tmp_path: Path) -> None:
    path = tmp_path / "fix.jsonl"
    path.write_text('{"old": true}\n')
    with AuditLog(path) as log:
        log.append({"new": True})
    assert path.read_text().splitlines() == ['{"old": true}', '{"new":true}']


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = tmp_path / "fix.jsonl"
    link.symlink_to(target)
    with pytest.raises(InputError, match="cannot open the audit log"):
        AuditLog(link).open()
    assert target.read_text() == ""


def test_a_folder_or_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        AuditLog(tmp_path).open()
    if Path("/dev/null").exists():
        with pytest.raises(InputError, match="not a regular file"):
            AuditLog(Path("/dev/null")).open()


def test_utc_now_is_iso_utc() -> None:
    stamp = utc_now()
    assert len(stamp) == 20 and stamp.endswith("Z") and stamp[10] == "T"


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none())))
def test_any_record_is_one_ascii_line(tmp_path_factory: pytest.TempPathFactory, record: dict) -> None:
    path = tmp_path_factory.mktemp("log") / "fix.jsonl"
    with AuditLog(path) as log:
        log.append(record)
    data = path.read_bytes()
    assert data.count(b"\n") == 1 and data.endswith(b"\n") and data.isascii()
    assert json.loads(data) == record
