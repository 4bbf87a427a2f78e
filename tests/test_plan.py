"""The read planner, with no server: canned answers in, batches of reads and Contexts out.

A small in-memory Twilio (:class:`World`) answers each :class:`~diagnose.plan.Read`
the way the real API does (who may read what, 404 outside one's reach, a
standard API key refused on Accounts). Hypothesis builds worlds and failures
to check the planner's invariants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnose.context import NOT_APPLICABLE
from diagnose.models import Evidence
from diagnose.plan import (
    Answer,
    Assembled,
    EvidenceSubject,
    Read,
    Setup,
    SidSubject,
    Subject,
    account,
    accounts_list,
    assemble,
    fetched_codes,
    messaging_permissions,
    next_reads,
    voice_country,
    voice_prefixes,
    voice_settings,
)

MAIN = "AC" + "a" * 32
SUB = "AC" + "b" * 32
OTHER = "AC" + "c" * 32  # a second subaccount
STRANGER = "AC" + "d" * 32  # someone else's main account
KEY = "SK" + "e" * 32
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def sm(n: int) -> str:
    return "SM" + f"{n:032x}"


def ca(n: int) -> str:
    return "CA" + f"{n:032x}"


@dataclass
class World:
    """Accounts, messages, calls and permissions, answering reads as Twilio would."""

    accounts: dict[str, str] = field(default_factory=dict)  # sid -> owner sid (itself for a main account)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    alerts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sms: dict[tuple[str, str], bool] = field(default_factory=dict)  # (account, iso) -> enabled
    voice: dict[tuple[str, str], bool] = field(default_factory=dict)
    inherit: dict[str, bool] = field(default_factory=dict)
    auth: str = MAIN
    api_key: bool = False
    broken: frozenset[Read] = frozenset()  # reads that fail with HTTP 500

    def setup(self) -> Setup:
        username = KEY if self.api_key else self.auth
        return Setup(self.auth, username, self.api_key, page_size=50, max_search_accounts=100, now=NOW)

    def reachable(self, sid: str) -> bool:
        return sid in self.accounts and (sid == self.auth or self.accounts[sid] == self.auth)

    def row(self, sid: str) -> dict[str, Any]:
        return {"sid": sid, "owner_account_sid": self.accounts[sid], "auth_token": "t" + sid[2:], "type": "Full"}

    def answer(self, read: Read) -> Answer:
        line = read.line(50)
        if read in self.broken:
            return Answer(error="HTTP 500", kind="api", message=f"{line}: HTTP 500", status=500, request=line)
        a = read.account
        rejected = Answer(error="the credentials were rejected (HTTP 401)", kind="credentials", message="401")
        missing = Answer(error="HTTP 404", kind="not-found", message=f"{line}: HTTP 404", status=404, request=line)
        if read.what in ("message", "call", "notifications"):
            if not self.reachable(a):
                return rejected
            table = self.messages if read.what == "message" else self.calls
            found = table.get(read.sid)
            if found is None or found["account_sid"] != a:
                return missing
            value = found if read.what != "notifications" else self.notifications.get(read.sid, [])
            return Answer(value=value, request=line)
        if read.what == "account":
            if self.api_key or not self.reachable(a):
                return rejected
            return Answer(value=self.row(a), request=line)
        if read.what == "accounts":
            if self.api_key:
                return Answer(value=[], error="the credentials were rejected (HTTP 401)", kind="credentials")
            return Answer(value=[self.row(s) for s in self.accounts if self.reachable(s)], request=line)
        if read.what == "alerts":
            rows = [r for r in self.alerts.get(read.sid, [])]
            return Answer(value={"alerts": rows, "pages": 1, "complete": True}, request=line)
        if read.what == "messaging_permissions":
            perms = [{"country_code": c, "enabled": self.sms.get((a, c), False)} for c in read.countries]
            return Answer(value={"permissions": perms}, request=line)
        if read.what == "voice_country":
            iso = read.countries[0]
            return Answer(value={"iso_code": iso, "low_risk_numbers_enabled": self.voice.get((a, iso), False)})
        if read.what == "voice_settings":
            return Answer(value={"dialing_permissions_inheritance": self.inherit.get(a, False)}, request=line)
        if read.what == "voice_prefixes":
            return Answer(value=[{"prefix": "+4470"}], request=line)
        raise AssertionError(read)


def drive(
    subjects: Sequence[Subject], world: World, answer: Callable[[Read], Answer] | None = None
) -> tuple[list[tuple[Read, ...]], dict[Read, Answer], list[Assembled]]:
    """Run the planner to the end against ``world``: the batches, the answers, the outcomes."""
    setup = world.setup()
    known: dict[Read, Answer] = {}
    batches: list[tuple[Read, ...]] = []
    for _ in range(12):
        batch = next_reads(subjects, known, setup)
        if not batch:
            break
        assert len(set(batch)) == len(batch), "a read twice in one batch"
        assert not set(batch) & set(known), "a read asked again"
        batches.append(batch)
        for read in batch:
            known[read] = (answer or world.answer)(read)
    else:
        raise AssertionError("the planner did not finish")
    return batches, known, [assemble(s, known, setup) for s in subjects]


def demo_world() -> World:
    world = World(accounts={MAIN: MAIN, SUB: MAIN, OTHER: MAIN, STRANGER: STRANGER})
    for n, (acct, to) in enumerate([(MAIN, "+33645218709"), (SUB, "+17872316644"), (SUB, "+17872316645")]):
        world.messages[sm(n)] = {"sid": sm(n), "account_sid": acct, "to": to, "from": "+15017122661"}
    world.messages[sm(9)] = {"sid": sm(9), "account_sid": SUB, "to": "+17872316646", "from": "+15017122661"}
    world.sms[(MAIN, "PR")] = True
    return world


# --- messages ------------------------------------------------------------------------


def test_message_on_the_main_account_takes_two_rounds() -> None:
    world = demo_world()
    batches, _, (result,) = drive([SidSubject(sm(0), "message")], world)
    assert batches == [
        (Read("message", MAIN, sm(0)), account(MAIN)),
        (messaging_permissions(MAIN, ["FR"]),),
    ]
    ctx = result.context
    assert ctx is not None and result.problem is None
    assert ctx.resource.value["to"] == "+33645218709"
    assert ctx.parent == NOT_APPLICABLE and ctx.parent_messaging_permissions == NOT_APPLICABLE
    assert ctx.messaging_permissions.value == {"permissions": [{"country_code": "FR", "enabled": False}]}
    assert ctx.messaging_permissions.request.endswith(f"GeoPermissions?CountryCode=FR as {MAIN}")


def test_subaccount_named_with_account_reads_each_account_as_itself() -> None:
    world = demo_world()
    batches, _, (result,) = drive([SidSubject(sm(1), "message", SUB)], world)
    assert [set(b) for b in batches] == [
        {Read("message", SUB, sm(1)), account(SUB), account(MAIN)},
        {messaging_permissions(SUB, ["PR"]), messaging_permissions(MAIN, ["PR"])},
    ]
    ctx = result.context
    assert ctx is not None
    assert ctx.account.value["sid"] == SUB and ctx.parent.value["sid"] == MAIN
    assert ctx.parent_messaging_permissions.value["permissions"][0]["enabled"] is True


def test_three_messages_of_one_subaccount_share_its_account_parent_and_country() -> None:
    world = demo_world()
    subjects = [SidSubject(sid, "message", SUB) for sid in (sm(1), sm(2), sm(9))]
    batches, known, results = drive(subjects, world)
    assert len(batches) == 2
    assert set(batches[1]) == {messaging_permissions(SUB, ["PR"]), messaging_permissions(MAIN, ["PR"])}
    assert sorted(r.what for r in known) == ["account"] * 2 + ["message"] * 3 + ["messaging_permissions"] * 2
    assert all(r.context is not None and r.context.parent_messaging_permissions.ok for r in results)


def test_a_sid_outside_the_account_is_found_by_searching_the_subaccounts() -> None:
    world = demo_world()
    batches, _, (result,) = drive([SidSubject(sm(1), "message")], world)
    assert batches[1] == (accounts_list(),)
    assert set(batches[2]) == {Read("message", SUB, sm(1)), Read("message", OTHER, sm(1))}
    assert set(batches[3]) == {messaging_permissions(SUB, ["PR"]), messaging_permissions(MAIN, ["PR"])}
    ctx = result.context
    assert ctx is not None and ctx.account.value["sid"] == SUB  # the listing's row: no extra Account read
    assert ctx.account.request.endswith("/Accounts.json?PageSize=50")
    assert any(f"found it under account {SUB}, searching the 3 accounts the credentials list" in n for n in ctx.notes)


def test_the_search_note_does_not_depend_on_which_probes_the_gateway_skipped() -> None:
    # The gateway skips the probes still queued once one finds the SID: how many ran is a matter of timing,
    # so a note counting them made the same diagnosis print 2, 3 or 4 accounts from one run to the next.
    world = demo_world()

    def skipping(read: Read) -> Answer:
        if read == Read("message", OTHER, sm(1)):
            return Answer(error="skipped: found under another account", ran=False)
        return world.answer(read)

    notes = []
    for answer in (None, skipping):
        _, _, (result,) = drive([SidSubject(sm(1), "message")], world, answer)
        assert result.context is not None
        notes.append([n for n in result.context.notes if "found it under" in n])
    assert notes[0] == notes[1] != []


def test_a_listing_is_shared_by_every_subject_that_searches() -> None:
    world = demo_world()
    batches, _, results = drive([SidSubject(sm(1), "message"), SidSubject(sm(2), "message")], world)
    assert sum(b.count(accounts_list()) for b in batches) == 1
    assert all(r.context is not None for r in results)


def test_a_sid_found_nowhere_is_a_problem_not_an_exception() -> None:
    world = demo_world()
    _, _, (lost, found) = drive([SidSubject(sm(7), "message"), SidSubject(sm(0), "message")], world)
    assert lost.context is None and lost.problem is not None
    assert lost.problem.kind == "not-found"
    assert f"message {sm(7)} was not found under any account you can reach (searched 3 accounts)" in (
        lost.problem.message
    )
    assert found.context is not None  # the other subject is not lost


def test_account_flag_outside_the_credentials_reach_is_a_credentials_problem() -> None:
    world = demo_world()
    _, _, (result,) = drive([SidSubject(sm(0), "message", STRANGER)], world)
    assert result.problem is not None and result.problem.kind == "credentials"
    assert f"the credentials of {MAIN} are valid but may not read {STRANGER}" in result.problem.message


def test_a_500_on_the_subject_is_an_unreachable_problem() -> None:
    world = demo_world()
    world.broken = frozenset({Read("message", MAIN, sm(0))})
    _, _, (result,) = drive([SidSubject(sm(0), "message")], world)
    assert result.problem is not None and (result.problem.kind, result.problem.error) == ("unreachable", "api")


def test_standard_api_key_says_why_account_and_parent_are_unknown() -> None:
    world = demo_world()
    world.api_key = True
    _, _, (result,) = drive([SidSubject(sm(0), "message")], world)
    ctx = result.context
    assert ctx is not None
    for slot in (ctx.account, ctx.parent, ctx.parent_messaging_permissions):
        assert "standard API key" in slot.error and "cannot read the Accounts resource" in slot.error
    assert ctx.messaging_permissions.ok  # its own account's v1 data


def test_api_key_with_account_flag_reads_the_parent_but_not_the_subaccount() -> None:
    world = demo_world()
    world.api_key = True
    batches, _, (result,) = drive([SidSubject(sm(1), "message", SUB)], world)
    ctx = result.context
    assert ctx is not None
    assert "standard API key" in ctx.messaging_permissions.error
    assert ctx.parent_messaging_permissions.ok
    assert batches[1] == (messaging_permissions(MAIN, ["PR"]),)  # nothing asked as the subaccount
    assert any("so it is taken as the parent" in n for n in ctx.notes)


def test_authenticated_as_the_subaccount_the_parent_is_unknown() -> None:
    world = demo_world()
    world.auth = SUB
    _, _, (result,) = drive([SidSubject(sm(1), "message")], world)
    ctx = result.context
    assert ctx is not None and ctx.messaging_permissions.ok
    for slot in (ctx.parent, ctx.parent_messaging_permissions):
        assert "cannot read its parent" in slot.error and MAIN in slot.error


def test_a_message_without_a_country_reads_no_permission() -> None:
    world = demo_world()
    world.messages[sm(5)] = {"sid": sm(5), "account_sid": MAIN, "to": "client:alice", "from": "+15017122661"}
    batches, _, (result,) = drive([SidSubject(sm(5), "message")], world)
    assert len(batches) == 1
    assert result.context is not None and "no country" in result.context.messaging_permissions.error


# --- calls ---------------------------------------------------------------------------


def call_world() -> World:
    world = demo_world()
    world.calls[ca(1)] = {
        "sid": ca(1),
        "account_sid": SUB,
        "to": "+15017122661",
        "from": "+14155550142",
        "date_created": "Mon, 30 Nov 2026 09:00:00 +0000",
    }
    dial = "Msg=Geo+Permission&phonenumber=%2B442071838750&ErrorCode=13227"
    world.notifications[ca(1)] = [{"error_code": "13227", "log": "1", "message_text": dial}]
    world.calls[ca(2)] = {**world.calls[ca(1)], "sid": ca(2)}
    world.alerts[ca(2)] = [{"resource_sid": ca(2), "error_code": "13227", "alert_text": dial}]
    return world


def test_call_reads_its_notifications_and_the_dialled_country() -> None:
    world = call_world()
    batches, _, (result,) = drive([SidSubject(ca(1), "call", SUB)], world)
    assert len(batches) == 2
    assert set(batches[1]) == {
        voice_country(SUB, "GB"),
        voice_country(MAIN, "GB"),
        voice_settings(SUB),
        voice_settings(MAIN),
        voice_prefixes("GB"),
    }
    ctx = result.context
    assert ctx is not None and ctx.alerts == NOT_APPLICABLE  # the notification carries the code


def test_a_code_that_arrives_with_the_alerts_gets_its_country_in_a_third_round() -> None:
    world = call_world()
    batches, _, (result,) = drive([SidSubject(ca(2), "call", SUB)], world)
    alerts = next(r for r in batches[1] if r.what == "alerts")
    assert alerts.account == SUB and alerts.since == "2026-11-30T08:59:00Z"
    assert voice_country(SUB, "US") in batches[1]  # before the alert, the call's own 'to'
    assert set(batches[2]) == {voice_country(SUB, "GB"), voice_country(MAIN, "GB"), voice_prefixes("GB")}
    ctx = result.context
    assert ctx is not None and ctx.voice_country.value["iso_code"] == "GB"
    assert [a["error_code"] for a in ctx.alerts.value] == ["13227"]


def test_old_calls_search_the_last_30_days_and_say_so() -> None:
    world = call_world()
    world.calls[ca(2)]["date_created"] = "Mon, 01 Jun 2026 09:00:00 +0000"
    batches, _, (result,) = drive([SidSubject(ca(2), "call", SUB)], world)
    alerts = next(r for r in batches[1] if r.what == "alerts")
    assert alerts.since == ""
    assert result.context is not None and any("only 30 days back" in n for n in result.context.notes)


# --- evidence in hand (a pasted error) --------------------------------------------------


def test_pasted_error_without_account_reads_the_authenticated_account() -> None:
    world = demo_world()
    subject = EvidenceSubject(Evidence(kind="paste", code=21408, country="PR", channel="sms"))
    batches, _, (result,) = drive([subject], world)
    assert batches == [(account(MAIN),), (messaging_permissions(MAIN, ["PR"]),)]
    ctx = result.context
    assert ctx is not None and ctx.kind == "message" and ctx.resource == NOT_APPLICABLE
    assert ctx.parent == NOT_APPLICABLE


def test_pasted_error_of_a_subaccount_reads_it_and_its_parent() -> None:
    world = demo_world()
    evidence = Evidence(kind="paste", code=21408, account_sid=SUB, to="+17872316644", channel="sms")
    batches, _, (result,) = drive([EvidenceSubject(evidence)], world)
    assert set(batches[1]) == {messaging_permissions(SUB, ["PR"]), messaging_permissions(MAIN, ["PR"])}
    ctx = result.context
    assert ctx is not None and ctx.parent.value["sid"] == MAIN


def test_pasted_voice_error_reads_the_dialing_permissions() -> None:
    world = demo_world()
    evidence = Evidence(kind="paste", code=21215, to="+442071838750", channel="voice")
    batches, _, (result,) = drive([EvidenceSubject(evidence)], world)
    assert set(batches[1]) == {voice_country(MAIN, "GB"), voice_settings(MAIN), voice_prefixes("GB")}
    assert result.context is not None and result.context.kind == "call"


def test_a_wrong_prefix_reads_the_country_meant_in_the_same_request() -> None:
    """+2125550143 is a US number without its 1: the US rides on Morocco's request, in the same round."""
    world = demo_world()
    world.messages[sm(20)] = {"sid": sm(20), "account_sid": MAIN, "to": "+2125550143", "from": "+15017122661"}
    batches, _, (result,) = drive([SidSubject(sm(20), "message")], world)
    assert batches == [(Read("message", MAIN, sm(20)), account(MAIN)), (messaging_permissions(MAIN, ["MA", "US"]),)]
    assert result.context is not None and result.context.suggested_voice_country == NOT_APPLICABLE


