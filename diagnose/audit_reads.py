"""The audit's reads: accounts streamed page by page, each audited in a bounded pool.

I/O through :class:`diagnose.gateway.TwilioAccess` only (this module never
imports ``twilio``). Memory stays bounded whatever the number of subaccounts:
the account list is read one page at a time, at most ``2 × concurrency``
accounts are in flight or waiting to be handed over, and every finished
account goes to the caller's ``emit`` (which spools it) in listing order.

A failure on one account never stops the others: its cells become
``unknown`` with the reason. 429 answers are retried by the gateway's
transport, honouring ``Retry-After``.
"""

from __future__ import annotations

import collections
import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .audit import AccountAudit, Cell, VoiceRanges, sms_cell, sms_comparison, unknown_cells, voice_cell
from .countries import is_messaging_high_risk, is_not_allowed, wholly_blocked
from .country_table import voice_entry
from .errors import CredentialsError, TwilioAccessError, reason_of

if TYPE_CHECKING:
    from .gateway import HostFailures, ReadCache, TwilioAccess

DEFAULT_CONCURRENCY = 48
"""Requests in flight at once. Twilio documents a per-account limit on concurrent REST requests
without publishing the number (error 20429); see docs/audit.md for how this default was chosen."""

MAX_CONCURRENCY = 100

REORDER_WINDOW = 8
"""Accounts listed but not yet handed over, at most, per unit of concurrency (in flight, queued, or done
and waiting for an earlier one): 384 at the default, a few MiB."""


HOST_PATIENCE = 2
"""Requests that got no answer, with none between them, that stop a host for the whole run: one slow
answer among thousands must not leave the rest unread; a dead host is found by the first wave."""


class _Stopped(TwilioAccessError):
    """Raised in a worker after Ctrl-C, so it makes no further request for its account."""


@dataclass
class RunInfo:
    """What the run did, besides the accounts: for the summary and the exit code."""

    authenticated_account: str = ""
    scope_problem: str | None = None
    """The list of accounts itself could not be read (fully): the audit is incomplete."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Accounts not audited, by status (``closed``, ``suspended``): they cannot send or call."""
    interrupted: bool = False
    listed: int = 0
    stopped_hosts: list[str] = field(default_factory=list)
    """Each host the run stopped asking (``GET … failed: why``): its later reads were not sent."""
    unsent_accounts: int = 0
    """Accounts with a read not sent because its host had stopped answering."""
    parent_problem: str | None = None
    """The credentials' account is a subaccount, whose parent they cannot read: nothing is compared with it."""


@dataclass(frozen=True)
class ParentView:
    """The parent's answers, read once, that subaccounts are compared with."""

    sid: str
    sms: Mapping[str, bool] = field(default_factory=dict)
    voice: Mapping[str, VoiceRanges] = field(default_factory=dict)


def read_main_account(access: TwilioAccess, sid: str) -> tuple[dict[str, Any], str | None]:
    """The authenticated account's row and None; for a standard API key, which cannot read Accounts, a
    stand-in row (its own ``/v1`` answers can still be read) and the reason, for the caller to report."""
    try:
        return access.fetch_account(sid), None
    except CredentialsError as err:
        if not access.credentials.is_api_key:
            raise
        return {"sid": sid, "owner_account_sid": sid}, reason_of(err)


