"""The read planner: which Twilio reads a diagnosis needs next, and the Context its answers make.

Pure, like h11 keeps protocol decisions apart from sockets: no I/O, no
``twilio``. A *read* (:class:`Read`) is a plain, hashable description of one
request (which resource, for which account, for which country or SID); an
*answer* (:class:`Answer`) is what the gateway got for it. Two functions do
the work:

* :func:`next_reads` — given the subjects and every answer known so far, the
  next batch of reads (independent of each other, so the gateway runs them
  concurrently), or ``()`` when nothing more is needed;
* :func:`assemble` — one subject's :class:`~diagnose.context.Context` from the
  known answers, or the :class:`Problem` that stops it (a SID found nowhere).

Both re-derive each subject's state from the answers alone, so a read shared
by several subjects (their account, its parent, a country's permissions) is
asked once, and an answer is never asked for again. The gateway's
``fetch_contexts`` is the loop: ask, run the batch, keep the answers, repeat.

A subject is a SID (:class:`SidSubject`, with ``--account``) or evidence
already in hand (:class:`EvidenceSubject`, e.g. a pasted error: its account,
or the authenticated one, its destination and channel).

The rules for unknowns (``docs/twilio-access.md``): the ``/v1`` APIs answer
for the account that authenticates, so a subaccount's own settings need its
auth token, which comes from its Account resource; a standard API key cannot
read Accounts; only the authenticated account's parent relation is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlencode

from .context import NOT_APPLICABLE, Context, Fetched, RequestRecord
from .models import Evidence

__all__ = [
    "ALERT_WINDOW",
    "LISTINGS",
    "LISTING_PAGES",
    "Answer",
    "Assembled",
    "EvidenceSubject",
    "Listing",
    "Problem",
    "Read",
    "Setup",
    "SidSubject",
    "Subject",
    "account",
    "accounts_list",
    "as_fetched",
    "assemble",
    "call",
    "credentials_reason",
    "failed_alerts",
    "failed_messages",
    "failed_notifications",
    "keeps",
    "listing",
    "messaging_permissions",
    "next_reads",
    "parent_unread",
    "parse_time",
    "permissions_of",
    "problem_kind",
    "reaches_back",
    "request_line",
    "row_code",
    "voice_countries",
    "voice_country",
    "voice_prefixes",
    "voice_settings",
    "with_query",
]

ALERT_WINDOW = timedelta(days=30)  # Monitor Alerts look back at most 30 days
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_ISO = re.compile(r"[A-Za-z]{2}")

# --- request lines: what the log and ``Fetched.request`` show, whatever --api-url is ---------

BASES = {
    "api": "https://api.twilio.com/2010-04-01",
    "accounts": "https://accounts.twilio.com/v1",
    "voice": "https://voice.twilio.com/v1",
    "monitor": "https://monitor.twilio.com/v1",
}


def with_query(url: str, params: Mapping[str, Any] | None) -> str:
    """The URL as the request log shows it: ``url`` plus its encoded query parameters."""
    if not params:
        return url
    query = urlencode([(k, v) for k, v in params.items() if v is not None], doseq=True)
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def request_line(product: str, path: str, params: Mapping[str, Any] | None = None, method: str = "GET") -> str:
    """``"GET https://<product>.twilio.com/<version><path>?<query>"``, as the log shows it."""
    return f"{method} {with_query(BASES[product] + path, params)}"


# --- reads and answers ----------------------------------------------------------------

ReadKind = Literal[
    "message",  # GET /2010-04-01/Accounts/{account}/Messages/{sid}.json
    "call",  # GET /2010-04-01/Accounts/{account}/Calls/{sid}.json
    "notifications",  # the call's Notifications (first page)
    "account",  # GET /2010-04-01/Accounts/{account}.json (a subaccount's auth token comes with it)
    "accounts",  # every page of Accounts.json, up to Setup.max_search_accounts
    "alerts",  # Monitor Alerts naming {sid}, as {account}, from {since}
    "messaging_permissions",  # Messaging GeoPermissions of {countries}, as {account}
    "voice_country",  # DialingPermissions/Countries/{countries[0]}, as {account}
    "voice_settings",  # voice /v1/Settings, as {account}
    "voice_prefixes",  # a country's high-risk special prefixes (the same for every account)
    "voice_countries",  # DialingPermissions/Countries (every country's three toggles), every page, as {account}
    # Listings for `diagnose scan`: every page (at most LISTING_PAGES), keeping only the rows with one of {codes}.
    "failed_alerts",  # Monitor Alerts from {since}, as {account}
    "failed_messages",  # {account}'s failed or undelivered Messages, newest first, back to {since}
    "failed_notifications",  # {account}'s Notifications (call errors) from the day of {since}
]

LISTINGS = frozenset({"failed_alerts", "failed_messages", "failed_notifications"})
LISTING_PAGES = 20
"""Pages a listing read follows, at most; its answer says when there were more (``complete`` false)."""


@dataclass(frozen=True)
class Read:
    """One request, as plain hashable data: the key of the per-run answer cache.

    ``account`` is the account in the path (2010-04-01 resources) or the
    account the request acts as (``/v1`` APIs); ``""`` where it does not matter.
    """

    what: ReadKind
    account: str = ""
    sid: str = ""
    countries: tuple[str, ...] = ()
    since: str = ""  # alerts: the StartDate, "" for none; listings: the window's start (ISO 8601, UTC)
    codes: tuple[int, ...] = ()  # listings: the error codes kept

    def line(self, page_size: int = 1000) -> str:
        """The request line the log shows (``… as AC…`` for a ``/v1`` read made as an account)."""
        a, iso = self.account, (self.countries[0] if self.countries else "")
        if self.what in ("message", "call"):
            collection = "Messages" if self.what == "message" else "Calls"
            return request_line("api", f"/Accounts/{a}/{collection}/{self.sid}.json")
        if self.what == "notifications":
            return request_line("api", f"/Accounts/{a}/Calls/{self.sid}/Notifications.json", {"PageSize": 50})
        if self.what == "account":
            return request_line("api", f"/Accounts/{a}.json")
        if self.what == "accounts":
            return request_line("api", "/Accounts.json", {"PageSize": page_size})
        if self.what == "alerts":
            return request_line("monitor", "/Alerts", {"PageSize": page_size, "StartDate": self.since or None})
        if self.what in LISTINGS:
            shown = listing(self, page_size)
            line = request_line(shown.product, shown.path, shown.params)
            return f"{line} as {a}" if shown.as_account else line
        if self.what == "voice_prefixes":
            path = f"/DialingPermissions/Countries/{iso}/HighRiskSpecialPrefixes"
            return request_line("voice", path, {"PageSize": page_size})
        if self.what == "messaging_permissions":
            # No countries: every country (the scan reads a parent's whole list once).
            line = request_line(
                "accounts", "/Messaging/GeoPermissions", {"CountryCode": ",".join(self.countries) or None}
            )
        elif self.what == "voice_country":
            line = request_line("voice", f"/DialingPermissions/Countries/{iso}")
        elif self.what == "voice_countries":
            line = request_line("voice", "/DialingPermissions/Countries", {"PageSize": page_size})
        else:
            line = request_line("voice", "/Settings")
        # v1 APIs answer for whoever authenticates, so the line says as whom.
        return f"{line} as {a}"


def account(sid: str) -> Read:
    """The Account resource (read with the authenticated credentials; a parent reaches its subaccounts)."""
    return Read("account", sid)


def call(account_sid: str, sid: str) -> Read:
    """A Call resource of the account (its ``to``, ``direction`` and ``parent_call_sid``)."""
    return Read("call", account_sid, sid)


def accounts_list() -> Read:
    """The authenticated account and its subaccounts, every page (their auth tokens come with them)."""
    return Read("accounts")


def messaging_permissions(account_sid: str, countries: Iterable[str]) -> Read:
    """Messaging geo permissions of ``countries`` (none: every country), as ``account_sid`` (its own credentials)."""
    return Read("messaging_permissions", account_sid, countries=tuple(dict.fromkeys(c.upper() for c in countries)))


def voice_country(account_sid: str, iso: str) -> Read:
    """Voice dialing permissions of the entry that governs one country (``CA`` → ``US``), as ``account_sid``."""
    from .country_table import voice_entry  # built on first use: a SID's first requests do not wait for it

    return Read("voice_country", account_sid, countries=(voice_entry(iso.upper()),))


def voice_countries(account_sid: str) -> Read:
    """Every country's voice toggles, as ``account_sid``: one page (about 240 entries), for audit and fix."""
    return Read("voice_countries", account_sid)


