"""The plugin's simulator declines on demand and answers only the keys it was given."""

from __future__ import annotations

import pytest

from django_smartpay import conf, services
from django_smartpay.client import SmartpayError
from django_smartpay.models import Order, WebhookEvent
from django_smartpay.testing import pytest_plugin

URLS = {"success_url": "https://shop.example.jp/ok", "cancel_url": "https://shop.example.jp/cancel"}
ADDRESS = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}
ORDER = {
    "amount": 1000,
    "currency": "JPY",
    "items": [{"name": "Matcha", "amount": 1000}],
    "shipping_info": {"address": ADDRESS},
    "customer_info": {"email": "taro@example.jp"},  # a loose alias: normalised by the client
}


@pytest.mark.django_db
def test_the_next_charge_of_a_token_is_declined_then_approved(
    smartpay_simulator, smartpay_webhook_endpoint, django_capture_on_commit_callbacks
):
    session = services.create_token_checkout_session(**URLS)
    with django_capture_on_commit_callbacks(execute=True):
        smartpay_simulator.approve_token(session.token_id)
    smartpay_simulator.set_token_outcome(session.token_id, "decline", count=1)
    client = conf.get_client()

    with django_capture_on_commit_callbacks(execute=True):
        declined = client.create_order(token=session.token_id, **ORDER)
        approved = client.create_order(token=session.token_id, **ORDER)

    assert declined["status"] == "rejected" and approved["status"] == "succeeded"
    assert Order.objects.get(smartpay_id=declined["id"]).status == "rejected"  # via order.rejected
    assert WebhookEvent.objects.filter(type="order.rejected", status="processed").count() == 1
    assert smartpay_simulator.token_outcome(session.token_id) == ("approve", None)
    [order] = [
        o for o in smartpay_simulator.objects(pytest_plugin.SECRET_KEY, "order") if o["id"] == approved["id"]
    ]
    assert order["status"] == "succeeded"


def test_a_key_the_simulator_was_not_given_gets_401(smartpay_simulator, settings):
    settings.SMARTPAY = {**settings.SMARTPAY, "SECRET_KEY": "sk_test_typoInTheSettings01"}
    with pytest.raises(SmartpayError) as info:
        conf.get_client().list_orders()
    assert info.value.status_code == 401
    smartpay_simulator.register_key("sk_test_typoInTheSettings01")
    assert conf.get_client().list_orders()["data"] == []
