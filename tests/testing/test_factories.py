"""The factories: ids in Smartpay's formats, consistent relations, and ``data`` that matches the columns."""

from __future__ import annotations

import json
import re

import pytest

from django_smartpay.client import base62
from django_smartpay.models import Order, Payment
from django_smartpay.sync import FIELDS, sync_object
from django_smartpay.testing import factories as f

pytestmark = pytest.mark.django_db

ID_RE = r"^{prefix}_test_[0-9a-zA-Z]{{22}}$"
MIRRORED = [
    (f.TokenFactory, "paytok"),
    (f.OrderFactory, "order"),
    (f.PaymentFactory, "payment"),
    (f.RefundFactory, "refund"),
    (f.CheckoutSessionFactory, "checkout"),
    (f.CouponFactory, "coupon"),
    (f.PromotionCodeFactory, "promotioncode"),
    (f.WebhookEndpointFactory, "webhookendpoint"),
]


def _columns_of(row):
    """What sync would write from ``row.data``, compared with what the row holds."""
    expected = FIELDS[row.api_object](row.data)
    return {name: getattr(row, name) for name in expected}, expected


@pytest.mark.parametrize(("factory", "prefix"), MIRRORED)
def test_ids_have_smartpay_formats(factory, prefix):
    row = factory()
    assert re.match(ID_RE.format(prefix=prefix), row.smartpay_id)
    assert row.data["id"] == row.smartpay_id
    assert row.data["object"] == row.api_object


@pytest.mark.parametrize(("factory", "prefix"), MIRRORED)
def test_data_holds_the_object_the_columns_mirror(factory, prefix):
    row = factory()
    row.refresh_from_db()
    actual, expected = _columns_of(row)
    assert actual == expected


@pytest.mark.parametrize(("factory", "prefix"), MIRRORED)
def test_syncing_the_data_again_changes_nothing(factory, prefix, django_capture_on_commit_callbacks):
    row = factory()
    row.refresh_from_db()
    before = {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}

    with django_capture_on_commit_callbacks() as callbacks:
        synced = sync_object(row.data)

    after = {field.attname: getattr(synced, field.attname) for field in type(row)._meta.concrete_fields}
    assert after == before
    assert callbacks == []  # no signal: nothing changed


def test_live_objects_are_live_all_the_way_down():
    refund = f.RefundFactory(test=False)
    payment = refund.payment
    rows = [refund, payment, payment.order, payment.order.token]
    assert [row.test for row in rows] == [False] * 4
    assert all("_live_" in row.smartpay_id and row.data["test"] is False for row in rows)
    assert f.CheckoutSessionFactory(test=False, for_order=True).order.smartpay_id.startswith("order_live_")


def test_an_order_has_a_token_and_the_tokens_user():
    order = f.OrderFactory()
    assert order.token.user is not None
    assert order.user == order.token.user
    assert order.data["tokenId"] == order.token.smartpay_id
    assert order.status == "requires_capture"
    assert order.capturable_amount == order.amount


def test_a_standard_order_has_no_token():
    user = f.UserFactory()
    order = f.OrderFactory(token=None, user=user)
    assert order.user == user
    assert "tokenId" not in order.data


def test_a_payment_captures_its_order_and_the_totals_follow():
    payment = f.PaymentFactory()
    order = Order.objects.get(smartpay_id=payment.order_id)
    assert (order.status, order.captured_amount, order.refunded_amount) == ("succeeded", order.amount, 0)
    assert order.data["payments"] == [payment.smartpay_id]
    assert order.data["status"] == "succeeded"
    assert payment.order.status == "succeeded"  # the instance the factory used is up to date


def test_a_captured_order_comes_with_its_payment():
    order = f.OrderFactory(captured=True, amount=4800)
    [payment] = Payment.objects.filter(order_id=order.smartpay_id)
    assert (payment.amount, order.status, order.captured_amount) == (4800, "succeeded", 4800)
    assert order.data["payments"] == [payment.smartpay_id]


def test_refunds_update_the_payment_and_the_order():
    payment = f.PaymentFactory(order__amount=1500)
    first = f.RefundFactory(payment=payment)
    assert (first.amount, payment.refunded_amount, payment.status) == (1000, 1000, "processed")
    f.RefundFactory(payment=payment, amount=500)
    payment.refresh_from_db()
    order = Order.objects.get(smartpay_id=payment.order_id)
    assert (payment.refunded_amount, payment.status, payment.refundable_amount) == (1500, "refunded", 0)
    assert len(payment.data["refunds"]) == 2
    assert (order.captured_amount, order.refunded_amount, order.refundable_amount) == (1500, 1500, 0)