def voice_settings(account_sid: str) -> Read:
    """Voice ``/v1/Settings`` (``dialing_permissions_inheritance``), as ``account_sid``."""
    return Read("voice_settings", account_sid)


def voice_prefixes(iso: str) -> Read:
    """A country's high-risk special prefixes: the same for every account, so read once per country."""
    from .country_table import voice_entry

    return Read("voice_prefixes", countries=(voice_entry(iso.upper()),))


def failed_alerts(account_sid: str, since: str, codes: Iterable[int]) -> Read:
    """Monitor Alerts from ``since`` (at most 30 days back) with one of ``codes``, as ``account_sid``.

    Monitor filters by date and level only, so the code is matched on our side, page by page.
    """
    return Read("failed_alerts", account_sid, since=since, codes=tuple(sorted(set(codes))))


def failed_messages(account_sid: str, since: str, codes: Iterable[int]) -> Read:
    """The account's failed or undelivered Messages with one of ``codes``, created from ``since`` on.

    No ``DateSent`` filter: a message refused for its destination was never sent, so it has no
    ``date_sent``. The list comes newest first; it is read until a page reaches back before ``since``.
    """
    return Read("failed_messages", account_sid, since=since, codes=tuple(sorted(set(codes))))


def failed_notifications(account_sid: str, since: str, codes: Iterable[int]) -> Read:
    """The account's Notifications with one of ``codes``, from the day of ``since`` on (``MessageDate>=``)."""
    return Read("failed_notifications", account_sid, since=since, codes=tuple(sorted(set(codes))))


