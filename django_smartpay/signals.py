"""Signals sent by :mod:`django_smartpay.sync` when local state really changes.

Every signal is sent after the transaction that wrote the row commits
(``transaction.on_commit``), never for a replayed or older copy of an object, and
at most once per change.  ``sender`` is the model class; ``instance`` is the
local row as written.

``order_status_changed``
    ``sender=Order``, ``instance``, ``old_status``, ``new_status``.  ``old_status``
    is ``None`` the first time an order is seen, so a receiver waiting for
    ``"succeeded"`` also hears about orders that arrive already succeeded.  An order
    whose captures reach its amount becomes ``"succeeded"`` as soon as they are synced,
    whatever the order its events arrive in (once: a later copy saying so is no change).
``token_status_changed``
    ``sender=Token``, ``instance``, ``old_status``, ``new_status``; same rule.
``payment_created``
    ``sender=Payment``, ``instance``: a capture was seen for the first time.
``refund_created``
    ``sender=Refund``, ``instance``: a refund was seen for the first time.

Webhook signals, sent by :mod:`django_smartpay.webhooks` after the transaction that
recorded the event commits (receivers are isolated: ``send_robust``, errors logged, so
a failing receiver never turns a delivery into an error).  ``event`` is the
:class:`~django_smartpay.models.WebhookEvent` row.

``webhook_received``
    ``sender=WebhookEvent``, ``event``: a delivery passed verification and its event
    was stored for the first time (once per event id, whatever its outcome:
    processed, ignored, failed or queued).
``webhook_processed``
    ``sender=WebhookEvent``, ``event``, ``event_type``, ``obj``: the event was applied
    to the local tables.  ``obj`` is the local row of the event's object as it is
    after applying (an event older than the stored state leaves it unchanged).  Sent
    once per event: a redelivery of a processed event sends nothing.  This is the
    signal to react to webhooks with; the object-level signals above are sent too,
    before it, when the event changed something.
``webhook_failed``
    ``sender=WebhookEvent``, ``event``, ``exception``: applying the event failed (or
    its body was malformed); the error is recorded on the row and Smartpay is told
    to retry (HTTP 500; 400 for a malformed body).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger("django_smartpay.signals")

order_status_changed = Signal()
token_status_changed = Signal()
payment_created = Signal()
refund_created = Signal()

__all__ = ["order_status_changed", "payment_created", "refund_created", "token_status_changed"]

webhook_received = Signal()
webhook_processed = Signal()
webhook_failed = Signal()

__all__ += ["webhook_failed", "webhook_processed", "webhook_received"]

# Token charge signals, sent by :mod:`django_smartpay.charging` after the transaction that
# settled the charge commits; once per charge; receivers are isolated (``send_robust``,
# errors logged).  ``instance`` is the :class:`~django_smartpay.models.TokenCharge` as
# committed.
#
# ``charge_succeeded``
#     ``sender=TokenCharge``, ``instance``: Smartpay authorized the charge's order
#     (``instance.order_id``; the order is ``succeeded``, or ``requires_capture`` with
#     manual capture).
# ``charge_failed``
#     ``sender=TokenCharge``, ``instance``: the charge ended and nothing was charged.
#     ``instance.status`` is ``rejected`` (Smartpay declined the order) or ``failed``;
#     ``instance.error_code`` says why: Smartpay's code (``token.not-found``,
#     ``token.invalid``, ``request.invalid`` …), ``token.disabled`` / ``token.deleted`` /
#     ``token.rejected`` for a charge never sent because its token stopped being usable,
#     or ``charge.no-order`` when reconciliation found no order after the key's window.
charge_succeeded = Signal()
charge_failed = Signal()

__all__ += ["charge_failed", "charge_succeeded"]

# Schedule signal, sent by :mod:`django_smartpay.charging` after the transaction that
# changed a :class:`~django_smartpay.models.ChargeSchedule`'s status commits (receivers
# isolated, errors logged).
#
# ``schedule_status_changed``
#     ``sender=ChargeSchedule``, ``instance`` (as committed), ``old_status``,
#     ``new_status``, ``reason``.  Statuses: ``active``, ``paused``, ``canceled``,
#     ``completed``, ``past_due`` (a period's charge was declined or failed; retries
#     planned), ``unpaid`` (retries ran out or staff gave up).  ``reason`` is a short
#     code: the failed charge's ``error_code`` (``order.rejected``,
#     ``order.soft-declined``, ``charge.no-order``, ``token.disabled`` …) when a
#     schedule becomes ``past_due`` or paused by its token; ``charge.succeeded`` when it
#     recovers; ``dunning.exhausted`` / ``dunning.given-up`` when it becomes unpaid
#     (or paused, per ``DUNNING_FINAL_STATUS``); ``dunning.retry-now``,
#     ``token.updated``, ``schedule.resumed``, ``schedule.paused``,
#     ``schedule.canceled``, ``schedule.completed`` otherwise.
schedule_status_changed = Signal()

__all__ += ["schedule_status_changed"]


def send_robust_logged(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` now; a failing receiver is logged and does not stop the others."""
    for receiver, result in signal.send_robust(sender=sender, **kwargs):
        if isinstance(result, Exception):
            logger.error("smartpay signal receiver %r failed", receiver, exc_info=result)


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one).

    ``kwargs`` may hold a callable under the name ``lazy_kwargs``: it is called after
    the commit and its dict is merged in (to read a row only when someone listens).
    """
    lazy: Callable[[], dict[str, Any] | None] | None = kwargs.pop("lazy_kwargs", None)

    def send() -> None:
        if not signal.has_listeners(sender):
            return
        extra = lazy() if lazy is not None else {}
        if extra is None:
            return  # the row is gone: nothing to tell
        send_robust_logged(signal, sender, **kwargs, **extra)

    transaction.on_commit(send)
