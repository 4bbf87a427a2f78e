"""The gateway's ``Version``: the SDK's API version, handed the answer the transport has already decoded.

``GatewayHttpClient`` checks each successful answer as it arrives (one JSON object, within the size cap and
nesting Python can read) and keeps the object it decoded on the response (:class:`~._http.DecodedResponse`).
The SDK's ``Version`` would parse the same text again in its ``_parse_*`` methods, the hooks it gives its
generated resources; here they return the kept object. Anything else (an error status, a 3xx, an empty
body, a response from another client) goes to the SDK's own method, so a refusal is still the SDK's
``TwilioRestException`` or ``TwilioServiceException`` with its code, status and message.

Imported when the first request is made, not with the gateway (``twilio.base.version`` is start-up time).
"""

from __future__ import annotations

from typing import Any

from twilio.base.version import Version
from twilio.http.response import Response

from ._http import DecodedResponse


def _decoded(response: Response) -> dict[str, Any] | None:
    if isinstance(response, DecodedResponse) and 200 <= response.status_code < 300:
        return response.payload
    return None


class GatewayVersion(Version):
    """``Version`` whose successful answers are the transport's decoded objects, not a second parse."""

    def _parse_fetch(self, method: str, uri: str, response: Response) -> Any:
        payload = _decoded(response)
        return payload if payload is not None else super()._parse_fetch(method, uri, response)

    def _parse_update(self, method: str, uri: str, response: Response) -> Any:
        payload = _decoded(response)
        return payload if payload is not None else super()._parse_update(method, uri, response)

    def _parse_create(self, method: str, uri: str, response: Response) -> Any:
        payload = _decoded(response)
        return payload if payload is not None else super()._parse_create(method, uri, response)

    def _parse_delete(self, method: str, uri: str, response: Response) -> Any:
        payload = _decoded(response)
        return payload if payload is not None else super()._parse_delete(method, uri, response)
