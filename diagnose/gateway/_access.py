"""``TwilioAccess``: credentials, one twilio ``Client`` per credential set, bounded concurrency.

The methods return Twilio's wire format (decoded JSON: dicts and lists) and
raise only :mod:`diagnose.errors` (see ``_errors``). They are the reusable
pieces: ``fetch_context`` builds a diagnosis from them, and an audit of
thousands of subaccounts can call them through :meth:`TwilioAccess.run_concurrently`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from twilio.rest import Client

from ..errors import TwilioAccessError
from ..plan import BASES, Setup, credentials_reason, permissions_of, request_line
from ._credentials import Credentials, sendable
from ._errors import AccountAccessError, ApiError, mapped
from ._http import CURRENT_FLOW, CURRENT_LOG, Flow, GatewayHttpClient, RequestLog, RetryPolicy

T = TypeVar("T")

_VERSIONS = {"api": "2010-04-01", "accounts": "v1", "voice": "v1", "monitor": "v1"}
_ACCEPT = {"Accept": "application/json"}


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one callable of :meth:`TwilioAccess.run_concurrently` returned or raised."""

    value: T | None = None
    error: TwilioAccessError | None = None
    ran: bool = True

    @property
    def ok(self) -> bool:
        return self.ran and self.error is None

    def get(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


@dataclass(frozen=True)
class AlertSearch:
    """Monitor alerts whose ``resource_sid`` matched, and how far the search went."""

    alerts: list[dict[str, Any]]
    pages: int
    complete: bool


_IN_WORKER = threading.local()

MAX_VOICE_COUNTRIES = 2000
"""Voice dialing permissions list about 240 countries; a longer list is refused rather than held."""


class TwilioAccess:
    """Everything needed to ask Twilio: credentials, ``--api-url``, timeouts, retries, a bounded pool.

    Use as a context manager (or call :meth:`close`). Thread-safe: the methods
    may be called from :meth:`run_concurrently` callables.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_url: str | None = None,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        max_retry_time: float = 10.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        max_workers: int = 8,
        max_search_accounts: int = 5000,
        max_alert_pages: int = 10,
        page_size: int = 1000,
        http_client: GatewayHttpClient | None = None,
    ) -> None:
        self.credentials = credentials
        self.policy = RetryPolicy(
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retry_time=max_retry_time,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
        )
        self.max_workers = max(1, max_workers)
        self.max_search_accounts = max_search_accounts
        self.max_alert_pages = max_alert_pages
        self.page_size = page_size
        self.http = http_client or GatewayHttpClient(
            api_url=api_url, policy=self.policy, pool_size=self.max_workers + 2
        )
        self.api_url = self.http.api_url
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Client] = {}
        self._versions: dict[tuple[int, str], Any] = {}
        self._known: dict[str, Credentials] = {}
        self._executor: ThreadPoolExecutor | None = None

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self) -> TwilioAccess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Left on Ctrl-C (or an error): do not wait for the requests in flight, each of which may take
        # its whole timeout; the command line is on its way out.
        self.close(wait=exc_type is None)

    def close(self, *, wait: bool = True) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)
        self.http.close()

    # --- credentials and clients ---------------------------------------------

    def remember(self, account: Mapping[str, Any]) -> None:
        """Keep a subaccount's auth token, read from its Account resource, to act as it on ``/v1``."""
        sid, token = account.get("sid"), account.get("auth_token")
        if isinstance(sid, str) and isinstance(token, str) and token and sid != self.credentials.account_sid:
            if not sendable(token):
                return  # a token no header can carry is no credential: the account stays unreachable, as without one
            with self._lock:
                self._known[sid] = self.credentials.for_account(sid, token)

    def forget(self, account_sid: str) -> None:
        """Drop a subaccount's credentials and client once done with it (an audit of thousands stays small)."""
        if account_sid == self.credentials.account_sid:
            return
        with self._lock:
            creds = self._known.pop(account_sid, None)
            client = self._clients.pop((creds.username, creds.account_sid), None) if creds else None
            if client is not None:
                for key in [k for k in self._versions if k[0] == id(client)]:
                    del self._versions[key]

    def credentials_for(self, account_sid: str | None = None, *, fetch: bool = True) -> Credentials:
        """Credentials that act as ``account_sid`` (the ``/v1`` APIs answer for whoever authenticates).

        A subaccount's come from its Account resource, read with the parent's
        auth token (one request, when ``fetch`` and not yet known).
        """
        sid = account_sid or self.credentials.account_sid
        if sid == self.credentials.account_sid:
            return self.credentials
        with self._lock:
            known = self._known.get(sid)
        if known is not None:
            return known
        if fetch:
            try:
                self.fetch_account(sid)
            except TwilioAccessError as err:
                raise self._no_credentials(sid, err.reason) from err
            with self._lock:
                known = self._known.get(sid)
            if known is not None:
                return known
        raise self._no_credentials(sid, None)

    def _no_credentials(self, sid: str, why: str | None) -> AccountAccessError:
        creds = self.credentials
        reason = credentials_reason(sid, is_api_key=creds.is_api_key, username=creds.username, why=why)
        return AccountAccessError(reason)

    def setup(self) -> Setup:
        """Who authenticates and this gateway's bounds, as the read planner needs them."""
        creds = self.credentials
        return Setup(
            account_sid=creds.account_sid,
            username=creds.username,
            is_api_key=creds.is_api_key,
            page_size=self.page_size,
            max_search_accounts=self.max_search_accounts,
            max_alert_pages=self.max_alert_pages,
        )

    def client(self, account_sid: str | None = None) -> Client:
        """The twilio ``Client`` acting as ``account_sid`` (one per credential set, cached)."""
        return self._client_for(self.credentials_for(account_sid))

    def _client_for(self, creds: Credentials) -> Client:
        key = (creds.username, creds.account_sid)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = Client(
                    creds.username,
                    creds.password,
                    creds.account_sid,
                    http_client=self.http,
                    # A non-empty mapping, so the SDK never falls back to os.environ.
                    environment={"TWILIO_REGION": creds.region or "", "TWILIO_EDGE": creds.edge or ""},
                    region=creds.region,
                    edge=creds.edge,
                )
                self._clients[key] = client
        return client

    # --- the request primitive ------------------------------------------------

    def _version(self, client: Client, product: str) -> Any:
        """The gateway's ``Version`` (``_version.GatewayVersion``) for a product, reads and writes alike.

        Built from ``twilio.base`` directly: ``client.api.v2010`` would import every
        generated 2010-04-01 resource module, which costs more start-up than all the
        requests of a diagnosis. Region and edge handling stay in ``Client.request``.
        Its successful answers are the objects the transport decoded: each answer is parsed once.
        """
        key = (id(client), product)
        with self._lock:
            version = self._versions.get(key)
        if version is None:  # made outside the lock: the first one imports twilio.base.version
            from twilio.base.domain import Domain

            from ._version import GatewayVersion

            made = GatewayVersion(Domain(client, BASES[product].rsplit("/", 1)[0]), _VERSIONS[product])
            with self._lock:
                version = self._versions.setdefault(key, made)
        return version

    def get(
        self, product: str, path: str, params: Mapping[str, Any] | None = None, *, creds: Credentials | None = None
    ) -> Any:
        """GET ``path`` (relative to the product's version) as ``creds``; the decoded JSON."""
        creds = creds or self.credentials
        version = self._version(self._client_for(creds), product)
        return mapped(
            lambda: request_line(product, path, params),
            lambda: version.fetch("GET", path, params=dict(params) if params else None, headers=dict(_ACCEPT)),
            who=creds.describe(),
            timeouts=self.policy.timeouts,
        )

    def pages(
        self,
        product: str,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        creds: Credentials | None = None,
        max_pages: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page's records under ``key``, following ``next_page_uri`` / ``meta.next_page_url``."""
        version = _VERSIONS[product]
        current: tuple[str, Mapping[str, Any] | None] | None = (path, params)
        count = 0
        while current is not None and (max_pages is None or count < max_pages):
            payload = self.get(product, current[0], current[1], creds=creds)
            count += 1
            rows = payload.get(key) if isinstance(payload, dict) else None
            if not isinstance(rows, list):
                raise ApiError(f"{request_line(product, *current)}: the answer has no {key!r} list")
            yield rows
            nxt = _next_page(payload, version)
            current = (nxt, None) if nxt else None

    # --- concurrency -----------------------------------------------------------

    @staticmethod
    def mark_worker() -> None:
        """Mark the calling thread as a worker of the caller's own bounded pool (a ``ThreadPoolExecutor``
        ``initializer``): :meth:`run_concurrently` then runs inline in it, so that pool's size bounds the
        requests in flight (an audit of thousands of accounts, one account per worker).
        """
        _IN_WORKER.active = True

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix="diagnose-twilio")
            return self._executor

    def run_concurrently(
        self,
        callables: Iterable[Callable[[], T]],
        *,
        stop_when: Callable[[Outcome[T]], bool] | None = None,
    ) -> list[Outcome[T]]:
        """Run independent requests at most ``max_workers`` at a time; one outcome per callable, in order.

        The callables form one round trip in the request log (a callable that
        makes several requests in a row adds a round for each). A callable's
        :class:`TwilioAccessError` becomes its outcome's ``error``; other
        exceptions propagate. When ``stop_when`` is true for an outcome, callables
        not yet started are skipped (``ran=False``).
        """
        tasks = list(callables)
        log = CURRENT_LOG.get()
        first = (log.max_round + 1) if log is not None else 1
        outcomes: list[Outcome[T] | None] = [None] * len(tasks)

        def run(fn: Callable[[], T]) -> Outcome[T]:
            _IN_WORKER.active = True
            try:
                return Outcome(value=fn())
            except TwilioAccessError as err:
                return Outcome(error=err)
            finally:
                _IN_WORKER.active = False

        def start(fn: Callable[[], T]) -> Callable[[], Outcome[T]]:
            ctx = contextvars.copy_context()
            ctx.run(CURRENT_FLOW.set, Flow(first))
            return lambda: ctx.run(run, fn)

        nested = getattr(_IN_WORKER, "active", False)
        if nested or len(tasks) <= 1:
            # Nested in a worker (would starve the pool), or nothing to overlap: run here, in order.
            stopped = False
            for i, fn in enumerate(tasks):
                outcome = Outcome[T](ran=False) if stopped else (_inline(fn) if nested else start(fn)())
                outcomes[i] = outcome
                stopped = stopped or bool(stop_when and outcome.ran and stop_when(outcome))
            return [o if o is not None else Outcome(ran=False) for o in outcomes]

        pool = self._pool()
        pending: dict[Future[Outcome[T]], int] = {}
        index = 0
        stopped = False
        while index < len(tasks) or pending:
            while not stopped and index < len(tasks) and len(pending) < self.max_workers:
                pending[pool.submit(start(tasks[index]))] = index
                index += 1
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                outcome = future.result()
                outcomes[i] = outcome
                if stop_when and stop_when(outcome):
                    stopped = True
            if stopped and index < len(tasks):
                for i in range(index, len(tasks)):
                    outcomes[i] = Outcome(ran=False)
                index = len(tasks)
        return [o if o is not None else Outcome(ran=False) for o in outcomes]

    @contextlib.contextmanager
    def recording(self) -> Iterator[RequestLog]:
        """Log every request made inside the block (and in its ``run_concurrently`` callables)."""
        log = RequestLog()
        token = CURRENT_LOG.set(log)
        flow_token = CURRENT_FLOW.set(None)
        try:
            yield log
        finally:
            CURRENT_FLOW.reset(flow_token)
            CURRENT_LOG.reset(token)

    # --- accounts (2010-04-01, parent credentials reach subaccounts by SID) ---

    def fetch_account(self, account_sid: str) -> dict[str, Any]:
        """The Account resource; a subaccount's auth token is remembered for its ``/v1`` data."""
        payload = self.get("api", f"/Accounts/{account_sid}.json")
        self.remember(payload)
        return payload

    def list_accounts(self, *, max_accounts: int | None = None) -> Iterator[dict[str, Any]]:
        """The authenticated account and its subaccounts, page by page (``GET /Accounts.json``)."""
        seen = 0
        for rows in self.pages("api", "/Accounts.json", "accounts", {"PageSize": self.page_size}):
            for row in rows:
                self.remember(row)
                yield row
                seen += 1
                if max_accounts is not None and seen >= max_accounts:
                    return

    def fetch_message(self, sid: str, account_sid: str | None = None) -> dict[str, Any]:
        account = account_sid or self.credentials.account_sid
        return self.get("api", f"/Accounts/{account}/Messages/{sid}.json")

    def fetch_call(self, sid: str, account_sid: str | None = None) -> dict[str, Any]:
        account = account_sid or self.credentials.account_sid
        return self.get("api", f"/Accounts/{account}/Calls/{sid}.json")

    def call_notifications(self, call_sid: str, account_sid: str | None = None) -> list[dict[str, Any]]:
        """The call's Notifications (first page: a failed call has a handful)."""
        account = account_sid or self.credentials.account_sid
        payload = self.get("api", f"/Accounts/{account}/Calls/{call_sid}/Notifications.json", {"PageSize": 50})
        rows = payload.get("notifications") if isinstance(payload, dict) else None
        return list(rows) if isinstance(rows, list) else []

    # --- monitor (v1: acts on the authenticated account) ----------------------

    def find_alerts(
        self,
        resource_sid: str,
        account_sid: str | None = None,
        *,
        start_date: str | None = None,
        end_date: str | None = None,
        log_level: str | None = None,
        max_pages: int | None = None,
    ) -> AlertSearch:
        """Monitor Alerts about ``resource_sid``: the API filters only by level and date, so match here.

        Pages until an alert matches or the list ends, at most ``max_pages``.
        """
        creds = self.credentials_for(account_sid)
        params: dict[str, Any] = {"PageSize": self.page_size}
        if log_level:
            params["LogLevel"] = log_level
        if start_date:
            params["StartDate"] = start_date
        if end_date:
            params["EndDate"] = end_date
        limit = max(1, max_pages if max_pages is not None else self.max_alert_pages)
        found: list[dict[str, Any]] = []
        current: tuple[str, Mapping[str, Any] | None] | None = ("/Alerts", params)
        pages = 0
        while current is not None and pages < limit and not found:
            payload = self.get("monitor", current[0], current[1], creds=creds)
            pages += 1
            rows = payload.get("alerts") if isinstance(payload, dict) else None
            if not isinstance(rows, list):
                raise ApiError(f"{request_line('monitor', *current)}: the answer has no 'alerts' list")
            found.extend(r for r in rows if isinstance(r, dict) and r.get("resource_sid") == resource_sid)
            nxt = _next_page(payload, "v1")
            current = (nxt, None) if nxt else None
        return AlertSearch(found, pages, complete=bool(found) or current is None)

    # --- messaging geo permissions (accounts v1) -------------------------------

    def messaging_geo_permissions(self, account_sid: str | None, countries: Sequence[str]) -> dict[str, Any]:
        """The raw ``GET /v1/Messaging/GeoPermissions?CountryCode=..`` payload, as ``account_sid``."""
        creds = self.credentials_for(account_sid)
        codes = ",".join(c.upper() for c in countries)
        params = {"CountryCode": codes} if codes else None  # no CountryCode: every country
        return self.get("accounts", "/Messaging/GeoPermissions", params, creds=creds)

    def messaging_permissions(self, account_sid: str | None, countries: Sequence[str]) -> dict[str, bool]:
        """ISO code → enabled, for the countries the answer lists."""
        return permissions_of(self.messaging_geo_permissions(account_sid, countries))

    def update_messaging_permissions(
        self, account_sid: str | None, changes: Mapping[str, bool]
    ) -> dict[str, dict[str, Any]]:
        """PATCH the countries; ISO code → the per-country result (``error_code`` 0 means done)."""
        from twilio.rest.accounts.v1.messaging_geopermissions import MessagingGeopermissionsList

        creds = self.credentials_for(account_sid)
        # The generated resource, on the gateway's Version (not ``client.accounts.v1``'s): one parse per answer.
        resource = MessagingGeopermissionsList(self._version(self._client_for(creds), "accounts"))
        permissions = [
            {"country_code": iso.upper(), "type": "country", "enabled": bool(on)} for iso, on in changes.items()
        ]
        line = request_line("accounts", "/Messaging/GeoPermissions", method="PATCH")
        instance = mapped(
            line, lambda: resource.update(permissions=permissions), who=creds.describe(), timeouts=self.policy.timeouts
        )
        rows = instance.permissions if isinstance(instance.permissions, list) else []
        return {str(r.get("country_code", "")).upper(): r for r in rows if isinstance(r, dict)}

    # --- voice dialing permissions (voice v1) ----------------------------------

    def voice_country(self, account_sid: str | None, iso: str) -> dict[str, Any]:
        """``GET /v1/DialingPermissions/Countries/{Iso}`` as ``account_sid``."""
        creds = self.credentials_for(account_sid)
        return self.get("voice", f"/DialingPermissions/Countries/{iso.upper()}", creds=creds)

    def voice_high_risk_prefixes(self, iso: str, account_sid: str | None = None) -> list[dict[str, Any]]:
        """The country's high-risk special prefixes (the same for every account), every page."""
        creds = self.credentials_for(account_sid)
        rows: list[dict[str, Any]] = []
        path = f"/DialingPermissions/Countries/{iso.upper()}/HighRiskSpecialPrefixes"
        for page in self.pages("voice", path, "content", {"PageSize": self.page_size}, creds=creds, max_pages=20):
            rows.extend(page)
        return rows

    def voice_countries(self, account_sid: str | None) -> list[dict[str, Any]]:
        """Every country's voice dialing permissions (``GET /v1/DialingPermissions/Countries``), as the account."""
        creds = self.credentials_for(account_sid)
        rows: list[dict[str, Any]] = []
        params: dict[str, Any] = {"PageSize": self.page_size}
        path = "/DialingPermissions/Countries"
        # About 240 entries, one page at PageSize=1000; a list that goes on far longer is not read to its end.
        limit = -(-MAX_VOICE_COUNTRIES // self.page_size)
        for count, page in enumerate(self.pages("voice", path, "content", params, creds=creds, max_pages=limit + 1)):
            if count == limit:
                raise ApiError(f"{request_line('voice', path, params)}: more than {MAX_VOICE_COUNTRIES} entries")
            rows.extend(r for r in page if isinstance(r, dict))
        return rows

    def voice_settings(self, account_sid: str | None = None) -> dict[str, Any]:
        """``GET /v1/Settings`` (``dialing_permissions_inheritance``) as ``account_sid``."""
        return self.get("voice", "/Settings", creds=self.credentials_for(account_sid))

    def update_voice_settings(
        self, account_sid: str | None, *, dialing_permissions_inheritance: bool
    ) -> dict[str, Any]:
        """``POST /v1/Settings`` with ``DialingPermissionsInheritance``, as ``account_sid``; the new settings."""
        from twilio.rest.voice.v1.dialing_permissions.settings import SettingsContext

        creds = self.credentials_for(account_sid)
        resource = SettingsContext(self._version(self._client_for(creds), "voice"))
        line = request_line("voice", "/Settings", method="POST")
        instance = mapped(
            line,
            lambda: resource.update(dialing_permissions_inheritance=dialing_permissions_inheritance),
            who=creds.describe(),
            timeouts=self.policy.timeouts,
        )
        return {"dialing_permissions_inheritance": instance.dialing_permissions_inheritance}

    def update_voice_countries(self, account_sid: str | None, changes: Mapping[str, Mapping[str, bool]]) -> int:
        """``POST /v1/DialingPermissions/BulkCountryUpdates``; the ``update_count``.

        ``changes`` maps ISO code → any of ``low_risk_numbers_enabled``,
        ``high_risk_special_numbers_enabled``, ``high_risk_tollfraud_numbers_enabled``.
        """
        creds = self.credentials_for(account_sid)
        rows = [
            {"iso_code": iso.upper(), **{k: "true" if v else "false" for k, v in flags.items()}}
            for iso, flags in changes.items()
        ]
        from twilio.rest.voice.v1.dialing_permissions.bulk_country_update import BulkCountryUpdateList

        resource = BulkCountryUpdateList(self._version(self._client_for(creds), "voice"))
        line = request_line("voice", "/DialingPermissions/BulkCountryUpdates", method="POST")
        instance = mapped(
            line,
            lambda: resource.create(update_request=json.dumps(rows)),
            who=creds.describe(),
            timeouts=self.policy.timeouts,
        )
        return int(instance.update_count or 0)


def _inline(fn: Callable[[], T]) -> Outcome[T]:
    try:
        return Outcome(value=fn())
    except TwilioAccessError as err:
        return Outcome(error=err)


def _next_page(payload: Any, version: str) -> str | None:
    """The next page as a path relative to the version (with its query), or None."""
    if not isinstance(payload, dict):
        return None
    meta = payload.get("meta") if isinstance(payload.get("meta"), dict) else {}
    nxt = payload.get("next_page_uri") or meta.get("next_page_url")
    if not isinstance(nxt, str) or not nxt:
        return None
    parts = urlsplit(nxt)
    marker = f"/{version}/"
    at = parts.path.find(marker)
    if at < 0:
        return None
    rel = parts.path[at + len(marker) - 1 :]
    return rel + (f"?{parts.query}" if parts.query else "")