def test_a_pasted_call_to_a_wrong_prefix_reads_the_entry_meant_for_the_account_and_its_parent() -> None:
    world = demo_world()
    evidence = Evidence(kind="paste", code=21215, account_sid=SUB, to="+4035550123", channel="voice")
    batches, _, (result,) = drive([EvidenceSubject(evidence)], world)  # +40 3…: a Calgary number without its 1
    assert len(batches) == 2
    assert {voice_country(SUB, "RO"), voice_country(SUB, "CA"), voice_country(MAIN, "CA")} <= set(batches[1])
    assert voice_country(SUB, "CA") == voice_country(SUB, "US")  # Canada is governed by the entry US
    ctx = result.context
    assert ctx is not None and ctx.suggested_voice_country.ok and ctx.parent_suggested_voice_country.ok


# US/Canadian numbers without their 1, and the sending account's permission of the country meant.
_MISSING_ONE = st.builds(
    lambda area, rest: f"+{area}{rest}",
    st.sampled_from(["212", "213", "310", "314", "403", "416", "604", "613", "787", "345", "876"]),
    st.from_regex(r"[2-9][0-9]{6}", fullmatch=True),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MISSING_ONE, st.booleans(), st.booleans())
def test_the_fact_of_the_country_meant_is_the_accounts_permission(to: str, enabled: bool, paste: bool) -> None:
    """Whatever the number: the planner reads the country meant exactly when the cause applies, and the
    fact is that account's permission for it, never a guess."""
    from diagnose.countries import parse_destination
    from diagnose.facts import derive_facts

    dest = parse_destination(to, default_region="US")
    meant = dest.intended_country
    world = demo_world()
    world.messages[sm(30)] = {"sid": sm(30), "account_sid": MAIN, "to": to, "from": "+15017122661"}
    if meant:
        world.sms[(MAIN, meant)] = enabled
    evidence = Evidence(kind="paste", code=21408, to=to, from_="+15017122661", channel="sms")
    subject: Subject = EvidenceSubject(evidence) if paste else SidSubject(sm(30), "message")
    batches, _, (result,) = drive([subject], world)
    reads = [r.countries for batch in batches for r in batch if r.what == "messaging_permissions"]
    expected = tuple(dict.fromkeys(c for c in (dest.country, meant) if c))
    assert reads == ([expected] if expected else []), (to, reads)
    assert result.context is not None
    if paste:
        facts = derive_facts(evidence, result.context)
    else:
        facts = derive_facts(
            Evidence(kind="message", code=21408, to=to, from_="+15017122661", account_sid=MAIN), result.context
        )
    fact = facts["suggested_messaging_enabled"]
    assert fact.known and fact.value == (enabled if meant else None), (to, meant, fact)