@dataclass(frozen=True)
class Listing:
    """The request behind a listing read: product, path, the list's key in the answer, query, and whether
    it is made as the account (the ``/v1`` APIs answer for whoever authenticates)."""

    product: str
    path: str
    key: str
    params: Mapping[str, Any]
    as_account: bool


def listing(read: Read, page_size: int = 1000) -> Listing:
    """The first request of a listing read (the next pages follow the answer's own links)."""
    a = read.account
    if read.what == "failed_alerts":
        return Listing("monitor", "/Alerts", "alerts", {"StartDate": read.since or None, "PageSize": page_size}, True)
    if read.what == "failed_messages":
        return Listing("api", f"/Accounts/{a}/Messages.json", "messages", {"PageSize": page_size}, False)
    if read.what == "failed_notifications":
        params = {"MessageDate>": read.since[:10] or None, "PageSize": page_size}
        return Listing("api", f"/Accounts/{a}/Notifications.json", "notifications", params, False)
    raise ValueError(f"{read.what} is not a listing read")


def parse_time(value: Any) -> datetime | None:
    """A Twilio date: RFC 2822 (2010-04-01 API) or ISO 8601 (v1 APIs); None when unreadable."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def row_code(row: Mapping[str, Any]) -> int | None:
    """A row's ``error_code`` (an integer on Messages, a string on Notifications and Alerts), else None."""
    from .codes import error_code

    value = row.get("error_code")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return error_code(value) if isinstance(value, str) else None


def fetched_codes(known: Mapping[Read, Answer]) -> list[int]:
    """The error codes of the messages, calls' Notifications and Alerts answered so far, in first-seen order.

    What the diagnoses will look up: the pipeline prepares their knowledge while later rounds are in flight.
    """
    codes: dict[int, None] = {}
    for read, answer in known.items():
        if read.what not in ("message", "notifications", "alerts") or not answer.ok:
            continue
        value = answer.value
        if read.what == "alerts":  # the gateway's answer: {"alerts": rows, "pages": n, "complete": bool}
            value = value.get("alerts") if isinstance(value, Mapping) else None
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            code = row_code(row) if isinstance(row, Mapping) else None
            if code:
                codes[code] = None
    return list(codes)


def keeps(read: Read, row: Any) -> bool:
    """Whether a listing read keeps ``row``: one of its codes (and, for messages, failed or undelivered)."""
    if not isinstance(row, Mapping) or row_code(row) not in read.codes:
        return False
    return read.what != "failed_messages" or row.get("status") in ("failed", "undelivered")


def reaches_back(read: Read, row: Any) -> bool:
    """Messages come newest first: a row created before the window means later pages are older still."""
    if read.what != "failed_messages" or not isinstance(row, Mapping):
        return False
    start, when = parse_time(read.since), parse_time(row.get("date_created"))
    return start is not None and when is not None and when < start


ErrorKind = Literal["not-found", "credentials", "unreachable", "api"]


NOT_SENT = "not sent: the host had stopped answering earlier in the run"
"""The reason of a read the gateway did not send (``Answer.sent`` false) where a run says once, beside,
which request stopped the host and how (audit, scan, fix)."""


@dataclass(frozen=True)
class Answer:
    """What one read got: the decoded JSON, or why not (both, for a listing that stopped part way).

    ``kind`` classifies a failure: ``not-found`` (404), ``credentials`` (401,
    or no credentials to act as that account), ``unreachable`` (no answer in
    time, or not sent: an earlier read of the run to the same host got none),
    ``api`` (another error status). ``error`` is one line (a
    ``Fetched.error``); ``message`` the full text, for a subject that cannot
    be diagnosed. ``ran`` is False for a read the gateway skipped (a search
    probe for a SID already found elsewhere). ``sent`` is False for a read not
    sent because its host had stopped answering earlier in the run (``error``
    says which request failed, and how). ``records`` are its HTTP exchanges.
    """

    value: Any = None
    error: str | None = None
    kind: ErrorKind | None = None
    message: str = ""
    status: int | None = None
    request: str = ""
    ran: bool = True
    sent: bool = True
    records: tuple[RequestRecord, ...] = field(default=(), compare=False)

    @property
    def ok(self) -> bool:
        return self.ran and self.error is None

    @property
    def problem(self) -> str:
        """Why the read has no answer, as an account's row says it: its error, or :data:`NOT_SENT` when it was not
        sent (the run says once, beside, which request stopped the host and how)."""
        return str(self.error) if self.sent else NOT_SENT


def permissions_of(payload: Any) -> dict[str, bool]:
    """ISO code → enabled, from a Messaging GeoPermissions answer (the countries it lists)."""
    out: dict[str, bool] = {}
    rows = payload.get("permissions") if isinstance(payload, Mapping) else None
    for row in rows if isinstance(rows, list) else ():
        if isinstance(row, Mapping) and isinstance(row.get("enabled"), bool):
            out[str(row.get("country_code", "")).upper()] = row["enabled"]
    return out


