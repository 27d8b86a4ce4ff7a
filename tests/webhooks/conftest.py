"""Fixtures of the webhook tests: the simulator delivering into the webhook view, signal logs.

Tests of behaviour register an endpoint in the in-process simulator and let it deliver
its real, signed events into Django's test client; only the bad-input tests build
bodies by hand (signed with :data:`SECRET`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from django_smartpay import services, signals
from django_smartpay.client import SmartpayClient
from tests.shopping import CHECKOUT

#: The webhook view's path in tests/urls.py.
WEBHOOK_PATH = "/smartpay/webhook/"
#: A secret of the published test vectors, for hand-signed bodies.
SECRET = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
SUBSCRIPTION_ID = "webhookendpoint_test_handSignedBodies0001"


@pytest.fixture(autouse=True)
def inline_tasks(eager_celery: Any) -> Any:
    """Every test here runs Celery tasks inline (``eager_celery`` is in tests/conftest.py)."""
    return eager_celery


def now_ms() -> int:
    return int(time.time() * 1000)


def sign(
    body: bytes, *, secret: str = SECRET, timestamp: int | None = None, **overrides: str
) -> dict[str, str]:
    """The four headers of a hand-signed delivery of ``body``."""
    stamp = str(now_ms() if timestamp is None else timestamp)
    try:
        event_id = json.loads(body)["id"]
    except (ValueError, KeyError, TypeError):
        event_id = "evt_test_handSignedBody000000001"
    headers = {
        "Smartpay-Signature": SmartpayClient.calculate_webhook_signature(
            stamp.encode() + b"." + body, secret
        ),
        "Smartpay-Signature-Timestamp": stamp,
        "Smartpay-Event-Id": event_id,
        "Smartpay-Subscription-Id": SUBSCRIPTION_ID,
    }
    headers.update(overrides)
    return headers


def post(body: bytes, headers: dict[str, str], client: Client | None = None, **extra: Any) -> Any:
    return (client or Client()).post(
        WEBHOOK_PATH, data=body, content_type="application/json", headers=headers, **extra
    )


def event_body(
    event_type: str, data: dict[str, Any], event_id: str = "evt_test_handSignedBody000000001"
) -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "createdAt": now_ms(),
        "test": True,
        "eventData": {"type": event_type, "version": "2022-02-18", "data": data},
    }
    return json.dumps(event, separators=(",", ":")).encode()


class Receiver:
    """The simulator's webhook sender: POSTs each delivery into the webhook view.

    Event types in ``hold`` are not delivered (the attempt fails as a network error
    would, answered 503), so the simulator retries them later, out of order.
    """

    def __init__(self) -> None:
        self.client = Client()
        self.hold: set[str] = set()
        self.answers: list[tuple[str, int, dict[str, Any]]] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        event_type = json.loads(body)["eventData"]["type"]
        if event_type in self.hold:
            self.answers.append((event_type, 503, {}))
            return 503
        forwarded = {name: value for name, value in headers.items() if name.lower() != "content-type"}
        response = self.client.post(
            urlsplit(url).path, data=body, content_type=headers.get("Content-Type", ""), headers=forwarded
        )
        self.answers.append((event_type, response.status_code, response.json()))
        return response.status_code

    def statuses(self, event_type: str | None = None) -> list[int]:
        return [status for kind, status, _ in self.answers if event_type in (None, kind)]


@pytest.fixture
def hand_signed(settings: Any, simulator: Any) -> None:
    """Hand-signed bodies verify: SECRET is the secret of SUBSCRIPTION_ID."""
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {SUBSCRIPTION_ID: SECRET}}


@pytest.fixture
def receiver(simulator: Any) -> Receiver:
    deliver = Receiver()
    simulator.webhook_sender = deliver
    return deliver


@pytest.fixture
def endpoint(simulator: Any, receiver: Receiver, db: None) -> Any:
    """An endpoint registered through the service: its secret is on the WebhookEndpoint row."""
    return services.create_webhook_endpoint("http://localhost" + WEBHOOK_PATH, description="tests")


class SignalLog:
    """Every webhook and object-level signal sent, in order, as ``(name, kwargs)``."""

    NAMES = (
        "webhook_received",
        "webhook_processed",
        "webhook_failed",
        "token_status_changed",
        "order_status_changed",
        "payment_created",
        "refund_created",
    )

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._receivers: list[tuple[Any, Callable[..., None]]] = []
        for name in self.NAMES:
            signal = getattr(signals, name)

            def receive(sender: Any, _name: str = name, **kwargs: Any) -> None:
                kwargs.pop("signal", None)
                self.sent.append((_name, {"sender": sender, **kwargs}))

            signal.connect(receive, weak=False)
            self._receivers.append((signal, receive))

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for sent, kwargs in self.sent if sent == name]

    def clear(self) -> None:
        self.sent.clear()

    def disconnect(self) -> None:
        for signal, receive in self._receivers:
            signal.disconnect(receive)


@pytest.fixture
def signal_log() -> Iterator[SignalLog]:
    log = SignalLog()
    yield log
    log.disconnect()


class Shop:
    """Makes real state changes in the simulator, the way a shop and its shoppers would."""

    def __init__(self, client: Any, sim: Any) -> None:
        self.client = client
        self.sim = sim

    def tick(self, seconds: float = 1) -> None:
        self.sim.clock.advance(seconds)

    def token(self, *, approve: bool = True) -> str:
        session = self.client.create_checkout_session(
            mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
        )
        token_id = session["token"]["id"]
        if approve:
            self.tick()
            self.sim.approve_token(token_id)
        return token_id

    def order(self, *, capture_method: str = "manual", amount: int = 2000) -> str:
        items = [{"name": "Matcha", "amount": amount}]
        session = self.client.create_checkout_session(
            **{**CHECKOUT, "items": items}, capture_method=capture_method
        )
        order_id = session["order"]["id"]
        self.tick()
        self.sim.authorize_order(order_id)
        return order_id


@pytest.fixture
def shop(smartpay_client: Any, simulator: Any) -> Shop:
    return Shop(smartpay_client, simulator)
