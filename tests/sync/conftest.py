"""Helpers for the model, sync and service tests: real objects made in the in-process simulator."""

from __future__ import annotations

import copy
from typing import Any

import pytest

ADDRESS = {"line1": "1-1-1 Marunouchi", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}
CHECKOUT = {
    "currency": "JPY",
    "items": [{"name": "Matcha", "amount": 1000, "quantity": 2}],
    "shipping_info": {"address": ADDRESS},
    "customer_info": {},
    "success_url": "https://shop.example/ok",
    "cancel_url": "https://shop.example/cancel",
}


class Api:
    """Makes objects in the simulator the way a shop and its shoppers would."""

    def __init__(self, client: Any, sim: Any) -> None:
        self.client = client
        self.sim = sim

    def tick(self, seconds: float = 1) -> None:
        """Move Smartpay's clock so the next change gets a later ``updatedAt``."""
        self.sim.clock.advance(seconds)

    def checkout(self, **extra: Any) -> dict:
        return self.client.create_checkout_session(**{**CHECKOUT, **extra})

    def order(self, *, capture_method: str = "manual", authorize: bool = True, **extra: Any) -> dict:
        order = self.checkout(capture_method=capture_method, **extra)["order"]
        if authorize:
            self.tick()
            order = self.sim.authorize_order(order["id"])
        return self.client.get_order(order["id"])

    def token_session(self) -> dict:
        return self.client.create_checkout_session(
            mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
        )

    def token(self, *, approve: bool = True) -> dict:
        token = self.token_session()["token"]
        if approve:
            self.tick()
            self.sim.approve_token(token["id"])
        return self.client.get_token(token["id"])

    def token_order(self, token_id: str, *, capture_method: str = "automatic", amount: int = 1000) -> dict:
        """The order as GET returns it (the answer of ``POST /orders`` is expanded)."""
        created = self.client.create_order(
            token=token_id,
            currency="JPY",
            items=[{"name": "Subscription", "amount": amount}],
            shipping_info={"address": ADDRESS},
            customer_info={},
            capture_method=capture_method,
        )
        return self.client.get_order(created["id"])

    def payment(self, amount: int = 2000) -> dict:
        """A processed payment (an automatic capture) of ``amount``."""
        order = self.order(capture_method="automatic", items=[{"name": "Matcha", "amount": amount}])
        return self.client.get_payment(order["payments"][0])

    def refund(self, payment_id: str, amount: int = 300) -> dict:
        return self.client.create_refund(payment_id, amount, "JPY", "requested_by_customer")


@pytest.fixture
def api(smartpay_client, simulator) -> Api:
    return Api(smartpay_client, simulator)


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="hanako", email="hanako@example.jp")


def with_fields(data: dict, **fields: Any) -> dict:
    """A copy of a real API object with some fields replaced or added."""
    result = copy.deepcopy(data)
    result.update(fields)
    return result
