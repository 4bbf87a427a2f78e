"""The I/O of ``diagnose fix``: read the accounts' permissions, send a planned change, read it back.

The planning is pure (:mod:`diagnose.fixes`); this module only asks Twilio.
Every read and write acts as the account concerned (the ``/v1`` APIs answer
for whoever authenticates), with the subaccount's auth token read from its
Account resource through the parent's credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import plan
from ..context import NOT_APPLICABLE, Fetched
from ..country_table import voice_entry
from ..errors import TwilioAccessError
from ..fixes import AccountState, Change, ChangeOutcome, classify_messaging_result
from ..plan import Answer, Read
from ._access import TwilioAccess
from ._errors import reason_of
from ._http import HostFailures
from ._reads import ReadCache, run_reads


@dataclass(frozen=True)
class ChangeResult:
    """What happened to one planned change."""

    change: Change
    outcome: ChangeOutcome
    message: str = ""  # Twilio's answer, in one line
    code: int | None = None  # Twilio's error code, when it refused
    read_back: dict[str, Any] | None = None  # the state read after the change
    verified: bool = False  # the read-back shows ``change.after``
    sent: bool = True  # False: not sent, Twilio had answered 30648 to a change of the same account in this run


def _fetched(answer: Answer) -> Fetched:
    if answer.error is None:
        return Fetched(value=answer.value, request=answer.request)
    # Not sent: the plan says once which request stopped the host (stopped_hosts), not on every item.
    return Fetched(value=answer.value, error=answer.problem, request=answer.request)


def _reads_for(sid: str, is_sub: bool, countries: Sequence[str], products: Sequence[str]) -> list[Read]:
    reads: list[Read] = []
    if "sms" in products:
        reads.append(plan.messaging_permissions(sid, countries))
    if "voice" in products:
        # Every country's three toggles in one list (one page): no read per country.
        reads.append(plan.voice_countries(sid))
        if is_sub:
            reads.append(plan.voice_settings(sid))
    return reads


def read_state(
    access: TwilioAccess,
    row: Fetched,
    countries: Sequence[str],
    products: Sequence[str],
    hosts: HostFailures | None = None,
) -> AccountState:
    """One account's state for these countries, read as that account: three requests at most.

    The SMS permissions, every voice country's toggles (one list) and, for a subaccount, the
    voice settings; a country missing from the voice list is read on its own (a second round
    trip, rarely needed). A failed read is that slot's error, never an exception. Nothing is
    cached beyond the account: memory does not grow with the number of accounts read. ``hosts``
    is the run's (shared by every account of a plan), so a host that stopped answering is asked no more.
    """
    sid = str(row.value.get("sid")) if isinstance(row.value, dict) else ""
    if not row.ok or not sid:
        failed = Fetched(error=row.error or "the account could not be read", request=row.request)
        return AccountState(sid=sid, account=failed)
    isos = [c.upper() for c in countries]
    owner = row.value.get("owner_account_sid")
    is_sub = bool(owner) and owner != sid
    cache = ReadCache(hosts=hosts)
    answers = run_reads(access, _reads_for(sid, is_sub, isos, products), cache)
    messaging = _fetched(answers[plan.messaging_permissions(sid, isos)]) if "sms" in products else NOT_APPLICABLE
    voice: dict[str, Fetched] = {}
    settings: Fetched = NOT_APPLICABLE
    if "voice" in products:
        listing = answers[plan.voice_countries(sid)]
        rows = listing.value.get("content") if listing.error is None and isinstance(listing.value, dict) else None
        listed = {
            str(r["iso_code"]).upper(): r
            for r in rows or ()
            if isinstance(r, dict) and isinstance(r.get("iso_code"), str)
        }
        # The list failed, or lacks the entry: that country is read on its own.
        missing = {iso: plan.voice_country(sid, voice_entry(iso)) for iso in isos if voice_entry(iso) not in listed}
        more = run_reads(access, list(missing.values()), cache) if missing else {}
        for iso in isos:
            entry = voice_entry(iso)
            if entry in listed:
                voice[iso] = Fetched(value=listed[entry], request=listing.request)
            else:
                voice[iso] = _fetched(more[missing[iso]])
        if is_sub:
            settings = _fetched(answers[plan.voice_settings(sid)])
        else:
            settings = Fetched(value={"dialing_permissions_inheritance": False}, request="a main account inherits")
    return AccountState(sid=sid, account=row, messaging=messaging, voice=voice, voice_settings=settings)


def account_row(access: TwilioAccess, item: Mapping[str, Any] | str, hosts: HostFailures | None = None) -> Fetched:
    """An account listed (a row of ``/Accounts.json``) or named (a SID, fetched now) as a :class:`Fetched`."""
    if not isinstance(item, str):
        return Fetched(value=dict(item), request="GET /2010-04-01/Accounts.json")
    read = plan.account(item)
    answer = run_reads(access, [read], ReadCache(hosts=hosts))[read]
    value = answer.value if isinstance(answer.value, dict) else {"sid": item}
    return Fetched(value=value, error=_fetched(answer).error, request=answer.request)


def apply_change(access: TwilioAccess, change: Change) -> ChangeResult:
    """Send one change as its account, then read the state back to verify it."""
    try:
        outcome, message, code = _send(access, change)
    except TwilioAccessError as err:
        code = err.code
        outcome = classify_messaging_result(code) if change.product == "sms" and code else "failed"
        return ChangeResult(change, outcome, reason_of(err), code)
    if outcome != "done":
        return ChangeResult(change, outcome, message, code)
    read_back = read_back_state(access, change)
    verified = read_back is not None and all(read_back.get(k) == v for k, v in change.after.items())
    return ChangeResult(change, outcome, message, code, read_back, verified)


def _send(access: TwilioAccess, change: Change) -> tuple[ChangeOutcome, str, int | None]:
    form = dict(change.form)
    if change.action == "enable-messaging-country":
        rows = access.update_messaging_permissions(change.account, {change.country: True})
        row = rows.get(change.country) or {}
        code = row.get("error_code")
        code = code if isinstance(code, int) else None
        messages = row.get("error_messages") or []
        text = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        if not row:
            return "failed", f"the answer lists no result for {change.country}", None
        return classify_messaging_result(code), text, code
    if change.action == "enable-voice-country":
        entry = json.loads(form["UpdateRequest"])[0]
        flags = {k: v == "true" for k, v in entry.items() if k != "iso_code"}
        count = access.update_voice_countries(change.account, {entry["iso_code"]: flags})
        return ("done", f"update_count {count}", None) if count else ("failed", "update_count 0", None)
    if change.action == "set-voice-inheritance":
        access.update_voice_settings(change.account, dialing_permissions_inheritance=True)
        return "done", "", None
    raise ValueError(f"no operation for action {change.action!r}")  # pragma: no cover - the planner never plans one


def read_back_state(access: TwilioAccess, change: Change) -> dict[str, Any] | None:
    """The values ``change.after`` names, as Twilio answers them now (a fresh read); None when it failed."""
    if change.action == "enable-messaging-country":
        read = plan.messaging_permissions(change.account, [change.country])
    elif change.action == "enable-voice-country":
        read = plan.voice_country(change.account, voice_entry(change.country))
    elif change.action == "set-voice-inheritance":
        read = plan.voice_settings(change.account)
    else:  # pragma: no cover - the planner plans no other action
        return None
    # A fix is a batch job: its reads wait out 429s as an audit's do (no diagnosis's budget for the run).
    answer = run_reads(access, [read], ReadCache(hosts=HostFailures(throttle_budget=None)))[read]
    if answer.error is not None or not isinstance(answer.value, dict):
        return None
    if change.action == "enable-messaging-country":
        return {"enabled": plan.permissions_of(answer.value).get(change.country)}
    return {k: answer.value.get(k) for k in change.after}
