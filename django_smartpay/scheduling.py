"""Interval arithmetic of charge schedules, in the wall-clock time of a time zone.

Periods are computed on the local calendar of ``TIME_ZONE`` (or the zone
given), not in UTC: a monthly charge "on the 1st" in Tokyo is on the 1st in
Tokyo, which is the last day of the previous month in UTC, and a daily charge
keeps its time of day across a daylight-saving change.

- ``daily`` / ``every_n_days``: ``count`` days later, same local time.
- ``weekly``: ``7 x count`` days later.
- ``monthly``: ``count`` months later, on the anchor day (``day_of_month``),
  moved back to the month's last day when the month is shorter.  The anchor is
  kept, so Jan 31 → Feb 28 (29 in a leap year) → Mar 31 → Apr 30 → May 31.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models.charges import ScheduleInterval

#: Stop looking for the next occurrence after this many steps (a guard, never reached in practice).
MAX_STEPS = 200_000


def _zone(tz: dt.tzinfo | None) -> dt.tzinfo:
    return tz if tz is not None else timezone.get_default_timezone()


def _localize(naive: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime for a wall-clock time of ``tz`` (the earlier one in an ambiguous hour)."""
    if isinstance(tz, ZoneInfo):
        return naive.replace(tzinfo=tz, fold=0)
    return timezone.make_aware(naive, tz)


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(moment: dt.datetime, months: int, anchor_day: int, tz: dt.tzinfo | None = None) -> dt.datetime:
    """``moment`` moved ``months`` months on, on ``anchor_day`` clamped to that month's last day."""
    if not 1 <= anchor_day <= 31:
        raise ValueError("anchor_day must be between 1 and 31")
    zone = _zone(tz)
    local = timezone.localtime(moment, zone)
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(anchor_day, days_in_month(year, month))
    naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    return _localize(naive, zone)


def add_days(moment: dt.datetime, days: int, tz: dt.tzinfo | None = None) -> dt.datetime:
    """``moment`` moved ``days`` calendar days on, at the same local time."""
    zone = _zone(tz)
    local = timezone.localtime(moment, zone).replace(tzinfo=None)
    return _localize(local + dt.timedelta(days=days), zone)


def advance(
    moment: dt.datetime,
    interval: str,
    count: int = 1,
    *,
    anchor_day: int | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """The occurrence after ``moment`` for a schedule of ``interval`` x ``count``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    if interval in (ScheduleInterval.DAILY, ScheduleInterval.EVERY_N_DAYS):
        return add_days(moment, count, tz)
    if interval == ScheduleInterval.WEEKLY:
        return add_days(moment, 7 * count, tz)
    if interval == ScheduleInterval.MONTHLY:
        if anchor_day is None:
            anchor_day = timezone.localtime(moment, _zone(tz)).day
        return add_months(moment, count, anchor_day, tz)
    raise ValueError(f"unknown interval {interval!r}")


def first_at_or_after(
    moment: dt.datetime,
    limit: dt.datetime,
    interval: str,
    count: int = 1,
    *,
    anchor_day: int | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """The first occurrence of the series through ``moment`` that is not before ``limit``."""
    for _ in range(MAX_STEPS):
        if moment >= limit:
            return moment
        moment = advance(moment, interval, count, anchor_day=anchor_day, tz=tz)
    raise ValueError("no occurrence found: the schedule is too far behind")


def default_anchor_day(start: dt.datetime, tz: dt.tzinfo | None = None) -> int:
    """The day of month of ``start`` in the schedule's zone."""
    return timezone.localtime(start, _zone(tz)).day


__all__ = ["add_days", "add_months", "advance", "days_in_month", "default_anchor_day", "first_at_or_after"]