def test_pasted_error_of_an_unreadable_account_keeps_the_parent_unknown() -> None:
    world = demo_world()
    evidence = Evidence(kind="paste", code=21408, account_sid=STRANGER, country="FR")
    batches, _, (result,) = drive([EvidenceSubject(evidence)], world)
    ctx = result.context
    assert ctx is not None
    assert "could not be read" in ctx.account.error and "could not be read" in ctx.parent.error
    # why there is no token to act as that account: its Account read failed (not "has not been read")
    assert "auth token could not be read from its Account resource (" in ctx.messaging_permissions.error
    assert "has not been read" not in ctx.messaging_permissions.error
    assert len(batches) == 1  # nothing it could read as that account


def test_pasted_error_without_destination_reads_no_permission() -> None:
    world = demo_world()
    _, _, (result,) = drive([EvidenceSubject(Evidence(kind="paste", code=21408))], world)
    assert result.context is not None
    assert "names no destination" in result.context.messaging_permissions.error


@pytest.mark.parametrize("bad", ["AC123", "AC" + "a" * 31 + "/../x", "AC\x1b[31m" + "a" * 30])
def test_pasted_malformed_account_sid_is_never_read_nor_replaced(bad: str) -> None:
    world = demo_world()
    evidence = Evidence(kind="paste", code=21408, account_sid=bad, country="../FR")
    batches, _, (result,) = drive([EvidenceSubject(evidence)], world)
    assert batches == []  # nothing sent: neither the text nor the authenticated account instead
    ctx = result.context
    assert ctx is not None and "is not an account SID" in ctx.account.error
    assert "\x1b" not in ctx.account.error and "is not an account SID" in ctx.messaging_permissions.error


