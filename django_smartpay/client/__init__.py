"""A typed, pure-Python client of the Smartpay API (no Django import).

Usage::

    from django_smartpay.client import SmartpayClient

    with SmartpayClient(secret_key) as client:
        session = client.create_checkout_session(currency="JPY", items=[...], ...)
        order = client.get_order(session["order"]["id"])

Errors are :class:`SmartpayError` subclasses (a local :class:`SmartpayValidationError` names
each problem by a stable code of :data:`PROBLEM_CODES`); enum values are module constants (and
attributes of :class:`SmartpayClient`); webhook deliveries are checked with
:func:`verify_webhook`.
"""

from . import constants
from .client import SmartpayClient
from .constants import *  # noqa: F403 - every name of constants.__all__
from .errors import (
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
from .pagination import paginate
from .problems import PROBLEM_CODES, Problem
from .resources.checkout_sessions import get_session_url
from .signatures import (
    DEFAULT_TOLERANCE,
    calculate_webhook_signature,
    verify_webhook,
    verify_webhook_signature,
)
from .transport import new_idempotency_key

__all__ = [
    *constants.__all__,
    "DEFAULT_TOLERANCE",
    "PROBLEM_CODES",
    "Problem",
    "SmartpayAuthenticationError",
    "SmartpayClient",
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
    "calculate_webhook_signature",
    "get_session_url",
    "new_idempotency_key",
    "paginate",
    "verify_webhook",
    "verify_webhook_signature",
]
