"""The transport: one ``TwilioHttpClient`` subclass that every twilio ``Client`` shares.

It does four things the SDK leaves to its caller, through the SDK's documented
extension point (``Client(http_client=...)``):

* ``--api-url``: scheme and host of every Twilio URL are replaced by the base
  URL's (keeping any path prefix of it); the path and query stay byte for byte.
* timeouts: a connect and a read timeout on every exchange.
* retries: 429 and 5xx are retried with exponential backoff and jitter,
  honouring ``Retry-After`` (seconds or an HTTP date), within a total budget.
* the request log: each exchange (with its retries) becomes one
  :class:`~diagnose.context.RequestRecord`, numbered by round trip.

It also decodes each successful answer, once: the body must be one JSON object
(``check_json_object``), and the object travels on as :class:`DecodedResponse`'s
``payload``, which the gateway's ``Version`` (``_version``) hands to the SDK
instead of parsing the text a second time.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import ipaddress
import itertools
import json
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ..context import RequestRecord
from ..errors import InputError
from ..plan import with_query

# --- --api-url ---------------------------------------------------------------


_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")


def redact_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (for messages); never raises."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{tail}" if ":" in userinfo else url


def check_api_url(api_url: str) -> str:
    """The base URL without a trailing slash, or :class:`InputError` (nothing has been sent yet)."""
    text = api_url.strip()
    shown = redact_url(text)
    example = "e.g. http://127.0.0.1:8080"
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in text):
        raise InputError(f"--api-url {shown!r} contains spaces or control characters; {example}")
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise InputError(f"--api-url {shown!r} is not a valid URL ({exc}); {example}") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise InputError(f"--api-url {shown!r} is not an http(s) URL with a host, {example}")
    if port == 0:
        raise InputError(f"--api-url {shown!r}: port 0 cannot be connected to")
    if not _valid_host(host):
        raise InputError(f"--api-url {shown!r}: {host!r} is not a host name or IP address; {example}")
    if parts.query or parts.fragment:
        raise InputError(f"--api-url {shown!r} must not carry a query or fragment")
    return text.rstrip("/")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_HOST_NAME.match(ascii_host))


def rewrite_url(url: str, api_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``api_url``'s; path and query unchanged.

    ``api_url``'s own path is kept as a prefix: ``http://proxy/twilio`` turns
    ``https://api.twilio.com/2010-04-01/Accounts.json`` into
    ``http://proxy/twilio/2010-04-01/Accounts.json``.
    """
    if not api_url:
        return url
    base = api_url.rstrip("/")
    _, sep, rest = url.partition("://")
    if not sep:  # not absolute: already a path
        rest = url
        return base + (rest if rest.startswith("/") else "/" + rest)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    tail = rest[cut:]
    if tail and tail[0] != "/":
        tail = "/" + tail
    return base + tail


# --- the request log -----------------------------------------------------------


