"""A SID whose hex digits a log pipeline upper-cased is read, in Twilio's form.

Twilio writes every SID as two upper-case letters and 32 lower-case hex digits (the OpenAPI
specs, ../shared/twilio-oai, accept ``^AC[0-9a-fA-F]{32}$`` in a path; every SID Twilio issues is
lower-case hex). Some log pipelines upper-case what they forward: ``AC827B9CD0B030DCAC3E225DF5797EFDE0``
was no account at all for a paste, so the error was read on the credentials' account. It is now the
account ``AC827b9cd0b030dcac3e225df5797efde0``: the report shows it so, and that is what is read
(docs/report-format.md, "Evidence"). The same for a message or call SID in the text and for a SID or
``--account`` given on the command line. A paste and ``diagnose triage`` read them alike.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.cli import main
from diagnose.errors import InputError
from diagnose.evidence import check_account_sid, classify_sid
from diagnose.paste import extract, scan
from diagnose.simulator import Simulator
from tests.shared import OFFLINE_ENV

PARENT, PARENT_TOKEN = "AC827b9cd0b030dcac3e225df5797efde0", "d836620b9e1ecfc6bed9d6bd980ace58"
SUPPORT = "AC15bf105506e1d44cb84ba12ca58143a1"
MESSAGE = "SM736189c5cb7328966eb85e59625ebbf9"
CALL = "CA" + "0123456789abcdef" * 2

# Real shapes that name an account (and a message): a log line's key=value, a status callback's form, a
# sentence, a resource's JSON, a Python SDK's exception with the request's URL.
SHAPES = [
    "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={a}",
    "AccountSid={a}&MessageSid={s}&MessageStatus=failed&ErrorCode=21408&To=%2B33612345678&From=%2B15005550006",
    "sms failed for subaccount {a}: error 21408 to +33612345678 ({s})",
    '{{"account_sid": "{a}", "sid": "{s}", "status": "failed", "error_code": 21408, "to": "+33612345678"}}',
    "2026-11-30 10:00:00 ERROR HTTP 400 error: Unable to create record: Permission to send an SMS has not been"
    " enabled for the region indicated by the 'To' number: +33612345678."
    " POST https://api.twilio.com/2010-04-01/Accounts/{a}/Messages.json",
    "twilio.base.exceptions.TwilioRestException: HTTP 400 error: Unable to create record: Permission to send an"
    " SMS has not been enabled for the region indicated by the 'To' number: +33612345678."
    " https://api.twilio.com/2010-04-01/Accounts/{a}/Messages/{s}.json",
]


def cased(sid: str, upper: list[bool]) -> str:
    """``sid`` with each hex digit upper-cased where ``upper`` says so (the two letters stay)."""
    return sid[:2] + "".join(c.upper() if u else c for c, u in zip(sid[2:], upper, strict=True))


def agree(text: str) -> list[Any]:
    found = extract(text)
    assert list(scan(io.BytesIO(text.encode()))) == found
    return found


def fields(text: str) -> list[tuple[Any, ...]]:
    return [(e.code, e.account_sid, e.message_sid, e.call_sid, e.to) for e in agree(text)]


def test_an_upper_case_account_sid_is_read_in_twilios_form() -> None:
    text = "2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account=AC827B9CD0B030DCAC3E225DF5797EFDE0\n"
    (error,) = agree(text)
    assert error.account_sid == PARENT


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_reads_an_upper_case_sid_as_it_reads_the_lower_case_one(shape: str) -> None:
    lower = fields(shape.format(a=PARENT, s=MESSAGE))
    assert lower and lower[0][1] == PARENT  # the shape names the account (not vacuous)
    upper = fields(shape.format(a=PARENT.upper(), s=MESSAGE.upper()))
    assert upper == lower


@settings(max_examples=200, deadline=None)
@given(
    shape=st.sampled_from(SHAPES),
    account_case=st.lists(st.booleans(), min_size=32, max_size=32),
    message_case=st.lists(st.booleans(), min_size=32, max_size=32),
    before=st.sampled_from(["", "noise line\n", "2026-11-30T09:59:59Z INFO sending\n"]),
    after=st.sampled_from(["", "\n", "\r\n", "\nnext line\n"]),
)
def test_any_case_mix_of_the_hex_digits_reads_the_same(
    shape: str, account_case: list[bool], message_case: list[bool], before: str, after: str
) -> None:
    lower = fields(before + shape.format(a=PARENT, s=MESSAGE) + after)
    mixed = fields(before + shape.format(a=cased(PARENT, account_case), s=cased(MESSAGE, message_case)) + after)
    assert mixed == lower


@settings(max_examples=100, deadline=None)
@given(
    hexes=st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32),
    prefix=st.sampled_from(["AC", "SM", "CA"]),
)
def test_a_sid_read_from_a_paste_is_always_in_twilios_form(hexes: str, prefix: str) -> None:
    sid = prefix + hexes
    key = {"AC": "account", "SM": "message_sid", "CA": "call_sid"}[prefix]
    text = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 {key}={sid}\n"
    (error,) = agree(text)
    read = {"AC": error.account_sid, "SM": error.message_sid, "CA": error.call_sid}[prefix]
    assert read == prefix + hexes.lower()


def test_errors_of_one_account_in_two_cases_are_one_group() -> None:
    text = (
        f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={PARENT}\n"
        f"2026-11-30T10:00:01Z ERROR code=21408 to=+33612345678 account={PARENT.upper()}\n"
    )
    code, out, err = run(["triage", "-", "--format", "json"], text)
    assert code in (0, 1), err
    (group,) = json.loads(out)["groups"]
    assert (group["account_sid"], group["count"]) == (PARENT, 2)


def test_an_upper_case_auth_token_in_a_paste_is_redacted() -> None:
    # The pipeline that upper-cases SIDs upper-cases a bare token beside them too.
    token = PARENT_TOKEN.upper()
    text = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={PARENT.upper()} creds {PARENT}:{token}\n"
    code, out, err = run(["-", "--format", "json"], text)
    assert code == 1, err
    assert token not in out + err and token.lower() not in out + err


# --- a lower-cased SID: the two letters in lower case too ---------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_reads_a_lower_cased_sid_as_twilios(shape: str) -> None:
    # 'account=ac827b…' (copied from a URL or a log someone lower-cased) read no account at all, so online the
    # error was read on the credentials' account; it is the account AC827b…
    lower = fields(shape.format(a=PARENT, s=MESSAGE))
    assert lower and lower[0][1] == PARENT
    assert fields(shape.format(a=PARENT.lower(), s=MESSAGE.lower())) == lower


def test_a_lower_cased_url_names_its_account_and_resource() -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{PARENT}/Messages/{MESSAGE}.json"
    text = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 POST {url}\n"
    read = [(e.account_sid, e.message_sid, e.channel) for e in agree(text)]
    assert read == [(PARENT, MESSAGE, "sms")]
    assert [(e.account_sid, e.message_sid, e.channel) for e in agree(text.replace(url, url.lower()))] == read
    calls = text.replace(url, f"https://api.twilio.com/2010-04-01/accounts/{PARENT.lower()}/calls/{CALL.lower()}.json")
    assert [(e.account_sid, e.call_sid, e.channel) for e in agree(calls.replace("21408", "21215"))] == [
        (PARENT, CALL, "voice")
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(["AC", "ac"]),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32),
)
def test_an_account_in_either_case_is_read_in_twilios_form(shape: str, letters: str, hexes: str) -> None:
    (error, *_) = agree(shape.format(a=letters + hexes, s=MESSAGE))
    assert error.account_sid == "AC" + hexes.lower()


def test_mixed_letters_and_other_hex_runs_are_no_sid() -> None:
    # only the two letters as Twilio writes them, or both lower-cased: 'aC…', 'Ac…' are none; nor is a longer run
    for other in ("aC" + PARENT[2:], "Ac" + PARENT[2:], PARENT.lower() + "ab", "xx" + PARENT[2:]):
        text = f"2026-11-30T10:00:00Z ERROR code=21408 to=+33612345678 account={other}\n"
        assert [e.account_sid for e in agree(text)] == [None], other


# --- online: the normalised SID is what is read -----------------------------------------------------


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin, env={**OFFLINE_ENV, **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def online(url: str) -> dict[str, str]:
    return {"TWILIO_ACCOUNT_SID": PARENT, "TWILIO_AUTH_TOKEN": PARENT_TOKEN, "DIAGNOSE_API_URL": url}


@pytest.mark.parametrize("command", [["-"], ["triage", "-"]])
def test_an_upper_case_account_is_read_online_as_twilio_writes_it(demo_sim: Simulator, command: list[str]) -> None:
    # Before, the upper-cased subaccount was no account: the error was read on the credentials' account
    # (the parent), which confirms another cause than the subaccount's own list.
    lower = f"2026-11-30T10:00:00Z ERROR code=21408 to=+17875550123 account={SUPPORT}\n"
    upper = lower.replace(SUPPORT, SUPPORT.upper())
    lowered = lower.replace(SUPPORT, SUPPORT.lower())  # 'ac15bf…': read as no account before
    assert upper != lower != lowered
    outs = []
    for text in (lower, upper, lowered):
        code, out, err = run([*command, "--format", "json"], text, online(demo_sim.url))
        assert code == 0, err
        data = json.loads(out)
        found = data["diagnoses"] if command == ["-"] else [g["diagnosis"] for g in data["groups"]]
        (d,) = found
        assert d["evidence"]["account_sid"] == SUPPORT
        assert any(f"/Accounts/{SUPPORT}.json " in r for r in d["requests"]), d["requests"]
        outs.append((d["verdict"], d["cause"], d["facts"]))
    assert outs[0] == outs[1] == outs[2]


# --- SIDs on the command line ------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    prefix=st.sampled_from(["SM", "MM", "CA", "sm", "Mm", "cA"]),
    hexes=st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32),
)
def test_a_sid_argument_in_any_case_is_taken_in_twilios_form(prefix: str, hexes: str) -> None:
    kind, sid = classify_sid(f"  {prefix}{hexes} ")
    assert sid == prefix.upper() + hexes.lower()
    assert kind == ("call" if prefix.upper() == "CA" else "message")


@settings(max_examples=50, deadline=None)
@given(hexes=st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32))
def test_an_account_argument_in_any_case_is_taken_in_twilios_form(hexes: str) -> None:
    assert check_account_sid("AC" + hexes) == "AC" + hexes.lower()


@pytest.mark.parametrize("bad", ["SM" + "g" * 32, "SM" + "A" * 31, "XX" + "a" * 32, "AC" + "a" * 32])
def test_a_sid_that_is_no_message_or_call_sid_is_still_refused(bad: str) -> None:
    with pytest.raises(InputError):
        classify_sid(bad)


@pytest.mark.parametrize("case", ["missing-country", "subaccount-mismatch"])
def test_an_upper_case_sid_argument_is_diagnosed_as_the_lower_case_one(demo_sim: Simulator, case: str) -> None:
    sid, _owner, (main_sid, token) = demo_sim.sample(case)
    env = {"TWILIO_ACCOUNT_SID": main_sid, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo_sim.url}
    results = []
    for given_sid in (sid, sid[:2] + sid[2:].upper()):
        code, out, err = run([given_sid, "--format", "json"], env=env)
        assert "Traceback" not in err
        (d,) = json.loads(out)["diagnoses"]
        results.append((code, d["subject"]["sid"], d["verdict"], d["cause"]))
    assert results[0] == results[1] and results[1][1] == sid


def test_an_upper_case_account_argument_is_read_as_the_lower_case_one(demo_sim: Simulator) -> None:
    sid, owner, (main_sid, token) = demo_sim.sample("subaccount-mismatch")
    env = {"TWILIO_ACCOUNT_SID": main_sid, "TWILIO_AUTH_TOKEN": token, "DIAGNOSE_API_URL": demo_sim.url}
    _, expected, _ = run([sid, "--account", owner, "--format", "json"], env=env)
    code, out, err = run([sid, "--account", owner[:2] + owner[2:].upper(), "--format", "json"], env=env)
    assert code == 0, err
    assert json.loads(out)["diagnoses"][0]["cause"] == json.loads(expected)["diagnoses"][0]["cause"]
