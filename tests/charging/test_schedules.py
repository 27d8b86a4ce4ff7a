"""Charge schedules: one charge per period, batches of constant SQL, pause/resume/cancel, token stops."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from django_smartpay import services
from django_smartpay.charging import (
    cancel_schedule,
    charge_due_batch,
    charge_due_schedules,
    charge_token,
    create_schedule,
    pause_schedule,
    resume_schedule,
)
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, Token, TokenCharge, TokenChargeStatus

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def _due(token, charge_kwargs, *, interval="monthly", start=None, **extra) -> ChargeSchedule:
    """A schedule created at ``start`` (default: a minute ago), so it is due now."""
    start = start or timezone.now() - dt.timedelta(minutes=1)
    return create_schedule(
        token, 3000, "JPY", interval=interval, start_at=start, now=start, **charge_kwargs, **extra
    )


def test_a_due_schedule_is_charged_once_and_advanced(token, charge_kwargs, on_commit, shop):
    start = dt.datetime(2025, 1, 31, 10, tzinfo=TOKYO)
    schedule = _due(token, charge_kwargs, start=start)
    assert schedule.day_of_month == 31
    with on_commit():
        created = charge_due_schedules(now=start + dt.timedelta(minutes=1))
    assert created == 1
    schedule.refresh_from_db()
    assert schedule.count == 1
    assert schedule.next_run_at == dt.datetime(2025, 2, 28, 10, tzinfo=TOKYO)
    charge = TokenCharge.objects.get()
    assert charge.schedule == schedule
    assert charge.period == start
    assert (charge.amount, charge.currency, charge.capture_method) == (3000, "JPY", schedule.capture_method)
    assert (charge.items, charge.shipping_info, charge.customer_info, charge.metadata) == (
        schedule.items,
        schedule.shipping_info,
        schedule.customer_info,
        schedule.metadata,
    )
    assert charge.token_id == token.smartpay_id
    assert len(charge.reference) <= 40 and charge.idempotency_key
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert len(shop.orders_with_reference(charge.reference)) == 1


def test_nothing_is_due_before_its_time(token, charge_kwargs):
    _due(token, charge_kwargs, start=timezone.now() + dt.timedelta(hours=1))
    assert charge_due_schedules() == 0
    assert not TokenCharge.objects.exists()


def test_running_twice_for_the_same_period_writes_one_charge(token, charge_kwargs, on_commit, shop):
    start = timezone.now() - dt.timedelta(minutes=5)
    schedule = _due(token, charge_kwargs, interval="daily", start=start)
    with on_commit():
        assert charge_due_schedules() == 1
        assert charge_due_schedules() == 0  # the next period is tomorrow
    # The same period again (a restored backup, an admin edit, a second scheduler that saw old data):
    ChargeSchedule.objects.filter(pk=schedule.pk).update(next_run_at=start)
    with on_commit():
        assert charge_due_schedules() == 0
    schedule.refresh_from_db()
    assert TokenCharge.objects.filter(schedule=schedule, period=start).count() == 1
    assert schedule.count == 1
    assert schedule.next_run_at == start + dt.timedelta(days=1)
    assert TokenCharge.objects.get().period_date == timezone.localdate(start)
    assert len(shop.order_posts()) == 1


def test_the_database_refuses_a_second_charge_for_a_period(token, charge_kwargs):
    schedule = _due(token, charge_kwargs)
    charge_due_schedules()
    first = TokenCharge.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        TokenCharge.objects.create(
            token=token,
            schedule=schedule,
            period=first.period + dt.timedelta(hours=1),  # another instant, the same local date
            period_date=first.period_date,
            amount=1,
            reference="other",
            idempotency_key="other",
        )


def test_a_run_after_missed_periods_charges_only_the_current_one(
    token, charge_kwargs, on_commit, shop, caplog
):
    start = timezone.now() - dt.timedelta(days=60, minutes=5)
    schedule = _due(token, charge_kwargs, interval="daily", start=start)
    with on_commit():
        assert charge_due_schedules() == 1
        assert charge_due_schedules() == 0
    charge = TokenCharge.objects.get()
    assert charge.period == start + dt.timedelta(days=60)
    schedule.refresh_from_db()
    assert (schedule.count, schedule.next_run_at) == (1, start + dt.timedelta(days=61))
    assert "60 period(s)" in caplog.text  # never silently
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert [post["idempotency_key"] for post in shop.order_posts()] == [charge.idempotency_key]


def test_max_count_completes_the_schedule(token, charge_kwargs):
    start = timezone.now() - dt.timedelta(days=5)
    schedule = _due(token, charge_kwargs, interval="daily", start=start, max_count=2)
    assert charge_due_schedules(now=start) == 1
    assert charge_due_schedules(now=start + dt.timedelta(days=1)) == 1
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.COMPLETED
    assert schedule.count == 2
    assert charge_due_schedules() == 0


def test_end_time_completes_the_schedule(token, charge_kwargs):
    start = timezone.now() - dt.timedelta(days=10)
    schedule = _due(
        token,
        charge_kwargs,
        interval="every_n_days",
        interval_count=3,
        start=start,
        end_at=start + dt.timedelta(days=7),
    )
    for day in range(11):  # days 0, 3 and 6; day 9 is after the end
        charge_due_schedules(now=start + dt.timedelta(days=day, minutes=1))
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.COMPLETED
    assert sorted(TokenCharge.objects.values_list("period", flat=True)) == [
        start + dt.timedelta(days=d) for d in (0, 3, 6)
    ]


def test_weekly_schedule(token, charge_kwargs):
    start = timezone.now() - dt.timedelta(days=8)
    _due(token, charge_kwargs, interval="weekly", start=start)
    assert charge_due_schedules(now=start) == 1
    assert charge_due_schedules(now=start + dt.timedelta(days=8)) == 1
    assert ChargeSchedule.objects.get().next_run_at == start + dt.timedelta(days=14)


def test_monthly_start_moves_to_the_anchor_day(token, charge_kwargs):
    start = dt.datetime(2025, 2, 10, 9, tzinfo=TOKYO)
    schedule = create_schedule(
        token, 1000, "JPY", interval="monthly", start_at=start, now=start, day_of_month=31, **charge_kwargs
    )
    assert schedule.next_run_at == dt.datetime(2025, 2, 28, 9, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"interval": "hourly"}, "interval must be one of"),
        ({"interval": "daily", "interval_count": 0}, "interval count"),
        ({"interval": "daily", "day_of_month": 3}, "monthly schedules only"),
        ({"interval": "monthly", "day_of_month": 32}, "day of month"),
        ({"interval": "daily", "max_count": 0}, "maximum number"),
        ({"interval": "daily", "start_at": dt.datetime(2025, 1, 1)}, "aware"),
        (
            {
                "interval": "daily",
                "start_at": dt.datetime(2035, 1, 2, tzinfo=TOKYO),
                "end_at": dt.datetime(2035, 1, 1, tzinfo=TOKYO),
            },
            "end is before",
        ),
    ],
)
def test_bad_schedules_are_refused(token, charge_kwargs, extra, message):
    with pytest.raises(SmartpayValidationError, match=message):
        create_schedule(token, 1000, "JPY", **charge_kwargs, **extra)
    assert not ChargeSchedule.objects.exists()


@pytest.mark.parametrize(("amount", "currency"), [(0, "JPY"), (-1, "JPY"), (1000, "EUR")])
def test_bad_amounts_are_refused_for_schedules(token, charge_kwargs, amount, currency):
    with pytest.raises(SmartpayValidationError):
        create_schedule(token, amount, currency, interval="daily", **charge_kwargs)
    assert not ChargeSchedule.objects.exists()


def test_pause_and_resume_skip_the_missed_periods(token, charge_kwargs):
    start = timezone.now() - dt.timedelta(minutes=5)
    schedule = _due(token, charge_kwargs, interval="daily", start=start)
    pause_schedule(schedule, reason="customer asked")
    assert charge_due_schedules(now=start + dt.timedelta(days=3)) == 0
    resumed = resume_schedule(schedule, now=start + dt.timedelta(days=3, hours=1))
    assert resumed.status == ChargeScheduleStatus.ACTIVE
    assert resumed.next_run_at == start + dt.timedelta(days=4)
    assert charge_due_schedules(now=start + dt.timedelta(days=3, hours=2)) == 0
    with pytest.raises(SmartpayValidationError):
        resume_schedule(schedule)


def test_resume_is_refused_while_the_token_cannot_be_charged(token, charge_kwargs):
    schedule = _due(token, charge_kwargs)
    pause_schedule(schedule)
    Token.objects.filter(pk=token.pk).update(status="disabled")
    with pytest.raises(SmartpayValidationError, match="cannot be charged"):
        resume_schedule(schedule)
    assert ChargeSchedule.objects.get().status == ChargeScheduleStatus.PAUSED


def test_cancel_ends_the_schedule_and_cancels_charges_never_sent(
    token, charge_kwargs, django_capture_on_commit_callbacks, shop
):
    schedule = _due(token, charge_kwargs)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        charge_due_schedules()
    cancel_schedule(schedule)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert ChargeSchedule.objects.get().status == ChargeScheduleStatus.CANCELED
    assert TokenCharge.objects.get().status == TokenChargeStatus.CANCELED
    assert shop.order_posts() == []
    assert charge_due_schedules(now=timezone.now() + dt.timedelta(days=400)) == 0
    assert TokenCharge.objects.count() == 1


def test_disabling_the_token_pauses_schedules_and_fails_charges_never_sent(
    token, charge_kwargs, shop, on_commit, received, django_capture_on_commit_callbacks
):
    schedule = _due(token, charge_kwargs)
    other = _due(shop.token(), charge_kwargs)
    with django_capture_on_commit_callbacks(execute=False):
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)  # its message is still queued
    with on_commit():
        services.disable_token(token)  # sync -> token_status_changed -> the charges stop
    schedule.refresh_from_db()
    charge.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAUSED
    assert schedule.status_reason == "token.disabled"
    assert charge.status == TokenChargeStatus.FAILED
    assert charge.error_code == "token.disabled"
    assert "nothing was charged" in charge.error_message
    assert [c.pk for c in received["failed"]] == [charge.pk]
    assert ChargeSchedule.objects.get(pk=other.pk).status == ChargeScheduleStatus.ACTIVE
    assert shop.order_posts() == []


def test_deleting_the_token_pauses_its_schedules(token, charge_kwargs, on_commit):
    schedule = _due(token, charge_kwargs)
    with on_commit():
        services.delete_token(token)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == (ChargeScheduleStatus.PAUSED, "token.deleted")


def test_a_due_schedule_of_an_unusable_token_is_paused_not_charged(token, charge_kwargs, shop):
    schedule = _due(token, charge_kwargs)
    Token.objects.filter(pk=token.pk).update(status="disabled")  # learnt without the signal
    assert charge_due_schedules() == 0
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == (ChargeScheduleStatus.PAUSED, "token.disabled")
    assert not TokenCharge.objects.exists()


def test_a_batch_takes_at_most_batch_size_schedules(token, charge_kwargs):
    for _ in range(5):
        _due(token, charge_kwargs)
    result = charge_due_batch(batch_size=2)
    assert (result.selected, result.created) == (2, 2)
    assert charge_due_schedules(batch_size=2) == 3
    assert TokenCharge.objects.count() == 5


@pytest.mark.parametrize("option", [["--batch-size", "0"], ["--max-batches", "0"]])
def test_command_refuses_bad_options(option):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("smartpay_charge_due", *option)


def test_command(token, charge_kwargs, django_capture_on_commit_callbacks):
    _due(token, charge_kwargs)
    _due(token, charge_kwargs)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False):
        call_command("smartpay_charge_due", "--batch-size", "1", stdout=out)
    assert "2 charge(s)" in out.getvalue()
    assert TokenCharge.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"start_at": timezone.now() - dt.timedelta(days=60)}, "cannot start in the past"),
        ({"start_at": dt.datetime(1, 1, 1, tzinfo=dt.UTC)}, "cannot start in the past"),
        ({"start_at": dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)}, "too far in the future"),
        ({"start_at": dt.datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("Pacific/Kiritimati"))}, "too far"),
        ({"start_at": "2030-01-01T00:00:00+09:00"}, "aware datetime"),
        ({"end_at": dt.datetime(9999, 12, 31, tzinfo=dt.UTC)}, "too far in the future"),
        ({"interval_count": 10**9}, "interval count"),
        ({"interval_count": 367}, "interval count"),
        ({"interval_count": True}, "interval count"),
        ({"interval_count": "2"}, "interval count"),
        ({"max_count": 2**31}, "maximum number"),
        ({"max_count": 10**30}, "maximum number"),
        ({"max_count": -1}, "maximum number"),
        ({"interval": "monthly", "day_of_month": "5"}, "day of month"),
        ({"interval": "monthly", "day_of_month": True}, "day of month"),
        ({"interval": "monthly", "day_of_month": 0}, "day of month"),
        ({"interval": ["daily"]}, "interval must be one of"),
        ({"time_zone": "Mars/Olympus"}, "not a known time zone"),
        ({"time_zone": "../../etc/passwd"}, "not a known time zone"),
        ({"time_zone": 9}, "not a known time zone"),
    ],
)
def test_out_of_range_schedules_are_a_validation_error(token, charge_kwargs, extra, message):
    """Never an IntegrityError, DataError or OverflowError: every door gets a message."""
    fields = {"interval": "daily", **extra}
    with pytest.raises(SmartpayValidationError, match=message):
        create_schedule(token, 1000, "JPY", **charge_kwargs, **fields)
    assert not ChargeSchedule.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 10**12, 2**32, 2**63, True, "1000", 10.0, None])
def test_out_of_range_amounts_are_a_validation_error(token, charge_kwargs, amount):
    with pytest.raises(SmartpayValidationError, match="amount"):
        create_schedule(token, amount, "JPY", interval="daily", **charge_kwargs)
    with pytest.raises(SmartpayValidationError, match="amount"):
        charge_token(token, amount, "JPY", **charge_kwargs)
    assert not ChargeSchedule.objects.exists() and not TokenCharge.objects.exists()


def test_the_largest_values_in_range_are_stored(token, charge_kwargs):
    start = timezone.now() + dt.timedelta(days=1)
    schedule = create_schedule(
        token,
        2**32 - 1,
        "JPY",
        interval="every_n_days",
        interval_count=366,
        max_count=2**31 - 1,
        start_at=start,
        end_at=dt.datetime(9998, 12, 31, tzinfo=dt.UTC),
        **charge_kwargs,
    )
    schedule.refresh_from_db()
    assert (schedule.amount, schedule.interval_count, schedule.max_count) == (2**32 - 1, 366, 2**31 - 1)


def test_a_start_within_the_clock_skew_is_accepted(token, charge_kwargs):
    from django_smartpay.charging.schedules import CLOCK_SKEW

    now = timezone.now()
    schedule = create_schedule(
        token,
        1000,
        "JPY",
        interval="daily",
        start_at=now - CLOCK_SKEW + dt.timedelta(seconds=1),
        now=now,
        **charge_kwargs,
    )
    assert charge_due_schedules(now=now) == 1
    assert schedule.pk