def test_pasted_country_must_be_a_country_code() -> None:
    world = demo_world()
    _, _, (result,) = drive([EvidenceSubject(Evidence(kind="paste", code=21408, country="FR/../x"))], world)
    assert result.context is not None and "names no destination" in result.context.messaging_permissions.error


def test_assemble_refuses_while_reads_are_missing() -> None:
    with pytest.raises(ValueError, match="still missing"):
        assemble(SidSubject(sm(0), "message"), {}, demo_world().setup())


# --- invariants --------------------------------------------------------------------------

NUMBERS = ["+33645218709", "+17872316644", "+442071838750", "+2125550143", "client:bob", "", "+15017122661"]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[World, list[Subject]]:
    n_subs = draw(st.integers(0, 3))
    subs = ["AC" + f"{i + 1:032x}" for i in range(n_subs)]
    world = World(accounts={MAIN: MAIN, **{s: MAIN for s in subs}, STRANGER: STRANGER})
    world.auth = draw(st.sampled_from([MAIN, *subs]))
    world.api_key = draw(st.booleans())
    owners = [MAIN, *subs, STRANGER]
    subjects: list[Subject] = []
    for n in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["message", "call", "paste"]))
        owner = draw(st.sampled_from(owners))
        to = draw(st.sampled_from(NUMBERS))
        flag = draw(st.sampled_from([None, owner, *owners]))
        if kind == "message":
            world.messages[sm(n)] = {"sid": sm(n), "account_sid": owner, "to": to, "from": "+15017122661"}
            subjects.append(SidSubject(sm(n), "message", flag))
        elif kind == "call":
            world.calls[ca(n)] = {"sid": ca(n), "account_sid": owner, "to": to, "date_created": "garbage"}
            text = f"phonenumber={draw(st.sampled_from(NUMBERS))}"
            code = draw(st.sampled_from(["13227", "21215", ""]))
            where = draw(st.sampled_from(["notifications", "alerts", "none"]))
            if where != "none":
                getattr(world, where)[ca(n)] = [{"resource_sid": ca(n), "error_code": code, "message_text": text}]
            subjects.append(SidSubject(ca(n), "call", flag))
        else:
            evidence = Evidence(
                kind="paste",
                code=21408,
                account_sid=draw(st.sampled_from([None, *owners])),
                to=to or None,
                country=draw(st.sampled_from([None, "PR", "GB"])),
                channel=draw(st.sampled_from(["sms", "voice", None])),
            )
            subjects.append(EvidenceSubject(evidence))
        if draw(st.booleans()):
            subjects.append(subjects[-1])  # the same subject twice in one command
    return world, subjects


