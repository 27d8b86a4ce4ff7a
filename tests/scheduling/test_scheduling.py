"""Periods of a series: the schedule's own zone, the anchor day kept, the time of day kept."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_smartpay import scheduling

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def tokyo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def make(
    interval: str, anchor: dt.datetime, count: int = 1, day: int | None = None, zone: str = "Asia/Tokyo"
):
    return scheduling.Series.of(
        interval=interval, count=count, time_zone=zone, anchor_at=anchor, day_of_month=day
    )


def starts(series: scheduling.Series, first: dt.date, n: int) -> list[dt.datetime]:
    return [series.start(series.after(first, k)) for k in range(n)]


def test_monthly_on_the_31st_clamps_and_keeps_the_anchor():
    series = make("monthly", tokyo(2025, 1, 31, 9, 30), day=31)
    days = starts(series, dt.date(2025, 1, 31), 6)
    assert [(d.month, d.day) for d in days] == [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30)]
    assert all((d.hour, d.minute) == (9, 30) for d in days)
    # From a clamped period the anchor comes back.
    assert series.after(dt.date(2025, 2, 28)) == dt.date(2025, 3, 31)


def test_monthly_in_a_leap_year_lands_on_february_29():
    series = make("monthly", tokyo(2024, 1, 31), day=31)
    assert [(d.month, d.day) for d in starts(series, dt.date(2024, 1, 31), 3)] == [(1, 31), (2, 29), (3, 31)]


def test_every_three_months_across_the_year_end():
    series = make("monthly", tokyo(2025, 11, 30), count=3, day=30)
    assert series.after(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)
    assert series.after(dt.date(2025, 11, 30), 2) == dt.date(2026, 5, 30)


def test_day_intervals_keep_the_local_time():
    series = make("daily", tokyo(2025, 12, 30, 8))
    assert series.start(series.after(dt.date(2025, 12, 30))) == tokyo(2025, 12, 31, 8)
    assert make("weekly", tokyo(2025, 12, 30, 8), 2).after(dt.date(2025, 12, 30)) == dt.date(2026, 1, 13)
    assert make("every_n_days", tokyo(2025, 12, 30, 8), 10).after(dt.date(2025, 12, 30)) == dt.date(
        2026, 1, 9
    )


def test_a_dst_gap_does_not_move_the_time_of_the_following_periods():
    # 02:30 does not exist in New York on 2025-03-09: that period starts after the gap,
    # and the next one is at 02:30 again (no drift to 03:30).
    series = make("daily", dt.datetime(2025, 3, 8, 2, 30, tzinfo=NEW_YORK), zone="America/New_York")
    gap = series.start(dt.date(2025, 3, 9))
    assert gap.astimezone(NEW_YORK).hour == 3
    assert series.date_of(gap) == dt.date(2025, 3, 9)
    after = series.start(series.after(dt.date(2025, 3, 9)))
    assert (after.hour, after.minute, after.utcoffset()) == (2, 30, dt.timedelta(hours=-4))


def test_a_dst_fold_starts_at_the_first_of_the_two_times():
    series = make("daily", dt.datetime(2025, 11, 1, 1, 30, tzinfo=NEW_YORK), zone="America/New_York")
    start = series.start(dt.date(2025, 11, 2))
    assert start.utcoffset() == dt.timedelta(hours=-4)


def test_latest_and_first_from():
    series = make("daily", tokyo(2025, 1, 1, 9))
    first = dt.date(2025, 1, 1)
    assert series.latest(first, tokyo(2025, 1, 1, 8, 59)) is None
    assert series.latest(first, tokyo(2025, 1, 1, 9)) == first
    assert series.latest(first, tokyo(2025, 3, 1, 8)) == dt.date(2025, 2, 28)
    assert series.first_from(first, tokyo(2025, 3, 1, 8)) == dt.date(2025, 3, 1)
    assert series.first_from(first, tokyo(2025, 3, 1, 9)) == dt.date(2025, 3, 1)
    assert series.first_from(first, tokyo(2025, 3, 1, 9, 1)) == dt.date(2025, 3, 2)


@pytest.mark.parametrize(
    ("interval", "count", "zone", "day"),
    [
        ("hourly", 1, "Asia/Tokyo", None),
        ("daily", 0, "Asia/Tokyo", None),
        ("daily", True, "Asia/Tokyo", None),
        ("daily", 1, "Mars/Olympus", None),
        ("daily", 1, "", None),
        ("monthly", 1, "Asia/Tokyo", 32),
    ],
)
def test_values_that_make_no_series_are_refused(interval, count, zone, day):
    with pytest.raises(scheduling.ScheduleError):
        make(interval, tokyo(2025, 1, 1), count, day=day, zone=zone)


def test_the_end_of_the_calendar_is_an_error_not_a_crash():
    series = make("monthly", tokyo(9998, 12, 31), day=31)
    with pytest.raises((ValueError, OverflowError)):
        series.after(dt.date(9999, 12, 31))


@settings(deadline=None)  # a busy CI machine must not turn slowness into a failure
@given(
    start=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    anchor=st.integers(min_value=1, max_value=31),
    count=st.integers(min_value=1, max_value=13),
    steps=st.integers(min_value=1, max_value=30),
    zone=st.sampled_from(["Asia/Tokyo", "America/New_York", "Europe/London", "UTC"]),
)
def test_monthly_series_property(start, anchor, count, steps, zone):
    series = make("monthly", start.replace(tzinfo=ZoneInfo(zone)), count, day=anchor, zone=zone)
    day = dt.date(start.year, start.month, min(anchor, scheduling.days_in_month(start.year, start.month)))
    for _ in range(steps):
        following = series.after(day)
        assert (following.year * 12 + following.month) - (day.year * 12 + day.month) == count
        assert following.day == min(anchor, scheduling.days_in_month(following.year, following.month))
        assert series.date_of(series.start(following)) == following
        # latest() finds the period from the first one, by arithmetic, without walking.
        assert series.latest(day, series.start(following)) == following
        day = following
