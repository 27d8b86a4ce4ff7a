"""Interval arithmetic: local calendar, monthly anchor day kept, clamped to the month's end."""

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


def series(start: dt.datetime, interval: str, n: int, **kwargs) -> list[dt.datetime]:
    out = [start]
    for _ in range(n - 1):
        out.append(scheduling.advance(out[-1], interval, **kwargs))
    return out


def test_monthly_on_the_31st_clamps_and_keeps_the_anchor():
    days = series(tokyo(2025, 1, 31, 9, 30), "monthly", 6, anchor_day=31, tz=TOKYO)
    assert [(d.month, d.day) for d in days] == [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30)]
    assert all((d.hour, d.minute) == (9, 30) for d in days)


def test_monthly_in_a_leap_year_lands_on_february_29():
    days = series(tokyo(2024, 1, 31), "monthly", 3, anchor_day=31, tz=TOKYO)
    assert [(d.month, d.day) for d in days] == [(1, 31), (2, 29), (3, 31)]


def test_monthly_with_an_explicit_anchor_day():
    after = scheduling.advance(tokyo(2025, 2, 28), "monthly", anchor_day=30, tz=TOKYO)
    assert after == tokyo(2025, 3, 30)


def test_every_three_months_across_the_year_end():
    assert scheduling.advance(tokyo(2025, 11, 30), "monthly", 3, anchor_day=30, tz=TOKYO) == tokyo(
        2026, 2, 28
    )


def test_monthly_follows_the_local_calendar_not_utc():
    # 00:30 on the 1st in Tokyo is still the previous month in UTC.
    first = tokyo(2025, 3, 1, 0, 30)
    after = scheduling.advance(first, "monthly", tz=TOKYO)
    assert after == tokyo(2025, 4, 1, 0, 30)
    assert after.astimezone(dt.UTC).day == 31


def test_daily_weekly_and_every_n_days():
    start = tokyo(2025, 12, 30, 8)
    assert scheduling.advance(start, "daily", tz=TOKYO) == tokyo(2025, 12, 31, 8)
    assert scheduling.advance(start, "weekly", tz=TOKYO) == tokyo(2026, 1, 6, 8)
    assert scheduling.advance(start, "weekly", 2, tz=TOKYO) == tokyo(2026, 1, 13, 8)
    assert scheduling.advance(start, "every_n_days", 10, tz=TOKYO) == tokyo(2026, 1, 9, 8)


def test_daily_keeps_the_local_time_across_daylight_saving():
    before = dt.datetime(2025, 3, 8, 9, tzinfo=NEW_YORK)  # the clocks change overnight
    after = scheduling.advance(before, "daily", tz=NEW_YORK)
    assert (after.month, after.day, after.hour) == (3, 9, 9)
    assert after.astimezone(dt.UTC) - before.astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_uses_the_default_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    first = tokyo(2025, 1, 31).astimezone(dt.UTC)  # 2025-01-30 15:00 UTC
    assert scheduling.advance(first, "monthly") == tokyo(2025, 2, 28)


@pytest.mark.parametrize(
    ("interval", "count"), [("hourly", 1), ("daily", 0), ("weekly", -1), ("monthly", True)]
)
def test_bad_intervals_are_refused(interval, count):
    with pytest.raises(ValueError):
        scheduling.advance(tokyo(2025, 1, 1), interval, count, tz=TOKYO)


def test_first_at_or_after_skips_missed_periods():
    start = tokyo(2025, 1, 31)
    assert scheduling.first_at_or_after(
        start, tokyo(2025, 4, 15), "monthly", anchor_day=31, tz=TOKYO
    ) == tokyo(2025, 4, 30)
    assert scheduling.first_at_or_after(start, start, "monthly", tz=TOKYO) == start


@settings(deadline=None)  # a busy CI machine must not turn slowness into a failure
@given(
    start=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    anchor=st.integers(min_value=1, max_value=31),
    count=st.integers(min_value=1, max_value=13),
    steps=st.integers(min_value=1, max_value=30),
)
def test_monthly_series_property(start, anchor, count, steps):
    moment = scheduling.add_months(start.replace(tzinfo=TOKYO), 0, anchor, TOKYO)
    months = moment.year * 12 + moment.month
    for _ in range(steps):
        following = scheduling.advance(moment, "monthly", count, anchor_day=anchor, tz=TOKYO)
        assert following > moment
        assert following.year * 12 + following.month == months + count
        assert following.day == min(anchor, scheduling.days_in_month(following.year, following.month))
        assert following.time() == moment.time()
        moment, months = following, months + count
