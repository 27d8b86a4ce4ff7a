"""sync_object for orders, payments and refunds, with objects made in the simulator."""

from __future__ import annotations

import datetime as dt

import pytest

from django_smartpay.models import Order, OrderStatus, Payment, Refund, Token
from django_smartpay.sync import from_ms, sync_object, to_ms

from .conftest import with_fields

pytestmark = pytest.mark.django_db


def test_ms_conversion_is_exact_and_aware():
    value = from_ms(1653028523020)
    assert value == dt.datetime(2022, 5, 20, 6, 35, 23, 20000, tzinfo=dt.UTC)
    assert to_ms(value) == 1653028523020
    assert from_ms(None) is None


def test_order_created_with_critical_columns(api):
    data = api.order(capture_method="manual", reference="shop-1")
    order = sync_object(data)
    order.refresh_from_db()
    assert order.smartpay_id == data["id"]
    assert order.test is True
    assert order.status == OrderStatus.REQUIRES_CAPTURE
    assert (order.amount, order.currency, order.reference) == (2000, "JPY", "shop-1")
    assert to_ms(order.smartpay_created) == data["createdAt"]
    assert to_ms(order.smartpay_updated) == data["updatedAt"]
    assert to_ms(order.expires_at) == data["expiresAt"]
    assert order.smartpay_created.tzinfo is not None
    assert order.data == data
    assert order.capturable_amount == 2000


def test_order_updated_by_newer_copy(api, smartpay_client):
    before = api.order(capture_method="manual")
    order = sync_object(before)
    api.tick()
    after = smartpay_client.cancel_order(before["id"])
    again = sync_object(after)
    assert again.pk == order.pk
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED
    assert Order.objects.count() == 1


def test_older_order_copy_changes_nothing(api, smartpay_client):
    older = api.order(capture_method="manual")
    api.tick()
    newer = smartpay_client.cancel_order(older["id"])
    sync_object(newer)
    sync_object(older)
    order = Order.objects.get(smartpay_id=older["id"])
    assert order.status == OrderStatus.CANCELED
    assert order.data == newer


def test_unknown_fields_are_kept(api):
    data = with_fields(api.order(), riskAssessment={"score": 3}, futureFlag=True)
    order = sync_object(data)
    assert Order.objects.get(pk=order.pk).data["riskAssessment"] == {"score": 3}
    assert order.data["futureFlag"] is True


def test_same_copy_twice_writes_once(api, django_assert_num_queries):
    data = api.order()
    sync_object(data)
    with django_assert_num_queries(3):  # savepoint, SELECT … FOR UPDATE, release
        sync_object(data)


def test_payment_before_its_order_links_when_order_arrives(api, smartpay_client):
    payment_data = api.payment(amount=1500)
    payment = sync_object(payment_data)
    assert payment.order_id == payment_data["order"]
    assert not Payment.objects.filter(order__pk__isnull=False).exists()

    order = sync_object(smartpay_client.get_order(payment_data["order"]))
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    assert payment.order == order
    assert list(order.payments.all()) == [payment]
    assert order.captured_amount == 1500


def test_payment_after_its_order_updates_order_totals(api, smartpay_client):
    order = sync_object(api.order(capture_method="manual"))
    api.tick()
    payment = sync_object(
        smartpay_client.create_payment(order.smartpay_id, 500, "JPY", cancel_remainder="manual")
    )
    order.refresh_from_db()
    assert payment.order_id == order.smartpay_id
    assert order.captured_amount == 500
    assert order.capturable_amount == 1500


def test_payment_update_and_older_copy(api, smartpay_client):
    first = api.payment()
    payment = sync_object(first)
    api.tick()
    second = smartpay_client.update_payment(first["id"], reference="invoice-7")
    sync_object(second)
    sync_object(first)
    payment.refresh_from_db()
    assert payment.reference == "invoice-7"
    assert payment.data == second
    assert (
        sync_object(with_fields(second, updatedAt=second["updatedAt"] + 1, newField=1)).data["newField"] == 1
    )


