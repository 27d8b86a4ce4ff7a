"""Why a webhook request was refused: an HTTP status, a stable code and a message.

The view answers ``{"error": code, "message": message}``.  Messages say what was wrong
with the request and never contain a secret or an internal exception text.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_smartpay.client import signatures

MISSING_HEADER: Final = signatures.ERROR_MISSING_HEADER
INVALID_TIMESTAMP: Final = signatures.ERROR_INVALID_TIMESTAMP
INVALID_SIGNATURE: Final = signatures.ERROR_INVALID_SIGNATURE
STALE_TIMESTAMP: Final = signatures.ERROR_STALE_TIMESTAMP
FUTURE_TIMESTAMP: Final = signatures.ERROR_FUTURE_TIMESTAMP
INVALID_HEADER: Final = "webhook.invalid-header"
UNKNOWN_SUBSCRIPTION: Final = "webhook.unknown-subscription"
BODY_TOO_LARGE: Final = "webhook.body-too-large"
UNREADABLE_BODY: Final = "webhook.unreadable-body"
MALFORMED_JSON: Final = "webhook.malformed-json"
MALFORMED_EVENT: Final = "webhook.malformed-event"
EVENT_ID_MISMATCH: Final = "webhook.event-id-mismatch"
EVENT_ID_REUSED: Final = "webhook.event-id-reused"
METHOD_NOT_ALLOWED: Final = "webhook.method-not-allowed"
PROCESSING_FAILED: Final = "webhook.processing-failed"
MISCONFIGURED: Final = "webhook.misconfigured"

#: What each signature error of :func:`~django_smartpay.client.verify_webhook` means to a sender.
SIGNATURE_MESSAGES: Final[dict[str, Promise]] = {
    MISSING_HEADER: _("A Smartpay signature header is missing."),
    INVALID_TIMESTAMP: _("Smartpay-Signature-Timestamp must be milliseconds since the epoch."),
    INVALID_SIGNATURE: _("Smartpay-Signature does not match the body for any configured signing secret."),
    STALE_TIMESTAMP: _("Smartpay-Signature-Timestamp is older than the accepted tolerance."),
    FUTURE_TIMESTAMP: _("Smartpay-Signature-Timestamp is further in the future than the accepted tolerance."),
}


class WebhookRequestError(Exception):
    """A delivery refused before anything was applied (answered with ``status``)."""

    def __init__(self, status: int, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message

    def as_json(self) -> dict[str, str]:
        return {"error": self.code, "message": str(self.message)}


class MalformedEvent(WebhookRequestError):
    """A correctly signed body that is not a Smartpay event (recorded on the event row)."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(400, code, message)
