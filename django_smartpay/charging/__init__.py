"""Charging saved tokens — once, or on a schedule — from Celery, never twice.

A :class:`~django_smartpay.models.TokenCharge` is written with its
``Idempotency-Key`` and a unique ``reference`` **before** any HTTP request; a
Celery task then claims it, sends ``POST /orders`` with that key and records the
outcome (:mod:`.process`).  Transient failures are retried with the same key;
an outcome still unknown near the end of the key's 6-hour window is settled by
reconciliation, which finds the order by reference instead of sending again
(:mod:`.reconcile`).  A :class:`~django_smartpay.models.ChargeSchedule` writes at
most one charge per period (:mod:`.schedules`, :mod:`django_smartpay.scheduling`).

Services (each validates before writing anything, and raises
:class:`~django_smartpay.exceptions.SmartpayValidationError` for bad input):

- :func:`charge_token`, :func:`cancel_charge`;
- :func:`create_schedule`, :func:`pause_schedule`, :func:`resume_schedule`,
  :func:`cancel_schedule`;
- :func:`charge_due_schedules` (and one batch of it, :func:`charge_due_batch`);
- :func:`run_charge` (the body of the ``process_charge`` task) and
  :func:`reconcile_charges`.

Tasks are in :mod:`django_smartpay.tasks` (they import this package; it reaches
them by task name, :mod:`.dispatch`); signals ``charge_succeeded`` and
``charge_failed`` in :mod:`django_smartpay.signals`.
"""

from .batches import DEFAULT_BATCH_SIZE, BatchResult, charge_due_batch
from .create import cancel_charge, charge_token, new_reference
from .dispatch import enqueue_now, enqueue_on_commit, use_publisher
from .events import connect_receivers, stop_token_charges
from .policy import EAGER_RETRIES, claim_timeout, longest_countdown
from .process import Outcome, run_charge, send_order
from .reconcile import reconcile_charges
from .schedules import (
    cancel_schedule,
    charge_due_schedules,
    create_schedule,
    pause_schedule,
    resume_schedule,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EAGER_RETRIES",
    "BatchResult",
    "Outcome",
    "cancel_charge",
    "cancel_schedule",
    "charge_due_batch",
    "charge_due_schedules",
    "charge_token",
    "claim_timeout",
    "connect_receivers",
    "create_schedule",
    "enqueue_now",
    "enqueue_on_commit",
    "longest_countdown",
    "new_reference",
    "pause_schedule",
    "reconcile_charges",
    "resume_schedule",
    "run_charge",
    "send_order",
    "stop_token_charges",
    "use_publisher",
]
