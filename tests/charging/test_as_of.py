"""Running the scheduler as of another moment: it decides by ``as_of``, it records the real time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from django_smartpay.charging import (
    charge_due_batch,
    charge_due_retries,
    charge_due_schedules,
    create_schedule,
    run_due,
)
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus

pytestmark = pytest.mark.django_db


def _daily(token, charge_kwargs, start: dt.datetime) -> ChargeSchedule:
    return create_schedule(token, 800, interval="daily", start_at=start, now=start, **charge_kwargs)


def test_run_due_reports_what_it_did(token, charge_kwargs, on_commit):
    start = timezone.now() + dt.timedelta(hours=1)
    _daily(token, charge_kwargs, start)
    with on_commit():
        nothing = run_due()
        run = run_due(as_of=start + dt.timedelta(days=4, minutes=1))
    assert (nothing.charges, nothing.retries, nothing.skipped_periods) == (0, 0, 0)
    assert (run.charges, run.retries, run.skipped_periods) == (1, 0, 4)
    assert run.as_of == start + dt.timedelta(days=4, minutes=1)
    charge = TokenCharge.objects.get()
    assert charge.period == start + dt.timedelta(days=4)
    assert charge.status == TokenChargeStatus.SUCCEEDED and charge.created <= timezone.now()


def test_now_is_an_older_name_of_as_of(token, charge_kwargs, on_commit):
    start = timezone.now() + dt.timedelta(days=1)
    _daily(token, charge_kwargs, start)
    with on_commit():
        assert charge_due_schedules(now=start) == 1
        assert charge_due_schedules(as_of=start) == 0
        assert charge_due_batch(now=start).created == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda moment: charge_due_schedules(as_of=moment, now=moment),
        lambda moment: charge_due_batch(as_of=moment, now=moment),
        lambda moment: charge_due_retries(as_of=moment, now=moment),
    ],
)
def test_as_of_and_now_together_are_refused(call):
    with pytest.raises(TypeError, match="not both"):
        call(timezone.now())


@pytest.mark.parametrize("moment", [dt.datetime(2030, 1, 1), "2030-01-01T00:00:00+09:00", 1893456000])
def test_as_of_must_be_an_aware_datetime(moment):
    for call in (run_due, charge_due_batch, charge_due_retries):
        with pytest.raises(ValueError, match="aware datetime"):
            call(as_of=moment)


def test_a_retry_written_as_of_later_records_the_real_time(token, charge_kwargs, on_commit, simulator):
    start = timezone.now() - dt.timedelta(minutes=1)
    schedule = _daily(token, charge_kwargs, start)
    simulator.set_token_outcome(token.smartpay_id, "soft_decline", count=1)
    with on_commit():
        assert charge_due_schedules() == 1
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAST_DUE and schedule.retry_at is not None
    later = schedule.retry_at + dt.timedelta(hours=2)
    before = timezone.now()
    # The retry is due (a past due schedule charges no new period meanwhile); its task stays queued.
    run = run_due(as_of=later)
    assert (run.charges, run.retries) == (0, 1)
    retry = TokenCharge.objects.get(period_date=schedule.open_period_date, period_attempt=2)
    assert retry.status == TokenChargeStatus.PENDING
    assert retry.next_attempt_at is not None and before <= retry.next_attempt_at <= timezone.now()
    assert before <= retry.created <= timezone.now()
