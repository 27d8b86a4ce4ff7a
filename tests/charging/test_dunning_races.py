"""Dunning races on PostgreSQL: concurrent retries and duplicate messages pay a period at most once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from django_smartpay.charging import (
    charge_due_schedules,
    create_schedule,
    retry_now,
    run_charge,
    use_publisher,
)
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import ChargeSchedule, TokenCharge, TokenChargeStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(target: Callable[[int], Any], count: int) -> list[Any]:
    """Run ``target(index)`` in ``count`` threads released together; results or exceptions, by index."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # returned to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def enqueued() -> Iterator[list[int]]:
    sent: list[int] = []
    with use_publisher(sent.extend):
        yield sent


def _declined_schedules(token, charge_kwargs, simulator, enqueued, count: int) -> list[ChargeSchedule]:
    """``count`` due schedules whose first charge the simulator soft-declined: all ``past_due``."""
    start = timezone.now() - dt.timedelta(minutes=1)
    schedules = [
        create_schedule(token, 1000, "JPY", interval="monthly", start_at=start, now=start, **charge_kwargs)
        for _ in range(count)
    ]
    simulator.set_token_outcome(token.smartpay_id, "soft_decline")
    assert charge_due_schedules() == count
    for charge_id in list(enqueued):
        assert run_charge(charge_id).status == TokenChargeStatus.REJECTED
    enqueued.clear()
    simulator.set_token_outcome(token.smartpay_id, "approve")
    assert set(ChargeSchedule.objects.values_list("status", flat=True)) == {"past_due"}
    return schedules


def _succeeded_per_period() -> list[int]:
    return [
        TokenCharge.objects.filter(
            schedule=schedule, period_date=schedule.charges.first().period_date, status="succeeded"
        ).count()
        for schedule in ChargeSchedule.objects.all()
    ]


def test_concurrent_schedulers_and_duplicate_messages_pay_each_period_once(
    token, charge_kwargs, simulator, shop, enqueued
):
    _declined_schedules(token, charge_kwargs, simulator, enqueued, 20)
    later = timezone.now() + dt.timedelta(days=2)

    written = _in_threads(lambda i: charge_due_schedules(now=later, batch_size=3), 3)

    assert sum(written) == 20
    assert TokenCharge.objects.filter(period_attempt=2).count() == 20
    retries = sorted(enqueued)
    assert len(retries) == 20
    # Every retry's task message delivered three times, to three workers at once.
    outcomes = _in_threads(lambda i: run_charge(retries[i // 3]), 60)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert _succeeded_per_period() == [1] * 20
    assert set(ChargeSchedule.objects.values_list("status", flat=True)) == {"active"}
    posts = shop.order_posts()
    assert len(posts) == 40  # 20 declined first attempts + 20 retries, never a third
    authorized = [o for o in shop.orders() if o["status"] == "succeeded"]
    assert len(authorized) == 20


def test_staff_retry_now_racing_the_scheduler_writes_one_retry(token, charge_kwargs, simulator, enqueued):
    [schedule] = _declined_schedules(token, charge_kwargs, simulator, enqueued, 1)
    later = timezone.now() + dt.timedelta(days=2)

    def race(index: int) -> Any:
        return charge_due_schedules(now=later) if index % 2 else retry_now(schedule)

    results = _in_threads(race, 6)

    retries = TokenCharge.objects.filter(schedule=schedule, period_attempt__gt=1)
    assert retries.count() == 1
    refused = [r for r in results if isinstance(r, SmartpayValidationError)]
    assert not [r for r in results if isinstance(r, Exception) and r not in refused]
    assert len(enqueued) == 1
    assert run_charge(enqueued[0]).status == TokenChargeStatus.SUCCEEDED
    assert _succeeded_per_period() == [1]
