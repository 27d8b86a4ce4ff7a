"""charge_token: the row is written first, the task sends it after commit, the outcome is recorded."""

from __future__ import annotations

import pytest
from django.db import transaction

from django_smartpay.charging import cancel_charge, charge_token
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import Order, Token, TokenCharge, TokenChargeStatus, TokenStatus
from django_smartpay.services import charge_token as charge_token_from_services

pytestmark = pytest.mark.django_db


def test_happy_path_succeeds_with_one_order(token, charge_kwargs, on_commit, shop, received):
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
        assert charge.status == TokenChargeStatus.PENDING
        assert shop.order_posts() == []  # nothing is sent before commit
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert charge.attempts == 1
    posts = shop.order_posts()
    assert [post["idempotency_key"] for post in posts] == [charge.idempotency_key]
    orders = shop.orders_with_reference(charge.reference)
    assert [order["id"] for order in orders] == [charge.order_id]
    assert orders[0]["status"] == "succeeded"
    assert orders[0]["tokenId"] == token.smartpay_id
    assert orders[0]["amount"] == 3000
    local = Order.objects.get(smartpay_id=charge.order_id)
    assert charge.order == local
    assert local.status == "succeeded"
    assert [c.pk for c in received["succeeded"]] == [charge.pk]
    assert received["failed"] == []