FAILURES = [None, None, None, "api", "unreachable", "credentials"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.data())
def test_planner_invariants(case: tuple[World, list[Subject]], data: st.DataObject) -> None:
    world, subjects = case

    def flaky(read: Read) -> Answer:
        failure = data.draw(st.sampled_from(FAILURES), label=f"failure of {read}")
        if failure is None:
            return world.answer(read)
        return Answer(error=f"{failure} failure", kind=failure, message=f"{failure} failure", request=read.line())

    batches, _, results = drive(subjects, world, flaky)  # no read twice, finishes
    assert len(batches) <= 6
    for subject, result in zip(subjects, results, strict=True):
        assert (result.context is None) != (result.problem is None), "exactly one of Context or Problem"
        if result.context is not None:
            assert result.context.kind == subject.kind
        else:
            assert isinstance(subject, SidSubject)  # evidence in hand always gets a Context


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_every_reachable_sid_is_found(case: tuple[World, list[Subject]]) -> None:
    world, subjects = case
    _, _, results = drive(subjects, world)
    for subject, result in zip(subjects, results, strict=True):
        if not isinstance(subject, SidSubject):
            continue
        table = world.messages if subject.kind == "message" else world.calls
        owner = table[subject.sid]["account_sid"]
        flag_ok = subject.account in (None, owner) and (subject.account is None or world.reachable(owner))
        if world.reachable(owner) and flag_ok and not world.api_key:
            assert result.context is not None and result.context.resource.value["account_sid"] == owner


