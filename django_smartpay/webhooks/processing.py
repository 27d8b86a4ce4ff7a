"""What each event type does to the local tables: ``eventData.data`` through :mod:`sync`.

Every handled event carries the whole object it is about (unexpanded, spec §7.3, §11),
and :func:`django_smartpay.sync.sync_object` needs nothing more to upsert it: relations
are stored as Smartpay ids and totals are recomputed from local rows.  So applying an
event makes **no API call**, with two exceptions, where Smartpay changes a *second*
object without sending an event for it:

``payment.created``
    A capture can close its order (``requires_capture`` → ``succeeded``: a full
    capture, or ``cancelRemainder: "automatic"``), and no ``order.*`` event says so.
    When the local order is still ``requires_capture`` after the payment is stored,
    the order is fetched (``GET /orders/{id}``) and synced.  An automatic capture's
    order arrives already ``succeeded`` in ``order.authorized``: no call then.
``refund.created``
    A refund that brings the refunds of a payment to its amount turns the payment
    ``refunded``, again without an event.  When the local payment is fully refunded
    by its local refund rows but not yet ``refunded``, it is fetched
    (``GET /payments/{id}``) and synced.  Partial refunds make no call.

``token.deleted`` keeps the token row, with status ``deleted``.  Types not listed in
:data:`EVENT_OBJECTS` (``payout.*``, ``merchant_user.*``, anything new) are stored as
``ignored``.  An event older than the stored state changes nothing: sync compares
``updatedAt``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.db.models import F

from django_smartpay import conf, sync
from django_smartpay.client import constants as c
from django_smartpay.models import Order, OrderStatus, Payment, PaymentStatus, Refund, TokenStatus
from django_smartpay.sync import sync_object

#: Handled event types and the ``object`` their ``eventData.data`` must be.
EVENT_OBJECTS: dict[str, str] = {
    c.EVENT_ORDER_AUTHORIZED: "order",
    c.EVENT_ORDER_REJECTED: "order",
    c.EVENT_ORDER_CANCELED: "order",
    c.EVENT_PAYMENT_CREATED: "payment",
    c.EVENT_REFUND_CREATED: "refund",
    c.EVENT_TOKEN_CREATED: "token",
    c.EVENT_TOKEN_APPROVED: "token",
    c.EVENT_TOKEN_REJECTED: "token",
    c.EVENT_TOKEN_DISABLED: "token",
    c.EVENT_TOKEN_ENABLED: "token",
    c.EVENT_TOKEN_DELETED: "token",
    c.EVENT_TOKEN_USED: "token",
    c.EVENT_COUPON_CREATED: "coupon",
    c.EVENT_COUPON_UPDATED: "coupon",
    c.EVENT_PROMOTION_CODE_CREATED: "promotionCode",
    c.EVENT_PROMOTION_CODE_UPDATED: "promotionCode",
}

#: Event types whose processing may call the API (see the module docstring).
REFETCHING_EVENTS = frozenset({c.EVENT_PAYMENT_CREATED, c.EVENT_REFUND_CREATED})


def _order_after_capture(payment: Payment) -> None:
    if not payment.order_id:
        return
    if Order.objects.filter(smartpay_id=payment.order_id, status=OrderStatus.REQUIRES_CAPTURE).exists():
        sync_object(conf.get_client().get_order(payment.order_id))


def _payment_after_refund(refund: Refund) -> None:
    if not refund.payment_id:
        return
    fully_refunded = Payment.objects.filter(
        smartpay_id=refund.payment_id, refunded_amount__gte=F("amount"), amount__gt=0
    ).exclude(status=PaymentStatus.REFUNDED)
    if fully_refunded.exists():
        sync_object(conf.get_client().get_payment(refund.payment_id))


_FOLLOW_UPS: dict[str, Callable[[Any], None]] = {
    c.EVENT_PAYMENT_CREATED: _order_after_capture,
    c.EVENT_REFUND_CREATED: _payment_after_refund,
}


def _upsert(data: dict[str, Any]) -> models.Model:
    """Sync in the webhook's own transaction: no savepoint (the hot path counts statements).

    The receiving code retries its whole transaction once on IntegrityError, as
    :func:`~django_smartpay.sync.sync_object_in_transaction` requires.
    """
    return sync.sync_object_in_transaction(data)


def apply_event(event_type: str, data: dict[str, Any]) -> models.Model:
    """Apply a handled event's object to the local tables; return the object's row.

    Must run inside a transaction (the event row's), which the caller retries once on
    ``IntegrityError``: the object and the follow-up of ``payment.created`` /
    ``refund.created`` commit or roll back together with the event.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("apply_event() must be called inside transaction.atomic()")
    if event_type == c.EVENT_TOKEN_DELETED and data.get("status") != TokenStatus.DELETED:
        data = {**data, "status": TokenStatus.DELETED.value}
    obj = _upsert(data)
    follow_up = _FOLLOW_UPS.get(event_type)
    if follow_up is not None:
        follow_up(obj)
    return obj