# --- who asks, and the bounds --------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """Who authenticates and the gateway's bounds, as plain data (``TwilioAccess.setup()`` makes one)."""

    account_sid: str  # the authenticated account: the one every /v1 API answers for
    username: str = ""  # the account SID, or the API key SID (SK…)
    is_api_key: bool = False
    page_size: int = 1000
    max_search_accounts: int = 5000
    max_alert_pages: int = 10
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def parent_unread(auth: str, parent: str, refused: str | None = None) -> str:
    """Why the parent of subaccount ``auth`` (the credentials' account) is not compared with, naming both accounts
    and what to run instead; ``refused``: how a read that was tried was answered (``GET … answered HTTP 401 …``)."""
    why = f" ({refused})" if refused else " (Twilio answers a subaccount's credentials for that subaccount alone)"
    return (
        f"the credentials of subaccount {auth} cannot read its parent {parent}{why}; "
        "run with the parent's credentials to compare"
    )


def credentials_reason(sid: str, *, is_api_key: bool, username: str, why: str | None = None) -> str:
    """Why there are no credentials that act as ``sid`` (a /v1 API needs the account's own)."""
    if is_api_key:
        return (
            f"reading {sid}'s own settings needs its credentials: its auth token comes from its "
            f"Account resource, which a standard API key ({username}) cannot read"
        )
    if why:
        return f"{sid}'s auth token could not be read from its Account resource ({why})"
    return f"no credentials for {sid}: its Account resource has not been read, or has no auth_token"


# --- subjects and outcomes -----------------------------------------------------------


@dataclass(frozen=True)
class SidSubject:
    """A message or call SID; ``account`` is ``--account`` (the subaccount that owns it), if given."""

    sid: str
    kind: Literal["message", "call"]
    account: str | None = None

    @classmethod
    def parse(cls, sid: str, account: str | None = None) -> SidSubject:
        """Check the SID (and the account SID) before any request; raises InputError."""
        from .evidence import check_account_sid, classify_sid

        kind, clean = classify_sid(sid)
        return cls(clean, kind, check_account_sid(account) if account else None)


@dataclass(frozen=True)
class EvidenceSubject:
    """Evidence already in hand (a pasted error): its account (else the authenticated one), destination, channel.

    Nothing about the failed resource is read; the accounts and the
    permissions for the destination country are.
    """

    evidence: Evidence

    @property
    def kind(self) -> Literal["message", "call"]:
        ev = self.evidence
        voice = ev.kind == "call" or ev.call_sid is not None or (ev.channel or "") in ("voice", "sip")
        return "call" if voice else "message"


Subject = SidSubject | EvidenceSubject

ProblemKind = Literal["not-found", "credentials", "unreachable", "input"]


@dataclass(frozen=True)
class Problem:
    """Why a subject cannot be diagnosed at all.

    ``kind`` is the report's ``problem_kind``; ``error`` the class of error a
    lone ``fetch_context`` raises for it (``api`` for an HTTP error status).
    """

    kind: ProblemKind
    message: str
    error: ErrorKind = "api"


@dataclass(frozen=True)
class Assembled:
    """One subject's outcome: its Context, or the problem that stopped it."""

    subject: Subject
    context: Context | None = None
    problem: Problem | None = None


# --- the planner -----------------------------------------------------------------------


def next_reads(subjects: Sequence[Subject], known: Mapping[Read, Answer], setup: Setup) -> tuple[Read, ...]:
    """The next batch: every read some subject needs now and no answer exists for. ``()`` when done.

    The reads of a batch do not depend on each other. A read several subjects
    need appears once.
    """
    batch: dict[Read, None] = {}
    for subject in subjects:
        for read in _walk(subject, known, setup).missing:
            batch.setdefault(read, None)
    # One account's permissions for CH, and for CH and US (an error's country and the one its wrong prefix
    # probably meant): the second answers the first too, so CH is read once (see _Walk.ask).
    wider = _by_account(r for r in batch if r.what == "messaging_permissions")
    return tuple(r for r in batch if r.what != "messaging_permissions" or _cover(wider, r) in (None, r))


def assemble(subject: Subject, known: Mapping[Read, Answer], setup: Setup) -> Assembled:
    """The subject's Context from the known answers (or its Problem). Call once :func:`next_reads` is empty.

    Its ``requests`` are the exchanges of the reads this subject used, shared
    ones included, by round.
    """
    walk = _walk(subject, known, setup)
    if walk.missing:
        raise ValueError(f"{len(walk.missing)} reads are still missing for {subject}")
    if walk.problem is not None:
        return Assembled(subject, problem=walk.problem)
    records: dict[int, RequestRecord] = {}
    for read in walk.used:
        for record in known[read].records:
            records.setdefault(id(record), record)
    requests = tuple(sorted(records.values(), key=lambda r: r.round))
    slots = {k: v for k, v in walk.slots.items() if k in _SLOTS}
    sid = subject.sid if isinstance(subject, SidSubject) else (subject.evidence.sid or "")
    context = Context(kind=subject.kind, sid=sid, requests=requests, notes=tuple(walk.notes), **slots)
    return Assembled(subject, context=context)


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
        "suggested_voice_country",
        "parent_suggested_voice_country",
    }
)


