"""The simulator's request handling, without sockets: ``App.handle(Request) -> Response``.

Requests carry Twilio's original path and query (the client talks to
``https://<product>.twilio.com``; only scheme and host are rewritten), so one
router serves api (2010-04-01), accounts v1, voice v1 and monitor v1. The v1
paths do not overlap, so no Host header is needed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import operator
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

from diagnose.country_table import countries, voice_countries
from diagnose.simulator import _payloads as wire
from diagnose.simulator._model import ERROR_MESSAGES, Call, Message, Notification
from diagnose.simulator._state import State

Query = Mapping[str, list[str]]


class BadRequest(Exception):
    """The request itself is malformed (a header, the body): the server answers 400 with this message."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, already parsed."""

    method: str
    path: str
    query: Query = field(default_factory=dict)
    form: Query = field(default_factory=dict)
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(
        cls, method: str, target: str, *, body: bytes = b"", content_type: str = "", authorization: str = ""
    ) -> Request:
        """Build a request from the request line's target, body and headers."""
        parts = urlsplit(target)
        form: dict[str, list[str]] = {}
        if body and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        username = password = None
        if not authorization.isascii():
            raise BadRequest("the Authorization header must be ASCII (Basic followed by base64)")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "basic" and token:
            try:
                username, _, password = base64.b64decode(token.strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                username = password = None
        return cls(
            method=method.upper(),
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            form=form,
            username=username,
            password=password,
        )

    def param(self, name: str) -> str | None:
        values = self.query.get(name) or self.form.get(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        return json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Identity:
    """Who authenticated: the account, and the credential used (the account SID itself or an SK key)."""

    account_sid: str
    credential_sid: str
    standard_key: bool = False


class _Refusal(Exception):
    """Raised inside a handler to answer with a Twilio error."""

    def __init__(self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.response = Response(status, wire.error(status, code, message), headers or {})


def _unauthenticated(message: str = "Authenticate") -> _Refusal:
    return _Refusal(401, 20003, message, {"WWW-Authenticate": 'Basic realm="Twilio API"'})


def _not_found(path: str) -> _Refusal:
    return _Refusal(404, 20404, f"The requested resource {path} was not found")


def _excerpt(text: str, limit: int = 80) -> str:
    """``text`` quoted for an error message, cut short: a parameter can be megabytes long."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _invalid(message: str, code: int = 20422) -> _Refusal:
    return _Refusal(400, code, message)


# What Twilio answers when a Standard API key asks for the Accounts resource (support article
# "Error 20003: Authentication Error Invalid Username When Using Restricted API Keys").
STANDARD_KEY_MESSAGE = "Authentication Error - invalid username"

_SID = r"[A-Za-z0-9]+"
_ACCT = rf"/2010-04-01/Accounts/(?P<account>{_SID})"
Handler = Callable[["App", Identity, Request, dict[str, str]], Response]


def _bool_param(request: Request, name: str) -> bool | None:
    value = request.param(name)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise _invalid(f"Invalid {name}: {value!r} is not true or false")
    return lowered == "true"


def _int_param(request: Request, name: str, default: int, lo: int, hi: int | None = None) -> int:
    value = request.param(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _invalid(f"Invalid {name}: {value!r} is not a number") from None
    if number < lo or (hi is not None and number > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise _invalid(f"Invalid {name}: must be {bound}", 20007 if name == "PageSize" else 20422)
    return number


def _slice(request: Request, items: list) -> tuple[int, int, list, bool]:
    size = _int_param(request, "PageSize", 50, 1, 1000)
    page = _int_param(request, "Page", 0, 0)
    start = page * size
    return page, size, items[start : start + size], start + size < len(items)


def _page_2010(request: Request, items: list, key: str, filters: list[tuple[str, str]]) -> dict[str, Any]:
    """A 2010-04-01 list page: relative ``*_page_uri`` links and ``start``/``end`` indexes."""
    page, size, chunk, more = _slice(request, items)

    def uri(number: int) -> str:
        return f"{request.path}?{urlencode([*filters, ('PageSize', size), ('Page', number)])}"

    start = page * size
    return {
        "end": start + len(chunk) - 1 if chunk else start,
        "first_page_uri": uri(0),
        key: chunk,
        "next_page_uri": uri(page + 1) if more else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }


def _page_v1(request: Request, host: str, items: list, key: str, filters: list[tuple[str, str]]) -> dict[str, Any]:
    """A v1 list page: the records under ``key`` and absolute links in ``meta``."""
    page, size, chunk, more = _slice(request, items)

    def url(number: int) -> str:
        return f"{host}{request.path}?{urlencode([*filters, ('PageSize', size), ('Page', number)])}"

    return {
        key: chunk,
        "meta": {
            "first_page_url": url(0),
            "key": key,
            "next_page_url": url(page + 1) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_url": url(page - 1) if page > 0 else None,
            "url": url(page),
        },
    }


def _filters(request: Request, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, value) for name in names if (value := request.param(name)) is not None]


def _parse_date(value: str, name: str, *, end: bool) -> dt.datetime:
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
            return day + dt.timedelta(days=1) - dt.timedelta(microseconds=1) if end else day
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"Invalid {name}: {value!r} is not a date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


_T = TypeVar("_T")
_Owned = TypeVar("_Owned", Message, Call)


def _on_days(request: Request, name: str, items: list[_T], when: Callable[[_T], dt.datetime | None]) -> list[_T]:
    """The items whose day passes ``NAME`` (that day), ``NAME<`` (on or before) and ``NAME>`` (on or after)."""
    for suffix, keep in (("", operator.eq), ("<", operator.le), (">", operator.ge)):
        value = request.param(name + suffix)
        if value is not None:
            day = _parse_date(value, name + suffix, end=False).date()
            items = [i for i in items if (t := when(i)) is not None and keep(t.date(), day)]
    return items


def _notification_page(request: Request, notes: list[Notification]) -> Response:
    """A page of call notifications, newest first; filters Log and MessageDate."""
    log = request.param("Log")
    if log is not None:
        notes = [n for n in notes if n.log == log.strip()]
    notes = _on_days(request, "MessageDate", notes, lambda n: n.date_created.astimezone(dt.timezone.utc))
    notes = sorted(notes, key=lambda n: n.date_created, reverse=True)
    filters = _filters(request, ("MessageDate", "MessageDate<", "MessageDate>", "Log"))
    return Response(200, _page_2010(request, [wire.notification(n) for n in notes], "notifications", filters))


def _flag(value: Any, what: str) -> bool:
    """A boolean sent as JSON true/false, "true"/"false", or "Enabled"/"Disabled"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "enabled"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "disabled"):
        return False
    raise _invalid(f"Invalid {what}: {value!r} is not true or false")


# BulkCountryUpdates field names: the documented ones, and the spelling of the spec's example.
_BULK_FIELDS = {
    "low_risk_numbers_enabled": "low_risk",
    "low_risk_numbers": "low_risk",
    "high_risk_special_numbers_enabled": "high_risk_special",
    "high_risk_special_numbers": "high_risk_special",
    "high_risk_tollfraud_numbers_enabled": "high_risk_tollfraud",
    "high_risk_irsf_numbers": "high_risk_tollfraud",
}


class App:
    """Routes requests to handlers over a :class:`State`."""

    def __init__(self, state: State) -> None:
        self.state = state

    # --- authentication ---

    def authenticate(self, username: str | None, password: str | None) -> Identity | None:
        """HTTP Basic: an account SID with its auth token, or an API key SID with its secret."""
        if not username or password is None:
            return None
        scenario = self.state.scenario
        if username.startswith("AC"):
            account = scenario.account(username)
            if account and hmac.compare_digest(account.auth_token.encode(), password.encode()):
                return Identity(account.sid, account.sid) if account.status == "active" else None
            return None
        for account in scenario.accounts:
            for key in account.api_keys:
                if key.sid == username and hmac.compare_digest(key.secret.encode(), password.encode()):
                    return Identity(account.sid, key.sid, key.standard) if account.status == "active" else None
        return None

    # --- dispatch ---

    def handle(self, request: Request) -> Response:
        identity = self.authenticate(request.username, request.password)
        try:
            if identity is None:
                raise _unauthenticated()
            allowed = []
            for method, pattern, handler in _ROUTES:
                found = pattern.fullmatch(request.path)
                if found is None:
                    continue
                if method != request.method:
                    allowed.append(method)
                    continue
                return handler(self, identity, request, found.groupdict())
            if allowed:
                raise _Refusal(405, 20004, "Method not allowed", {"Allow": ", ".join(allowed)})
            raise _not_found(request.path)
        except _Refusal as refusal:
            return refusal.response

    # --- helpers ---

    def _reach(self, identity: Identity, account_sid: str) -> None:
        """2010-04-01 paths: the caller's own account or one of its subaccounts."""
        if self.state.account(account_sid) is None:
            raise _not_found(f"/2010-04-01/Accounts/{account_sid}.json")
        if not self.state.can_reach(identity.account_sid, account_sid):
            raise _unauthenticated()

    # --- api v2010: accounts ---

    def _owned(self, identity: Identity, request: Request, account: str, record: _Owned | None) -> _Owned:
        """A message or call of ``account``, which the caller may reach; another account's SID is not found."""
        self._reach(identity, account)
        if record is None or record.account_sid != account:
            raise _not_found(request.path)
        return record

    def list_accounts(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        if identity.standard_key:
            raise _unauthenticated(STANDARD_KEY_MESSAGE)
        me = self.state.account(identity.account_sid)
        assert me is not None
        accounts = [me, *self.state.scenario.subaccounts(me.sid)]
        name, status = request.param("FriendlyName"), request.param("Status")
        if status is not None and status not in ("active", "suspended", "closed"):
            raise _invalid(f"Invalid Status: {status!r}")
        accounts = [
            a for a in accounts if (name is None or a.friendly_name == name) and (status is None or a.status == status)
        ]
        body = _page_2010(
            request, [wire.account(a) for a in accounts], "accounts", _filters(request, ("FriendlyName", "Status"))
        )
        return Response(200, body)

    def fetch_account(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        if identity.standard_key:
            raise _unauthenticated(STANDARD_KEY_MESSAGE)
        self._reach(identity, args["sid"])
        account = self.state.account(args["sid"])
        assert account is not None
        return Response(200, wire.account(account))

    # --- api v2010: messages ---

    def fetch_message(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        message = self._owned(identity, request, args["account"], self.state.message(args["sid"]))
        return Response(200, wire.message(message))

    def list_messages(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        """Newest first; filters To, From and DateSent (``DateSent<``/``DateSent>``: on or before/after)."""
        self._reach(identity, args["account"])
        items = self.state.messages(args["account"])
        to, sender = request.param("To"), request.param("From")
        items = [m for m in items if (to is None or m.to == to) and (sender is None or m.from_ == sender)]
        items = _on_days(request, "DateSent", items, lambda m: m.date_sent)
        filters = _filters(request, ("To", "From", "DateSent", "DateSent<", "DateSent>"))
        return Response(200, _page_2010(request, [wire.message(m) for m in items], "messages", filters))

    def list_account_notifications(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        """Every call notification of the account, newest first; filters Log and MessageDate."""
        self._reach(identity, args["account"])
        notes = [n for call in self.state.calls(args["account"]) for n in call.notifications]
        return _notification_page(request, notes)

    def create_message(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        account = args["account"]
        self._reach(identity, account)
        to = request.param("To")
        if not to:
            raise _invalid("A 'To' phone number is required.", 21604)
        sender, service = request.param("From"), request.param("MessagingServiceSid")
        if not sender and not service:
            raise _invalid("A 'From' or 'MessagingServiceSid' parameter is required to send a message", 21603)
        iso = _region(to)
        if iso is None:
            raise _invalid(f"The 'To' number {to} is not a valid phone number.", 21211)
        if not self.state.messaging_enabled(account, iso):
            raise _invalid(f"{ERROR_MESSAGES[21408]}: {to}", 21408)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        message = Message(
            sid="SM" + uuid.uuid4().hex,
            account_sid=account,
            to=to,
            from_=sender,
            body=request.param("Body") or "",
            status="queued",
            direction="outbound-api",
            error_code=None,
            error_message=None,
            num_segments="1",
            num_media="0",
            messaging_service_sid=service,
            price=None,
            price_unit=None,
            date_created=now,
            date_sent=None,
            date_updated=now,
        )
        self.state.add_message(message)
        return Response(201, wire.message(message))

    # --- api v2010: calls ---

    def fetch_call(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        call = self._owned(identity, request, args["account"], self.state.call(args["sid"]))
        return Response(200, wire.call(call))

    def list_call_notifications(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        call = self._owned(identity, request, args["account"], self.state.call(args["call"]))
        return _notification_page(request, list(call.notifications))

    # --- accounts v1: messaging geo permissions ---

    def fetch_geo_permissions(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        table = countries()
        wanted = request.param("CountryCode")
        if wanted is None:
            codes = list(table)
        else:
            codes = [c.strip().upper() for c in wanted.split(",") if c.strip().upper() in table]
        current = self.state.messaging_permissions(identity.account_sid)
        console_only = set(self.state.scenario.console_only_countries)
        permissions = [
            wire.messaging_permission(table[iso], current[iso], console_only=iso in console_only) for iso in codes
        ]
        return Response(200, {"permissions": permissions})

    def update_geo_permissions(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        raw = request.form.get("Permissions") or request.query.get("Permissions")
        if not raw:
            raise _invalid("Missing required parameter Permissions in the post body")
        entries = []
        for text in raw:
            try:
                entry = json.loads(text)
            except (ValueError, RecursionError):
                raise _invalid(f"Invalid Permissions: {_excerpt(text)} is not JSON (or is nested too deeply)") from None
            if not isinstance(entry, dict) or "country_code" not in entry or "enabled" not in entry:
                raise _invalid(f"Invalid Permissions: {_excerpt(text)} needs country_code and enabled")
            if entry.get("type", "country") != "country":
                raise _invalid(f"Invalid Permissions: type {entry.get('type')!r} is not 'country'")
            entries.append((str(entry["country_code"]).strip().upper(), _flag(entry["enabled"], "enabled")))
        scenario = self.state.scenario
        # A subaccount that inherits its parent's SMS list cannot change it (30648). Per entry, like
        # 30649: the simulator's assumption, since Twilio documents the code but not its place.
        inherits = self.state.messaging_inheritance(identity.account_sid)
        results = []
        for iso, enabled in entries:
            error_code, errors = 0, []
            if iso not in countries():
                error_code, errors = 20422, [f"Invalid country code {iso}"]
            elif inherits:
                error_code, errors = 30648, ["Geo Permissions update restricted for subaccounts"]
            elif iso in scenario.console_only_countries:
                error_code, errors = 30649, ["High risk country permission cannot be updated"]
            elif enabled and iso in scenario.blocked_countries:
                error_code, errors = 20422, [f"Messaging to {iso} cannot be enabled"]
            else:
                self.state.set_messaging_permission(identity.account_sid, iso, enabled)
            results.append(
                {
                    "country_code": iso,
                    "type": "country",
                    "enabled": enabled,
                    "error_code": error_code,
                    "error_messages": errors,
                }
            )
        return Response(200, {"permissions": results})

    # --- voice v1: dialing permissions ---

    def list_dialing_countries(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        perms = self.state.voice_permissions(identity.account_sid)
        iso = request.param("IsoCode")
        continent = request.param("Continent")
        code = request.param("CountryCode")
        toggles = {
            "low_risk": _bool_param(request, "LowRiskNumbersEnabled"),
            "high_risk_special": _bool_param(request, "HighRiskSpecialNumbersEnabled"),
            "high_risk_tollfraud": _bool_param(request, "HighRiskTollfraudNumbersEnabled"),
        }

        def norm(text: str) -> str:
            return re.sub(r"[\s_-]", "", text).lower()

        items = []
        for country in voice_countries().values():
            perm = perms[country.iso]
            if iso is not None and country.iso != iso.strip().upper():
                continue
            if continent is not None and norm(country.continent) != norm(continent):
                continue
            if code is not None:
                digits = code.strip().lstrip("+")
                if digits != str(country.calling_code) and f"+{digits}" not in country.prefixes:
                    continue
            if any(want is not None and getattr(perm, name) != want for name, want in toggles.items()):
                continue
            items.append(wire.dialing_country(country, perm))
        filters = _filters(
            request,
            (
                "IsoCode", "Continent", "CountryCode", "LowRiskNumbersEnabled",
                "HighRiskSpecialNumbersEnabled", "HighRiskTollfraudNumbersEnabled",
            ),
        )  # fmt: skip
        return Response(200, _page_v1(request, wire.VOICE_HOST, items, "content", filters))

    def _country(self, request: Request, args: dict[str, str]):
        # Voice entries: no CA (the US entry is "United States/Canada"); an entry that does not exist is 404.
        country = voice_countries().get(args["iso"].upper())
        if country is None:
            raise _not_found(request.path)
        return country

    def fetch_dialing_country(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        country = self._country(request, args)
        perm = self.state.voice_permission(identity.account_sid, country.iso)
        return Response(200, wire.dialing_country(country, perm))

    def list_high_risk_prefixes(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        country = self._country(request, args)
        prefixes = self.state.scenario.high_risk_special_prefixes.get(country.iso, ())
        items = [{"prefix": p} for p in prefixes]
        return Response(200, _page_v1(request, wire.VOICE_HOST, items, "content", []))

    def bulk_country_update(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        text = request.param("UpdateRequest")
        if not text:
            raise _invalid("Missing required parameter UpdateRequest in the post body")
        try:
            entries = json.loads(text)
        except (ValueError, RecursionError):
            raise _invalid("Invalid UpdateRequest: not a JSON array (or nested too deeply)") from None
        if not isinstance(entries, list) or not entries:
            raise _invalid("Invalid UpdateRequest: expected a non-empty JSON array")
        account = self.state.account(identity.account_sid)
        assert account is not None
        updates = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("iso_code"), str):
                raise _invalid("Invalid UpdateRequest: every update needs an iso_code")
            iso = entry["iso_code"].strip().upper()
            if iso not in voice_countries():
                raise _invalid(f"Invalid UpdateRequest: unknown iso_code {entry['iso_code']!r}")
            toggles = {}
            for name, value in entry.items():
                if name == "iso_code":
                    continue
                if name not in _BULK_FIELDS:
                    raise _invalid(f"Invalid UpdateRequest: unknown field {name!r}")
                toggles[_BULK_FIELDS[name]] = _flag(value, name)
            if account.type == "Trial" and (toggles.get("high_risk_special") or toggles.get("high_risk_tollfraud")):
                raise _invalid(f"Trial accounts can enable only low-risk numbers ({iso})")
            updates.append((iso, toggles))
        count = self.state.update_voice_permissions(identity.account_sid, updates)
        return Response(201, {"update_count": count, "update_request": "accepted"})

    def fetch_settings(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        value = self.state.dialing_permissions_inheritance(identity.account_sid)
        return Response(200, wire.dialing_settings(value))

    def update_settings(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        value = _bool_param(request, "DialingPermissionsInheritance")
        if value is not None:
            self.state.set_dialing_permissions_inheritance(identity.account_sid, value)
        return Response(202, wire.dialing_settings(self.state.dialing_permissions_inheritance(identity.account_sid)))

    # --- monitor v1: alerts ---

    def list_alerts(self, identity: Identity, request: Request, _: dict[str, str]) -> Response:
        alerts = self.state.alerts(identity.account_sid)
        level = request.param("LogLevel")
        if level is not None:
            alerts = [a for a in alerts if a.log_level == level.strip().lower()]
        start, end = request.param("StartDate"), request.param("EndDate")
        if start is not None:
            since = _parse_date(start, "StartDate", end=False)
            alerts = [a for a in alerts if a.date_created >= since]
        if end is not None:
            until = _parse_date(end, "EndDate", end=True)
            alerts = [a for a in alerts if a.date_created <= until]
        items = [wire.alert(a, instance=False) for a in alerts]
        filters = _filters(request, ("LogLevel", "StartDate", "EndDate"))
        return Response(200, _page_v1(request, wire.MONITOR_HOST, items, "alerts", filters))

    def fetch_alert(self, identity: Identity, request: Request, args: dict[str, str]) -> Response:
        alert = self.state.alert(args["sid"])
        if alert is None or alert.account_sid != identity.account_sid:
            raise _not_found(request.path)
        return Response(200, wire.alert(alert, instance=True))


def _region(number: str) -> str | None:
    """The geo-permission country of a number, by its calling code (NANP territories are their own).

    Validity is not checked: Twilio refuses an invalid number of a disabled
    country with 21408, which is what the wrong-country-code case relies on.
    """
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if not region or region == "ZZ":
        region = phonenumbers.region_code_for_country_code(parsed.country_code)
    return region if region in countries() else None


_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", r"/2010-04-01/Accounts\.json", App.list_accounts),
        ("GET", rf"/2010-04-01/Accounts/(?P<sid>{_SID})\.json", App.fetch_account),
        ("GET", rf"{_ACCT}/Messages/(?P<sid>{_SID})\.json", App.fetch_message),
        ("POST", rf"{_ACCT}/Messages\.json", App.create_message),
        ("GET", rf"{_ACCT}/Messages\.json", App.list_messages),
        ("GET", rf"{_ACCT}/Notifications\.json", App.list_account_notifications),
        ("GET", rf"{_ACCT}/Calls/(?P<sid>{_SID})\.json", App.fetch_call),
        ("GET", rf"{_ACCT}/Calls/(?P<call>{_SID})/Notifications\.json", App.list_call_notifications),
        ("GET", r"/v1/Messaging/GeoPermissions", App.fetch_geo_permissions),
        ("PATCH", r"/v1/Messaging/GeoPermissions", App.update_geo_permissions),
        ("GET", r"/v1/DialingPermissions/Countries", App.list_dialing_countries),
        ("GET", r"/v1/DialingPermissions/Countries/(?P<iso>[A-Za-z]{2})", App.fetch_dialing_country),
        (
            "GET",
            r"/v1/DialingPermissions/Countries/(?P<iso>[A-Za-z]{2})/HighRiskSpecialPrefixes",
            App.list_high_risk_prefixes,
        ),
        ("POST", r"/v1/DialingPermissions/BulkCountryUpdates", App.bulk_country_update),
        ("GET", r"/v1/Settings", App.fetch_settings),
        ("POST", r"/v1/Settings", App.update_settings),
        ("GET", r"/v1/Alerts", App.list_alerts),
        ("GET", rf"/v1/Alerts/(?P<sid>{_SID})", App.fetch_alert),
    )
]
