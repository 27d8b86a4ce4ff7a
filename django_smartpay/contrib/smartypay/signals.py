"""``smartypayment_status_changed``: sent after the transaction that changed a payment's status commits.

``sender=SmartyPayment``, ``instance`` (the row as written), ``old_status`` (``None`` the
first time a payment is seen), ``new_status``.  Receivers are isolated (``send_robust``;
a failing receiver is logged).  SmartyPay documents no webhooks: a status change is learnt
when the payment is synced (``refresh_payment``, ``sync_by_id``, ``smartypay_sync``).
"""

from django.dispatch import Signal

smartypayment_status_changed = Signal()

__all__ = ["smartypayment_status_changed"]
