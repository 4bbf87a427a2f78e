"""The scan's reads: each account's recent failures, then the permissions behind its groups, one account at a time.

Per account, in a bounded pool (the audit's ``run_pool``), with a read cache of
that account's, dropped when it is done:

1. three read-planner listing reads (``plan.failed_alerts``, ``failed_messages``,
   ``failed_notifications``): Monitor alerts since the start of the window (as
   the account: v1 answers for whoever authenticates; the API filters by date
   only, so the error code is matched on our side), its messages newest first
   until they are older than the window, its call notifications from the
   window's first day; only the rows with a code the knowledge covers are kept;
2. when it had failures: its groups (account × country × code), and the audit
   cells of those countries, read as the audit reads them (``Auditor``); the
   parent's permissions (every country, two reads) are read once, by the first
   subaccount that needs them, and shared.

The account's groups are diagnosed as its result comes in and handed to the
caller (the command spools them to a temporary file), so memory does not grow
with the number of accounts scanned.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .audit import AccountAudit, VoiceRanges
from .audit_reads import HOST_PATIENCE
from .errors import TwilioAccessError, reason_of
from .plan import NOT_SENT
from .scan import (
    AccountReads,
    Failure,
    Group,
    Grouper,
    diagnose_group,
    from_alert,
    from_message,
    from_notification,
    group_dict,
    group_finding,
    placed,
    unplaced_calls,
)

if TYPE_CHECKING:
    from .audit_reads import ParentView
    from .gateway import TwilioAccess


class _Stopped(TwilioAccessError):
    """Raised in a worker after Ctrl-C, so it makes no further request for its account."""


Diagnosis = tuple[str, str, str | None, str]


@dataclass
class ScanInfo:
    authenticated_account: str = ""
    accounts: int = 0
    failures: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    truncated: list[dict[str, str]] = field(default_factory=list)
    interrupted: bool = False
    accounts_hit: int = 0  # accounts with at least one failure
    stopped_hosts: list[str] = field(default_factory=list)
    """Each host the run stopped asking (``GET … failed: why``): its later reads were not sent."""
    unsent_accounts: int = 0
    """Accounts with a read not sent because its host had stopped answering (not in ``problems``)."""
    unread_accounts: int = 0
    """Accounts with a source or a permission that could not be read, for whatever reason."""


@dataclass
class _AccountScan:
    sid: str
    row: dict[str, Any]
    failures: list[Failure]
    problems: list[dict[str, str]]
    truncated: list[dict[str, str]]
    groups: list[Group] = field(default_factory=list)
    count: int = 0  # failures after deduplication
    state: AccountAudit | None = None
    unsent: bool = False  # a read was not sent: its host had stopped answering


class Scanner:
    def __init__(
        self,
        access: TwilioAccess,
        codes: Mapping[int, tuple[str, ...]],
        kb: Any,
        *,
        start: dt.datetime,
        concurrency: int,
        knowledge_dirs: Sequence[str] = (),
    ) -> None:
        from .gateway import HostFailures

        self.access = access
        # The whole run's: a host that stopped answering is asked nothing more, by any account.
        self.hosts = HostFailures(patience=HOST_PATIENCE, throttle_budget=None)
        self.codes = dict(codes)
        self.kb = kb  # the built-in knowledge and --knowledge DIR's: the causes the groups are read by
        self.knowledge_dirs = tuple(knowledge_dirs)  # named again in each group's advice (diagnose SID --knowledge)
        self.start = start
        self.concurrency = max(1, concurrency)
        self.stopping = threading.Event()  # set on Ctrl-C: workers start no new read
        self._parent_lock = threading.Lock()
        self._parents: dict[str, ParentView | None] = {}
        # the parents' answers as read (the whole SMS list, the voice list) and each voice entry's high-risk
        # special prefixes: the groups' contexts are built from them (few: one per parent, one per entry)
        self._parent_raw: dict[str, tuple[Any, Any]] = {}
        self._prefix_answers: dict[str, Any] = {}
        self._prefix_lock = threading.Lock()

    # --- one account ----------------------------------------------------------------

    def _reads(self, reads: list[Any], cache: Any) -> dict[Any, Any]:
        """``run_reads``, unless the run is stopping (Ctrl-C): then the account is abandoned."""
        from .gateway import run_reads

        if self.stopping.is_set():
            raise _Stopped("the scan was interrupted")
        return run_reads(self.access, reads, cache)

    def scan_account(self, row: dict[str, Any]) -> _AccountScan:
        """The account's failures, grouped, and the state of the cells its groups name."""
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
        cache = ReadCache(hosts=self.hosts)
        answers = self._reads([read for read, _ in reads.values()], cache)
        for source, (read, make) in reads.items():
            answer = answers[read]
            if not answer.sent:
                out.unsent = True  # the run says once which host stopped answering, and how
                continue
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
        if out.failures:
            out.failures = self._placed(sid, out.failures, cache)
            grouper = Grouper()
            grouper.add_account(out.failures)
            out.groups, out.count = list(grouper.groups.values()), grouper.failures
            out.failures = []  # grouped: the records themselves are not needed any more
            reads = ReadCache(hosts=self.hosts)  # the permissions' answers: each group's context is built from them
            out.state = self.state_of(row, out.groups, reads)
            out.unsent = out.unsent or (out.state is not None and NOT_SENT in (out.state.problem or ""))
            self._find(row, out.groups, reads)
        return out

    def _placed(self, sid: str, failures: list[Failure], cache: Any) -> list[Failure]:
        """The failures, those of calls no record gives a number for placed by their Call resource (a ``<Dial>``
        child leg's ``to``); a call that cannot be read leaves its failures where they were (no country)."""
        from . import plan

        reads = {call: plan.call(sid, call) for call in unplaced_calls(failures)}
        if not reads:
            return failures
        answers = self._reads(list(reads.values()), cache)
        calls = {
            call: answers[read].value
            for call, read in reads.items()
            if answers[read].ok and isinstance(answers[read].value, dict)
        }
        return placed(failures, calls)

    def _find(self, row: dict[str, Any], groups: Sequence[Group], cache: Any) -> None:
        """Each group's verdict and cause by the engine, in the context of the answers its cells came from (and,
        for a voice group, its country's high-risk special prefixes, read once per run): as a paste of one of
        its errors is diagnosed."""
        from . import plan
        from .context import NOT_APPLICABLE, Fetched
        from .country_table import voice_entry

        sid = str(row.get("sid") or "")
        countries = tuple(dict.fromkeys(g.country for g in groups if g.country))

        def answered(read: Any) -> Any:
            answer = cache.get(read)
            return plan.as_fetched(answer) if answer is not None else Fetched(error="not read by the scan")

        owner = row.get("owner_account_sid")
        parent = owner if isinstance(owner, str) and owner and owner != sid else None
        parent_sms, parent_voice = (
            self._parent_raw.get(parent, (NOT_APPLICABLE, NOT_APPLICABLE))
            if parent
            else (
                NOT_APPLICABLE,
                NOT_APPLICABLE,
            )
        )
        entries = {voice_entry(g.country) for g in groups if g.country and g.product == "voice"}
        reads = AccountReads(
            row=Fetched(value=row, request=f"GET https://api.twilio.com/2010-04-01/Accounts/{sid}.json"),
            messaging=answered(plan.messaging_permissions(sid, countries)),
            voice=answered(plan.voice_countries(sid)),
            voice_settings=answered(plan.voice_settings(sid)) if parent else NOT_APPLICABLE,
            parent_messaging=parent_sms,
            parent_voice=parent_voice,
            prefixes={entry: self._prefixes(entry) for entry in entries},
        )
        for group in groups:
            if group.country is not None:
                group.finding = group_finding(group, reads, self.kb)
                group.verdict, group.cause = group.finding.verdict, group.finding.cause

    def _prefixes(self, entry: str) -> Any:
        """A voice entry's high-risk special prefixes (the same for every account): read once per run."""
        from . import plan
        from .gateway import ReadCache

        # Held while it is read: the accounts that need the same entry meanwhile wait for this one read
        # (checked, then read outside the lock, 60 tenants' workers read FR's and DE's 12 times).
        with self._prefix_lock:
            if entry not in self._prefix_answers:
                read = plan.voice_prefixes(entry)
                self._prefix_answers[entry] = plan.as_fetched(self._reads([read], ReadCache(hosts=self.hosts))[read])
            return self._prefix_answers[entry]

    def state_of(self, row: Mapping[str, Any], groups: Sequence[Group], cache: Any = None) -> AccountAudit | None:
        """The account's audit cells for the countries and products its groups name (as the audit reads them)."""
        from .audit_reads import Auditor

        countries = tuple(dict.fromkeys(g.country for g in groups if g.country))
        products = tuple(p for p in ("sms", "voice") if any(g.product == p for g in groups if g.country))
        if not countries or not products:
            return None
        sid = str(row.get("sid") or "")
        owner = row.get("owner_account_sid")
        parent = owner if isinstance(owner, str) and owner and owner != sid else None
        auditor = Auditor(self.access, countries, products, concurrency=1, hosts=self.hosts)
        auditor.stopping = self.stopping
        auditor.parent = self._parent_view(parent) if parent else None
        return auditor.audit_account(row, cache=cache)

    def _parent_view(self, sid: str) -> ParentView | None:
        """The parent's SMS and voice permissions for every country, read once (two reads) and shared.

        Only the authenticated account's own credentials read its ``/v1`` permissions: another parent
        (a subaccount named by SID whose parent is someone else) stays unknown, as in the audit.
        """
        from . import plan
        from .audit_reads import ParentView
        from .country_table import VOICE_SHARED_ENTRIES
        from .gateway import ReadCache

        if sid != self.access.credentials.account_sid:
            return None
        with self._parent_lock:  # the first subaccount that needs it reads it; the others wait for it
            if sid in self._parents:
                return self._parents[sid]
            sms_read, voice_read = plan.messaging_permissions(sid, ()), plan.voice_countries(sid)
            answers = self._reads([sms_read, voice_read], ReadCache(hosts=self.hosts))
            sms = plan.permissions_of(answers[sms_read].value) if answers[sms_read].ok else {}
            voice: dict[str, VoiceRanges] = {}
            if answers[voice_read].ok:
                for entry in answers[voice_read].value.get("content") or ():
                    iso = entry.get("iso_code") if isinstance(entry, dict) else None
                    ranges = VoiceRanges.from_wire(entry) if isinstance(iso, str) else None
                    if ranges is not None:
                        voice[str(iso).upper()] = ranges
                for iso, shared in VOICE_SHARED_ENTRIES.items():  # CA is read from "United States/Canada"
                    if shared in voice:
                        voice[iso] = voice[shared]
            view = ParentView(sid, sms, voice)
            self._parents[sid] = view
            self._parent_raw[sid] = (plan.as_fetched(answers[sms_read]), plan.as_fetched(answers[voice_read]))
            return view

    # --- the run ----------------------------------------------------------------------

    def run(
        self, subaccounts: str | Sequence[str] | None, on_group: Callable[[Group, Diagnosis, dict[str, Any]], None]
    ) -> ScanInfo:
        """Scan every account in scope, handing each group to ``on_group`` (with its diagnosis and JSON
        document) as its account is done; Ctrl-C stops it with what was scanned so far (``interrupted``)."""
        from .audit_reads import read_main_account

        info = ScanInfo(authenticated_account=self.access.credentials.account_sid)
        main_sid = info.authenticated_account
        try:
            main, unreadable = read_main_account(self.access, main_sid)
            if unreadable is not None:
                info.problems.append({"account": main_sid, "source": "accounts", "reason": unreadable})
            items: Iterator[dict[str, Any] | str]
            if subaccounts is None:
                items = iter([main])
            elif subaccounts == "all":
                items = self._listed(main, info)
            else:
                items = iter([main] if main_sid in subaccounts else [])
                items = _chain(items, (s for s in subaccounts if s != main_sid))
            self._pool(items, info, on_group)
        except KeyboardInterrupt:
            self.stopping.set()
            info.interrupted = True
        from .gateway import stopped_hosts

        info.stopped_hosts = stopped_hosts(self.access, self.hosts)
        return info

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
                answer = self._reads([read], ReadCache(hosts=self.hosts))[read]
                if not answer.sent:
                    return _AccountScan(sid, row, [], [], [], unsent=True)
                if not answer.ok or not isinstance(answer.value, dict):
                    problem = {"account": sid, "source": "account", "reason": str(answer.error)}
                    return _AccountScan(sid, row, [], [problem], [])
                row = answer.value
            return self.scan_account(row)
        except TwilioAccessError as err:
            return _AccountScan(sid, row, [], [{"account": sid, "source": "account", "reason": reason_of(err)}], [])
        finally:
            if sid != self.access.credentials.account_sid:
                self.access.forget(sid)  # its credentials are not needed again

    def _pool(
        self,
        items: Iterator[dict[str, Any] | str],
        info: ScanInfo,
        on_group: Callable[[Group, Diagnosis, dict[str, Any]], None],
    ) -> None:
        from .audit_reads import run_pool

        def take(result: _AccountScan) -> None:
            info.accounts += 1
            info.problems.extend(result.problems)
            info.truncated.extend(result.truncated)
            info.failures += result.count
            info.accounts_hit += 1 if result.groups else 0
            info.unsent_accounts += 1 if result.unsent else 0
            info.unread_accounts += 1 if result.unsent or result.problems else 0
            for group in result.groups:
                group.knowledge = self.knowledge_dirs
                diagnosis = diagnose_group(group, result.state)
                on_group(group, diagnosis, group_dict(group, diagnosis, result.state))

        run_pool(
            items,
            self._one,
            take,
            concurrency=self.concurrency,
            name="diagnose-scan",
            initializer=self.access.mark_worker,
        )


def _chain(*parts: Iterator[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


__all__ = ["ScanInfo", "Scanner"]
