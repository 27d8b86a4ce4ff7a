"""Changelists and change pages: yen, links, filters, search, escaped JSON, read-only, no secrets."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from django_smartpay import services
from django_smartpay.admin.display import format_amount
from django_smartpay.models import Order, OrderStatus, Payment, Token, TokenStatus, WebhookEndpoint

from .conftest import Admin, changelist, messages_of, who

pytestmark = pytest.mark.django_db


def test_format_amount():
    assert format_amount(1234) == "¥1,234"
    assert format_amount(0) == "¥0"
    assert format_amount(1234567, "jpy") == "¥1,234,567"
    assert format_amount(1234, "USD") == "1,234 USD"
    assert format_amount(None) == ""


def test_changelist_shows_yen_status_and_links(shop, admin_client, django_user_model):
    user = django_user_model.objects.create_user(username="hanako", email="hanako@example.jp")
    token = shop.token()
    order = shop.order(12345, user=user)
    Order.objects.filter(pk=order.pk).update(token=token.smartpay_id)
    content = admin_client.get(changelist("order")).content.decode()
    assert "¥12,345" in content
    assert "Requires capture" in content or "requires capture" in content
    assert f'href="{reverse("admin:auth_user_change", args=[user.pk])}"' in content
    # The token is on the order's page (the list keeps to what fits 1280 px).
    page = admin_client.get(reverse("admin:smartpay_order_change", args=[order.pk])).content.decode()
    assert f'href="{reverse("admin:smartpay_token_change", args=[token.pk])}"' in page

    payment = services.capture_order(order, 2345, cancel_remainder="manual")
    content = admin_client.get(changelist("payment")).content.decode()
    assert "¥2,345" in content
    assert f'href="{reverse("admin:smartpay_order_change", args=[order.pk])}"' in content
    refund = services.refund_payment(payment, 345, reason="requested_by_customer")
    content = admin_client.get(changelist("refund")).content.decode()
    assert "¥345" in content
    assert f'href="{reverse("admin:smartpay_payment_change", args=[payment.pk])}"' in content
    assert refund.smartpay_id in content


def test_relation_to_a_row_not_synced_yet_shows_the_id(shop, admin_client):
    payment = shop.payment()
    Order.objects.all().delete()
    content = admin_client.get(changelist("payment")).content.decode()
    assert payment.order_id in content
    content = admin_client.get(reverse("admin:smartpay_payment_change", args=[payment.pk])).content.decode()
    assert payment.order_id in content


@pytest.mark.parametrize(
    ("model_name", "term"),
    [
        ("order", "smartpay_id"),
        ("order", "reference"),
        ("order", "email"),
        ("payment", "smartpay_id"),
        ("payment", "email"),
        ("refund", "email"),
        ("token", "reference"),
        ("checkoutsession", "email"),
    ],
)
def test_search_by_id_reference_and_user_email(model_name, term, shop, admin_client, django_user_model):
    hanako = django_user_model.objects.create_user(username="hanako", email="hanako@example.jp")
    taro = django_user_model.objects.create_user(username="taro", email="taro@example.jp")
    rows = {}
    for user in (hanako, taro):
        payment = services.capture_order(shop.order(1000, user=user))
        refund = services.refund_payment(payment, 100, reason="requested_by_customer")
        order = Order.objects.get(smartpay_id=payment.order_id)
        session = order.checkout_sessions.get()
        token = shop.token()
        Token.objects.filter(pk=token.pk).update(user=user)
        rows[user] = {
            "order": order,
            "payment": payment,
            "refund": refund,
            "token": token,
            "checkoutsession": session,
        }
    wanted, other = rows[hanako][model_name], rows[taro][model_name]
    query = {"smartpay_id": wanted.smartpay_id, "reference": wanted.reference, "email": hanako.email}[term]
    assert query
    content = admin_client.get(changelist(model_name), {"q": query}).content.decode()
    assert wanted.smartpay_id in content
    assert other.smartpay_id not in content


def test_filters_by_status_test_mode_and_created(shop, admin_client):
    waiting = shop.order()
    captured = Order.objects.get(smartpay_id=services.capture_order(shop.order()).order_id)
    url = changelist("order")
    content = admin_client.get(url, {"status__exact": OrderStatus.SUCCEEDED}).content.decode()
    assert captured.smartpay_id in content
    assert waiting.smartpay_id not in content
    assert waiting.smartpay_id in admin_client.get(url, {"test__exact": "1"}).content.decode()
    assert waiting.smartpay_id not in admin_client.get(url, {"test__exact": "0"}).content.decode()
    response = admin_client.get(url)
    titles = [str(spec.title) for spec in response.context["cl"].filter_specs]
    assert titles == ["status", "test mode", "created at Smartpay"]
    cl = response.context["cl"]
    links = {str(choice["display"]): choice["query_string"] for choice in cl.filter_specs[2].choices(cl)}
    assert waiting.smartpay_id in admin_client.get(url + links["Past 7 days"]).content.decode()
    assert waiting.smartpay_id not in admin_client.get(url + links["No date"]).content.decode()


def test_api_object_is_pretty_printed_and_escaped(shop, admin_client):
    order = shop.order(name="<script>alert(1)</script>")
    content = admin_client.get(reverse("admin:smartpay_order_change", args=[order.pk])).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert '<pre class="smartpay-json">{\n  &quot;' in content


@pytest.mark.parametrize(
    "model", [m for m in apps.get_app_config("smartpay").get_models() if admin.site.is_registered(m)]
)
def test_no_add_change_or_delete(model, admin_client):
    opts = model._meta
    assert admin_client.get(reverse(f"admin:smartpay_{opts.model_name}_add")).status_code == 403
    model_admin = admin.site.get_model_admin(model)
    request = admin_client.get(changelist(opts.model_name)).wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_change_page_is_read_only(shop, admin_client):
    order = shop.order(3000)
    url = reverse("admin:smartpay_order_change", args=[order.pk])
    content = admin_client.get(url).content.decode()
    assert order.smartpay_id in content
    assert 'name="_save"' not in content
    assert admin_client.post(url, {"status": "canceled"}).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.REQUIRES_CAPTURE
    assert admin_client.post(reverse("admin:smartpay_order_delete", args=[order.pk])).status_code == 403


def test_signing_secret_is_never_shown(shop, staff, admin_client, simulator):
    endpoint = services.create_webhook_endpoint("https://shop.example/hooks")
    secret = endpoint.signing_secret
    assert secret
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(data={**endpoint.data, "signingSecret": secret})
    search = admin_client.get(changelist("webhookendpoint"), {"q": secret})
    assert search.context["cl"].result_count == 0  # the secret is not searchable
    pages = [
        admin_client.get(changelist("webhookendpoint")),
        admin_client.get(reverse("admin:smartpay_webhookendpoint_change", args=[endpoint.pk])),
        admin_client.get(reverse("admin:smartpay_webhookendpoint_history", args=[endpoint.pk])),
    ]
    sync = Admin(admin_client, "webhookendpoint", "sync_from_smartpay")
    page = sync.select(endpoint)
    pages += [page, sync.submit(page)]
    for response in pages:
        assert response.status_code in (200, 302)
        assert secret not in response.content.decode()
    assert endpoint.smartpay_id in pages[0].content.decode()
    assert secret not in " ".join(messages_of(pages[-1]))
    endpoint.refresh_from_db()
    assert endpoint.signing_secret == secret  # still stored, just never shown


def test_sync_from_smartpay_refreshes_rows(shop, staff, simulator, smartpay_client):
    token, other = shop.token(), shop.token()
    smartpay_client.disable_token(token.smartpay_id)  # changed at Smartpay, not here
    sync = Admin(staff(), "token", "sync_from_smartpay")  # view permission is enough
    start = len(simulator.ledger)
    response = sync.run(token, other)
    assert response.status_code == 302
    assert messages_of(response) == [
        f"{who(token)}: Synced from Smartpay (status: disabled).",
        f"{who(other)}: Synced from Smartpay (status: active).",
    ]
    token.refresh_from_db()
    assert token.status == TokenStatus.DISABLED
    assert simulator.ledger.snapshot()[start:] == []  # reads only: nothing changed at Smartpay


def test_sync_reports_an_object_smartpay_does_not_know(shop, staff):
    payment = shop.payment()
    Payment.objects.filter(pk=payment.pk).update(smartpay_id="payment_test_doesNotExist0000000")
    response = Admin(staff(), "payment", "sync_from_smartpay").run(Payment.objects.get())
    (message,) = messages_of(response)
    assert message.startswith("Payment payment_test_doesNotExist0000000: Smartpay refused the request: ")
    assert "not-found" in message or "not found" in message.lower()


def test_sync_needs_view_permission(shop, client, django_user_model, simulator):
    order = shop.order()
    user = django_user_model.objects.create_user(username="nobody", password="pw", is_staff=True)
    client.force_login(user)
    start = len(simulator.ledger)
    response = client.post(
        changelist("order"), {"action": "sync_from_smartpay", "index": "0", "_selected_action": [order.pk]}
    )
    assert response.status_code == 403
    assert simulator.ledger.snapshot()[start:] == []
