"""Two copies of one object with the same ``updatedAt``: the documented precedence decides.

Smartpay's clock has milliseconds; two changes in the same millisecond give two states
with equal ``updatedAt``.  The simulator's frozen clock makes them for real; each pair is
synced in both orders, and both orders must end in the same row.
"""

from __future__ import annotations

import pytest

from django_smartpay.models import Order, OrderStatus, Payment, Token, TokenStatus
from django_smartpay.sync import sync_object
from django_smartpay.sync_fields import precedence

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(simulator):
    simulator.clock.freeze()
    yield simulator.clock
    simulator.clock.unfreeze()


def both_orders(model, first: dict, second: dict) -> list[tuple]:
    """The row's (status, data) after syncing the pair in one order, then in the other."""
    results = []
    for pair in ((first, second), (second, first)):
        model.objects.all().delete()
        for data in pair:
            sync_object(data)
        row = model.objects.get(smartpay_id=first["id"])
        results.append((row.status, row.data))
    return results


def test_terminal_order_status_beats_an_open_one_in_either_order(api, smartpay_client, frozen):
    authorized = api.order(capture_method="manual")  # requires_capture
    canceled = smartpay_client.cancel_order(authorized["id"])  # same millisecond
    assert canceled["updatedAt"] == authorized["updatedAt"]
    first, second = both_orders(Order, authorized, canceled)
    assert first == second == (OrderStatus.CANCELED, canceled)


def test_more_captures_beat_fewer_in_either_order(api, smartpay_client, frozen):
    authorized = api.order(capture_method="manual")
    smartpay_client.create_payment(authorized["id"], 500, "JPY", cancel_remainder="manual")
    one = smartpay_client.get_order(authorized["id"])
    smartpay_client.create_payment(authorized["id"], 500, "JPY", cancel_remainder="manual")
    two = smartpay_client.get_order(authorized["id"])
    assert (one["status"], one["updatedAt"]) == (two["status"], two["updatedAt"])
    first, second = both_orders(Order, one, two)
    assert first == second == (OrderStatus.REQUIRES_CAPTURE, two)


def test_disabled_token_beats_active_in_either_order(api, smartpay_client, frozen):
    active = api.token()
    disabled = smartpay_client.disable_token(active["id"]) or smartpay_client.get_token(active["id"])
    assert disabled["updatedAt"] == active["updatedAt"]
    first, second = both_orders(Token, active, disabled)
    assert first[0] == second[0] == TokenStatus.DISABLED


def test_refunded_payment_beats_processed_in_either_order(api, smartpay_client, frozen):
    processed = api.payment(amount=1000)
    api.refund(processed["id"], 1000)
    refunded = smartpay_client.get_payment(processed["id"])
    assert refunded["updatedAt"] == processed["updatedAt"]
    first, second = both_orders(Payment, processed, refunded)
    assert first == second == ("refunded", refunded)


def test_same_status_same_time_ties_are_broken_the_same_way_in_either_order(api, smartpay_client, frozen):
    order = api.order(capture_method="manual")
    renamed = {**order, "metadata": {"note": "b"}}
    other = {**order, "metadata": {"note": "a"}}
    first, second = both_orders(Order, renamed, other)
    assert first == second
    assert first[1] == max(renamed, other, key=precedence)


def test_an_older_copy_never_wins_whatever_its_status(api, smartpay_client):
    authorized = api.order(capture_method="manual")
    api.tick()
    later = smartpay_client.get_order(authorized["id"])
    stale_but_terminal = {**authorized, "status": "canceled"}
    sync_object({**later, "updatedAt": later["updatedAt"] + 1000, "reference": "newest"})
    sync_object(stale_but_terminal)
    order = Order.objects.get(smartpay_id=authorized["id"])
    assert (order.status, order.reference) == (OrderStatus.REQUIRES_CAPTURE, "newest")
