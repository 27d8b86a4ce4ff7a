"""Dunning: a declined scheduled charge makes its schedule ``past_due`` and is retried.

Every retry is a new charge (new key, new reference, ``period_attempt`` + 1), written only
once every earlier attempt of the period is dead, so the database itself keeps a period
from being paid twice; soft declines are retried on ``DUNNING_RETRY_DAYS``, hard ones wait
for a new token.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import router, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, signals
from ..models import (
    ChargeSchedule,
    ChargeScheduleStatus,
    Token,
    TokenCharge,
    TokenChargeStatus,
    TokenStatus,
)
from ..models.charges import DEAD_CHARGE_STATUSES
from .batches import scheduler_time
from .create import PAYLOAD_FIELDS, chargeable_token, invalid, new_key, new_reference
from .dispatch import enqueue_on_commit

logger = logging.getLogger("django_smartpay.charging")

#: ``error_code`` of a charge whose token order stayed ``requires_authorization`` (a soft decline).
SOFT_DECLINE_CODE = "order.soft-declined"
#: Failures that may heal by themselves: the period is retried on the same token.
SOFT_CODES = frozenset({SOFT_DECLINE_CODE, "charge.no-order"})
#: ``status_reason`` of a schedule whose retries ran out, or that staff gave up on.
EXHAUSTED_REASON = "dunning.exhausted"
GIVEN_UP_REASON = "dunning.given-up"
#: Statuses a failed period moves to ``past_due`` from (a paused or canceled schedule stays so).
DUNNABLE = frozenset(
    {
        ChargeScheduleStatus.ACTIVE,
        ChargeScheduleStatus.COMPLETED,
        ChargeScheduleStatus.PAST_DUE,
        ChargeScheduleStatus.UNPAID,
    }
)
DUNNING_FIELDS = ["open_period", "open_period_date", "past_due_since", "failed_attempts", "retry_at"]


def is_soft(error_code: str) -> bool:
    """Whether a failed charge with this ``error_code`` is retried on the same token."""
    return error_code in SOFT_CODES


def retry_days() -> tuple[float, ...]:
    return conf.dunning_retry_days(conf.get_setting("DUNNING_RETRY_DAYS"))


def final_status() -> str:
    return str(conf.get_setting("DUNNING_FINAL_STATUS"))


def _db() -> str:
    return router.db_for_write(ChargeSchedule)


def save_status(row: ChargeSchedule, old_status: str, reason: str, fields: list[str]) -> None:
    """Save ``row`` and, if its status changed, send ``schedule_status_changed`` after commit."""
    row.save(update_fields=[*fields, "status", "status_reason", "updated"])
    if row.status == old_status:
        return
    pk = row.pk

    def committed() -> dict[str, Any] | None:
        instance = ChargeSchedule.objects.filter(pk=pk).first()
        return None if instance is None else {"instance": instance}

    logger.info("smartpay: schedule %s: %s -> %s (%s)", pk, old_status, row.status, reason)
    signals.send_on_commit(
        signals.schedule_status_changed,
        ChargeSchedule,
        old_status=old_status,
        new_status=row.status,
        reason=reason,
        lazy_kwargs=committed,
    )


def _clear(row: ChargeSchedule) -> None:
    row.open_period = row.open_period_date = row.past_due_since = row.retry_at = None
    row.failed_attempts = 0


def _paid_status(row: ChargeSchedule) -> str:
    """``active``, or ``completed`` when the schedule's last period is behind it."""
    finished = (row.max_count is not None and row.count >= row.max_count) or (
        row.end_at is not None and row.next_run_at > row.end_at
    )
    return ChargeScheduleStatus.COMPLETED if finished else ChargeScheduleStatus.ACTIVE


def _give_up(row: ChargeSchedule, reason: str) -> None:
    old = row.status
    row.status = final_status()
    row.status_reason = reason
    row.retry_at = None
    save_status(row, old, reason, ["retry_at"])


