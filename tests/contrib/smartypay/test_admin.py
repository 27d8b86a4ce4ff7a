"""The read-only SmartyPayment admin, its "Refresh from SmartyPay" action, permissions and query strings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from django_smartpay.contrib.smartypay import services
from django_smartpay.contrib.smartypay.client import PaymentAmountNotSupportedError
from django_smartpay.contrib.smartypay.models import SmartyPayment
from django_smartpay.contrib.smartypay.simulator import SECRET

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:smartypay_smartypayment_changelist"


@pytest.fixture
def payment(smartypay_simulator):
    return services.create_payment(Decimal("15.5"), "bUSDT", description="Order <b>7</b>")


@pytest.fixture
def viewer(django_user_model, client):
    """Staff who may view SmartyPay payments but not refresh them."""
    user = django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_smartypayment"))
    client.force_login(user)
    return user


def refresh(client, rows):
    return client.post(
        reverse(CHANGELIST),
        {"action": "refresh_from_smartypay", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_changelist_and_detail_are_read_only(admin_client, payment):
    page = admin_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    text = page.content.decode()
    assert payment.smartypay_id in text and "15.5 bUSDT" in text
    assert reverse("admin:smartypay_smartypayment_add") not in text
    detail = admin_client.get(reverse("admin:smartypay_smartypayment_change", args=[payment.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert "Order &lt;b&gt;7&lt;/b&gt;" in detail.content.decode()
    assert admin_client.get(reverse("admin:smartypay_smartypayment_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:smartypay_smartypayment_delete", args=[payment.pk])).status_code
        == 403
    )
    before = SmartyPayment.objects.values().get()
    admin_client.post(
        reverse("admin:smartypay_smartypayment_change", args=[payment.pk]), {"status": "Succeeded"}
    )
    assert SmartyPayment.objects.values().get() == before


def test_a_row_smartypay_never_answered_for_shows_its_reference(admin_client, smartypay_simulator):
    with pytest.raises(PaymentAmountNotSupportedError):
        services.create_payment(Decimal("1"), "DOGE")
    row = SmartyPayment.objects.get()
    text = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert f"({row.reference}: PaymentAmountNotSupported)" in text


def test_refresh_action(admin_client, payment, smartypay_simulator):
    smartypay_simulator.set_status(payment.smartypay_id, "InProgress")
    response = refresh(admin_client, [payment])
    assert response.status_code == 200
    assert "1 payment refreshed from SmartyPay." in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == "InProgress"


def test_refresh_reports_a_failure_per_row_without_secrets(admin_client, payment, smartypay_simulator):
    smartypay_simulator.faults.add(method="GET", path="/v1/payments/*", status=503, count=1)
    response = refresh(admin_client, [payment])
    text = response.content.decode()
    assert response.status_code == 200
    assert f"Could not refresh {payment.smartypay_id}: [503 SimulatorFault]" in text
    assert SECRET not in text


def test_refresh_with_broken_settings_is_a_message(admin_client, payment, settings):
    settings.SMARTYPAY = {"API_KEY": "key"}
    response = refresh(admin_client, [payment])
    assert response.status_code == 200
    assert f"Could not refresh {payment.smartypay_id}" in response.content.decode()


def test_refresh_needs_its_permission(client, viewer, payment, smartypay_simulator):
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert "refresh_from_smartypay" not in page.content.decode()
    smartypay_simulator.set_status(payment.smartypay_id, "InProgress")
    refresh(client, [payment])
    payment.refresh_from_db()
    assert payment.status == "Created"  # refused
    viewer.user_permissions.add(Permission.objects.get(codename="refresh_smartypayment"))
    assert "refresh_from_smartypay" in client.get(reverse(CHANGELIST)).content.decode()
    refresh(client, [payment])
    payment.refresh_from_db()
    assert payment.status == "InProgress"


def test_the_action_label_is_translated(admin_client, payment):
    page = admin_client.get(reverse(CHANGELIST), headers={"accept-language": "ja"})
    assert page.status_code == 200
    with translation.override("ja"):
        label = translation.gettext("Refresh from SmartyPay")
    assert label in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "?status=%3Cscript%3E",
        "?status__in=a,b",
        "?o=99",
        "?o=-1.abc",
        "?amount_value=abc",
        "?amount_value__gt=1e999",
        "?q=%00",
        "?q=" + "x" * 3000,
        "?p=999",
        "?p=-1",
        "?e=1",
        "?raw_data__has_key=x",
        "?metadata__secret=1",
        "?smartypay_id__regex=(",
        "?amount_currency=bUSDT&status=Created",
        "?_changelist_filters=status%3DX",
        "?all=&o=1.2.3",
    ],
)
def test_query_strings_never_500(admin_client, payment, query):
    response = admin_client.get(reverse(CHANGELIST) + query)
    assert response.status_code in (200, 302, 400, 404)
    assert SECRET not in response.content.decode()
