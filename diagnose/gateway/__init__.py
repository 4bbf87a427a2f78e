"""The gateway: the only package that talks to Twilio (and the only one that imports ``twilio``).

Other modules import it lazily, inside the functions that go online::

    from diagnose.gateway import TwilioAccess, credentials_from_env, fetch_context

    with TwilioAccess(credentials_from_env(os.environ), api_url=None) as access:
        context = fetch_context("SM…", access, account=None)

:class:`TwilioAccess` holds the credentials, ``--api-url``, timeouts, retries
and a bounded thread pool; its methods return Twilio's wire format and raise
only :mod:`diagnose.errors`. :func:`fetch_context` assembles the
:class:`~diagnose.context.Context` of one message or call. See
``docs/twilio-access.md``.
"""

from __future__ import annotations

from ._access import AlertSearch, Outcome, TwilioAccess, request_line
from ._credentials import Credentials, credentials_from_env
from ._errors import AccountAccessError, ApiError
from ._http import (
    GatewayHttpClient,
    HostFailures,
    RequestLog,
    RetryPolicy,
    check_api_url,
    parse_retry_after,
    rewrite_url,
)
from ._reads import ReadCache, fetch_context, fetch_contexts, problem_error, run_reads, stopped_hosts

__all__ = [
    "AccountAccessError",
    "AlertSearch",
    "ApiError",
    "Credentials",
    "GatewayHttpClient",
    "HostFailures",
    "Outcome",
    "ReadCache",
    "RequestLog",
    "RetryPolicy",
    "TwilioAccess",
    "check_api_url",
    "credentials_from_env",
    "fetch_context",
    "fetch_contexts",
    "parse_retry_after",
    "problem_error",
    "request_line",
    "rewrite_url",
    "run_reads",
    "stopped_hosts",
]
