"""Races on PostgreSQL: two schedulers, two workers on one charge (real row locks, real threads)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from django_smartpay.charging import (
    charge_due_batch,
    charge_due_schedules,
    charge_token,
    create_schedule,
    run_charge,
)
from django_smartpay.charging import create as charging_create
from django_smartpay.models import TokenCharge, TokenChargeStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(target: Callable[[], Any], count: int = 2) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Charge ids that would be sent to workers (not sent here)."""
    sent: list[int] = []
    monkeypatch.setattr(charging_create, "_publish", sent.extend)
    return sent


def test_two_schedulers_charge_each_period_once(token, charge_kwargs, enqueued):
    start = timezone.now() - dt.timedelta(minutes=1)
    for _ in range(40):
        create_schedule(token, 1000, "JPY", interval="monthly", start_at=start, **charge_kwargs)

    created = _in_threads(lambda: charge_due_schedules(batch_size=3), count=3)

    assert sum(created) == 40
    assert TokenCharge.objects.count() == 40
    assert sorted(enqueued) == sorted(TokenCharge.objects.values_list("pk", flat=True))
    assert TokenCharge.objects.values("schedule_id").distinct().count() == 40


def test_two_workers_on_one_charge_send_one_request(token, charge_kwargs, shop, enqueued):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=None, latency=0.5, count=None)

    outcomes = _in_threads(lambda: run_charge(charge.pk))

    statuses = sorted(outcome.status for outcome in outcomes)
    assert statuses == [TokenChargeStatus.PROCESSING, TokenChargeStatus.SUCCEEDED]
    backed_off = next(o for o in outcomes if o.status == TokenChargeStatus.PROCESSING)
    assert backed_off.retry_in is not None and not backed_off.sent
    assert len(shop.order_posts()) == 1
    charge.refresh_from_db()
    assert (charge.status, charge.attempts) == (TokenChargeStatus.SUCCEEDED, 1)


@pytest.mark.parametrize("batch_size", [5, 250])
def test_statements_per_batch_are_constant_on_postgresql(
    token, charge_kwargs, enqueued, django_assert_num_queries, batch_size
):
    start = timezone.now() - dt.timedelta(minutes=1)
    for _ in range(batch_size):
        create_schedule(token, 1000, "JPY", interval="daily", start_at=start, **charge_kwargs)
    # BEGIN, SELECT … FOR UPDATE SKIP LOCKED, SELECT existing, INSERT, UPDATE, COMMIT
    with django_assert_num_queries(6):
        result = charge_due_batch(batch_size=batch_size)
    assert result.created == batch_size
