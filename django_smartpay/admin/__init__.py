"""The Django admin for support staff.

One module per resource group registers its admins and actions; the shared
pieces are :mod:`.display` (amounts, links, JSON), :mod:`.forms` (the
confirmation forms) and :mod:`.confirm` (permissioned, confirmed, idempotent
actions).  Mirrored rows are read-only: every change goes to Smartpay through an
action calling :mod:`django_smartpay.services`.
"""

from . import charges, discounts, orders, tokens, webhooks
from .base import ReadOnlyAdmin, SmartpayObjectAdmin, sync_from_smartpay
from .confirm import ActionSpec, confirmed_action, permission_check

__all__ = [
    "ActionSpec",
    "ReadOnlyAdmin",
    "SmartpayObjectAdmin",
    "charges",
    "confirmed_action",
    "discounts",
    "orders",
    "permission_check",
    "sync_from_smartpay",
    "tokens",
    "webhooks",
]
