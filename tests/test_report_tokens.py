"""One account's auth token has one name throughout a report.

A step that authenticates as a subaccount names its token ``$SUBACCOUNT_AUTH_TOKEN`` and says how to get it;
``$TWILIO_AUTH_TOKEN`` is the variable the credentials are set in. The inheriting subaccount's report told the
reader to PATCH as ``AC…:$SUBACCOUNT_AUTH_TOKEN``, then to resend and verify as ``AC…:$TWILIO_AUTH_TOKEN``,
the same account under another name: with the main account's token in ``$TWILIO_AUTH_TOKEN``, as a user of
the Twilio CLI has, those two requests are refused (HTTP 401).
"""

from __future__ import annotations

import re

import pytest

from diagnose.models import Diagnosis
from diagnose.simulator import Simulator
from tests.test_trust_cases import diagnose_case

SUBACCOUNT_CASES = [
    "subaccount-mismatch",
    "inheriting-subaccount",
    "wrong-prefix-meant-disabled",
    "voice-subaccount-mismatch",
    "voice-trial-account",
    "voice-wrong-prefix-meant-disabled",
    "voice-canada",
]


def _commands(d: Diagnosis) -> str:
    steps = (*d.fix, *d.next_checks)
    return "\n".join([*(p for s in steps for p in (s.text, s.console, s.api, *s.notes) if p), *d.verify])


@pytest.mark.parametrize("case", SUBACCOUNT_CASES)
def test_a_subaccounts_token_has_one_name_and_says_how_to_get_it(demo_sim: Simulator, case: str) -> None:
    d = diagnose_case(demo_sim, case)
    sub = d.evidence.account_sid
    assert d.facts["is_subaccount"]["value"] is True, case
    text = _commands(d)
    names = set(re.findall(rf"{sub}:\$(\w+)", text))
    assert names <= {"SUBACCOUNT_AUTH_TOKEN"}, (case, names)
    if names:
        assert f"`$SUBACCOUNT_AUTH_TOKEN` is the auth token of subaccount {sub}" in text


def test_a_main_accounts_token_stays_the_credentials_variable(demo_sim: Simulator) -> None:
    d = diagnose_case(demo_sim, "missing-country")
    main = d.evidence.account_sid
    assert set(re.findall(rf"{main}:\$(\w+)", _commands(d))) == {"TWILIO_AUTH_TOKEN"}
