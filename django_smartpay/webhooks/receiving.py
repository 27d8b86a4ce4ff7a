"""Storing a verified event once and applying it once, with the signals that go with it.

Exactly once
------------
The event id is unique.  The first delivery of an event writes its row and applies it
in **one transaction**: the row is inserted first (already marked ``processed``), so a
concurrent delivery of the same event blocks on the unique index until that
transaction ends, then finds the row and answers "duplicate"; if the transaction
rolls back, the failure is recorded on a fresh row and the next delivery retries.  A
row that exists but is not final (``failed``, or ``received`` and queued) is retried
under ``SELECT … FOR UPDATE``, so concurrent retries apply it once too.

Statements (sync mode), as Django counts them (``BEGIN``/``COMMIT`` included):

- first delivery, token or order: one ``SELECT`` of the event's status (combined with
  the endpoint's secret when that comes from a ``WebhookEndpoint`` row), then
  ``BEGIN``, ``INSERT`` of the event, sync's ``SELECT … FOR UPDATE`` and its
  ``INSERT`` (new object) or upsert (update), ``COMMIT``: **6**.  Payments and refunds
  cost a few more (totals, and the follow-ups of :mod:`.processing`);
- redelivery of a processed or ignored event: that one ``SELECT``;
- an ignored (unknown) type, or async mode: the ``SELECT`` and one ``INSERT``.

Signals (:mod:`django_smartpay.signals`) are sent on commit: ``webhook_received`` when
the row is first stored, then the object-level signals of sync, then
``webhook_processed``; ``webhook_failed`` when an attempt fails.
"""

from __future__ import annotations

import logging
import traceback
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from django_smartpay import fastrows, signals
from django_smartpay.conf import get_setting
from django_smartpay.models import MODELS_BY_OBJECT, WebhookEndpoint, WebhookEvent
from django_smartpay.models.events import FINAL_STATUSES, WebhookEventStatus

from . import errors
from .envelope import Envelope, parse
from .processing import EVENT_OBJECTS, apply_event, fetch_follow_up
from .verification import SignedHeaders

logger = logging.getLogger("django_smartpay.webhooks")

ERROR_MAX_LENGTH = 2000
TRACEBACK_MAX_LENGTH = 20000


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
class Outcome:
    """What became of a delivery; ``result`` is processed/ignored/received/duplicate/failed."""

    status_code: int
    result: str
    event: WebhookEvent | None = None


@cache
def _lookup_sql(vendor: str) -> tuple[str, str]:
    """The two hot-path reads, as plain SQL built from the models' metadata.

    They run on every delivery, duplicates included; compiling them with the ORM
    costs about ten times what executing them does (≈300 µs against ≈30 µs on
    SQLite).  Both select by a unique column, so neither needs a ``LIMIT``.  Only
    quoted identifiers from the models' metadata are interpolated; values are
    parameters.
    """
    quote = connection.ops.quote_name
    event, endpoint = WebhookEvent._meta, WebhookEndpoint._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    def event_column(name: str) -> str:
        return (
            f"(SELECT {column(event, name)} FROM {quote(event.db_table)} "  # noqa: S608 - quoted identifiers
            f"WHERE {column(event, 'event_id')} = %s)"
        )

    status = (
        f"SELECT {column(event, 'id')}, {column(event, 'status')} FROM {quote(event.db_table)} "  # noqa: S608
        f"WHERE {column(event, 'event_id')} = %s"
    )
    secret = (
        f"SELECT {column(endpoint, 'signing_secret')}, {event_column('id')}, {event_column('status')} "  # noqa: S608
        f"FROM {quote(endpoint.db_table)} WHERE {column(endpoint, 'smartpay_id')} = %s"
    )
    return status, secret


class StoredState:
    """What the database knows about a delivery's event (and its endpoint's secret).

    Each is read at most once, and together when the secret is needed: the duplicate
    check then costs nothing more.
    """

    def __init__(self, event_id: str, subscription_id: str) -> None:
        self.event_id = event_id
        self.subscription_id = subscription_id
        self._known = False
        self._row: tuple[int, str] | None = None

    def endpoint_secret(self) -> str | None:
        """The signing secret stored for the subscription id (and, in passing, the event's state)."""
        with connection.cursor() as cursor:
            cursor.execute(
                _lookup_sql(connection.vendor)[1], [self.event_id, self.event_id, self.subscription_id]
            )
            row = cursor.fetchone()
        if row is None:
            return None
        secret, pk, status = row
        self._row = None if pk is None else (pk, status)
        self._known = True
        return secret or None

    def event(self) -> tuple[int, str] | None:
        """``(pk, status)`` of the stored event, or ``None`` if it is new."""
        if not self._known:
            with connection.cursor() as cursor:
                cursor.execute(_lookup_sql(connection.vendor)[0], [self.event_id])
                row = cursor.fetchone()
            self._row = None if row is None else (row[0], row[1])
            self._known = True
        return self._row

    def forget(self) -> None:
        self._known = False


