"""A Twilio-compatible HTTP server for tests, demos and benchmarks (like stripe-mock is for Stripe).

It speaks Twilio's wire format for the endpoints ``diagnose`` reads (api
2010-04-01 Accounts, Messages, Calls, Notifications; accounts v1 messaging geo
permissions; voice v1 dialing permissions and settings; monitor v1 alerts),
driven by a scenario YAML (``docs/simulator.md``)::

    from diagnose.simulator import Simulator, load_scenario, DEMO_SCENARIO

    with Simulator(load_scenario(DEMO_SCENARIO)) as sim:
        sim.url        # http://127.0.0.1:PORT
        sim.cases      # {"21408/missing-country": "SM…", …}

Importing this package does not import ``twilio``.
"""

from __future__ import annotations

from importlib.resources import files

from diagnose.simulator._app import STANDARD_KEY_MESSAGE, App, Identity, Request, Response
from diagnose.simulator._faults import Fault
from diagnose.simulator._model import Account, Alert, ApiKey, Call, Message, Notification, Scenario, VoicePermission
from diagnose.simulator._scenario import load_scenario
from diagnose.simulator._server import Simulator, serve
from diagnose.simulator._state import State

DEMO_SCENARIO = files("diagnose.simulator") / "scenarios" / "demo.yaml"
"""The scenario ``diagnose demo`` uses (an importlib.resources Traversable)."""

__all__ = [
    "DEMO_SCENARIO",
    "STANDARD_KEY_MESSAGE",
    "Account",
    "Alert",
    "ApiKey",
    "App",
    "Call",
    "Fault",
    "Identity",
    "Message",
    "Notification",
    "Request",
    "Response",
    "Scenario",
    "Simulator",
    "State",
    "VoicePermission",
    "load_scenario",
    "serve",
]
