"""The boundary: twilio and requests exceptions become :mod:`diagnose.errors`.

Every exception the gateway raises is a :class:`~diagnose.errors.TwilioAccessError`,
whose declared fields say ``request`` ("GET url"), ``status`` (HTTP status or
None), ``code`` (Twilio error code or None) and ``reason`` (one line, for a
``Fetched.error`` or a message).
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from urllib3.exceptions import MaxRetryError, ProtocolError

from ..errors import CredentialsError, NotFoundError, TwilioAccessError, UnreachableError, reason_of
from ._credentials import HOW_TO_PROVIDE
from ._http import DeadlineExceeded, HostDown, NotTwilio, RetriesExhausted, UnusableAnswer, connect_failure

T = TypeVar("T")


class ApiError(TwilioAccessError):
    """Twilio answered with an error other than 401 or 404 (403, 400, or 429/5xx after retries)."""


class AccountAccessError(TwilioAccessError):
    """The gateway has no credentials that can act as this account (a ``/v1`` API needs its own)."""


__all__ = ["AccountAccessError", "ApiError", "map_exception", "mapped", "reason_of", "server_text"]


def _twilio_message(exc: TwilioRestException | TwilioServiceException) -> str:
    """The message the server's answer gave, with any secret in it redacted (see :func:`server_text`)."""
    if isinstance(exc, TwilioServiceException):
        return server_text(exc.detail or exc.title or "")
    text = str(exc.msg or "")
    for prefix in ("Unable to fetch record: ", "Unable to update record: ", "Unable to create record: "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return "" if text.startswith("Unable to ") else server_text(text)


def server_text(text: str) -> str:
    """Text from a server's answer without secrets: a gateway may echo the request's ``Authorization``
    header or a token. Redacted here, where it enters, because a report wraps its lines before the
    command redacts its output, and a header cut in two would no longer be seen as one."""
    from ..paste._redact import redact_secrets

    return redact_secrets(text)


def map_exception(
    exc: BaseException, request: str, *, who: str = "", timeouts: tuple[float, float] | None = None
) -> TwilioAccessError:
    """The :class:`TwilioAccessError` for ``exc``, raised by the SDK or requests for ``request``."""
    if isinstance(exc, TwilioAccessError):
        return exc
    if isinstance(exc, RetriesExhausted | NotTwilio):
        return ApiError(
            f"{request}: {exc.reason}", request=request, reason=exc.reason, status=exc.status, code=exc.code
        )
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status) if exc.status is not None else None
        code = exc.code if isinstance(exc.code, int) and exc.code != status else None
        message = _twilio_message(exc)
        head = f"HTTP {status}" + (f", code {code}" if code else "")
        reason = f'{head} "{message}"' if message else head
        if status == 401 or code == 20003:
            text = f"the credentials were rejected ({who or 'as given'}): {request} answered {reason}. {HOW_TO_PROVIDE}"
            rejected = f"the credentials were rejected ({reason})"
            return CredentialsError(text, request=request, reason=rejected, status=status, code=code)
        if status == 404:
            return NotFoundError(f"{request}: {reason}", request=request, reason=reason, status=status, code=code)
        return ApiError(f"{request}: {reason}", request=request, reason=reason, status=status, code=code)
    if isinstance(exc, UnusableAnswer):
        return ApiError(f"{request}: {exc}", request=request, reason=str(exc))
    if isinstance(exc, requests.exceptions.RequestException):
        # The message says what failed (the request), as whom, and what to do: it is often the whole output.
        by = f" (with the {who})" if who else ""
        if isinstance(exc, HostDown):
            first = map_exception(exc.cause, exc.first_request, who=who, timeouts=timeouts)
            reason = f"not tried after {exc.first_request} failed: {first.reason}"
            todo = _what_to_do(exc.cause, timeouts)
        else:
            reason, todo = _unreached(exc, request, timeouts), _what_to_do(exc, timeouts)
        return UnreachableError(f"{request}{by}: {reason}. {todo}", request=request, reason=reason)
    if isinstance(exc, ValueError | TwilioException):  # a 2xx answer that is not JSON, a bad page
        reason = f"the answer could not be read ({type(exc).__name__}: {exc})"
        return ApiError(f"{request}: {reason}", request=request, reason=reason)
    raise exc


