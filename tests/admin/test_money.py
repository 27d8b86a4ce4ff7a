"""Capture and refund: amounts, reasons, double submits and replays, against the simulator."""

from __future__ import annotations

import pytest

from django_smartpay import services
from django_smartpay.models import Order, OrderStatus, Payment, PaymentStatus, Refund

from .conftest import Admin, messages_of, mutating, who

pytestmark = pytest.mark.django_db

INVALID_AMOUNTS = ["0", "-5", "12.5", "abc", "1,000"]


@pytest.fixture
def capture(staff) -> Admin:
    return Admin(staff("smartpay.capture_order"), "order", "capture_orders")


@pytest.fixture
def refund(staff) -> Admin:
    return Admin(staff("smartpay.refund_payment"), "payment", "refund_payments")


# --- capture ------------------------------------------------------------------------------------


def test_capture_amount_defaults_to_the_capturable_amount(shop, capture):
    order = shop.order(3000)
    page = capture.select(order)
    assert page.context["form"]["amount"].value() == 3000
    assert "¥3,000" in page.content.decode()  # the capturable amount in the table


def test_partial_capture_keeping_the_rest(shop, capture, simulator):
    order = shop.order(3000)
    response = capture.run(order, amount=1000, cancel_remainder="manual")
    assert messages_of(response)[0].startswith(f"{who(order)}: Captured ¥1,000 as payment ")
    order.refresh_from_db()
    assert (order.status, order.captured_amount, order.capturable_amount) == (
        OrderStatus.REQUIRES_CAPTURE,
        1000,
        2000,
    )
    capture.run(order)  # blank amount: the rest
    order.refresh_from_db()
    assert (order.status, order.captured_amount) == (OrderStatus.SUCCEEDED, 3000)
    assert [e["status"] for e in mutating(simulator, "POST", "/v1/payments")][-2:] == [200, 200]


@pytest.mark.parametrize("amount", [*INVALID_AMOUNTS, "3001"])
def test_invalid_capture_amount_is_a_form_error(amount, shop, capture, simulator):
    order = shop.order(3000)
    page = capture.select(order)
    start = len(simulator.ledger)
    response = capture.submit(page, amount=amount)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert len(simulator.ledger) == start
    order.refresh_from_db()
    assert order.captured_amount == 0


def test_capture_above_capturable_names_the_limit(shop, capture):
    order = shop.order(3000)
    response = capture.run(order, amount=3001)
    assert response.context["form"].errors["amount"] == [
        f"¥3,001 is more than the capturable amount ¥3,000 of order {order.smartpay_id}."
    ]


def test_capture_double_submit_captures_once(shop, capture, simulator):
    order = shop.order(3000)
    page = capture.select(order)
    capture.submit(page, amount=1200, cancel_remainder="manual")
    capture.submit(page, amount=1200, cancel_remainder="manual")
    assert len(mutating(simulator, "POST", "/v1/payments")) == 1
    order.refresh_from_db()
    assert order.captured_amount == 1200
    assert Payment.objects.filter(order=order.smartpay_id).count() == 1


# --- refund -------------------------------------------------------------------------------------


def test_refund_amount_defaults_to_the_refundable_amount_and_reason_is_required(shop, refund, simulator):
    payment = shop.payment(2000)
    page = refund.select(payment)
    assert page.context["form"]["amount"].value() == 2000
    start = len(simulator.ledger)
    response = refund.submit(page)  # no reason chosen
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert len(simulator.ledger) == start


@pytest.mark.parametrize("amount", [*INVALID_AMOUNTS, "2001"])
def test_invalid_refund_amount_is_a_form_error(amount, shop, refund, simulator):
    payment = shop.payment(2000)
    page = refund.select(payment)
    start = len(simulator.ledger)
    response = refund.submit(page, amount=amount, reason="requested_by_customer")
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert len(simulator.ledger) == start
    assert not Refund.objects.exists()


def test_partial_refund_with_a_note(shop, refund, simulator):
    payment = shop.payment(2000)
    response = refund.run(payment, amount=500, reason="fraudulent", description="chargeback 42")
    (message,) = messages_of(response)
    local = Refund.objects.get()
    assert message == f"{who(payment)}: Refunded ¥500 as refund {local.smartpay_id}."
    assert (local.amount, local.reason, local.description) == (500, "fraudulent", "chargeback 42")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount, payment.refundable_amount) == (
        PaymentStatus.PROCESSED,
        500,
        1500,
    )
    assert simulator.get_object(local.smartpay_id)["amount"] == 500


@pytest.mark.parametrize("amount", [None, "700"])
def test_refund_double_submit_refunds_once(amount, shop, refund, simulator):
    payment = shop.payment(2000)
    page = refund.select(payment)
    fields = {"reason": "requested_by_customer", "amount": amount}
    first = refund.submit(page, **fields)
    second = refund.submit(page, **fields)
    assert first.status_code == second.status_code == 302
    refunds = mutating(simulator, "POST", "/v1/refunds")
    assert len(refunds) == 1
    (made,) = simulator.objects(kind="refund")
    assert made["id"] in refunds[0]["object_ids"]
    assert Refund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.refunded_amount == (2000 if amount is None else 700)
    assert "already done from this confirmation page" in messages_of(second)[0]


