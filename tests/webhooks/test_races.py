"""The narrow windows, made deterministic: what happens when another delivery gets there first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import RequestFactory

from django_smartpay.models import Order, Payment, Token, WebhookEvent
from django_smartpay.webhooks import applying, views
from django_smartpay.webhooks.verification import SignedHeaders, parse

from .conftest import WEBHOOK_PATH, Receiver, Shop, SignalLog, sign

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("endpoint")]


def test_insert_conflict_after_a_stale_duplicate_check_is_a_duplicate(
    shop: Shop, receiver: Receiver, signal_log: SignalLog
) -> None:
    """Another delivery committed the event between our SELECT and our INSERT."""
    shop.token(approve=False)
    (event,) = WebhookEvent.objects.all()
    body = shop.sim.delivery_log(event.event_id)[0]["body"].encode()
    headers = SignedHeaders("signature", "0", event.event_id, event.subscription_id)
    signal_log.clear()
    # What the view does after its duplicate check said "new" (stored=None), too early:
    outcome = applying.receive(parse(body, event.event_id), applying.Delivery(headers, body), stored=None)
    assert (outcome.status_code, outcome.result) == (200, "duplicate")
    assert signal_log.names() == []
    assert WebhookEvent.objects.get().attempts == 1


def test_a_concurrent_insert_of_the_object_retries_the_transaction(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = applying.HANDLERS["token.created"]
    failures: list[int] = []

    def racing(data: dict[str, Any]) -> Any:
        if not failures:
            failures.append(1)
            raise IntegrityError("UNIQUE constraint failed: smartpay_token.smartpay_id")
        return real(data)

    monkeypatch.setitem(applying.HANDLERS, "token.created", racing)
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

    monkeypatch.setitem(applying.HANDLERS, "token.created", always)
    shop.token(approve=False)
    assert receiver.statuses() == [500]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", 1)
    assert event.error.startswith("IntegrityError: UNIQUE constraint failed")


@pytest.mark.django_db(transaction=False)
def test_a_queued_event_whose_task_was_lost_is_applied_by_the_next_delivery(
    settings: Any, shop: Shop, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    """Inside the test's transaction nothing commits: the task is never sent, as if the broker lost it."""
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "async"}
    token_id = shop.token(approve=False)
    assert WebhookEvent.objects.get().status == "received"
    assert not Token.objects.exists()
    settings.SMARTPAY = {**settings.SMARTPAY, "PROCESS_WEBHOOKS": "sync"}
    with django_capture_on_commit_callbacks(execute=True):
        shop.sim.redeliver(shop.sim.delivery_log()[0]["id"])
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"


def test_smartpay_down_during_a_follow_up_fetch_is_a_failure_retried_later(
    shop: Shop, receiver: Receiver, signal_log: SignalLog
) -> None:
    """A real failure: the capture's order cannot be fetched (Smartpay answers 503)."""
    order_id = shop.order(capture_method="manual", amount=1000)
    shop.sim.faults.add("GET", f"/v1/orders/{order_id}", status=503, count=1)
    shop.client.create_payment(order_id, 1000, "JPY")
    assert receiver.statuses("payment.created") == [500]
    event = WebhookEvent.objects.get(type="payment.created")
    assert (event.status, event.attempts) == ("failed", 1)
    assert not Payment.objects.exists()  # nothing of the event was applied
    shop.tick(5)
    shop.sim.deliver_webhooks()
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 2)
    assert Order.objects.get(smartpay_id=order_id).status == "succeeded"


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


def test_an_object_mirrored_after_the_first_query_is_updated_on_the_second_attempt(
    shop: Shop, receiver: Receiver, signal_log: SignalLog
) -> None:
    """The first query said the token was not mirrored; another delivery mirrored it before our INSERT."""
    token_id = shop.token(approve=False)
    shop.tick()
    stored = Token.objects.get(smartpay_id=token_id)
    data = {**stored.data, "status": "active", "updatedAt": shop.sim.clock.now_ms()}
    event_id = "evt_test_staleAbsentHint00000001"
    body = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "createdAt": shop.sim.clock.now_ms(),
            "test": True,
            "eventData": {"type": "token.approved", "data": data},
        }
    ).encode()
    headers = SignedHeaders("signature", "0", event_id, WebhookEvent.objects.get().subscription_id)
    signal_log.clear()
    outcome = applying.receive(
        parse(body, event_id), applying.Delivery(headers, body), stored=None, object_known=False
    )
    assert (outcome.status_code, outcome.result) == (200, "processed")
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    assert Token.objects.filter(smartpay_id=token_id).count() == 1
    assert WebhookEvent.objects.get(event_id=event_id).attempts == 1
    assert signal_log.names() == ["webhook_received", "token_status_changed", "webhook_processed"]
