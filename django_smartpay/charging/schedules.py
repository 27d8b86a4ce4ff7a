"""Recurring charges: create, pause, resume and cancel schedules; charge the due ones.

:func:`charge_due_schedules` is meant to run every few minutes (Celery beat, or
``manage.py smartpay_charge_due`` from cron).  It works in batches
(:mod:`.batches`): one short transaction each, with a constant number of SQL
statements whatever its size, skipping rows another run holds.  A schedule
produces at most one charge per period (a unique constraint).

A schedule that fell behind (the scheduler was down) catches up within the same
run, one period per batch: each missed period is charged once.  Resuming a paused
schedule skips the periods missed while paused.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import scheduling
from ..models import (
    CaptureMethod,
    ChargeSchedule,
    ChargeScheduleStatus,
    ScheduleInterval,
    Token,
    TokenCharge,
    TokenChargeStatus,
)
from .batches import DEFAULT_BATCH_SIZE, charge_due_batch
from .create import (
    CURRENCY,
    chargeable_token,
    invalid,
    validated_payload,
)

logger = logging.getLogger("django_smartpay.charging")


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
) -> ChargeSchedule:
    """Charge ``token`` every ``interval`` x ``interval_count``, first at ``start_at`` (default: now).

    ``interval`` is ``daily``, ``weekly``, ``monthly`` or ``every_n_days``
    (``interval_count`` is the N).  Monthly schedules charge on ``day_of_month``
    (default: the day of ``start_at``), moved to the month's last day when the
    month is shorter.  The schedule ends after ``max_count`` charges or when the
    next run would be after ``end_at``.  Validated like :func:`charge_token`.
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
    if interval not in ScheduleInterval.values:
        raise invalid(
            _("The interval must be one of %(choices)s.") % {"choices": ", ".join(ScheduleInterval.values)}
        )
    if (
        isinstance(interval_count, bool)
        or not isinstance(interval_count, int)
        or not 1 <= interval_count <= 366
    ):
        raise invalid(_("The interval count must be a whole number from 1 to 366."))
    start = start_at or timezone.now()
    if timezone.is_naive(start):
        raise invalid(_("start_at must be an aware datetime."))
    if interval == ScheduleInterval.MONTHLY:
        day_of_month = day_of_month or scheduling.default_anchor_day(start)
        if not 1 <= day_of_month <= 31:
            raise invalid(_("The day of month must be from 1 to 31."))
        # The first run is on the anchor day too.
        start = scheduling.first_at_or_after(
            scheduling.add_months(start, 0, day_of_month),
            start,
            interval,
            interval_count,
            anchor_day=day_of_month,
        )
    elif day_of_month is not None:
        raise invalid(_("day_of_month applies to monthly schedules only."))
    if end_at is not None and end_at < start:
        raise invalid(_("The end is before the first run."))
    if max_count is not None and (
        isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1
    ):
        raise invalid(_("The maximum number of charges must be a positive whole number."))
    return ChargeSchedule.objects.create(
        token=row,
        interval=interval,
        interval_count=interval_count,
        day_of_month=day_of_month,
        next_run_at=start,
        end_at=end_at,
        max_count=max_count,
        **payload,
    )


def _schedule(schedule: ChargeSchedule | int) -> ChargeSchedule:
    pk = schedule.pk if isinstance(schedule, ChargeSchedule) else schedule
    return ChargeSchedule.objects.select_for_update().get(pk=pk)


def pause_schedule(schedule: ChargeSchedule | int, *, reason: str = "") -> ChargeSchedule:
    """Stop charging until :func:`resume_schedule`; charges already written go on."""
    with transaction.atomic():
        row = _schedule(schedule)
        if row.status != ChargeScheduleStatus.ACTIVE:
            raise invalid(
                _("Only an active schedule can be paused; this one is %(status)s.")
                % {"status": row.get_status_display()}
            )
        row.status, row.status_reason = ChargeScheduleStatus.PAUSED, reason[:64]
        row.save(update_fields=["status", "status_reason", "updated"])
    return row


def resume_schedule(schedule: ChargeSchedule | int, *, now: dt.datetime | None = None) -> ChargeSchedule:
    """Charge again from the next period on (periods missed while paused are skipped).

    Refused while the token cannot be charged.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = _schedule(schedule)
        if row.status != ChargeScheduleStatus.PAUSED:
            raise invalid(
                _("Only a paused schedule can be resumed; this one is %(status)s.")
                % {"status": row.get_status_display()}
            )
        chargeable_token(Token.objects.get(smartpay_id=row.token_id))
        row.next_run_at = scheduling.first_at_or_after(
            row.next_run_at, now, row.interval, row.interval_count, anchor_day=row.day_of_month
        )
        row.status, row.status_reason = ChargeScheduleStatus.ACTIVE, ""
        if row.end_at is not None and row.next_run_at > row.end_at:
            row.status = ChargeScheduleStatus.COMPLETED
        row.save(update_fields=["next_run_at", "status", "status_reason", "updated"])
    return row


def cancel_schedule(schedule: ChargeSchedule | int) -> ChargeSchedule:
    """End the schedule for good and cancel its charges that were never sent."""
    now = timezone.now()
    with transaction.atomic():
        row = _schedule(schedule)
        if row.status in (ChargeScheduleStatus.CANCELED, ChargeScheduleStatus.COMPLETED):
            return row
        row.status, row.status_reason = ChargeScheduleStatus.CANCELED, ""
        row.save(update_fields=["status", "status_reason", "updated"])
        TokenCharge.objects.filter(schedule=row, status=TokenChargeStatus.PENDING, attempts=0).update(
            status=TokenChargeStatus.CANCELED, next_attempt_at=None, updated=now
        )
    return row


def charge_due_schedules(
    *, now: dt.datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE, max_batches: int | None = None
) -> int:
    """Charge every due schedule, batch after batch; return the number of charges written."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now or timezone.now()
    total = batches = 0
    while max_batches is None or batches < max_batches:
        result = charge_due_batch(now=now, batch_size=batch_size)
        batches += 1
        total += result.created
        if not result.selected:
            break
    if total:
        logger.info("smartpay: %d scheduled charge(s) written in %d batch(es)", total, batches)
    return total
