"""Schedules and clocks: other TIME_ZONE settings and skewed clocks never double or skip a period."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from django_smartpay.charging import charge_due_schedules, create_schedule, resume_schedule, use_publisher
from django_smartpay.charging.schedules import pause_schedule
from django_smartpay.models import ChargeSchedule, TokenCharge

pytestmark = pytest.mark.django_db

ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Pacific/Auckland", "Asia/Kolkata"]
#: How far a scheduler's clock may be off (minutes), and when the runs happen around each period.
SKEWS = [-4, 0, 3, -1, 4, 2]


@pytest.fixture(autouse=True)
def not_sent():
    with use_publisher(list):
        yield


def _create(token, charge_kwargs, start, **extra) -> ChargeSchedule:
    return create_schedule(token, 1000, "JPY", start_at=start, now=start, **charge_kwargs, **extra)


def _run_around(boundaries: list[dt.datetime]) -> None:
    """For each period start, several scheduler runs a few minutes around it, each with
    another TIME_ZONE and a clock off by a few minutes (the way two servers disagree)."""
    settings = itertools.cycle(zip(ZONES, SKEWS, strict=True))
    for boundary in boundaries:
        for offset in (-3, 0, 2, 6, 11):  # a scheduler that runs every few minutes
            zone, skew = next(settings)
            with override_settings(TIME_ZONE=zone):
                charge_due_schedules(now=boundary + dt.timedelta(minutes=offset + skew), batch_size=2)


def _dates(schedule: ChargeSchedule) -> list[dt.date]:
    return list(
        TokenCharge.objects.filter(schedule=schedule).order_by("period").values_list("period_date", flat=True)
    )


def test_month_end_anchor_in_tokyo_whatever_the_servers_zone_and_clock(token, charge_kwargs):
    tokyo = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2025, 1, 31, 0, 0, tzinfo=tokyo)  # midnight in Tokyo: the 30th in UTC
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        schedule = _create(token, charge_kwargs, start, interval="monthly")
    assert (schedule.time_zone, schedule.day_of_month) == ("Asia/Tokyo", 31)
    expected = [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 31),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 31),
        dt.date(2025, 8, 31),
        dt.date(2025, 9, 30),
        dt.date(2025, 10, 31),
        dt.date(2025, 11, 30),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
    ]
    _run_around([dt.datetime.combine(day, dt.time(), tokyo) for day in expected])
    assert _dates(schedule) == expected  # each period once, none skipped
    periods = TokenCharge.objects.filter(schedule=schedule).values_list("period", flat=True)
    assert {p.astimezone(tokyo).time() for p in periods} == {dt.time(0, 0)}


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("America/New_York", dt.datetime(2025, 3, 7, 2, 30)),  # the 9th has no 02:30
        ("America/New_York", dt.datetime(2025, 10, 31, 1, 30)),  # the 2nd of November has two
        ("Europe/London", dt.datetime(2025, 3, 28, 1, 15)),
        ("Asia/Tokyo", dt.datetime(2025, 3, 7, 23, 50)),  # no DST; late in the evening
    ],
)
def test_daily_across_dst_changes(token, charge_kwargs, zone, start):
    tz = ZoneInfo(zone)
    start = start.replace(tzinfo=tz)
    schedule = _create(token, charge_kwargs, start, interval="daily", time_zone=zone)
    expected = [start.date() + dt.timedelta(days=n) for n in range(6)]
    boundaries = [
        dt.datetime.combine(day, start.time(), tz).astimezone(dt.UTC).astimezone(tz) for day in expected
    ]
    _run_around(boundaries)
    assert _dates(schedule) == expected
    local_times = {
        p.astimezone(tz).time()
        for p in TokenCharge.objects.filter(schedule=schedule).values_list("period", flat=True)
    }
    assert start.time() in local_times and len(local_times) <= 2  # the gap's period starts after the gap


def test_a_schedule_keeps_the_zone_it_was_created_in(token, charge_kwargs):
    with override_settings(TIME_ZONE="America/New_York"):
        start = timezone.now()
        schedule = _create(token, charge_kwargs, start, interval="weekly")
    assert schedule.time_zone == "America/New_York"
    explicit = _create(token, charge_kwargs, start, interval="weekly", time_zone="Asia/Tokyo")
    assert explicit.time_zone == "Asia/Tokyo"
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        charge_due_schedules(now=start + dt.timedelta(days=7, minutes=1))
    schedule.refresh_from_db()
    assert schedule.next_run_at == start + dt.timedelta(days=14)


def test_resuming_under_another_zone_keeps_the_schedules_calendar(token, charge_kwargs):
    tokyo = ZoneInfo("Asia/Tokyo")
    start = dt.datetime(2025, 1, 31, 9, tzinfo=tokyo)
    schedule = _create(token, charge_kwargs, start, interval="monthly", time_zone="Asia/Tokyo")
    charge_due_schedules(now=start)
    pause_schedule(schedule)
    with override_settings(TIME_ZONE="America/Los_Angeles"):
        resumed = resume_schedule(schedule, now=dt.datetime(2025, 4, 2, tzinfo=tokyo))
    assert resumed.next_run_at == dt.datetime(2025, 4, 30, 9, tzinfo=tokyo)


def test_a_period_is_charged_once_even_when_a_run_sees_it_again(token, charge_kwargs):
    """Two schedulers, one with a clock minutes ahead: the slower one finds nothing left to charge."""
    start = timezone.now() - dt.timedelta(hours=1)
    schedule = _create(token, charge_kwargs, start, interval="daily")
    with override_settings(TIME_ZONE="Pacific/Auckland"):
        assert charge_due_schedules(now=start + dt.timedelta(minutes=4)) == 1
    # The other scheduler read the schedule before that run's commit and writes its period again.
    ChargeSchedule.objects.filter(pk=schedule.pk).update(next_run_at=start)
    with override_settings(TIME_ZONE="America/New_York"):
        assert charge_due_schedules(now=start - dt.timedelta(minutes=3) + dt.timedelta(minutes=5)) == 0
    assert TokenCharge.objects.filter(schedule=schedule).count() == 1
