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

import collections
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .audit import AccountAudit
from .audit_reads import Auditor, reason_of
from .errors import CredentialsError, TwilioAccessError
from .scan import Failure, Grouper, from_alert, from_message, from_notification, parse_time

if TYPE_CHECKING:
    from .gateway import TwilioAccess

MAX_PAGES = 20
"""Pages of 1,000 read per account and source; beyond, the scan says it stopped early."""


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

    # --- one account's failures ----------------------------------------------------

    def scan_account(self, row: dict[str, Any]) -> _AccountScan:
        sid = str(row.get("sid") or "")
        out = _AccountScan(sid, row, [], [], [])
        for source, read in (
            ("alerts", self._alerts),
            ("messages", self._messages),
            ("notifications", self._notifications),
        ):
            try:
                complete = read(sid, out.failures)
                if not complete:
                    out.truncated.append(
                        {"account": sid, "source": source, "reason": f"stopped after {MAX_PAGES} pages"}
                    )
            except TwilioAccessError as err:
                out.problems.append({"account": sid, "source": source, "reason": reason_of(err)})
        return out

    def _alerts(self, sid: str, into: list[Failure]) -> bool:
        creds = self.access.credentials_for(sid)
        params = {"StartDate": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "PageSize": 1000}
        pages = self.access.pages("monitor", "/Alerts", "alerts", params, creds=creds, max_pages=MAX_PAGES + 1)
        for number, rows in enumerate(pages, start=1):
            if number > MAX_PAGES:
                return False
            for alert in rows:
                if isinstance(alert, dict):
                    failure = from_alert(sid, alert, self.codes)
                    if failure is not None and (failure.when is None or failure.when >= self.start):
                        into.append(failure)
        return True

    def _messages(self, sid: str, into: list[Failure]) -> bool:
        # No date filter: DateSent would drop failed messages, which were never sent. Newest first: stop
        # at the first page that reaches back before the window.
        pages = 0
        for rows in self.access.pages("api", f"/Accounts/{sid}/Messages.json", "messages", {"PageSize": 1000}):
            pages += 1
            older = False
            for message in rows:
                if not isinstance(message, dict):
                    continue
                when = parse_time(message.get("date_created"))
                if when is not None and when < self.start:
                    older = True
                    continue
                failure = from_message(sid, message, self.codes)
                if failure is not None:
                    into.append(failure)
            if older or not rows:
                return True
            if pages >= MAX_PAGES:
                return False
        return True

    def _notifications(self, sid: str, into: list[Failure]) -> bool:
        params = {"MessageDate>": self.start.date().isoformat(), "PageSize": 1000}
        path = f"/Accounts/{sid}/Notifications.json"
        for number, rows in enumerate(
            self.access.pages("api", path, "notifications", params, max_pages=MAX_PAGES + 1), 1
        ):
            if number > MAX_PAGES:
                return False
            for note in rows:
                if isinstance(note, dict):
                    failure = from_notification(sid, note, self.codes)
                    if failure is not None and (failure.when is None or failure.when >= self.start):
                        into.append(failure)
        return True

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
        row: dict[str, Any] = {"sid": item} if isinstance(item, str) else item
        try:
            if isinstance(item, str):
                row = self.access.fetch_account(item)
            return self.scan_account(row)
        except TwilioAccessError as err:
            sid = str(row.get("sid") or "")
            return _AccountScan(sid, row, [], [{"account": sid, "source": "account", "reason": reason_of(err)}], [])

    def _pool(
        self,
        items: Iterator[dict[str, Any] | str],
        grouper: Grouper,
        info: ScanInfo,
        with_failures: dict[str, dict[str, Any]],
    ) -> None:
        window: collections.deque[Future[_AccountScan]] = collections.deque()
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="diagnose-scan")

        def take(result: _AccountScan) -> None:
            info.accounts += 1
            info.problems.extend(result.problems)
            info.truncated.extend(result.truncated)
            if result.failures:
                grouper.add_account(result.failures)
                with_failures[result.sid] = result.row

        try:
            for item in items:
                window.append(pool.submit(self._one, item))
                while len(window) >= 2 * self.concurrency or (window and window[0].done()):
                    take(window.popleft().result())
            while window:
                take(window.popleft().result())
        finally:
            for future in window:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    # --- the permissions behind the groups ----------------------------------------------

    def states(
        self, accounts: Mapping[str, dict[str, Any]], needs: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    ) -> dict[str, AccountAudit]:
        """Each account's audit for the countries and products its groups name (the parent's read once)."""
        main_sid = self.access.credentials.account_sid
        every = tuple(sorted({c for cs, _ in needs.values() for c in cs}))
        products = tuple(p for p in ("sms", "voice") if any(p in ps for _, ps in needs.values()))
        if not every:
            return {}
        parent = Auditor(self.access, every, products, concurrency=self.concurrency)
        results: dict[str, AccountAudit] = {}
        try:
            main_row = accounts.get(main_sid) or self.access.fetch_account(main_sid)
            main_audit = parent.audit_account(main_row, is_parent=True)
        except TwilioAccessError:
            main_audit = None
        if main_audit is not None and main_sid in accounts:
            results[main_sid] = main_audit

        def one(sid: str) -> AccountAudit:
            auditor = Auditor(self.access, needs[sid][0], needs[sid][1], concurrency=1)
            auditor.parent = parent.parent
            try:
                return auditor.audit_account(accounts[sid])
            finally:
                self.access.forget(sid)

        todo = [sid for sid in accounts if sid != main_sid and sid in needs]
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="diagnose-scan") as pool:
            for sid, audit in zip(todo, pool.map(one, todo), strict=True):
                results[sid] = audit
        return results


def _chain(*parts: Iterator[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


__all__ = ["ScanInfo", "Scanner"]
