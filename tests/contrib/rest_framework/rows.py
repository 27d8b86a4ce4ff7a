"""Many rows of one user at once, written straight to the tables: the REST scale and pagination
tests and ``bench/drf_lists.py`` fill their databases with these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_smartpay.models import ChargeSchedule, Order, Payment, Refund, Token, TokenCharge
from tests.shopping import ADDRESS

SHIPPING = {"address": ADDRESS}

BASE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def seed_orders(
    user: Any, count: int, *, payments: int = 1, refunds: int = 1, tie_every: int = 0
) -> list[Order]:
    """``count`` orders of ``user`` (each with ``payments`` payments of ``refunds`` refunds), one a second.

    With ``tie_every``, that many consecutive orders share a creation time, and the first
    ``tie_every - 1`` have none.
    """
    tag = f"u{user.pk}n"
    orders = []
    for i in range(count):
        moment = BASE_TIME + dt.timedelta(seconds=i // tie_every if tie_every else i)
        orders.append(
            Order(
                smartpay_id=f"order_test_{tag}{i}",
                user=user,
                amount=1000,
                status="succeeded",
                captured_amount=1000,
                smartpay_created=None if i < tie_every - 1 else moment,
            )
        )
    Order.objects.bulk_create(orders)
    rows = [
        Payment(
            smartpay_id=f"payment_test_{tag}{i}p{j}",
            order_id=order.smartpay_id,
            amount=1000,
            status="processed",
            smartpay_created=BASE_TIME + dt.timedelta(seconds=j),
        )
        for i, order in enumerate(orders)
        for j in range(payments)
    ]
    Payment.objects.bulk_create(rows)
    Refund.objects.bulk_create(
        Refund(
            smartpay_id=f"refund_test_{payment.smartpay_id[13:]}r{k}",
            payment_id=payment.smartpay_id,
            amount=10,
            status="succeeded",
            smartpay_created=BASE_TIME + dt.timedelta(seconds=k),
        )
        for payment in rows
        for k in range(refunds)
    )
    return orders


def seed_token(user: Any, suffix: str = "") -> Token:
    return Token.objects.create(
        smartpay_id=f"paytok_test_u{user.pk}{suffix}", user=user, status="active", smartpay_created=BASE_TIME
    )


def seed_tokens(user: Any, count: int) -> list[Token]:
    return Token.objects.bulk_create(
        Token(
            smartpay_id=f"paytok_test_u{user.pk}n{i}",
            user=user,
            status="active",
            smartpay_created=BASE_TIME + dt.timedelta(seconds=i),
        )
        for i in range(count)
    )


def seed_schedules(user: Any, count: int, *, charges: int = 0) -> list[ChargeSchedule]:
    """``count`` monthly schedules of one token of ``user``, each with ``charges`` succeeded charges."""
    token = seed_token(user, "s")
    schedules = ChargeSchedule.objects.bulk_create(
        ChargeSchedule(
            token=token,
            amount=980,
            items=[{"name": "Matcha club", "amount": 980, "currency": "JPY"}],
            shipping_info=SHIPPING,
            interval="monthly",
            next_run_at=BASE_TIME,
        )
        for _ in range(count)
    )
    TokenCharge.objects.bulk_create(
        TokenCharge(
            token=token,
            schedule=schedule,
            amount=980,
            reference=f"tc_{schedule.pk}_{k}",
            idempotency_key=f"key-{schedule.pk}-{k}",
            status="succeeded",
            period=BASE_TIME + dt.timedelta(days=k),
        )
        for schedule in schedules
        for k in range(charges)
    )
    return schedules