def test_manual_capture_is_a_succeeded_charge_on_an_order_awaiting_capture(
    token, charge_kwargs, on_commit, shop
):
    with on_commit():
        charge = charge_token(token, 3000, "JPY", capture_method="manual", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED
    assert charge.capture_method == "manual"
    assert charge.order.status == "requires_capture"
    assert shop.sim.get_object(charge.order_id)["status"] == "requires_capture"


def test_rejected_order_rejects_the_charge(
    token, charge_kwargs, on_commit, shop, received, decline_token_orders
):
    with on_commit():
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.REJECTED
    assert charge.order.status == "rejected"
    assert charge.error_code == "order.rejected"
    assert len(shop.order_posts()) == 1
    assert received["succeeded"] == []
    assert [c.status for c in received["failed"]] == [TokenChargeStatus.REJECTED]


def test_signals_wait_for_the_commit(token, charge_kwargs, django_capture_on_commit_callbacks, received):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        charge = charge_token(token, 3000, "JPY", **charge_kwargs)
    assert received["succeeded"] == []
    assert len(callbacks) == 1  # the task, nothing else
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
        assert received["succeeded"] == []  # recorded, but the signal waits for the commit
    assert [c.pk for c in received["succeeded"]] == [charge.pk]
    assert received["succeeded"][0].status == TokenChargeStatus.SUCCEEDED


def test_rolled_back_charge_is_never_sent(token, charge_kwargs, django_capture_on_commit_callbacks, shop):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                charge_token(token, 3000, "JPY", **charge_kwargs)
                raise RuntimeError("the shop's own write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not TokenCharge.objects.exists()
    assert shop.order_posts() == []


def test_reference_is_generated_unique_and_within_smartpays_limit(token, charge_kwargs):
    first = charge_token(token, 1000, "JPY", **charge_kwargs)
    second = charge_token(token, 1000, "JPY", **charge_kwargs)
    assert first.reference != second.reference
    assert first.idempotency_key != second.idempotency_key
    for charge in (first, second):
        assert 1 <= len(charge.reference) <= 40
        assert charge.reference.startswith("tc_")


def test_given_reference_and_key_are_sent(token, charge_kwargs, on_commit, shop):
    with on_commit():
        charge = charge_token(
            token,
            1200,
            "jpy",
            reference="sub-2026-03-hanako",
            idempotency_key="sub-2026-03-hanako-key",
            **charge_kwargs,
        )
    assert charge.currency == "JPY"
    assert shop.order_posts()[0]["idempotency_key"] == "sub-2026-03-hanako-key"
    assert shop.orders_with_reference("sub-2026-03-hanako")[0]["id"] == TokenCharge.objects.get().order_id


def test_same_idempotency_key_and_arguments_return_the_same_charge(token, charge_kwargs, on_commit, shop):
    with on_commit():
        first = charge_token(token, 1000, "JPY", idempotency_key="order-42", **charge_kwargs)
    with on_commit():
        again = charge_token(token, 1000, "JPY", idempotency_key="order-42", **charge_kwargs)
    assert again.pk == first.pk
    assert TokenCharge.objects.count() == 1
    assert len(shop.order_posts()) == 1


def test_same_idempotency_key_with_other_arguments_is_refused(token, charge_kwargs):
    charge_token(token, 1000, "JPY", idempotency_key="order-42", **charge_kwargs)
    with pytest.raises(SmartpayValidationError, match="idempotency key"):
        charge_token(token, 2000, "JPY", idempotency_key="order-42", **charge_kwargs)
    assert TokenCharge.objects.count() == 1


def test_reference_used_by_another_charge_is_refused(token, charge_kwargs):
    charge_token(token, 1000, "JPY", reference="dup-ref", **charge_kwargs)
    with pytest.raises(SmartpayValidationError, match="dup-ref"):
        charge_token(token, 1000, "JPY", reference="dup-ref", **charge_kwargs)
    assert TokenCharge.objects.count() == 1


def test_services_re_exports_charge_token():
    assert charge_token_from_services is charge_token


def test_token_may_be_given_by_its_smartpay_id(token, charge_kwargs, on_commit):
    with on_commit():
        charge = charge_token(token.smartpay_id, 1000, "JPY", **charge_kwargs)
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED


def test_cancel_a_charge_that_was_never_sent(token, charge_kwargs, django_capture_on_commit_callbacks, shop):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)
    assert cancel_charge(charge).status == TokenChargeStatus.CANCELED
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # the task message arrives after all: it must not send
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.CANCELED
    assert shop.order_posts() == []


def test_a_sent_charge_cannot_be_canceled(token, charge_kwargs, on_commit):
    with on_commit():
        charge = charge_token(token, 1000, "JPY", **charge_kwargs)
    with pytest.raises(SmartpayValidationError, match="cannot be canceled"):
        cancel_charge(charge)


# --- bad input: a clear error, no row, no request -----------------------------------------------


def _live_token() -> Token:
    return Token.objects.create(smartpay_id="paytok_live_abcdefghijklmnopqrstuv", test=False, status="active")


@pytest.mark.parametrize(
    ("amount", "currency", "extra", "message"),
    [
        (0, "JPY", {}, "positive whole number"),
        (-500, "JPY", {}, "positive whole number"),
        (10.5, "JPY", {}, "positive whole number"),
        (True, "JPY", {}, "positive whole number"),
        ("1000", "JPY", {}, "positive whole number"),
        (1000, "USD", {}, "JPY only"),
        (1000, "", {}, "JPY only"),
        (1000, None, {}, "JPY only"),
        (1000, "JPY", {"items": []}, "items"),
        (1000, "JPY", {"shipping_info": {}}, "shippingInfo"),
        (1000, "JPY", {"capture_method": "autommatic"}, "capture method"),
        (1000, "JPY", {"reference": "x" * 41}, "reference"),
        (1000, "JPY", {"idempotency_key": "has spaces"}, "idempotency_key"),
    ],
)
def test_bad_input_is_refused_before_anything(token, charge_kwargs, shop, amount, currency, extra, message):
    ledger_before = len(shop.sim.ledger.snapshot())
    with pytest.raises(SmartpayValidationError, match=message):
        charge_token(token, amount, currency, **{**charge_kwargs, **extra})
    assert not TokenCharge.objects.exists()
    assert len(shop.sim.ledger.snapshot()) == ledger_before
    assert shop.order_posts() == []


@pytest.mark.parametrize("status", [s for s in TokenStatus.values if s != TokenStatus.ACTIVE])
def test_a_token_that_is_not_active_is_refused(token, charge_kwargs, shop, status):
    Token.objects.filter(pk=token.pk).update(status=status)
    token.refresh_from_db()
    with pytest.raises(SmartpayValidationError, match="cannot be charged"):
        charge_token(token, 1000, "JPY", **charge_kwargs)
    assert not TokenCharge.objects.exists()
    assert shop.order_posts() == []


def test_a_token_awaiting_approval_is_refused(shop, charge_kwargs):
    pending = shop.token(approve=False)
    assert pending.status == TokenStatus.REQUIRES_AUTHORIZATION
    with pytest.raises(SmartpayValidationError, match="requires authorization"):
        charge_token(pending, 1000, "JPY", **charge_kwargs)
    assert not TokenCharge.objects.exists()


def test_a_token_of_the_other_mode_is_refused(simulator, charge_kwargs, shop):
    live = _live_token()
    with pytest.raises(SmartpayValidationError, match="live token but the secret key is a test key"):
        charge_token(live, 1000, "JPY", **charge_kwargs)
    assert not TokenCharge.objects.exists()
    assert shop.sim.ledger.snapshot() == []


def test_not_a_token_is_refused(simulator, charge_kwargs):
    with pytest.raises(TypeError):
        charge_token(42, 1000, "JPY", **charge_kwargs)  # type: ignore[arg-type]
    assert not TokenCharge.objects.exists()
