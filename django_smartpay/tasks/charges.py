"""Celery tasks of token charges (they work with any Celery app: ``shared_task``).

Tasks take primary keys only and are enqueued after commit
(:func:`django_smartpay.charging.enqueue_on_commit`, which refers to them by these
names, :mod:`django_smartpay.charging.dispatch`).  Their names are stable:

``django_smartpay.tasks.process_charge(charge_id)``
    Claim, send and record one :class:`~django_smartpay.models.TokenCharge`.
    Retried with a countdown after a transient error; a duplicate message backs
    off while another worker holds the charge.
``django_smartpay.tasks.dispatch_charges(charge_ids)``
    Publish ``process_charge`` for each charge of a batch (one message per batch
    leaves the scheduler's transaction; the fan-out happens on a worker).
``django_smartpay.tasks.charge_due_schedules(batch_size=100)``
    Write the charges of every due :class:`~django_smartpay.models.ChargeSchedule`.
``django_smartpay.tasks.reconcile_charges()``
    Settle lost, stale and unknown charges (by reference, never by resending
    after the idempotency window).

Periodic runs with Celery beat (cron users: ``manage.py smartpay_charge_due`` and
``manage.py smartpay_reconcile``)::

    CELERY_BEAT_SCHEDULE = {
        "smartpay-charge-due-schedules": {
            "task": "django_smartpay.tasks.charge_due_schedules",
            "schedule": 300.0,  # every 5 minutes
        },
        "smartpay-reconcile-charges": {
            "task": "django_smartpay.tasks.reconcile_charges",
            "schedule": 900.0,  # every 15 minutes
        },
    }

Worker settings these tasks rely on (``manage.py check`` warns, ids
``smartpay.W101`` to ``W105``, see :mod:`django_smartpay.celery_checks`)::

    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_TASK_SERIALIZER = "json"
    CELERY_ACCEPT_CONTENT = ["json"]
    # Redis: longer than the longest retry countdown (600 s by default)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import DatabaseError

from .. import charging


@shared_task(bind=True, name="django_smartpay.tasks.process_charge", ignore_result=True, max_retries=None)
def process_charge(self: Any, charge_id: int) -> str:
    """Send one charge; retry it later when Smartpay could not be reached or asked to wait."""
    try:
        outcome = charging.run_charge(charge_id)
    except DatabaseError as exc:
        # The database failed around the request (its outcome may be recorded nowhere yet):
        # run again later; the next run waits out this run's claim, then resends the same key.
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=charging.policy.retry_delay(self.request.retries + 1)) from exc
    if outcome.retry_in is None:
        return outcome.status
    if self.request.is_eager:
        # No broker to hold a countdown: try again at once a few times, then leave the
        # charge pending; smartpay_reconcile sends it again once it is overdue.
        for _ in range(charging.EAGER_RETRIES):
            outcome = charging.run_charge(charge_id)
            if outcome.retry_in is None:
                break
        return outcome.status
    raise self.retry(countdown=outcome.retry_in)


@shared_task(name="django_smartpay.tasks.dispatch_charges", ignore_result=True)
def dispatch_charges(charge_ids: list[int]) -> int:
    """Publish one ``process_charge`` message per charge (sent once per batch of schedules)."""
    charging.enqueue_now([int(pk) for pk in charge_ids])
    return len(charge_ids)


@shared_task(name="django_smartpay.tasks.charge_due_schedules", ignore_result=True)
def charge_due_schedules(batch_size: int = charging.DEFAULT_BATCH_SIZE) -> int:
    """Write (and enqueue) the charges of every due schedule; return how many."""
    return charging.charge_due_schedules(batch_size=batch_size)


@shared_task(name="django_smartpay.tasks.reconcile_charges", ignore_result=True)
def reconcile_charges() -> dict[str, int]:
    """Settle lost, stale and unknown charges; return what happened to how many."""
    return charging.reconcile_charges()


__all__ = ["charge_due_schedules", "dispatch_charges", "process_charge", "reconcile_charges"]
