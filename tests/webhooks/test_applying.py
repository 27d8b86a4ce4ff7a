"""Real Smartpay events, delivered by the simulator into the webhook view, update the mirror once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from django_smartpay import signals
from django_smartpay.models import (
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    Token,
    WebhookEvent,
    WebhookEventStatus,
)
from django_smartpay.webhooks import applying
from tests.shopping import CHECKOUT

from .conftest import Receiver, Shop, SignalLog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("endpoint")]


def events(event_type: str | None = None) -> list[WebhookEvent]:
    rows = WebhookEvent.objects.order_by("pk")
    return list(rows.filter(type=event_type) if event_type else rows)


def test_token_lifecycle(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, smartpay_requests: list[tuple[str, str]]
) -> None:
    del smartpay_requests[:]  # the endpoint's registration
    token_id = shop.token(approve=False)
    token = Token.objects.get(smartpay_id=token_id)
    assert token.status == "requires_authorization"
    assert signal_log.names() == ["webhook_received", "token_status_changed", "webhook_processed"]
    processed = signal_log.of("webhook_processed")[0]
    assert processed["sender"] is WebhookEvent
    assert processed["event_type"] == "token.created"
    assert isinstance(processed["obj"], Token) and processed["obj"].pk == token.pk
    assert processed["event"].event_id == events("token.created")[0].event_id

    shop.tick()
    shop.sim.approve_token(token_id)
    assert Token.objects.get(pk=token.pk).status == "active"
    shop.tick()
    shop.client.disable_token(token_id)
    assert Token.objects.get(pk=token.pk).status == "disabled"
    shop.tick()
    shop.client.enable_token(token_id)
    assert Token.objects.get(pk=token.pk).status == "active"
    shop.tick()
    shop.client.delete_token(token_id)
    deleted = Token.objects.get(pk=token.pk)
    assert deleted.status == "deleted"  # the row is kept
    assert [e.type for e in events()] == [
        "token.created",
        "token.approved",
        "token.disabled",
        "token.enabled",
        "token.deleted",
    ]
    assert all(e.status == WebhookEventStatus.PROCESSED and e.attempts == 1 for e in events())
    assert all(e.object_model == "smartpay.token" and e.object_smartpay_id == token_id for e in events())
    assert events("token.deleted")[0].obj == deleted
    assert set(receiver.statuses()) == {200}
    # Processing called no API: the only requests are the shop's own.
    assert [method for method, _ in smartpay_requests] == ["POST", "PUT", "PUT", "DELETE"]


def test_automatic_capture_is_mirrored_without_api_calls(
    shop: Shop, signal_log: SignalLog, smartpay_requests: list[tuple[str, str]]
) -> None:
    del smartpay_requests[:]  # the endpoint's registration
    order_id = shop.order(capture_method="automatic", amount=2500)
    order = Order.objects.get(smartpay_id=order_id)
    payment = Payment.objects.get(order_id=order_id)
    assert (order.status, order.captured_amount, payment.amount) == ("succeeded", 2500, 2500)
    assert [e.type for e in events()] == ["order.authorized", "payment.created"]
    assert [kwargs["event_type"] for kwargs in signal_log.of("webhook_processed")] == [
        "order.authorized",
        "payment.created",
    ]
    assert signal_log.of("payment_created")[0]["instance"].pk == payment.pk
    assert smartpay_requests == [("POST", "/v1/checkout-sessions")]


def test_manual_capture_refetches_the_order_it_closed(
    shop: Shop, smartpay_requests: list[tuple[str, str]]
) -> None:
    order_id = shop.order(capture_method="manual", amount=3000)
    assert Order.objects.get(smartpay_id=order_id).status == "requires_capture"
    del smartpay_requests[:]
    shop.client.create_payment(order_id, 1000, "JPY", cancel_remainder="manual")
    order = Order.objects.get(smartpay_id=order_id)
    assert (order.status, order.captured_amount) == ("requires_capture", 1000)
    shop.client.create_payment(order_id, 2000, "JPY", cancel_remainder="manual")
    order = Order.objects.get(smartpay_id=order_id)
    assert (order.status, order.captured_amount) == ("succeeded", 3000)
    assert Payment.objects.filter(order_id=order_id).count() == 2
    # One GET of the order per payment.created while the order was awaiting capture (a
    # request is logged when its response is complete: the webhook's GET before the POST).
    assert smartpay_requests == [
        ("GET", f"/v1/orders/{order_id}"),
        ("POST", "/v1/payments"),
        ("GET", f"/v1/orders/{order_id}"),
        ("POST", "/v1/payments"),
    ]


def test_refunds_update_the_payment_and_a_full_refund_refetches_it(
    shop: Shop, smartpay_requests: list[tuple[str, str]], signal_log: SignalLog
) -> None:
    order_id = shop.order(capture_method="automatic", amount=2000)
    payment_id = Payment.objects.get(order_id=order_id).smartpay_id
    del smartpay_requests[:]
    shop.client.create_refund(payment_id, 500, "JPY", "requested_by_customer")
    payment = Payment.objects.get(smartpay_id=payment_id)
    assert (payment.status, payment.refunded_amount) == ("processed", 500)
    assert smartpay_requests == [("POST", "/v1/refunds")]  # a partial refund needs no call
    shop.client.create_refund(payment_id, 1500, "JPY", "requested_by_customer")
    payment = Payment.objects.get(smartpay_id=payment_id)
    assert (payment.status, payment.refunded_amount) == ("refunded", 2000)
    assert Order.objects.get(smartpay_id=order_id).refunded_amount == 2000
    assert smartpay_requests[1:] == [("GET", f"/v1/payments/{payment_id}"), ("POST", "/v1/refunds")]
    assert Refund.objects.filter(payment_id=payment_id).count() == 2
    assert len(signal_log.of("refund_created")) == 2


def test_follow_up_fetches_hold_no_transaction_or_row_lock(shop: Shop) -> None:
    """The GETs of payment.created / refund.created happen before the event's transaction."""
    from django_smartpay import conf

    seen: list[tuple[str, bool]] = []

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        if response.request.method == "GET":
            seen.append((response.request.path_url.split("?")[0], connection.in_atomic_block))

    conf.get_client().session.hooks["response"].append(record)
    order_id = shop.order(capture_method="manual", amount=1000)
    shop.client.create_payment(order_id, 1000, "JPY")  # closes the order: GET /orders/{id}
    payment_id = Payment.objects.get(order_id=order_id).smartpay_id
    shop.client.create_refund(payment_id, 1000, "JPY", "requested_by_customer")  # GET /payments/{id}
    assert seen == [(f"/v1/orders/{order_id}", False), (f"/v1/payments/{payment_id}", False)]
    assert Order.objects.get(smartpay_id=order_id).status == "succeeded"
    assert Payment.objects.get(smartpay_id=payment_id).status == "refunded"


