"""Shared fixtures: Twilio simulators and a real ``twilio`` Client pointed at them.

* ``demo_scenario`` (session): the bundled demo scenario, loaded once.
* ``demo_sim`` (session): one running simulator on the demo scenario. Read-only:
  tests that change permissions, settings, latency or faults use ``sim``.
* ``sim``: a fresh demo simulator for one test.
* ``make_sim(scenario=DEMO_SCENARIO, **kwargs)``: start a simulator on any
  scenario (a dict, YAML text, a path); stopped after the test.
* ``twilio_client(sim, username=None, password=None, account_sid=None)``: a
  ``twilio.rest.Client`` whose requests go to ``sim.url``; by default it
  authenticates as the scenario's first main account.

``twilio`` is imported only when a client is made, so tests that prove the core
never imports it are unaffected.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# The suite gets its own cache (checked knowledge, compiled templates), never the user's.
os.environ["DIAGNOSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="diagnose-test-cache-")

from diagnose.cache import caches_from_env, use_caches
from diagnose.simulator import DEMO_SCENARIO, Scenario, Simulator, load_scenario

atexit.register(shutil.rmtree, os.environ["DIAGNOSE_CACHE_DIR"], ignore_errors=True)

# In-process tests use it the way the command line does: handed in at the edge.
use_caches(caches_from_env(os.environ))

_TWILIO_HOST = re.compile(r"^https://[A-Za-z0-9.-]+\.twilio\.com(?=/|$)")


def _simulator_http_client(base_url: str) -> Any:
    """A ``TwilioHttpClient`` that sends ``https://<product>.twilio.com/...`` to ``base_url`` (test only)."""
    from twilio.http.http_client import TwilioHttpClient

    class SimulatorHttpClient(TwilioHttpClient):
        """Rewrites scheme and host to the simulator's; path and query are untouched."""

        def __init__(self) -> None:
            super().__init__(timeout=10)
            assert self.session is not None
            self.session.trust_env = False  # never route 127.0.0.1 through an HTTP(S)_PROXY

        def request(
            self,
            method: str,
            url: str,
            params: Any = None,
            data: Any = None,
            headers: Any = None,
            auth: Any = None,
            timeout: float | None = None,
            allow_redirects: bool = False,
        ) -> Any:
            return super().request(
                method, _TWILIO_HOST.sub(base_url, url), params, data, headers, auth, timeout, allow_redirects
            )

    return SimulatorHttpClient()


def make_twilio_client(
    sim: Simulator, username: str | None = None, password: str | None = None, account_sid: str | None = None
) -> Any:
    """A real ``twilio.rest.Client`` talking to ``sim``.

    ``username``/``password`` default to the first main account's SID and auth
    token; for an API key pass its SID and secret plus ``account_sid``.
    """
    from twilio.rest import Client

    if username is None:
        main = next(a for a in sim.scenario.accounts if a.parent is None)
        username, password = main.sid, main.auth_token
        account_sid = account_sid or main.sid
    return Client(
        username=username,
        password=password,
        account_sid=account_sid or (username if username.startswith("AC") else None),
        http_client=_simulator_http_client(sim.url),
    )


@pytest.fixture(scope="session")
def demo_scenario() -> Scenario:
    return load_scenario(DEMO_SCENARIO)


@pytest.fixture(scope="session")
def demo_sim(demo_scenario: Scenario) -> Iterator[Simulator]:
    """One demo simulator shared by the session; do not change its state, latency or faults."""
    with Simulator(demo_scenario) as running:
        yield running


@pytest.fixture
def sim(demo_scenario: Scenario) -> Iterator[Simulator]:
    """A fresh demo simulator for one test (free to change)."""
    with Simulator(demo_scenario) as running:
        yield running


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """Factory: ``make_sim({"accounts": [...]})`` starts a simulator on an inline scenario."""
    started: list[Simulator] = []

    def make(scenario: Any = DEMO_SCENARIO, **kwargs: Any) -> Simulator:
        running = Simulator(scenario, **kwargs).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def twilio_client() -> Callable[..., Any]:
    """Factory: ``twilio_client(sim)`` or ``twilio_client(sim, sid, token)`` → ``twilio.rest.Client``."""
    return make_twilio_client
