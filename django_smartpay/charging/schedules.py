"""Recurring charges: create, pause, resume and cancel schedules; charge the due ones.

Validation happens here, before anything is written, so every door (REST, admin,
code) refuses a back-dated or out-of-range schedule the same way; a run charges a
schedule at most once (:mod:`.batches`), whatever its rows say.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scheduling
from ..client.constants import MAX_INTERVAL_COUNT, MAX_POSITIVE_INTEGER
from ..models import (
    CaptureMethod,
    ChargeSchedule,
    ChargeScheduleStatus,
    ScheduleInterval,
    Token,
    TokenCharge,
    TokenChargeStatus,
)
from ..models.charges import default_time_zone
from . import dunning
from .batches import DEFAULT_BATCH_SIZE, charge_due_batch, scheduler_time, series_of
from .create import (
    CURRENCY,
    chargeable_token,
    invalid,
    validated_payload,
)

logger = logging.getLogger("django_smartpay.charging")

#: How far in the past a schedule may start: the clocks of two servers may differ this much.
CLOCK_SKEW = dt.timedelta(minutes=5)


def create_schedule(
    token: Token | str,
    amount: int,
    currency: str = CURRENCY,
    *,
    items: list[Mapping[str, Any]],
    shipping_info: Mapping[str, Any],
    customer_info: Mapping[str, Any] | None = None,
    capture_method: str = CaptureMethod.AUTOMATIC,
    metadata: Mapping[str, Any] | None = None,
    interval: str,
    interval_count: int = 1,
    start_at: dt.datetime | None = None,
    day_of_month: int | None = None,
    end_at: dt.datetime | None = None,
    max_count: int | None = None,
    time_zone: str | None = None,
    now: dt.datetime | None = None,
) -> ChargeSchedule:
    """Charge ``token`` every ``interval`` x ``interval_count``, first at ``start_at`` (default: now).

    ``interval`` is ``daily``, ``weekly``, ``monthly`` or ``every_n_days``
    (``interval_count`` is the N).  Periods follow the calendar of ``time_zone``
    (default: the project's ``TIME_ZONE`` now), which the schedule keeps.  Monthly
    schedules charge on ``day_of_month`` (default: the day of ``start_at``), moved
    to the month's last day when the month is shorter.  The schedule ends after
    ``max_count`` charges or when the next period would start after ``end_at``.

    Raises :class:`SmartpayValidationError` for a start more than
    :data:`CLOCK_SKEW` in the past, and for values out of range, besides what
    :func:`charge_token` refuses.
    """
    row = chargeable_token(token)
    payload = validated_payload(
        row.smartpay_id,
        amount,
        currency,
        items=items,
        shipping_info=shipping_info,
        customer_info=customer_info,
        capture_method=capture_method,
        metadata=metadata,
    )
    if not isinstance(interval, str) or interval not in ScheduleInterval.values:
        raise invalid(
            _("The interval must be one of %(choices)s."),
            code="schedule.interval-invalid",
            choices=", ".join(ScheduleInterval.values),
        )
    if not _whole(interval_count, 1, MAX_INTERVAL_COUNT):
        raise invalid(
            _("The interval count must be a whole number from 1 to %(max)d."),
            code="schedule.interval-count-invalid",
            max=MAX_INTERVAL_COUNT,
        )
    if max_count is not None and not _whole(max_count, 1, MAX_POSITIVE_INTEGER):
        raise invalid(
            _("The maximum number of charges must be a whole number from 1 to %(max)d."),
            code="schedule.max-count-invalid",
            max=MAX_POSITIVE_INTEGER,
        )
    if day_of_month is not None and interval != ScheduleInterval.MONTHLY:
        raise invalid(
            _("day_of_month applies to monthly schedules only."), code="schedule.day-of-month-not-monthly"
        )
    if day_of_month is not None and not _whole(day_of_month, 1, 31):
        raise invalid(
            _("The day of month must be a whole number from 1 to 31."), code="schedule.day-of-month-invalid"
        )
    zone_name = default_time_zone() if time_zone is None else time_zone
    try:
        tz = scheduling.zone(zone_name)
    except scheduling.ScheduleError:
        raise invalid(
            _("%(zone)r is not a known time zone."), code="schedule.time-zone-invalid", zone=zone_name
        ) from None
    now = now or timezone.now()
    start = _moment(start_at, "start_at", now) if start_at is not None else now
    if start < now - CLOCK_SKEW:
        raise invalid(
            _("The schedule cannot start in the past (more than %(minutes)d minutes ago)."),
            code="schedule.start-in-past",
            minutes=int(CLOCK_SKEW.total_seconds() // 60),
        )
    if end_at is not None:
        end_at = _moment(end_at, "end_at", now)
    try:
        series = scheduling.Series.of(
            interval=interval,
            count=interval_count,
            time_zone=str(tz),
            anchor_at=start,
            day_of_month=day_of_month,
        )
        # Monthly: the first period is on the anchor day, this month or the next.
        first_day = series.date_of(start)
        if series.anchor_day is not None:
            first_day = series.first_from(_month_start(first_day, series), start)
        first = series.start(first_day)
    except (ValueError, OverflowError):
        raise invalid(
            _("The schedule's first period is out of range."), code="schedule.out-of-range"
        ) from None
    if first >= scheduling.LATEST:
        raise invalid(_("The schedule's first period is out of range."), code="schedule.out-of-range")
    if end_at is not None and end_at < first:
        raise invalid(_("The end is before the first run."), code="schedule.end-before-start")
    return ChargeSchedule.objects.create(
        token=row,
        interval=interval,
        interval_count=interval_count,
        day_of_month=series.anchor_day,
        time_zone=str(tz),
        anchor_at=first,
        next_run_at=first,
        end_at=end_at,
        max_count=max_count,
        **payload,
    )


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _moment(value: object, name: str, now: dt.datetime) -> dt.datetime:
    """An aware datetime before :data:`scheduling.LATEST`, or :class:`SmartpayValidationError`."""
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise invalid(_("%(name)s must be an aware datetime."), code="schedule.datetime-naive", name=name)
    try:
        if value >= scheduling.LATEST:
            raise invalid(
                _("%(name)s is too far in the future."), code="schedule.datetime-too-late", name=name
            )
    except OverflowError:
        raise invalid(
            _("%(name)s is out of range."), code="schedule.datetime-out-of-range", name=name
        ) from None
    return value


def _month_start(day: dt.date, series: scheduling.Series) -> dt.date:
    """The period of ``day``'s month on the series' anchor day (possibly before ``day``)."""
    assert series.anchor_day is not None
    return day.replace(day=min(series.anchor_day, scheduling.days_in_month(day.year, day.month)))


def _db() -> str:
    return router.db_for_write(ChargeSchedule)


def _schedule(schedule: ChargeSchedule | int) -> ChargeSchedule:
    pk = schedule.pk if isinstance(schedule, ChargeSchedule) else schedule
    return ChargeSchedule.objects.using(_db()).select_for_update().get(pk=pk)


def pause_schedule(schedule: ChargeSchedule | int, *, reason: str = "") -> ChargeSchedule:
    """Stop charging until :func:`resume_schedule`; charges already written go on."""
    with transaction.atomic(using=_db()):
        row = _schedule(schedule)
        if row.status != ChargeScheduleStatus.ACTIVE:
            raise invalid(
                _("Only an active schedule can be paused; this one is %(status)s."),
                code="schedule.cannot-pause",
                status=row.get_status_display(),
            )
        row.status, row.status_reason = ChargeScheduleStatus.PAUSED, reason[:64]
        dunning.save_status(row, ChargeScheduleStatus.ACTIVE, reason or "schedule.paused", [])
    return row


def resume_schedule(schedule: ChargeSchedule | int, *, now: dt.datetime | None = None) -> ChargeSchedule:
    """Charge again from the next period on (periods missed while paused are skipped).

    A period left unpaid when the schedule was paused (its charge failed) is charged
    again at once and the schedule is ``past_due`` until that charge settles.
    Refused while the token cannot be charged.
    """
    now = now or timezone.now()
    with transaction.atomic(using=_db()):
        row = _schedule(schedule)
        if row.status != ChargeScheduleStatus.PAUSED:
            raise invalid(
                _("Only a paused schedule can be resumed; this one is %(status)s."),
                code="schedule.cannot-resume",
                status=row.get_status_display(),
            )
        chargeable_token(Token.objects.get(smartpay_id=row.token_id))
        if row.open_period_date is not None:
            dunning.retry_open_period(row, "schedule.resumed", now)
            return row
        try:
            series = series_of(row)
            day = series.first_from(series.date_of(row.next_run_at), now)
            row.next_run_at = series.start(day)
        except (ValueError, OverflowError):
            raise invalid(
                _("This schedule's periods are out of range; it cannot be resumed."),
                code="schedule.out-of-range",
            ) from None
        row.status, row.status_reason = ChargeScheduleStatus.ACTIVE, ""
        if row.end_at is not None and row.next_run_at > row.end_at:
            row.status = ChargeScheduleStatus.COMPLETED
        dunning.save_status(row, ChargeScheduleStatus.PAUSED, "schedule.resumed", ["next_run_at"])
    return row


def cancel_schedule(schedule: ChargeSchedule | int) -> ChargeSchedule:
    """End the schedule for good and cancel its charges that were never sent."""
    now = timezone.now()
    with transaction.atomic(using=_db()):
        row = _schedule(schedule)
        if row.status in (ChargeScheduleStatus.CANCELED, ChargeScheduleStatus.COMPLETED):
            return row
        old = row.status
        row.status, row.status_reason, row.retry_at = ChargeScheduleStatus.CANCELED, "", None
        dunning.save_status(row, old, "schedule.canceled", ["retry_at"])
        TokenCharge.objects.filter(schedule=row, status=TokenChargeStatus.PENDING, attempts=0).update(
            status=TokenChargeStatus.CANCELED, next_attempt_at=None, updated=now
        )
    return row


@dataclass(frozen=True)
class DueRun:
    """What one run of the scheduler did (:func:`run_due`)."""

    #: the moment the run decided by (``as_of``)
    as_of: dt.datetime
    #: charges written for periods that had started
    charges: int = 0
    #: charges written to retry declined periods (dunning)
    retries: int = 0
    #: periods skipped by the catch-up rule (missed, never charged)
    skipped_periods: int = 0
    #: schedules paused (their token cannot be charged) or completed by the run
    paused: int = 0
    completed: int = 0


def run_due(
    *, as_of: dt.datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE, max_batches: int | None = None
) -> DueRun:
    """Charge every schedule due by ``as_of`` (default: now), then the retries due by then.

    ``as_of`` only decides *which* periods and retries are due: every row written
    records the current time.  Each schedule is charged at most once per run, for the
    latest period started by ``as_of`` (missed periods are skipped, see
    :mod:`.batches`), and never twice for a period (a unique constraint), so running
    again, or as of an earlier moment, writes nothing for a period already charged.
    A retry is written only for a schedule unchanged since the run began: a charge the
    run wrote and that was declined at once is retried by a later run, not this one.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError("batch_size must be a whole number of at least 1")
    as_of = scheduler_time(as_of, None)
    started = timezone.now()
    totals = {"charges": 0, "retries": 0, "skipped_periods": 0, "paused": 0, "completed": 0}
    batches = 0
    while max_batches is None or batches < max_batches:
        result = charge_due_batch(as_of=as_of, batch_size=batch_size)
        batches += 1
        totals["charges"] += result.created
        totals["skipped_periods"] += result.skipped_periods
        totals["paused"] += result.paused
        totals["completed"] += result.completed
        if not result.selected:
            break
    # Then the retries of declined periods that are due (dunning).
    while max_batches is None or batches < max_batches:
        # A schedule this run changed (a renewal declined at once) waits for the next run.
        written = dunning.charge_due_retries(as_of=as_of, batch_size=batch_size, changed_before=started)
        batches += 1
        totals["retries"] += written
        if not written:
            break
    run = DueRun(as_of, **totals)
    if run.charges or run.retries:
        logger.info(
            "smartpay: %d scheduled charge(s) and %d retry charge(s) written in %d batch(es)",
            run.charges,
            run.retries,
            batches,
        )
    return run


def charge_due_schedules(
    *,
    as_of: dt.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Charge every schedule due by ``as_of`` (default: now); return the number of charges written.

    ``now`` is the older name of ``as_of``.  See :func:`run_due`.
    """
    run = run_due(as_of=scheduler_time(as_of, now), batch_size=batch_size, max_batches=max_batches)
    return run.charges + run.retries


def update_schedule_token(
    schedule: ChargeSchedule | int, token: Token | str, *, now: dt.datetime | None = None
) -> ChargeSchedule:
    """Charge the schedule to ``token`` from now on; an unpaid period is charged with it at once.

    The schedule is ``past_due`` until that charge settles (then ``active``).  A
    schedule paused because its token stopped being usable is resumed.  Raises
    :class:`SmartpayValidationError` for a token that cannot be charged, a token of
    another user than the schedule's token, and a canceled or completed schedule.
    """
    now = now or timezone.now()
    new = chargeable_token(token)
    with transaction.atomic(using=_db()):
        row = _schedule(schedule)
        current = Token.objects.get(smartpay_id=row.token_id)
        if current.user_id is not None and new.user_id != current.user_id:
            raise invalid(
                _("The new token belongs to another customer."), code="schedule.token-of-another-customer"
            )
        if row.status == ChargeScheduleStatus.CANCELED or (
            row.status == ChargeScheduleStatus.COMPLETED and row.open_period_date is None
        ):
            raise invalid(
                _("A %(status)s schedule cannot change its token."),
                code="schedule.cannot-change-token",
                status=row.get_status_display(),
            )
        row.token = new
        row.save(update_fields=["token", "updated"])
        if row.open_period_date is not None and row.status != ChargeScheduleStatus.PAUSED:
            dunning.retry_open_period(row, "token.updated", now)
            return row
        if row.status == ChargeScheduleStatus.PAUSED and row.status_reason.startswith("token."):
            return resume_schedule(row, now=now)
    return row


def schedules_paused_by(token: Token | str) -> list[ChargeSchedule]:
    """The schedules that were paused because ``token`` stopped being usable."""
    token_id = token.smartpay_id if isinstance(token, Token) else token
    return list(
        ChargeSchedule.objects.filter(
            token_id=token_id, status=ChargeScheduleStatus.PAUSED, status_reason__startswith="token."
        ).order_by("pk")
    )


def resume_token_schedules(token: Token | str, *, now: dt.datetime | None = None) -> list[ChargeSchedule]:
    """Resume every schedule ``token`` paused (after it was enabled again); return them.

    Enabling a token never resumes anything by itself: the merchant decides (this
    service, or the tokens admin action "Resume the schedules these tokens paused").
    """
    return [resume_schedule(row, now=now) for row in schedules_paused_by(token)]
