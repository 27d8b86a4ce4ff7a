"""Dunning against the simulator: declined periods, retries, recovery, giving up, new tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from django_smartpay import conf, services, signals
from django_smartpay.charging import (
    charge_due_schedules,
    create_schedule,
    give_up,
    resume_token_schedules,
    retry_now,
    schedules_paused_by,
    update_schedule_token,
    use_publisher,
)
from django_smartpay.charging.dunning import SOFT_DECLINE_CODE
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus

pytestmark = pytest.mark.django_db

PAST_DUE = ChargeScheduleStatus.PAST_DUE
ACTIVE = ChargeScheduleStatus.ACTIVE


@pytest.fixture
def changes() -> Iterator[list[tuple[str, str, str]]]:
    """``(old_status, new_status, reason)`` of every ``schedule_status_changed``, in order."""
    seen: list[tuple[str, str, str]] = []

    def on_change(
        sender: Any, instance: ChargeSchedule, old_status: str, new_status: str, reason: str, **kw: Any
    ):
        assert sender is ChargeSchedule and instance.status == new_status
        seen.append((old_status, new_status, reason))

    signals.schedule_status_changed.connect(on_change, dispatch_uid="tests.dunning")
    yield seen
    signals.schedule_status_changed.disconnect(dispatch_uid="tests.dunning")


def _due(token, charge_kwargs, **extra: Any) -> ChargeSchedule:
    start = timezone.now() - dt.timedelta(minutes=1)
    return create_schedule(
        token, 3000, "JPY", interval="monthly", start_at=start, now=start, **charge_kwargs, **extra
    )


def _charges(schedule: ChargeSchedule) -> list[TokenCharge]:
    return list(TokenCharge.objects.filter(schedule=schedule).order_by("period_attempt"))


def _authorized(shop, charges: list[TokenCharge]) -> list[dict[str, Any]]:
    """The simulator's orders of these charges that were authorized (money taken)."""
    references = {charge.reference for charge in charges}
    return [
        order
        for order in shop.orders()
        if order.get("reference") in references and order["status"] in ("succeeded", "requires_capture")
    ]


def test_soft_decline_is_retried_and_the_schedule_recovers(
    token, charge_kwargs, on_commit, simulator, shop, changes
):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "soft_decline", count=1)
    with on_commit():
        assert charge_due_schedules() == 1
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason, schedule.failed_attempts) == (
        PAST_DUE,
        SOFT_DECLINE_CODE,
        1,
    )
    assert schedule.retry_at == schedule.past_due_since + dt.timedelta(days=1)
    [first] = _charges(schedule)
    assert (first.status, first.error_code) == (TokenChargeStatus.REJECTED, SOFT_DECLINE_CODE)
    assert schedule.open_period_date == first.period_date
    assert [o["status"] for o in shop.orders() if o["id"] == first.order_id] == ["requires_authorization"]
    with on_commit():
        assert charge_due_schedules(now=schedule.retry_at - dt.timedelta(minutes=1)) == 0
        assert charge_due_schedules(now=schedule.retry_at) == 1
    schedule.refresh_from_db()
    assert (schedule.status, schedule.open_period_date, schedule.failed_attempts, schedule.retry_at) == (
        ACTIVE,
        None,
        0,
        None,
    )
    first, retry = _charges(schedule)
    assert (retry.period_date, retry.period_attempt, retry.status) == (
        first.period_date,
        2,
        TokenChargeStatus.SUCCEEDED,
    )
    assert retry.idempotency_key != first.idempotency_key and retry.reference != first.reference
    assert len(_authorized(shop, [first, retry])) == 1
    assert changes == [(ACTIVE, PAST_DUE, SOFT_DECLINE_CODE), (PAST_DUE, ACTIVE, "charge.succeeded")]


