"""run_pool hands each result over whole when Ctrl-C comes (audit, scan and fix count and write together)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from diagnose.audit_reads import run_pool, whole

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(signal, "pthread_kill"), reason="POSIX signals")


@pytest.fixture(autouse=True)
def _python_sigint_handler() -> Iterator[None]:
    # A suite started in the background by a shell without job control inherits SIGINT ignored, and Python
    # then installs no handler of its own: these tests are about Python's handler, so they put it there.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_inside_whole_waits_for_its_end() -> None:
    done: list[str] = []
    with pytest.raises(KeyboardInterrupt), whole():
        done.append("counted")
        _ctrl_c()
        for _ in range(1000):  # bytecodes after the signal: Python's own handler would have raised here
            pass
        done.append("written")
    assert done == ["counted", "written"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_ctrl_c_whole_changes_nothing() -> None:
    with whole():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(ValueError), whole():
        raise ValueError("passes through")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_whole_only_runs_the_block() -> None:
    seen: list[object] = []

    def body() -> None:
        with whole():
            seen.append(signal.getsignal(signal.SIGINT))

    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    assert seen == [signal.default_int_handler]


def test_a_result_interrupted_while_handed_over_is_counted_and_written_together() -> None:
    counted: list[int] = []
    written: list[int] = []

    def emit(result: int) -> None:
        counted.append(result)
        if result == 3:
            _ctrl_c()  # Ctrl-C between counting a result and writing it
            for _ in range(1000):
                pass
        written.append(result)

    with pytest.raises(KeyboardInterrupt):
        run_pool(range(10), lambda item: item, emit, concurrency=2, name="test-pool")
    assert counted == written  # every result counted was written too
    assert counted[-1] == 3
