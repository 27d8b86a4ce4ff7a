"""Applying a verified event exactly once: the unique event id is the lock.

A first delivery inserts its row and syncs its object in one transaction, so a concurrent
delivery blocks on the unique index and then answers "duplicate"; a failure is recorded on
the row and retried under ``SELECT … FOR UPDATE``.  Signals are sent on commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from django_smartpay import conf, signals, sync
from django_smartpay.client import constants as c
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models import (
    MODELS_BY_OBJECT,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    TokenStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from django_smartpay.models.events import FINAL_STATUSES, WebhookEventStatus
from django_smartpay.sync_fields import reference_id, to_ms

from . import errors
from .verification import EVENT_OBJECTS, Event, SignedHeaders, parse

try:
    from celery import current_app
except ImportError:  # pragma: no cover - Celery is needed only for PROCESS_WEBHOOKS = "async"
    current_app = None  # type: ignore[assignment]

logger = logging.getLogger("django_smartpay.webhooks")

#: The Celery task that applies a stored event (sent by name: the tasks import this module).
TASK_NAME = "django_smartpay.tasks.process_webhook_event"
ERROR_MAX_LENGTH = 2000
TRACEBACK_MAX_LENGTH = 20000
WRONG_MODE = "webhook.wrong-mode"
#: How far an object's ``updatedAt`` may be ahead of its event's ``createdAt`` (both stamped
#: by Smartpay's clock, so the simulator's clock works too).  Sync never moves a row
#: backwards, so an object stamped further in the future would ignore every real update
#: until that time: such an event is refused (400) and recorded as failed.
MAX_UPDATED_AHEAD = dt.timedelta(minutes=5)


@dataclass
class Delivery:
    """One verified request: its headers, raw body and where it came from."""

    headers: SignedHeaders
    body: bytes
    stored_headers: dict[str, str] = field(default_factory=dict)
    remote_addr: str | None = None

    @property
    def text(self) -> str:
        """The body as text (exact for a UTF-8 body, which every parsable event is)."""
        return self.body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


@dataclass(frozen=True)
class Stored:
    """What the database held for an event id before this delivery."""

    pk: int
    status: str


@dataclass(frozen=True)
class Outcome:
    """What became of a delivery; ``result`` is processed/ignored/received/duplicate/failed."""

    status_code: int
    result: str
    event: WebhookEvent | None = None


# --- what each event type does ------------------------------------------------------------------


def sync_event_object(data: dict[str, Any], *also: dict[str, Any]) -> models.Model:
    """Upsert the event's object (and ``also``, in the same batch) in the event's own transaction.

    The transaction is retried once on IntegrityError (another delivery inserted the object).
    """
    return sync.sync_object_in_transaction(data, also=also)


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
    payment = _only(
        Payment.objects.filter(smartpay_id=payment_id, amount__gt=0)
        .exclude(status=PaymentStatus.REFUNDED)
        .annotate(counted=Subquery(stored.values("amount")[:1]))  # this refund, if already summed
        .values_list("amount", "refunded_amount", "counted")
    )
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


def _apply(event: Event, follow_up: dict[str, Any] | None) -> models.Model:
    handler = HANDLERS[event.type]
    if follow_up is None:
        return handler(event.data)
    if handler is sync_event_object:  # one batch: the parent is locked and written once
        return sync_event_object(event.data, follow_up)
    obj = handler(event.data)
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


def _follow_up(event: Event) -> dict[str, Any] | None:
    fetch = FOLLOW_UPS.get(event.type)
    return fetch(event.data) if fetch is not None else None


def same_mode(event: Event) -> bool:
    """Whether the event is of the mode (test or live) of ``SMARTPAY["SECRET_KEY"]``."""
    return event.test is conf.is_test_mode()


# --- reading what is stored -------------------------------------------------------------------


def _only(rows: Any) -> Any:
    """The one row a filter on a unique column finds, or ``None``.

    Not ``.first()``: its ``ORDER BY pk`` can make SQLite walk the primary key instead of
    using the unique index, which grows with the table.
    """
    return next(iter(rows[:1]), None)


def stored_event(event_id: str) -> Stored | None:
    row = _only(WebhookEvent.objects.filter(event_id=event_id).values_list("pk", "status"))
    return None if row is None else Stored(*row)


def endpoint_secret(subscription_id: str, event_id: str) -> tuple[str, Stored | None] | None:
    """The secret stored for the endpoint and, in the same query, the stored event; ``None``: no endpoint."""
    event = WebhookEvent.objects.filter(event_id=event_id)
    row = _only(
        WebhookEndpoint.objects.filter(smartpay_id=subscription_id)
        .annotate(
            event_pk=Subquery(event.values("pk")[:1]), event_status=Subquery(event.values("status")[:1])
        )
        .values_list("signing_secret", "event_pk", "event_status")
    )
    if row is None:
        return None
    secret, pk, status = row
    return secret, (None if pk is None else Stored(pk, status))


# --- writing rows -------------------------------------------------------------------------------


def _on_commit(signal: Any, **kwargs: Any) -> None:
    signals.send_on_commit(signal, WebhookEvent, **kwargs)


def enqueue(pk: int) -> None:
    """Send the task that applies stored event ``pk`` (eager when Celery is configured so)."""
    if current_app is None:
        raise SmartpayConfigurationError('SMARTPAY["PROCESS_WEBHOOKS"] = "async" needs Celery installed.')
    task = current_app.tasks.get(TASK_NAME)
    if task is not None:
        task.delay(pk)
    else:
        current_app.send_task(TASK_NAME, args=(pk,))


def _new_row(event: Event, delivery: Delivery) -> WebhookEvent:
    kind = event.object_kind
    return WebhookEvent(
        event_id=event.id,
        type=event.type,
        test=event.test,
        subscription_id=delivery.headers.subscription_id,
        object_model=MODELS_BY_OBJECT[kind]._meta.label_lower if kind else "",
        object_smartpay_id=event.object_id,
        body=delivery.text,
        headers=delivery.stored_headers,
        remote_addr=delivery.remote_addr,
        smartpay_created=event.created,
    )


def _insert(row: WebhookEvent) -> bool:
    """INSERT ``row``; ``False`` when its event id is already stored (a savepoint only inside a transaction)."""
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            row.save(force_insert=True)
    except IntegrityError:
        row.pk = None
        return False
    return True


def _error_fields(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, errors.WebhookRequestError):  # the body's fault: no code to point at
        return {"error": f"{exc.code}: {exc.message}"[:ERROR_MAX_LENGTH], "traceback": ""}
    trace = "".join(traceback.format_exception(exc))
    return {
        "error": f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH],
        "traceback": trace[-TRACEBACK_MAX_LENGTH:],
    }


def _failed(row: WebhookEvent | None, exc: BaseException) -> Outcome:
    if row is not None and not isinstance(exc, errors.WebhookRequestError):
        logger.error(
            "smartpay webhook %s (%s) failed on attempt %s",
            row.event_id,
            row.type,
            row.attempts,
            exc_info=exc,
        )
    return Outcome(500, "failed", row)


def _count_failure(rows: Any, exc: BaseException, **extra: Any) -> WebhookEvent | None:
    """Count a failed attempt on a stored, unfinished row; the row if one was updated."""
    if not rows.update(
        status=WebhookEventStatus.FAILED, attempts=F("attempts") + 1, **extra, **_error_fields(exc)
    ):
        return None
    stored = _only(rows)  # still matches: the row is now failed
    if stored is not None:
        _on_commit(signals.webhook_failed, event=stored, exception=exc)
    return stored


def _record_failure(row: WebhookEvent, exc: BaseException) -> Outcome:
    """Store a failed first attempt on a fresh row (the transaction's one rolled back)."""
    row.pk = None
    row.status, row.attempts, row.processed_at = WebhookEventStatus.FAILED, 1, None
    for name, value in _error_fields(exc).items():
        setattr(row, name, value)
    if _insert(row):
        _on_commit(signals.webhook_received, event=row)
        _on_commit(signals.webhook_failed, event=row, exception=exc)
        return _failed(row, exc)
    # Another delivery stored the event meanwhile: count this attempt on its row.
    unfinished = WebhookEvent.objects.filter(event_id=row.event_id).exclude(status__in=FINAL_STATUSES)
    _count_failure(unfinished, exc)
    return _failed(_only(WebhookEvent.objects.filter(event_id=row.event_id)), exc)


def record_malformed(delivery: Delivery, exc: errors.MalformedEvent) -> None:
    """Record a correctly signed body that is not a valid event as a failed attempt (no traceback)."""
    row = WebhookEvent(
        event_id=delivery.headers.event_id,
        test="_live_" not in delivery.headers.event_id,
        subscription_id=delivery.headers.subscription_id,
        body=delivery.text,
        headers=delivery.stored_headers,
        remote_addr=delivery.remote_addr,
        status=WebhookEventStatus.FAILED,
        attempts=1,
        **_error_fields(exc),
    )
    if _insert(row):
        _on_commit(signals.webhook_received, event=row)
        _on_commit(signals.webhook_failed, event=row, exception=exc)
    else:
        unfinished = WebhookEvent.objects.filter(event_id=row.event_id).exclude(status__in=FINAL_STATUSES)
        _count_failure(unfinished, exc)


def _wrong_mode(row: WebhookEvent, event: Event, delivery: Delivery) -> Outcome:
    """Store an event of the other mode as ignored, without applying it or sending any signal."""
    mode = "test" if row.test else "live"
    row.status = WebhookEventStatus.IGNORED
    row.error = f"{WRONG_MODE}: a {mode}-mode event, but SMARTPAY['SECRET_KEY'] is not a {mode} key"
    logger.warning(
        "smartpay webhook %s (%s) is a %s-mode event: stored as ignored", row.event_id, row.type, mode
    )
    if not _insert(row):
        return _after_conflict(event, delivery)
    return Outcome(200, "ignored", row)


# --- the paths ----------------------------------------------------------------------------------


def receive(event: Event, delivery: Delivery, stored: Stored | None) -> Outcome:
    """Store and (in sync mode) apply a verified event; ``stored`` is what the database held for it."""
    if stored is not None:
        return _redelivery(stored, event, delivery)
    row = _new_row(event, delivery)
    if not same_mode(event):
        return _wrong_mode(row, event, delivery)
    if event.type in HANDLERS:
        _refuse_if_ahead(event, delivery)
    if event.type not in HANDLERS or conf.process_webhooks_async():
        row.status = WebhookEventStatus.RECEIVED if event.type in HANDLERS else WebhookEventStatus.IGNORED
        if not _insert(row):
            return _after_conflict(event, delivery)
        _on_commit(signals.webhook_received, event=row)
        if row.status == WebhookEventStatus.IGNORED:
            return Outcome(200, "ignored", row)
        transaction.on_commit(partial(enqueue, row.pk))
        return Outcome(200, "received", row)
    return _process_first(row, event, delivery)


def _refuse_if_ahead(event: Event, delivery: Delivery) -> None:
    try:
        check_clock(event)
    except errors.MalformedEvent as exc:
        record_malformed(delivery, exc)
        raise


def _redelivery(stored: Stored, event: Event, delivery: Delivery) -> Outcome:
    if stored.status in FINAL_STATUSES:
        return Outcome(200, "duplicate")
    if event.type in HANDLERS and same_mode(event):
        _refuse_if_ahead(event, delivery)
    if conf.process_webhooks_async():
        transaction.on_commit(partial(enqueue, stored.pk))
        return Outcome(200, "received")
    return process_stored(stored.pk, event=event, body=delivery.text)


def _after_conflict(event: Event, delivery: Delivery) -> Outcome:
    """Our INSERT met a row another delivery committed first: treat this one as a redelivery."""
    stored = stored_event(event.id)
    if stored is None:  # pragma: no cover - the unique index said otherwise a moment ago
        raise RuntimeError(f"webhook event {event.id} conflicted but cannot be found")
    return _redelivery(stored, event, delivery)


def _process_first(row: WebhookEvent, event: Event, delivery: Delivery) -> Outcome:
    for attempt in (1, 2):
        row.pk = None
        row.status, row.attempts, row.processed_at = WebhookEventStatus.PROCESSED, 1, timezone.now()
        inserted = False
        try:
            follow_up = _follow_up(event)  # before any row lock
            with transaction.atomic():
                row.save(force_insert=True)
                inserted = True
                _on_commit(signals.webhook_received, event=row)
                obj = _apply(event, follow_up)
                _on_commit(signals.webhook_processed, event=row, event_type=row.type, obj=obj)
            return Outcome(200, "processed", row)
        except IntegrityError as exc:
            if not inserted:
                row.pk = None
                return _after_conflict(event, delivery)
            if attempt == 2:
                return _record_failure(row, exc)
            logger.info("smartpay webhook %s: concurrent insert of its object, retrying", row.event_id)
        except Exception as exc:
            return _record_failure(row, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def process_stored(
    pk: int, *, event: Event | None = None, body: str | None = None, force: bool = False
) -> Outcome:
    """Apply a stored event under a row lock: the retry path, the Celery task, the command and the admin.

    An event already processed or ignored is left alone unless ``force``; one of the other
    mode is never applied.  ``event`` is the parsed ``body`` of a redelivery: one whose body
    differs from the stored one is refused (``conflict``) and changes nothing.  Raises
    :class:`WebhookEvent.DoesNotExist` for an unknown ``pk``.
    """
    for attempt in (1, 2):
        try:
            return _apply_stored(pk, event, body, force)
        except WebhookEvent.DoesNotExist:
            raise
        except IntegrityError as exc:
            if attempt == 2:
                return _stored_failure(pk, exc, force)
            logger.info("smartpay webhook event %s: concurrent insert of its object, retrying", pk)
        except Exception as exc:
            return _stored_failure(pk, exc, force)
    raise AssertionError("unreachable")  # pragma: no cover


def _apply_stored(pk: int, event: Event | None, body: str | None, force: bool) -> Outcome:
    if event is None:
        unlocked = WebhookEvent.objects.only("event_id", "status", "body").get(pk=pk)
        if unlocked.status in FINAL_STATUSES and not force:
            return Outcome(200, "duplicate", unlocked)
        event = parse(unlocked.body, unlocked.event_id)
    applies = event.type in HANDLERS and same_mode(event)
    if applies:
        check_clock(event)
    follow_up = _follow_up(event) if applies else None  # before the rows are locked
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=pk)
        if row.status in FINAL_STATUSES and not force:
            return Outcome(200, "duplicate", row)
        if body is not None and row.body != body:
            return Outcome(409, "conflict", row)
        row.attempts += 1
        row.error = row.traceback = ""
        row.processed_at = timezone.now()
        fields = ["status", "attempts", "error", "traceback", "processed_at"]
        if not applies:
            row.status = WebhookEventStatus.IGNORED
            if not same_mode(event):
                row.error = f"{WRONG_MODE}: not applied"
            row.save(update_fields=fields)
            return Outcome(200, "ignored", row)
        obj = _apply(event, follow_up)
        row.status = WebhookEventStatus.PROCESSED
        row.save(update_fields=fields)
        _on_commit(signals.webhook_processed, event=row, event_type=row.type, obj=obj)
    return Outcome(200, "processed", row)


def _stored_failure(pk: int, exc: BaseException, force: bool) -> Outcome:
    rows = WebhookEvent.objects.filter(pk=pk)
    if not force:
        rows = rows.exclude(status__in=FINAL_STATUSES)
    _count_failure(rows, exc, processed_at=None)
    return _failed(_only(WebhookEvent.objects.filter(pk=pk)), exc)
