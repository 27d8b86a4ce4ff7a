"""Orders through the REST endpoints: the user's own, with payments and refunds nested."""

from __future__ import annotations

import pytest

from django_smartpay import services
from django_smartpay.sync import sync_object

from .conftest import API
from .rows import SHIPPING

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_order(alice_shops, smartpay_client, simulator):
    """An order of Alice's token, captured in part and refunded in part, all through Smartpay."""
    token = alice_shops.active_token()
    simulator.clock.advance(1)
    data = smartpay_client.create_order(
        token=token.smartpay_id,
        currency="JPY",
        items=[{"name": "Matcha set", "amount": 3000}],
        shipping_info=SHIPPING,
        customer_info={},
        capture_method="manual",
        reference="shop-order-1",
    )
    order = sync_object(data)
    simulator.clock.advance(1)
    payment = services.capture_order(order, 2000, cancel_remainder="manual")
    simulator.clock.advance(1)
    services.refund_payment(payment, 500, reason="requested_by_customer")
    order.refresh_from_db()
    return order


def test_orders_list_nests_payments_and_refunds(alice_order, as_alice):
    response = as_alice.get(API + "orders/")

    assert response.status_code == 200
    [order] = response.json()["results"]
    assert order["id"] == alice_order.smartpay_id
    assert order["token"] == alice_order.token_id
    assert (order["amount"], order["captured_amount"], order["refunded_amount"]) == (3000, 2000, 500)
    assert order["status"] == "requires_capture"
    assert order["reference"] == "shop-order-1"
    [payment] = order["payments"]
    assert (payment["amount"], payment["refunded_amount"], payment["status"]) == (2000, 500, "processed")
    [refund] = payment["refunds"]
    assert (refund["amount"], refund["reason"], refund["status"]) == (
        500,
        "requested_by_customer",
        "succeeded",
    )
    assert refund["id"].startswith("refund_test_")


def test_order_detail_by_smartpay_id(alice_order, as_alice):
    response = as_alice.get(f"{API}orders/{alice_order.smartpay_id}/")

    assert response.status_code == 200
    assert response.json()["payments"][0]["refunds"][0]["amount"] == 500


def test_another_user_sees_no_orders(alice_order, as_bob):
    assert as_bob.get(API + "orders/").json()["results"] == []
    assert as_bob.get(f"{API}orders/{alice_order.smartpay_id}/").status_code == 404


def test_orders_are_read_only(alice_order, as_alice):
    url = f"{API}orders/{alice_order.smartpay_id}/"

    assert as_alice.delete(url).status_code == 405
    assert as_alice.post(API + "orders/", {}, format="json").status_code == 405


def test_the_list_costs_a_fixed_number_of_queries(
    alice_order, alice_shops, as_alice, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = as_alice.get(API + "orders/")
    assert len(response.json()["results"]) == 1