# --- signals ------------------------------------------------------------------------------


def _on_commit(signal: Signal, **kwargs: Any) -> None:
    signals.send_on_commit(signal, WebhookEvent, **kwargs)


# --- writing rows -------------------------------------------------------------------------


def _process_async() -> bool:
    return get_setting("PROCESS_WEBHOOKS") == "async"


def _enqueue(pk: int) -> None:
    from django_smartpay.tasks.webhooks import process_webhook_event

    transaction.on_commit(partial(process_webhook_event.delay, pk))


def _new_row(envelope: Envelope, delivery: Delivery) -> WebhookEvent:
    kind = EVENT_OBJECTS.get(envelope.type)
    model = MODELS_BY_OBJECT[kind] if kind else None
    return WebhookEvent(
        event_id=envelope.event_id,
        type=envelope.type,
        test=envelope.test,
        subscription_id=delivery.headers.subscription_id,
        object_model=model._meta.label_lower if model else "",
        object_smartpay_id=envelope.object_id,
        body=delivery.text,
        headers=delivery.stored_headers,
        remote_addr=delivery.remote_addr,
        smartpay_created=envelope.created,
    )


def _insert(event: WebhookEvent) -> bool:
    """INSERT ``event``; ``False`` when its event id is already stored.

    Outside a transaction (the view's case) a failed INSERT harms nothing, so no
    savepoint is spent; inside one, a savepoint keeps the caller's transaction usable.
    """
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            if not fastrows.insert(event):
                event.save(force_insert=True)
    except IntegrityError:
        event.pk = None
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


def _failed(event: WebhookEvent | None, exc: BaseException) -> Outcome:
    if event is not None and not isinstance(exc, errors.MalformedEvent):
        logger.error(
            "smartpay webhook %s (%s) failed on attempt %s",
            event.event_id,
            event.type,
            event.attempts,
            exc_info=exc,
        )
    return Outcome(500, "failed", event)


def _record_failure(event: WebhookEvent, exc: BaseException) -> Outcome:
    """Store the failed first attempt on a fresh row (the transaction's one rolled back)."""
    event.pk = None
    event.status = WebhookEventStatus.FAILED
    event.attempts = 1
    event.processed_at = None
    for name, value in _error_fields(exc).items():
        setattr(event, name, value)
    if _insert(event):
        _on_commit(signals.webhook_received, event=event)
        _on_commit(signals.webhook_failed, event=event, exception=exc)
        return _failed(event, exc)
    # Another delivery stored the event meanwhile: count this attempt on its row.
    updated = (
        WebhookEvent.objects.filter(event_id=event.event_id)
        .exclude(status__in=FINAL_STATUSES)
        .update(status=WebhookEventStatus.FAILED, attempts=F("attempts") + 1, **_error_fields(exc))
    )
    stored = WebhookEvent.objects.filter(event_id=event.event_id).first()
    if updated and stored is not None:
        _on_commit(signals.webhook_failed, event=stored, exception=exc)
    return _failed(stored, exc)


# --- the three paths ------------------------------------------------------------------------


def receive(envelope: Envelope, delivery: Delivery, state: StoredState) -> Outcome:
    """Store and (in sync mode) apply a verified event; see the module docstring."""
    stored = state.event()
    if stored is not None:
        return _redelivery(*stored, envelope)
    event = _new_row(envelope, delivery)
    if not envelope.handled or _process_async():
        event.status = WebhookEventStatus.RECEIVED if envelope.handled else WebhookEventStatus.IGNORED
        if not _insert(event):
            return _after_conflict(envelope, state)
        _on_commit(signals.webhook_received, event=event)
        if not envelope.handled:
            return Outcome(200, "ignored", event)
        _enqueue(event.pk)
        return Outcome(200, "received", event)
    return _process_first(event, envelope, state)


def _redelivery(pk: int, status: str, envelope: Envelope) -> Outcome:
    if status in FINAL_STATUSES:
        return Outcome(200, "duplicate")
    if _process_async():
        _enqueue(pk)
        return Outcome(200, "received")
    return process_stored(pk, envelope=envelope)


def _after_conflict(envelope: Envelope, state: StoredState) -> Outcome:
    """Our INSERT met a row another delivery committed first: treat this one as a redelivery."""
    state.forget()
    stored = state.event()
    if stored is None:  # pragma: no cover - the unique index said otherwise a moment ago
        raise RuntimeError(f"webhook event {envelope.event_id} conflicted but cannot be found")
    return _redelivery(*stored, envelope)


