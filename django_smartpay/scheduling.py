"""The periods of a charge schedule, computed on the calendar of the schedule's own time zone.

A schedule keeps its zone, its first period and its interval; every period is
derived from those alone (never from the server's ``TIME_ZONE`` or from the
previous period's instant), so two computations always agree and a period is
named by its local date.  Monthly periods keep the anchor day, clamped to short months.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from .models.charges import ScheduleInterval

#: Periods, starts and ends are kept before this instant (date arithmetic stops at year 9999).
LATEST = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
#: Intervals counted in days, with the number of days one step of ``count`` 1 takes.
DAY_STEPS: dict[str, int] = {
    ScheduleInterval.DAILY: 1,
    ScheduleInterval.EVERY_N_DAYS: 1,
    ScheduleInterval.WEEKLY: 7,
}


class ScheduleError(ValueError):
    """A schedule's stored values describe no series (unknown zone or interval, out of range)."""


def zone(name: object) -> ZoneInfo:
    """The IANA zone called ``name``; :class:`ScheduleError` for anything else."""
    if not isinstance(name, str) or not name or len(name) > 64:
        raise ScheduleError(f"not a time zone name: {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name!r}") from exc


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass(frozen=True)
class Series:
    """The periods of one schedule: dates of its zone, each starting at ``wall_time`` there."""

    interval: str
    count: int
    zone: ZoneInfo
    wall_time: dt.time
    anchor_day: int | None = None

    @classmethod
    def of(
        cls, *, interval: str, count: int, time_zone: str, anchor_at: dt.datetime, day_of_month: int | None
    ) -> Series:
        """The series of a schedule's stored values; :class:`ScheduleError` when they make none."""
        tz = zone(time_zone)
        if interval not in DAY_STEPS and interval != ScheduleInterval.MONTHLY:
            raise ScheduleError(f"unknown interval {interval!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ScheduleError(f"interval count must be a positive integer, not {count!r}")
        try:
            local = timezone.localtime(anchor_at, tz)
        except (OverflowError, ValueError) as exc:
            raise ScheduleError("the anchor is out of range") from exc
        anchor_day = None
        if interval == ScheduleInterval.MONTHLY:
            anchor_day = local.day if day_of_month is None else day_of_month
            if isinstance(anchor_day, bool) or not isinstance(anchor_day, int) or not 1 <= anchor_day <= 31:
                raise ScheduleError(f"day of month must be from 1 to 31, not {anchor_day!r}")
        return cls(interval, count, tz, local.time().replace(tzinfo=None, fold=0), anchor_day)

    def date_of(self, moment: dt.datetime) -> dt.date:
        """The local date of ``moment`` in the series' zone."""
        return timezone.localtime(moment, self.zone).date()

    def start(self, day: dt.date) -> dt.datetime:
        """When the period of ``day`` starts (a wall time that a DST gap skips falls after the gap)."""
        moment = dt.datetime.combine(day, self.wall_time).replace(tzinfo=self.zone, fold=0)
        # Normalise through UTC: a wall time in a gap becomes the instant after the gap.
        return moment.astimezone(dt.UTC).astimezone(self.zone)

    def after(self, day: dt.date, periods: int = 1) -> dt.date:
        """The date ``periods`` periods after ``day`` (which is on the series)."""
        if self.anchor_day is None:
            return day + dt.timedelta(days=DAY_STEPS[self.interval] * self.count * periods)
        year, month = divmod(day.year * 12 + day.month - 1 + self.count * periods, 12)
        return dt.date(year, month + 1, min(self.anchor_day, days_in_month(year, month + 1)))

    def latest(self, first: dt.date, until: dt.datetime) -> dt.date | None:
        """The last period from ``first`` on that has started by ``until`` (``None``: not even ``first``)."""
        if self.start(first) > until:
            return None
        last = self.date_of(until)
        if self.anchor_day is None:
            periods = (last - first).days // (DAY_STEPS[self.interval] * self.count)
        else:
            periods = ((last.year - first.year) * 12 + last.month - first.month) // self.count
        day = self.after(first, periods)
        while periods > 0 and self.start(day) > until:
            periods -= 1
            day = self.after(first, periods)
        return day

    def first_from(self, first: dt.date, moment: dt.datetime) -> dt.date:
        """The first period from ``first`` on that starts at or after ``moment``."""
        day = self.latest(first, moment)
        if day is None:
            return first
        return day if self.start(day) >= moment else self.after(day)


__all__ = ["DAY_STEPS", "LATEST", "ScheduleError", "Series", "days_in_month", "zone"]