def test_permissions_payload_reading() -> None:
    from diagnose.plan import permissions_of

    payload: Mapping[str, Any] = {"permissions": [{"country_code": "pr", "enabled": True}, {"enabled": "yes"}, 3]}
    assert permissions_of(payload) == {"PR": True}
    assert permissions_of(None) == {} and permissions_of({"permissions": "x"}) == {}


def test_the_planner_runs_without_twilio_or_any_io() -> None:
    """Pure: with ``twilio``, ``requests`` and sockets unavailable, a whole plan still runs."""
    import subprocess
    import sys

    code = (
        "import sys, socket\n"
        "sys.modules['twilio'] = None\n"
        "sys.modules['requests'] = None\n"
        "socket.socket = None\n"
        "from diagnose.plan import SidSubject, Setup, Answer, next_reads, assemble\n"
        "s = SidSubject('SM' + '0' * 32, 'message')\n"
        "setup = Setup('AC' + 'a' * 32)\n"
        "known = {}\n"
        "answers = {'message': {'to': '+33645218709'}, 'account': {'sid': 'AC' + 'a' * 32,"
        " 'owner_account_sid': 'AC' + 'a' * 32}, 'messaging_permissions': {'permissions': []}}\n"
        "while batch := next_reads([s], known, setup):\n"
        "    known.update({r: Answer(value=answers[r.what]) for r in batch})\n"
        "assert assemble(s, known, setup).context.resource.ok\n"
        "assert 'diagnose.gateway' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_codes_fetched_so_far_come_from_messages_notifications_and_alerts_in_order() -> None:
    known = {
        Read("message", MAIN, "SM1"): Answer(value={"sid": "SM1", "error_code": 21408}),
        Read("account", MAIN): Answer(value={"sid": MAIN, "error_code": 99999}),  # not a subject's error
        Read("notifications", MAIN, "CA1"): Answer(value=[{"error_code": "13227"}, {"error_code": ""}, "junk"]),
        Read("alerts", MAIN, "CA2"): Answer(
            value={"alerts": [{"error_code": "32205"}, {"error_code": "21408"}], "pages": 1, "complete": True}
        ),
        Read("message", MAIN, "SM2"): Answer(error="HTTP 404", value={"error_code": 30003}),  # failed: no answer
        Read("message", MAIN, "SM3"): Answer(value={"error_code": None}),
    }
    assert fetched_codes(known) == [21408, 13227, 32205]
    assert fetched_codes({}) == []
