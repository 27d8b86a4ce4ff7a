"""Batches of due schedules: statement budgets, one period per run, rows that make no sense."""

from __future__ import annotations

import datetime as dt
import io
import math
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_smartpay.charging import (
    charge_due_batch,
    charge_due_schedules,
    charge_token,
    create_schedule,
    run_charge,
    use_publisher,
)
from django_smartpay.charging.batches import INVALID_REASON
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus
from django_smartpay.tasks import charge_due_schedules as charge_due_task

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def enqueued() -> list[int]:
    """Charge ids published after commit (recorded through the public publisher seam)."""
    sent: list[int] = []
    with use_publisher(sent.extend):
        yield sent


def _schedule(token, charge_kwargs, start, **extra) -> ChargeSchedule:
    extra.setdefault("interval", "daily")
    return create_schedule(token, 3000, "JPY", start_at=start, now=start, **charge_kwargs, **extra)


def _inserts(rows: int) -> int:
    """INSERT statements Django's ``bulk_create`` needs for ``rows`` charges on this database."""
    fields = [f for f in TokenCharge._meta.concrete_fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, [None] * rows)
    return math.ceil(rows / size)


@pytest.mark.parametrize("batch_size", [1, 7, 60])
def test_statements_per_batch(token, charge_kwargs, enqueued, batch_size, django_capture_on_commit_callbacks):
    """SELECT due (locked), SELECT existing, INSERT (Django splits it on SQLite), one UPDATE."""
    start = timezone.now() - dt.timedelta(minutes=1)
    for _ in range(batch_size):
        _schedule(token, charge_kwargs, start)
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        result = charge_due_batch(batch_size=batch_size)
    assert result.created == batch_size
    sql = [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sql) == 3 + _inserts(batch_size), sql
    assert sorted(enqueued) == sorted(TokenCharge.objects.values_list("pk", flat=True))


def test_statements_of_a_mixed_batch_stay_bounded(token, charge_kwargs, enqueued):
    """Schedules with many different outcomes: still one UPDATE (a bulk one), not one per schedule."""
    base = timezone.now() - dt.timedelta(days=1, hours=1)
    for minutes in range(12):
        _schedule(token, charge_kwargs, base + dt.timedelta(minutes=minutes))
    with CaptureQueriesContext(connection) as queries:
        result = charge_due_batch(batch_size=12)
    assert result.created == 12
    sql = [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sql) == 3 + _inserts(12)
    nexts = sorted(ChargeSchedule.objects.values_list("next_run_at", flat=True))
    assert nexts == [base + dt.timedelta(days=2, minutes=m) for m in range(12)]


def test_statements_per_charge(token, charge_kwargs, shop):
    """Claim (UPDATE, SELECT), then record: the order synced and the charge settled."""
    with use_publisher(list):
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    with CaptureQueriesContext(connection) as queries:
        assert run_charge(charge.pk).status == TokenChargeStatus.SUCCEEDED
    sql = [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    # UPDATE (claim), SELECT (read back), SELECT order, SELECT totals, INSERT order, UPDATE charge,
    # and the payment expanded in the answer of POST /orders: SELECT it, SELECT its refunds, INSERT it
    assert len(sql) == 9, sql


def test_one_run_charges_a_schedule_written_far_in_the_past_once(token, charge_kwargs, enqueued, caplog):
    """Whatever the row says (here: written directly, starting in year 1), one run, one charge."""
    now = timezone.now()
    schedule = _schedule(token, charge_kwargs, now)
    ancient = dt.datetime(1, 1, 2, 9, tzinfo=dt.UTC)
    ChargeSchedule.objects.filter(pk=schedule.pk).update(anchor_at=ancient, next_run_at=ancient)
    assert charge_due_schedules(now=now, batch_size=1) == 1
    assert charge_due_schedules(now=now, batch_size=1) == 0
    charge = TokenCharge.objects.get()
    assert charge.period <= now < charge.period + dt.timedelta(days=1)
    assert "period(s)" in caplog.text


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("time_zone", ""),
        ("interval", "hourly"),
        ("day_of_month", 99),
    ],
)
def test_a_row_that_makes_no_sense_is_paused_not_a_crash(token, charge_kwargs, enqueued, column, value):
    start = timezone.now() - dt.timedelta(days=400)
    bad = _schedule(token, charge_kwargs, start, interval="monthly")
    good = _schedule(token, charge_kwargs, start)
    ChargeSchedule.objects.filter(pk=bad.pk).update(**{column: value})
    created = charge_due_schedules()
    bad.refresh_from_db()
    assert (bad.status, bad.status_reason) == (ChargeScheduleStatus.PAUSED, INVALID_REASON)
    assert ChargeSchedule.objects.get(pk=good.pk).count == 1
    assert created == TokenCharge.objects.count()
    assert not TokenCharge.objects.filter(schedule=bad).exclude(period__lte=timezone.now()).exists()


def test_the_largest_interval_count_the_column_holds_is_one_period_per_run(token, charge_kwargs, enqueued):
    start = timezone.now() - dt.timedelta(days=400)
    schedule = _schedule(token, charge_kwargs, start, interval="monthly")
    ChargeSchedule.objects.filter(pk=schedule.pk).update(interval_count=32767)
    assert charge_due_schedules() == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at.year > 4000


def test_the_last_period_before_year_9999_completes_the_schedule(token, charge_kwargs, enqueued):
    start = timezone.now()
    schedule = _schedule(token, charge_kwargs, start, interval="monthly")
    late = dt.datetime(9998, 12, 1, 9, tzinfo=dt.UTC)
    ChargeSchedule.objects.filter(pk=schedule.pk).update(anchor_at=late, next_run_at=late)
    assert charge_due_schedules(now=dt.datetime(9998, 12, 5, tzinfo=dt.UTC)) == 1
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.COMPLETED


def test_the_task_and_the_command_charge_one_period_per_run(token, charge_kwargs, enqueued):
    start = timezone.now() - dt.timedelta(days=30)
    _schedule(token, charge_kwargs, start)
    _schedule(token, charge_kwargs, start, interval="weekly")
    out = io.StringIO()
    call_command("smartpay_charge_due", "--batch-size", "1", stdout=out)
    assert "2 charge(s)" in out.getvalue()
    assert charge_due_task.run() == 0
    assert TokenCharge.objects.count() == 2


def test_a_naive_now_is_refused(db):
    with pytest.raises(ValueError, match="aware"):
        charge_due_schedules(now=dt.datetime(2025, 1, 1))


def test_a_row_written_without_its_first_period_keeps_the_time_of_its_next_run(
    token, charge_kwargs, enqueued
):
    """Bulk imports and factories write ``next_run_at`` only."""
    tokyo = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2025, 1, 31, 9, 30, tzinfo=tokyo)
    schedule = _schedule(token, charge_kwargs, start, interval="monthly")
    ChargeSchedule.objects.filter(pk=schedule.pk).update(anchor_at=None)
    assert charge_due_schedules(now=start + dt.timedelta(minutes=1)) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == dt.datetime(2025, 2, 28, 9, 30, tzinfo=tokyo)
