"""One batch of due schedules → charges: one short transaction, a few statements, plain ORM.

Concurrent runs share the work (``SKIP LOCKED``) instead of waiting or doubling it;
the ``(schedule, period_date)`` constraint makes a second charge for a period
impossible whatever the clocks say.  A batch charges a schedule for the latest
period that has started and moves it past ``as_of``, so a run charges it at most once.

``as_of`` (default: now) is the scheduler's clock: which periods have started.  The rows a
batch writes always record the real time (``created``, ``updated``, ``next_attempt_at``),
so a run "as of" another moment (``smartpay_charge_due --as-of``) leaves honest history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.db.models import F
from django.utils import timezone

from .. import conf, scheduling, signals
from ..models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenStatus
from .create import PAYLOAD_FIELDS, new_key, new_reference
from .dispatch import enqueue_on_commit

logger = logging.getLogger("django_smartpay.charging")

DEFAULT_BATCH_SIZE = 100
#: Up to this many distinct outcomes a batch updates its schedules with one ``UPDATE`` each
#: (the usual case: schedules due together move together); beyond it, one ``bulk_update``.
GROUPED_UPDATES = 4
#: ``status_reason`` of a schedule whose stored values describe no period (paused, logged).
INVALID_REASON = "schedule.invalid"

#: What the decision reads of a due schedule, and the payload its charge copies.
_COLUMNS = (
    "pk",
    "next_run_at",
    "anchor_at",
    "time_zone",
    "interval",
    "interval_count",
    "day_of_month",
    "end_at",
    "max_count",
    "count",
    "token_id",
    "token__status",
    "token__test",
    *PAYLOAD_FIELDS,
)


@dataclass(frozen=True)
class BatchResult:
    selected: int = 0
    created: int = 0
    paused: int = 0
    completed: int = 0
    skipped_periods: int = 0


@dataclass(frozen=True)
class _Update:
    """What a batch writes back to one schedule."""

    next_run_at: dt.datetime
    status: str = ChargeScheduleStatus.ACTIVE
    status_reason: str = ""
    charged: bool = False


def series_of(schedule: Any) -> scheduling.Series:
    """The periods of a schedule row (or of a row's values); :class:`ScheduleError` if none."""
    return scheduling.Series.of(
        interval=schedule.interval,
        count=schedule.interval_count,
        time_zone=schedule.time_zone,
        # A row written without its first period (a bulk import) keeps the time of its next run.
        anchor_at=schedule.anchor_at or schedule.next_run_at,
        day_of_month=schedule.day_of_month,
    )


class _Due:
    """A due schedule as selected (attributes named like the model's fields)."""

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.__dict__.update(zip(_COLUMNS, values, strict=True))
        self.payload = {name: getattr(self, name) for name in PAYLOAD_FIELDS}

    def __getattr__(self, name: str) -> Any:  # for mypy: the fields are set in __init__
        raise AttributeError(name)


def scheduler_time(as_of: dt.datetime | None, now: dt.datetime | None) -> dt.datetime:
    """The moment a run decides by: ``as_of``, else ``now`` (its older name), else the current time."""
    if as_of is not None and now is not None:
        raise TypeError("pass as_of or now (an older name of as_of), not both")
    moment = as_of if as_of is not None else now
    if moment is None:
        return timezone.now()
    if not isinstance(moment, dt.datetime) or timezone.is_naive(moment):
        raise ValueError("as_of must be an aware datetime")
    return moment


def charge_due_batch(
    *,
    as_of: dt.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Turn at most ``batch_size`` schedules due by ``as_of`` (default: now) into charges, in one transaction.

    ``now`` is the older name of ``as_of``.  Whatever ``as_of`` says, the rows written
    record the current time.
    """
    as_of = scheduler_time(as_of, now)
    recorded = timezone.now()
    test_mode = conf.is_test_mode()
    using = router.db_for_write(ChargeSchedule)
    with transaction.atomic(using=using):
        rows = [
            _Due(values)
            for values in ChargeSchedule.objects.using(using)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(status=ChargeScheduleStatus.ACTIVE, next_run_at__lte=as_of)
            .order_by("next_run_at", "pk")
            .values_list(*_COLUMNS)[:batch_size]
        ]
        if not rows:
            return BatchResult()
        decisions = {due.pk: _decide(due, as_of, test_mode) for due in rows}
        wanted = {pk: plan for pk, plan in decisions.items() if isinstance(plan, _Charge)}
        existing = (
            set(
                TokenCharge.objects.using(using)
                .filter(schedule_id__in=list(wanted), period_date__in={p.day for p in wanted.values()})
                .values_list("schedule_id", "period_date")
            )
            if wanted
            else set()
        )
        by_pk = {due.pk: due for due in rows}
        charges = [
            TokenCharge(
                token_id=by_pk[pk].token_id,
                schedule_id=pk,
                period=plan.start,
                period_date=plan.day,
                reference=new_reference(),
                idempotency_key=new_key(),
                next_attempt_at=recorded,
                **by_pk[pk].payload,
            )
            for pk, plan in wanted.items()
            if (pk, plan.day) not in existing
        ]
        created = {charge.schedule_id for charge in charges}
        updates = {
            pk: plan.update(charged=pk in created) if isinstance(plan, _Charge) else plan
            for pk, plan in decisions.items()
        }
        ids = [charge.pk for charge in TokenCharge.objects.using(using).bulk_create(charges)]
        _write_back(using, updates, {due.pk: due.count for due in rows}, recorded)
        _announce(updates)
        enqueue_on_commit(ids, using=using)
    paused = sum(1 for u in updates.values() if u.status == ChargeScheduleStatus.PAUSED)
    completed = sum(1 for u in updates.values() if u.status == ChargeScheduleStatus.COMPLETED)
    skipped = sum(plan.skipped for plan in wanted.values())
    return BatchResult(len(rows), len(ids), paused, completed, skipped)


@dataclass(frozen=True)
class _Charge:
    """The period a due schedule is charged for, and what follows."""

    day: dt.date
    start: dt.datetime
    following: dt.datetime
    finished: bool
    skipped: int

    def update(self, *, charged: bool) -> _Update:
        status = ChargeScheduleStatus.COMPLETED if self.finished else ChargeScheduleStatus.ACTIVE
        return _Update(self.following, status, "", charged)


def _token_problem(due: _Due, test_mode: bool) -> str | None:
    if due.token__status != TokenStatus.ACTIVE:
        return f"token.{due.token__status or 'unknown'}"
    if due.token__test != test_mode:
        return "token.wrong-mode"
    return None


def _decide(due: _Due, now: dt.datetime, test_mode: bool) -> _Charge | _Update:
    """Charge the latest period started by ``now`` (logging the missed ones), or pause or complete.

    The catch-up rule: however many periods were missed, one charge is written (for
    the latest); the missed ones are skipped, never charged later.
    """
    try:
        series = series_of(due)
        first = series.date_of(due.next_run_at)
        until = now if due.end_at is None or due.end_at > now else due.end_at
        day = series.latest(first, until)
        if day is None:
            following = series.start(first)
            if due.end_at is not None and following > due.end_at:
                return _Update(due.next_run_at, ChargeScheduleStatus.COMPLETED)
            return _Update(following)  # not due in its own zone yet
        start = series.start(day)
        skipped = _periods_between(series, first, day)
        following = _following(series, day)
    except (ValueError, OverflowError) as exc:
        logger.error("smartpay: schedule %s describes no period (%s); paused", due.pk, exc)
        return _Update(due.next_run_at, ChargeScheduleStatus.PAUSED, INVALID_REASON)
    problem = _token_problem(due, test_mode)
    if problem is not None:
        return _Update(due.next_run_at, ChargeScheduleStatus.PAUSED, problem)
    if skipped:
        logger.warning(
            "smartpay: schedule %s: %d period(s) from %s to %s were missed (the scheduler did not run); "
            "charging only the current one, %s",
            due.pk,
            skipped,
            first.isoformat(),
            series.after(day, -1).isoformat(),
            day.isoformat(),
        )
    finished = (
        following >= scheduling.LATEST
        or (due.max_count is not None and due.count + 1 >= due.max_count)
        or (due.end_at is not None and following > due.end_at)
    )
    return _Charge(day, start, following, finished, skipped)


def _following(series: scheduling.Series, day: dt.date) -> dt.datetime:
    """When the period after ``day`` starts; :data:`scheduling.LATEST` when the calendar ends first."""
    try:
        return min(series.start(series.after(day)), scheduling.LATEST)
    except (ValueError, OverflowError):
        return scheduling.LATEST


def _periods_between(series: scheduling.Series, first: dt.date, day: dt.date) -> int:
    """How many periods come before ``day`` from ``first`` on."""
    if day <= first:
        return 0
    if series.anchor_day is None:
        return (day - first).days // (scheduling.DAY_STEPS[series.interval] * series.count)
    return ((day.year - first.year) * 12 + day.month - first.month) // series.count


def _announce(updates: dict[int, _Update]) -> None:
    """``schedule_status_changed`` after commit for each schedule the batch paused or completed."""
    for pk, update in updates.items():
        if update.status == ChargeScheduleStatus.ACTIVE:
            continue
        reason = update.status_reason or f"schedule.{update.status}"
        signals.send_on_commit(
            signals.schedule_status_changed,
            ChargeSchedule,
            old_status=ChargeScheduleStatus.ACTIVE,
            new_status=update.status,
            reason=reason,
            lazy_kwargs=_reader(pk),
        )


def _reader(pk: int) -> Any:
    def committed() -> dict[str, Any] | None:
        instance = ChargeSchedule.objects.filter(pk=pk).first()
        return None if instance is None else {"instance": instance}

    return committed


def _write_back(
    using: str, updates: dict[int, _Update], counts: dict[int, int], recorded: dt.datetime
) -> None:
    """Write the schedules' new state: one ``UPDATE`` per distinct outcome, or one bulk update."""
    groups: dict[_Update, list[int]] = defaultdict(list)
    for pk, update in updates.items():
        groups[update].append(pk)
    schedules = ChargeSchedule.objects.using(using)
    if len(groups) <= GROUPED_UPDATES:
        for update, pks in groups.items():
            schedules.filter(pk__in=pks).update(
                next_run_at=update.next_run_at,
                status=update.status,
                status_reason=update.status_reason,
                count=F("count") + 1 if update.charged else F("count"),
                updated=recorded,
            )
        return
    schedules.bulk_update(
        [
            ChargeSchedule(
                pk=pk,
                next_run_at=update.next_run_at,
                status=update.status,
                status_reason=update.status_reason,
                count=counts[pk] + (1 if update.charged else 0),
                updated=recorded,
            )
            for pk, update in updates.items()
        ],
        ["next_run_at", "status", "status_reason", "count", "updated"],
    )