def charge_settled(charge_id: int, schedule_id: int | None, *, now: dt.datetime | None = None) -> None:
    """Move the charge's schedule after the charge ended (call inside the settling transaction).

    Succeeded: the open period is paid, ``past_due``/``unpaid`` → ``active`` (or
    ``completed``).  Rejected or failed: the schedule becomes ``past_due`` with the
    next retry planned (soft) or none until a new token (hard); out of retries →
    ``DUNNING_FINAL_STATUS``.
    """
    if schedule_id is None:
        return  # a one-off charge: no query
    charge = (
        TokenCharge.objects.using(_db())
        .filter(pk=charge_id, schedule__isnull=False)
        .values("schedule_id", "status", "error_code", "period", "period_date")
        .first()
    )
    if charge is None or charge["period_date"] is None:
        return
    now = now or timezone.now()
    with transaction.atomic(using=_db()):
        row = ChargeSchedule.objects.using(_db()).select_for_update().get(pk=charge["schedule_id"])
        old = row.status
        if charge["status"] == TokenChargeStatus.SUCCEEDED:
            if row.open_period_date != charge["period_date"]:
                return
            _clear(row)
            if old in (ChargeScheduleStatus.PAST_DUE, ChargeScheduleStatus.UNPAID):
                row.status, row.status_reason = _paid_status(row), ""
            save_status(row, old, "charge.succeeded", DUNNING_FIELDS)
            return
        if charge["status"] not in (TokenChargeStatus.REJECTED, TokenChargeStatus.FAILED):
            return
        if row.open_period_date != charge["period_date"]:
            row.open_period, row.open_period_date = charge["period"], charge["period_date"]
            row.past_due_since, row.failed_attempts = now, 0
        row.failed_attempts += 1
        code = charge["error_code"] or "charge.failed"
        if old not in DUNNABLE:
            row.retry_at = None  # paused or canceled: kept as is; resuming retries the period
            save_status(row, old, code, DUNNING_FIELDS)
            return
        row.status, row.status_reason = ChargeScheduleStatus.PAST_DUE, code[:64]
        row.retry_at = _next_retry(row, soft=is_soft(code))
        if row.retry_at is None:
            row.status = final_status()
            row.status_reason = EXHAUSTED_REASON
        save_status(row, old, row.status_reason, DUNNING_FIELDS)


def _next_retry(row: ChargeSchedule, *, soft: bool) -> dt.datetime | None:
    """When to retry (soft) or give up (hard); ``None`` when the retries are used up."""
    days = retry_days()
    assert row.past_due_since is not None
    if not soft:
        # A hard decline is not retried on the same token: the last day is the deadline.
        return row.past_due_since + dt.timedelta(days=days[-1]) if days else None
    if row.failed_attempts > len(days):
        return None
    return row.past_due_since + dt.timedelta(days=days[row.failed_attempts - 1])


def _write_retry(row: ChargeSchedule) -> TokenCharge | None:
    """A new charge for the open period, unless a live one exists (caller holds the row lock).

    It records the current time, whatever moment the run that decided on it was "as of".
    """
    attempts = TokenCharge.objects.using(_db()).filter(schedule=row, period_date=row.open_period_date)
    if attempts.exclude(status__in=DEAD_CHARGE_STATUSES).exists():
        return None
    last = attempts.aggregate(last=Max("period_attempt"))["last"] or 0
    charge = TokenCharge.objects.using(_db()).create(
        token_id=row.token_id,
        schedule=row,
        period=row.open_period,
        period_date=row.open_period_date,
        period_attempt=last + 1,
        reference=new_reference(),
        idempotency_key=new_key(),
        next_attempt_at=timezone.now(),
        **{name: getattr(row, name) for name in PAYLOAD_FIELDS},
    )
    enqueue_on_commit([charge.pk], using=_db())
    return charge


def _usable(token: Token) -> bool:
    return token.status == TokenStatus.ACTIVE and token.test == conf.is_test_mode()


