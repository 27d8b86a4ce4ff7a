"""Eight different refund events of one payment delivered at the same moment (PostgreSQL): the
payment and its order end with the sum of the refunds and ``refunded``, whatever interleaving."""

from __future__ import annotations

from typing import Any

import pytest

from django_smartpay.models import Order, Payment

from .conftest import Receiver, Shop
from .test_concurrency import THREADS, Capture, deliver_each_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
PART = 1000


@pytest.mark.usefixtures("endpoint")
def test_eight_refund_events_of_one_payment_at_once_add_up(
    shop: Shop, receiver: Receiver, smartpay_client: Any
) -> None:
    for _ in range(ROUNDS):
        shop.sim.webhook_sender = receiver  # the order and its payment arrive in order
        order_id = shop.order(capture_method="automatic", amount=PART * THREADS)
        order = Order.objects.get(smartpay_id=order_id)
        payment = Payment.objects.get(order_id=order_id)
        assert (order.captured_amount, order.refunded_amount) == (PART * THREADS, 0)

        capture = Capture()
        shop.sim.webhook_sender = capture
        for _ in range(THREADS):
            shop.tick()
            smartpay_client.create_refund(
                payment=payment.smartpay_id, amount=PART, currency="JPY", reason="requested_by_customer"
            )
        # Each event once (the simulator retries a held delivery: keep its first attempt).
        first = {headers["Smartpay-Event-Id"]: (headers, body) for headers, body in reversed(capture.kept)}
        mine = payment.smartpay_id.encode()
        kept = [(h, b) for h, b in first.values() if b"refund.created" in b and mine in b]
        assert len(kept) == THREADS

        statuses = deliver_each_concurrently(kept)
        assert sorted(statuses) == [(200, "processed")] * THREADS, statuses
        payment.refresh_from_db()
        order.refresh_from_db()
        assert (payment.refunded_amount, payment.status) == (PART * THREADS, "refunded")
        assert order.refunded_amount == PART * THREADS
        assert order.refundable_amount == 0