def test_canceled_and_rejected_orders(shop: Shop) -> None:
    order_id = shop.order(capture_method="manual")
    shop.tick()
    shop.client.cancel_order(order_id)
    assert Order.objects.get(smartpay_id=order_id).status == "canceled"
    session = shop.client.create_checkout_session(
        **{**CHECKOUT, "items": [{"name": "Hojicha", "amount": 800}]}
    )
    shop.sim.reject_order(session["order"]["id"])
    assert Order.objects.get(smartpay_id=session["order"]["id"]).status == "rejected"
    assert [e.type for e in events()][-2:] == ["order.canceled", "order.rejected"]


def test_coupon_and_promotion_code_events(shop: Shop) -> None:
    coupon = shop.client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    shop.tick()
    shop.client.update_coupon(coupon["id"], name="Spring sale")
    code = shop.client.create_promotion_code(coupon["id"], "SPRING")
    assert Coupon.objects.get(smartpay_id=coupon["id"]).name == "Spring sale"
    assert PromotionCode.objects.get(smartpay_id=code["id"]).code == "SPRING"
    assert [e.type for e in events()] == ["coupon.created", "coupon.updated", "promotion_code.created"]


def test_redelivery_of_a_processed_event_changes_nothing(
    shop: Shop, receiver: Receiver, signal_log: SignalLog
) -> None:
    token_id = shop.token()
    token = Token.objects.get(smartpay_id=token_id)
    event = events("token.approved")[0]
    delivery = next(d for d in shop.sim.delivery_log() if d["event"] == event.event_id)
    signal_log.clear()
    shop.tick(30)
    attempt = shop.sim.redeliver(delivery["id"])
    assert attempt["status"] == 200
    assert receiver.answers[-1][2] == {"status": "duplicate", "event": event.event_id}
    assert signal_log.names() == []
    assert WebhookEvent.objects.get(pk=event.pk).attempts == 1
    assert Token.objects.get(pk=token.pk).updated == token.updated


