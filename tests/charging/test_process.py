"""process_charge / run_charge: retries with one key, replays, definitive errors, duplicates, claims."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from django_smartpay import charging, conf
from django_smartpay.charging import charge_token, policy, run_charge
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, Token, TokenCharge, TokenChargeStatus
from django_smartpay.tasks import process_charge

pytestmark = pytest.mark.django_db


def _pending(token, charge_kwargs, **extra) -> TokenCharge:
    """A charge written but not sent (its task message is dropped)."""
    return charge_token(token, 3000, "JPY", **charge_kwargs, **extra)


def test_transient_503_twice_then_success_gives_one_order_with_one_key(token, charge_kwargs, on_commit, shop):
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=2)
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert charge.attempts == 3
    posts = shop.order_posts()
    assert [post["status"] for post in posts] == [503, 503, 200]
    assert {post["idempotency_key"] for post in posts} == {charge.idempotency_key}
    assert len(shop.orders_with_reference(charge.reference)) == 1


@pytest.mark.parametrize("status", [500, 502, 504, 429])
def test_other_transient_statuses_are_retried(token, charge_kwargs, shop, status):
    charge = _pending(token, charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=status, count=1)
    first = run_charge(charge.pk)
    charge.refresh_from_db()
    assert first.status == TokenChargeStatus.PENDING
    assert first.retry_in is not None and 0 < first.retry_in <= policy.RETRY_BASE_DELAY
    assert charge.status == TokenChargeStatus.PENDING
    assert charge.error_code == "simulator.fault"
    assert charge.next_attempt_at > timezone.now()
    assert run_charge(charge.pk).status == TokenChargeStatus.SUCCEEDED
    assert len(shop.orders_with_reference(charge.reference)) == 1


def test_dropped_response_is_replayed_by_the_retry(token, charge_kwargs, on_commit, shop):
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED
    posts = shop.order_posts()
    assert len(posts) == 2
    assert {post["idempotency_key"] for post in posts} == {charge.idempotency_key}
    assert [post["replayed"] for post in posts] == [False, True]
    orders = shop.orders_with_reference(charge.reference)
    assert [order["id"] for order in orders] == [charge.order_id]


def test_request_in_progress_is_transient_and_the_next_attempt_sends_the_same_key(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)
    # A first request with this key is still running at Smartpay (say, our previous attempt
    # timed out): the simulator's idempotency store holds it as in progress.
    scope = conf.get_setting("SECRET_KEY")
    record, _ = shop.sim.idempotency.begin(scope, charge.idempotency_key, "POST", "/v1/orders", b"first")
    outcome = run_charge(charge.pk)
    charge.refresh_from_db()
    assert outcome.status == TokenChargeStatus.PENDING
    assert outcome.retry_in is not None
    assert charge.error_code == "request.in-progress"
    assert shop.orders_with_reference(charge.reference) == []
    # The first request ends without an order (Smartpay forgets an unfinished key).
    shop.sim.idempotency.abandon(scope, charge.idempotency_key, record)
    assert run_charge(charge.pk).status == TokenChargeStatus.SUCCEEDED
    charge.refresh_from_db()
    assert [order["id"] for order in shop.orders_with_reference(charge.reference)] == [charge.order_id]
    assert {post["idempotency_key"] for post in shop.order_posts()} == {charge.idempotency_key}


def test_definitive_4xx_fails_the_charge_with_its_code(token, charge_kwargs, on_commit, shop, received):
    shop.sim.faults.add("POST", "/v1/orders", status=400, count=1)
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.FAILED
    assert charge.error_code == "simulator.fault"
    assert "400" in charge.error_message
    assert charge.attempts == 1
    assert len(shop.order_posts()) == 1  # not retried
    assert shop.orders_with_reference(charge.reference) == []
    assert [c.pk for c in received["failed"]] == [charge.pk]


def test_token_disabled_at_smartpay_fails_the_charge_pauses_schedules_and_signals(
    token, charge_kwargs, on_commit, shop, received
):
    from django_smartpay.charging import create_schedule

    schedule = create_schedule(token, 3000, "JPY", interval="monthly", **charge_kwargs)
    waiting = _pending(token, charge_kwargs)  # another charge of the token, not sent yet
    shop.client.disable_token(token.smartpay_id)  # the local mirror does not know yet
    token.refresh_from_db()
    assert token.status == "active"
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.FAILED
    assert charge.error_code == "token.not-found"
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAUSED
    assert schedule.status_reason == "token.not-found"
    assert Token.objects.get(pk=token.pk).status == "disabled"  # learnt from Smartpay
    waiting.refresh_from_db()
    assert waiting.status == TokenChargeStatus.FAILED
    assert waiting.error_code in ("token.not-found", "token.disabled")
    assert {c.pk for c in received["failed"]} == {charge.pk, waiting.pk}
    assert len(shop.order_posts()) == 1


def test_token_no_longer_valid_at_smartpay_fails_with_token_invalid(shop, charge_kwargs, on_commit):
    stale = shop.token(approve=False)
    # A stale mirror: an older copy that says active.
    Token.objects.filter(pk=stale.pk).update(
        status="active",
        data={**stale.data, "status": "active"},
        smartpay_updated=stale.smartpay_updated - dt.timedelta(days=1),
    )
    with on_commit():
        charge = charge_token(stale.smartpay_id, 1000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.FAILED
    assert charge.error_code == "token.invalid"
    assert Token.objects.get(pk=stale.pk).status == "requires_authorization"


def test_duplicate_task_execution_sends_once(token, charge_kwargs, on_commit, shop):
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    assert process_charge.delay(charge.pk).get() == TokenChargeStatus.SUCCEEDED
    assert process_charge.delay(charge.pk).get() == TokenChargeStatus.SUCCEEDED
    assert len(shop.order_posts()) == 1
    assert TokenCharge.objects.get().attempts == 1


def test_a_duplicate_backs_off_while_another_worker_holds_the_charge(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)
    TokenCharge.objects.filter(pk=charge.pk).update(
        status=TokenChargeStatus.PROCESSING,
        attempts=1,
        claimed_at=timezone.now(),
        first_attempt_at=timezone.now(),
    )
    outcome = run_charge(charge.pk)
    assert outcome.status == TokenChargeStatus.PROCESSING
    assert outcome.retry_in is not None and 0 < outcome.retry_in <= policy.claim_timeout() + 1
    assert not outcome.sent
    assert shop.order_posts() == []
    assert TokenCharge.objects.get().attempts == 1


def test_a_stale_claim_is_taken_over_with_the_same_key(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)
    # A worker sent the request, Smartpay made the order, then the worker died.
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    old = timezone.now() - dt.timedelta(seconds=policy.claim_timeout() + 5)
    run_charge(charge.pk)
    TokenCharge.objects.filter(pk=charge.pk).update(status=TokenChargeStatus.PROCESSING, claimed_at=old)
    outcome = run_charge(charge.pk)
    charge.refresh_from_db()
    assert outcome.status == TokenChargeStatus.SUCCEEDED
    assert charge.attempts == 2
    assert [post["replayed"] for post in shop.order_posts()] == [False, True]
    assert len(shop.orders_with_reference(charge.reference)) == 1


def test_a_run_whose_claim_was_taken_over_records_nothing(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)

    def send_then_lose_the_claim(row):
        data = charging.send_order(row)
        # Meanwhile the claim went stale and another run took the charge over.
        TokenCharge.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
        return data

    outcome = run_charge(charge.pk, send=send_then_lose_the_claim)
    charge.refresh_from_db()
    assert outcome.status == TokenChargeStatus.PROCESSING
    assert charge.status == TokenChargeStatus.PROCESSING  # left for the run that holds it
    assert charge.order_id is None


def test_terminal_and_missing_charges_are_left_alone(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)
    for status in (TokenChargeStatus.CANCELED, TokenChargeStatus.FAILED, TokenChargeStatus.UNKNOWN):
        TokenCharge.objects.filter(pk=charge.pk).update(status=status)
        assert run_charge(charge.pk).status == status
    assert run_charge(charge.pk + 1000).status == "missing"
    assert shop.order_posts() == []


def test_eager_retries_give_up_and_leave_the_charge_pending(token, charge_kwargs, on_commit, shop):
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=None)
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.PENDING
    assert charge.attempts == 1 + charging.EAGER_RETRIES
    assert charge.next_attempt_at is not None
    assert {post["idempotency_key"] for post in shop.order_posts()} == {charge.idempotency_key}


def test_a_worker_retries_with_a_countdown(token, charge_kwargs, shop, monkeypatch):
    from celery.exceptions import Retry

    charge = _pending(token, charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    asked: dict = {}

    def retry(**kwargs):
        asked.update(kwargs)
        return Retry("retry", when=kwargs.get("countdown"))

    monkeypatch.setattr(process_charge, "retry", retry)
    process_charge.push_request(is_eager=False, retries=0)
    try:
        with pytest.raises(Retry):
            process_charge.run(charge.pk)
    finally:
        process_charge.pop_request()
    assert 0 < asked["countdown"] <= policy.RETRY_BASE_DELAY
    assert TokenCharge.objects.get().status == TokenChargeStatus.PENDING


def test_no_resend_near_the_end_of_the_key_window(token, charge_kwargs, shop, received):
    charge = _pending(token, charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    run_charge(charge.pk)
    late = timezone.now() - policy.KEY_WINDOW + policy.WINDOW_SAFETY_MARGIN - dt.timedelta(seconds=1)
    TokenCharge.objects.filter(pk=charge.pk).update(first_attempt_at=late)
    outcome = run_charge(charge.pk)
    charge.refresh_from_db()
    assert outcome.status == TokenChargeStatus.UNKNOWN
    assert charge.status == TokenChargeStatus.UNKNOWN
    assert len(shop.order_posts()) == 1  # not sent again
    assert received["failed"] == [] and received["succeeded"] == []


def test_a_retry_that_would_fall_after_the_deadline_makes_the_charge_unknown(token, charge_kwargs, shop):
    charge = _pending(token, charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    almost = timezone.now() - policy.KEY_WINDOW + policy.WINDOW_SAFETY_MARGIN + dt.timedelta(seconds=2)
    TokenCharge.objects.filter(pk=charge.pk).update(first_attempt_at=almost, attempts=12)
    outcome = run_charge(charge.pk)
    assert outcome.status == TokenChargeStatus.UNKNOWN
    assert outcome.retry_in is None
    assert TokenCharge.objects.get().error_code == "simulator.fault"


def test_schedule_of_the_charge_is_untouched_by_a_transient_error(token, charge_kwargs, shop):
    from django_smartpay.charging import create_schedule

    schedule = create_schedule(token, 3000, "JPY", interval="daily", **charge_kwargs)
    charge = _pending(token, charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    run_charge(charge.pk)
    assert ChargeSchedule.objects.get(pk=schedule.pk).status == ChargeScheduleStatus.ACTIVE


def test_recording_retries_once_when_a_webhook_inserted_the_order_first(token, charge_kwargs, monkeypatch):
    """record_order syncs inside its own transaction (no savepoint), so it retries that transaction."""
    from django.db import IntegrityError

    from django_smartpay import sync
    from django_smartpay.models import Order

    charge = _pending(token, charge_kwargs)
    real = sync.sync_object_in_transaction
    calls = []

    def racing(data, **kwargs):
        calls.append(data["id"])
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(data, **kwargs)

    monkeypatch.setattr(sync, "sync_object_in_transaction", racing)
    assert run_charge(charge.pk).status == TokenChargeStatus.SUCCEEDED
    charge.refresh_from_db()
    assert len(calls) == 2
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert list(Order.objects.values_list("smartpay_id", flat=True)) == [charge.order_id]
