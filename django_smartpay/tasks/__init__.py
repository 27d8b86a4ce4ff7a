"""Celery tasks of django_smartpay (``shared_task``: they bind to the project's Celery app).

Needs the ``celery`` extra: without it, importing this package raises
:class:`~django.core.exceptions.ImproperlyConfigured` naming the ``pip install`` to run.
"""

from django_smartpay import extras

extras.require("celery", "django_smartpay.tasks")

from .charges import charge_due_schedules, dispatch_charges, process_charge, reconcile_charges  # noqa: E402
from .webhooks import process_webhook_event  # noqa: E402

__all__ = [
    "charge_due_schedules",
    "dispatch_charges",
    "process_charge",
    "process_webhook_event",
    "reconcile_charges",
]
