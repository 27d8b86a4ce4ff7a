"""Rows link up in whatever order Smartpay's events arrive, and end equal to Smartpay's objects.

The events are the simulator's own (``sim.events()``: each one's object as it was when
the event was emitted); each test applies them in another order through ``sync_object``,
as the webhook view does, and compares the rows with the objects Smartpay returns now.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from django_smartpay import signals
from django_smartpay.models import Order, OrderStatus, Payment, PaymentStatus, Refund
from django_smartpay.sync import sync_by_id, sync_object, sync_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_changes():
    """Every ``order_status_changed`` sent, as ``(smartpay_id, old_status, new_status)``."""
    heard: list[tuple[str, str | None, str]] = []

    def receiver(sender, instance, old_status, new_status, **kwargs):
        heard.append((instance.smartpay_id, old_status, new_status))

    signals.order_status_changed.connect(receiver)
    yield heard
    signals.order_status_changed.disconnect(receiver)


def events_since(sim, start: int) -> list[dict]:
    """The objects of the events emitted after the first ``start`` ones, in emission order."""
    return [event["eventData"]["data"] for event in sim.events()[start:]]


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """``sync_object`` in a transaction of its own whose on-commit signals are sent, as a webhook's."""

    def sync_committed(data: dict):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return sync_object(data)

    return sync_committed


def smartpay_state(client, order_id: str) -> dict:
    """Statuses and totals of an order and its payments as Smartpay has them now."""
    remote = client.get_order(order_id, expand="all")
    payments = {}
    for remote_payment in remote["payments"]:
        expanded = client.get_payment(remote_payment["id"], expand="all")
        refunded = sum(r["amount"] for r in expanded["refunds"] if r["status"] == "succeeded")
        payments[expanded["id"]] = (expanded["status"], refunded, expanded["amount"] - refunded)
    captured = sum(p["amount"] for p in remote["payments"])
    refunded = sum(state[1] for state in payments.values())
    return {"order": (remote["status"], captured, refunded, captured - refunded), "payments": payments}


def local_state(order_id: str) -> dict:
    order = Order.objects.get(smartpay_id=order_id)
    return {
        "order": (order.status, order.captured_amount, order.refunded_amount, order.refundable_amount),
        "payments": {
            p.smartpay_id: (p.status, p.refunded_amount, p.refundable_amount)
            for p in Payment.objects.filter(order_id=order_id)
        },
    }


def assert_equal_to_smartpay(client, order_id: str) -> None:
    assert local_state(order_id) == smartpay_state(client, order_id)


def _reset_rows() -> None:
    for model in (Refund, Payment, Order):
        model.objects.all().delete()


@pytest.fixture
def lifecycle(api, smartpay_client, simulator):
    """A manual-capture order captured in two parts, each refunded (the second in full).

    Returns the order as the shop's checkout sync stored it (``requires_authorization``)
    and the five events that followed: authorized, two captures, two refunds.
    """
    session = api.checkout(capture_method="manual")
    start = len(simulator.events())
    order_id = session["order"]["id"]
    api.tick()
    simulator.authorize_order(order_id)
    api.tick()
    first = smartpay_client.create_payment(order_id, 800, "JPY", cancel_remainder="manual")
    api.tick()
    second = smartpay_client.create_payment(order_id, 1200, "JPY", cancel_remainder="manual")
    api.tick()
    smartpay_client.create_refund(first["id"], 300, "JPY", "requested_by_customer")
    api.tick()
    smartpay_client.create_refund(second["id"], 1200, "JPY", "fraudulent")
    events = events_since(simulator, start)
    assert [e["object"] for e in events] == ["order", "payment", "payment", "refund", "refund"]
    return session["order"], events


def test_every_arrival_order_ends_equal_to_smartpay(deliver, lifecycle, smartpay_client, order_changes):
    """All 720 orders of arrival of the six copies: the checkout's order and the five events."""
    checkout_order, events = lifecycle
    expected = smartpay_state(smartpay_client, checkout_order["id"])
    assert expected["order"] == ("succeeded", 2000, 1500, 500)
    for arrival in itertools.permutations([checkout_order, *events]):
        _reset_rows()
        order_changes.clear()
        for data in arrival:
            deliver(data)
        assert local_state(checkout_order["id"]) == expected, arrival
        succeeded = [change for change in order_changes if change[2] == OrderStatus.SUCCEEDED]
        assert len(succeeded) == 1, (arrival, order_changes)
        olds = [old for _sid, old, _new in order_changes]
        assert len(olds) == len(set(olds)), order_changes  # each transition once


