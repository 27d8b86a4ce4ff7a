"""Public exceptions of django_smartpay.

The Smartpay API errors live in :mod:`django_smartpay.client.errors` (which must not
import Django) and are re-exported here.  Configuration errors are deliberately
outside the :class:`SmartpayError` tree: they are programming errors, not API outcomes.
"""

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
    """A ``SMARTPAY`` setting is missing or invalid; the message names the exact key."""


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
