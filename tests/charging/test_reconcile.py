"""Reconciliation: find orders by reference, never resend after the window, resend within it."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from django_smartpay.charging import charge_token, policy, reconcile_charges, run_charge
from django_smartpay.charging.reconcile import NO_ORDER_CODE
from django_smartpay.models import TokenCharge, TokenChargeStatus

pytestmark = pytest.mark.django_db

SEVEN_HOURS = dt.timedelta(hours=7)


def _age(charge: TokenCharge, by: dt.timedelta, **fields) -> None:
    """Pretend the charge was written and first sent ``by`` ago."""
    TokenCharge.objects.filter(pk=charge.pk).update(
        created=charge.created - by,
        first_attempt_at=(charge.first_attempt_at or charge.created) - by,
        **fields,
    )


def _unknown_after_the_window(shop, charge: TokenCharge) -> None:
    """Seven hours pass (here and at Smartpay, which forgets the key); the next run gives up."""
    charge.refresh_from_db()
    _age(charge, SEVEN_HOURS)
    shop.sim.clock.advance(SEVEN_HOURS.total_seconds())
    assert run_charge(charge.pk).status == TokenChargeStatus.UNKNOWN


def test_unknown_charge_whose_order_exists_is_settled_by_reference(
    token, charge_kwargs, shop, received, on_commit
):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    run_charge(charge.pk)  # Smartpay made the order; the answer was lost
    _unknown_after_the_window(shop, charge)
    posts_before = len(shop.order_posts())

    with on_commit():
        result = reconcile_charges()
        assert received["succeeded"] == []  # after commit only

    charge.refresh_from_db()
    assert result["succeeded"] == 1
    assert charge.status == TokenChargeStatus.SUCCEEDED
    orders = shop.orders_with_reference(charge.reference)
    assert [order["id"] for order in orders] == [charge.order_id]
    assert charge.order.status == "succeeded"
    assert len(shop.order_posts()) == posts_before == 1  # found, not resent
    assert [c.pk for c in received["succeeded"]] == [charge.pk]


def test_unknown_charge_without_order_after_the_window_fails(token, charge_kwargs, shop, received, on_commit):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    run_charge(charge.pk)  # refused before processing: nothing was charged
    _unknown_after_the_window(shop, charge)

    with on_commit():
        result = reconcile_charges()

    charge.refresh_from_db()
    assert result["failed"] == 1
    assert charge.status == TokenChargeStatus.FAILED
    assert charge.error_code == NO_ORDER_CODE
    assert "nothing was charged" in charge.error_message
    assert shop.orders_with_reference(charge.reference) == []
    assert len(shop.order_posts()) == 1  # never resent after the window
    assert [c.pk for c in received["failed"]] == [charge.pk]


def test_unknown_charge_in_the_last_half_hour_waits(token, charge_kwargs, shop):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    run_charge(charge.pk)
    charge.refresh_from_db()
    _age(charge, policy.KEY_WINDOW - dt.timedelta(minutes=10))
    assert run_charge(charge.pk).status == TokenChargeStatus.UNKNOWN

    result = reconcile_charges()

    assert result["waiting"] == 1
    assert TokenCharge.objects.get().status == TokenChargeStatus.UNKNOWN
    assert len(shop.order_posts()) == 1


def test_stale_processing_charge_without_order_is_resent_with_its_key(token, charge_kwargs, shop, on_commit):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    # A worker claimed it and died before its request reached Smartpay.
    stale = timezone.now() - dt.timedelta(seconds=policy.claim_timeout() + 5)
    TokenCharge.objects.filter(pk=charge.pk).update(
        status=TokenChargeStatus.PROCESSING, attempts=1, claimed_at=stale, first_attempt_at=stale
    )
    with on_commit():
        result = reconcile_charges()
    charge.refresh_from_db()
    assert result["resent"] == 1
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert [post["idempotency_key"] for post in shop.order_posts()] == [charge.idempotency_key]


def test_stale_processing_charge_whose_order_exists_is_settled_without_resending(token, charge_kwargs, shop):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    run_charge(charge.pk)
    stale = timezone.now() - dt.timedelta(seconds=policy.claim_timeout() + 5)
    TokenCharge.objects.filter(pk=charge.pk).update(status=TokenChargeStatus.PROCESSING, claimed_at=stale)

    result = reconcile_charges()

    charge.refresh_from_db()
    assert result["succeeded"] == 1
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert len(shop.order_posts()) == 1


def test_a_fresh_claim_is_not_reconciled(token, charge_kwargs, shop):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    now = timezone.now()
    TokenCharge.objects.filter(pk=charge.pk).update(
        status=TokenChargeStatus.PROCESSING, attempts=1, claimed_at=now, first_attempt_at=now
    )
    assert reconcile_charges() == {
        "requeued": 0,
        "resent": 0,
        "succeeded": 0,
        "rejected": 0,
        "failed": 0,
        "waiting": 0,
    }
    assert TokenCharge.objects.get().status == TokenChargeStatus.PROCESSING
    assert shop.order_posts() == []


def test_pending_charge_whose_message_was_lost_is_enqueued_again(token, charge_kwargs, shop, on_commit):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)  # its message never ran
    TokenCharge.objects.filter(pk=charge.pk).update(next_attempt_at=timezone.now() - 2 * policy.LOST_AFTER)
    with on_commit():
        result = reconcile_charges()
    assert result["requeued"] == 1
    assert TokenCharge.objects.get().status == TokenChargeStatus.SUCCEEDED
    assert len(shop.order_posts()) == 1


def test_pending_charge_not_yet_overdue_is_left_to_its_message(token, charge_kwargs, shop):
    charge_token(token, 3000, "JPY", **charge_kwargs)
    assert reconcile_charges()["requeued"] == 0
    assert TokenCharge.objects.get().status == TokenChargeStatus.PENDING


def test_the_scan_stops_at_the_oldest_charge(token, charge_kwargs, shop, smartpay_requests):
    for _ in range(120):  # older orders of the account, not ours
        shop.client.create_order(
            token=token.smartpay_id,
            amount=100,
            currency="JPY",
            items=[{"name": "Old", "amount": 100}],
            shipping_info=charge_kwargs["shipping_info"],
            customer_info={},
        )
    shop.sim.clock.advance(3600)
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    TokenCharge.objects.filter(pk=charge.pk).update(created=charge.created + dt.timedelta(hours=1))
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    run_charge(charge.pk)
    stale = timezone.now() + dt.timedelta(hours=1) - dt.timedelta(seconds=policy.claim_timeout() + 5)
    TokenCharge.objects.filter(pk=charge.pk).update(status=TokenChargeStatus.PROCESSING, claimed_at=stale)
    smartpay_requests.clear()

    reconcile_charges(now=timezone.now() + dt.timedelta(hours=1))

    assert TokenCharge.objects.get().status == TokenChargeStatus.SUCCEEDED
    assert [method for method, path in smartpay_requests if path.startswith("/v1/orders")] == ["GET"]


def test_a_missing_charge_is_found_on_a_later_page(token, charge_kwargs, shop, smartpay_requests):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", drop_response=True, count=1)
    run_charge(charge.pk)
    for _ in range(120):  # newer orders push ours to the second page
        shop.client.create_order(
            token=token.smartpay_id,
            amount=100,
            currency="JPY",
            items=[{"name": "New", "amount": 100}],
            shipping_info=charge_kwargs["shipping_info"],
            customer_info={},
        )
    stale = timezone.now() - dt.timedelta(seconds=policy.claim_timeout() + 5)
    TokenCharge.objects.filter(pk=charge.pk).update(status=TokenChargeStatus.PROCESSING, claimed_at=stale)
    smartpay_requests.clear()

    assert reconcile_charges()["succeeded"] == 1
    assert [method for method, path in smartpay_requests if path.startswith("/v1/orders")] == ["GET", "GET"]


def test_command_reports_json(token, charge_kwargs, shop):
    charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    shop.sim.faults.add("POST", "/v1/orders", status=503, count=1)
    run_charge(charge.pk)
    _unknown_after_the_window(shop, charge)
    out = io.StringIO()
    call_command("smartpay_reconcile", "--json", stdout=out)
    assert json.loads(out.getvalue())["failed"] == 1
    assert TokenCharge.objects.get().status == TokenChargeStatus.FAILED


def test_command_text_output(simulator):
    out = io.StringIO()
    call_command("smartpay_reconcile", "--stale-after", "60", "--lost-after", "60", stdout=out)
    assert "requeued 0" in out.getvalue()


@pytest.mark.parametrize("option", [["--stale-after", "-1"], ["--lost-after", "-5"], ["--limit", "0"]])
def test_command_refuses_bad_options(option):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("smartpay_reconcile", *option)
