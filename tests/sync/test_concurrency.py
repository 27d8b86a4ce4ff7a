"""Two workers syncing the same new object: the unique Smartpay id decides, the loser retries."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from django_smartpay import sync
from django_smartpay.models import Order, OrderStatus
from django_smartpay.sync import sync_object

from .conftest import with_fields


@pytest.mark.django_db
def test_insert_race_is_retried_as_an_update(api, monkeypatch, django_capture_on_commit_callbacks):
    """Our SELECT ran before the other worker committed the row; our INSERT then hits it."""
    created = api.order(capture_method="manual")
    other = sync_object(created)  # the other worker's row
    newer = with_fields(created, updatedAt=created["updatedAt"] + 1, status="canceled")
    real = sync._lock_existing
    calls = []

    def stale_first_select(model, ids):
        calls.append(model)
        return {} if len(calls) == 1 else real(model, ids)

    monkeypatch.setattr(sync, "_lock_existing", stale_first_select)
    with django_capture_on_commit_callbacks() as callbacks:
        order = sync_object(newer)
    assert calls == [Order, Order]  # the first attempt failed on the unique id and was retried
    assert order.pk == other.pk
    assert list(Order.objects.values_list("status", flat=True)) == [OrderStatus.CANCELED]
    assert len(callbacks) == 1  # the failed attempt's "created" signal was rolled back with it


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_store_one_row_and_the_newest_state(api):
    created = api.order(capture_method="manual")
    versions = [with_fields(created, updatedAt=created["updatedAt"] + n, reference=f"v{n}") for n in range(8)]
    barrier = threading.Barrier(len(versions))
    errors = []

    def worker(data):
        try:
            barrier.wait()
            sync_object(data)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(data,)) for data in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(Order.objects.values_list("reference", flat=True)) == ["v7"]