def test_lost_answer_then_resubmit_is_replayed_and_synced(shop, refund, simulator):
    """Smartpay refunded but the answer was lost: the same page again replays, never refunds twice."""
    payment = shop.payment(2000)
    page = refund.select(payment)
    simulator.faults.add(method="POST", path="/v1/refunds", drop_response=True)

    lost = refund.submit(page, amount=800, reason="requested_by_customer")
    assert lost.status_code == 200  # the page again, ready to be resubmitted
    assert "Submitting this page again is safe" in lost.content.decode()
    (message,) = messages_of(lost)
    assert "Smartpay could not be reached, so the outcome is unknown" in message
    assert not Refund.objects.exists()
    assert len(simulator.objects(kind="refund")) == 1  # Smartpay did refund

    again = refund.submit(lost, amount=800, reason="requested_by_customer")
    assert again.status_code == 302
    first, replay = mutating(simulator, "POST", "/v1/refunds")
    assert (first["replayed"], replay["replayed"]) == (False, True)
    assert first["idempotency_key"] == replay["idempotency_key"] == f"{first['idempotency_key']}"
    assert len(simulator.objects(kind="refund")) == 1
    local = Refund.objects.get()
    assert local.smartpay_id in first["object_ids"]
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refundable_amount) == (800, 1200)
    # A third submit is recognised locally and sends nothing.
    refund.submit(lost, amount=800, reason="requested_by_customer")
    assert len(mutating(simulator, "POST", "/v1/refunds")) == 2


def test_local_failure_after_smartpay_refunded_is_repaired_by_resubmitting(
    shop, refund, simulator, monkeypatch
):
    """Smartpay refunded, then saving the answer failed here: the same page again replays and syncs."""
    payment = shop.payment(2000)
    page = refund.select(payment)
    real = services.sync_object

    def broken(data: dict, **kwargs: object) -> object:
        if data.get("object") == "refund":
            raise RuntimeError("database hiccup")
        return real(data, **kwargs)

    monkeypatch.setattr(services, "sync_object", broken)
    failed = refund.submit(page, amount=600, reason="requested_by_customer")
    assert failed.status_code == 200
    assert messages_of(failed) == [f"{who(payment)}: unexpected error (RuntimeError); see the server log."]
    assert not Refund.objects.exists()
    assert len(simulator.objects(kind="refund")) == 1

    monkeypatch.setattr(services, "sync_object", real)
    assert refund.submit(failed, amount=600, reason="requested_by_customer").status_code == 302
    assert [e["replayed"] for e in mutating(simulator, "POST", "/v1/refunds")] == [False, True]
    assert len(simulator.objects(kind="refund")) == 1
    assert Refund.objects.get().amount == 600
    payment.refresh_from_db()
    assert payment.refunded_amount == 600


def test_unavailable_smartpay_keeps_the_page_for_a_safe_retry(shop, refund, simulator):
    payment = shop.payment(2000)
    page = refund.select(payment)
    simulator.faults.add(method="POST", path="/v1/refunds", status=503)
    failed = refund.submit(page, reason="requested_by_customer")
    assert failed.status_code == 200
    (message,) = messages_of(failed)
    assert message == f"{who(payment)}: Smartpay is unavailable (HTTP 503); try again later."
    retried = refund.submit(failed, reason="requested_by_customer")
    assert retried.status_code == 302
    payment.refresh_from_db()
    assert payment.refunded_amount == 2000
    assert [e["status"] for e in mutating(simulator, "POST", "/v1/refunds")] == [503, 200]


def test_bulk_refund_reports_each_row(shop, refund, simulator):
    broken, done, good = shop.payment(1000), shop.payment(1000), shop.payment(1000)
    refund.run(done, reason="requested_by_customer")
    simulator.faults.add(method="POST", path="/v1/refunds", status=400)  # fires on the first row only

    page = refund.select(broken, done, good)
    assert [row["object"] for row in page.context["left_out"]] == [done]
    assert page.context["button"] == "Yes, refund 2 payments"
    response = refund.submit(page, reason="requested_by_customer")
    assert response.status_code == 302
    first, third = messages_of(response)
    assert first.startswith(f"{who(broken)}: Smartpay refused the request")
    assert third.startswith(f"{who(good)}: Refunded ¥1,000 as refund ")
    refunded = dict(Payment.objects.values_list("smartpay_id", "refunded_amount"))
    assert refunded == {broken.smartpay_id: 0, done.smartpay_id: 1000, good.smartpay_id: 1000}


def test_bulk_amount_above_one_rows_limit_sends_nothing(shop, refund, simulator):
    small, large = shop.payment(500), shop.payment(5000)
    page = refund.select(small, large)
    assert page.context["form"]["amount"].value() is None  # blank: each row's whole amount
    start = len(simulator.ledger)
    response = refund.submit(page, amount=1000, reason="requested_by_customer")
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        f"¥1,000 is more than the refundable amount ¥500 of payment {small.smartpay_id}."
    ]
    assert len(simulator.ledger) == start


def test_order_page_links_to_its_payments(shop, admin_client):
    payment = shop.payment(1500)
    order = Order.objects.get(smartpay_id=payment.order_id)
    content = admin_client.get(f"/admin/smartpay/order/{order.pk}/change/").content.decode()
    assert f"/admin/smartpay/payment/?order={order.smartpay_id}" in content
    listing = admin_client.get(f"/admin/smartpay/payment/?order={order.smartpay_id}").content.decode()
    assert payment.smartpay_id in listing
