"""Async mode through a real broker (Redis) and a real worker: the task is found by its name."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from django_smartpay.models import Token, WebhookEvent
from django_smartpay.webhooks.applying import TASK_NAME

from .conftest import Receiver, Shop, SignalLog

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_view_enqueues_and_a_worker_applies(
    settings: Any, eager_celery: Any, shop: Shop, receiver: Receiver, endpoint: Any, signal_log: SignalLog
) -> None:
    eager_celery.conf.task_always_eager = False
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "async"}
    done = threading.Event()
    results: list[Any] = []

    def finished(sender: Any = None, retval: Any = None, **kwargs: Any) -> None:
        if getattr(sender, "name", None) == TASK_NAME:
            results.append(retval)
            done.set()

    task_postrun.connect(finished, weak=False)
    try:
        with start_worker(eager_celery, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            token_id = shop.token(approve=False)
            assert receiver.answers[-1][2]["status"] == "received"
            assert done.wait(timeout=60), "the worker never ran the task"
    finally:
        task_postrun.disconnect(finished)
    assert results == ["processed"]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert signal_log.names() == ["webhook_received", "token_status_changed", "webhook_processed"]
