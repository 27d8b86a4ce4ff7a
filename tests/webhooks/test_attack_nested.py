"""A signed event's expanded (nested) objects are validated like its top-level object.

Sync mirrors every expanded object it finds in an event's fields (``payments``, ``metadata``,
a reference given as an object), so a hostile sender with a valid signing secret could
otherwise write rows of the other mode, of wrong types, or any endpoint's signing secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from django_smartpay.models import Order, Payment, Token, WebhookEndpoint, WebhookEvent
from django_smartpay.testing import factories

from .conftest import SUBSCRIPTION_ID, event_body, post, sign

pytestmark = pytest.mark.django_db(transaction=True)


def api(factory: Any, **extra: Any) -> dict[str, Any]:
    """A valid API object built (not saved) by the testing kit, with ``extra`` fields over it."""
    return {**(factory.build(test=True).data or {}), **extra}


def order(**extra: Any) -> dict[str, Any]:
    return api(factories.OrderFactory, **{"id": "order_test_attackOrder0001", **extra})


def nested_payment(**extra: Any) -> dict[str, Any]:
    fields = {"id": "payment_test_attackPay0001", "order": "order_test_attackOrder0001", **extra}
    return api(factories.PaymentFactory, **fields)


HOSTILE: dict[str, Callable[[], dict[str, Any]]] = {
    "payment-of-the-other-mode": lambda: {
        "payments": [nested_payment(id="payment_live_attackPay0001", test=False)]
    },
    "payment-with-a-string-amount": lambda: {"payments": [nested_payment(amount="lots")]},
    "payment-with-a-huge-amount": lambda: {"payments": [nested_payment(amount=2**70)]},
    "payment-with-a-bad-status": lambda: {"payments": [nested_payment(status=["x"])]},
    "live-order-in-metadata": lambda: {
        "metadata": {
            "object": "order",
            "id": "order_live_attackOrder0002",
            "status": "succeeded",
            "amount": 1,
        }
    },
    "endpoint-in-metadata": lambda: {
        "metadata": {
            "object": "webhookEndpoint",
            "id": SUBSCRIPTION_ID,
            "url": "https://evil.example/hook",
            "signingSecret": "attackerChosen",
        }
    },
    "live-token-expanded": lambda: {
        "token": {"object": "token", "id": "paytok_test_attackTok0001", "status": "active", "test": False}
    },
    "token-with-a-long-reference": lambda: {
        "token": {
            "object": "token",
            "id": "paytok_test_attackTok0001",
            "status": "active",
            "reference": "r" * 5000,
        }
    },
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_nested_objects_are_refused(hand_signed: None, case: str) -> None:
    data = order(**HOSTILE[case]())
    body = event_body("order.authorized", data, event_id=f"evt_test_attack{abs(hash(case)) % 10**8:08d}")
    response = post(body, sign(body))
    assert response.status_code == 400, (case, response.status_code, response.content)
    assert response.json()["error"] == "webhook.malformed-event"
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert not Token.objects.exists()
    assert not WebhookEndpoint.objects.exists()
    event = WebhookEvent.objects.get()
    assert event.status == "failed", event.error


def test_a_plain_expanded_object_of_the_same_mode_is_still_applied(hand_signed: None) -> None:
    """The control: the valid order event with a valid expanded payment is applied."""
    data = order(payments=[nested_payment()])
    body = event_body("order.authorized", data, event_id="evt_test_attackControl0001")
    response = post(body, sign(body))
    assert response.status_code == 200, response.content
    assert Order.objects.filter(smartpay_id="order_test_attackOrder0001").exists()


def deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(("depth", "status"), [(20, 200), (40, 400), (600, 400), (950, 400)])
def test_a_body_nested_too_deep_is_refused_before_it_is_stored_as_an_object(hand_signed: None, depth, status):
    """Metadata nested hundreds deep was applied, and the order's admin page then failed."""
    body = event_body("order.authorized", order(metadata=deep(depth)), event_id=f"evt_test_deep{depth:04d}")
    response = post(body, sign(body))
    assert response.status_code == status, response.content
    assert Order.objects.exists() is (status == 200)