def charge_due_retries(
    *,
    as_of: dt.datetime | None = None,
    batch_size: int = 100,
    now: dt.datetime | None = None,
    changed_before: dt.datetime | None = None,
) -> int:
    """Retry (or give up on) the ``past_due`` schedules whose ``retry_at`` has come by ``as_of``.

    Return the number of charges written.  ``as_of`` defaults to now (``now`` is its
    older name); the rows written record the current time.  ``changed_before`` leaves
    out the schedules changed since then (a run passes its start: a charge it wrote and
    that was declined at once waits for the next run, even when the run is "as of" a
    moment past that decline's retry days).
    """
    now = scheduler_time(as_of, now)
    due = Q(status=ChargeScheduleStatus.PAST_DUE, retry_at__lte=now)
    if changed_before is not None:
        due &= Q(updated__lt=changed_before)
    written = 0
    with transaction.atomic(using=_db()):
        rows = list(
            ChargeSchedule.objects.using(_db())
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("token")
            .filter(due)
            .order_by("retry_at", "pk")[:batch_size]
        )
        for row in rows:
            if row.open_period_date is None:
                row.retry_at = None
                row.save(update_fields=["retry_at", "updated"])
                continue
            if not is_soft(row.status_reason) or not _usable(row.token):
                _give_up(row, EXHAUSTED_REASON)
                continue
            row.retry_at = None  # the retry's outcome plans the next one
            row.save(update_fields=["retry_at", "updated"])
            written += _write_retry(row) is not None
    return written


def _locked(schedule: ChargeSchedule | int) -> ChargeSchedule:
    pk = schedule.pk if isinstance(schedule, ChargeSchedule) else schedule
    return ChargeSchedule.objects.using(_db()).select_for_update().get(pk=pk)


def retry_open_period(row: ChargeSchedule, reason: str, now: dt.datetime) -> TokenCharge | None:
    """Charge the open period now (the caller holds the row's lock); ``past_due`` until it settles."""
    old = row.status
    row.status, row.status_reason, row.retry_at = ChargeScheduleStatus.PAST_DUE, reason, None
    if row.past_due_since is None:
        row.past_due_since = now
    save_status(row, old, reason, ["retry_at", "past_due_since", "token"])
    return _write_retry(row)


def retry_now(schedule: ChargeSchedule | int, *, now: dt.datetime | None = None) -> TokenCharge:
    """Charge the open period of a ``past_due`` or ``unpaid`` schedule at once (staff's "retry now").

    Raises :class:`SmartpayValidationError` when there is no unpaid period, a charge
    of it is still in flight, or the token cannot be charged.
    """
    now = now or timezone.now()
    with transaction.atomic(using=_db()):
        row = _locked(schedule)
        if row.open_period_date is None or row.status not in (
            ChargeScheduleStatus.PAST_DUE,
            ChargeScheduleStatus.UNPAID,
        ):
            raise invalid(_("This schedule has no unpaid period to retry."), code="schedule.nothing-to-retry")
        chargeable_token(Token.objects.get(smartpay_id=row.token_id))
        charge = retry_open_period(row, "dunning.retry-now", now)
        if charge is None:
            raise invalid(
                _("A charge of this period is still in progress."), code="schedule.charge-in-progress"
            )
    return charge


def give_up(schedule: ChargeSchedule | int) -> ChargeSchedule:
    """Stop retrying a ``past_due`` schedule: it becomes ``DUNNING_FINAL_STATUS`` (staff's "give up")."""
    with transaction.atomic(using=_db()):
        row = _locked(schedule)
        if row.status != ChargeScheduleStatus.PAST_DUE:
            raise invalid(
                _("Only a past due schedule can be given up; this one is %(status)s."),
                code="schedule.cannot-give-up",
                status=row.get_status_display(),
            )
        _give_up(row, GIVEN_UP_REASON)
    return row
