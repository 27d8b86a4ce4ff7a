"""The narrow windows, made deterministic: what happens when another delivery gets there first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import RequestFactory

from django_smartpay.models import Token, WebhookEvent
from django_smartpay.webhooks import processing, receiving, views

from .conftest import WEBHOOK_PATH, Receiver, Shop, SignalLog, sign

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("endpoint")]


def test_insert_conflict_after_a_stale_duplicate_check_is_a_duplicate(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another delivery committed the event between our SELECT and our INSERT."""
    shop.token(approve=False)
    (event,) = WebhookEvent.objects.all()
    real = receiving.StoredState.event
    calls: list[Any] = []

    def stale_then_real(self: receiving.StoredState) -> Any:
        calls.append(self.event_id)
        return None if len(calls) == 1 else real(self)

    monkeypatch.setattr(receiving.StoredState, "event", stale_then_real)
    signal_log.clear()
    shop.sim.redeliver(shop.sim.delivery_log(event.event_id)[0]["id"])
    assert receiver.answers[-1][1:] == (200, {"status": "duplicate", "event": event.event_id})
    assert len(calls) == 2  # the stale check, then the re-read after the unique index said no
    assert signal_log.names() == []
    assert WebhookEvent.objects.get().attempts == 1


def test_a_concurrent_insert_of_the_object_retries_the_transaction(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = processing._upsert
    failures: list[int] = []

    def racing(data: dict[str, Any]) -> Any:
        if not failures:
            failures.append(1)
            raise IntegrityError("UNIQUE constraint failed: smartpay_token.smartpay_id")
        return real(data)

    monkeypatch.setattr(processing, "_upsert", racing)
    token_id = shop.token(approve=False)
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert signal_log.names() == ["webhook_received", "token_status_changed", "webhook_processed"]


def test_an_integrity_error_twice_is_a_recorded_failure(
    shop: Shop, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always(data: dict[str, Any]) -> Any:
        raise IntegrityError("UNIQUE constraint failed: smartpay_token.smartpay_id")

    monkeypatch.setattr(processing, "_upsert", always)
    shop.token(approve=False)
    assert receiver.statuses() == [500]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", 1)
    assert event.error.startswith("IntegrityError: UNIQUE constraint failed")


def test_a_queued_event_whose_task_was_lost_is_applied_by_the_next_delivery(
    settings: Any, shop: Shop, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "async"}
    monkeypatch.setattr(receiving, "_enqueue", lambda pk: None)  # the broker lost the message
    token_id = shop.token(approve=False)
    assert WebhookEvent.objects.get().status == "received"
    assert not Token.objects.exists()
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "sync"}
    shop.sim.redeliver(shop.sim.delivery_log()[0]["id"])
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"


def test_an_unreadable_body_is_400() -> None:
    class Broken:
        def read(self, *args: Any) -> bytes:
            raise OSError("connection reset by peer")

    body = b"{}"
    request = RequestFactory().post(
        WEBHOOK_PATH, data=body, content_type="application/json", headers=sign(body)
    )
    request._stream = Broken()
    response = views.webhook(request)  # Django turns the OSError into UnreadablePostError
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "error": "webhook.unreadable-body",
        "message": "The body could not be read.",
    }
