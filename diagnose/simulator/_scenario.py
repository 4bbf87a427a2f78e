"""Scenario files: load, validate, and expand compact YAML into frozen records.

A scenario describes the Twilio accounts the simulator serves: credentials,
geo permissions, and the messages, calls, notifications and alerts each one
has. ``docs/simulator.md`` documents the format; :func:`load_scenario` is the
only entry point. Every mistake is reported as an :class:`InputError` naming
the file, line and key, e.g. ``demo.yaml:42: accounts[0].messages[1].status:
'sent ok' is not one of queued, sending, ...``.

Booleans are YAML 1.2 style (``true``/``false`` only), so ``NO`` is Norway and
``ON`` is not a boolean.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from diagnose.country_table import VOICE_SHARED_ENTRIES, countries
from diagnose.errors import InputError
from diagnose.simulator._faults import Fault, parse_match
from diagnose.simulator._model import (
    ACCOUNT_STATUSES,
    ACCOUNT_TYPES,
    CALL_STATUSES,
    DEFAULT_FROM,
    DEFAULT_HOME_COUNTRY,
    ERROR_MESSAGES,
    LOG_LEVELS,
    MESSAGE_DIRECTIONS,
    MESSAGE_STATUSES,
    REQUEST_METHODS,
    WARNING_CODES,
    Account,
    Alert,
    ApiKey,
    Call,
    Message,
    Notification,
    Scenario,
    VoicePermission,
    known_lists,
)

# --- YAML with line numbers --------------------------------------------------------------------------


class _Map(dict):
    """A mapping that remembers the line of each key."""

    line: int | None = None
    key_lines: dict[Any, int]


class _Seq(list):
    """A sequence that remembers the line of each item."""

    line: int | None = None
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, line numbers and duplicate-key errors."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {result.key_lines[key]})", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# --- validation helpers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _At:
    """Where a value sits: the key path and (when the source is YAML) its line."""

    source: str
    path: str
    line: int | None

    def fail(self, problem: str) -> InputError:
        where = self.source + (f":{self.line}" if self.line else "")
        key = f" {self.path}:" if self.path else ""
        return InputError(f"{where}:{key} {problem}")

    def key(self, mapping: Any, key: str) -> _At:
        lines = getattr(mapping, "key_lines", {})
        path = f"{self.path}.{key}" if self.path else key
        return _At(self.source, path, lines.get(key, self.line))

    def item(self, seq: Any, index: int) -> _At:
        lines = getattr(seq, "item_lines", [])
        return _At(self.source, f"{self.path}[{index}]", lines[index] if index < len(lines) else self.line)


def _mapping(value: Any, at: _At, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> Mapping:
    if not isinstance(value, dict):
        raise at.fail(f"expected a mapping, got {_kind(value)}")
    for key in value:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else f"; allowed: {', '.join(allowed)}"
            raise at.key(value, key).fail(f"unknown key {key!r}{suggestion}")
    for key in required:
        if key not in value or value[key] is None:
            raise at.fail(f"missing required key {key!r}")
    return value


def _country_map(value: Any, at: _At) -> Mapping:
    """A mapping keyed by ISO country code."""
    if not isinstance(value, dict):
        raise at.fail(f"expected a mapping of country codes, got {_kind(value)}")
    for key in value:
        _iso(key, at.key(value, key))
    return value


def _sequence(value: Any, at: _At) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise at.fail(f"expected a list, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _string(value: Any, at: _At, *, empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise at.fail(f"expected a string, got {_kind(value)}")
    text = str(value)
    if not empty and not text.strip():
        raise at.fail("must not be empty")
    return text


def _phone(value: Any, at: _At) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise at.fail(f"write phone numbers in quotes (YAML read {value} as a number and dropped any '+')")
    return _string(value, at)


def _boolean(value: Any, at: _At) -> bool:
    if not isinstance(value, bool):
        raise at.fail(f"expected true or false, got {_kind(value)}")
    return value


def _integer(value: Any, at: _At, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.fail(f"expected a whole number, got {_kind(value)}")
    if value < minimum:
        raise at.fail(f"must be at least {minimum}, got {value}")
    return value


def _number(value: Any, at: _At) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise at.fail(f"expected a number of seconds (0 or more), got {_kind(value)}")
    return float(value)


def _choice(value: Any, at: _At, options: tuple[str, ...]) -> str:
    text = _string(value, at)
    if text not in options:
        raise at.fail(f"{text!r} is not one of {', '.join(options)}")
    return text


_SID_PATTERNS = {
    "AC": re.compile(r"^AC[0-9a-fA-F]{32}$"),
    "SK": re.compile(r"^SK[0-9a-fA-F]{32}$"),
    "SM": re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$"),
    "CA": re.compile(r"^CA[0-9a-fA-F]{32}$"),
    "NO": re.compile(r"^NO[0-9a-fA-F]{32}$"),
    "MG": re.compile(r"^MG[0-9a-fA-F]{32}$"),
    "ANY": re.compile(r"^[a-zA-Z]{2}[0-9a-fA-F]{32}$"),
}
_SID_SHAPES = {
    "AC": "AC + 32 hex digits",
    "SK": "SK + 32 hex digits",
    "SM": "SM or MM + 32 hex digits",
    "CA": "CA + 32 hex digits",
    "NO": "NO + 32 hex digits",
    "MG": "MG + 32 hex digits",
    "ANY": "two letters + 32 hex digits",
}


def _sid(value: Any, at: _At, prefix: str) -> str:
    text = _string(value, at)
    if not _SID_PATTERNS[prefix].match(text):
        raise at.fail(f"{text!r} is not a valid SID ({_SID_SHAPES[prefix]}, 34 characters)")
    return text


def _iso(value: Any, at: _At) -> str:
    text = _string(value, at)
    if text not in countries():
        upper = {"UK": "GB", "EL": "GR"}.get(text.upper(), text.upper())
        hint = f" (did you mean {upper!r}?)" if upper in countries() else ""
        raise at.fail(f"unknown country {text!r}: use an ISO 3166-1 alpha-2 code such as US{hint}")
    return text


_RELATIVE = re.compile(r"^-\s*(\d+\s*[smhd]\s*)+$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _when(value: Any, at: _At, now: dt.datetime) -> dt.datetime:
    """A timestamp: ISO 8601 (naive means UTC), ``now``, or ``-90m`` / ``-3d`` / ``-1d2h`` before now."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    text = _string(value, at).strip()
    if text == "now":
        return now
    if _RELATIVE.match(text):
        delta = dt.timedelta()
        for amount, unit in re.findall(r"(\d+)\s*([smhd])", text):
            delta += dt.timedelta(**{_UNITS[unit]: int(amount)})
        return now - delta
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise at.fail(f"{text!r} is not a time: use ISO 8601 (2026-03-01T09:30:00Z), 'now', or '-3d'") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def derived_sid(prefix: str, *parts: object) -> str:
    """A stable, real-looking SID for an entry the scenario gave no SID."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return prefix + digest[:32]


def _code(value: Any, at: _At) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    return _integer(value, at, minimum=1)


def _error_text(code: int, to: str | None, level: str) -> str:
    """The URL-encoded text Twilio puts in ``message_text`` / ``alert_text``."""
    from urllib.parse import urlencode

    fields = {"Msg": ERROR_MESSAGES.get(code, f"Error {code}")}
    if to:
        fields["phonenumber"] = to
    fields |= {"ErrorCode": str(code), "LogLevel": level}
    return urlencode(fields)


def _more_info(code: int | str) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


# --- the loader --------------------------------------------------------------------------------------


MAX_SCENARIO = 16 * 2**20  # bytes: a scenario that generates big worlds says so in a few lines ("generate")


def load_scenario(source: Any, *, now: dt.datetime | None = None) -> Scenario:
    """Load and validate a scenario from a path, a Traversable, YAML text, or a dict.

    ``now`` anchors relative times (``-3d``) when the scenario sets no ``now:``;
    it defaults to the current time. Raises :class:`InputError` on any mistake.
    """
    if isinstance(source, Scenario):
        return source
    name = "<scenario>"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
            path = Path(source)
            name = str(path)
            try:
                if path.exists() and not path.is_file():  # a device or a pipe: /dev/zero would never end
                    raise InputError(f"{name}: not a regular file: a scenario is a YAML file")
                with path.open("rb") as fh:
                    raw = fh.read(MAX_SCENARIO + 1)
            except OSError as exc:
                raise InputError(f"{name}: cannot read scenario file: {exc.strerror or exc}") from None
            if len(raw) > MAX_SCENARIO:
                raise InputError(f"{name}: a scenario file is {MAX_SCENARIO // 2**20} MB at most")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        elif isinstance(source, str):
            text = source
        elif hasattr(source, "read_text"):
            name = getattr(source, "name", name)
            text = source.read_text(encoding="utf-8")
        else:
            raise InputError(f"cannot load a scenario from {type(source).__name__}")
        try:
            data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f":{mark.line + 1}" if mark else ""
            raise InputError(f"{name}{line}: invalid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise InputError(f"{name}: invalid YAML: {exc}") from None
    return _build(data, name, now)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and (text.endswith((".yaml", ".yml")) or Path(text).is_file())


_TOP_KEYS = (
    "now", "latency_ms", "console_only_countries", "blocked_countries",
    "high_risk_special_prefixes", "accounts", "faults", "generate",
)  # fmt: skip
_ACCOUNT_KEYS = (
    "sid", "auth_token", "friendly_name", "type", "status", "parent", "home_country", "date_created",
    "api_keys", "messaging_geo_permissions", "messaging_settings", "voice_dialing_permissions",
    "voice_settings", "messages", "calls", "alerts",
)  # fmt: skip
_KEY_KEYS = ("sid", "secret", "standard")
_VOICE_KEYS = ("low_risk", "high_risk_special", "high_risk_tollfraud")
_MESSAGE_KEYS = (
    "sid", "case", "to", "from", "body", "status", "direction", "error_code", "error_message",
    "num_segments", "num_media", "messaging_service_sid", "price", "price_unit",
    "date_created", "date_sent", "date_updated", "alerts",
)  # fmt: skip
_CALL_KEYS = (
    "sid", "case", "to", "from", "status", "direction", "parent_call_sid", "duration", "price", "price_unit",
    "date_created", "start_time", "end_time", "notifications", "alerts",
)  # fmt: skip
_NOTIFICATION_KEYS = (
    "sid", "error_code", "log", "message_text", "more_info", "request_url", "request_method",
    "date_created", "alert",
)  # fmt: skip
_ALERT_KEYS = (
    "sid", "resource_sid", "error_code", "log_level", "alert_text", "more_info", "request_url",
    "request_method", "date_created", "service_sid",
)  # fmt: skip
_FAULT_KEYS = ("match", "status", "delay_ms", "retry_after", "times", "code", "message", "rate", "unapplied")


def _build(data: Any, source: str, now: dt.datetime | None) -> Scenario:
    root = _At(source, "", getattr(data, "line", None))
    if isinstance(data, Mapping) and "generate" in data:
        from diagnose.simulator._generate import expand

        try:
            data = expand(data)
        except (TypeError, ValueError) as exc:
            raise root.key(data, "generate").fail(str(exc)) from None
    if data is None:
        raise root.fail("the scenario is empty; it needs at least an 'accounts' list")
    top = _mapping(data, root, _TOP_KEYS, required=("accounts",))
    anchor = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if "now" in top:
        anchor = _when(top["now"], root.key(top, "now"), anchor)

    def country_list(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        if key not in top:
            return default
        at = root.key(top, key)
        return tuple(_iso(v, at.item(top[key], i)) for i, v in enumerate(_sequence(top[key], at)))

    # By default, Twilio's lists as the knowledge has them (knowledge/countries.yaml).
    known_console_only, known_blocked = known_lists()
    console_only = country_list("console_only_countries", known_console_only)
    blocked = country_list("blocked_countries", known_blocked)
    prefixes = _prefixes(top.get("high_risk_special_prefixes"), root.key(top, "high_risk_special_prefixes"))
    latency = _integer(top.get("latency_ms", 0), root.key(top, "latency_ms"))

    faults_at = root.key(top, "faults")
    faults = tuple(
        _fault(raw, faults_at.item(top["faults"], i)) for i, raw in enumerate(_sequence(top.get("faults"), faults_at))
    )

    accounts_at = root.key(top, "accounts")
    raw_accounts = _sequence(top["accounts"], accounts_at)
    if not raw_accounts:
        raise accounts_at.fail("declare at least one account")
    sids: dict[str, str] = {}  # every SID in the file -> where it was first seen

    def claim(name: str, at: _At) -> str:
        """Register a SID (or ``case <label>``), which must be unique in the file."""
        if name in sids:
            what = name if name.startswith("case ") else f"SID {name}"
            raise at.fail(f"{what} is already used at {sids[name]}")
        sids[name] = at.path
        return name

    # First pass: identities, so parents can be checked whatever the order.
    heads = []
    for i, raw in enumerate(raw_accounts):
        at = accounts_at.item(raw_accounts, i)
        raw = _mapping(raw, at, _ACCOUNT_KEYS, required=("sid", "auth_token"))
        heads.append((raw, at, claim(_sid(raw["sid"], at.key(raw, "sid"), "AC"), at.key(raw, "sid"))))
    by_sid = {sid: raw for raw, _, sid in heads}
    accounts = []
    for raw, at, sid in heads:
        parent = None
        if raw.get("parent") is not None:
            p_at = at.key(raw, "parent")
            parent = _sid(raw["parent"], p_at, "AC")
            if parent == sid:
                raise p_at.fail("an account cannot be its own parent")
            if parent not in by_sid:
                raise p_at.fail(f"no account {parent} in this scenario")
            if by_sid[parent].get("parent") is not None:
                raise p_at.fail(f"{parent} is itself a subaccount; Twilio subaccounts cannot have subaccounts")
        parent_home = by_sid[parent].get("home_country") if parent else None
        accounts.append(_account(raw, at, sid, parent, parent_home, anchor, claim))
    return Scenario(
        accounts=tuple(accounts),
        now=anchor,
        console_only_countries=console_only,
        blocked_countries=blocked,
        high_risk_special_prefixes=prefixes,
        latency_ms=latency,
        faults=faults,
        source=source,
    )


def _prefixes(raw: Any, at: _At) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for iso_key, values in _country_map(raw, at).items():
        entry_at = at.key(raw, iso_key)
        country = countries()[iso_key]
        items = []
        for j, value in enumerate(_sequence(values, entry_at)):
            p_at = entry_at.item(values, j)
            prefix = _phone(value, p_at)
            if not re.fullmatch(r"\+\d{2,15}", prefix):
                raise p_at.fail(f"{prefix!r} is not a dialing prefix like '+4470'")
            if not prefix.startswith(f"+{country.calling_code}"):
                raise p_at.fail(f"{prefix} does not start with {iso_key}'s calling code +{country.calling_code}")
            items.append(prefix)
        result[iso_key] = tuple(items)
    return result


def _fault(raw: Any, at: _At) -> Fault:
    raw = _mapping(raw, at, _FAULT_KEYS, required=("match",))
    m_at = at.key(raw, "match")
    try:
        parse_match(_string(raw["match"], m_at))
    except ValueError as exc:
        raise m_at.fail(str(exc)) from None
    status = raw.get("status")
    if status is not None:
        status = _integer(status, at.key(raw, "status"), minimum=100)
        if status > 599:
            raise at.key(raw, "status").fail(f"{status} is not an HTTP status")
    delay = _integer(raw.get("delay_ms", 0), at.key(raw, "delay_ms"))
    unapplied = _boolean(raw.get("unapplied", False), at.key(raw, "unapplied"))
    if status is None and not delay and not unapplied:
        raise at.fail("a fault needs a 'status', a 'delay_ms', 'unapplied', or several")
    return Fault(
        match=str(raw["match"]),
        status=status,
        delay_ms=delay,
        retry_after=None if raw.get("retry_after") is None else _number(raw["retry_after"], at.key(raw, "retry_after")),
        times=None if raw.get("times") is None else _integer(raw["times"], at.key(raw, "times"), minimum=1),
        code=None if raw.get("code") is None else _code(raw["code"], at.key(raw, "code")),
        message=None if raw.get("message") is None else _string(raw["message"], at.key(raw, "message")),
        rate=None if raw.get("rate") is None else _rate(raw["rate"], at.key(raw, "rate")),
        unapplied=unapplied,
    )


def _rate(value: Any, at: _At) -> float:
    rate = _number(value, at)
    if not 0 < rate <= 1:
        raise at.fail(f"{rate!r} is not a share of requests in (0, 1]")
    return rate


def _account(
    raw: Mapping,
    at: _At,
    sid: str,
    parent: str | None,
    parent_home: Any,
    now: dt.datetime,
    claim: Callable[[str, _At], str],
) -> Account:
    home = _iso(raw.get("home_country", parent_home or DEFAULT_HOME_COUNTRY), at.key(raw, "home_country"))
    keys = []
    keys_at = at.key(raw, "api_keys")
    for i, key in enumerate(_sequence(raw.get("api_keys"), keys_at)):
        k_at = keys_at.item(raw["api_keys"], i)
        key = _mapping(key, k_at, _KEY_KEYS, required=("sid", "secret"))
        keys.append(
            ApiKey(
                sid=claim(_sid(key["sid"], k_at.key(key, "sid"), "SK"), k_at.key(key, "sid")),
                secret=_string(key["secret"], k_at.key(key, "secret")),
                account_sid=sid,
                standard=_boolean(key.get("standard", True), k_at.key(key, "standard")),
            )
        )

    messaging: dict[str, bool] = {}
    m_at = at.key(raw, "messaging_geo_permissions")
    if raw.get("messaging_geo_permissions") is not None:
        perms = _country_map(raw["messaging_geo_permissions"], m_at)
        for iso, enabled in perms.items():
            messaging[iso] = _boolean(enabled, m_at.key(perms, iso))

    sms_inheritance: bool | None = None
    ms_at = at.key(raw, "messaging_settings")
    if raw.get("messaging_settings") is not None:
        settings = _mapping(raw["messaging_settings"], ms_at, ("geo_permissions_inheritance",))
        if "geo_permissions_inheritance" in settings:
            sms_inheritance = _boolean(
                settings["geo_permissions_inheritance"], ms_at.key(settings, "geo_permissions_inheritance")
            )
            if sms_inheritance and parent is None:
                raise ms_at.fail("a main account has no parent to inherit SMS geo permissions from")

    voice: dict[str, VoicePermission] = {}
    v_at = at.key(raw, "voice_dialing_permissions")
    if raw.get("voice_dialing_permissions") is not None:
        perms = _country_map(raw["voice_dialing_permissions"], v_at)
        for iso, toggles in perms.items():
            t_at = v_at.key(perms, iso)
            if iso in VOICE_SHARED_ENTRIES:
                shared = VOICE_SHARED_ENTRIES[iso]
                raise t_at.fail(f"voice dialing permissions have no {iso} entry: {shared} covers it ({shared!r})")
            toggles = _mapping(toggles, t_at, _VOICE_KEYS)
            voice[iso] = VoicePermission(**{k: _boolean(v, t_at.key(toggles, k)) for k, v in toggles.items()})

    inheritance = True
    s_at = at.key(raw, "voice_settings")
    if raw.get("voice_settings") is not None:
        settings = _mapping(raw["voice_settings"], s_at, ("dialing_permissions_inheritance",))
        if "dialing_permissions_inheritance" in settings:
            inheritance = _boolean(
                settings["dialing_permissions_inheritance"], s_at.key(settings, "dialing_permissions_inheritance")
            )

    account_type = _choice(raw.get("type", "Full"), at.key(raw, "type"), ACCOUNT_TYPES)
    messages = tuple(
        _message(item, at.key(raw, "messages").item(raw["messages"], i), sid, i, now, claim)
        for i, item in enumerate(_sequence(raw.get("messages"), at.key(raw, "messages")))
    )
    calls = tuple(
        _call(item, at.key(raw, "calls").item(raw["calls"], i), sid, i, now, claim)
        for i, item in enumerate(_sequence(raw.get("calls"), at.key(raw, "calls")))
    )
    alerts = [
        _alert(item, at.key(raw, "alerts").item(raw["alerts"], i), sid, None, now, claim)
        for i, item in enumerate(_sequence(raw.get("alerts"), at.key(raw, "alerts")))
    ]
    # Alerts nested under a message or call name their resource implicitly.
    for kind, items in (("messages", raw.get("messages")), ("calls", raw.get("calls"))):
        for i, item in enumerate(items or []):
            owner = (messages if kind == "messages" else calls)[i]
            item_at = at.key(raw, kind).item(items, i)
            nested_at = item_at.key(item, "alerts")
            for j, nested in enumerate(_sequence(item.get("alerts"), nested_at)):
                alerts.append(_alert(nested, nested_at.item(item["alerts"], j), sid, owner, now, claim))

    return Account(
        sid=sid,
        auth_token=_string(raw["auth_token"], at.key(raw, "auth_token")),
        friendly_name=_string(raw.get("friendly_name", f"Account {sid[-6:]}"), at.key(raw, "friendly_name")),
        type=account_type,
        status=_choice(raw.get("status", "active"), at.key(raw, "status"), ACCOUNT_STATUSES),
        parent=parent,
        home_country=home,
        date_created=_when(raw.get("date_created", "-400d"), at.key(raw, "date_created"), now),
        api_keys=tuple(keys),
        messaging_geo_permissions=messaging,
        voice_dialing_permissions=voice,
        dialing_permissions_inheritance=inheritance,
        messaging_geo_permissions_inheritance=sms_inheritance,
        messages=messages,
        calls=calls,
        alerts=tuple(alerts),
    )


def _optional_string(raw: Mapping, key: str, at: _At, default: str | None = None) -> str | None:
    if key not in raw:
        return default
    return None if raw[key] is None else _string(raw[key], at.key(raw, key), empty=True)


def _case(raw: Mapping, at: _At, claim: Callable[[str, _At], str]) -> str | None:
    if raw.get("case") is None:
        return None
    case_at = at.key(raw, "case")
    return claim(f"case {_string(raw['case'], case_at)}", case_at).removeprefix("case ")


def _message(
    raw: Any, at: _At, account: str, index: int, now: dt.datetime, claim: Callable[[str, _At], str]
) -> Message:
    raw = _mapping(raw, at, _MESSAGE_KEYS, required=("to",))
    sid_at = at.key(raw, "sid")
    sid = _sid(raw["sid"], sid_at, "SM") if raw.get("sid") else derived_sid("SM", account, "message", index)
    code = None if raw.get("error_code") is None else _code(raw["error_code"], at.key(raw, "error_code"))
    default_status = "failed" if code else "delivered"
    status = _choice(raw.get("status", default_status), at.key(raw, "status"), MESSAGE_STATUSES)
    created = _when(raw.get("date_created", "-1h"), at.key(raw, "date_created"), now)
    sent_default = created + dt.timedelta(seconds=1) if status in ("sent", "delivered", "undelivered") else None
    date_sent = sent_default if raw.get("date_sent") is None else _when(raw["date_sent"], at.key(raw, "date_sent"), now)
    service = raw.get("messaging_service_sid")
    sender = (
        None if "from" in raw and raw["from"] is None else _phone(raw.get("from", DEFAULT_FROM), at.key(raw, "from"))
    )
    return Message(
        sid=claim(sid, sid_at),
        account_sid=account,
        to=_phone(raw["to"], at.key(raw, "to")),
        from_=sender,
        body=_string(raw.get("body", "Hello from the diagnose simulator"), at.key(raw, "body"), empty=True),
        status=status,
        direction=_choice(raw.get("direction", "outbound-api"), at.key(raw, "direction"), MESSAGE_DIRECTIONS),
        error_code=code,
        error_message=_optional_string(raw, "error_message", at, ERROR_MESSAGES.get(code) if code else None),
        num_segments=_string(raw.get("num_segments", 1), at.key(raw, "num_segments")),
        num_media=_string(raw.get("num_media", 0), at.key(raw, "num_media")),
        messaging_service_sid=None if service is None else _sid(service, at.key(raw, "messaging_service_sid"), "MG"),
        price=_optional_string(raw, "price", at),
        price_unit=_optional_string(raw, "price_unit", at, "USD"),
        date_created=created,
        date_sent=date_sent,
        date_updated=_when(raw.get("date_updated", date_sent or created), at.key(raw, "date_updated"), now),
        case=_case(raw, at, claim),
    )


def _call(raw: Any, at: _At, account: str, index: int, now: dt.datetime, claim: Callable[[str, _At], str]) -> Call:
    raw = _mapping(raw, at, _CALL_KEYS, required=("to",))
    sid_at = at.key(raw, "sid")
    sid = claim(_sid(raw["sid"], sid_at, "CA") if raw.get("sid") else derived_sid("CA", account, "call", index), sid_at)
    failing = bool(raw.get("notifications") or raw.get("alerts"))
    status = _choice(raw.get("status", "failed" if failing else "completed"), at.key(raw, "status"), CALL_STATUSES)
    created = _when(raw.get("date_created", "-1h"), at.key(raw, "date_created"), now)
    to = _phone(raw["to"], at.key(raw, "to"))
    start = None if raw.get("start_time") is None else _when(raw["start_time"], at.key(raw, "start_time"), now)
    end = None if raw.get("end_time") is None else _when(raw["end_time"], at.key(raw, "end_time"), now)
    duration = _integer(
        int(raw["duration"])
        if str(raw.get("duration", "")).isascii() and str(raw.get("duration", "")).isdigit()
        else raw.get("duration", 30 if status == "completed" else 0),
        at.key(raw, "duration"),
    )
    if status == "completed":
        start = start or created + dt.timedelta(seconds=1)
        end = end or start + dt.timedelta(seconds=duration)
    elif status in ("failed", "busy", "no-answer", "canceled"):
        end = end or created + dt.timedelta(seconds=1)
    notes_at = at.key(raw, "notifications")
    notes = tuple(
        _notification(item, notes_at.item(raw["notifications"], i), account, sid, to, created, claim)
        for i, item in enumerate(_sequence(raw.get("notifications"), notes_at))
    )
    return Call(
        sid=sid,
        account_sid=account,
        to=to,
        from_=_phone(raw.get("from", DEFAULT_FROM), at.key(raw, "from")),
        status=status,
        direction=_string(raw.get("direction", "outbound-api"), at.key(raw, "direction")),
        parent_call_sid=(
            _sid(raw["parent_call_sid"], at.key(raw, "parent_call_sid"), "CA") if raw.get("parent_call_sid") else None
        ),
        duration=str(duration),
        price=_optional_string(raw, "price", at),
        price_unit=_optional_string(raw, "price_unit", at, "USD"),
        date_created=created,
        start_time=start,
        end_time=end,
        notifications=notes,
        case=_case(raw, at, claim),
    )


def _level_for(code: int) -> str:
    return "warning" if code in WARNING_CODES else "error"


def _notification(
    raw: Any,
    at: _At,
    account: str,
    call: str,
    to: str,
    created: dt.datetime,
    claim: Callable[[str, _At], str],
) -> Notification:
    raw = _mapping(raw, at, _NOTIFICATION_KEYS, required=("error_code",))
    sid_at = at.key(raw, "sid")
    code = _code(raw["error_code"], at.key(raw, "error_code"))
    sid = _sid(raw["sid"], sid_at, "NO") if raw.get("sid") else derived_sid("NO", call, "notification", at.path)
    log = raw.get("log", "1" if _level_for(code) == "warning" else "0")
    log_at = at.key(raw, "log")
    log = {"error": "0", "warning": "1"}.get(str(log), str(log))
    if log not in ("0", "1"):
        raise log_at.fail(f"{raw['log']!r} is not a log level: use 0 (error) or 1 (warning)")
    level = "WARN" if log == "1" else "ERROR"
    method = raw.get("request_method")
    return Notification(
        sid=claim(sid, sid_at),
        account_sid=account,
        call_sid=call,
        error_code=str(code),
        log=log,
        message_text=_string(raw.get("message_text", _error_text(code, to, level)), at.key(raw, "message_text")),
        more_info=_string(raw.get("more_info", _more_info(code)), at.key(raw, "more_info")),
        request_url=_string(raw.get("request_url", ""), at.key(raw, "request_url"), empty=True),
        request_method=None if method is None else _choice(method, at.key(raw, "request_method"), REQUEST_METHODS),
        date_created=_when(raw.get("date_created", created), at.key(raw, "date_created"), created),
        alert=_boolean(raw.get("alert", True), at.key(raw, "alert")),
    )


def _alert(
    raw: Any,
    at: _At,
    account: str,
    owner: Message | Call | None,
    now: dt.datetime,
    claim: Callable[[str, _At], str],
) -> Alert:
    if owner is None:
        raw = _mapping(raw, at, _ALERT_KEYS, required=("error_code", "resource_sid"))
    else:  # nested under its message or call: the resource is implied
        raw = _mapping(raw, at, tuple(k for k in _ALERT_KEYS if k != "resource_sid"), required=("error_code",))
    sid_at = at.key(raw, "sid")
    code = _code(raw["error_code"], at.key(raw, "error_code"))
    sid = _sid(raw["sid"], sid_at, "NO") if raw.get("sid") else derived_sid("NO", account, "alert", at.path)
    resource = owner.sid if owner else _sid(raw["resource_sid"], at.key(raw, "resource_sid"), "ANY")
    level = _choice(raw.get("log_level", _level_for(code)), at.key(raw, "log_level"), LOG_LEVELS)
    default_time = owner.date_created if owner else now
    method = raw.get("request_method")
    to = owner.to if owner else None
    service = raw.get("service_sid")
    return Alert(
        sid=claim(sid, sid_at),
        account_sid=account,
        resource_sid=resource,
        error_code=str(code),
        log_level=level,
        alert_text=_string(
            raw.get("alert_text", _error_text(code, to, "WARN" if level == "warning" else "ERROR")),
            at.key(raw, "alert_text"),
        ),
        more_info=_string(raw.get("more_info", _more_info(code)), at.key(raw, "more_info")),
        request_url=_optional_string(raw, "request_url", at),
        request_method=None if method is None else _choice(method, at.key(raw, "request_method"), REQUEST_METHODS),
        date_created=_when(raw.get("date_created", default_time), at.key(raw, "date_created"), now),
        service_sid=None if service is None else _sid(service, at.key(raw, "service_sid"), "ANY"),
    )
