"""Races on PostgreSQL: two schedulers, two workers on one charge (real row locks, real threads)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from django_smartpay.charging import (
    charge_due_batch,
    charge_due_schedules,
    charge_token,
    create_schedule,
    run_charge,
    use_publisher,
)
from django_smartpay.models import ChargeSchedule, TokenCharge, TokenChargeStatus

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
def enqueued() -> Iterator[list[int]]:
    """Charge ids that would be sent to workers (not sent here)."""
    sent: list[int] = []
    with use_publisher(sent.extend):
        yield sent


def test_two_schedulers_charge_each_period_once(token, charge_kwargs, enqueued):
    start = timezone.now() - dt.timedelta(minutes=1)
    for _ in range(40):
        create_schedule(token, 1000, "JPY", interval="monthly", start_at=start, now=start, **charge_kwargs)

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
        create_schedule(token, 1000, "JPY", interval="daily", start_at=start, now=start, **charge_kwargs)
    # BEGIN, SELECT … FOR UPDATE SKIP LOCKED, SELECT existing, INSERT (one on PostgreSQL), UPDATE, COMMIT
    with django_assert_num_queries(6):
        result = charge_due_batch(batch_size=batch_size)
    assert result.created == batch_size


def test_concurrent_schedulers_with_other_zones_and_clocks_charge_each_period_once(
    token, charge_kwargs, enqueued
):
    """Three schedulers at once, each in another active zone and with its clock minutes off, over
    eight periods of schedules anchored on the 31st in Tokyo: every period charged exactly once."""
    tokyo = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2025, 1, 31, tzinfo=tokyo)
    schedules = [
        create_schedule(
            token,
            1000,
            "JPY",
            interval="monthly",
            start_at=start,
            now=start,
            time_zone="Asia/Tokyo",
            **charge_kwargs,
        )
        for _ in range(6)
    ]
    settings = [("UTC", -3), ("America/New_York", 0), ("Pacific/Auckland", 4)]
    day = start.date()
    for _ in range(8):
        boundary = dt.datetime.combine(day, dt.time(), tokyo)
        for offset in (0, 5):
            turns = itertools.count()

            def run(base: dt.datetime = boundary, offset: int = offset, turns: Any = turns) -> int:
                zone, skew = settings[next(turns) % 3]  # each thread its own zone and clock
                with timezone.override(zone):
                    return charge_due_schedules(now=base + dt.timedelta(minutes=offset + skew), batch_size=2)

            _in_threads(run, count=3)
        day = ChargeSchedule.objects.get(pk=schedules[0].pk).next_run_at.astimezone(tokyo).date()
    for schedule in schedules:
        dates = list(
            TokenCharge.objects.filter(schedule=schedule)
            .order_by("period")
            .values_list("period_date", flat=True)
        )
        assert len(dates) == len(set(dates)) == 8
        assert dates[:3] == [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
