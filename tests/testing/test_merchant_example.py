"""Tests a merchant writes with the testing kit (docs/testing.rst, "A merchant's tests", shows this file).

The project's root ``conftest.py`` opts in to the fixtures::

    pytest_plugins = ["django_smartpay.testing.pytest_plugin"]
"""

import pytest

from django_smartpay import services, signals
from django_smartpay.models import Token
from django_smartpay.testing.factories import OrderFactory, UserFactory


@pytest.fixture
def fulfilled():
    """Orders the shop's fulfilment receiver saw succeed."""
    seen = []

    def fulfil(sender, instance, old_status, new_status, **kwargs):
        if new_status == "succeeded":
            seen.append(instance.smartpay_id)

    signals.order_status_changed.connect(fulfil)
    yield seen
    signals.order_status_changed.disconnect(fulfil)


@pytest.mark.django_db
def test_an_authorized_order_is_fulfilled_once(
    smartpay_send_webhook, fulfilled, django_capture_on_commit_callbacks
):
    order = OrderFactory(status="requires_authorization", amount=3980)
    authorized = {**order.data, "status": "succeeded", "updatedAt": order.data["updatedAt"] + 1000}

    with django_capture_on_commit_callbacks(execute=True):
        first = smartpay_send_webhook(authorized, "order.authorized")
        again = smartpay_send_webhook(authorized, "order.authorized", event_id=first.smartpay_event["id"])

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "duplicate"
    order.refresh_from_db()
    assert order.status == "succeeded"
    assert fulfilled == [order.smartpay_id]


@pytest.mark.django_db
def test_approving_the_checkout_activates_the_saved_token(
    smartpay_simulator, smartpay_webhook_endpoint, django_capture_on_commit_callbacks
):
    user = UserFactory()
    session = services.create_token_checkout_session(
        success_url="https://shop.example.jp/ok", cancel_url="https://shop.example.jp/cancel", user=user
    )

    with django_capture_on_commit_callbacks(execute=True):
        smartpay_simulator.approve_token(session.token_id)  # the shopper clicks "Approve"

    assert Token.objects.get(user=user).status == "active"
