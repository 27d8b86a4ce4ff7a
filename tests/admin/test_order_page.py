"""The order page in words, schedules named like money elsewhere, dates as people read them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from django_smartpay import charging, services
from django_smartpay.admin import details
from django_smartpay.admin.display import shorten
from django_smartpay.models import ChargeSchedule, Order

from .conftest import ADDRESS, Admin, changelist, messages_of

pytestmark = pytest.mark.django_db

CHARGE = {
    "items": [{"name": "Monthly matcha box", "amount": 1980, "quantity": 1}],
    "shipping_info": {"address": {**ADDRESS, "administrativeArea": "Tokyo"}, "feeAmount": 0},
    "customer_info": {},
}


def page_of(client, obj) -> str:
    response = client.get(reverse(f"admin:smartpay_{obj._meta.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_order_page_shows_items_address_money_and_origin(shop, admin_client, django_user_model):
    user = django_user_model.objects.create_user(username="hanako", email="hanako@example.jp")
    payment = services.capture_order(
        shop.order(2000, user=user, name="Sencha"), 1500, cancel_remainder="manual"
    )
    services.refund_payment(payment, 300, reason="requested_by_customer")
    order = Order.objects.get(smartpay_id=payment.order_id)
    assert isinstance(order.data["lineItems"][0], str)  # the capture's copy has ids only
    content = page_of(admin_client, order)
    assert "Sencha 1" in content  # the name, from the checkout session's expanded copy
    assert "〒100-0005" in content and "1-1-1 Marunouchi" in content and "Chiyoda-ku" in content
    assert '"postalCode"' not in content.split("Smartpay details")[0]  # an address, not JSON
    assert "¥1,500" in content and "-¥300" in content
    assert payment.smartpay_id in content
    assert ">hanako<" in content
    assert "None" not in content.replace("display: none", "")


def test_token_order_names_its_charge_and_schedule(shop, admin_client):
    token = shop.token()
    start = timezone.now()
    schedule = charging.create_schedule(token, 1980, interval="monthly", start_at=start, now=start, **CHARGE)
    charge = charging.charge_token(token, 1980, **CHARGE)
    charging.run_charge(charge.pk)
    charge.refresh_from_db()
    order = Order.objects.get(smartpay_id=charge.order_id)
    content = page_of(admin_client, order)
    assert charge.reference in content
    assert "Monthly matcha box" in content
    assert f'href="{reverse("admin:smartpay_token_change", args=[token.pk])}"' in content
    assert str(schedule) == f"¥1,980 monthly · {token.smartpay_id}"


def test_line_items_survive_any_json(shop):
    order = shop.order(1000)
    for hostile in (None, "x", 3, [1, None], [{"price": "x", "quantity": "2"}], {"lineItems": {}}):
        order.data = {"lineItems": hostile, "shippingInfo": hostile}
        details.line_items_html(order)
        details.shipping_html(order)
    order.data = {"lineItems": [{"kind": "product", "price": {"product": {"name": "<b>x</b>"}}, "amount": 5}]}
    assert "&lt;b&gt;x&lt;/b&gt;" in details.line_items_html(order)


@pytest.mark.parametrize(
    ("interval", "count", "english"),
    [
        ("monthly", 1, "¥1,980 monthly"),
        ("monthly", 2, "¥1,980 every 2 months"),
        ("weekly", 1, "¥1,980 weekly"),
        ("every_n_days", 10, "¥1,980 every 10 days"),
        ("every_n_days", 1, "¥1,980 every 1 day"),
    ],
)
def test_schedule_name_reads_like_money_elsewhere(interval, count, english):
    schedule = ChargeSchedule(token_id="paytok_test_x", amount=1980, interval=interval, interval_count=count)
    with translation.override("en"):
        assert str(schedule) == f"{english} · paytok_test_x"


def test_resume_message_has_a_local_date_not_iso(shop, staff, settings):
    token = shop.token()
    schedule = charging.create_schedule(
        token, 1980, interval="monthly", start_at=timezone.now() + dt.timedelta(days=1), **CHARGE
    )
    client = staff("smartpay.change_chargeschedule")
    Admin(client, "chargeschedule", "pause_schedules").run(schedule)
    (message,) = messages_of(Admin(client, "chargeschedule", "resume_schedules").run(schedule))
    schedule.refresh_from_db()
    assert "+00:00" not in message and "T" not in message.split("next charge")[1]
    local = timezone.localtime(schedule.next_run_at)
    assert str(local.year) in message and local.strftime("%-d") in message


def test_empty_relations_show_a_dash(shop, admin_client):
    order = shop.order(1000)
    content = admin_client.get(changelist("order")).content.decode()
    assert ">None<" not in content
    page = page_of(admin_client, order)
    assert ">None<" not in page and "—" in page


def test_ids_are_shortened_in_lists_but_found_whole(shop, admin_client):
    order = shop.order(1000)
    content = admin_client.get(changelist("order")).content.decode()
    assert shorten(order.smartpay_id) in content
    assert f'title="{order.smartpay_id}"' in content
    assert shorten("order_test_2IRRwup9FSulHv3Fhq5Q6W") == "2IRRwu…"
    found = admin_client.get(changelist("order"), {"q": order.smartpay_id})
    assert list(found.context["cl"].result_list) == [order]


@pytest.mark.parametrize(
    "model_name", ["order", "payment", "refund", "token", "tokencharge", "chargeschedule"]
)
def test_every_money_list_has_a_customer_column(model_name, admin_client):
    response = admin_client.get(changelist(model_name))
    assert "customer" in response.context["cl"].list_display
