"""Fixtures of the token charge tests: eager Celery, real tokens made in the in-process simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from django_smartpay import services
from django_smartpay.models import Token
from tests.shopping import ADDRESS

ITEMS = [{"name": "Monthly matcha box", "amount": 3000}]
SHIPPING = {"address": ADDRESS, "feeAmount": 0}


@pytest.fixture(autouse=True)
def inline_tasks(eager_celery: Any) -> Any:
    """Every test here runs Celery tasks inline (``eager_celery`` is in tests/conftest.py)."""
    return eager_celery


@pytest.fixture
def charge_kwargs() -> dict[str, Any]:
    return {"items": [dict(item) for item in ITEMS], "shipping_info": dict(SHIPPING), "customer_info": {}}


class Shop:
    """Makes tokens in the simulator the way a shop and its shoppers would, and reads its ledger."""

    def __init__(self, client: Any, sim: Any) -> None:
        self.client = client
        self.sim = sim

    def token(self, *, approve: bool = True) -> Token:
        session = self.client.create_checkout_session(
            mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
        )
        token_id = session["token"]["id"]
        if approve:
            self.sim.clock.advance(1)
            self.sim.approve_token(token_id)
        return services.sync_by_id(token_id)

    def order_posts(self) -> list[dict[str, Any]]:
        """Ledger entries of ``POST /v1/orders``, oldest first."""
        return [e for e in self.sim.ledger.snapshot() if e["method"] == "POST" and e["path"] == "/v1/orders"]

    def orders(self) -> list[dict[str, Any]]:
        return self.sim.objects(kind="order")

    def orders_with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [order for order in self.orders() if order.get("reference") == reference]


@pytest.fixture
def shop(smartpay_client, simulator) -> Shop:
    return Shop(smartpay_client, simulator)


@pytest.fixture
def token(shop, db) -> Token:
    return shop.token()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks) -> Callable[[], Any]:
    """``with on_commit(): …`` runs the block's on-commit callbacks (the tasks) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def received() -> Iterator[dict[str, list[Any]]]:
    """Charges received by ``charge_succeeded`` / ``charge_failed`` receivers, in order."""
    from django_smartpay import signals

    seen: dict[str, list[Any]] = {"succeeded": [], "failed": []}

    def on_succeeded(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen["succeeded"].append(instance)

    def on_failed(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen["failed"].append(instance)

    signals.charge_succeeded.connect(on_succeeded, dispatch_uid="tests.charging.succeeded")
    signals.charge_failed.connect(on_failed, dispatch_uid="tests.charging.failed")
    yield seen
    signals.charge_succeeded.disconnect(dispatch_uid="tests.charging.succeeded")
    signals.charge_failed.disconnect(dispatch_uid="tests.charging.failed")


@pytest.fixture
def decline_token_orders(monkeypatch) -> None:
    """Make the simulator decline token orders (a hard decline: the order is ``rejected``).

    The simulator authorizes every order made with an active token (spec §11); Smartpay
    itself may decline one (seeds: "Rejected order").  Until the simulator has a switch
    for that, its own ``reject`` replaces ``authorize`` in the token-order path: the
    order, the event and the answer are still the simulator's.
    """
    from django_smartpay.simulator.resources import orders

    monkeypatch.setattr(orders, "authorize", orders.reject)
