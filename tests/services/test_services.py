"""services: local validation first, then Smartpay (the simulator), then sync."""

from __future__ import annotations

import pytest

from django_smartpay import services
from django_smartpay.exceptions import SmartpayNotFoundError, SmartpayValidationError
from django_smartpay.models import (
    CheckoutSession,
    Coupon,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    PromotionCode,
    Refund,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from django_smartpay.sync import sync_object
from tests.shopping import CHECKOUT

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_order(api) -> Order:
    return sync_object(api.order(capture_method="manual"))


def _rejected_locally(smartpay_requests, call, match: str) -> None:
    sent = len(smartpay_requests)
    with pytest.raises(SmartpayValidationError, match=match):
        call()
    assert len(smartpay_requests) == sent, "no HTTP request may be sent"


# --- checkout sessions ------------------------------------------------------------------------


def test_checkout_session_for_a_user(simulator, user, smartpay_requests):
    session = services.create_checkout_session(user=user, reference="cart-1", **CHECKOUT)
    assert isinstance(session, CheckoutSession)
    assert smartpay_requests == [("POST", "/v1/checkout-sessions")]
    assert session.user == user
    order = Order.objects.get(smartpay_id=session.order_id)
    assert (order.user, order.status, order.amount) == (user, OrderStatus.REQUIRES_AUTHORIZATION, 2000)
    assert simulator.get_object(session.smartpay_id)["reference"] == "cart-1"


def test_checkout_session_idempotency_key_is_passed(simulator):
    first = services.create_checkout_session(idempotency_key="cart-1-attempt", **CHECKOUT)
    again = services.create_checkout_session(idempotency_key="cart-1-attempt", **CHECKOUT)
    assert again.pk == first.pk
    assert CheckoutSession.objects.count() == 1
    assert simulator.ledger[-1]["replayed"] is True


def test_checkout_session_rejects_unsaved_user(simulator, django_user_model, smartpay_requests):
    unsaved = django_user_model(username="ghost")
    _rejected_locally(
        smartpay_requests, lambda: services.create_checkout_session(user=unsaved, **CHECKOUT), "saved"
    )


def test_token_checkout_hands_the_user_to_later_orders(api, user):
    session = services.create_token_checkout_session(
        success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel", user=user
    )
    token = Token.objects.get(smartpay_id=session.token_id)
    assert (session.mode, token.user, token.status) == ("token", user, TokenStatus.REQUIRES_AUTHORIZATION)
    api.tick()
    api.sim.approve_token(token.smartpay_id)
    order = sync_object(api.token_order(token.smartpay_id))
    assert order.user == user


# --- capture, cancel, refund -----------------------------------------------------------------


def test_capture_defaults_to_the_capturable_amount(manual_order, smartpay_requests):
    payment = services.capture_order(manual_order, reference="invoice-1")
    assert isinstance(payment, Payment)
    assert (payment.amount, payment.reference, payment.order_id) == (
        2000,
        "invoice-1",
        manual_order.smartpay_id,
    )
    manual_order.refresh_from_db()
    assert manual_order.status == OrderStatus.SUCCEEDED
    assert (manual_order.captured_amount, manual_order.capturable_amount) == (2000, 0)
    assert smartpay_requests[-2:] == [
        ("POST", "/v1/payments"),
        ("GET", f"/v1/orders/{manual_order.smartpay_id}"),
    ]


def test_partial_captures(manual_order):
    services.capture_order(manual_order, 500, cancel_remainder="manual", idempotency_key="cap-1")
    manual_order.refresh_from_db()
    assert (manual_order.status, manual_order.captured_amount, manual_order.capturable_amount) == (
        OrderStatus.REQUIRES_CAPTURE,
        500,
        1500,
    )
    second = services.capture_order(manual_order.smartpay_id)
    assert second.amount == 1500
    assert Order.objects.get(pk=manual_order.pk).status == OrderStatus.SUCCEEDED


@pytest.mark.parametrize("amount", [0, -5, 2001, 10.5, "100", True])
def test_capture_amount_is_checked_locally(manual_order, smartpay_requests, amount):
    _rejected_locally(smartpay_requests, lambda: services.capture_order(manual_order, amount), "amount")


def test_capture_on_a_canceled_order_is_refused_locally(manual_order, smartpay_requests):
    services.cancel_order(manual_order)
    _rejected_locally(smartpay_requests, lambda: services.capture_order(manual_order), "cannot be captured")


def test_capture_of_an_unknown_order_id_fetches_it_first(api, smartpay_requests):
    data = api.order(capture_method="manual")
    smartpay_requests.clear()
    payment = services.capture_order(data["id"], 1000)
    assert payment.amount == 1000
    assert smartpay_requests[0] == ("GET", f"/v1/orders/{data['id']}?expand=all")


def test_cancel_order(manual_order):
    order = services.cancel_order(manual_order)
    assert order.pk == manual_order.pk
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED


def test_cancel_is_refused_locally_unless_awaiting_capture(api, smartpay_requests):
    order = sync_object(api.order(capture_method="automatic"))
    _rejected_locally(smartpay_requests, lambda: services.cancel_order(order), "cannot be canceled")


def test_refund_defaults_to_everything_refundable(api, smartpay_requests):
    payment = sync_object(api.payment(amount=1200))
    refund = services.refund_payment(payment, reason="requested_by_customer", reference="rma-1")
    assert isinstance(refund, Refund)
    assert (refund.amount, refund.reason, refund.payment_id) == (
        1200,
        "requested_by_customer",
        payment.smartpay_id,
    )
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refundable_amount, payment.status) == (
        1200,
        0,
        PaymentStatus.REFUNDED,
    )
    assert smartpay_requests[-2:] == [("POST", "/v1/refunds"), ("GET", f"/v1/payments/{payment.smartpay_id}")]
    _rejected_locally(
        smartpay_requests, lambda: services.refund_payment(payment, reason="fraudulent"), "nothing left"
    )


