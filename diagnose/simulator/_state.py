"""The mutable part of a running scenario. Every method takes one lock, so handlers may run in threads."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from diagnose.country_table import countries, voice_countries
from diagnose.simulator._model import Account, Alert, Call, Message, Scenario, VoicePermission


class State:
    """Current geo permissions, voice settings and resources of every account in a scenario.

    Reads return copies; tests may call the setters to change the world between
    requests (as a user clicking in the Console would).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._lock = threading.RLock()
        self._messaging: dict[str, dict[str, bool]] = {}
        self._voice: dict[str, dict[str, VoicePermission]] = {}
        self._inheritance: dict[str, bool] = {}
        self._sms_inheritance: dict[str, bool] = {}
        for account in scenario.accounts:
            self._messaging[account.sid] = {iso: account.messaging_enabled(iso) for iso in countries()}
            self._voice[account.sid] = {iso: account.voice_permission(iso) for iso in voice_countries()}
            self._inheritance[account.sid] = account.dialing_permissions_inheritance
            self._sms_inheritance[account.sid] = account.inherits_messaging_permissions
        self._messages: dict[str, Message] = {m.sid: m for m in scenario.messages()}
        self._calls: dict[str, Call] = {c.sid: c for c in scenario.calls()}
        self._alerts: list[Alert] = list(scenario.alerts())

    # --- accounts ---

    @contextmanager
    def unapplied(self) -> Iterator[None]:
        """Permission changes made inside are undone on leaving; no other request runs meanwhile."""
        with self._lock:
            saved = (
                {sid: dict(rows) for sid, rows in self._messaging.items()},
                {sid: dict(rows) for sid, rows in self._voice.items()},
                dict(self._inheritance),
                dict(self._sms_inheritance),
            )
            try:
                yield
            finally:
                self._messaging, self._voice, self._inheritance, self._sms_inheritance = saved

    def account(self, sid: str) -> Account | None:
        return self.scenario.account(sid)

    def can_reach(self, caller: str, target: str) -> bool:
        """Whether ``caller``'s credentials reach ``target``'s 2010-04-01 resources (itself or its subaccount)."""
        account = self.scenario.account(target)
        return account is not None and (target == caller or account.parent == caller)

    # --- messaging geo permissions ---

    def _effective_sms_account(self, account_sid: str) -> str:
        """Whose SMS list applies: the nearest ancestor for a subaccount that inherits (the simulator's model)."""
        seen = {account_sid}
        while self._sms_inheritance.get(account_sid):
            account = self.scenario.account(account_sid)
            if account is None or account.parent is None or account.parent in seen:
                break
            account_sid = account.parent
            seen.add(account_sid)
        return account_sid

    def messaging_permissions(self, account_sid: str) -> dict[str, bool]:
        """The list that applies to the account: its parent's when it inherits."""
        with self._lock:
            return dict(self._messaging[self._effective_sms_account(account_sid)])

    def own_messaging_permissions(self, account_sid: str) -> dict[str, bool]:
        """The account's own stored list, whether or not it inherits."""
        with self._lock:
            return dict(self._messaging[account_sid])

    def messaging_enabled(self, account_sid: str, iso: str) -> bool:
        with self._lock:
            return self._messaging[self._effective_sms_account(account_sid)].get(iso, False)

    def set_messaging_permission(self, account_sid: str, iso: str, enabled: bool) -> None:
        """Change the account's own list (as the Console would; it does not check inheritance)."""
        with self._lock:
            self._check(account_sid, iso)
            self._messaging[account_sid][iso] = enabled

    def messaging_inheritance(self, account_sid: str) -> bool:
        """Whether the subaccount inherits its parent's SMS geo permissions (a Console-only setting)."""
        with self._lock:
            return self._sms_inheritance[account_sid]

    def set_messaging_inheritance(self, account_sid: str, value: bool) -> None:
        """Turn SMS inheritance on or off, as the subaccount's Console settings would."""
        with self._lock:
            self._check(account_sid)
            account = self.scenario.account(account_sid)
            self._sms_inheritance[account_sid] = bool(value) and account is not None and account.parent is not None

    # --- voice dialing permissions ---

    def voice_permissions(self, account_sid: str) -> dict[str, VoicePermission]:
        with self._lock:
            return dict(self._voice[account_sid])

    def voice_permission(self, account_sid: str, iso: str) -> VoicePermission:
        with self._lock:
            return self._voice[account_sid][iso]

    def set_voice_permission(self, account_sid: str, iso: str, **toggles: bool) -> VoicePermission:
        """Change some of ``low_risk``, ``high_risk_special``, ``high_risk_tollfraud``."""
        with self._lock:
            self._check(account_sid, iso, voice=True)
            updated = dataclasses.replace(self._voice[account_sid][iso], **toggles)
            self._voice[account_sid][iso] = updated
            return updated

    def update_voice_permissions(self, account_sid: str, updates: Iterable[tuple[str, dict[str, bool]]]) -> int:
        """Apply several countries' toggles at once (all or nothing); returns how many were applied."""
        with self._lock:
            staged = {}
            for iso, toggles in updates:
                self._check(account_sid, iso, voice=True)
                staged[iso] = dataclasses.replace(staged.get(iso, self._voice[account_sid][iso]), **toggles)
            self._voice[account_sid].update(staged)
            return len(staged)

    def dialing_permissions_inheritance(self, account_sid: str) -> bool:
        with self._lock:
            return self._inheritance[account_sid]

    def set_dialing_permissions_inheritance(self, account_sid: str, value: bool) -> None:
        with self._lock:
            self._check(account_sid)
            self._inheritance[account_sid] = value

    # --- resources ---

    def message(self, sid: str) -> Message | None:
        with self._lock:
            return self._messages.get(sid)

    def add_message(self, message: Message) -> None:
        with self._lock:
            self._messages[message.sid] = message

    def messages(self, account_sid: str) -> list[Message]:
        """The account's messages, newest first (as the Messages list returns them)."""
        with self._lock:
            mine = [m for m in self._messages.values() if m.account_sid == account_sid]
        return sorted(mine, key=lambda m: m.date_created, reverse=True)

    def calls(self, account_sid: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls.values() if c.account_sid == account_sid]

    def call(self, sid: str) -> Call | None:
        with self._lock:
            return self._calls.get(sid)

    def alerts(self, account_sid: str) -> list[Alert]:
        """The account's alerts, newest first (as Monitor lists them)."""
        with self._lock:
            mine = [a for a in self._alerts if a.account_sid == account_sid]
        return sorted(mine, key=lambda a: a.date_created, reverse=True)

    def alert(self, sid: str) -> Alert | None:
        with self._lock:
            return next((a for a in self._alerts if a.sid == sid), None)

    def _check(self, account_sid: str, iso: str | None = None, *, voice: bool = False) -> None:
        if account_sid not in self._messaging:
            raise KeyError(f"no account {account_sid} in this scenario")
        if iso is not None and iso not in (voice_countries() if voice else countries()):
            raise KeyError(f"unknown {'voice dialing entry' if voice else 'country'} {iso!r}")
