"""What each handled event type does to the mirrored tables, inside its event's transaction.

:data:`HANDLERS` applies an event's object; :data:`FOLLOW_UPS` fetches, before the
transaction, a second object Smartpay changed without an event of its own; :func:`check_clock`
refuses an object stamped too far ahead of its event.  The bookkeeping of the event row
(exactly once, failures, retries) is :mod:`.applying`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from django.db import models
from django.db.models import Subquery
from django.utils.translation import gettext as _

from django_smartpay import conf, sync
from django_smartpay.client import constants as c
from django_smartpay.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    TokenStatus,
)
from django_smartpay.sync_fields import reference_id, to_ms

from . import errors
from .verification import EVENT_OBJECTS, Event

#: How far an object's ``updatedAt`` may be ahead of its event's ``createdAt`` (both stamped
#: by Smartpay's clock, so the simulator's clock works too).  Sync never moves a row
#: backwards, so an object stamped further in the future would ignore every real update
#: until that time: such an event is refused (400) and recorded as failed.
MAX_UPDATED_AHEAD = dt.timedelta(minutes=5)


def sync_event_object(
    data: dict[str, Any], *also: dict[str, Any], absent: Collection[tuple[str, str]] = ()
) -> models.Model:
    """Upsert the event's object (and ``also``, in the same batch) in the event's own transaction.

    ``absent`` names objects found not mirrored just before the transaction (see
    :func:`.sync.sync_object_in_transaction`).  The transaction is retried once on
    IntegrityError (another delivery inserted the object).
    """
    return sync.sync_object_in_transaction(data, also=also, absent=absent)


def _token_deleted(data: dict[str, Any]) -> models.Model:
    return sync_event_object({**data, "status": TokenStatus.DELETED.value})


#: What applies the object of each handled event type, inside the event's transaction.  A
#: project may wrap or replace an entry (the tests make applying fail this way); a type
#: listed in :data:`~.verification.EVENT_OBJECTS` but not here is stored as ignored.
HANDLERS: dict[str, Callable[[dict[str, Any]], models.Model]] = {
    **dict.fromkeys(EVENT_OBJECTS, sync_event_object),
    c.EVENT_TOKEN_DELETED: _token_deleted,
}


def _order_after_capture(payment: dict[str, Any]) -> dict[str, Any] | None:
    """The order, when a capture may have closed it (``cancelRemainder`` is not in the payment)."""
    order_id = reference_id(payment.get("order"))
    if order_id and Order.objects.filter(smartpay_id=order_id, status=OrderStatus.REQUIRES_CAPTURE).exists():
        return conf.get_client().get_order(order_id)
    return None


def _payment_after_refund(refund: dict[str, Any]) -> dict[str, Any] | None:
    """The payment, when this refund brings its succeeded refunds to its amount (it turns ``refunded``)."""
    payment_id, amount = reference_id(refund.get("payment")), refund["amount"]
    stored = Refund.objects.filter(smartpay_id=refund["id"], status=RefundStatus.SUCCEEDED)
    rows = (
        Payment.objects.filter(smartpay_id=payment_id, amount__gt=0)
        .exclude(status=PaymentStatus.REFUNDED)
        .annotate(counted=Subquery(stored.values("amount")[:1]))  # this refund, if already summed
        .values_list("amount", "refunded_amount", "counted")
    )
    payment = next(iter(rows[:1]), None)  # not .first(), as applying._only()
    if payment is None:
        return None
    total = payment[1] - (payment[2] or 0)
    if refund.get("status") == RefundStatus.SUCCEEDED:
        total += amount
    return conf.get_client().get_payment(str(payment_id)) if total >= payment[0] else None


#: Events after which Smartpay changed a second object without an event of its own: that
#: object is fetched before the event's transaction (no row lock held during the call).
FOLLOW_UPS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    c.EVENT_PAYMENT_CREATED: _order_after_capture,
    c.EVENT_REFUND_CREATED: _payment_after_refund,
}


def follow_up(event: Event) -> dict[str, Any] | None:
    """The second object :data:`FOLLOW_UPS` fetches for ``event`` (``None``: none)."""
    fetch = FOLLOW_UPS.get(event.type)
    return fetch(event.data) if fetch is not None else None


def apply(
    event: Event, follow_up: dict[str, Any] | None, absent: Collection[tuple[str, str]] = ()
) -> models.Model:
    """Apply ``event`` (and its fetched follow-up) with its handler; ``absent`` as :func:`sync_event_object`."""
    handler = HANDLERS[event.type]
    if handler is sync_event_object:  # one batch: the parent is locked and written once
        extra = () if follow_up is None else (follow_up,)
        return sync_event_object(event.data, *extra, absent=absent)
    obj = handler(event.data)
    if follow_up is not None:
        sync_event_object(follow_up)
    return obj


def _stamped_ahead(data: Any, limit_ms: int) -> str | None:
    """The id of an object in ``data`` (itself or one expanded in it) updated after ``limit_ms``."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            updated = item.get("updatedAt")
            if isinstance(updated, str) and updated.isdigit():  # sync would read it as a number
                updated = int(updated)
            if isinstance(updated, int) and not isinstance(updated, bool) and updated > limit_ms:
                return str(item.get("id"))
            stack.extend(value for value in item.values() if isinstance(value, dict | list))
    return None


def check_clock(event: Event) -> None:
    """Raise :class:`~.errors.MalformedEvent` if an object in the event is stamped too far ahead.

    That is an ``updatedAt`` (of the object or one expanded in it) more than
    :data:`MAX_UPDATED_AHEAD` after the event's ``createdAt``.
    """
    limit = (to_ms(event.created) or 0) + MAX_UPDATED_AHEAD // dt.timedelta(milliseconds=1)
    object_id = _stamped_ahead(event.data, limit)
    if object_id is not None:
        message = _(
            "eventData.data.updatedAt (of %(id)s) is more than %(minutes)d minutes after the event's createdAt."
        ) % {
            "id": object_id,
            "minutes": MAX_UPDATED_AHEAD // dt.timedelta(minutes=1),
        }
        raise errors.MalformedEvent(errors.MALFORMED_EVENT, message)


def same_mode(event: Event) -> bool:
    """Whether the event is of the mode (test or live) of ``SMARTPAY["SECRET_KEY"]``."""
    return event.test is conf.is_test_mode()
