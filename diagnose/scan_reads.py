"""The scan's reads: recent failures of each account, then the permissions behind each group.

Per account, in a bounded pool (like the audit): Monitor alerts since the
start of the window (as the account: v1 answers for whoever authenticates;
the API filters by date only, so the error code is matched here), the
account's messages newest first until they are older than the window, and its
call notifications from the window's first day. Then, once per account with
failures, one audit read of its permissions for the countries its groups
name (the parent's are read once and shared).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .audit import AccountAudit
from .errors import CredentialsError, TwilioAccessError, reason_of
from .scan import Failure, Grouper, from_alert, from_message, from_notification

if TYPE_CHECKING:
    from .gateway import TwilioAccess


class _Stopped(TwilioAccessError):
    """Raised in a worker after Ctrl-C, so it makes no further request for its account."""


@dataclass
class ScanInfo:
    authenticated_account: str = ""
    accounts: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    truncated: list[dict[str, str]] = field(default_factory=list)
    interrupted: bool = False


@dataclass
class _AccountScan:
    sid: str
    row: dict[str, Any]
    failures: list[Failure]
    problems: list[dict[str, str]]
    truncated: list[dict[str, str]]


class Scanner:
    def __init__(
        self,
        access: TwilioAccess,
        codes: Mapping[int, tuple[str, ...]],
        *,
        start: dt.datetime,
        concurrency: int,
    ) -> None:
        self.access = access
        self.codes = dict(codes)
        self.start = start
        self.concurrency = max(1, concurrency)
        self.stopping = threading.Event()  # set on Ctrl-C: workers start no new read

    # --- one account's failures ----------------------------------------------------

    def _reads(self, reads: list[Any], cache: Any) -> dict[Any, Any]:
        """``run_reads``, unless the run is stopping (Ctrl-C): then the account is abandoned."""
        from .gateway import run_reads

        if self.stopping.is_set():
            raise _Stopped("the scan was interrupted")
        return run_reads(self.access, reads, cache)

    def scan_account(self, row: dict[str, Any]) -> _AccountScan:
        """The account's failures: three read-planner listing reads (``diagnose/plan.py``), each keeping only
        the rows with a code the knowledge covers, with a cache of this account's, dropped when it is done."""
        from . import plan
        from .gateway import ReadCache

        sid = str(row.get("sid") or "")
        out = _AccountScan(sid, row, [], [], [])
        since = self.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        reads = {
            "alerts": (plan.failed_alerts(sid, since, self.codes), from_alert),
            "messages": (plan.failed_messages(sid, since, self.codes), from_message),
            "notifications": (plan.failed_notifications(sid, since, self.codes), from_notification),
        }
        answers = self._reads([read for read, _ in reads.values()], ReadCache())
        for source, (read, make) in reads.items():
            answer = answers[read]
            if not answer.ok:
                out.problems.append({"account": sid, "source": source, "reason": str(answer.error)})
                continue
            found = answer.value
            if not found.get("complete"):
                out.truncated.append(
                    {"account": sid, "source": source, "reason": f"stopped after {plan.LISTING_PAGES} pages"}
                )
            for record in found.get("rows") or ():
                failure = make(sid, record, self.codes)
                if failure is not None and (failure.when is None or failure.when >= self.start):
                    out.failures.append(failure)
        return out

    # --- the run ----------------------------------------------------------------------

    def run(self, subaccounts: str | Sequence[str] | None, grouper: Grouper) -> tuple[ScanInfo, dict[str, dict]]:
        """Scan every account in scope into ``grouper``; the account rows that had failures, by SID."""
        info = ScanInfo(authenticated_account=self.access.credentials.account_sid)
        main_sid = info.authenticated_account
        with_failures: dict[str, dict[str, Any]] = {}
        try:
            main = self._main(main_sid, info)
            items: Iterator[dict[str, Any] | str]
            if subaccounts is None:
                items = iter([main])
            elif subaccounts == "all":
                items = self._listed(main, info)
            else:
                items = iter([main] if main_sid in subaccounts else [])
                items = _chain(items, (s for s in subaccounts if s != main_sid))
            self._pool(items, grouper, info, with_failures)
        except KeyboardInterrupt:
            self.stopping.set()
            info.interrupted = True
        return info, with_failures

    def _main(self, sid: str, info: ScanInfo) -> dict[str, Any]:
        try:
            return self.access.fetch_account(sid)
        except CredentialsError as err:
            if not self.access.credentials.is_api_key:
                raise
            info.problems.append({"account": sid, "source": "accounts", "reason": reason_of(err)})
            return {"sid": sid, "owner_account_sid": sid}

    def _listed(self, main: dict[str, Any], info: ScanInfo) -> Iterator[dict[str, Any]]:
        yield main
        try:
            for row in self.access.list_accounts():
                if isinstance(row, dict) and row.get("sid") != main.get("sid") and row.get("status") == "active":
                    yield row
        except TwilioAccessError as err:
            info.problems.append({"account": str(main.get("sid")), "source": "accounts", "reason": reason_of(err)})

    def _one(self, item: dict[str, Any] | str) -> _AccountScan:
        """Scan one listed account (a row) or one named SID (its Account read first, a planner read)."""
        from . import plan
        from .gateway import ReadCache

        row: dict[str, Any] = {"sid": item} if isinstance(item, str) else item
        sid = str(row.get("sid") or "")
        try:
            if isinstance(item, str):
                read = plan.account(item)
                answer = self._reads([read], ReadCache())[read]
                if not answer.ok or not isinstance(answer.value, dict):
                    return _AccountScan(
                        sid, row, [], [{"account": sid, "source": "account", "reason": str(answer.error)}], []
                    )
                row = answer.value
            return self.scan_account(row)
        except TwilioAccessError as err:
            return _AccountScan(sid, row, [], [{"account": sid, "source": "account", "reason": reason_of(err)}], [])

    def _pool(
        self,
        items: Iterator[dict[str, Any] | str],
        grouper: Grouper,
        info: ScanInfo,
        with_failures: dict[str, dict[str, Any]],
    ) -> None:
        from .audit_reads import run_pool

        def take(result: _AccountScan) -> None:
            info.accounts += 1
            info.problems.extend(result.problems)
            info.truncated.extend(result.truncated)
            if result.failures:
                grouper.add_account(result.failures)
                with_failures[result.sid] = result.row
            else:
                self.access.forget(result.sid)  # its credentials are not needed again

        run_pool(
            items,
            self._one,
            take,
            concurrency=self.concurrency,
            name="diagnose-scan",
            initializer=self.access.mark_worker,
        )

    # --- the permissions behind the groups ----------------------------------------------

    def states(
        self, accounts: Mapping[str, dict[str, Any]], needs: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    ) -> dict[str, AccountAudit]:
        """Each account's cells for the countries and products its groups name, read through the planner.

        Every read is a :mod:`diagnose.plan` read run by the gateway's executor in one round trip with
        one :class:`~diagnose.gateway.ReadCache`, so a read several groups need (the parent's permissions,
        above all) is made once.
        """
        from . import plan
        from .gateway import ReadCache, run_reads

        parents = {sid: _parent_of(row) for sid, row in accounts.items()}
        sms_union = tuple(sorted({c for sid, (cs, ps) in needs.items() if "sms" in ps for c in cs}))
        reads: list[plan.Read] = []
        for sid, (countries, products) in needs.items():
            parent = parents.get(sid)
            if "sms" in products:
                reads.append(plan.messaging_permissions(sid, countries))
                if parent:
                    reads.append(plan.messaging_permissions(parent, sms_union))
            if "voice" in products:
                if parent:
                    reads.append(plan.voice_settings(sid))
                for iso in countries:
                    reads.append(plan.voice_country(sid, _voice_entry(iso)))
                    if parent:
                        reads.append(plan.voice_country(parent, _voice_entry(iso)))
        answers = run_reads(self.access, reads, ReadCache())
        return {
            sid: _classify(sid, accounts[sid], parents.get(sid), countries, products, sms_union, answers)
            for sid, (countries, products) in needs.items()
        }


