"""Lists that several test files share, each taken from its one source.

* :data:`REQUIRED_CAUSES`: the causes the issues require for each code (a
  specification: the knowledge must have them, and the demo must show them).
* The demo cases: the ``case`` labels of the bundled demo scenario, which are
  cause ids (``voice-…``/``sip-…`` for calls), read from the scenario itself.
* :data:`OFFLINE_ENV`: the environment of a command that must not reach any Twilio.
* :func:`scan_peaks`: the peak memory of streaming logs of growing size (flat memory).
* :func:`unsourced`: a triage's JSON without the names of the files it read, to compare two.
* :func:`triage_in_a_process`: the real ``diagnose triage`` of a file or of its bytes on a pipe.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from diagnose.simulator import DEMO_SCENARIO, load_scenario

REQUIRED_CAUSES: dict[int, frozenset[str]] = {
    21408: frozenset(
        {
            "missing-country",
            "subaccount-mismatch",
            "high-restriction-country",
            "country-not-allowed",
            "permission-enabled-now",
            "wrong-country-code",
        }
    ),
    21215: frozenset({"missing-country", "subaccount-mismatch", "high-risk-number-range", "trial-account"}),
    13227: frozenset({"missing-country", "subaccount-mismatch", "high-risk-number-range", "trial-account"}),
    32205: frozenset({"missing-country", "subaccount-mismatch", "high-risk-number-range", "trial-account"}),
}

OFFLINE_ENV: dict[str, str] = {
    "NO_COLOR": "1",
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_API_KEY": "",
    "TWILIO_API_SECRET": "",
    "DIAGNOSE_API_URL": "",
}
"""No credentials and no API URL (a developer's own variables never reach a test), no colour."""

_DEMO = load_scenario(DEMO_SCENARIO)

DEMO_CASES: tuple[str, ...] = tuple(_DEMO.cases)
"""Every case label of the demo scenario, in file order."""

SMS_CAUSE_CASES: tuple[str, ...] = tuple(m.case for m in _DEMO.messages() if m.case and m.error_code == 21408)
"""Demo messages that failed with 21408; each label is the cause that explains it."""

CALL_CAUSE_CASES: tuple[str, ...] = tuple(c.case for c in _DEMO.calls() if c.case)
"""Demo calls; each label is ``voice-<cause>`` or ``sip-<cause>``."""

CALL_PREFIXES = ("voice-", "sip-")


# Demo cases added for issue 7 whose labels name the situation rather than the cause (a cause id
# can label one case only): the cause each is confirmed as.
SITUATION_CASES: dict[str, str] = {
    "wrong-prefix-form-default": "wrong-country-code",
    "trunk-zero-enabled-now": "permission-enabled-now",  # a kept trunk 0 is no wrong country
    "doubled-code-enabled-now": "permission-enabled-now",  # +1 1 …: US as sent and meant, no wrong country
    "inheriting-subaccount": "missing-country",
    "voice-canada": "subaccount-mismatch",
    "voice-child-leg": "missing-country",
    "voice-blocked-destination": "blocked-destination",  # 21216, Twilio's block list
    "wrong-prefix-meant-disabled": "wrong-country-code",  # the country meant is disabled too
    "voice-wrong-prefix-meant-disabled": "wrong-country-code",
}


def cause_of(case: str) -> str:
    """The cause id a demo case label stands for (``voice-trial-account`` → ``trial-account``)."""
    if case in SITUATION_CASES:
        return SITUATION_CASES[case]
    for prefix in CALL_PREFIXES:
        if case.startswith(prefix):
            return case.removeprefix(prefix)
    return case


def scan_peaks(streams: Iterable[io.BytesIO]) -> list[int]:
    """Peak traced memory of ``diagnose.paste.scan`` reading each stream in 1 MiB chunks (each holds an error)."""
    from diagnose.paste import scan

    peaks = []
    for stream in streams:
        tracemalloc.start()
        found = sum(1 for _ in scan(stream, chunk_size=1 << 20))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert found > 0
    return peaks


def unsourced(data: dict[str, Any]) -> dict[str, Any]:
    """A ``diagnose triage --format json`` document without what names the files read (``source``,
    ``sources``, each group's ``source``) or counts their own bytes (``bytes``): the triage of one text
    written to two files, or compressed, or on a pipe, is then the same."""
    out = {k: v for k, v in data.items() if k not in ("source", "sources", "bytes")}
    out["groups"] = [{k: v for k, v in g.items() if k != "source"} for g in data["groups"]]
    return out


def triage_in_a_process(path: Path, source: str) -> dict[str, Any]:
    """``diagnose triage SOURCE --format json`` in a process of its own (its workers real), offline, SOURCE
    ``path`` or ``-`` (then fed ``path``'s bytes through a pipe): the :func:`unsourced` document, once
    checked that it counted ``path``'s own bytes."""
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", "triage", source, "--format", "json"],
        input=path.read_bytes() if source == "-" else None,
        capture_output=True,
        env={**os.environ, **OFFLINE_ENV},
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert data["bytes"] == data["sources"][0]["bytes"] == path.stat().st_size
    return unsourced(data)
