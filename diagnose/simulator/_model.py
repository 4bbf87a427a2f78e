"""The records a scenario expands into: accounts, keys, permissions, messages, calls, notifications, alerts.

Frozen dataclasses, no I/O. Enums and field meanings follow twilio-oai; the
wire documents are built from these records by ``_payloads``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from diagnose.simulator._faults import Fault

# --- enums, from twilio_api_v2010.json ---------------------------------------------------------------

ACCOUNT_TYPES = ("Trial", "Full")  # account_enum_type
ACCOUNT_STATUSES = ("active", "suspended", "closed")  # account_enum_status
MESSAGE_STATUSES = (  # message_enum_status
    "queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving", "received",
    "accepted", "scheduled", "read", "partially_delivered", "canceled",
)  # fmt: skip
MESSAGE_DIRECTIONS = ("inbound", "outbound-api", "outbound-call", "outbound-reply")  # message_enum_direction
CALL_STATUSES = (  # call_enum_status
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled",
)  # fmt: skip
REQUEST_METHODS = ("GET", "POST")  # request_method enum of notifications and alerts
LOG_LEVELS = ("error", "warning", "notice", "debug")

# Official messages (Twilio's error dictionary) for codes a scenario is likely to use.
ERROR_MESSAGES: dict[int, str] = {
    13227: "Geo Permission configuration is not permitting call",
    21211: "Invalid 'To' Phone Number",
    21215: "Geo Permission configuration is not permitting call",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number is not currently reachable via SMS",
    21614: "'To' number is not a valid mobile number",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    32205: "SIP Trunking: Geo Permission configuration is not permitting call",
}
WARNING_CODES = frozenset({13227})  # logged as WARNING by Twilio; every other code here is an ERROR

DEFAULT_HOME_COUNTRY = "US"
DEFAULT_FROM = "+15017122661"


# --- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiKey:
    """An API key (SK…) and the account it belongs to."""

    sid: str
    secret: str
    account_sid: str
    standard: bool = True


@dataclass(frozen=True)
class VoicePermission:
    """The three voice dialing toggles of one country."""

    low_risk: bool = False
    high_risk_special: bool = False
    high_risk_tollfraud: bool = False


@dataclass(frozen=True)
class Notification:
    """A call notification (NO…); by default also listed as a Monitor alert with the same SID."""

    sid: str
    account_sid: str
    call_sid: str
    error_code: str
    log: str
    message_text: str
    more_info: str
    request_url: str
    request_method: str | None
    date_created: dt.datetime
    alert: bool = True


@dataclass(frozen=True)
class Alert:
    """A Monitor alert (NO…) about one resource (a call, a message…)."""

    sid: str
    account_sid: str
    resource_sid: str | None
    error_code: str
    log_level: str
    alert_text: str
    more_info: str
    request_url: str | None
    request_method: str | None
    date_created: dt.datetime
    service_sid: str | None = None


@dataclass(frozen=True)
class Message:
    """A Message resource (SM…/MM…)."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    direction: str
    error_code: int | None
    error_message: str | None
    num_segments: str
    num_media: str
    messaging_service_sid: str | None
    price: str | None
    price_unit: str | None
    date_created: dt.datetime
    date_sent: dt.datetime | None
    date_updated: dt.datetime
    case: str | None = None


@dataclass(frozen=True)
class Call:
    """A Call resource (CA…) and its notifications."""

    sid: str
    account_sid: str
    to: str
    from_: str
    status: str
    direction: str
    duration: str
    price: str | None
    price_unit: str | None
    date_created: dt.datetime
    start_time: dt.datetime | None
    end_time: dt.datetime | None
    notifications: tuple[Notification, ...] = ()
    case: str | None = None
    parent_call_sid: str | None = None  # the call that created this leg (a <Dial> child leg's parent)


