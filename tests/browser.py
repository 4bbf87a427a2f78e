"""Headless Chromium for the tests that look at generated pages (the runbook site, the audit's HTML).

Debian's ``/usr/bin/chromium`` (or ``$DIAGNOSE_CHROMIUM``); without it the calling test is skipped
and says why. Chromium's host resolver maps every name but 127.0.0.1 to nothing, so no test can
reach the network through it.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DIAGNOSE_CHROMIUM", "/usr/bin/chromium")


def chromium() -> str:
    path = shutil.which(CHROMIUM) or shutil.which("chromium")
    if not path:
        pytest.skip(f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return path


def run_chromium(tmp_path: Path, *args: str) -> str:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--no-proxy-server",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))