def _fetched(answer: Answer) -> Fetched:
    if not answer.ok:
        return Fetched(error=answer.error or "not read", request=answer.request)
    return Fetched(value=answer.value, request=answer.request)


as_fetched = _fetched
"""An answer as a context slot: its payload, or why it is missing (the scan builds a group's context so)."""


def _rows(slot: Fetched | None) -> list[Any] | None:
    """The list a Notifications or Alerts slot holds, or None."""
    return slot.value if slot is not None and slot.ok and isinstance(slot.value, list) else None


def _has_code(rows: Any) -> bool:
    for row in rows if isinstance(rows, list) else ():
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


def problem_kind(answer: Answer) -> ProblemKind:
    """The ``problem_kind`` a failed read gives the subject it stops (or a run where every read failed)."""
    if answer.kind in ("not-found", "credentials", "unreachable"):
        return answer.kind  # type: ignore[return-value]
    # Another HTTP error: a 403 is a refusal to these credentials; a 5xx or 429 after retries, no answer.
    return "credentials" if answer.status in (401, 403) else "unreachable"


class _Walk:
    """One subject's state, re-derived from the answers: what it used, what it still needs, its slots."""

    def __init__(self, subject: Subject, known: Mapping[Read, Answer], setup: Setup) -> None:
        self.subject = subject
        self.known = known
        self.setup = setup
        self.auth = setup.account_sid
        self.missing: dict[Read, None] = {}  # ordered sets: a search may probe thousands of accounts
        self.used: dict[Read, None] = {}
        self.slots: dict[str, Fetched] = {}
        self.notes: list[str] = []
        self.problem: Problem | None = None
        self.target = ""
        self.accounts: dict[str, Fetched] = {}
        self.resource: Mapping[str, Any] = {}
        # The country of the number probably meant, when the one sent has a wrong prefix (set by destination()).
        self.intended: str | None = None

    def ask(self, read: Read) -> Answer | None:
        """The answer, or None after noting the read as missing."""
        answer = self.known.get(read)
        if answer is None and read.what == "messaging_permissions" and read.countries:
            # an answer for these countries and more (another error's wrong prefix asked for one more) will do
            cover = _cover(_answered_permissions(self.known), read)
            if cover is not None:
                read, answer = cover, self.known[cover]
        self.used.setdefault(read, None)
        if answer is None:
            self.missing.setdefault(read, None)
        return answer

    def peek(self, read: Read) -> None:
        """Count a read this subject made earlier (a speculative one) among its requests, if it was made."""
        if read in self.known:
            self.used.setdefault(read, None)

    # --- the subject itself ----------------------------------------------------------

    def sid_subject(self, s: SidSubject) -> bool:
        """Round 1 (resource, notifications, accounts), then the 404 search; False until the resource is had."""
        auth = self.auth
        target = s.account or auth
        first = self.ask(Read(s.kind, target, s.sid))
        if s.kind == "call":
            self.ask(Read("notifications", target, s.sid))
        own = {sid: self.ask(account(sid)) for sid in dict.fromkeys((target, auth))}
        if first is None or any(a is None for a in own.values()):
            return False
        self.accounts = {sid: _fetched(a) for sid, a in own.items() if a is not None}
        self.target = target
        named = own[target]
        if s.account and target != auth and named is not None and named.kind == "not-found" and not first.ok:
            # --account names the owner: if it does not exist, searching elsewhere would hide the mistake.
            self.problem = Problem(
                "not-found",
                f"--account {target} does not exist, or is not an account the credentials of {auth} can "
                f"reach ({named.error}); the {s.kind} was not searched for under other accounts",
                "not-found",
            )
            return False
        if first.ok:
            self.resource = first.value if isinstance(first.value, Mapping) else {}
            self.slots["resource"] = Fetched(value=first.value, request=first.request)
            return True
        if first.kind == "not-found":
            return self._search(s)
        auth_account = own[auth]
        if first.kind == "credentials" and target != auth and auth_account is not None and auth_account.ok:
            # The credentials work (their own Account was read): they just cannot reach --account.
            self.problem = Problem(
                "credentials",
                f"the credentials of {auth} are valid but may not read {target}'s resources "
                f"({first.error}); --account must be {auth} or one of its subaccounts",
                "credentials",
            )
            return False
        self.problem = Problem(problem_kind(first), first.message or first.error or "", first.kind or "api")
        return False

    def _search(self, s: SidSubject) -> bool:
        """The SID is not under the target account: try it under every account the credentials list."""
        noun = s.kind
        tried = {self.target}
        listing = self.ask(accounts_list())
        if listing is None:
            return False
        rows = listing.value if isinstance(listing.value, list) else []
        candidates = list(
            {
                row["sid"]: row
                for row in rows
                if isinstance(row, Mapping) and isinstance(row.get("sid"), str) and row["sid"] not in tried
            }.values()
        )
        probes = [(row, self.ask(Read(s.kind, row["sid"], s.sid))) for row in candidates]
        if any(answer is None for _, answer in probes):
            return False
        done = [(row, answer) for row, answer in probes if answer is not None and answer.ran]
        searched = len(tried) + len(done)
        for row, answer in done:
            if answer.ok:
                self.target = row["sid"]
                self.resource = answer.value if isinstance(answer.value, Mapping) else {}
                self.slots["resource"] = Fetched(value=answer.value, request=answer.request)
                self.accounts[self.target] = Fetched(value=row, request=listing.request)
                listed = len(tried) + len(candidates)  # not the probes that ran: which ran is a matter of timing
                self.notes.append(
                    f"{noun} {s.sid} is not under {', '.join(sorted(tried))}; found it under account "
                    f"{self.target}, searching the {listed} accounts the credentials list"
                )
                return True
        failed = [a for _, a in done if not a.ok and a.kind != "not-found"]
        extra = hint = ""
        if listing.error:
            extra = f"; the subaccounts could not be listed: {listing.error}"
            hint = ". Pass --account with the SID of the subaccount that owns it"
        elif len(rows) >= self.setup.max_search_accounts:
            extra = f"; stopped listing at {self.setup.max_search_accounts} accounts"
        if failed:
            extra += f"; {len(failed)} of them could not be searched ({failed[0].error})"
        plural = "" if searched == 1 else "s"
        self.problem = Problem(
            "not-found",
            f"{noun} {s.sid} was not found under any account you can reach "
            f"(searched {searched} account{plural}{extra}){hint}",
            "not-found",
        )
        return False

    def evidence_subject(self, s: EvidenceSubject) -> bool:
        """Evidence in hand: read its account (else the authenticated one) and the authenticated account."""
        named = s.evidence.account_sid
        if named and not _ACCOUNT_SID.fullmatch(named):
            # Pasted text is untrusted: never put it in a request path, and never read another account instead.
            shown = "".join(ch for ch in named if ch.isprintable())[:40]
            reason = f"the input's account SID {shown!r} is not an account SID (AC and 32 hex digits): nothing was read"
            for slot in _SLOTS - {"resource", "notifications", "alerts"}:
                self.slots[slot] = Fetched(error=reason)
            return False
        self.target = named or self.auth
        own = {sid: self.ask(account(sid)) for sid in dict.fromkeys((self.target, self.auth))}
        if any(a is None for a in own.values()):
            return False
        self.accounts = {sid: _fetched(a) for sid, a in own.items() if a is not None}
        return True

    # --- who is the parent, and whose credentials read what ------------------------------

    def _account_reason(self, slot: Fetched) -> str:
        if self.setup.is_api_key:
            answer = str(slot.error)
            prefix = "the credentials were rejected ("
            if answer.startswith(prefix) and answer.endswith(")"):
                answer = answer[len(prefix) : -1]
            return (
                f"a standard API key ({self.setup.username}) cannot read the Accounts resource "
                f"({answer}), so whether {self.target} is a subaccount, and its parent's "
                "permissions, are unknown"
            )
        reason = f"{self.target}'s Account resource could not be read ({slot.error})"
        answer = self.known.get(account(self.target))
        refused = answer is not None and (answer.kind in ("not-found", "credentials") or answer.status == 403)
        refusal = self._refusal(slot.error)
        if refused and refusal:
            reason = f"{self.target}'s Account resource could not be read: {refusal}"
        if refused and self.target != self.auth and isinstance(self.subject, EvidenceSubject):
            # A pasted account the credentials do not reach: say so, and whose credentials would
            reason += (
                f": it is not {self.auth} (the account of the credentials) or one of its subaccounts; "
                f"run again with the credentials of {self.target} or of its parent"
            )
        return reason

    def _refusal(self, error: str | None) -> str:
        """A 401 for the target's Account to credentials that read their own: they work, Twilio refuses them
        for this account, which "the credentials were rejected" does not say. "" otherwise."""
        rejected = "the credentials were rejected "
        own = self.accounts.get(self.auth)
        if self.target == self.auth or not (own and own.ok) or not str(error).startswith(rejected):
            return ""
        status = str(error).removeprefix(rejected).strip()
        return f"the credentials, accepted for {self.auth}, are refused for {self.target} {status}"

    def resolve_accounts(self, *, reached: bool) -> tuple[str | None, Fetched | None]:
        """Fill ``account`` and ``parent``; the parent SID whose settings to read, or the reason not.

        ``reached``: the authenticated credentials read the target's own resources
        (a SID was found under it), which makes the authenticated account its parent.
        """
        target, auth = self.target, self.auth
        slot = self.accounts.get(target, Fetched(error="not fetched"))
        if not slot.ok:
            reason = self._account_reason(slot)
            self.slots["account"] = Fetched(error=reason, request=slot.request)
            if target != auth and reached:
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
            self.slots["parent"] = self.accounts.get(auth) or Fetched(error="not fetched")
            return auth, None
        if target == auth:
            reason = parent_unread(auth, owner)
            self.notes.append(reason)
        else:
            reason = f"the parent {owner} is not the authenticated account {auth}, so its settings cannot be read"
        unknown = Fetched(error=reason, request=request_line("api", f"/Accounts/{owner}.json"))
        self.slots["parent"] = unknown
        return None, unknown

    def target_credentials(self) -> str:
        """ "" when the target's own credentials are at hand (its auth token was read), else why not."""
        if self.target == self.auth:
            return ""
        slot = self.accounts.get(self.target)
        row = slot.value if slot is not None and slot.ok and isinstance(slot.value, Mapping) else {}
        token = row.get("auth_token")
        if isinstance(token, str) and token:
            return ""
        # The Account was read and failed: say how, not that it "has not been read"
        why = (self._refusal(slot.error) or slot.error) if slot is not None and not slot.ok else None
        return credentials_reason(self.target, is_api_key=self.setup.is_api_key, username=self.setup.username, why=why)

    # --- the destination ----------------------------------------------------------------

    def destination(self, *, notifications: list[Any] | None, alerts: list[Any] | None) -> tuple[str | None, str]:
        """The destination country, read as the evidence step reads it (a <Dial> leg's number for 13227)."""
        from .countries import parse_destination
        from .evidence import DIAL_LEG_CODES, from_call

        self.intended = None
        if isinstance(self.subject, EvidenceSubject):
            ev = self.subject.evidence
            if ev.to:
                home = parse_destination(ev.from_).country if ev.from_ else None
                dest = parse_destination(ev.to, default_region=home)
                iso, self.intended = dest.country, dest.intended_country
                if iso:
                    return iso, ""
                if not (ev.country and _ISO.fullmatch(ev.country)):
                    return None, f"the destination {ev.to!r} maps to no country, so there is no country to look up"
            if ev.country and _ISO.fullmatch(ev.country):
                return ev.country.upper(), ""
            return None, "the input names no destination number or country, so there is no country to look up"
        resource = self.resource
        to = resource.get("to")
        noun = self.subject.kind
        if noun == "call":
            evidence = from_call(resource, notifications, alerts)
            if evidence.code in DIAL_LEG_CODES:
                if not evidence.to:
                    return None, (
                        f"error {evidence.code} comes from a <Dial>, and neither the notification nor the alert "
                        "names the number dialled, so there is no country to look up"
                    )
                to = evidence.to
        if not isinstance(to, str) or not to.strip():
            return None, f"the {noun} has no 'to', so there is no country to look up"
        sender = resource.get("from")
        home = parse_destination(sender).country if isinstance(sender, str) and sender.strip() else None
        dest = parse_destination(to, default_region=home)
        iso, self.intended = dest.country, dest.intended_country
        if not iso:
            return None, f"the destination {to!r} maps to no country, so there is no country to look up"
        return iso, ""

    # --- the permissions ----------------------------------------------------------------

    def per_account(
        self,
        slot: str,
        parent_slot: str,
        make: Callable[..., Read],
        iso: str | None,
        iso_why: str,
        parent: tuple[str | None, Fetched | None],
        target_why: str,
        *,
        by_country: bool = True,
    ) -> None:
        """The same read for the sending account and for its parent, or each slot's reason."""
        parent_sid, parent_unknown = parent
        if by_country and iso is None:
            self.slots[slot] = Fetched(error=iso_why)
            if parent_unknown is not None:
                self.slots[parent_slot] = parent_unknown
            else:
                self.slots[parent_slot] = Fetched(error=iso_why) if parent_sid else NOT_APPLICABLE
            return
        own = make(self.target) if not by_country else make(self.target, iso)
        if target_why:
            self.slots[slot] = Fetched(error=target_why, request=own.line(self.setup.page_size))
        else:
            answer = self.ask(own)
            if answer is not None:
                self.slots[slot] = self._as_target(answer)
        if parent_sid is not None:
            answer = self.ask(make(parent_sid) if not by_country else make(parent_sid, iso))
            if answer is not None:
                self.slots[parent_slot] = _fetched(answer)
        else:
            self.slots[parent_slot] = parent_unknown if parent_unknown is not None else NOT_APPLICABLE

    def _as_target(self, answer: Answer) -> Fetched:
        """A read made as the sending account, with its own auth token: when that token is refused, say
        whose it is (not "the credentials", which read its Account), and the account's status if not active."""
        fetched = _fetched(answer)
        if answer.ok or answer.kind != "credentials" or self.target == self.auth:
            return fetched
        slot = self.accounts.get(self.target)
        row = slot.value if slot is not None and slot.ok and isinstance(slot.value, Mapping) else {}
        status = row.get("status")
        said = f"; its Account resource gives its status as {status!r}" if status and status != "active" else ""
        reason = str(answer.error or "").removeprefix("the credentials were rejected ").strip()
        error = (
            f"Twilio refused the credentials of {self.target} (its auth token, read from its Account resource) "
            f"{reason}{said}"
        )
        return Fetched(error=error.strip(), request=fetched.request)

    def voice(self, iso: str | None, iso_why: str, parent: tuple[str | None, Fetched | None], why: str) -> None:
        self.per_account("voice_country", "parent_voice_country", voice_country, iso, iso_why, parent, why)
        if self.intended:  # the number meant: is its country open, so that correcting the number is enough?
            slots = ("suggested_voice_country", "parent_suggested_voice_country")
            self.per_account(*slots, voice_country, self.intended, "", parent, why)
        self.per_account(
            "voice_settings", "parent_voice_settings", voice_settings, iso, iso_why, parent, why, by_country=False
        )
        if iso is None:
            self.slots["voice_high_risk_prefixes"] = Fetched(error=iso_why)
        else:
            answer = self.ask(voice_prefixes(iso))
            if answer is not None:
                self.slots["voice_high_risk_prefixes"] = _fetched(answer)

    def alerts(self, target_why: str, sid: str) -> None:
        """Monitor Alerts naming the call, as the account that owns it (Monitor acts on whoever authenticates)."""
        start, note = _alert_start(self.resource, self.setup.now)
        read = Read("alerts", self.target, sid, since=start or "")
        line = read.line(self.setup.page_size)
        if target_why:
            self.slots["alerts"] = Fetched(
                error=f"Monitor Alerts act on the authenticated account; {target_why}", request=line
            )
            return
        if note:
            self.notes.append(note)
        answer = self.ask(read)
        if answer is None:
            return
        if not answer.ok:
            self.slots["alerts"] = _fetched(answer)
            return
        found = answer.value if isinstance(answer.value, Mapping) else {}
        rows, pages = list(found.get("alerts") or ()), found.get("pages", 0)
        if rows:
            self.slots["alerts"] = Fetched(value=rows, request=line)
        elif found.get("complete"):
            self.notes.append(f"no Notification and no Monitor Alert names {sid} ({pages} page(s) read)")
            self.slots["alerts"] = Fetched(value=[], request=line)
        else:
            self.slots["alerts"] = Fetched(
                error=f"no Monitor Alert names {sid} in the first {pages} pages; stopped there "
                f"(the bound is {self.setup.max_alert_pages} pages)",
                request=line,
            )

    def after_resource(self, *, reached: bool) -> None:
        parent = self.resolve_accounts(reached=reached)
        why = self.target_credentials()
        if self.subject.kind == "message":
            iso, iso_why = self.destination(notifications=None, alerts=None)
            # The country of the number meant rides on the same request (CountryCode takes a list).
            countries = tuple(dict.fromkeys(c for c in (iso, self.intended) if c))
            self.per_account(
                "messaging_permissions",
                "parent_messaging_permissions",
                lambda sid, _iso: messaging_permissions(sid, countries),
                countries[0] if countries else None,
                iso_why,
                parent,
                why,
            )
            return
        if isinstance(self.subject, EvidenceSubject):  # a call in hand: nothing more to read about it
            self.voice(*self.destination(notifications=None, alerts=None), parent, why)
            return
        sid = self.subject.sid
        # A call: its Notifications carry the code; a SID found by search has them read in round 2.
        notes_read = Read("notifications", self.target, sid)
        searched = self.target != (self.subject.account or self.auth)
        notes_answer = self.ask(notes_read)
        if notes_answer is not None:
            self.slots["notifications"] = _fetched(notes_answer)
        notifications = _rows(self.slots.get("notifications"))
        if notes_answer is not None and not _has_code(notifications):
            self.alerts(why, sid)
        # The country first read (before a late alert or notification named the code or the <Dial>ed number).
        early, _ = self.destination(notifications=None if searched else notifications, alerts=None)
        iso, iso_why = self.destination(notifications=notifications, alerts=_rows(self.slots.get("alerts")))
        if early is not None and early != iso:
            for who in dict.fromkeys((self.target, parent[0] or self.target)):
                self.peek(voice_country(who, early))
            self.peek(voice_prefixes(early))
        self.voice(iso, iso_why, parent, why)