class Auditor:
    """Audits accounts for ``countries`` × ``products`` through ``access``."""

    def __init__(
        self,
        access: TwilioAccess,
        countries: Sequence[str],
        products: Sequence[str],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        hosts: HostFailures | None = None,
    ) -> None:
        from .gateway import HostFailures

        self.access = access
        # The whole run's: a host that stopped answering is asked nothing more, by any account.
        self.hosts = hosts if hosts is not None else HostFailures(patience=HOST_PATIENCE, throttle_budget=None)
        self._unsent_lock = threading.Lock()
        self.unsent_accounts = 0
        self.countries = tuple(countries)
        self.products = tuple(products)
        self.concurrency = max(1, min(MAX_CONCURRENCY, concurrency))
        self.parent: ParentView | None = None
        self.stopping = threading.Event()  # set on Ctrl-C: workers start no new read
        # Per country, computed once for the run (not once per account).
        self._not_allowed = {iso: _closed(iso) for iso in self.countries}
        self._sms_high_risk = {iso: is_messaging_high_risk(iso) for iso in self.countries}
        self._order = {key: n for n, key in enumerate((iso, p) for iso in self.countries for p in self.products)}
        # The voice entry that governs each required country (CA → US).
        self._voice_entries = {iso: voice_entry(iso) for iso in self.countries}

    def _reads(self, reads: list[Any], cache: Any) -> dict[Any, Any]:
        """``run_reads``, unless the run is stopping (then the account is abandoned, not reported)."""
        from .gateway import run_reads

        if self.stopping.is_set():
            raise _Stopped("the audit was interrupted")
        return run_reads(self.access, reads, cache)

    # --- one account ------------------------------------------------------------

    def audit_account(
        self, account: Mapping[str, Any], *, is_parent: bool = False, cache: ReadCache | None = None
    ) -> AccountAudit:
        """Read one account's permissions and classify each cell; never raises a gateway error.

        The reads are :mod:`diagnose.plan` reads run by the gateway's executor (``run_reads``): SMS
        permissions with the voice settings (subaccounts), then every country's voice toggles in one list
        (unless the subaccount inherits its parent's, already read); a main account's list goes with its
        SMS read. Each account has its own ``ReadCache``, dropped when it
        is done, so memory does not grow with the number of accounts; the parent's answers are read
        once and kept (``self.parent``).
        """
        from . import plan
        from .gateway import ReadCache

        sid = str(account.get("sid") or "")
        owner = account.get("owner_account_sid")
        parent_sid = owner if isinstance(owner, str) and owner and owner != sid else None
        parent = self.parent if (parent_sid and self.parent and self.parent.sid == parent_sid) else None
        # the scan hands its own: it builds each group's context from the very answers the cells came from
        cache = cache if cache is not None else ReadCache(hosts=self.hosts)
        cells: list[Cell] = []
        problems: list[str] = []
        inheritance: bool | None = None
        sms_raw: dict[str, bool] = {}
        voice_raw: dict[str, VoiceRanges] = {}
        sms_read = plan.messaging_permissions(sid, self.countries)
        settings_read = plan.voice_settings(sid)
        first = [sms_read] if "sms" in self.products else []
        if "voice" in self.products:
            # A subaccount's voice list waits for its settings (it may inherit, and need none); a main account's
            # goes with its SMS read: its two reads cost one timeout, not two, when the host hangs.
            first.append(settings_read if parent_sid is not None else plan.voice_countries(sid))
        answers = self._reads(first, cache) if first else {}
        if "sms" in self.products:
            answer = answers[sms_read]
            if answer.ok:
                sms_raw = plan.permissions_of(answer.value)
                for iso in self.countries:
                    cells.append(
                        sms_cell(
                            iso,
                            sms_raw.get(iso),
                            high_risk=self._sms_high_risk[iso],
                            not_allowed=self._not_allowed[iso],
                            parent_enabled=parent.sms.get(iso) if parent else None,
                            is_subaccount=parent_sid is not None,
                        )
                    )
            else:
                why = f"messaging permissions: {answer.problem}"
                problems.append(why)
                cells.extend(unknown_cells(self.countries, ("sms",), why))
        if "voice" in self.products:
            settings_problem = None
            if parent_sid is not None:
                answer = answers[settings_read]
                value = answer.value.get("dialing_permissions_inheritance") if answer.ok else None
                inheritance = value if isinstance(value, bool) else None
                if not answer.ok:
                    settings_problem = f"voice settings: {answer.problem}"
            own: dict[str, VoiceRanges] | None = None
            why_own: str | None = None
            if not (parent_sid is not None and inheritance and parent is not None):
                own, why_own = self.voice_permissions(sid, cache)
                voice_raw = own or {}
            if why_own:
                problems.append(why_own)
            elif settings_problem and own is None:
                problems.append(settings_problem)
            for iso in self.countries:
                cells.append(
                    voice_cell(
                        iso,
                        own.get(iso) if own is not None else None,
                        not_allowed=self._not_allowed[iso],
                        is_subaccount=parent_sid is not None,
                        inheritance=inheritance,
                        parent=parent.voice.get(iso) if parent else None,
                        why_unknown=why_own or settings_problem,
                    )
                )
        if is_parent:
            self.parent = ParentView(sid, sms_raw, voice_raw)
        if any(not a.sent for a in cache.answers.values()):
            with self._unsent_lock:
                self.unsent_accounts += 1
        cells.sort(key=lambda c: self._order[(c.country, c.product)])
        return AccountAudit(
            sid=sid,
            friendly_name=str(account.get("friendly_name") or ""),
            parent=parent_sid,
            type=account.get("type") if isinstance(account.get("type"), str) else None,
            status=account.get("status") if isinstance(account.get("status"), str) else None,
            cells=tuple(cells),
            problem="; ".join(problems) or None,
            voice_inheritance=inheritance,
            sms_comparison=sms_comparison(cells) if parent_sid is not None else None,
        )

    def voice_permissions(self, sid: str, cache: Any) -> tuple[dict[str, VoiceRanges] | None, str | None]:
        """The required countries' toggles, or why not, from one read: every country's dialing
        permissions (one page of about 240 entries with all three toggles), rather than a list of the
        countries with low-risk numbers on plus a read per required country missing from it.
        Twilio's voice API has one ``US`` entry for the United States and Canada ("United
        States/Canada", +1) and no ``CA`` entry: ``CA`` is read from ``US``. A country the list
        has no entry for is left out (its cell says so).
        """
        from . import plan

        listing = plan.voice_countries(sid)
        answer = self._reads([listing], cache)[listing]
        if not answer.ok:
            return None, f"voice dialing permissions: {answer.problem}"
        wanted = self._voice_entries
        entries = set(wanted.values())
        found: dict[str, VoiceRanges] = {}
        for row in answer.value.get("content") or ():
            if isinstance(row, dict):
                iso = row.get("iso_code")
                if isinstance(iso, str) and iso.upper() in entries:
                    ranges = VoiceRanges.from_wire(row)
                    if ranges is not None:
                        found[iso.upper()] = ranges
        out = {iso: found[entry] for iso, entry in wanted.items() if entry in found}
        return out, None

    def failed(self, account: Mapping[str, Any], reason: str) -> AccountAudit:
        sid = str(account.get("sid") or "")
        owner = account.get("owner_account_sid")
        return AccountAudit(
            sid=sid,
            friendly_name=str(account.get("friendly_name") or ""),
            parent=owner if isinstance(owner, str) and owner and owner != sid else None,
            cells=unknown_cells(self.countries, self.products, reason),
            problem=reason,
        )

    # --- the run -------------------------------------------------------------------

    def run(
        self,
        subaccounts: str | Sequence[str] | None,
        emit: Callable[[AccountAudit], None],
        *,
        on_listed: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> RunInfo:
        """Audit the authenticated account and/or its subaccounts, handing each result to ``emit`` in order.

        ``subaccounts``: None (the authenticated account only), ``"all"`` (it and
        every subaccount), or SIDs (those accounts; the authenticated account is
        read for comparison and shown only when listed). ``KeyboardInterrupt``
        stops the run: accounts already audited have been emitted,
        ``RunInfo.interrupted`` is set.
        """
        info = RunInfo(authenticated_account=self.access.credentials.account_sid)
        main_sid = info.authenticated_account
        try:
            main, unreadable = read_main_account(self.access, main_sid)
            if unreadable is not None:
                info.scope_problem = f"the Accounts resource could not be read ({unreadable})"
            owner = main.get("owner_account_sid")
            if isinstance(owner, str) and owner and owner != main_sid:
                from .plan import parent_unread

                info.parent_problem = parent_unread(main_sid, owner)
            wanted = subaccounts is None or subaccounts == "all" or main_sid in tuple(subaccounts)
            parent_result = self.audit_account(main, is_parent=True)
            if wanted:
                info.listed += 1
                emit(parent_result)
            if subaccounts is None:
                return info
            listed = self._listed(main_sid, info) if subaccounts == "all" else None
            source = listed if listed is not None else (s for s in subaccounts if s != main_sid)

            def listed_one() -> None:
                info.listed += 1
                if on_listed is not None:
                    on_listed(info.listed)

            run_pool(
                source,
                self._resolve,
                emit,
                concurrency=self.concurrency,
                name="diagnose-audit",
                initializer=self.access.mark_worker,
                on_item=listed_one,
                stop=stop,
            )
        except KeyboardInterrupt:
            self.stopping.set()
            info.interrupted = True
        self.host_problems(info)
        return info

    def host_problems(self, info: RunInfo) -> None:
        """Say in ``info`` which hosts the run stopped asking, and how many accounts were left unread."""
        from .gateway import stopped_hosts

        info.stopped_hosts = stopped_hosts(self.access, self.hosts)
        info.unsent_accounts = self.unsent_accounts

    def _listed(self, main_sid: str, info: RunInfo) -> Iterator[dict[str, Any] | str]:
        try:
            for row in self.access.list_accounts():
                if not isinstance(row, dict) or row.get("sid") == main_sid:
                    continue
                status = row.get("status")
                if status in ("closed", "suspended"):
                    info.skipped[status] = info.skipped.get(status, 0) + 1
                    continue
                yield row
        except TwilioAccessError as err:
            why = f"the list of subaccounts could not be read to the end ({reason_of(err)})"
            info.scope_problem = why if info.scope_problem is None else f"{info.scope_problem}; {why}"

    def _resolve(self, item: dict[str, Any] | str) -> AccountAudit:
        """Audit one listed account (a dict) or one named SID (fetched first); never raises a gateway error."""
        account: dict[str, Any] = {"sid": item} if isinstance(item, str) else item
        try:
            if isinstance(item, str):
                account = self.access.fetch_account(item)
            return self.audit_account(account)
        except TwilioAccessError as err:
            return self.failed(account, reason_of(err))
        finally:
            sid = account.get("sid")
            if isinstance(sid, str):
                self.access.forget(sid)


T = TypeVar("T")
R = TypeVar("R")


@contextlib.contextmanager
def whole() -> Iterator[None]:
    """Ctrl-C waits for the block to end, then interrupts: a result is handed over whole or not at all
    (counted, spooled and grouped together), so an interrupted report adds up. Only in the main thread
    with Python's own handler in place; elsewhere the block runs as it is."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def run_pool(
    items: Iterable[T],
    work: Callable[[T], R],
    emit: Callable[[R], None],
    *,
    concurrency: int,
    name: str,
    initializer: Callable[[], None] | None = None,
    on_item: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """``emit(work(item))`` for each item, in the items' order, ``concurrency`` at a time (audit and scan).

    Items are pulled as workers free up (the items may be a paged listing, read as it goes); each
    worker does one item's requests one after the other, so the pool's size bounds the requests in
    flight. ``stop`` set (or Ctrl-C) raises ``KeyboardInterrupt`` here; items not started are cancelled.
    """
    window: collections.deque[Future[R]] = collections.deque()
    # Items in the pool (running or queued): one queued behind each worker, so none idles.
    in_pool = threading.BoundedSemaphore(2 * concurrency)
    # Finished items wait here until those before them are done (results go out in order). An item
    # held up (a 429's Retry-After) must not stop the others, so the window is wider than the pool;
    # it is still bounded, which bounds memory.
    widest = REORDER_WINDOW * concurrency
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix=name, initializer=initializer)

    def release(_: Future[R]) -> None:
        in_pool.release()

    def drain(block: bool) -> None:
        while window and (block or window[0].done()):
            if block:
                window[0].result()  # waits here, where Ctrl-C may stop it, not inside whole()
            with whole():
                emit(window.popleft().result())
            block = False

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    try:
        for item in items:
            if stopped():
                raise KeyboardInterrupt
            if on_item is not None:
                on_item()
            while not in_pool.acquire(timeout=0.05):
                drain(block=False)
                if stopped():
                    raise KeyboardInterrupt
            future = pool.submit(work, item)
            future.add_done_callback(release)
            window.append(future)
            drain(block=len(window) >= widest)
        while window:
            drain(block=True)
    finally:
        for future in window:
            future.cancel()
        # Requests in flight finish (each within its timeout); nothing new starts.
        pool.shutdown(wait=False, cancel_futures=True)


def _closed(iso: str) -> str | None:
    """Why no permission can open ``iso`` (``not-allowed``, ``blocked-prefix``), or None."""
    from .audit import BLOCKED_PREFIX, NOT_ALLOWED

    if is_not_allowed(iso):
        return NOT_ALLOWED
    return BLOCKED_PREFIX if wholly_blocked(iso) else None
