"""Statement budget of the hot path, as Django counts statements (BEGIN and COMMIT included).

The view runs in autocommit (``non_atomic_requests``), as in production, so these tests
use transactional test cases: inside pytest-django's per-test transaction every
``BEGIN``/``COMMIT`` would become a savepoint pair instead.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_smartpay import services
from django_smartpay.models import Order, Payment, Token, WebhookEvent

from .conftest import WEBHOOK_PATH, Receiver, Shop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["endpoint-row", "settings"])
def secret_source(request: Any, settings: Any, shop: Shop, receiver: Receiver) -> str:
    """The secret comes from a WebhookEndpoint row (one combined query) or from the settings."""
    if request.param == "endpoint-row":
        request.getfixturevalue("endpoint")
    else:
        remote = shop.client.create_webhook_endpoint("http://localhost" + WEBHOOK_PATH)
        settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": [remote["signingSecret"]]}
    return request.param


def test_first_time_update_and_duplicate(
    secret_source: str, shop: Shop, receiver: Receiver, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):  # token.created: a first-time object
        session = shop.client.create_checkout_session(
            mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
        )
    token_id = session["token"]["id"]
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    shop.tick()
    with django_assert_max_num_queries(6):  # token.approved: an update
        shop.sim.approve_token(token_id)
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    delivery = shop.sim.delivery_log()[-1]
    with django_assert_max_num_queries(2):  # a redelivery of a processed event
        shop.sim.redeliver(delivery["id"])
    assert receiver.statuses() == [200, 200, 200]
    assert receiver.answers[-1][2]["status"] == "duplicate"
    assert WebhookEvent.objects.filter(status="processed").count() == 2


def test_exact_statements_of_a_first_time_object(
    shop: Shop, receiver: Receiver, endpoint: Any, django_assert_num_queries: Any
) -> None:
    # SELECT endpoint secret + event status + whether the token is mirrored; BEGIN; INSERT
    # event; INSERT token (not mirrored: no lookup of its row); COMMIT.
    with django_assert_num_queries(5) as queries:
        shop.token(approve=False)
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    assert statements == ["SELECT", "BEGIN", "INSERT", "INSERT", "COMMIT"]


def test_first_delivery_of_an_order_event(
    shop: Shop, receiver: Receiver, endpoint: Any, django_assert_max_num_queries: Any
) -> None:
    session = shop.client.create_checkout_session(
        currency="JPY",
        items=[{"name": "Matcha", "amount": 2000}],
        shipping_info={
            "address": {"line1": "1", "locality": "Chiyoda", "postalCode": "100-0005", "country": "JP"}
        },
        customer_info={},
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/cancel",
        capture_method="manual",
    )
    shop.tick()
    # order.authorized, an order not yet mirrored: SELECT secret + event + whether the order
    # is mirrored; BEGIN; INSERT event; its payments' totals and its token's user (either
    # may have arrived first); INSERT order; COMMIT.
    with django_assert_max_num_queries(6):
        shop.sim.authorize_order(session["order"]["id"])
    assert receiver.answers[-1][2]["status"] == "processed"
    shop.tick()
    with django_assert_max_num_queries(6):  # order.canceled: an update
        shop.client.cancel_order(session["order"]["id"])
    assert receiver.answers[-1][2]["status"] == "processed"


def test_first_delivery_of_an_order_event_for_a_mirrored_order(
    shop: Shop, receiver: Receiver, endpoint: Any, django_assert_max_num_queries: Any
) -> None:
    """order.authorized for an order the shop synced when it created the checkout session."""
    session = services.create_checkout_session(
        currency="JPY",
        items=[{"name": "Matcha", "amount": 2000}],
        shipping_info={
            "address": {"line1": "1", "locality": "Chiyoda", "postalCode": "100-0005", "country": "JP"}
        },
        customer_info={},
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/cancel",
        capture_method="manual",
    )
    assert Order.objects.get(smartpay_id=session.order_id).status == "requires_authorization"
    shop.tick()
    with django_assert_max_num_queries(6):
        shop.sim.authorize_order(session.order_id)
    assert receiver.answers[-1][2]["status"] == "processed"
    assert Order.objects.get(smartpay_id=session.order_id).status == "requires_capture"


def test_payment_and_refund_events_sync_their_follow_up_in_the_same_batch(
    shop: Shop, receiver: Receiver, endpoint: Any, django_assert_num_queries: Any
) -> None:
    order_id = shop.order(capture_method="manual", amount=2000)
    shop.tick()
    # payment.created, capturing the whole order: SELECT secret + event + whether the payment
    # is mirrored; SELECT the order's status (does the capture close it? then GET the order);
    # BEGIN; INSERT event; its refunds' total; INSERT payment; lock the order (refreshed and
    # re-fetched, written once); its payments' totals; upsert the order; COMMIT.
    with django_assert_num_queries(10):
        payment_id = shop.client.create_payment(order_id, 2000, "JPY")["id"]
    assert receiver.answers[-1][2]["status"] == "processed"
    assert Order.objects.get(smartpay_id=order_id).status == "succeeded"
    shop.tick()
    # refund.created, refunding it all: the payment and this refund's stored amount in one
    # SELECT (then GET the payment); then the refund, its payment and its order, each locked
    # and written once (the refund, not mirrored, without a lookup of its row).
    with django_assert_num_queries(12):
        shop.client.create_refund(payment_id, 2000, "JPY", "requested_by_customer")
    assert receiver.answers[-1][2]["status"] == "processed"
    payment = Payment.objects.get(smartpay_id=payment_id)
    assert (payment.status, payment.refunded_amount) == ("refunded", 2000)
    assert Order.objects.get(smartpay_id=order_id).refunded_amount == 2000
