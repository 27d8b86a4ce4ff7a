"""Row ``i`` of every model the admin lists, each pointing at row ``i`` of the others, written in bulk:
the admin's query-count tests and ``bench/admin_changelists.py`` build their tables with these."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django_smartpay.models import (
    ChargeSchedule,
    CheckoutSession,
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    Token,
    TokenCharge,
    WebhookEndpoint,
    WebhookEvent,
)

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def smartpay_id(prefix: str, i: int) -> str:
    return f"{prefix}_test_{i:06d}"


def mirrored_rows(
    numbers: range,
    *,
    start: dt.datetime = START,
    users: Sequence[Any] | None = None,
    order_statuses: Sequence[str] = ("requires_capture",),
) -> None:
    """Rows ``numbers`` of every mirrored model and of the charges (not the webhook events).

    ``users`` (one per number) own the tokens, orders and checkout sessions; the orders take
    their status from ``order_statuses`` in turn.
    """
    owners = list(users) if users is not None else [None] * len(numbers)

    def common(prefix: str, i: int) -> dict[str, Any]:
        return {
            "smartpay_id": smartpay_id(prefix, i),
            "smartpay_created": start + dt.timedelta(minutes=i),
            "data": {"id": smartpay_id(prefix, i), "n": i},
        }

    Token.objects.bulk_create(
        Token(**common("paytok", i), status="active", reference=f"tok-{i}", user=user)
        for i, user in zip(numbers, owners, strict=True)
    )
    Order.objects.bulk_create(
        Order(
            **common("order", i),
            status=order_statuses[i % len(order_statuses)],
            amount=1000 + i,
            reference=f"cart-{i}",
            token_id=smartpay_id("paytok", i),
            user=user,
        )
        for i, user in zip(numbers, owners, strict=True)
    )
    Payment.objects.bulk_create(
        Payment(**common("payment", i), status="processed", amount=1000, order_id=smartpay_id("order", i))
        for i in numbers
    )
    Refund.objects.bulk_create(
        Refund(**common("refund", i), status="succeeded", amount=10, payment_id=smartpay_id("payment", i))
        for i in numbers
    )
    CheckoutSession.objects.bulk_create(
        CheckoutSession(
            **common("checkout", i),
            mode="order",
            order_id=smartpay_id("order", i),
            token_id=smartpay_id("paytok", i),
            user=user,
        )
        for i, user in zip(numbers, owners, strict=True)
    )
    Coupon.objects.bulk_create(
        Coupon(**common("coupon", i), name=f"Coupon {i}", discount_type="amount", discount_amount=100)
        for i in numbers
    )
    PromotionCode.objects.bulk_create(
        PromotionCode(**common("promotioncode", i), code=f"CODE{i}", coupon_id=smartpay_id("coupon", i))
        for i in numbers
    )
    WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(**common("webhookendpoint", i), url=f"https://shop.example/{i}", signing_secret="s")
        for i in numbers
    )
    schedules = ChargeSchedule.objects.bulk_create(
        ChargeSchedule(
            token_id=smartpay_id("paytok", i),
            amount=500,
            interval="monthly",
            next_run_at=start,
            items=[{"name": "Plan", "amount": 500}],
        )
        for i in numbers
    )
    TokenCharge.objects.bulk_create(
        TokenCharge(
            token_id=smartpay_id("paytok", i),
            order_id=smartpay_id("order", i),
            schedule=schedule,
            period=start,
            amount=500,
            reference=f"charge-{i}",
            idempotency_key=f"key-{i}",
        )
        for i, schedule in zip(numbers, schedules, strict=True)
    )


def populate(upto: int, django_user_model: Any) -> None:
    """Rows ``len(existing)..upto`` of every model, a user each, and one webhook event per order."""
    numbers = range(Order.objects.count(), upto)
    if not numbers:
        return
    users = django_user_model.objects.bulk_create(
        django_user_model(username=f"user{i}", email=f"user{i}@example.jp") for i in numbers
    )
    mirrored_rows(numbers, users=users)
    WebhookEvent.objects.bulk_create(
        WebhookEvent(
            event_id=f"event_test_{i:06d}",
            type="order.updated" if i % 2 else "token.activated",
            status="processed",
            object_model="smartpay.order",
            object_smartpay_id=f"order_test_{i:06d}",
            body=json.dumps({"id": f"event_test_{i:06d}"}),
        )
        for i in numbers
    )
