"""Admin registration: every mirrored model has a page; pages render read-only, without the signing secret."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from django_smartpay import services
from django_smartpay.models import MODELS_BY_OBJECT, Order, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(shop):
    payment = shop.payment(2000)
    order = Order.objects.get(smartpay_id=payment.order_id)
    refund = services.refund_payment(payment, 500, reason="requested_by_customer")
    code = shop.promotion_code()
    return [
        order.checkout_sessions.get(),
        shop.token(),
        order,
        payment,
        refund,
        code.coupon,
        code,
        services.create_webhook_endpoint("https://shop.example/hook"),
    ]


def test_every_model_is_registered():
    assert all(admin.site.is_registered(model) for model in MODELS_BY_OBJECT.values())


def test_changelists_and_change_pages_render_read_only(admin_client, rows, django_assert_max_num_queries):
    assert {type(row) for row in rows} == set(MODELS_BY_OBJECT.values())
    for row in rows:
        opts = row._meta
        with django_assert_max_num_queries(8):  # constant: session, user, one bounded count, one page query
            changelist = admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_changelist"))
        assert changelist.status_code == 200
        assert row.smartpay_id in changelist.content.decode()
        change = admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert b'name="smartpay_id"' not in change.content  # shown, not editable
        assert admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_add")).status_code == 403


def test_search_by_smartpay_id_and_reference(admin_client, shop):
    order, other = shop.order(), shop.order()
    url = reverse("admin:smartpay_order_changelist")
    for term in (order.smartpay_id, order.reference):
        content = admin_client.get(url, {"q": term}).content.decode()
        assert order.smartpay_id in content
        assert other.smartpay_id not in content


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