def test_partial_refunds_update_the_order(api):
    payment = sync_object(api.payment(amount=1200))
    services.refund_payment(payment, 200, reason="fraudulent")
    services.refund_payment(payment.smartpay_id, 300, reason="requested_by_customer")
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refundable_amount) == (500, 700)


def test_refund_above_refundable_or_without_reason_is_refused_locally(api, smartpay_requests):
    payment = sync_object(api.payment(amount=1200))
    _rejected_locally(
        smartpay_requests, lambda: services.refund_payment(payment, 1201, reason="fraudulent"), "refundable"
    )
    _rejected_locally(smartpay_requests, lambda: services.refund_payment(payment, 10, reason=""), "reason")
    with pytest.raises(TypeError):
        services.refund_payment(payment, 10)


def test_update_payment_and_refund_references(api):
    payment = sync_object(api.payment())
    updated = services.update_payment(payment, reference="inv-2", metadata={"erp": "42"})
    assert (updated.reference, updated.metadata) == ("inv-2", {"erp": "42"})
    refund = services.refund_payment(payment, 100, reason="fraudulent")
    updated_refund = services.update_refund(refund, reference="rma-9", description="chargeback")
    assert (updated_refund.reference, updated_refund.description) == ("rma-9", "chargeback")
    assert Refund.objects.get(pk=refund.pk).reference == "rma-9"


# --- tokens -----------------------------------------------------------------------------------


def test_disable_enable_delete_token(api, simulator, smartpay_requests):
    token = sync_object(api.token())
    assert services.disable_token(token).status == TokenStatus.DISABLED
    _rejected_locally(smartpay_requests, lambda: services.disable_token(token), "cannot be disabled")
    assert services.enable_token(token).status == TokenStatus.ACTIVE
    _rejected_locally(smartpay_requests, lambda: services.enable_token(token), "cannot be enabled")
    deleted = services.delete_token(token)
    assert deleted.pk == token.pk
    assert Token.objects.get(pk=token.pk).status == TokenStatus.DELETED
    assert simulator.get_object(token.smartpay_id)["status"] == "deleted"
    _rejected_locally(smartpay_requests, lambda: services.delete_token(token), "cannot be deleted")


# --- coupons, promotion codes, webhook endpoints ------------------------------------------------


