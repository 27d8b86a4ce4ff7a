"""Fixtures of the REST endpoint tests: two users, their API clients, real tokens in the simulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_smartpay import services
from django_smartpay.models import ChargeSchedule, Order, Payment, Refund, Token, TokenCharge
from tests.shopping import ADDRESS

SHIPPING = {"address": ADDRESS}
API = "/api/smartpay/"


@pytest.fixture(autouse=True)
def drf_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.contrib.rest_framework.urls"


@pytest.fixture(autouse=True)
def inline_tasks(eager_celery: Any) -> Any:
    """Every test here runs Celery tasks inline (``eager_celery`` is in tests/conftest.py)."""
    return eager_celery


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="alice", password="alice")


@pytest.fixture
def bob(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="bob", password="bob")


def api_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_alice(alice: Any) -> APIClient:
    return api_client(alice)


@pytest.fixture
def as_bob(bob: Any) -> APIClient:
    return api_client(bob)


class Shopper:
    """A user who goes through Smartpay's checkout in the simulator, through the REST endpoints."""

    def __init__(self, client: APIClient, sim: Any) -> None:
        self.client = client
        self.sim = sim

    def start_token_checkout(self) -> dict[str, Any]:
        response = self.client.post(
            API + "tokens/checkout/",
            {"success_url": "http://testserver/ok/", "cancel_url": "http://testserver/cancel/"},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    def active_token(self) -> Token:
        token_id = self.start_token_checkout()["token"]
        self.sim.clock.advance(1)
        self.sim.approve_token(token_id)
        return services.sync_by_id(token_id)


@pytest.fixture
def alice_shops(as_alice: APIClient, simulator: Any, db: None) -> Shopper:
    return Shopper(as_alice, simulator)


# --- many rows at once (scale and pagination tests) ---------------------------------------

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
