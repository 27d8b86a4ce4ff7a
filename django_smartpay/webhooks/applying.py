"""Applying a verified event exactly once: the unique event id is the lock.

A first delivery inserts its row and syncs its object in one transaction, so a concurrent
delivery blocks on the unique index and then answers "duplicate"; a failure is recorded on
the row and retried under ``SELECT … FOR UPDATE``.  Signals are sent on commit.
"""

from __future__ import annotations

import logging
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, F, Subquery, Value
from django.utils import timezone

from django_smartpay import conf, signals
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models import MODELS_BY_OBJECT, WebhookEndpoint, WebhookEvent
from django_smartpay.models.events import FINAL_STATUSES, WebhookEventStatus

from . import errors
from .handlers import HANDLERS, apply, check_clock, follow_up, same_mode
from .handlers import MAX_UPDATED_AHEAD as MAX_UPDATED_AHEAD
from .verification import Event, SignedHeaders, parse

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


# --- reading what is stored -------------------------------------------------------------------


def _only(rows: Any) -> Any:
    """The one row a filter on a unique column finds, or ``None``.

    Not ``.first()``: its ``ORDER BY pk`` can make SQLite walk the primary key instead of
    using the unique index, which grows with the table.
    """
    return next(iter(rows[:1]), None)


@dataclass(frozen=True)
class Lookup:
    """What the first query of a delivery found: its event, and whether the event's object is mirrored.

    ``about`` is the ``(kind, id)`` asked about; ``object_known`` is ``None`` when nothing
    was asked (no object named, or the body too large to read before verification).
    """

    event: Stored | None = None
    about: tuple[str, str] | None = None
    object_known: bool | None = None


def _mirrored(about: tuple[str, str]) -> models.QuerySet[Any, Any]:
    kind, smartpay_id = about
    return MODELS_BY_OBJECT[kind]._default_manager.filter(smartpay_id=smartpay_id).order_by()


def stored_event(event_id: str) -> Stored | None:
    row = _only(WebhookEvent.objects.filter(event_id=event_id).values_list("pk", "status"))
    return None if row is None else Stored(*row)


def lookup_event(event_id: str, about: tuple[str, str] | None = None) -> Lookup:
    """The stored event and, in the same query, whether object ``about`` (kind, id) is mirrored."""
    if about is None:
        return Lookup(stored_event(event_id))
    event = (
        WebhookEvent.objects.filter(event_id=event_id)
        .order_by()
        .annotate(row_source=Value("event"))
        .values_list("row_source", "pk", "status")
    )
    mirrored = (
        _mirrored(about)
        .annotate(row_source=Value("object"), row_status=Value(""))
        .values_list("row_source", "pk", "row_status")
    )
    stored, known = None, False
    for source, pk, status in event.union(mirrored, all=True):
        if source == "event":
            stored = Stored(pk, status)
        else:
            known = True
    return Lookup(stored, about, known)


def endpoint_secret(
    subscription_id: str, event_id: str, about: tuple[str, str] | None = None
) -> tuple[str, Lookup] | None:
    """The secret stored for the endpoint and, in the same query, what :func:`lookup_event` finds.

    ``None``: no endpoint.
    """
    event = WebhookEvent.objects.filter(event_id=event_id)
    rows = WebhookEndpoint.objects.filter(smartpay_id=subscription_id).annotate(
        event_pk=Subquery(event.values("pk")[:1]), event_status=Subquery(event.values("status")[:1])
    )
    if about is not None:
        rows = rows.annotate(object_known=Exists(_mirrored(about)))
    fields = ["signing_secret", "event_pk", "event_status"] + (["object_known"] if about else [])
    row = _only(rows.values_list(*fields))
    if row is None:
        return None
    secret, pk, status, *known = row
    return secret, Lookup(None if pk is None else Stored(pk, status), about, known[0] if known else None)


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


def receive(
    event: Event, delivery: Delivery, stored: Stored | None, *, object_known: bool | None = None
) -> Outcome:
    """Store and (in sync mode) apply a verified event; ``stored`` is what the database held for it.

    ``object_known`` is whether the event's object was mirrored when ``stored`` was read
    (``None``: not known).  ``False`` spares the first attempt the lookup of that object's row.
    """
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
    return _process_first(row, event, delivery, object_known)


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


def _process_first(row: WebhookEvent, event: Event, delivery: Delivery, object_known: bool | None) -> Outcome:
    # Not mirrored a moment ago: its row is inserted without looking it up.  If another
    # process inserted it since, the INSERT fails and the second attempt looks it up.
    absent = [(event.object_kind, event.object_id)] if object_known is False and event.object_kind else []
    for attempt in (1, 2):
        row.pk = None
        row.status, row.attempts, row.processed_at = WebhookEventStatus.PROCESSED, 1, timezone.now()
        inserted = False
        try:
            fetched = follow_up(event)  # before any row lock
            with transaction.atomic():
                row.save(force_insert=True)
                inserted = True
                _on_commit(signals.webhook_received, event=row)
                obj = apply(event, fetched, absent if attempt == 1 else ())
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
    fetched = follow_up(event) if applies else None  # before the rows are locked
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
        obj = apply(event, fetched)
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