def test_refund_before_its_payment_and_order(deliver, api, smartpay_client, simulator):
    start = len(simulator.events())
    payment = api.payment(amount=2000)
    api.tick()
    api.refund(payment["id"], 2000)  # a full refund: Smartpay marks the payment refunded
    order_event, payment_event, refund_event = events_since(simulator, start)[-3:]
    assert refund_event["object"] == "refund"
    refund = deliver(refund_event)
    assert refund.payment_id == payment["id"]
    row = deliver(payment_event)  # the payment as created: processed, no refunds listed
    assert (row.status, row.refunded_amount) == (PaymentStatus.REFUNDED, 2000)
    deliver(order_event)
    assert_equal_to_smartpay(smartpay_client, payment["order"])


def test_full_capture_before_the_authorization_event(deliver, api, smartpay_client, simulator, order_changes):
    """The order is ``requires_authorization`` here when its capture arrives: it becomes succeeded."""
    session = api.checkout(capture_method="manual")
    deliver(session)
    order_id = session["order"]["id"]
    start = len(simulator.events())
    api.tick()
    simulator.authorize_order(order_id)
    api.tick()
    smartpay_client.create_payment(order_id, 2000, "JPY", cancel_remainder="manual")
    authorized, captured = events_since(simulator, start)
    deliver(captured)
    assert Order.objects.get(smartpay_id=order_id).status == OrderStatus.SUCCEEDED
    deliver(authorized)  # says requires_capture, but its capture is already here
    assert_equal_to_smartpay(smartpay_client, order_id)
    assert order_changes == [
        (order_id, None, "requires_authorization"),
        (order_id, "requires_authorization", "succeeded"),
    ]


def test_payment_before_its_order_at_all(deliver, api, smartpay_client, simulator, order_changes):
    start = len(simulator.events())
    order = api.order(capture_method="automatic")
    authorized, captured = events_since(simulator, start)[-2:]
    deliver(captured)
    assert not Order.objects.exists()
    deliver(authorized)
    assert_equal_to_smartpay(smartpay_client, order["id"])
    assert order_changes == [(order["id"], None, "succeeded")]


def test_sync_by_id_repairs_what_no_event_says(
    deliver, api, smartpay_client, simulator, order_changes, django_capture_on_commit_callbacks
):
    """A partial capture that cancels the remainder: only Smartpay knows the order succeeded."""
    session = api.checkout(capture_method="manual")
    order_id = session["order"]["id"]
    start = len(simulator.events())
    api.tick()
    simulator.authorize_order(order_id)
    api.tick()
    smartpay_client.create_payment(order_id, 500, "JPY", cancel_remainder="automatic")
    authorized, captured = events_since(simulator, start)
    deliver(captured)
    deliver(authorized)
    assert Order.objects.get(smartpay_id=order_id).status == OrderStatus.REQUIRES_CAPTURE
    with django_capture_on_commit_callbacks(execute=True):
        order = sync_by_id(order_id, Order)
    assert isinstance(order, Order)
    assert_equal_to_smartpay(smartpay_client, order_id)
    assert order_changes[-1] == (order_id, "requires_capture", "succeeded")


def test_sync_by_id_of_a_payment_brings_its_missing_refunds(api, smartpay_client):
    payment = api.payment(amount=1000)
    sync_object(smartpay_client.get_order(payment["order"]))
    sync_object(payment)
    api.tick()
    api.refund(payment["id"], 400)
    api.tick()
    api.refund(payment["id"], 100)
    sync_by_id(payment["id"], Payment)
    assert_equal_to_smartpay(smartpay_client, payment["order"])


def test_an_explicit_sync_sums_totals_again(api, smartpay_client):
    """A payment and its first refund inserted at the same moment by two workers cannot see
    each other, so the payment's total can miss the refund; an explicit sync repairs it."""
    payment = api.payment(amount=1000)
    api.tick()
    api.refund(payment["id"], 400)
    sync_object(smartpay_client.get_order(payment["order"]))
    sync_by_id(payment["id"])
    Payment.objects.update(refunded_amount=0)  # the state such a race leaves
    Order.objects.update(refunded_amount=0)
    sync_object(smartpay_client.get_payment(payment["id"]))  # an event's copy: incremental
    assert Payment.objects.get().refunded_amount == 0
    sync_by_id(payment["id"])
    assert Payment.objects.get().refunded_amount == 400
    assert_equal_to_smartpay(smartpay_client, payment["order"])
    Payment.objects.update(refunded_amount=0)
    Order.objects.update(refunded_amount=0)
    sync_page(smartpay_client.list_payments())
    sync_page(smartpay_client.list_orders())
    assert_equal_to_smartpay(smartpay_client, payment["order"])