@pytest.mark.parametrize("final", ["unpaid", "paused"])
def test_retries_run_out_then_the_schedule_is_unpaid_or_paused(
    token, charge_kwargs, on_commit, simulator, shop, changes, settings, final
):
    settings.SMARTPAY = {**settings.SMARTPAY, "DUNNING_RETRY_DAYS": [1, 3], "DUNNING_FINAL_STATUS": final}
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "soft_decline")
    with on_commit():
        charge_due_schedules()
    for _retry in range(2):
        schedule.refresh_from_db()
        assert schedule.status == PAST_DUE
        with on_commit():
            assert charge_due_schedules(now=schedule.retry_at) == 1
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason, schedule.retry_at) == (final, "dunning.exhausted", None)
    charges = _charges(schedule)
    assert [c.period_attempt for c in charges] == [1, 2, 3]
    assert {c.status for c in charges} == {TokenChargeStatus.REJECTED}
    assert len({c.idempotency_key for c in charges}) == 3
    assert not _authorized(shop, charges)
    assert changes == [(ACTIVE, PAST_DUE, SOFT_DECLINE_CODE), (PAST_DUE, final, "dunning.exhausted")]
    # Nothing more happens by itself.
    with on_commit():
        assert charge_due_schedules(now=timezone.now() + dt.timedelta(days=20)) == 0


def test_a_hard_decline_is_not_retried_on_the_same_token(token, charge_kwargs, on_commit, simulator, changes):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "decline", count=1)
    with on_commit():
        charge_due_schedules()
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == (PAST_DUE, "order.rejected")
    # The last retry day is the deadline for a new token; no charge before it.
    assert schedule.retry_at == schedule.past_due_since + dt.timedelta(days=7)
    with on_commit():
        assert charge_due_schedules(now=schedule.past_due_since + dt.timedelta(days=3)) == 0
        assert charge_due_schedules(now=schedule.retry_at) == 0
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == ("unpaid", "dunning.exhausted")
    assert len(_charges(schedule)) == 1
    assert changes == [(ACTIVE, PAST_DUE, "order.rejected"), (PAST_DUE, "unpaid", "dunning.exhausted")]


def test_an_unusable_token_waits_for_a_new_one(token, charge_kwargs, on_commit, simulator, shop, changes):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "unusable")
    with on_commit():
        charge_due_schedules()
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == (PAST_DUE, "order.rejected")
    assert services.sync_by_id(token.smartpay_id).status == "disabled"
    new = shop.token()
    with on_commit():
        update_schedule_token(schedule, new)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.token_id) == (ACTIVE, new.smartpay_id)
    _first, retry = _charges(schedule)
    assert (retry.token_id, retry.status, retry.period_attempt) == (new.smartpay_id, "succeeded", 2)
    assert changes[-1] == (PAST_DUE, ACTIVE, "charge.succeeded")


def test_a_new_token_pays_an_unpaid_period_at_once(token, charge_kwargs, on_commit, simulator, shop, changes):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "decline")
    with on_commit():
        charge_due_schedules()
    with on_commit():
        give_up(schedule)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == ("unpaid", "dunning.given-up")
    new = shop.token()
    with on_commit():
        update_schedule_token(schedule, new)
    schedule.refresh_from_db()
    assert schedule.status == ACTIVE
    assert len(_authorized(shop, _charges(schedule))) == 1
    assert changes == [
        (ACTIVE, PAST_DUE, "order.rejected"),
        (PAST_DUE, "unpaid", "dunning.given-up"),
        ("unpaid", PAST_DUE, "token.updated"),
        (PAST_DUE, ACTIVE, "charge.succeeded"),
    ]


def test_a_new_token_must_be_usable(token, charge_kwargs, shop):
    schedule = _due(token, charge_kwargs)
    unapproved = shop.token(approve=False)
    with pytest.raises(SmartpayValidationError):
        update_schedule_token(schedule, unapproved)
    schedule.refresh_from_db()
    assert schedule.token_id == token.smartpay_id


def test_a_new_token_on_a_healthy_schedule_changes_only_the_token(token, charge_kwargs, shop, changes):
    schedule = _due(token, charge_kwargs)
    new = shop.token()
    update_schedule_token(schedule, new)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.token_id) == (ACTIVE, new.smartpay_id)
    assert not TokenCharge.objects.exists() and not changes


def test_staff_retry_now_charges_the_open_period(token, charge_kwargs, on_commit, simulator, shop):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "soft_decline", count=1)
    with on_commit():
        charge_due_schedules()
    with on_commit():
        charge = retry_now(schedule)
    charge.refresh_from_db()
    assert (charge.status, charge.period_attempt) == (TokenChargeStatus.SUCCEEDED, 2)
    schedule.refresh_from_db()
    assert schedule.status == ACTIVE
    with pytest.raises(SmartpayValidationError):
        retry_now(schedule)  # nothing left to pay
    with pytest.raises(SmartpayValidationError):
        give_up(schedule)  # not past due


