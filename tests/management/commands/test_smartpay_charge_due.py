"""manage.py smartpay_charge_due --as-of: renewals on demand, against the in-process simulator."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from django_smartpay import services
from django_smartpay.charging import create_schedule
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus
from tests.shopping import ADDRESS

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def inline_tasks(eager_celery):
    return eager_celery


@pytest.fixture
def token(api):
    return services.sync_by_id(api.token()["id"])


@pytest.fixture
def schedule(token, on_commit) -> ChargeSchedule:
    """A monthly ¥1,980 subscription whose first month was charged just now (as the demo shop does)."""
    row = create_schedule(
        token,
        1980,
        items=[{"name": "Tea club", "amount": 1980, "quantity": 1}],
        shipping_info={"address": ADDRESS},
        interval="monthly",
    )
    with on_commit():
        assert _run().startswith("1 charge(s)")
    row.refresh_from_db()
    return row


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("smartpay_charge_due", *args, stdout=out)
    return out.getvalue()


def _as_of(moment: dt.datetime) -> str:
    return moment.isoformat()


def _paid_once_per_period() -> None:
    """The money rule: no period of any schedule has two succeeded (or live) charges."""
    doubled = (
        TokenCharge.objects.exclude(status__in=["rejected", "failed", "canceled"])
        .values("schedule_id", "period_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(doubled) == []


def test_as_of_the_next_renewal_charges_it_and_records_real_times(schedule, on_commit, simulator):
    renewal = schedule.next_run_at
    assert renewal > timezone.now() + dt.timedelta(days=27)
    before = timezone.now()
    with on_commit():
        out = _run("--as-of", _as_of(renewal))
    after = timezone.now()
    assert "Running the scheduler as of" in out and "1 charge(s) written" in out
    charge = TokenCharge.objects.order_by("-pk").first()
    assert charge is not None and charge.schedule_id == schedule.pk
    assert charge.period == renewal
    assert charge.status == TokenChargeStatus.SUCCEEDED
    # The scheduler ran "as of" next month; the rows say when they were really written.
    assert before <= charge.created <= after
    assert charge.first_attempt_at is not None and charge.first_attempt_at <= after
    schedule.refresh_from_db()
    assert before <= schedule.updated <= after
    assert schedule.count == 2 and schedule.next_run_at > renewal
    order = simulator.objects(kind="order")[-1]
    assert (order["reference"], order["amount"], order["status"]) == (charge.reference, 1980, "succeeded")


def test_a_charge_waiting_for_its_task_is_due_now_not_as_of(schedule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _run("--as-of", _as_of(schedule.next_run_at + dt.timedelta(days=3)))
    charge = TokenCharge.objects.order_by("-pk").first()
    assert charge is not None and charge.status == TokenChargeStatus.PENDING
    # Reconciliation resends a charge whose task was lost once next_attempt_at is overdue:
    # a fake date there would hold it back for days.
    assert charge.next_attempt_at is not None and charge.next_attempt_at <= timezone.now()
    assert charge.created <= timezone.now()


def test_running_twice_as_of_the_same_time_charges_once(schedule, on_commit):
    moment = _as_of(schedule.next_run_at + dt.timedelta(hours=1))
    with on_commit():
        assert "1 charge(s)" in _run("--as-of", moment)
        assert "0 charge(s)" in _run("--as-of", moment)
        assert "0 charge(s)" in _run()  # and the real scheduler finds nothing due either
    assert TokenCharge.objects.count() == 2
    _paid_once_per_period()


def test_far_in_the_future_charges_one_period_and_says_the_others_were_skipped(schedule, on_commit):
    first = schedule.next_run_at
    with on_commit():
        out = _run("--as-of", _as_of(first + dt.timedelta(days=200)))
    assert "1 charge(s) written" in out
    assert "6 missed period(s) skipped" in out  # the catch-up rule: only the latest is charged
    charges = list(TokenCharge.objects.order_by("pk"))
    assert len(charges) == 2 and all(c.status == TokenChargeStatus.SUCCEEDED for c in charges)
    schedule.refresh_from_db()
    assert schedule.count == 2
    # Afterwards nothing before the far date is charged again, whichever clock a run uses.
    with on_commit():
        for moment in (first, first + dt.timedelta(days=100), first + dt.timedelta(days=200)):
            assert "0 charge(s)" in _run("--as-of", _as_of(moment))
        assert "0 charge(s)" in _run()
    assert TokenCharge.objects.count() == 2
    _paid_once_per_period()


def test_as_of_in_the_past_charges_nothing_already_charged(schedule, on_commit):
    with on_commit():
        out = _run("--as-of", _as_of(timezone.now() - dt.timedelta(days=3)))
    assert "in the past" in out and "0 charge(s)" in out
    with on_commit():
        assert "1 charge(s)" in _run("--as-of", _as_of(schedule.next_run_at))
        # Going back in time after a renewal does not charge its period (or the first) again.
        assert "0 charge(s)" in _run("--as-of", _as_of(schedule.next_run_at - dt.timedelta(minutes=1)))
        assert "0 charge(s)" in _run("--as-of", _as_of(timezone.now()))
    assert TokenCharge.objects.count() == 2
    _paid_once_per_period()


def test_a_date_means_the_end_of_that_day_and_naive_times_are_local(token, on_commit):
    start = timezone.now() + dt.timedelta(days=2)
    start = start.astimezone(TOKYO).replace(hour=10, minute=0, second=0, microsecond=0)
    create_schedule(
        token,
        500,
        items=[{"name": "Daily tea", "amount": 500}],
        shipping_info={"address": ADDRESS},
        interval="daily",
        start_at=start,
    )
    local = start.replace(tzinfo=None)
    with timezone.override(TOKYO), on_commit():
        assert "0 charge(s)" in _run("--as-of", (local - dt.timedelta(minutes=1)).isoformat())
        assert "0 charge(s)" in _run("--as-of", (start - dt.timedelta(days=1)).date().isoformat())
        assert "1 charge(s)" in _run("--as-of", local.isoformat())  # 10:00 in Tokyo
        assert "1 charge(s)" in _run("--as-of", (start + dt.timedelta(days=1)).date().isoformat())
    periods = list(TokenCharge.objects.order_by("pk").values_list("period", flat=True))
    assert periods == [start, start + dt.timedelta(days=1)]


def test_a_declined_renewal_is_retried_as_of_its_retry_day(schedule, on_commit, simulator, token):
    simulator.set_token_outcome(token.smartpay_id, "soft_decline", count=1)
    with on_commit():
        _run("--as-of", _as_of(schedule.next_run_at))
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAST_DUE
    retry_at = schedule.retry_at
    assert retry_at is not None and retry_at > timezone.now()  # planned from the real decline time
    with on_commit():
        assert "0 charge(s)" in _run("--as-of", _as_of(retry_at - dt.timedelta(minutes=1)))
        out = _run("--as-of", _as_of(retry_at))
    assert "1 charge(s) written" in out and "1 of them retry a declined period" in out
    schedule.refresh_from_db()
    assert (schedule.status, schedule.open_period_date) == (ChargeScheduleStatus.ACTIVE, None)
    retry = TokenCharge.objects.order_by("-pk").first()
    assert retry is not None and retry.period_attempt == 2 and retry.status == TokenChargeStatus.SUCCEEDED
    assert retry.created <= timezone.now() < retry_at
    _paid_once_per_period()


@pytest.mark.parametrize(
    "value",
    [
        "tomorrow",
        "",
        "2026-02-30",
        "2026-13-01",
        "2026-12-30T25:00",
        "30/12/2026",
        "2026-12-30T10:00+25:00",
        "9999-12-31",
        "9999-12-31T23:00-12:00",
        "0001-01-01T00:00+09:00",
        "1" * 400,
        "20261230",
        "2026-12-30x",
    ],
)
def test_bad_as_of_values_are_a_clear_error(value, token):
    with pytest.raises(CommandError, match="--as-of"):
        _run("--as-of", value)
    assert not TokenCharge.objects.exists()


def test_as_of_is_refused_with_a_live_key(schedule, settings):
    settings.SMARTPAY = {**settings.SMARTPAY, "SECRET_KEY": "sk_live_productionKey0001"}
    with pytest.raises(CommandError, match="live secret key"):
        _run("--as-of", _as_of(schedule.next_run_at))
    assert TokenCharge.objects.count() == 1


def test_the_plain_command_is_unchanged_with_a_live_key(settings, db):
    with override_settings(SMARTPAY={**settings.SMARTPAY, "SECRET_KEY": "sk_live_productionKey0001"}):
        assert _run() == "0 charge(s) written and enqueued.\n"


@pytest.mark.django_db(transaction=True)
def test_a_renewal_declined_during_the_run_is_not_retried_by_the_same_run(token, simulator):
    """Tasks run as soon as the batch commits (eager Celery, as in the demo): the decline lands
    while the command is still running, with retry days counted from the real time."""
    schedule = create_schedule(
        token,
        1980,
        items=[{"name": "Tea club", "amount": 1980}],
        shipping_info={"address": ADDRESS},
        interval="monthly",
    )
    assert "1 charge(s)" in _run()
    schedule.refresh_from_db()
    simulator.set_token_outcome(token.smartpay_id, "soft_decline")  # until changed
    out = _run("--as-of", _as_of(schedule.next_run_at + dt.timedelta(days=20)))
    assert "1 charge(s) written" in out
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAST_DUE and schedule.failed_attempts == 1
    renewal = TokenCharge.objects.filter(schedule=schedule).order_by("-pk")
    assert [c.status for c in renewal] == [TokenChargeStatus.REJECTED, TokenChargeStatus.SUCCEEDED]
    # The next run as of the same moment retries it (its first retry day has come by then).
    assert "1 of them retry a declined period" in _run("--as-of", _as_of(schedule.next_run_at))
    _paid_once_per_period()
