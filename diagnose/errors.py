"""One exception tree. Only ``cli/exit_codes.py`` turns these into exit codes."""

from __future__ import annotations


class DiagnoseError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(DiagnoseError):
    """The user's input (a SID, a code, a file) cannot be used."""


class KnowledgeError(DiagnoseError):
    """A knowledge file is invalid; carries the file, line and key."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None, key: str = "") -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        where = path + (f":{line}" if line else "")
        prefix = f"{where}: " if where else ""
        suffix = f" (at {key})" if key else ""
        super().__init__(f"{prefix}{message}{suffix}")


class TwilioAccessError(DiagnoseError):
    """Twilio could not be asked, or refused to answer.

    ``request`` is the request line ("GET url"; "" when nothing was sent),
    ``status`` the HTTP status and ``code`` the Twilio error code (None when
    there was no answer), ``reason`` one line for a report (the message when
    not given).
    """

    def __init__(
        self,
        message: str,
        *,
        request: str = "",
        reason: str = "",
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.request = request
        self.reason = reason or message
        self.status = status
        self.code = code


class CredentialsError(TwilioAccessError):
    """No credentials were given, or Twilio rejected them (20003)."""


class MissingCredentialsError(CredentialsError, InputError):
    """No usable credentials are configured; nothing was sent (a usage error, exit 2)."""


class UnreachableError(TwilioAccessError):
    """The API did not answer within the time allowed."""


class NotFoundError(TwilioAccessError):
    """The SID exists under no account the credentials can reach."""


class WorkerDiedError(DiagnoseError):
    """A worker process died before it handed back its part of the work (the out-of-memory killer,
    ``kill -9``): what came back before it is all there is."""


class RenderError(DiagnoseError):
    """A report or runbook could not be rendered."""


def reason_of(err: BaseException) -> str:
    """The one-line reason of an error: a gateway error's ``reason``, else its message or its type."""
    if isinstance(err, TwilioAccessError) and err.reason:
        return err.reason
    return str(err) or type(err).__name__