@dataclass(frozen=True)
class Account:
    """One account as the scenario declares it (permissions are only the explicit entries)."""

    sid: str
    auth_token: str
    friendly_name: str
    type: str
    status: str
    parent: str | None
    home_country: str
    date_created: dt.datetime
    api_keys: tuple[ApiKey, ...] = ()
    messaging_geo_permissions: Mapping[str, bool] = field(default_factory=dict)
    voice_dialing_permissions: Mapping[str, VoicePermission] = field(default_factory=dict)
    dialing_permissions_inheritance: bool = True
    # SMS inheritance: None means the default (a subaccount without a list of its own inherits).
    messaging_geo_permissions_inheritance: bool | None = None
    messages: tuple[Message, ...] = ()
    calls: tuple[Call, ...] = ()
    alerts: tuple[Alert, ...] = ()

    @property
    def owner_account_sid(self) -> str:
        """The parent's SID for a subaccount, the account's own SID otherwise (as Twilio reports it)."""
        return self.parent or self.sid

    @property
    def inherits_messaging_permissions(self) -> bool:
        """Whether this subaccount uses its parent's SMS geo permissions (never for a main account)."""
        if self.parent is None:
            return False
        if self.messaging_geo_permissions_inheritance is not None:
            return self.messaging_geo_permissions_inheritance
        return not self.messaging_geo_permissions

    def messaging_enabled(self, iso: str) -> bool:
        """The initial SMS permission: the explicit entry, else enabled only for the home country."""
        return self.messaging_geo_permissions.get(iso, iso == self.home_country)

    def voice_permission(self, iso: str) -> VoicePermission:
        """The initial voice toggles: the explicit entry, else low-risk enabled only for the home country."""
        default = VoicePermission(low_risk=iso == self.home_country)
        return self.voice_dialing_permissions.get(iso, default)


def known_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The Console-only and the blocked countries, from the knowledge (imported late: it loads phonenumbers)."""
    from diagnose.countries import country_data

    data = country_data()
    return data.messaging_high_risk.isos, data.not_allowed.isos


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: accounts, country policy, latency and faults."""

    accounts: tuple[Account, ...]
    now: dt.datetime
    # By default, Twilio's lists as the knowledge has them (knowledge/countries.yaml).
    console_only_countries: tuple[str, ...] = field(default_factory=lambda: known_lists()[0])
    blocked_countries: tuple[str, ...] = field(default_factory=lambda: known_lists()[1])
    high_risk_special_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    latency_ms: int = 0
    faults: tuple[Fault, ...] = ()
    source: str = "<scenario>"

    def account(self, sid: str) -> Account | None:
        return next((a for a in self.accounts if a.sid == sid), None)

    def subaccounts(self, sid: str) -> tuple[Account, ...]:
        return tuple(a for a in self.accounts if a.parent == sid)

    def messages(self) -> Iterator[Message]:
        for account in self.accounts:
            yield from account.messages

    def calls(self) -> Iterator[Call]:
        for account in self.accounts:
            yield from account.calls

    def alerts(self) -> Iterator[Alert]:
        """Every alert: the declared ones, plus one per notification that has ``alert: true``."""
        for account in self.accounts:
            yield from account.alerts
            for call in account.calls:
                for note in call.notifications:
                    if note.alert:
                        yield notification_alert(note)

    @property
    def cases(self) -> dict[str, str]:
        """``case`` label → message or call SID, in file order."""
        found: dict[str, str] = {}
        for account in self.accounts:
            for item in (*account.messages, *account.calls):
                if item.case:
                    found[item.case] = item.sid
        return found


def notification_alert(note: Notification) -> Alert:
    """The Monitor alert Twilio shows for a call notification (same NO… SID)."""
    return Alert(
        sid=note.sid,
        account_sid=note.account_sid,
        resource_sid=note.call_sid,
        error_code=note.error_code,
        log_level="warning" if note.log == "1" else "error",
        alert_text=note.message_text,
        more_info=note.more_info,
        request_url=note.request_url or None,
        request_method=note.request_method,
        date_created=note.date_created,
    )
