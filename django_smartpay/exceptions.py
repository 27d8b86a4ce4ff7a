"""Public exceptions of django_smartpay.

The Smartpay API errors live in :mod:`django_smartpay.client.errors` (which must not
import Django) and are re-exported here.  Configuration errors are deliberately
outside the :class:`SmartpayError` tree: they are programming errors, not API outcomes.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .client.errors import (
    SmartpayAuthenticationError,
    SmartpayConflictError,
    SmartpayConnectionError,
    SmartpayError,
    SmartpayInvalidRequestError,
    SmartpayNotFoundError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayTimeoutError,
    SmartpayValidationError,
    WebhookSignatureError,
)


class SmartpayConfigurationError(ImproperlyConfigured):
    """A ``SMARTPAY`` setting is missing or invalid; the message names the exact key.

    ``setting`` is that key (``"WEBHOOK_TOLERANCE"``), ``check_id`` the system check that
    reports the same problem (``"smartpay.E010"``), ``hint`` how to fix it.  The message
    never quotes the refused value, which may be a secret.
    """

    def __init__(
        self,
        message: str,
        *,
        setting: str | None = None,
        check_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.setting = setting
        self.check_id = check_id
        self.hint = hint


__all__ = [
    "SmartpayAuthenticationError",
    "SmartpayConfigurationError",
    "SmartpayConflictError",
    "SmartpayConnectionError",
    "SmartpayError",
    "SmartpayInvalidRequestError",
    "SmartpayNotFoundError",
    "SmartpayRateLimitError",
    "SmartpayServerError",
    "SmartpayTimeoutError",
    "SmartpayValidationError",
    "WebhookSignatureError",
]
