"""The pure pipeline, end to end from plain data: no server, no twilio, no click."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from diagnose.context import Context, Fetched
from diagnose.knowledge import load_knowledge
from diagnose.pipeline import diagnose_context

ROOT = Path(__file__).resolve().parents[1]
PARENT = "AC" + "0" * 32
SUB = "AC" + "1" * 32


def subaccount_context() -> Context:
    message = {
        "sid": "SM" + "2" * 32,
        "account_sid": SUB,
        "to": "+17875550123",
        "from": "+15017122661",
        "status": "failed",
        "error_code": 21408,
    }

    def account(sid: str) -> Fetched:
        return Fetched({"sid": sid, "owner_account_sid": PARENT, "type": "Full", "status": "active"}, request="GET")

    def perms(enabled: bool) -> Fetched:
        return Fetched({"permissions": [{"country_code": "PR", "type": "country", "enabled": enabled}]}, request="GET")

    return Context(
        kind="message",
        sid=message["sid"],
        resource=Fetched(message, request="GET message"),
        account=account(SUB),
        parent=account(PARENT),
        messaging_permissions=perms(False),
        parent_messaging_permissions=perms(True),
    )


def test_plain_data_in_confirmed_diagnosis_out() -> None:
    diagnosis = diagnose_context(subaccount_context(), load_knowledge())
    assert (diagnosis.verdict, diagnosis.cause) == ("confirmed", "subaccount-mismatch")
    assert diagnosis.evidence.country == "PR"
    assert any(SUB in step.text for step in diagnosis.fix)
    assert diagnose_context(subaccount_context(), load_knowledge()) == diagnosis  # deterministic


def test_the_core_runs_with_twilio_and_click_unavailable() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["twilio"] = None   # any import of it now fails
        sys.modules["click"] = None
        sys.path.insert(0, "tests")
        from test_pipeline import subaccount_context
        from diagnose.knowledge import load_knowledge
        from diagnose.pipeline import diagnose_context
        from diagnose.render import render_report
        from diagnose.models import Report
        d = diagnose_context(subaccount_context(), load_knowledge())
        for fmt in ("text", "markdown", "html", "json"):
            render_report(Report(diagnoses=(d,)), fmt)
        print(d.verdict, d.cause)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "confirmed subaccount-mismatch"
