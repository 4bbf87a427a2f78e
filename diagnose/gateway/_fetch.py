"""``fetch_context``: a message or call SID → :class:`~diagnose.context.Context`, in two round trips.

Round 1 (together): the Message, or the Call and its Notifications; the
sending account's Account resource; and the authenticated account's, when
``--account`` names another (the authenticated account is then the parent).

Round 2 (together), once the destination country and the accounts are known:
messaging geo permissions of the sending account and of its parent, or, for
a call, both accounts' dialing permissions for the country and ``/v1/Settings``,
the country's high-risk special prefixes (once: they are per country), and
Monitor Alerts when no Notification carries the code.

Only a SID that is not where it was looked for (404) costs more: the
subaccounts are listed and the SID is tried under each, before round 2.
Whatever cannot be fetched after round 1 becomes ``Fetched(error=reason)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from ..context import NOT_APPLICABLE, Context, Fetched
from ..errors import CredentialsError, NotFoundError, TwilioAccessError
from ._access import Outcome, TwilioAccess, request_line
from ._credentials import Credentials
from ._errors import reason_of

ALERT_WINDOW = timedelta(days=30)


def _fetched(outcome: Outcome[Any], line: str) -> Fetched:
    if outcome.error is not None:
        return Fetched(error=reason_of(outcome.error), request=getattr(outcome.error, "request", "") or line)
    return Fetched(value=outcome.value, request=line)


def _rows(slot: Fetched | None) -> list[Any] | None:
    """The list a Notifications or Alerts slot holds, or None."""
    return slot.value if slot is not None and slot.ok and isinstance(slot.value, list) else None


def _has_code(rows: Any) -> bool:
    for row in rows or ():
        if isinstance(row, Mapping):
            code = str(row.get("error_code") or "").strip()
            if code and code != "0":
                return True
    return False


def _alert_start(call: Mapping[str, Any], now: datetime) -> tuple[str | None, str | None]:
    """StartDate for the alert search (a minute before the call), and a note when out of range."""
    raw = call.get("date_created") or call.get("start_time")
    if not isinstance(raw, str) or not raw:
        return None, None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None, None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    earliest = now - ALERT_WINDOW + timedelta(minutes=5)
    start = when - timedelta(minutes=1)
    if start < earliest:
        return None, (
            f"the call is from {when:%Y-%m-%d}; Monitor Alerts can be queried only 30 days back, "
            "so the search covered the last 30 days"
        )
    return start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), None


class _Builder:
    """The state of one ``fetch_context``: slots filled so far and the notes."""

    def __init__(self, access: TwilioAccess, kind: str, sid: str, account: str | None) -> None:
        self.access = access
        self.kind = kind
        self.sid = sid
        self.creds = access.credentials
        self.auth = self.creds.account_sid
        self.target = account or self.auth
        self.slots: dict[str, Fetched] = {}
        self.notes: list[str] = []
        self.accounts: dict[str, Fetched] = {}

    # --- request lines ----------------------------------------------------------

    def _subject_path(self, account: str) -> str:
        collection = "Messages" if self.kind == "message" else "Calls"
        return f"/Accounts/{account}/{collection}/{self.sid}.json"

    def _subject(self, account: str) -> Callable[[], Any]:
        fetch = self.access.fetch_message if self.kind == "message" else self.access.fetch_call
        return lambda: fetch(self.sid, account)

    def _notifications_line(self, account: str) -> str:
        return request_line("api", f"/Accounts/{account}/Calls/{self.sid}/Notifications.json", {"PageSize": 50})

    def _run(self, tasks: dict[str, tuple[Callable[[], Any], str]]) -> dict[str, Fetched]:
        names = list(tasks)
        outcomes = self.access.run_concurrently([tasks[n][0] for n in names])
        return {n: _fetched(o, tasks[n][1]) for n, o in zip(names, outcomes, strict=True)}

    # --- round 1 -----------------------------------------------------------------

    def round_one(self) -> None:
        access, target, auth = self.access, self.target, self.auth
        names = ["resource"]
        calls: list[Callable[[], Any]] = [self._subject(target)]
        lines = [request_line("api", self._subject_path(target))]
        if self.kind == "call":
            names.append("notifications")
            calls.append(lambda: access.call_notifications(self.sid, target))
            lines.append(self._notifications_line(target))
        for sid in dict.fromkeys((target, auth)):
            names.append(f"account:{sid}")
            calls.append(lambda sid=sid: access.fetch_account(sid))
            lines.append(request_line("api", f"/Accounts/{sid}.json"))
        outcomes = access.run_concurrently(calls)
        by_name = dict(zip(names, outcomes, strict=True))
        for name, line in zip(names, lines, strict=True):
            if name.startswith("account:"):
                self.accounts[name[len("account:") :]] = _fetched(by_name[name], line)
        subject = by_name["resource"]
        if subject.error is None:
            self.slots["resource"] = Fetched(value=subject.value, request=lines[0])
            if self.kind == "call":
                self.slots["notifications"] = _fetched(by_name["notifications"], lines[1])
            return
        if isinstance(subject.error, NotFoundError):
            self._search()
            return
        if isinstance(subject.error, CredentialsError) and target != auth and self.accounts[auth].ok:
            # The credentials work (their own Account was read): they just cannot reach --account.
            raise CredentialsError(
                f"the credentials of {auth} are valid but may not read {target}'s resources "
                f"({reason_of(subject.error)}); --account must be {auth} or one of its subaccounts"
            ) from subject.error
        raise subject.error

    def _search(self) -> None:
        """The SID is not under the target account: try it under every account the credentials list."""
        access = self.access
        noun = "message" if self.kind == "message" else "call"
        tried = {self.target}
        listed: list[dict[str, Any]] = []
        list_failure = ""
        try:
            for row in access.list_accounts(max_accounts=access.max_search_accounts):
                listed.append(row)
        except TwilioAccessError as err:
            list_failure = reason_of(err)
        candidates = [row for row in listed if isinstance(row.get("sid"), str) and row["sid"] not in tried]
        outcomes = (
            access.run_concurrently([self._subject(row["sid"]) for row in candidates], stop_when=lambda o: o.ok)
            if candidates
            else []
        )
        searched = len(tried) + sum(1 for o in outcomes if o.ran)
        for row, outcome in zip(candidates, outcomes, strict=True):
            if outcome.ok:
                self.target = row["sid"]
                line = request_line("api", self._subject_path(self.target))
                self.slots["resource"] = Fetched(value=outcome.value, request=line)
                self.accounts[self.target] = Fetched(
                    value=row, request=request_line("api", "/Accounts.json", {"PageSize": access.page_size})
                )
                self.notes.append(
                    f"{noun} {self.sid} is not under {', '.join(sorted(tried))}; found it under account "
                    f"{self.target} after searching {searched} accounts"
                )
                return
        failed = [o.error for o in outcomes if o.ran and o.error and not isinstance(o.error, NotFoundError)]
        extra = hint = ""
        if list_failure:
            extra = f"; the subaccounts could not be listed: {list_failure}"
            hint = ". Pass --account with the SID of the subaccount that owns it"
        elif len(listed) >= access.max_search_accounts:
            extra = f"; stopped listing at {access.max_search_accounts} accounts"
        if failed:
            extra += f"; {len(failed)} of them could not be searched ({reason_of(failed[0])})"
        plural = "" if searched == 1 else "s"
        raise NotFoundError(
            f"{noun} {self.sid} was not found under any account you can reach "
            f"(searched {searched} account{plural}{extra}){hint}"
        )

    # --- between rounds: who is the parent, and whose credentials read what ------

    def _account_reason(self, slot: Fetched) -> str:
        if self.creds.is_api_key:
            answer = str(slot.error)
            for prefix in ("the credentials were rejected (",):
                if answer.startswith(prefix) and answer.endswith(")"):
                    answer = answer[len(prefix) : -1]
            return (
                f"a standard API key ({self.creds.username}) cannot read the Accounts resource "
                f"({answer}), so whether {self.target} is a subaccount, and its parent's "
                "permissions, are unknown"
            )
        return f"{self.target}'s Account resource could not be read ({slot.error})"

    def resolve_accounts(self) -> tuple[str | None, Fetched | None]:
        """Fill ``account`` and ``parent``; the parent SID whose permissions to read, or the reason not."""
        target, auth = self.target, self.auth
        slot = self.accounts.get(target, Fetched(error="not fetched"))
        if not slot.ok:
            reason = self._account_reason(slot)
            self.slots["account"] = Fetched(error=reason, request=slot.request)
            if target != auth:
                # The authenticated account reached the target's resources, so it is the parent.
                parent = self.accounts.get(auth, Fetched(error="not fetched"))
                self.slots["parent"] = (
                    parent if parent.ok else Fetched(error=self._account_reason(parent), request=parent.request)
                )
                self.notes.append(
                    f"{auth} (the authenticated account) reads {target}'s resources, so it is taken as the parent"
                )
                return auth, None
            unknown = Fetched(error=reason, request=slot.request)
            self.slots["parent"] = unknown
            return None, unknown
        self.slots["account"] = slot
        row = slot.value if isinstance(slot.value, Mapping) else {}
        owner = row.get("owner_account_sid")
        if not owner:
            unknown = Fetched(error=f"{target}'s Account resource has no owner_account_sid", request=slot.request)
            self.slots["parent"] = unknown
            return None, unknown
        if owner == target:
            self.slots["parent"] = NOT_APPLICABLE
            return None, NOT_APPLICABLE
        if owner == auth:
            parent = self.accounts.get(auth)
            self.slots["parent"] = parent if parent is not None else Fetched(error="not fetched")
            return auth, None
        if target == auth:
            reason = (
                f"authenticated as subaccount {auth}: its parent {owner}'s account and permissions can be "
                "read only with the parent's credentials"
            )
            self.notes.append(reason)
        else:
            reason = f"the parent {owner} is not the authenticated account {auth}, so its settings cannot be read"
        unknown = Fetched(error=reason, request=request_line("api", f"/Accounts/{owner}.json"))
        self.slots["parent"] = unknown
        return None, unknown

    def target_credentials(self) -> tuple[Credentials | None, str]:
        if self.target == self.auth:
            return self.creds, ""
        try:
            return self.access.credentials_for(self.target, fetch=False), ""
        except TwilioAccessError as err:
            return None, reason_of(err)

    def destination(self) -> tuple[str | None, str]:
        """The destination country, read as the evidence step reads it (a <Dial> leg's number for 13227)."""
        from ..countries import parse_destination
        from ..evidence import DIAL_LEG_CODES, from_call

        resource = self.slots["resource"].value or {}
        to = resource.get("to")
        if self.kind == "call":
            evidence = from_call(resource, _rows(self.slots.get("notifications")), _rows(self.slots.get("alerts")))
            if evidence.code in DIAL_LEG_CODES:
                if not evidence.to:
                    return None, (
                        f"error {evidence.code} comes from a <Dial>, and neither the notification nor the alert "
                        "names the number dialled, so there is no country to look up"
                    )
                to = evidence.to
        if not isinstance(to, str) or not to.strip():
            return None, f"the {self.kind} has no 'to', so there is no country to look up"
        sender = resource.get("from")
        home = parse_destination(sender).country if isinstance(sender, str) and sender.strip() else None
        iso = parse_destination(to, default_region=home).country
        if not iso:
            return None, f"the destination {to!r} maps to no country, so there is no country to look up"
        return iso, ""

    # --- round 2 -----------------------------------------------------------------

    def round_two(self) -> None:
        access = self.access
        parent_sid, parent_unknown = self.resolve_accounts()
        target_creds, target_why = self.target_credentials()
        iso, iso_why = self.destination()
        tasks: dict[str, tuple[Callable[[], Any], str]] = {}

        def per_account(
            slot: str,
            parent_slot: str,
            line: str,
            read: Callable[[str], Any],
            *,
            by_country: bool = True,
            into: dict[str, tuple[Callable[[], Any], str]] = tasks,
        ) -> None:
            """The same read for the sending account and for its parent, or each slot's reason."""
            if by_country and iso is None:
                self.slots[slot] = Fetched(error=iso_why)
                if parent_unknown is not None:
                    self.slots[parent_slot] = parent_unknown
                else:
                    self.slots[parent_slot] = Fetched(error=iso_why) if parent_sid else NOT_APPLICABLE
                return
            # v1 APIs answer for whoever authenticates, so the line says as whom.
            if target_creds is None:
                self.slots[slot] = Fetched(error=target_why, request=f"{line} as {self.target}")
            else:
                into[slot] = (lambda: read(self.target), f"{line} as {self.target}")
            if parent_sid is not None:
                into[parent_slot] = (lambda: read(parent_sid), f"{line} as {parent_sid}")
            else:
                self.slots[parent_slot] = parent_unknown if parent_unknown is not None else NOT_APPLICABLE

        def prefixes(into: dict[str, tuple[Callable[[], Any], str]] = tasks) -> None:
            """The country's high-risk special prefixes: per country, so read once."""
            if iso is None:
                self.slots["voice_high_risk_prefixes"] = Fetched(error=iso_why)
                return
            country = iso
            path = f"/DialingPermissions/Countries/{country}/HighRiskSpecialPrefixes"
            into["voice_high_risk_prefixes"] = (
                lambda: access.voice_high_risk_prefixes(country),
                request_line("voice", path, {"PageSize": access.page_size}),
            )

        if self.kind == "message":
            line = request_line("accounts", "/Messaging/GeoPermissions", {"CountryCode": iso or ""})
            per_account(
                "messaging_permissions",
                "parent_messaging_permissions",
                line,
                lambda sid: access.messaging_geo_permissions(sid, [iso or ""]),
            )
        else:
            country_line = request_line("voice", f"/DialingPermissions/Countries/{iso}")
            per_account(
                "voice_country", "parent_voice_country", country_line, lambda sid: access.voice_country(sid, iso or "")
            )
            settings_line = request_line("voice", "/Settings")
            per_account(
                "voice_settings", "parent_voice_settings", settings_line, access.voice_settings, by_country=False
            )
            prefixes()
            if "notifications" not in self.slots:  # found by search: not fetched in round 1
                tasks["notifications"] = (
                    lambda: access.call_notifications(self.sid, self.target),
                    self._notifications_line(self.target),
                )
            elif not _has_code(self.slots["notifications"].value):
                self._schedule_alerts(tasks, target_creds, target_why)
        self.slots.update(self._run(tasks))
        if self.kind == "call" and "alerts" not in self.slots and not _has_code(self.slots["notifications"].value):
            alerts: dict[str, tuple[Callable[[], Any], str]] = {}
            self._schedule_alerts(alerts, target_creds, target_why)
            self.slots.update(self._run(alerts))
        if self.kind == "call":
            # The code (and for a <Dial> leg, the number dialled) may only have come with this round.
            later_iso, later_why = self.destination()
            if later_iso != iso:
                redo: dict[str, tuple[Callable[[], Any], str]] = {}
                iso, iso_why = later_iso, later_why
                per_account(
                    "voice_country",
                    "parent_voice_country",
                    request_line("voice", f"/DialingPermissions/Countries/{iso}"),
                    lambda sid: access.voice_country(sid, iso or ""),
                    into=redo,
                )
                prefixes(into=redo)
                self.slots.update(self._run(redo))

    def _schedule_alerts(
        self, tasks: dict[str, tuple[Callable[[], Any], str]], creds: Credentials | None, why: str
    ) -> None:
        access = self.access
        resource = self.slots["resource"].value or {}
        start, note = _alert_start(resource, datetime.now(timezone.utc))
        params: dict[str, Any] = {"PageSize": access.page_size}
        if start:
            params["StartDate"] = start
        line = request_line("monitor", "/Alerts", params)
        if creds is None:
            self.slots["alerts"] = Fetched(
                error=f"Monitor Alerts act on the authenticated account; {why}", request=line
            )
            return
        if note:
            self.notes.append(note)

        def search() -> list[dict[str, Any]]:
            found = access.find_alerts(self.sid, self.target, start_date=start)
            if found.alerts:
                return found.alerts
            if found.complete:
                self.notes.append(f"no Notification and no Monitor Alert names {self.sid} ({found.pages} page(s) read)")
                return []
            raise NotFoundError(
                f"no Monitor Alert names {self.sid} in the first {found.pages} pages; stopped there "
                f"(the bound is {access.max_alert_pages} pages)"
            )

        tasks["alerts"] = (search, line)

    def context(self, requests: Any) -> Context:
        slots = {k: v for k, v in self.slots.items() if k in _SLOTS}
        return Context(kind=self.kind, sid=self.sid, requests=requests, notes=tuple(self.notes), **slots)  # type: ignore[arg-type]


_SLOTS = frozenset(
    {
        "resource",
        "notifications",
        "alerts",
        "account",
        "parent",
        "messaging_permissions",
        "parent_messaging_permissions",
        "voice_country",
        "parent_voice_country",
        "voice_high_risk_prefixes",
        "voice_settings",
        "parent_voice_settings",
    }
)


def fetch_context(sid: str, access: TwilioAccess, account: str | None = None) -> Context:
    """Everything the diagnosis of one message or call SID needs, fetched in (usually) two round trips.

    ``account`` (``--account``) names the subaccount that owns the SID. Raises
    :class:`~diagnose.errors.InputError` for a malformed SID,
    :class:`~diagnose.errors.CredentialsError` when the credentials are
    rejected, :class:`~diagnose.errors.UnreachableError` when the API cannot be
    reached, :class:`~diagnose.errors.NotFoundError` when no reachable account
    holds the SID. Anything after the first round that fails is a slot with
    its reason, never an exception.
    """
    from ..evidence import check_account_sid, classify_sid

    kind, clean = classify_sid(sid)
    target = check_account_sid(account) if account else None
    with access.recording() as log:
        builder = _Builder(access, kind, clean, target)
        builder.round_one()
        builder.round_two()
        return builder.context(log.records)
