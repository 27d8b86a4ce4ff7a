"""Celery tasks of django_smartpay (``shared_task``: they bind to the project's Celery app)."""

from .charges import charge_due_schedules, dispatch_charges, process_charge, reconcile_charges
from .webhooks import process_webhook_event

__all__ = [
    "charge_due_schedules",
    "dispatch_charges",
    "process_charge",
    "process_webhook_event",
    "reconcile_charges",
]
