"""The fix-action vocabulary: the names a knowledge fix step may give as ``action``.

A fix step with an ``action`` tells ``diagnose fix`` what the step does, as
data: the knowledge names the action, and :mod:`diagnose.fixes` maps each name
to one Twilio API operation (or, for ``console-only`` and ``no-change``, to none). The engine
never decides by itself what a cause's fix is. ``schema.json`` lists the same
names (a test keeps them equal), and the linter refuses any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Product = Literal["sms", "voice"]
Target = Literal["account", "parent", "governing"]


@dataclass(frozen=True)
class ActionSpec:
    """One action of the vocabulary."""

    name: str
    product: Product | None  # the product whose permissions it changes; None for console-only, no-change
    writes: bool  # False: the tool prints the step and never calls the API
    request: str  # the request it sends, as documentation
    description: str


ACTIONS: Mapping[str, ActionSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            ActionSpec(
                "enable-messaging-country",
                "sms",
                True,
                "PATCH https://accounts.twilio.com/v1/Messaging/GeoPermissions",
                "Enable the country in the Messaging geo permissions of the target account "
                '(form field Permissions={"country_code": "FR", "type": "country", "enabled": true}, '
                "sent with the target account's own credentials).",
            ),
            ActionSpec(
                "enable-voice-country",
                "voice",
                True,
                "POST https://voice.twilio.com/v1/DialingPermissions/BulkCountryUpdates",
                "Enable low-risk numbers for the country in the target account's voice dialing "
                "permissions (form field UpdateRequest; the high-risk groups keep their current values).",
            ),
            ActionSpec(
                "set-voice-inheritance",
                "voice",
                True,
                "POST https://voice.twilio.com/v1/Settings",
                "Turn dialing_permissions_inheritance on for the target subaccount "
                "(DialingPermissionsInheritance=true), so that it uses its parent's dialing permissions.",
            ),
            ActionSpec(
                "console-only",
                None,
                False,
                "",
                "Only the Console can do this step (a high-risk country, a Console setting): the tool "
                "prints the step with its Console path and never calls the API for it.",
            ),
            ActionSpec(
                "no-change",
                None,
                False,
                "",
                "Nothing on any account fixes it (Twilio does not carry the traffic or blocks the range, or the "
                "permission is on already and the failed ones need resending): the tool prints the step and never "
                "calls the API; `diagnose scan` ranks the cause's failures as needing no change (`none`).",
            ),
        )
    }
)
"""Every action, by name."""

TARGETS: tuple[Target, ...] = ("account", "parent", "governing")
"""Which account an action changes; ``account`` when a step gives no ``target``."""

PRODUCT_CHANNELS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"sms": frozenset({"sms", "mms", "whatsapp", "rcs"}), "voice": frozenset({"voice", "sip"})}
)
"""The knowledge ``channels`` each product's actions belong to (the linter checks the match)."""
