"""Events that arrive in another order than Smartpay sent them end in the same mirrored state."""

from __future__ import annotations

import pytest

from django_smartpay.models import Order, Payment, Refund, WebhookEvent

from .conftest import Receiver, Shop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("endpoint")]


def test_a_refund_before_its_payment_and_order(shop: Shop, receiver: Receiver) -> None:
    receiver.hold = {"order.authorized", "payment.created"}
    order_id = shop.order(capture_method="automatic", amount=3000)
    payment_id = shop.client.get_order(order_id)["payments"][0]
    shop.tick()
    shop.client.create_refund(payment_id, 1000, "JPY", "requested_by_customer")
    assert Refund.objects.get().payment_id == payment_id  # arrived first, linked by id
    receiver.hold.clear()
    shop.tick(5)
    shop.sim.deliver_webhooks()
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}
    payment = Payment.objects.get(smartpay_id=payment_id)
    order = Order.objects.get(smartpay_id=order_id)
    assert (payment.amount, payment.refunded_amount) == (3000, 1000)
    assert (order.status, order.captured_amount, order.refunded_amount) == ("succeeded", 3000, 1000)


def test_a_full_refund_before_its_payment_ends_refunded(shop: Shop, receiver: Receiver) -> None:
    receiver.hold = {"payment.created"}
    order_id = shop.order(capture_method="automatic", amount=2000)
    payment_id = shop.client.get_order(order_id)["payments"][0]
    shop.tick()
    shop.client.create_refund(payment_id, 2000, "JPY", "requested_by_customer")
    receiver.hold.clear()
    shop.tick(5)
    shop.sim.deliver_webhooks()
    payment = Payment.objects.get(smartpay_id=payment_id)
    assert (payment.status, payment.refunded_amount) == ("refunded", 2000)
    assert Order.objects.get(smartpay_id=order_id).refunded_amount == 2000
