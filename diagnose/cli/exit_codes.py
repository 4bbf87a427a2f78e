"""Every exit code of ``diagnose``, and the verdict → exit code mapping (the only place they live).

Documented in ``docs/report-format.md`` (Exit codes) and in ``diagnose --help``.
A process that reports on several subjects exits with the worst (highest) code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..errors import DiagnoseError, InputError, TwilioAccessError, WorkerDiedError

if TYPE_CHECKING:
    from ..models import Diagnosis

OK = 0
"""Confirmed cause, or no error to explain; lint found no error."""
UNRESOLVED = 1
"""Likely or inconclusive, no knowledge for the code; lint found errors."""
BAD_INPUT = 2
"""The input cannot be used (a malformed SID, a missing code, no credentials): nothing reached Twilio."""
TWILIO = 3
"""Twilio unreachable, credentials rejected, or the SID not found."""
INCOMPLETE = TWILIO
"""An audit that could not read an account or the account list."""
WORKER_DIED = 4
"""``diagnose triage`` stopped short: a worker process died (killed by the out-of-memory killer or ``kill -9``),
or a compressed log ends early or is corrupt. What was read before it is reported."""
INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""
CLOSED_PIPE = 141
"""The reader of the output went away (``diagnose runbook --all | head``): 128 + SIGPIPE, said nowhere."""

VERDICT_EXIT: Mapping[str, int] = MappingProxyType(
    {
        "confirmed": OK,
        "no-error": OK,
        "likely": UNRESOLVED,
        "inconclusive": UNRESOLVED,
        "no-knowledge": UNRESOLVED,
    }
)
"""Every verdict but ``unavailable``, whose exit code depends on why (:data:`PROBLEM_EXIT`)."""

PROBLEM_EXIT: Mapping[str, int] = MappingProxyType(
    {
        "input": BAD_INPUT,
        "credentials": TWILIO,
        "not-found": TWILIO,
        "unreachable": TWILIO,
    }
)
"""A subject that could not be diagnosed (verdict ``unavailable``), by ``problem_kind``."""


def worst(codes: Iterable[int]) -> int:
    """The exit code of several results: the highest, or OK when there are none."""
    return max(codes, default=OK)


def for_diagnosis(diagnosis: Diagnosis) -> int:
    """The exit code one subject calls for."""
    if diagnosis.verdict == "unavailable":
        return PROBLEM_EXIT.get(diagnosis.problem_kind, TWILIO)
    return VERDICT_EXIT[diagnosis.verdict]


def for_diagnoses(diagnoses: Iterable[Diagnosis]) -> int:
    """The exit code of a report: the worst of its subjects."""
    return worst(for_diagnosis(d) for d in diagnoses)


def for_error(err: DiagnoseError) -> int:
    """The exit code of an error that stopped the command."""
    # Missing credentials are an InputError too: nothing reached Twilio, so it is bad input.
    if isinstance(err, TwilioAccessError) and not isinstance(err, InputError):
        return TWILIO
    if isinstance(err, WorkerDiedError):
        return WORKER_DIED
    return BAD_INPUT