class RequestLog:
    """The exchanges of one piece of work (e.g. one ``fetch_context``), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self.max_round = 0

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            self.max_round = max(self.max_round, record.round)

    @property
    def records(self) -> tuple[RequestRecord, ...]:
        with self._lock:
            return tuple(sorted(self._records, key=lambda r: r.round))


class Flow:
    """A chain of requests that depend on each other: each one is a round trip after the last."""

    __slots__ = ("next_round",)

    def __init__(self, first_round: int) -> None:
        self.next_round = first_round

    def take(self) -> int:
        value = self.next_round
        self.next_round += 1
        return value


CURRENT_LOG: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar("diagnose_log", default=None)
CURRENT_FLOW: contextvars.ContextVar[Flow | None] = contextvars.ContextVar("diagnose_flow", default=None)
# Told as a request is handed to the connection (each attempt): a caller learns that its requests are
# on their way, e.g. to start its own work only then rather than compete with them for the interpreter.
SENDING: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("diagnose_sending", default=None)


def _record(method: str, url: str, status: int | None, started: float, attempts: int) -> None:
    log = CURRENT_LOG.get()
    if log is None:
        return
    flow = CURRENT_FLOW.get()
    number = flow.take() if flow is not None else log.max_round + 1
    log.add(RequestRecord(method, url, status, number, round(time.monotonic() - started, 4), attempts))


# --- hosts that stopped answering ----------------------------------------------------


DIAGNOSIS_THROTTLE_BUDGET = 3.0
"""Seconds one diagnosis (a SID, a paste, ``diagnose triage``'s reads) waits in all for Twilio's 429s, from the first:
a user waits for the answer, and a Twilio that throttles every request said so after about 9 s (six attempts of one
read). Audit, scan and fix are batch jobs: each request keeps ``RetryPolicy.max_retry_time`` (10 s) and its six
attempts, with no budget for the run (``HostFailures(throttle_budget=None)``)."""

RATE_LIMITED = "Twilio is rate-limiting these credentials; try again in a minute"
"""What a request given up on 429s says after its reason: the answer is Twilio's, the host is up."""


class HostFailures:
    """The hosts of one run that stopped answering: the run sends them nothing more. One per run (its
    ``ReadCache`` holds it; an audit or a scan shares one across its accounts), so a long-lived
    ``TwilioAccess`` asks again in its next run. Thread-safe.

    A host is ``scheme://host:port`` as the request goes out (after ``--api-url``, region and edge); behind
    ``--api-url``, the Twilio host each request is for (``https://voice.twilio.com``, the product) is one too,
    as it is without it, and the server itself is stopped only as ``failed(shared=True)`` says. A
    connection that could not be made (refused, a failed DNS lookup or TLS handshake, no connection in
    time) stops it at once: that is never about one resource. A request that got no answer (a read
    timeout, a reset) stops it unless the host answered another request while that one waited, and once
    requests of ``patience`` distinct accounts got none with no answer between them (1 for a paste: a dead
    host costs one timeout; 2 for an audit or a scan, where one account's slow reads, even several, must not
    leave the rest unread, while a wave of accounts timing out together stops it). A request that got only
    5xx answers after its retries stops it when the host has served nothing else in the run (after
    ``patience`` such requests), or when :data:`SERVER_ERRORS_IN_A_ROW` such requests came with nothing
    served between them (one broken resource is not a host down); so does a request still answered 429
    after its retries (a Twilio that throttles every request of the run). A 429 shows the host is up (it
    is no timeout's fellow) but serves nothing; a 2xx, 3xx or other 4xx does.
    """

    SERVER_ERRORS_IN_A_ROW = 3

    def __init__(self, patience: int = 1, throttle_budget: float | None = DIAGNOSIS_THROTTLE_BUDGET) -> None:
        self.patience = max(1, patience)
        self.throttle_budget = throttle_budget
        """Seconds the whole run waits for 429s, from the first (None: only each request's own budget)."""
        self._throttled: float | None = None  # when the run's first 429 came (monotonic)
        self._lock = threading.Lock()
        self._first: dict[str, tuple[str, BaseException]] = {}
        self._answered: dict[str, float] = {}  # origin -> when it last answered at all, 429 included (monotonic)
        self._served: set[str] = set()  # origins that answered something other than 429 or 5xx
        self._in_a_row: dict[str, int] = {}  # origin -> requests failed since it last served one
        self._silent: dict[str, set[str]] = {}  # origin -> accounts whose requests got no answer since its last

    def throttle_left(self) -> float | None:
        """Seconds the run may still wait for 429s (the first call starts its clock), or None: no run budget."""
        if self.throttle_budget is None:
            return None
        now = time.monotonic()
        with self._lock:
            if self._throttled is None:
                self._throttled = now
            return self._throttled + self.throttle_budget - now

    def first(self, origin: str) -> tuple[str, BaseException] | None:
        """The request line and exception of the failure that stopped the host in the run, or None."""
        with self._lock:
            return self._first.get(origin)

    def answered(self, origin: str, served: bool = True) -> None:
        """The host answered a request (anything but a 5xx): it is up; ``served``: not a 429 either."""
        now = time.monotonic()
        with self._lock:
            self._answered[origin] = now
            self._silent.pop(origin, None)
            if served:
                self._served.add(origin)
                self._in_a_row[origin] = 0

    def failed(
        self, origin: str, request: str, exc: BaseException, since: float, account: str = "", *, shared: bool = False
    ) -> None:
        """A request sent at ``since`` for ``account`` failed (``exc``): stop the host, unless it still answers
        others. ``shared``: the host is the ``--api-url`` server every product goes to, whose products are
        watched on their own: a product that hangs or fails stops the server only while it has answered
        nothing in the run (a connection that could not be made always does)."""
        with self._lock:
            in_a_row = self._in_a_row[origin] = self._in_a_row.get(origin, 0) + 1
            answered = self._answered.get(origin)
            if isinstance(exc, RetriesExhausted):
                # Nothing served yet is no proof of a host down either: an audit's first read may be the one
                # resource that answers 500; ``patience`` such requests (a paste's one) are.
                unserved = origin not in self._served and in_a_row >= self.patience
                stop = unserved or (not shared and in_a_row >= self.SERVER_ERRORS_IN_A_ROW)
            elif connect_failure(exc) is not None or isinstance(exc, requests.exceptions.SSLError):
                stop = True
            else:
                # Counted by account, not by request: one account's reads that all answer late (its own
                # permissions, read together) say less about the host than two accounts' do.
                silent = self._silent.setdefault(origin, set())
                silent.add(account)
                since_answer = answered is None if shared else (answered is None or answered < since)
                stop = since_answer and len(silent) >= self.patience
            if stop:
                self._first.setdefault(origin, (request, exc))

    def down(self) -> list[tuple[str, BaseException]]:
        """The failures that stopped a host in the run, each once (a host and its product may share one)."""
        with self._lock:
            return list({id(exc): (request, exc) for request, exc in self._first.values()}.values())


# Set for each read of a run (``run_reads``): a request outside one (an audit's account list, a fix's write)
# is always sent.
CURRENT_HOSTS: contextvars.ContextVar[HostFailures | None] = contextvars.ContextVar("diagnose_hosts", default=None)
# The account a read of the run is for (``Read.account``), told to ``HostFailures.failed``.
CURRENT_ACCOUNT: contextvars.ContextVar[str] = contextvars.ContextVar("diagnose_account", default="")


class HostDown(requests.exceptions.ConnectionError):
    """Not sent: an earlier request of the run to the same host failed without an answer (``request``, ``cause``)."""

    def __init__(self, request: str, cause: BaseException) -> None:
        super().__init__(f"not tried after {request} failed")
        self.first_request = request
        self.cause = cause


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def stops_host(exc: BaseException) -> bool:
    """Whether a failure says the host itself is out of reach (no answer in time, refused, reset, an answer cut
    short, DNS, TLS)."""
    gone = requests.exceptions.Timeout | requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    return isinstance(exc, gone) and not isinstance(exc, HostDown)


# --- retries -------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for Twilio, and how hard to insist."""

    timeout: float = 10.0
    """Read timeout per attempt, in seconds (also the connect timeout unless that is set)."""
    connect_timeout: float | None = None
    max_retry_time: float = 10.0
    """Total seconds one request may take with its retries; a longer ``Retry-After`` gives up."""
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    deadline: float | None = None
    """Seconds one attempt may take from connecting to the last byte (default: the timeout).

    A socket timeout alone bounds only the wait for each byte: a server that trickles a
    byte at a time would hold the request forever."""
    max_response_bytes: int = 16 * 1024 * 1024
    """The largest answer read, counted after decompression (Twilio's largest page is ~2 MB)."""
    server_error_attempts: int = 3
    """Attempts of a request answered 5xx (a 429 has ``max_attempts``): a server that cannot answer now
    rarely can a few seconds later, and a user waits for each read (backoff 0.25-0.5 s, then 0.5-1 s)."""
    server_error_retry_time: float = 3.0
    """Seconds a request answered 5xx may take with its retries; a longer ``Retry-After`` gives up."""

    def __post_init__(self) -> None:
        if self.timeout <= 0 or (self.connect_timeout is not None and self.connect_timeout <= 0):
            raise ValueError("timeouts must be positive")
        if (self.deadline is not None and self.deadline <= 0) or self.max_response_bytes <= 0:
            raise ValueError("deadline and max_response_bytes must be positive")
        if self.max_retry_time < 0 or self.max_attempts < 1:
            raise ValueError("max_retry_time must be >= 0 and max_attempts >= 1")
        if self.server_error_retry_time < 0 or self.server_error_attempts < 1:
            raise ValueError("server_error_retry_time must be >= 0 and server_error_attempts >= 1")

    def limits(self, status: int | None) -> tuple[int, float]:
        """The attempts and seconds a request answered ``status`` (429 or 5xx; None: no whole answer) may take."""
        if status == 429:
            return self.max_attempts, self.max_retry_time
        attempts = min(self.max_attempts, self.server_error_attempts)
        return attempts, min(self.max_retry_time, self.server_error_retry_time)

    @property
    def timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout or self.timeout, self.timeout)

    @property
    def attempt_deadline(self) -> float:
        return self.deadline if self.deadline is not None else max(self.timeouts)

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Equal-jitter exponential backoff before attempt ``attempt + 1``."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + rand() * ceiling / 2


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504}) | frozenset(range(506, 600))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class RetriesExhausted(TwilioRestException):
    """Twilio kept answering 429/5xx; ``reason`` says why the transport stopped asking."""

    def __init__(
        self, status: int, uri: str, msg: str, code: int | None, method: str, attempts: int, reason: str
    ) -> None:
        super().__init__(status, uri, msg, code, method)
        self.attempts = attempts
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class NotTwilio(TwilioRestException):
    """An answer Twilio's API never gives (a redirect, a proxy's 407, an error page that is not Twilio's JSON):
    something on the way answered instead; ``reason`` says what came back."""

    def __init__(self, status: int, uri: str, method: str, reason: str) -> None:
        super().__init__(status, uri, reason, None, method)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


