"""Celery task of webhooks (``SMARTPAY["PROCESS_WEBHOOKS"] = "async"``).

``django_smartpay.tasks.process_webhook_event(event_pk)``
    Apply one stored :class:`~django_smartpay.models.WebhookEvent` under a row lock
    (:func:`django_smartpay.webhooks.applying.process_stored`).  The webhook view
    enqueues it once the event row is committed and has already answered Smartpay
    200, so a failure is not retried by Smartpay: it is recorded on the row (status
    ``failed``, ``webhook_failed`` sent) and retried by the next delivery of the
    same event or by ``manage.py smartpay_webhooks reprocess --failed``.  A message
    delivered twice is harmless: a processed event is left alone.
"""

from __future__ import annotations

import logging

from celery import shared_task

from django_smartpay.models import WebhookEvent
from django_smartpay.webhooks.applying import TASK_NAME, process_stored

logger = logging.getLogger("django_smartpay.webhooks")


@shared_task(name=TASK_NAME, ignore_result=True)
def process_webhook_event(event_pk: int) -> str:
    """Apply the stored webhook event ``event_pk``; return what became of it."""
    try:
        return process_stored(event_pk).result
    except WebhookEvent.DoesNotExist:
        logger.warning("smartpay webhook event %s no longer exists (pruned?)", event_pk)
        return "missing"


__all__ = ["process_webhook_event"]
