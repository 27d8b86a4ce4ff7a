"""``PROCESS_WEBHOOKS = "async"``: the view verifies, stores and answers; a Celery task applies."""

from __future__ import annotations

from typing import Any

import pytest

from django_smartpay.models import Token, WebhookEvent, WebhookEventStatus
from django_smartpay.tasks import process_webhook_event
from django_smartpay.webhooks import applying

from .conftest import Receiver, Shop, SignalLog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("endpoint")]


@pytest.fixture(autouse=True)
def async_mode(settings: Any, simulator: Any) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "async"}


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, str]]:
    """``(args, status of the row at that moment)`` of every task sent; the task then runs (eagerly)."""
    sent: list[tuple[Any, str]] = []
    real = process_webhook_event.delay

    def delay(*args: Any) -> Any:
        sent.append((args, WebhookEvent.objects.get(pk=args[0]).status))
        return real(*args)

    monkeypatch.setattr(process_webhook_event, "delay", delay)
    return sent


def test_the_view_stores_and_the_task_applies(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, enqueued: list[tuple[Any, str]]
) -> None:
    token_id = shop.token(approve=False)
    event = WebhookEvent.objects.get()
    assert receiver.answers == [("token.created", 200, {"status": "received", "event": event.event_id})]
    # Enqueued with the primary key only, once the stored row was committed.
    assert enqueued == [((event.pk,), "received")]
    assert (event.status, event.attempts) == (WebhookEventStatus.PROCESSED, 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert signal_log.names() == ["webhook_received", "token_status_changed", "webhook_processed"]


def test_a_failing_task_is_recorded_and_a_redelivery_retries(
    shop: Shop,
    receiver: Receiver,
    signal_log: SignalLog,
    enqueued: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = applying.HANDLERS["token.created"]
    monkeypatch.setitem(applying.HANDLERS, "token.created", lambda data: 1 / 0)
    token_id = shop.token(approve=False)
    event = WebhookEvent.objects.get()
    assert receiver.statuses() == [200]  # Smartpay was told "received" before processing
    assert (event.status, event.attempts) == ("failed", 1)
    assert event.error == "ZeroDivisionError: division by zero"
    assert signal_log.names() == ["webhook_received", "webhook_failed"]

    monkeypatch.setitem(applying.HANDLERS, "token.created", real)
    delivery = shop.sim.delivery_log(event.event_id)[0]
    shop.sim.redeliver(delivery["id"])
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 2)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert len(enqueued) == 2


def test_a_duplicate_enqueues_nothing(shop: Shop, receiver: Receiver, enqueued: list[Any]) -> None:
    shop.token(approve=False)
    delivery = shop.sim.delivery_log()[0]
    shop.sim.redeliver(delivery["id"])
    assert receiver.answers[-1][2]["status"] == "duplicate"
    assert len(enqueued) == 1


def test_the_task_leaves_a_processed_event_alone_and_survives_a_pruned_one(
    shop: Shop, receiver: Receiver
) -> None:
    shop.token(approve=False)
    event = WebhookEvent.objects.get()
    pk = event.pk
    assert process_webhook_event.delay(pk).get() == "duplicate"
    WebhookEvent.objects.filter(pk=pk).delete()
    assert process_webhook_event.delay(pk).get() == "missing"
