"""The change page of any stored webhook event renders, whatever its body: deeply nested JSON,
JSON that is not an object, or bytes that are not JSON (a signed sender controls all of it)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from django_smartpay.client import SmartpayClient
from django_smartpay.models import Order, WebhookEvent
from tests.webhooks.conftest import SECRET, SUBSCRIPTION_ID, now_ms, post

from .test_queries import populate

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return '{"id": "evt_test_deep", "metadata": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


BODIES = {
    "nested-200": nested(200),
    "nested-900": nested(900),
    "nested-5000": nested(5000),
    "lists-900": "[" * 900 + "]" * 900,
    "not-json": "\x01\x02 <script>alert(1)</script>",
    "a-number": "1e999",
    "nan": '{"amount": NaN}',
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_any_stored_body_renders_on_the_change_page(admin_user, name):
    event = WebhookEvent.objects.create(
        event_id=f"evt_test_page{name.replace('-', '')}",
        type="order.authorized",
        body=BODIES[name],
        headers={"Content-Type": "application/json"},
        status="failed",
    )
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get(reverse("admin:smartpay_webhookevent_change", args=[event.pk]))
    assert response.status_code == 200, (name, response.status_code)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_signed_deeply_nested_delivery_is_refused_and_its_page_renders(admin_user, settings, simulator):
    """End to end: the webhook view records the body as failed; the admin still shows it."""
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {SUBSCRIPTION_ID: SECRET}}
    body = nested(5000).encode()
    stamp = str(now_ms())
    headers = {
        "Smartpay-Signature": SmartpayClient.calculate_webhook_signature(
            stamp.encode() + b"." + body, SECRET
        ),
        "Smartpay-Signature-Timestamp": stamp,
        "Smartpay-Event-Id": "evt_test_deep",
        "Smartpay-Subscription-Id": SUBSCRIPTION_ID,
    }
    response = post(body, headers)
    assert response.status_code == 400
    event = WebhookEvent.objects.get(event_id="evt_test_deep")
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    page = client.get(reverse("admin:smartpay_webhookevent_change", args=[event.pk]))
    assert page.status_code == 200


def test_an_object_with_deeply_nested_json_still_renders(admin_user, django_user_model):
    """Rows written before the webhook view limited nesting (or by a project's own code)."""
    populate(1, django_user_model)
    value: object = 1
    for _ in range(900):
        value = {"a": value}
    order = Order.objects.order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(metadata=value, data={"id": order.smartpay_id, "x": value})
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    page = client.get(reverse("admin:smartpay_order_change", args=[order.pk]))
    assert page.status_code == 200
