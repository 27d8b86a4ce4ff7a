"""Signals sent by :mod:`django_smartpay.sync` when local state really changes.

Every signal is sent after the transaction that wrote the row commits
(``transaction.on_commit``), never for a replayed or older copy of an object, and
at most once per change.  ``sender`` is the model class; ``instance`` is the
local row as written.

``order_status_changed``
    ``sender=Order``, ``instance``, ``old_status``, ``new_status``.  ``old_status``
    is ``None`` the first time an order is seen, so a receiver waiting for
    ``"succeeded"`` also hears about orders that arrive already succeeded.
``token_status_changed``
    ``sender=Token``, ``instance``, ``old_status``, ``new_status``; same rule.
``payment_created``
    ``sender=Payment``, ``instance``: a capture was seen for the first time.
``refund_created``
    ``sender=Refund``, ``instance``: a refund was seen for the first time.
"""

from django.dispatch import Signal

order_status_changed = Signal()
token_status_changed = Signal()
payment_created = Signal()
refund_created = Signal()

__all__ = ["order_status_changed", "payment_created", "refund_created", "token_status_changed"]