_TAGS = re.compile(r"<(script|style|head)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def foreign_body(text: str) -> str | None:
    """What an error answer's body is when it is not Twilio's (every Twilio error is a JSON object): an HTML
    page, with the start of its words, or other text; None for a JSON object or no body."""
    body = text.strip()
    if not body:
        return None
    try:
        if isinstance(json.loads(body), dict):
            return None
    except (ValueError, RecursionError):
        pass
    from ..paste._redact import redact_secrets  # the page may echo the request's Authorization header

    html = body[:1].startswith("<")
    words = " ".join(_TAGS.sub(" ", body[:4096]).split()) if html else " ".join(body[:4096].split())
    words = redact_secrets(words[:100] + ("…" if len(words) > 100 else ""))
    kind = "an HTML page" if html else "text"
    return f"{kind}, not Twilio's JSON" + (f' ("{words}")' if words else "")


def not_twilio_reason(status: int, headers: Any, text: str) -> str | None:
    """Why an answer that is no success cannot be Twilio's, or None when it may be (a JSON error object)."""
    if status == 407:
        return (
            "HTTP 407 Proxy Authentication Required: a proxy on the way wants credentials of its own "
            "(its user name and password in HTTPS_PROXY)"
        )
    if 300 <= status < 400:
        location = headers.get("Location") if hasattr(headers, "get") else None
        to = f" to {redact_url(str(location))[:200]}" if location else ""
        return f"HTTP {status}, a redirect{to}: Twilio's API never redirects, so a proxy or captive portal answered"
    foreign = foreign_body(text) if status >= 400 else None
    return f"HTTP {status}, {foreign}: a proxy or firewall on the way answered, not Twilio" if foreign else None


def _error_body(text: str) -> tuple[int | None, str]:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        return None, ""
    if not isinstance(payload, dict):
        return None, ""
    code = payload.get("code")
    message = payload.get("message") or payload.get("detail") or payload.get("title") or ""
    from ..paste._redact import redact_secrets  # a gateway may echo the request's Authorization header

    return (code if isinstance(code, int) else None), redact_secrets(str(message))


def connect_failure(exc: BaseException) -> BaseException | None:
    """The urllib3 error when no connection was made (refused, DNS, connect timeout), else None."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return exc
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    return inner if isinstance(inner, NewConnectionError) else None


# --- one exchange: a deadline, a size cap, a JSON object -------------------------


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole answer did not arrive within the attempt's deadline."""


class UnusableAnswer(ValueError):
    """The server answered, but not with something we read: too large, not JSON, not a JSON object."""


_CURRENT_WATCH = threading.local()


class _Watch:
    """The deadline of one exchange: when it passes, the exchange's sockets are shut down, waking any blocked read."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.connections: list[Any] = []
        self.fired = False
        self.done = False

    def __enter__(self) -> _Watch:
        _CURRENT_WATCH.value = self
        _WATCHDOG.watch(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT_WATCH.value = None
        self.done = True

    def fire(self) -> None:
        self.fired = True
        for conn in list(self.connections):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for the deadlines of every exchange (a thread per request costs latency)."""

    RECHECK = 0.05
    """After a deadline, how often to shut down again: a connection may get its socket only later."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, watch: _Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="diagnose-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is watch:
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    _, _, watch = heapq.heappop(self._heap)
                    if not watch.done:
                        watch.fire()
                        heapq.heappush(self._heap, (now + self.RECHECK, next(self._order), watch))
                        break  # the re-check is in the future: recompute the wait
                self._wake.wait(self._heap[0][0] - now if self._heap else None)


_WATCHDOG = _Watchdog()


class _WatchedPool:
    """A connection pool that hands each connection it lends to the current exchange's watch."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        watch = getattr(_CURRENT_WATCH, "value", None)
        if watch is not None:
            watch.connections.append(conn)
        return conn


class _WatchedHTTPPool(_WatchedPool, HTTPConnectionPool):
    pass


class _WatchedHTTPSPool(_WatchedPool, HTTPSConnectionPool):
    pass


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else type(value).__name__


def check_json_object(text: str, status: int) -> dict[str, Any]:
    """The JSON object a successful answer holds (every Twilio resource and page is one), or :class:`UnusableAnswer`."""
    try:
        payload = json.loads(text)
    except RecursionError:
        raise UnusableAnswer(f"HTTP {status}, but the answer's JSON is nested too deeply to read") from None
    except ValueError:
        raise UnusableAnswer(f"HTTP {status}, but the answer is not JSON") from None
    if not isinstance(payload, dict):
        raise UnusableAnswer(f"HTTP {status}, but the answer is {_json_kind(payload)}, not a JSON object")
    return payload


class DecodedResponse(Response):
    """A twilio ``Response`` that carries its body decoded: ``payload`` is the JSON object of a 2xx answer
    with a body (checked by :func:`check_json_object`), else None (an error, a 3xx, an empty body)."""

    def __init__(self, status_code: int, text: str, headers: Any, payload: dict[str, Any] | None) -> None:
        super().__init__(status_code, text, headers)
        self.payload = payload


def _decode(body: bytes, encoding: str | None) -> str:
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know: JSON is UTF-8 anyway
        return body.decode("utf-8", errors="replace")


class GatewayHttpClient(TwilioHttpClient):
    """``TwilioHttpClient`` plus ``--api-url`` rewriting, timeouts, retries and the request log.

    One instance is shared by every ``Client`` of a :class:`TwilioAccess`; its
    ``requests.Session`` pools connections across threads.
    """

    def __init__(
        self,
        *,
        api_url: str | None = None,
        policy: RetryPolicy | None = None,
        pool_size: int = 10,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy or RetryPolicy()
        super().__init__(pool_connections=True, timeout=self.policy.timeout)
        # requests takes (connect, read); the SDK's constructor only validates a float.
        self.timeout = self.policy.timeouts  # type: ignore[assignment]
        self.api_url = check_api_url(api_url) if api_url else None
        adapter = _WatchedAdapter(pool_connections=4, pool_maxsize=max(1, pool_size))
        assert self.session is not None
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        if self.api_url and urlsplit(self.api_url).hostname in _LOOPBACK:
            self.session.trust_env = False  # never send 127.0.0.1 through an HTTP(S)_PROXY
        self._sleep = sleep
        self._rand = rand
        # requests reads the proxy variables and CA bundle from the environment for every request (all of
        # os.environ, then the no_proxy rules); they do not change during a run: once per origin is enough.
        self._environment: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    # The SDK builds every line of its request log (encoding the query, formatting the headers) before its
    # logger drops it; with the log off, as it is unless a user turns it on, that is work for nothing.
    def log_request(self, kwargs: dict[str, Any]) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code: int, response: Any) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        shown = with_query(url, params)
        target = rewrite_url(url, self.api_url)
        hosts = CURRENT_HOSTS.get()
        origin = _origin(target)
        # Behind --api-url every product is one server, but a proxy (or the simulator) may fail one of them
        # alone: each product (its Twilio host) is watched on its own, as without --api-url, so a dead one
        # stops without stopping the rest; the server stops only as a whole (HostFailures.failed's shared).
        product = _origin(url)
        shared = product != origin
        keys = (origin,) if not shared else (origin, f"{origin} ({product})")
        earlier = next((e for e in map(hosts.first, keys) if e is not None), None) if hosts is not None else None
        if earlier is not None:
            raise HostDown(*earlier)  # not sent, not logged: no exchange took place
        policy = self.policy
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._exchange(method, target, params, data, headers, auth, allow_redirects)
            except UnusableAnswer:
                _record(method.upper(), shown, None, started, attempt)
                raise
            except requests.exceptions.RequestException as exc:
                # A connection dropped, or an answer cut short, is asked again as briefly as a 5xx: a stale
                # keep-alive connection needs one more attempt, a proxy that cuts every answer no more.
                attempts, budget = policy.limits(None)
                retry = (
                    method.upper() == "GET"
                    and connect_failure(exc) is None
                    and not isinstance(exc, requests.exceptions.Timeout | requests.exceptions.SSLError)
                    and attempt < attempts
                )
                delay = policy.backoff(attempt, self._rand)
                if retry and time.monotonic() + delay < started + budget:
                    self._sleep(delay)
                    continue
                _record(method.upper(), shown, None, started, attempt)
                if hosts is not None and stops_host(exc):
                    account = CURRENT_ACCOUNT.get()
                    for key in keys:
                        hosts.failed(
                            key, f"{method.upper()} {shown}", exc, started, account, shared=shared and key == origin
                        )
                raise
            status = response.status_code
            if hosts is not None and (status < 500 or status not in RETRYABLE_STATUS):
                for key in keys:
                    hosts.answered(key, served=status != 429)
            if status not in RETRYABLE_STATUS:
                _record(method.upper(), shown, status, started, attempt)
                foreign = not_twilio_reason(status, response.headers, response.text) if status >= 300 else None
                if foreign is not None:
                    raise NotTwilio(status, shown, method.upper(), foreign)
                return response
            code, message = _error_body(response.text)
            reason = self._give_up_reason(response, code, message, attempt, started, hosts)
            if reason is None:
                continue
            _record(method.upper(), shown, status, started, attempt)
            exhausted = RetriesExhausted(status, shown, message, code, method.upper(), attempt, reason)
            if hosts is not None:  # 5xx or 429 to the end
                for key in keys:
                    hosts.failed(key, f"{method.upper()} {shown}", exhausted, started, shared=shared and key == origin)
            raise exhausted

    def _exchange(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None,
        data: dict[str, object] | None,
        headers: dict[str, str] | None,
        auth: tuple[str, str] | None,
        allow_redirects: bool,
    ) -> DecodedResponse:
        """One attempt, as ``TwilioHttpClient.request`` makes it, but streamed: deadline and size cap."""
        kwargs: dict[str, Any] = {
            "method": method.upper(),
            "url": url,
            "params": params,
            "headers": headers,
            "auth": auth,
            "hooks": self.request_hooks,
        }
        json_body = headers is not None and headers.get("Content-Type") in ("application/json", "application/scim+json")
        kwargs["json" if json_body else "data"] = data
        self.log_request(kwargs)
        session = self.session
        assert session is not None
        prepared = session.prepare_request(requests.Request(**kwargs))
        origin = "/".join(url.split("/", 3)[:3])  # scheme://host:port
        known = self._environment.get(origin)
        if known is None:
            known = session.merge_environment_settings(prepared.url, self.proxy, None, None, None)
            self._environment[origin] = known
        settings = {**known, "stream": True}
        seconds = self.policy.attempt_deadline
        sending = SENDING.get()
        if sending is not None:
            sending()
        with _Watch(seconds) as watch:
            try:
                raw = session.send(prepared, allow_redirects=allow_redirects, timeout=self.timeout, **settings)
                try:
                    body = self._read_capped(raw)
                finally:
                    raw.close()
            except requests.exceptions.RequestException as exc:
                if watch.fired:
                    raise DeadlineExceeded(f"did not answer within {seconds:g} s", request=prepared) from exc
                if exc.request is None:  # an answer cut short is raised without it: say which host cut it
                    raise type(exc)(*exc.args, request=prepared, response=exc.response) from exc
                raise
        self.log_response(raw.status_code, raw)
        status = int(raw.status_code)
        text = _decode(body, raw.encoding)
        payload = self.decode(text, status) if 200 <= status < 300 and text.strip() else None
        return DecodedResponse(status, text, raw.headers, payload)

    def decode(self, text: str, status: int) -> dict[str, Any]:
        """The one decoding of a successful answer's body (the SDK is handed the result, never the text)."""
        return check_json_object(text, status)

    def _read_capped(self, raw: requests.Response) -> bytes:
        """The body, decompressed, refused as soon as it passes ``max_response_bytes``."""
        limit = self.policy.max_response_bytes
        declared = raw.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise UnusableAnswer(f"HTTP {raw.status_code}, but the answer is {int(declared):,} bytes (limit {limit:,})")
        body = bytearray()
        chunks = raw.iter_content(chunk_size=64 * 1024)
        while True:
            try:
                chunk = next(chunks, None)
            except requests.exceptions.ContentDecodingError:
                # An answer, but one that says it is compressed and is not: asking again gets the same.
                coding = raw.headers.get("Content-Encoding", "")
                raise UnusableAnswer(
                    f"HTTP {raw.status_code}, but the answer could not be decompressed (Content-Encoding: {coding})"
                ) from None
            if chunk is None:
                break
            body += chunk
            if len(body) > limit:
                raise UnusableAnswer(
                    f"HTTP {raw.status_code}, but the answer is larger than {limit:,} bytes once decompressed; "
                    "it was not read further"
                )
        return bytes(body)

    def _give_up_reason(
        self,
        response: Response,
        code: int | None,
        message: str,
        attempt: int,
        started: float,
        hosts: HostFailures | None = None,
    ) -> str | None:
        """Sleep and return None to try again, or say why not (``code`` and ``message`` from the answer's body).

        A 429 says "not so fast", and is waited out within the request's whole budget, and within the run's
        (``hosts.throttle_left``: a diagnosis waits for 429s at most ``DIAGNOSIS_THROTTLE_BUDGET`` in all); a 5xx
        says the server cannot answer now, and is asked again only briefly (``server_error_*``)."""
        policy = self.policy
        status = response.status_code
        attempts, budget = policy.limits(status)
        what = f"HTTP {status}" + (f", code {code}" if code and code != status else "")
        foreign = None if message or code else foreign_body(str(response.text or ""))
        what += f' "{message}"' if message else (f", {foreign}" if foreign else "")
        headers = response.headers or {}
        retry_after = parse_retry_after(headers.get("Retry-After") if hasattr(headers, "get") else None)
        remaining = started + budget - time.monotonic()
        within = f"the {budget:g} s retry budget"
        run_left = hosts.throttle_left() if hosts is not None and status == 429 else None
        if run_left is not None and hosts is not None and run_left < remaining:
            remaining, within = run_left, f"the {hosts.throttle_budget:g} s a diagnosis waits for 429s in all"
        why = f": {RATE_LIMITED}" if status == 429 else ""
        if attempt >= attempts:
            return f"{what}, still after {attempt} attempts{why}"
        if retry_after is not None:
            if retry_after > remaining:
                return (
                    f"{what}; Retry-After asked for {retry_after:g} s, beyond the "
                    f"{max(remaining, 0):.1f} s left of {within} "
                    f"(after {attempt} attempt{'s' if attempt > 1 else ''}){why}"
                )
            delay = retry_after
        else:
            delay = policy.backoff(attempt, self._rand)
            if delay > remaining:
                return f"{what}, still after {attempt} attempts within {within}{why}"
        self._sleep(delay)
        return None