def test_coupon_and_promotion_code(simulator):
    coupon = services.create_coupon(
        name="Autumn", discount_type="amount", discount_amount=300, currency="JPY"
    )
    assert (coupon.name, coupon.discount_amount, coupon.active) == ("Autumn", 300, True)
    coupon = services.update_coupon(coupon, name="Autumn sale", active=False)
    assert Coupon.objects.get(pk=coupon.pk).name == "Autumn sale"
    code = services.create_promotion_code(coupon, "AUTUMN", max_redemption_count=10)
    assert (code.code, code.coupon, code.max_redemption_count) == ("AUTUMN", coupon, 10)
    code = services.update_promotion_code(code, active=False)
    assert PromotionCode.objects.get(pk=code.pk).active is False


def test_same_idempotency_key_creates_one_coupon(simulator):
    first = services.create_coupon(
        name="Once", discount_type="percentage", discount_percentage=5, idempotency_key="coupon-once"
    )
    second = services.create_coupon(
        name="Once", discount_type="percentage", discount_percentage=5, idempotency_key="coupon-once"
    )
    assert first.pk == second.pk
    assert len(simulator.objects(kind="coupon")) == 1


def test_webhook_endpoint_lifecycle(simulator, smartpay_requests):
    endpoint = services.create_webhook_endpoint(
        "https://shop.example/smartpay/webhook/", event_subscriptions=["order.authorized"]
    )
    secret = simulator.get_object(endpoint.smartpay_id)["signingSecret"]
    assert endpoint.signing_secret == secret
    assert secret not in str(WebhookEndpoint.objects.get(pk=endpoint.pk).data)
    endpoint = services.update_webhook_endpoint(endpoint, description="orders only", active=False)
    assert (endpoint.description, endpoint.active, endpoint.signing_secret) == ("orders only", False, secret)
    services.delete_webhook_endpoint(endpoint)
    assert not WebhookEndpoint.objects.exists()
    assert smartpay_requests[-1] == ("DELETE", f"/v1/webhook-endpoints/{endpoint.smartpay_id}")
    with pytest.raises(SmartpayNotFoundError):
        services.sync_by_id(endpoint.smartpay_id)


def test_webhook_endpoint_url_is_checked_locally(simulator, smartpay_requests):
    _rejected_locally(
        smartpay_requests, lambda: services.create_webhook_endpoint("not a url"), "not a valid URL"
    )


# --- sync by id, sync all -----------------------------------------------------------------------


def test_sync_by_id_for_every_kind(api, smartpay_client):
    token = api.token()
    order = api.token_order(token["id"])
    payment_id = order["payments"][0]
    refund = api.refund(payment_id)
    coupon = smartpay_client.create_coupon("C", "amount", discount_amount=1, currency="JPY")
    ids = {
        CheckoutSession: api.checkout()["id"],
        Token: token["id"],
        Order: order["id"],
        Payment: payment_id,
        Refund: refund["id"],
        Coupon: coupon["id"],
        PromotionCode: smartpay_client.create_promotion_code(coupon["id"], "C1")["id"],
        WebhookEndpoint: smartpay_client.create_webhook_endpoint("https://shop.example/h")["id"],
    }
    for model, smartpay_id in ids.items():
        row = services.sync_by_id(smartpay_id)
        assert isinstance(row, model)
        assert row.smartpay_id == smartpay_id
    assert Order.objects.get(smartpay_id=order["id"]).captured_amount == 1000


def test_sync_by_id_refuses_foreign_ids(simulator, smartpay_requests):
    _rejected_locally(smartpay_requests, lambda: services.sync_by_id("evt_test_abc"), "not the id")


def test_an_id_of_another_kind_is_refused_before_any_request(api, smartpay_requests):
    token_id = api.token()["id"]
    _rejected_locally(smartpay_requests, lambda: services.sync_by_id(token_id, Order), "is not a order")
    _rejected_locally(smartpay_requests, lambda: services.capture_order(token_id), "is not a order")
    _rejected_locally(
        smartpay_requests, lambda: services.refund_payment(token_id, reason="fraudulent"), "payment"
    )
    assert not Token.objects.exists()


def test_sync_all_pages_through_a_kind(api):
    token = api.token()
    for _ in range(5):
        api.token_order(token["id"])
    pages = []
    total = services.sync_all(
        "orders", page_size=2, on_page=lambda kind, page, count: pages.append((page, count))
    )
    assert total == 5
    assert pages == [(1, 2), (2, 4), (3, 5)]
    assert Order.objects.count() == 5
    assert services.sync_all("orders", page_size=2, max_pages=1) == 2
