"""Double submits are recognised by receipts keyed by the idempotency key, never by reading admin-log text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_smartpay import charging
from django_smartpay.admin import confirm
from django_smartpay.admin.confirm import MAX_AGE_SECONDS
from django_smartpay.models import ActionReceipt, ChargeScheduleStatus, Payment, Refund

from .conftest import ADDRESS, Admin, messages_of, mutating, who

pytestmark = pytest.mark.django_db


def test_double_submit_refunds_once_with_one_receipt_and_no_log_search(shop, staff, simulator):
    payment = shop.payment(2000)
    refund = Admin(staff("smartpay.refund_payment"), "payment", "refund_payments")
    page = refund.select(payment)
    first = refund.submit(page, reason="requested_by_customer")  # blank amount: the whole payment
    with CaptureQueriesContext(connection) as queries:
        second = refund.submit(page, reason="requested_by_customer")
    assert first.status_code == second.status_code == 302
    (receipt,) = ActionReceipt.objects.all()
    assert receipt.key.endswith(f"-{payment.pk}")
    assert receipt.result.startswith("Refunded ¥2,000 as refund ")
    (sent,) = mutating(simulator, "POST", "/v1/refunds")  # the second submit sent nothing at all
    assert sent["idempotency_key"] == receipt.key
    assert Refund.objects.count() == 1
    assert messages_of(second) == [
        f"{who(payment)}: already done from this confirmation page ({receipt.result}); nothing was sent again."
    ]
    assert not [q["sql"] for q in queries if "django_admin_log" in q["sql"] and "LIKE" in q["sql"].upper()]
    assert any("smartpay_actionreceipt" in q["sql"] for q in queries)
    # The admin history still tells what happened, as plain text.
    assert LogEntry.objects.get().change_message == receipt.result


def test_a_replay_alone_would_not_do_for_a_blank_amount(shop, staff, simulator):
    """Without the receipt, the second submit of "refund the rest" is refused locally as nothing is left."""
    payment = shop.payment(2000)
    refund = Admin(staff("smartpay.refund_payment"), "payment", "refund_payments")
    page = refund.select(payment)
    refund.submit(page, reason="requested_by_customer")
    ActionReceipt.objects.all().delete()  # as if no state were kept
    again = refund.submit(page, reason="requested_by_customer")
    assert messages_of(again) == [f"{who(payment)}: left out, nothing was sent: Nothing is left to refund."]
    assert len(mutating(simulator, "POST", "/v1/refunds")) == 1
    payment.refresh_from_db()
    assert payment.refunded_amount == 2000


def test_local_actions_are_done_once_too(shop, staff):
    token = shop.token()
    schedule = charging.create_schedule(
        token,
        1000,
        interval="monthly",
        items=[{"name": "Plan", "amount": 1000}],
        shipping_info={"address": ADDRESS},
        customer_info={},
    )
    pause = Admin(staff("smartpay.change_chargeschedule"), "chargeschedule", "pause_schedules")
    page = pause.select(schedule)
    assert messages_of(pause.submit(page)) == [f"{who(schedule)}: Schedule is now paused."]
    resume = Admin(pause.client, "chargeschedule", "resume_schedules")
    resume.run(schedule)
    second = pause.submit(page)  # the old pause page again: it must not pause the resumed schedule
    assert "already done from this confirmation page" in messages_of(second)[0]
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.ACTIVE


def test_expired_receipts_are_deleted(shop, staff):
    old = ActionReceipt.objects.create(
        key="old-1", result="x", created=timezone.now() - dt.timedelta(seconds=MAX_AGE_SECONDS + 60)
    )
    fresh = ActionReceipt.objects.create(key="fresh-1", result="x")
    payment = shop.payment(1000)
    Admin(staff("smartpay.refund_payment"), "payment", "refund_payments").run(
        payment, reason="requested_by_customer"
    )
    keys = set(ActionReceipt.objects.values_list("key", flat=True))
    assert old.key not in keys and fresh.key in keys and len(keys) == 2


def test_too_many_rows_for_one_page_are_refused(staff, simulator, monkeypatch):
    assert confirm.MAX_ROWS == 500
    monkeypatch.setattr(confirm, "MAX_ROWS", 2)
    rows = [
        Payment.objects.create(smartpay_id=f"payment_test_{i}", amount=100, status="processed")
        for i in range(3)
    ]
    admin = Admin(staff("smartpay.refund_payment"), "payment", "refund_payments")
    response = admin.select(*rows)
    assert response.status_code == 302
    assert messages_of(response) == ["Select at most 2 rows for one action (filter the list first)."]
