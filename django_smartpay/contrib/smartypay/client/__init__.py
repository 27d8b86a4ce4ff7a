"""A typed SmartyPay Payments client (no Django import).

Usage::

    from decimal import Decimal
    from django_smartpay.contrib.smartypay.client import Money, SmartyPayClient

    with SmartyPayClient(api_key, secret, merchant_id="RgFw2p65CQn3pE8uriL53d") as client:
        payment = client.create_payment(Money(Decimal("15"), "bUSDT"), description="Order 1002")
        payment = client.get_payment(payment.id)
        for payment in client.iter_payments(status_in=["Created", "InProgress"]):
            ...
"""

from .client import (
    DEFAULT_BASE_URL,
    REFERENCE_KEY,
    SIMULATOR_ORIGIN,
    ReferenceSearch,
    SmartyPayClient,
    new_reference,
)
from .errors import *  # noqa: F403 - every name of errors.__all__
from .errors import __all__ as _error_names
from .wire import CREATED, EXPIRED, IN_PROGRESS, STATUSES, SUCCEEDED, Money, Payment, PaymentPage

__all__ = [
    *_error_names,
    "CREATED",
    "DEFAULT_BASE_URL",
    "EXPIRED",
    "IN_PROGRESS",
    "REFERENCE_KEY",
    "SIMULATOR_ORIGIN",
    "STATUSES",
    "SUCCEEDED",
    "Money",
    "Payment",
    "PaymentPage",
    "ReferenceSearch",
    "SmartyPayClient",
    "new_reference",
]
