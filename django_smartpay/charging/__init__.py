"""Charging saved tokens — once, or on a schedule — from Celery, never twice.

A charge is written with its ``Idempotency-Key`` and ``reference`` before any request;
a task sends it (:mod:`.process`), reconciliation settles what is unknown
(:mod:`.reconcile`), a schedule writes at most one charge per period (:mod:`.batches`).
"""

from .batches import DEFAULT_BATCH_SIZE, BatchResult, charge_due_batch, scheduler_time
from .create import cancel_charge, charge_token, new_reference
from .dispatch import enqueue_now, enqueue_on_commit, use_publisher
from .dunning import SOFT_CODES, charge_due_retries, charge_settled, give_up, is_soft, retry_now
from .events import connect_receivers, stop_token_charges
from .policy import EAGER_RETRIES, claim_timeout, longest_countdown
from .process import Outcome, run_charge, send_order
from .reconcile import reconcile_charges
from .schedules import (
    DueRun,
    cancel_schedule,
    charge_due_schedules,
    create_schedule,
    pause_schedule,
    resume_schedule,
    resume_token_schedules,
    run_due,
    schedules_paused_by,
    update_schedule_token,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "EAGER_RETRIES",
    "SOFT_CODES",
    "BatchResult",
    "DueRun",
    "Outcome",
    "cancel_charge",
    "cancel_schedule",
    "charge_due_batch",
    "charge_due_retries",
    "charge_due_schedules",
    "charge_settled",
    "charge_token",
    "claim_timeout",
    "connect_receivers",
    "create_schedule",
    "enqueue_now",
    "enqueue_on_commit",
    "give_up",
    "is_soft",
    "longest_countdown",
    "new_reference",
    "pause_schedule",
    "reconcile_charges",
    "resume_schedule",
    "resume_token_schedules",
    "retry_now",
    "run_charge",
    "run_due",
    "scheduler_time",
    "schedules_paused_by",
    "send_order",
    "stop_token_charges",
    "update_schedule_token",
    "use_publisher",
]