def _parent_of(row: Mapping[str, Any]) -> str | None:
    owner, sid = row.get("owner_account_sid"), row.get("sid")
    return owner if isinstance(owner, str) and owner and owner != sid else None


def _voice_entry(iso: str) -> str:
    # Twilio's voice API has one US entry, "United States/Canada", and none for CA.
    return "US" if iso == "CA" else iso


def _classify(
    sid: str,
    row: Mapping[str, Any],
    parent: str | None,
    countries: Sequence[str],
    products: Sequence[str],
    sms_union: tuple[str, ...],
    answers: Mapping[Any, Any],
) -> AccountAudit:
    from . import plan
    from .audit import VoiceRanges, sms_cell, sms_comparison, voice_cell
    from .countries import is_messaging_high_risk, is_not_allowed

    cells = []
    problems: list[str] = []
    inheritance: bool | None = None
    if "sms" in products:
        own = answers[plan.messaging_permissions(sid, countries)]
        mine = plan.permissions_of(own.value) if own.ok else None
        theirs = answers.get(plan.messaging_permissions(parent, sms_union)) if parent else None
        parents = plan.permissions_of(theirs.value) if theirs is not None and theirs.ok else {}
        if mine is None:
            problems.append(f"messaging permissions: {own.error}")
        for iso in countries:
            cells.append(
                sms_cell(
                    iso,
                    mine.get(iso) if mine is not None else None,
                    high_risk=is_messaging_high_risk(iso),
                    not_allowed=is_not_allowed(iso),
                    parent_enabled=parents.get(iso),
                    is_subaccount=parent is not None,
                    why_unknown=None if mine is not None else f"messaging permissions: {own.error}",
                )
            )
    if "voice" in products:
        if parent:
            settings = answers[plan.voice_settings(sid)]
            value = settings.value.get("dialing_permissions_inheritance") if settings.ok else None
            inheritance = value if isinstance(value, bool) else None

        def ranges(account: str | None, iso: str) -> tuple[VoiceRanges | None, str | None]:
            if account is None:
                return None, None
            answer = answers.get(plan.voice_country(account, _voice_entry(iso)))
            if answer is None or not answer.ok:
                return None, answer.error if answer is not None else "not read"
            return (VoiceRanges.from_wire(answer.value) if isinstance(answer.value, dict) else None), None

        for iso in countries:
            own_ranges, why = ranges(sid, iso)
            parent_ranges, _ = ranges(parent, iso)
            cells.append(
                voice_cell(
                    iso,
                    own_ranges,
                    not_allowed=is_not_allowed(iso),
                    is_subaccount=parent is not None,
                    inheritance=inheritance,
                    parent=parent_ranges,
                    why_unknown=f"voice dialing permissions: {why}" if why else None,
                )
            )
    return AccountAudit(
        sid=sid,
        friendly_name=str(row.get("friendly_name") or ""),
        parent=parent,
        cells=tuple(cells),
        problem="; ".join(problems) or None,
        voice_inheritance=inheritance,
        sms_comparison=sms_comparison(cells) if parent else None,
    )


def _chain(*parts: Iterator[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


__all__ = ["ScanInfo", "Scanner"]