def _unreached(exc: requests.exceptions.RequestException, request: str, timeouts: tuple[float, float] | None) -> str:
    """Why no answer came, in one line (a ``Fetched.error``)."""
    host = _host(exc, request)
    failure = connect_failure(exc)
    if isinstance(exc, DeadlineExceeded):
        return f"{host} {exc}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        within = f"{timeouts[0]:g} s" if timeouts else "the connect timeout"
        return f"no connection to {host} within {within}"
    if isinstance(exc, requests.exceptions.Timeout):
        within = f"{timeouts[1]:g} s" if timeouts else "the read timeout"
        return f"{host} did not answer within {within}"
    if failure is not None:
        detail = str(failure).split(": ", 1)[-1] if ": " in str(failure) else str(failure)
        return f"could not connect to {host} ({detail})"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"the TLS handshake with {host} failed ({_tls_detail(exc)})"
    lost = _lost(exc)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"{host} cut its answer short ({lost or 'the connection closed before the end'})"
    if lost is not None:
        return f"{host} dropped the connection without an answer ({lost})"
    return f"the connection to {host} failed ({type(exc).__name__})"


def _tls_detail(exc: requests.exceptions.SSLError) -> str:
    """The TLS library's own words (``[SSL: WRONG_VERSION_NUMBER] wrong version number``), not the wrappers'."""
    inner: object = exc.args[0] if exc.args else exc
    for _ in range(4):  # requests' SSLError > urllib3's MaxRetryError > SSLError > ssl.SSLError
        inner = getattr(inner, "reason", None) or (inner.args[0] if getattr(inner, "args", None) else inner)
        if isinstance(inner, ssl.SSLError):
            break
    words = str(inner.args[1] if isinstance(inner, ssl.SSLError) and len(inner.args) > 1 else inner)
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", words)[:200]


def _lost(exc: requests.exceptions.RequestException) -> str | None:
    """What ended a connection made and then dropped (a reset, a close before the answer), or None."""
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    gone = requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    if not isinstance(exc, gone) or not isinstance(inner, ProtocolError):
        return None
    cause = inner.args[-1] if len(inner.args) > 1 else inner
    return str(cause) or type(cause).__name__


def _what_to_do(exc: BaseException, timeouts: tuple[float, float] | None) -> str:
    """The next step for a request that got no answer: the network, and the time allowed or the address."""
    if isinstance(exc, RetriesExhausted) and exc.status == 429:
        return (
            "Twilio answered every attempt with 429 Too Many Requests: the account's other traffic is using its "
            "share of concurrent requests; try again later (audit, scan, fix: or lower --concurrency)"
        )
    if isinstance(exc, RetriesExhausted):
        return (
            "Twilio, or a proxy on the way, answered every attempt with a server error: try again later "
            "(https://status.twilio.com), or check --api-url or DIAGNOSE_API_URL if one is set"
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "Check --api-url or DIAGNOSE_API_URL (https:// to a server that speaks http?), or, behind a proxy that "
            "inspects HTTPS, give its CA certificate in REQUESTS_CA_BUNDLE"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        now = f" (it was {max(timeouts):g} s)" if timeouts else ""
        return f"Check the network connection to Twilio, or allow more time with --timeout{now}"
    return (
        "Check the network connection to Twilio (a firewall or proxy: HTTPS_PROXY), and --api-url or "
        "DIAGNOSE_API_URL if one is set"
    )


def _host(exc: requests.exceptions.RequestException, request: str) -> str:
    """``host:port`` of the failed request: never the user name or password an ``--api-url`` may carry."""
    url = getattr(getattr(exc, "request", None), "url", None) or request.split(" ", 1)[-1]
    netloc = urlsplit(url).netloc or url
    return netloc.rpartition("@")[2]


def mapped(
    request: str | Callable[[], str],
    call: Callable[[], T],
    *,
    who: str = "",
    timeouts: tuple[float, float] | None = None,
) -> T:
    """Run ``call``; a twilio/requests exception comes out as a :class:`TwilioAccessError`.

    ``request`` may be a callable that makes the line: only a failure needs it, so a read that succeeds
    (nearly all of an audit's thousands) does not encode its query for nothing.
    """
    try:
        return call()
    except (TwilioException, requests.exceptions.RequestException, ValueError) as exc:
        line = request if isinstance(request, str) else request()
        raise map_exception(exc, line, who=who, timeouts=timeouts) from exc