def test_retry_now_refuses_while_a_charge_of_the_period_is_in_flight(
    token, charge_kwargs, on_commit, simulator
):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "decline", count=1)
    with on_commit():
        charge_due_schedules()
    retry_now(schedule)  # written, its task not run (no commit callbacks here)
    with pytest.raises(SmartpayValidationError):
        retry_now(schedule)
    assert len(_charges(schedule)) == 2


def test_the_database_refuses_a_second_live_charge_of_a_period(token, charge_kwargs, on_commit, simulator):
    schedule = _due(token, charge_kwargs)
    simulator.set_token_outcome(token.smartpay_id, "decline", count=1)
    with on_commit():
        charge_due_schedules()
    retry_now(schedule)
    [first, _retry] = _charges(schedule)
    with pytest.raises(IntegrityError), transaction.atomic():
        TokenCharge.objects.filter(pk=first.pk).update(status=TokenChargeStatus.SUCCEEDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        TokenCharge.objects.create(
            token=token,
            schedule=schedule,
            period_date=first.period_date,
            period_attempt=3,
            reference="tc_dup",
            idempotency_key="dup-key",
            amount=3000,
            items=first.items,
            shipping_info=first.shipping_info,
        )


def test_reenabling_a_token_offers_to_resume_what_it_paused(token, charge_kwargs, on_commit, changes):
    schedule = _due(token, charge_kwargs)
    with on_commit():
        services.disable_token(token)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.status_reason) == ("paused", "token.disabled")
    with on_commit():
        services.enable_token(token)
    schedule.refresh_from_db()
    assert schedule.status == "paused"  # enabling alone resumes nothing
    assert schedules_paused_by(token) == [schedule]
    with on_commit():
        [resumed] = resume_token_schedules(token)
    assert resumed.status == ACTIVE and schedules_paused_by(token) == []
    assert changes == [(ACTIVE, "paused", "token.disabled"), ("paused", ACTIVE, "schedule.resumed")]


def test_retry_days_setting_is_checked(settings):
    settings.SMARTPAY = {**settings.SMARTPAY, "DUNNING_RETRY_DAYS": [3, 1]}
    problems = [p for p in conf.problems(settings.SMARTPAY) if p.setting == "DUNNING_RETRY_DAYS"]
    assert problems and problems[0].number == 20
    settings.SMARTPAY = {**settings.SMARTPAY, "DUNNING_RETRY_DAYS": [], "DUNNING_FINAL_STATUS": "gone"}
    assert [p.setting for p in conf.problems(settings.SMARTPAY)] == ["DUNNING_FINAL_STATUS"]


def test_a_period_left_unpaid_by_a_disabled_token_is_charged_when_its_schedules_resume(
    token, charge_kwargs, on_commit, shop, changes
):
    schedule = _due(token, charge_kwargs)
    sent: list[int] = []
    with use_publisher(sent.extend), on_commit():
        charge_due_schedules()  # the charge is written; its message is not delivered yet
        services.disable_token(token)
    [never_sent] = _charges(schedule)
    assert (never_sent.status, never_sent.error_code) == (TokenChargeStatus.FAILED, "token.disabled")
    schedule.refresh_from_db()
    assert (schedule.status, schedule.open_period_date) == ("paused", never_sent.period_date)
    with on_commit():
        services.enable_token(token)
    with on_commit():
        resume_token_schedules(token)
    schedule.refresh_from_db()
    assert (schedule.status, schedule.open_period_date) == (ACTIVE, None)
    _, retry = _charges(schedule)
    assert (retry.status, retry.period_attempt) == (TokenChargeStatus.SUCCEEDED, 2)
    assert len(_authorized(shop, _charges(schedule))) == 1
    assert changes == [
        (ACTIVE, "paused", "token.disabled"),
        ("paused", PAST_DUE, "schedule.resumed"),
        (PAST_DUE, ACTIVE, "charge.succeeded"),
    ]
