"""The executor: run a batch of planned reads concurrently, and keep every answer for the rest of the run.

The decisions (what to read, in which round, and what the answers mean) are
:mod:`diagnose.plan`'s. Here is only the I/O: each :class:`~diagnose.plan.Read`
becomes one :class:`TwilioAccess` call, a batch is one
``run_concurrently`` round trip, and a :class:`ReadCache` (one per run, made
by whoever starts the run) keeps each :class:`~diagnose.plan.Answer` keyed by
its read, so no read is made twice in a run.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from ..context import Context
from ..errors import CredentialsError, NotFoundError, TwilioAccessError, UnreachableError
from ..plan import (
    LISTING_PAGES,
    LISTINGS,
    Answer,
    Assembled,
    ErrorKind,
    Problem,
    Read,
    Setup,
    SidSubject,
    Subject,
    assemble,
    keeps,
    listing,
    next_reads,
    reaches_back,
)
from ._access import TwilioAccess
from ._errors import AccountAccessError, ApiError, map_exception, reason_of
from ._http import CURRENT_ACCOUNT, CURRENT_HOSTS, CURRENT_LOG, SENDING, HostDown, HostFailures, RequestLog

# The planner needs at most six rounds for a subject (a call found by search whose <Dial>ed number
# arrives with a late alert); a run that goes on far longer is a bug, not a slow network.
MAX_ROUNDS = 32


class ReadCache:
    """The answers of one run, keyed by read, and the run's request log. Thread-safe.

    Made at the edge (one per command), handed to :func:`run_reads` and
    :func:`fetch_contexts`: a read another subject (or an earlier batch) made
    is answered from here.
    """

    def __init__(self, log: RequestLog | None = None, hosts: HostFailures | None = None) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Read, Answer] = {}
        # Inside ``access.recording()``, the run's requests also land in that log.
        self.log = log or CURRENT_LOG.get() or RequestLog()
        # The hosts that stopped answering in this run: its later reads of them are not sent.
        self.hosts = hosts if hosts is not None else HostFailures()

    @property
    def answers(self) -> Mapping[Read, Answer]:
        """A read-only view of every answer so far."""
        with self._lock:
            return MappingProxyType(dict(self._answers))

    def get(self, read: Read) -> Answer | None:
        with self._lock:
            return self._answers.get(read)

    def __contains__(self, read: object) -> bool:
        with self._lock:
            return read in self._answers

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def keep(self, answers: Mapping[Read, Answer]) -> None:
        with self._lock:
            for read, answer in answers.items():
                self._answers.setdefault(read, answer)


def _kind(err: TwilioAccessError) -> ErrorKind:
    if isinstance(err, NotFoundError):
        return "not-found"
    if isinstance(err, CredentialsError | AccountAccessError):
        return "credentials"
    if isinstance(err, UnreachableError):
        return "unreachable"
    return "api"


def stopped_hosts(access: TwilioAccess, hosts: HostFailures) -> list[str]:
    """Each host the run stopped asking, as the request that stopped it and why: ``GET … failed: …``."""
    out = []
    for request, exc in hosts.down():
        reason = reason_of(map_exception(exc, request, timeouts=access.policy.timeouts))
        out.append(f"{request} failed: {reason}")
    return out


def _failure(err: TwilioAccessError, line: str, value: Any = None) -> Answer:
    return Answer(
        value=value,
        error=reason_of(err),
        kind=_kind(err),
        message=str(err),
        status=err.status,
        request=err.request or line,
        sent=not isinstance(err.__cause__, HostDown),
    )


def _perform(access: TwilioAccess, read: Read) -> Any:
    """The one TwilioAccess call a read stands for; its decoded answer."""
    what, acct, iso = read.what, read.account, (read.countries[0] if read.countries else "")
    if what == "message":
        return access.fetch_message(read.sid, acct)
    if what == "call":
        return access.fetch_call(read.sid, acct)
    if what == "notifications":
        return access.call_notifications(read.sid, acct)
    if what == "account":
        return access.fetch_account(acct)
    if what == "alerts":
        found = access.find_alerts(read.sid, acct, start_date=read.since or None)
        return {"alerts": found.alerts, "pages": found.pages, "complete": found.complete}
    if what == "messaging_permissions":
        return access.messaging_geo_permissions(acct, read.countries)
    if what == "voice_country":
        return access.voice_country(acct, iso)
    if what == "voice_settings":
        return access.voice_settings(acct)
    if what == "voice_countries":
        return {"content": access.voice_countries(acct)}
    if what == "voice_prefixes":
        return access.voice_high_risk_prefixes(iso)
    if what in LISTINGS:
        return _listing(access, read)
    raise ValueError(f"no request for {read}")


def _listing(access: TwilioAccess, read: Read) -> dict[str, Any]:
    """A listing read's kept rows, page by page: only the rows it keeps are held, never a whole page list.

    ``complete`` is false when the list went on past :data:`~diagnose.plan.LISTING_PAGES` pages.
    """
    spec = listing(read, access.page_size)
    creds = access.credentials_for(read.account) if spec.as_account else None
    params = {k: v for k, v in spec.params.items() if v is not None}
    rows: list[dict[str, Any]] = []
    pages = 0
    for page in access.pages(spec.product, spec.path, spec.key, params, creds=creds, max_pages=LISTING_PAGES + 1):
        if pages == LISTING_PAGES:
            return {"rows": rows, "pages": pages, "complete": False}
        pages += 1
        rows.extend(row for row in page if keeps(read, row))
        if any(reaches_back(read, row) for row in page):
            break
    return {"rows": rows, "pages": pages, "complete": True}


def _answer(access: TwilioAccess, read: Read, found: set[str], lock: threading.Lock) -> Answer:
    line = read.line(access.page_size)
    if read.what in ("message", "call"):
        with lock:
            if read.sid in found:
                # A message or call lives under one account: found elsewhere, this probe is pointless.
                return Answer(error="skipped: found under another account", request=line, ran=False)
    if read.what == "accounts":
        rows: list[dict[str, Any]] = []
        try:
            rows.extend(access.list_accounts(max_accounts=access.max_search_accounts))
        except TwilioAccessError as err:
            return _failure(err, line, value=rows)  # the accounts listed before it stopped still count
        return Answer(value=rows, request=line)
    try:
        value = _perform(access, read)
    except TwilioAccessError as err:
        return _failure(err, line)
    if read.what in ("message", "call"):
        with lock:
            found.add(read.sid)
    return Answer(value=value, request=line)


def run_reads(
    access: TwilioAccess,
    reads: Iterable[Read],
    cache: ReadCache | None = None,
    *,
    under_way: Callable[[], None] | None = None,
) -> dict[Read, Answer]:
    """The answer to each read: from ``cache``, else fetched, all together in one round trip.

    At most ``access.max_workers`` requests are in flight. Nothing raises for a
    failed read: its :class:`~diagnose.plan.Answer` carries the reason. Every
    new answer is kept in ``cache``. ``under_way`` is called once every read has
    sent its first request (or finished without one), from whichever thread gets there last.
    """
    cache = cache if cache is not None else ReadCache()
    wanted = list(dict.fromkeys(reads))
    todo = [r for r in wanted if r not in cache]
    if not todo and under_way is not None:
        under_way()
    if todo:
        found: set[str] = set()
        lock = threading.Lock()
        waiting = [len(todo)]  # reads that have not sent a request yet

        def job(read: Read) -> Callable[[], Answer]:
            sent = [False]

            def sending() -> None:
                with lock:
                    if sent[0]:
                        return
                    sent[0] = True
                    waiting[0] -= 1
                    last = waiting[0] == 0
                if last and under_way is not None:
                    under_way()

            def run() -> Answer:
                own = RequestLog()  # this read's exchanges, so each subject can list the ones it used
                token = CURRENT_LOG.set(own)
                told = SENDING.set(sending)
                hosts = CURRENT_HOSTS.set(cache.hosts)
                account = CURRENT_ACCOUNT.set(read.account)
                try:
                    answer = _answer(access, read, found, lock)
                finally:
                    CURRENT_ACCOUNT.reset(account)
                    CURRENT_HOSTS.reset(hosts)
                    SENDING.reset(told)
                    CURRENT_LOG.reset(token)
                    sending()  # a read answered without a request (skipped, failed early) counts as under way
                return replace(answer, records=own.records)

            return run

        token = CURRENT_LOG.set(cache.log)  # rounds are numbered within the run
        try:
            outcomes = access.run_concurrently([job(r) for r in todo])
        finally:
            CURRENT_LOG.reset(token)
        fresh: dict[Read, Answer] = {}
        for read, outcome in zip(todo, outcomes, strict=True):
            answer = outcome.get()
            for record in answer.records:
                cache.log.add(record)
            fresh[read] = answer
        cache.keep(fresh)
    return {r: cache.get(r) or Answer(error="not read") for r in wanted}


def fetch_contexts(
    subjects: Sequence[Subject],
    access: TwilioAccess,
    cache: ReadCache | None = None,
    *,
    setup: Setup | None = None,
    on_round: Callable[[Mapping[Read, Answer]], None] | None = None,
) -> list[Assembled]:
    """Every subject's Context (or its Problem): the planner's batches, run until it asks for nothing more.

    Reads that several subjects need (their account, its parent, a country's
    permissions) are made once. ``on_round`` is told the answers so far once each
    batch's requests are on their way: a caller can do its own work while that batch
    is in flight, without delaying the requests.
    """
    cache = cache if cache is not None else ReadCache()
    setup = setup or access.setup()
    for _ in range(MAX_ROUNDS):
        answers = cache.answers
        batch = next_reads(subjects, answers, setup)
        if not batch:
            break
        # on_round hears of the batch once its requests are on their way (see run_reads).
        told = None if on_round is None else functools.partial(on_round, answers)
        run_reads(access, batch, cache, under_way=told)
    else:
        raise RuntimeError(f"the read planner did not finish within {MAX_ROUNDS} rounds")
    answers = cache.answers
    return [assemble(subject, answers, setup) for subject in subjects]


_RAISED: dict[str, type[TwilioAccessError]] = {
    "not-found": NotFoundError,
    "credentials": CredentialsError,
    "unreachable": UnreachableError,
    "api": ApiError,
}


def problem_error(problem: Problem) -> TwilioAccessError:
    """The exception a lone SID raises for its problem (``diagnose.errors``)."""
    return _RAISED.get(problem.error, ApiError)(problem.message)


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
    (result,) = fetch_contexts([SidSubject.parse(sid, account)], access)
    if result.problem is not None:
        raise problem_error(result.problem)
    assert result.context is not None
    return result.context
