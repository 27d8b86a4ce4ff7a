"""Sending charges to the workers by task name, so the engine never imports the tasks module.

The tasks (:mod:`django_smartpay.tasks.charges`) import the engine; the engine reaches
them only through their registered names on the current Celery app.  A project (or a
test) that queues charges its own way replaces the publisher with :func:`use_publisher`.

Celery is the ``celery`` extra.  Without it (and without a publisher), :func:`require_publisher`
raises :class:`~django.core.exceptions.ImproperlyConfigured` naming the ``pip install`` to run;
the services call it before they write anything, and so does every enqueue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction

from .. import extras

try:
    from celery import current_app
except ImportError:  # the celery extra is not installed: require_publisher() says so
    current_app = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from celery import Signature

logger = logging.getLogger("django_smartpay.charging")

#: The registered names of the charge tasks (stable: beat schedules refer to them too).
PROCESS_CHARGE = "django_smartpay.tasks.process_charge"
DISPATCH_CHARGES = "django_smartpay.tasks.dispatch_charges"

Publisher = Callable[[list[int]], object]

_publisher: Publisher | None = None


def require_publisher() -> None:
    """Raise :class:`~django.core.exceptions.ImproperlyConfigured` if charges cannot be published.

    They can when a publisher is set (:func:`use_publisher`) or Celery is installed.
    """
    if _publisher is None and current_app is None:
        extras.require("celery", "Charging a token (django_smartpay.charging)")


def enqueue_on_commit(charge_ids: Iterable[int], *, using: str | None = None) -> None:
    """Publish the charges once the current transaction (on ``using``) commits.

    One charge: a ``process_charge`` message.  Several (a batch of schedules): one
    ``dispatch_charges`` message, which a worker turns into one ``process_charge``
    message per charge, so the writer's commit does not wait for thousands of publishes.
    Raises ``ImproperlyConfigured`` at once, inside the caller's transaction, when
    nothing could publish them (:func:`require_publisher`).
    """
    require_publisher()
    ids = [pk for pk in charge_ids if pk is not None]
    if ids:
        transaction.on_commit(partial(publish, ids), using=using)


def publish(charge_ids: list[int]) -> None:
    """Publish now: through the publisher set with :func:`use_publisher`, else Celery."""
    if _publisher is not None:
        _publisher(list(charge_ids))
    elif len(charge_ids) == 1:
        enqueue_now(charge_ids)
    else:
        _safely(_signature(DISPATCH_CHARGES, list(charge_ids)).apply_async, len(charge_ids))


def enqueue_now(charge_ids: list[int]) -> None:
    """Publish one ``process_charge`` message per charge (through one producer)."""
    require_publisher()
    if _publisher is not None:
        _publisher(list(charge_ids))
        return
    if current_app.conf.task_always_eager:
        for pk in charge_ids:
            _signature(PROCESS_CHARGE, pk).apply_async()
        return

    def publish_all() -> None:
        with current_app.producer_or_acquire() as producer:
            for pk in charge_ids:
                _signature(PROCESS_CHARGE, pk).apply_async(producer=producer)

    _safely(publish_all, len(charge_ids))


def _signature(name: str, argument: object) -> Signature:
    """The task ``name`` called with ``argument``, on the current Celery app.

    Publishing needs only the name; running eagerly (``task_always_eager``) needs the
    task registered in this process, so the app's autodiscovery is run first if needed.
    """
    if current_app.conf.task_always_eager and name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.signature(name, args=(argument,))


def _safely(publish_all: Callable[[], object], count: int) -> None:
    """Run ``publish_all``; a broker error is logged, not raised (eager mode raises).

    The charges are written: ``smartpay_reconcile`` sends their messages again once
    they are overdue.
    """
    if current_app.conf.task_always_eager:
        publish_all()
        return
    try:
        publish_all()
    except Exception:
        logger.exception(
            "smartpay: could not enqueue %d charge(s); smartpay_reconcile will enqueue them again", count
        )


@contextmanager
def use_publisher(publisher: Publisher | None) -> Iterator[None]:
    """Within the block, charges to publish go to ``publisher(charge_ids)`` instead of Celery."""
    global _publisher
    previous, _publisher = _publisher, publisher
    try:
        yield
    finally:
        _publisher = previous


__all__ = [
    "DISPATCH_CHARGES",
    "PROCESS_CHARGE",
    "enqueue_now",
    "enqueue_on_commit",
    "publish",
    "require_publisher",
    "use_publisher",
]
