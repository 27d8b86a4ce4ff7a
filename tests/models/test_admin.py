"""Admin registration: pages render, read-only, without the webhook signing secret."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from django_smartpay.models import MODELS_BY_OBJECT, WebhookEndpoint
from django_smartpay.sync import sync_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(api, smartpay_client):
    token = api.token()
    order = api.token_order(token["id"])
    coupon = smartpay_client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    data = [
        api.checkout(),
        token,
        order,
        smartpay_client.get_payment(order["payments"][0]),
        api.refund(order["payments"][0]),
        coupon,
        smartpay_client.create_promotion_code(coupon["id"], "SPRING"),
        smartpay_client.create_webhook_endpoint("https://shop.example/hook"),
    ]
    return [sync_object(item) for item in data]


def test_every_model_is_registered():
    assert all(admin.site.is_registered(model) for model in MODELS_BY_OBJECT.values())


def test_changelists_and_change_pages_render_read_only(admin_client, rows, django_assert_max_num_queries):
    for row in rows:
        opts = row._meta
        with django_assert_max_num_queries(12):  # constant: session, user, counts, one page query
            changelist = admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_changelist"))
        assert changelist.status_code == 200
        assert row.smartpay_id in changelist.content.decode()
        change = admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert b'name="smartpay_id"' not in change.content  # shown, not editable
        assert admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_add")).status_code == 403


def test_search_by_smartpay_id_and_reference(admin_client, api):
    order = sync_object(api.order(reference="shop-77"))
    sync_object(api.order(reference="shop-88"))
    url = reverse("admin:smartpay_order_changelist")
    for term in (order.smartpay_id, "shop-77"):
        content = admin_client.get(url, {"q": term}).content.decode()
        assert order.smartpay_id in content
        assert "shop-88" not in content


def test_signing_secret_is_never_displayed(admin_client, rows):
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.signing_secret
    for url in (
        reverse("admin:smartpay_webhookendpoint_changelist"),
        reverse("admin:smartpay_webhookendpoint_change", args=[endpoint.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert endpoint.smartpay_id in content
        assert endpoint.signing_secret not in content
