"""Credentials: read from a mapping of environment variables, never from ``os.environ`` directly.

The variables are the ones the Twilio CLI reads: ``TWILIO_ACCOUNT_SID`` with
``TWILIO_AUTH_TOKEN``, or ``TWILIO_API_KEY`` + ``TWILIO_API_SECRET`` with
``TWILIO_ACCOUNT_SID``. No ``twilio`` import here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import MissingCredentialsError
from ..evidence import twilio_form

_ACCOUNT = re.compile(r"^AC[0-9a-f]{32}$")  # Twilio's SIDs: two letters, 32 lower-case hex digits
_KEY = re.compile(r"^SK[0-9a-f]{32}$")


def _not_a_sid(name: str, value: str, prefix: str, what: str) -> str:
    """Why ``value`` of variable ``name`` is no ``prefix`` SID, and what to set instead (never more of it than
    its first six characters: a token pasted into the wrong variable stays unseen)."""
    if value[:2].upper() in ("AC", "SK") and value[:2].upper() != prefix:
        other = "TWILIO_ACCOUNT_SID" if value[:2].upper() == "AC" else "TWILIO_API_KEY"
        why = f"that is {'an account SID' if other == 'TWILIO_ACCOUNT_SID' else 'an API key SID'}: it goes in {other}"
    elif len(value) != 34:
        why = f"it is {len(value)} characters long, where a SID is 34: copy it again whole"
    else:
        why = "copy it again from the Console"
    return f"{name}={value[:6]}… is not {what} ({prefix} followed by 32 hex digits): {why}. {HOW_TO_PROVIDE}"


HOW_TO_PROVIDE = (
    "Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Console → Account → API keys & tokens), "
    "or TWILIO_API_KEY and TWILIO_API_SECRET together with TWILIO_ACCOUNT_SID: the variables the "
    "Twilio CLI uses. To try the tool without an account, run `diagnose demo`, or start "
    "`diagnose simulator` and export the variables it prints."
)


@dataclass(frozen=True)
class Credentials:
    """One set of credentials: who authenticates, and for which account.

    ``username`` is the account SID (auth token) or the API key SID (SK…);
    ``account_sid`` is the account the credentials act on, which is the
    account every ``/v1`` API answers for.
    """

    account_sid: str
    username: str
    password: str = field(repr=False)
    kind: Literal["auth_token", "api_key"] = "auth_token"
    region: str | None = None
    edge: str | None = None

    @property
    def is_api_key(self) -> bool:
        return self.kind == "api_key"

    def for_account(self, account_sid: str, auth_token: str) -> Credentials:
        """The credentials of another account (a subaccount) from its auth token."""
        return Credentials(account_sid, account_sid, auth_token, "auth_token", self.region, self.edge)

    def describe(self) -> str:
        """Who these are, without the secret."""
        if self.is_api_key:
            return f"API key {self.username} of {self.account_sid}"
        return f"auth token of {self.account_sid}"


def sendable(secret: str) -> bool:
    """Whether ``secret`` can go in a Basic ``Authorization`` header (requests encodes it as Latin-1)."""
    try:
        secret.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _get(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def credentials_from_env(env: Mapping[str, str]) -> Credentials:
    """Credentials from ``env`` (pass ``os.environ``), or :class:`MissingCredentialsError` saying how to set them.

    When both an auth token and an API key are set, the auth token wins: it can
    read the Accounts resource, which a standard API key cannot, so the parent
    and subaccount can be compared.
    """
    # a SID in another case (a secrets store or a shell script that upper-cased it: AC15BF…, ac15bf…) is the same
    # SID, taken in Twilio's form: the one Twilio issued, authenticates and answers for
    account = twilio_form(_get(env, "TWILIO_ACCOUNT_SID"))
    token = _get(env, "TWILIO_AUTH_TOKEN")
    key = twilio_form(_get(env, "TWILIO_API_KEY"))
    secret = _get(env, "TWILIO_API_SECRET")
    region = _get(env, "TWILIO_REGION") or None
    edge = _get(env, "TWILIO_EDGE") or None

    if not (account or token or key or secret):
        raise MissingCredentialsError(f"no Twilio credentials were found. {HOW_TO_PROVIDE}")
    for name, value in (("TWILIO_AUTH_TOKEN", token), ("TWILIO_API_SECRET", secret)):
        if not sendable(value):
            # The value is a secret: say what is wrong with it, never what it is.
            raise MissingCredentialsError(
                f"{name} contains characters that cannot be sent in an HTTP header (only Latin-1 can; "
                f"Twilio's tokens and secrets are plain letters and digits): nothing was sent. {HOW_TO_PROVIDE}"
            )
    if account and not _ACCOUNT.match(account):
        raise MissingCredentialsError(_not_a_sid("TWILIO_ACCOUNT_SID", account, "AC", "an account SID"))
    if account and token:
        return Credentials(account, account, token, "auth_token", region, edge)
    if key or secret:
        missing = [
            name
            for name, value in (("TWILIO_API_KEY", key), ("TWILIO_API_SECRET", secret), ("TWILIO_ACCOUNT_SID", account))
            if not value
        ]
        if missing:
            raise MissingCredentialsError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. {HOW_TO_PROVIDE}"
            )
        if not _KEY.match(key):
            raise MissingCredentialsError(_not_a_sid("TWILIO_API_KEY", key, "SK", "an API key SID"))
        return Credentials(account, key, secret, "api_key", region, edge)
    missing_name = "TWILIO_AUTH_TOKEN" if account else "TWILIO_ACCOUNT_SID"
    raise MissingCredentialsError(f"{missing_name} is not set. {HOW_TO_PROVIDE}")
