"""What the gateway fetched from Twilio, as plain data.

Every slot is a :class:`Fetched`: the decoded JSON payload (dicts and lists
exactly as Twilio's wire format has them), or the reason it is missing.
Nothing here talks to Twilio; ``diagnose.gateway`` fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Fetched:
    """One fetched payload, or why it could not be had."""

    value: Any = None
    error: str | None = None
    request: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.value is not None


NOT_APPLICABLE = Fetched(value=None, error=None, request="")
"""A slot that does not apply (e.g. the parent of an account that has none)."""


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP exchange, for the request log and the round-trip benchmark."""

    method: str
    url: str
    status: int | None
    round: int
    elapsed: float
    attempts: int = 1


@dataclass(frozen=True)
class Context:
    """Everything fetched for one subject (a message or a call)."""

    kind: Literal["message", "call"]
    sid: str
    resource: Fetched = NOT_APPLICABLE
    notifications: Fetched = NOT_APPLICABLE
    alerts: Fetched = NOT_APPLICABLE
    account: Fetched = NOT_APPLICABLE
    parent: Fetched = NOT_APPLICABLE
    messaging_permissions: Fetched = NOT_APPLICABLE
    parent_messaging_permissions: Fetched = NOT_APPLICABLE
    voice_country: Fetched = NOT_APPLICABLE
    parent_voice_country: Fetched = NOT_APPLICABLE
    voice_high_risk_prefixes: Fetched = NOT_APPLICABLE
    voice_settings: Fetched = NOT_APPLICABLE
    parent_voice_settings: Fetched = NOT_APPLICABLE
    # Whether the subaccount inherits its parent's SMS geo permissions (a bool). No API reads it (a Console
    # setting): only Twilio's answer to a change of this account's list shows it, 30648 (it inherits) or a
    # change made (it does not), as diagnose fix's audit log records them.
    messaging_inheritance: Fetched = NOT_APPLICABLE
    # The voice entry of the number probably meant, when the one sent has a wrong prefix (wrong-country-code):
    # whether correcting the number alone is enough. (SMS reads that country with the destination's.)
    suggested_voice_country: Fetched = NOT_APPLICABLE
    parent_suggested_voice_country: Fetched = NOT_APPLICABLE
    requests: tuple[RequestRecord, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
