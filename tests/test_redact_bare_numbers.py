"""--redact-numbers masks a phone number that neither '+' nor a label marks, wherever the report shows it.

'diagnose --redact-numbers -' of 'twilio error 21408 for 4155550100, 4155550111 and +4915123456789' printed the
excerpt with 4155550100 and 4155550111 whole: only numbers written with '+', after a label, or read as an
error's destination were masked, and a report meant for outside the team showed two customers' numbers."""

from __future__ import annotations

import re
from itertools import pairwise

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.paste import mask_numbers
from tests.shared import OFFLINE_ENV

LINE = "2026-12-02T10:00:00Z ERROR twilio error 21408 for 4155550100, 4155550111 and +4915123456789 ({})"


def test_the_reported_paste_shows_no_bare_number() -> None:
    text = LINE.format("callback (415) 555-0122, agent 415.555.0133")
    result = CliRunner().invoke(main, ["--redact-numbers", "-"], input=text, env=OFFLINE_ENV)
    assert result.exit_code in (0, 1), result.output
    for digits in ("4155550100", "4155550111", "4915123456789", "555-0122", "555.0133"):
        assert digits not in result.stdout
    assert "2026-12-02T10:00:00Z" in result.stdout  # a time stays readable


def test_what_is_no_phone_number_stays() -> None:
    kept = (
        "2026-12-02 10:00:00.123 ERROR 21408 order 12345 SM0123456789abcdef0123456789abcdef "
        "AC0123456789abcdef0123456789abcdef date 20261202 ip 10.0.0.1 v1.2.3 at 12:34:56 HTTP 400"
    )
    assert mask_numbers(kept) == kept


@settings(max_examples=200, deadline=None)
@given(
    digits=st.text("0123456789", min_size=10, max_size=15).filter(lambda d: d[0] != "0"),
    groups=st.sampled_from(["{}", "({}) {}-{}", "{}.{}.{}", "{} {} {}", "{}-{}-{}"]),
    before=st.sampled_from(["", "to ", "for ", "[", "(", ", ", "\t"]),
    after=st.sampled_from(["", ",", ")", "]", " failed", ". ", "\n"]),
)
def test_a_bare_number_of_ten_to_fifteen_digits_keeps_only_its_last_two(
    digits: str, groups: str, before: str, after: str
) -> None:
    cuts = [*[0, 3, 6][: groups.count("{}")], len(digits)]
    written = groups.format(*(digits[a:b] for a, b in pairwise(cuts)))
    masked = mask_numbers(f"x {before}{written}{after} y")
    assert len(masked) == len(f"x {before}{written}{after} y")  # positions kept
    assert re.sub(r"\D", "", masked) == digits[-2:]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 ()+-.:,", max_size=3000))
def test_any_run_of_digits_and_separators_masks_in_linear_steps(text: str) -> None:
    assert len(mask_numbers(text)) == len(text)
