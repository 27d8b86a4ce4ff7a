"""Concurrent syncs on PostgreSQL: one row per object, the newest state, and totals that add up.

Each test starts real threads (each with its own connection) released together by a
barrier; the races are real, so they repeat enough rounds to meet the bad interleavings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection, connections, transaction

from django_smartpay import signals
from django_smartpay.models import Order, OrderStatus, Payment, PaymentStatus
from django_smartpay.sync import sync_object

from .conftest import with_fields

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 30


def sync_together(*objects: dict) -> None:
    """Sync each of ``objects`` in a thread of its own, all released together."""
    run_together(*(partial(sync_object, data) for data in objects))


def run_together(*jobs: Callable[[], object]) -> None:
    """Run ``jobs`` in threads released at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_parallel_workers_store_one_row_and_the_newest_state(api):
    created = api.order(capture_method="manual")
    versions = [with_fields(created, updatedAt=created["updatedAt"] + n, reference=f"v{n}") for n in range(8)]
    sync_together(*versions)
    assert list(Order.objects.values_list("reference", flat=True)) == ["v7"]


def test_concurrent_refunds_of_one_payment_add_up(api, smartpay_client):
    for _ in range(ROUNDS):
        payment = api.payment(amount=2000)
        sync_object(smartpay_client.get_order(payment["order"]))
        sync_object(payment)
        api.tick()
        first = api.refund(payment["id"], 700)
        second = api.refund(payment["id"], 1300)  # together: the whole payment
        sync_together(first, second)
        row = Payment.objects.get(smartpay_id=payment["id"])
        order = Order.objects.get(smartpay_id=payment["order"])
        assert (row.refunded_amount, row.status) == (2000, PaymentStatus.REFUNDED)
        assert (order.captured_amount, order.refunded_amount, order.refundable_amount) == (2000, 2000, 0)


def test_one_refund_delivered_twice_at_once_counts_once(api, smartpay_client):
    for _ in range(ROUNDS):
        payment = api.payment(amount=2000)
        sync_object(smartpay_client.get_order(payment["order"]))
        sync_object(payment)
        api.tick()
        refund = api.refund(payment["id"], 500)
        sync_together(refund, dict(refund))
        row = Payment.objects.get(smartpay_id=payment["id"])
        order = Order.objects.get(smartpay_id=payment["order"])
        assert (row.refunded_amount, row.status, order.refunded_amount) == (500, PaymentStatus.PROCESSED, 500)


def test_concurrent_captures_of_one_order_add_up_and_succeed_once(api, smartpay_client):
    succeeded: list[str] = []

    def receiver(sender, instance, new_status, **kwargs):
        if new_status == OrderStatus.SUCCEEDED:
            succeeded.append(instance.smartpay_id)

    signals.order_status_changed.connect(receiver)
    try:
        for _ in range(ROUNDS):
            order = sync_object(api.order(capture_method="manual"))
            api.tick()
            first = smartpay_client.create_payment(order.smartpay_id, 800, "JPY", cancel_remainder="manual")
            second = smartpay_client.create_payment(order.smartpay_id, 1200, "JPY", cancel_remainder="manual")
            sync_together(first, second)
            order.refresh_from_db()
            assert (order.captured_amount, order.status) == (2000, OrderStatus.SUCCEEDED)
            assert succeeded.count(order.smartpay_id) == 1
    finally:
        signals.order_status_changed.disconnect(receiver)


def _wait_until_blocked(timeout: float = 10.0) -> None:
    """Return once another session of this database waits for a lock (polled, bounded)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second worker never waited for the first one's row")


def test_insert_race_is_retried_as_an_update(api, caplog):
    """Our SELECT ran before the other worker committed the row; our INSERT then hits it."""
    created = api.order(capture_method="manual")
    newer = with_fields(created, updatedAt=created["updatedAt"] + 1, status="canceled")
    inserted, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first_worker() -> None:
        with transaction.atomic():
            results["first"] = sync_object(created)
            inserted.set()
            release.wait(10)

    def second_worker() -> None:
        inserted.wait(10)
        results["second"] = sync_object(newer)

    caplog.set_level(logging.INFO, logger="django_smartpay.sync")
    threads = [
        threading.Thread(target=lambda job=job: (job(), connection.close()))
        for job in (first_worker, second_worker)
    ]
    for thread in threads:
        thread.start()
    inserted.wait(10)
    _wait_until_blocked()  # the second INSERT waits on the first one's uncommitted row
    release.set()
    for thread in threads:
        thread.join()
    assert "concurrent insert detected, retrying once" in caplog.text
    assert list(Order.objects.values_list("status", flat=True)) == [OrderStatus.CANCELED]
    assert results["second"].pk == results["first"].pk