def test_checkout_sessions_for_tokens_and_orders():
    token_session = f.CheckoutSessionFactory()
    order_session = f.CheckoutSessionFactory(for_order=True)
    assert (token_session.mode, token_session.data["token"]) == ("token", token_session.token_id)
    assert token_session.user == token_session.token.user
    assert order_session.mode == "order" and order_session.token is None
    assert order_session.data["order"] == order_session.order_id
    assert order_session.user == order_session.order.user is not None
    assert token_session.url.startswith(f"https://checkout.smartpay.co/{token_session.smartpay_id}.")


def test_promotion_code_belongs_to_its_coupon():
    code = f.PromotionCodeFactory()
    assert code.data["coupon"] == code.coupon.smartpay_id
    assert code.coupon.discount_amount == 500


def test_webhook_endpoint_secret_is_base62_and_kept_out_of_data():
    endpoint = f.WebhookEndpointFactory()
    assert "signingSecret" not in endpoint.data
    assert len(base62.decode(endpoint.signing_secret)) >= 29


def test_charge_schedule_and_charges():
    schedule = f.ChargeScheduleFactory()
    pending = f.TokenChargeFactory(token=schedule.token, schedule=schedule, period=schedule.next_run_at)
    settled = f.TokenChargeFactory(succeeded=True, amount=1200)
    assert schedule.token.status == "active" and schedule.status == "active"
    assert schedule.items[0]["amount"] == schedule.amount
    assert pending.status == "pending" and pending.order is None
    assert len(pending.reference) <= 40
    assert settled.order.status == "succeeded"
    assert (settled.order.amount, settled.order.token_id) == (1200, settled.token_id)
    assert settled.order.reference == settled.reference
    assert settled.order.user == settled.token.user


def test_webhook_event_carries_its_objects_data():
    event = f.WebhookEventFactory()
    body = json.loads(event.body)
    assert event.event_id == body["id"] and event.event_id.startswith("evt_test_")
    assert body["eventData"]["type"] == event.type == "order.authorized"
    assert body["eventData"]["data"]["id"] == event.object_smartpay_id
    assert event.obj is not None and event.obj.smartpay_id == event.object_smartpay_id


def _real_objects(client, sim):
    """One object of each kind made in the simulator, configured like the factories' defaults."""
    address = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}
    session = client.create_checkout_session(
        mode="token", success_url="https://a.example/ok", cancel_url="https://a.example/c", reference="t-1"
    )
    token_id = session["token"]["id"]
    sim.approve_token(token_id)
    order = client.create_order(
        token=token_id,
        currency="JPY",
        items=[{"name": "Tea", "amount": 2000}],
        shipping_info={"address": address},
        customer_info={},
        capture_method="manual",
        reference="order-1",
    )
    payment = client.create_payment(order["id"], 2000, "JPY")
    refund = client.create_refund(payment["id"], 1000, "JPY", "requested_by_customer")
    coupon = client.create_coupon(name="C", discount_type="amount", discount_amount=500, currency="JPY")
    code = client.create_promotion_code(coupon["id"], "SPRING1", currency="JPY")
    endpoint = client.create_webhook_endpoint("https://a.example/wh")
    return {
        "token": client.get_token(token_id),
        "order": client.get_order(order["id"]),
        "payment": client.get_payment(payment["id"]),
        "refund": client.get_refund(refund["id"]),
        "checkoutSession": client.get_checkout_session(session["id"]),
        "coupon": client.get_coupon(coupon["id"]),
        "promotionCode": client.get_promotion_code(code["id"]),
        "webhookEndpoint": client.get_webhook_endpoint(endpoint["id"]),
    }


def test_factory_data_has_the_shape_of_the_simulators_objects(smartpay_client, smartpay_simulator):
    real = _real_objects(smartpay_client, smartpay_simulator)
    made = {factory._meta.model.api_object: factory() for factory, _prefix in MIRRORED}

    for kind, obj in real.items():
        obj.pop("signingSecret", None)  # kept in its own column, never in data
        data = made[kind].data
        assert set(data) == set(obj), kind
        mismatched = {key for key in obj if type(obj[key]) is not type(data[key])}
        assert mismatched == set(), kind