def test_failure_is_recorded_answered_500_and_retried_by_the_next_delivery(
    shop: Shop, receiver: Receiver, signal_log: SignalLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_id = shop.token(approve=False)
    signal_log.clear()

    def broken(data: dict[str, Any]) -> Any:
        raise RuntimeError("the database is on fire")

    monkeypatch.setitem(applying.HANDLERS, "token.approved", broken)
    shop.tick()
    shop.sim.approve_token(token_id)
    assert receiver.statuses("token.approved") == [500]
    assert receiver.answers[-1][2]["error"] == "webhook.processing-failed"
    event = events("token.approved")[0]
    assert (event.status, event.attempts, event.processed_at) == ("failed", 1, None)
    assert event.error == "RuntimeError: the database is on fire"
    assert "broken" in event.traceback
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert signal_log.names() == ["webhook_received", "webhook_failed"]
    assert str(signal_log.of("webhook_failed")[0]["exception"]) == "the database is on fire"

    monkeypatch.undo()  # the fix is deployed
    signal_log.clear()
    shop.tick(5)
    shop.sim.deliver_webhooks()  # Smartpay's scheduled retry
    assert receiver.statuses("token.approved") == [500, 200]
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error, event.traceback) == ("processed", 2, "", "")
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    assert signal_log.names() == ["token_status_changed", "webhook_processed"]
    assert [a["status"] for a in shop.sim.delivery_log(event.event_id)[0]["attempts"]] == [500, 200]


def test_an_older_event_never_regresses_newer_state(
    shop: Shop, receiver: Receiver, signal_log: SignalLog
) -> None:
    receiver.hold = {"token.approved"}  # its first attempt fails: it arrives after token.disabled
    token_id = shop.token()
    shop.tick()
    shop.client.disable_token(token_id)
    assert Token.objects.get(smartpay_id=token_id).status == "disabled"
    receiver.hold.clear()
    shop.tick(5)
    shop.sim.deliver_webhooks()
    assert receiver.statuses("token.approved") == [503, 200]
    token = Token.objects.get(smartpay_id=token_id)
    assert token.status == "disabled"
    late = events("token.approved")[0]
    assert late.status == WebhookEventStatus.PROCESSED
    assert late.pk > events("token.disabled")[0].pk
    processed = signal_log.of("webhook_processed")[-1]
    assert processed["event_type"] == "token.approved" and processed["obj"].status == "disabled"
    changes = [kwargs["new_status"] for kwargs in signal_log.of("token_status_changed")]
    assert changes == ["requires_authorization", "disabled"]


def test_signals_are_sent_after_commit_and_receiver_errors_are_contained(
    shop: Shop, receiver: Receiver
) -> None:
    seen: list[tuple[bool, str]] = []

    def observe(sender: Any, event: WebhookEvent, **kwargs: Any) -> None:
        stored = WebhookEvent.objects.get(pk=event.pk).status
        seen.append((connection.in_atomic_block, stored))
        raise ValueError("a receiver bug")

    signals.webhook_processed.connect(observe)
    try:
        shop.token(approve=False)
    finally:
        signals.webhook_processed.disconnect(observe)
    assert seen == [(False, "processed")]
    assert receiver.statuses() == [200]
