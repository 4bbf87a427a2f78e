"""Fault rules: make matching requests fail or slow down, forever or a number of times."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Twilio's codes for the HTTP statuses a fault usually injects.
STATUS_CODES: dict[int, tuple[int, str]] = {
    400: (20422, "Invalid Parameter"),
    401: (20003, "Authenticate"),
    403: (20403, "403 Forbidden"),
    404: (20404, "Not Found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service unavailable"),
}

_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "*")


def parse_match(match: str) -> tuple[str, re.Pattern[str]]:
    """``"GET /v1/Alerts"`` → (``"GET"``, regex). A match without a method (or with ``*``) takes any method.

    The regex is searched in the request path (no query string); anchor it with
    ``^``/``$`` to match a whole path.
    """
    text = match.strip()
    method, _, rest = text.partition(" ")
    if method.upper() in _METHODS and rest.strip():
        method, pattern = method.upper(), rest.strip()
    else:
        method, pattern = "*", text
    if not pattern:
        raise ValueError("a fault needs a path pattern, e.g. 'GET /v1/Messaging/GeoPermissions'")
    try:
        return method, re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None


@dataclass
class Fault:
    """One fault rule.

    ``status`` answers matching requests with that HTTP status and a Twilio
    error body (``code``/``message`` override the defaults); ``delay_ms`` waits
    before answering (with the fault's status, or normally when there is none);
    ``retry_after`` adds a ``Retry-After`` header (seconds); ``times`` limits how
    many matching requests the fault affects (``None`` = every one). ``hits``
    counts the requests it has affected so far. ``rate`` (0 < rate ≤ 1) affects
    only that share of matching requests, spread evenly and deterministically
    (0.01: the 100th, 200th, … match); ``seen`` counts the matches.
    ``unapplied`` answers a write as usual but keeps the permissions as they were:
    a change Twilio accepted that a read right after does not show.
    """

    match: str
    status: int | None = None
    delay_ms: int = 0
    retry_after: float | None = None
    times: int | None = None
    code: int | None = None
    message: str | None = None
    hits: int = field(default=0, compare=False)
    rate: float | None = None
    seen: int = field(default=0, compare=False)
    unapplied: bool = False

    def __post_init__(self) -> None:
        self.method, self.pattern = parse_match(self.match)
        if self.rate is not None and not 0 < self.rate <= 1:
            raise ValueError(f"rate must be in (0, 1], got {self.rate!r}")

    def sampled(self) -> bool:
        """Count one matching request; whether ``rate`` selects it (always, without a rate)."""
        if self.rate is None:
            return True
        self.seen += 1
        return int(self.seen * self.rate) > int((self.seen - 1) * self.rate)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method.upper()) and self.pattern.search(path) is not None

    def error_body(self, path: str) -> dict:
        """The Twilio error document this fault answers with."""
        assert self.status is not None
        code, message = STATUS_CODES.get(self.status, (self.status, "Simulated failure"))
        code = self.code or code
        return {
            "code": code,
            "message": self.message or message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": self.status,
        }

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        seconds = self.retry_after
        return {"Retry-After": str(int(seconds)) if float(seconds).is_integer() else str(seconds)}