def _by_account(reads: Iterable[Read]) -> dict[str, list[Read]]:
    out: dict[str, list[Read]] = {}
    for read in reads:
        out.setdefault(read.account, []).append(read)
    return out


def _cover(by_account: Mapping[str, Sequence[Read]], read: Read) -> Read | None:
    """The read of ``by_account`` for the same account whose countries include all of ``read``'s, the widest."""
    want = set(read.countries)
    found = [r for r in by_account.get(read.account, ()) if want <= set(r.countries)]
    return max(found, key=lambda r: len(r.countries)) if found else None


_ANSWERED: tuple[Mapping[Read, Answer], dict[str, list[Read]]] | None = None


def _answered_permissions(known: Mapping[Read, Answer]) -> dict[str, list[Read]]:
    """The permission reads of ``known`` by account, kept for the last ``known`` seen: every subject of a
    round is walked over the same answers."""
    global _ANSWERED
    kept = _ANSWERED
    if kept is not None and kept[0] is known:
        return kept[1]
    index = _by_account(r for r in known if r.what == "messaging_permissions" and r.countries)
    _ANSWERED = (known, index)
    return index


def _walk(subject: Subject, known: Mapping[Read, Answer], setup: Setup) -> _Walk:
    walk = _Walk(subject, known, setup)
    if isinstance(subject, SidSubject):
        if walk.sid_subject(subject):
            walk.after_resource(reached=True)
    elif walk.evidence_subject(subject):
        walk.after_resource(reached=False)
    return walk
