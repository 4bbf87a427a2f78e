"""The README's example reports are what `diagnose` prints today.

Each example is abridged with "…": every line of it without one must be a line of the real
output (wrapped at 100 columns, as off a terminal), so an example cannot drift from the product.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from diagnose.cli import main
from diagnose.simulator import Simulator
from tests.shared import OFFLINE_ENV

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def example(first_line: str) -> list[str]:
    """The lines of the README's code block that starts with ``first_line``, without those abridged."""
    block = re.search(r"```\n(" + re.escape(first_line) + r"\n.*?)```", README, re.S)
    assert block, f"no README example starts with {first_line!r}"
    lines = block.group(1).splitlines()
    return [line for line in lines if "…" not in line and line.strip() and not line.startswith("$ ")]


def missing(expected: list[str], output: str) -> list[str]:
    actual = set(output.splitlines())
    return [line for line in expected if line not in actual]


def test_the_sid_example_is_the_real_report(demo_sim: Simulator) -> None:
    sid, _, (user, token) = demo_sim.sample("subaccount-mismatch")
    env = {"NO_COLOR": "1", "TWILIO_ACCOUNT_SID": user, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo_sim.url}
    result = CliRunner().invoke(main, [sid], env={**OFFLINE_ENV, **env}, catch_exceptions=False)
    assert result.exit_code == 0
    lines = example("21408 · confirmed: subaccount-mismatch")
    assert len(lines) > 20
    assert missing(lines, result.stdout) == []


def test_the_paste_example_is_the_real_report() -> None:
    first = '$ diagnose "twilio.base.exceptions.TwilioRestException: '
    block = re.search(r"```\n(" + re.escape(first) + r".*?)```", README, re.S)
    assert block
    command = block.group(1).splitlines()[0]
    paste = command[len('$ diagnose "') : -1]
    result = CliRunner().invoke(main, [paste], env=OFFLINE_ENV, catch_exceptions=False)
    expected = [line for line in block.group(1).splitlines()[1:] if "…" not in line and line.strip()]
    assert len(expected) > 10
    assert missing(expected, result.stdout) == []
