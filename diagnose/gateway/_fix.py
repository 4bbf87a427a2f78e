"""The I/O of ``diagnose fix``: read the accounts' permissions, send a planned change, read it back.

The planning is pure (:mod:`diagnose.fixes`); this module only asks Twilio.
Every read and write acts as the account concerned (the ``/v1`` APIs answer
for whoever authenticates), with the subaccount's auth token read from its
Account resource through the parent's credentials.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..context import NOT_APPLICABLE, Fetched
from ..country_table import voice_entry
from ..errors import TwilioAccessError
from ..fixes import AccountState, Change, ChangeOutcome, classify_messaging_result
from ._access import TwilioAccess, request_line
from ._errors import reason_of


@dataclass(frozen=True)
class ChangeResult:
    """What happened to one planned change."""

    change: Change
    outcome: ChangeOutcome
    message: str = ""  # Twilio's answer, in one line
    code: int | None = None  # Twilio's error code, when it refused
    read_back: dict[str, Any] | None = None  # the state read after the change
    verified: bool = False  # the read-back shows ``change.after``


def account_rows(access: TwilioAccess, accounts: Sequence[str] | None) -> Iterable[Fetched]:
    """The Account resources: every account the credentials see (``None``), or the SIDs given.

    Paged and streamed (``list_accounts``), so thousands of subaccounts are never held as pages.
    """
    if accounts is None:
        line = request_line("api", "/Accounts.json", {"PageSize": access.page_size})
        for row in access.list_accounts():
            yield Fetched(value=row, request=line)
        return
    for sid in accounts:
        line = request_line("api", f"/Accounts/{sid}.json")
        try:
            yield Fetched(value=access.fetch_account(sid), request=line)
        except TwilioAccessError as err:
            yield Fetched(value={"sid": sid}, error=reason_of(err), request=line)


def _slot(request: str, read: Callable[[], Any]) -> Fetched:
    try:
        return Fetched(value=read(), request=request)
    except TwilioAccessError as err:
        return Fetched(error=reason_of(err), request=getattr(err, "request", "") or request)


def read_state(access: TwilioAccess, row: Fetched, countries: Sequence[str], products: Sequence[str]) -> AccountState:
    """One account's permissions for these countries, read as that account."""
    sid = str(row.value.get("sid")) if isinstance(row.value, dict) else ""
    if not row.ok:
        failed = Fetched(error=row.error or "the account could not be read", request=row.request)
        return AccountState(sid=sid, account=failed)
    owner = row.value.get("owner_account_sid")
    isos = [c.upper() for c in countries]
    messaging = NOT_APPLICABLE
    voice: dict[str, Fetched] = {}
    settings = NOT_APPLICABLE
    if "sms" in products:
        line = request_line("accounts", "/Messaging/GeoPermissions", {"CountryCode": ",".join(isos)})
        messaging = _slot(line, lambda: access.messaging_geo_permissions(sid, isos))
    if "voice" in products:
        for iso in isos:
            entry = voice_entry(iso)
            line = request_line("voice", f"/DialingPermissions/Countries/{entry}")
            voice[iso] = _slot(line, lambda entry=entry: access.voice_country(sid, entry))
        if owner and owner != sid:
            settings = _slot(request_line("voice", "/Settings"), lambda: access.voice_settings(sid))
        else:
            settings = Fetched(value={"dialing_permissions_inheritance": False}, request="a main account inherits")
    return AccountState(sid=sid, account=row, messaging=messaging, voice=voice, voice_settings=settings)


def read_states(
    access: TwilioAccess, rows: Iterable[Fetched], countries: Sequence[str], products: Sequence[str]
) -> list[AccountState]:
    """Every account's state, read with bounded concurrency (``access.max_workers``); one failure is one state."""
    tasks = [lambda row=row: read_state(access, row, countries, products) for row in rows]
    states: list[AccountState] = []
    for outcome, task in zip(access.run_concurrently(tasks), tasks, strict=True):
        if outcome.ok and outcome.value is not None:
            states.append(outcome.value)
        else:  # pragma: no cover - read_state turns every access error into a slot
            states.append(task())
    return states


def apply_change(access: TwilioAccess, change: Change) -> ChangeResult:
    """Send one change as its account, then read the state back to verify it."""
    try:
        outcome, message, code = _send(access, change)
    except TwilioAccessError as err:
        code = getattr(err, "code", None)
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
    """The values ``change.after`` names, as Twilio answers them now; None when the read failed."""
    try:
        if change.action == "enable-messaging-country":
            perms = access.messaging_permissions(change.account, [change.country])
            return {"enabled": perms.get(change.country)}
        if change.action == "enable-voice-country":
            row = access.voice_country(change.account, voice_entry(change.country))
            return {k: row.get(k) for k in change.after}
        if change.action == "set-voice-inheritance":
            row = access.voice_settings(change.account)
            return {"dialing_permissions_inheritance": row.get("dialing_permissions_inheritance")}
    except TwilioAccessError:
        return None
    return None