def _process_first(event: WebhookEvent, envelope: Envelope, state: StoredState) -> Outcome:
    for attempt in (1, 2):
        event.pk = None
        event.status = WebhookEventStatus.PROCESSED
        event.attempts = 1
        event.processed_at = timezone.now()
        inserted = False
        try:
            follow_up = fetch_follow_up(envelope.type, envelope.data or {})  # before any row lock
            with transaction.atomic():
                if not fastrows.insert(event):
                    event.save(force_insert=True)
                inserted = True
                _on_commit(signals.webhook_received, event=event)
                obj = apply_event(envelope.type, envelope.data or {}, follow_up)
                _on_commit(signals.webhook_processed, event=event, event_type=event.type, obj=obj)
            return Outcome(200, "processed", event)
        except IntegrityError as exc:
            if not inserted:
                event.pk = None
                return _after_conflict(envelope, state)
            if attempt == 2:
                return _record_failure(event, exc)
            logger.info("smartpay webhook %s: concurrent insert of its object, retrying", event.event_id)
        except Exception as exc:
            return _record_failure(event, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def process_stored(pk: int, *, envelope: Envelope | None = None, force: bool = False) -> Outcome:
    """Apply a stored event under a row lock; the retry path, the Celery task and the command.

    An event that is already processed or ignored is left alone unless ``force``.
    ``envelope`` is the parsed body when the caller has it; otherwise the stored body
    is read.  Raises :class:`WebhookEvent.DoesNotExist` for an unknown ``pk``.
    """
    for attempt in (1, 2):
        try:
            return _apply_stored(pk, envelope, force)
        except WebhookEvent.DoesNotExist:
            raise
        except IntegrityError as exc:
            if attempt == 2:
                return _stored_failure(pk, exc, force)
            logger.info("smartpay webhook event %s: concurrent insert of its object, retrying", pk)
        except Exception as exc:
            return _stored_failure(pk, exc, force)
    raise AssertionError("unreachable")  # pragma: no cover


def _apply_stored(pk: int, envelope: Envelope | None, force: bool) -> Outcome:
    if envelope is None:
        unlocked = WebhookEvent.objects.only("event_id", "status", "body").get(pk=pk)
        if unlocked.status in FINAL_STATUSES and not force:
            return Outcome(200, "duplicate", unlocked)
        envelope = parse(unlocked.body, unlocked.event_id)
    # Any follow-up fetch happens here, before the event's row (and the object's) is locked.
    follow_up = fetch_follow_up(envelope.type, envelope.data or {}) if envelope.handled else None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=pk)
        if event.status in FINAL_STATUSES and not force:
            return Outcome(200, "duplicate", event)
        event.attempts += 1
        event.error = event.traceback = ""
        event.processed_at = timezone.now()
        fields = ["status", "attempts", "error", "traceback", "processed_at"]
        if not envelope.handled:
            event.status = WebhookEventStatus.IGNORED
            event.save(update_fields=fields)
            return Outcome(200, "ignored", event)
        obj: models.Model = apply_event(envelope.type, envelope.data or {}, follow_up)
        event.status = WebhookEventStatus.PROCESSED
        event.save(update_fields=fields)
        _on_commit(signals.webhook_processed, event=event, event_type=event.type, obj=obj)
    return Outcome(200, "processed", event)


def _stored_failure(pk: int, exc: BaseException, force: bool) -> Outcome:
    rows = WebhookEvent.objects.filter(pk=pk)
    if not force:
        rows = rows.exclude(status__in=FINAL_STATUSES)
    updated = rows.update(
        status=WebhookEventStatus.FAILED, attempts=F("attempts") + 1, processed_at=None, **_error_fields(exc)
    )
    stored = WebhookEvent.objects.filter(pk=pk).first()
    if updated and stored is not None:
        _on_commit(signals.webhook_failed, event=stored, exception=exc)
    return _failed(stored, exc)


def record_malformed(delivery: Delivery, exc: errors.MalformedEvent) -> WebhookEvent | None:
    """Record a correctly signed body that is not an event as a failed attempt."""
    event_id = delivery.headers.event_id
    event = WebhookEvent(
        event_id=event_id,
        test="_test_" in event_id,
        subscription_id=delivery.headers.subscription_id,
        body=delivery.text,
        headers=delivery.stored_headers,
        remote_addr=delivery.remote_addr,
        status=WebhookEventStatus.FAILED,
        attempts=1,
        **_error_fields(exc),
    )
    if _insert(event):
        _on_commit(signals.webhook_received, event=event)
        _on_commit(signals.webhook_failed, event=event, exception=exc)
        return event
    rows = WebhookEvent.objects.filter(event_id=event_id).exclude(status__in=FINAL_STATUSES)
    if rows.update(status=WebhookEventStatus.FAILED, attempts=F("attempts") + 1, **_error_fields(exc)):
        stored = WebhookEvent.objects.filter(event_id=event_id).first()
        _on_commit(signals.webhook_failed, event=stored, exception=exc)
        return stored
    return None
