"""sync_page: bulk upserts of list pages, and the statement budgets of sync."""

from __future__ import annotations

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_smartpay.models import Order, OrderStatus, Payment, Token
from django_smartpay.sync import sync_object, sync_page

from .conftest import with_fields

pytestmark = pytest.mark.django_db


def _token_orders(api, count: int) -> list[dict]:
    token = api.token()
    for number in range(count):
        api.token_order(token["id"], amount=1000 + number)
    orders = []
    page_token = None
    while True:
        page = api.client.list_orders(max_results=100, page_token=page_token)
        orders += page["data"]
        page_token = page.get("nextPageToken")
        if not page_token:
            return orders


def _insert_chunks(model, rows: int) -> int:
    """INSERT statements Django needs for ``rows`` rows: 1, except on SQLite (999 bound values each)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def _count(callable_, *args) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_(*args)
    return len(context.captured_queries)


def test_collection_page_is_upserted_in_order(api, smartpay_client):
    _token_orders(api, 5)
    page = smartpay_client.list_orders(max_results=3)
    rows = sync_page(page)
    assert [row.smartpay_id for row in rows] == [item["id"] for item in page["data"]]
    assert all(row.pk for row in rows)
    assert Order.objects.count() == 3
    assert sync_page([]) == []


def test_statements_per_page_do_not_grow_with_page_size(api):
    orders = _token_orders(api, 120)
    small, large = orders[:20], orders[20:120]
    small_count = _count(sync_page, small)
    large_count = _count(sync_page, large)
    # savepoint pair, SELECT existing, payment totals with token users, INSERT (split only by SQLite's limit)
    assert small_count == 4 + _insert_chunks(Order, 20)
    assert large_count - _insert_chunks(Order, 100) == small_count - _insert_chunks(Order, 20)
    assert Order.objects.count() == 120


def test_unchanged_page_is_not_written_again(api):
    orders = _token_orders(api, 30)
    sync_page(orders)
    with CaptureQueriesContext(connection) as context:
        sync_page(orders)
    statements = [query["sql"].split()[0] for query in context.captured_queries]
    # savepoint pair, SELECT … FOR UPDATE, the captures summed again (an explicit sync repairs totals)
    assert statements == ["SAVEPOINT", "SELECT", "SELECT", "RELEASE"]


def test_mixed_page_updates_changed_rows_and_inserts_new_ones(api):
    orders = _token_orders(api, 10)
    sync_page(orders[:5])
    changed = [
        with_fields(order, updatedAt=order["updatedAt"] + 1, reference=f"r{n}")
        for n, order in enumerate(orders)
    ]
    rows = sync_page(changed)
    assert Order.objects.count() == 10
    assert sorted(Order.objects.values_list("reference", flat=True)) == sorted(f"r{n}" for n in range(10))
    assert {row.reference for row in rows} == {f"r{n}" for n in range(10)}
    existing = Order.objects.get(smartpay_id=orders[0]["id"])
    assert existing.created < existing.updated


def test_page_keeps_the_newest_duplicate(api):
    order = _token_orders(api, 1)[0]
    newer = with_fields(order, updatedAt=order["updatedAt"] + 10, reference="newest")
    rows = sync_page([newer, order])
    assert rows[0] is rows[1]
    assert Order.objects.get().reference == "newest"


def test_expanded_page_syncs_children_and_totals(api, smartpay_client):
    _token_orders(api, 4)
    page = smartpay_client.list_orders(max_results=10, expand="all")
    orders = sync_page(page)
    assert Payment.objects.count() == 4
    assert all(order.captured_amount == order.amount for order in orders)
    assert all(order.token_id for order in orders)  # tokenId stays a reference: no token row needed
    assert not Token.objects.exists()


#: Statements of a first-time object through ``sync_object`` (a savepoint pair included).  A
#: new order's captures are always summed (they may have arrived first); a payment or a
#: refund locks and re-sums its parents (payment, order) so concurrent children add up.
FIRST_TIME_BUDGET = {
    "checkout": 7,  # + SELECT/SUM/INSERT of the expanded order
    "token": 4,
    "order": 5,
    "payment": 8,  # + SELECT … FOR UPDATE, SUM, UPDATE of the order
    "refund": 10,  # + the same for the payment, then for the order
    "coupon": 4,
    "promotion": 4,
    "webhook": 4,
}


@pytest.mark.parametrize("kind", sorted(FIRST_TIME_BUDGET))
def test_first_time_object_statements(api, smartpay_client, django_assert_max_num_queries, kind):
    token = api.token()
    order = api.token_order(token["id"])
    payment = smartpay_client.get_payment(order["payments"][0])
    coupon = smartpay_client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    makers = {
        "checkout": api.checkout,
        "token": lambda: token,
        "order": lambda: order,
        "payment": lambda: payment,
        "refund": lambda: api.refund(payment["id"]),
        "coupon": lambda: coupon,
        "promotion": lambda: smartpay_client.create_promotion_code(coupon["id"], "SPRING"),
        "webhook": lambda: smartpay_client.create_webhook_endpoint("https://shop.example/hook"),
    }
    data = makers[kind]()
    if kind in ("payment", "refund"):
        sync_object(order)  # the parents exist, so they are locked and their totals refreshed
    if kind == "refund":
        sync_object(payment)
    with django_assert_max_num_queries(FIRST_TIME_BUDGET[kind]):
        row = sync_object(data)
    assert row.pk is not None


def test_update_statements(api, smartpay_client, django_assert_num_queries):
    """An update of an existing order: savepoint pair, SELECT … FOR UPDATE, upsert."""
    created = sync_object(api.order(capture_method="manual"))
    api.tick()
    canceled = smartpay_client.cancel_order(created.smartpay_id)
    with django_assert_num_queries(4):
        order = sync_object(canceled)
    assert order.status == OrderStatus.CANCELED


def test_first_time_order_without_related_rows_costs_five(api, django_assert_num_queries):
    data = api.order(capture_method="manual")
    with django_assert_num_queries(5):  # savepoint, SELECT, SUM of its captures, INSERT, release
        order = sync_object(data)
    assert order.status == OrderStatus.REQUIRES_CAPTURE