def test_refund_before_its_payment_links_and_counts(api, smartpay_client):
    payment_data = api.payment(amount=2000)
    api.tick()
    refund_data = api.refund(payment_data["id"], 300)
    refund = sync_object(refund_data)
    assert refund.payment_id == payment_data["id"]
    assert (refund.amount, refund.reason, refund.status) == (300, "requested_by_customer", "succeeded")

    payment = sync_object(smartpay_client.get_payment(payment_data["id"]))
    assert payment.refunded_amount == 300
    assert payment.refundable_amount == 1700
    assert list(payment.refunds.all()) == [refund]
    order = sync_object(smartpay_client.get_order(payment_data["order"]))
    assert (order.captured_amount, order.refunded_amount) == (2000, 300)


def test_refund_after_payment_and_order_updates_both_totals(api, smartpay_client):
    payment_data = api.payment(amount=2000)
    sync_object(smartpay_client.get_order(payment_data["order"]))
    sync_object(payment_data)
    api.tick()
    sync_object(api.refund(payment_data["id"], 500))
    api.tick()
    sync_object(api.refund(payment_data["id"], 200))
    payment = Payment.objects.get(smartpay_id=payment_data["id"])
    order = Order.objects.get(smartpay_id=payment_data["order"])
    assert payment.refunded_amount == 700
    assert order.refunded_amount == 700
    assert order.refundable_amount == 1300


def test_refund_update_and_older_copy(api, smartpay_client):
    payment_data = api.payment()
    first = api.refund(payment_data["id"])
    sync_object(first)
    api.tick()
    second = smartpay_client.update_refund(first["id"], description="damaged box")
    sync_object(second)
    sync_object(first)
    refund = Refund.objects.get(smartpay_id=first["id"])
    assert refund.description == "damaged box"
    refund = sync_object(with_fields(second, updatedAt=second["updatedAt"] + 1, carrier="yamato"))
    assert Refund.objects.get(pk=refund.pk).data["carrier"] == "yamato"


def test_expanded_payment_syncs_order_and_refunds(api, smartpay_client):
    payment_data = api.payment(amount=2000)
    api.tick()
    api.refund(payment_data["id"], 400)
    payment = sync_object(smartpay_client.get_payment(payment_data["id"], expand="all"))
    assert Order.objects.filter(smartpay_id=payment_data["order"]).exists()
    assert Refund.objects.filter(payment_id=payment.smartpay_id, amount=400).exists()
    order = Order.objects.get(smartpay_id=payment_data["order"])
    assert (payment.refunded_amount, order.captured_amount, order.refunded_amount) == (400, 2000, 400)


def test_token_order_after_its_payment_gets_totals_and_token_user(api, smartpay_client, user):
    """One statement reads both for a lone new token order: the payment synced first and the token's user."""
    token_data = api.token()
    sync_object(token_data, user=user)
    order_data = api.token_order(token_data["id"])
    (payment_id,) = order_data["payments"]
    sync_object(smartpay_client.get_payment(payment_id))
    order = sync_object(order_data)
    assert (order.user_id, order.captured_amount, order.refunded_amount) == (user.pk, order_data["amount"], 0)
    order.refresh_from_db()
    assert (order.user_id, order.captured_amount, order.refunded_amount) == (user.pk, order_data["amount"], 0)


def test_token_order_before_token_links_and_inherits_user(api, smartpay_client, user):
    token_data = api.token()
    order = sync_object(api.token_order(token_data["id"]))
    assert order.token_id == token_data["id"]
    assert order.user_id is None
    token = sync_object(token_data, user=user)
    order.refresh_from_db()
    assert order.token == token
    assert order.user == user
    later = sync_object(api.token_order(token_data["id"]))
    assert later.user == user
    assert Token.objects.get(pk=token.pk).orders.count() == 2
