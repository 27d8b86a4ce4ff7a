"""SmartyPay payment → SmartyPayment row: by id, by reference, exact decimals, no status regression."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import pre_save

from django_smartpay.contrib.smartypay.client import REFERENCE_KEY, Money, Payment
from django_smartpay.contrib.smartypay.models import SmartyPayment, amount_vendor, fits
from django_smartpay.contrib.smartypay.sync import SmartyPaySyncError, apply_payment, sync_by_id, sync_search

pytestmark = pytest.mark.django_db


def test_sync_by_id_mirrors_every_field(smartypay_client, smartypay_simulator):
    payment = smartypay_client.create_payment(
        Money(Decimal("15.123456789012"), "bUSDT"), metadata={"orderId": 1002112}, description="Order"
    )
    smartypay_simulator.set_extra_properties(network="BSC")
    row = sync_by_id(payment.id)
    row.refresh_from_db()
    assert row.smartypay_id == payment.id
    assert row.reference == payment.metadata[REFERENCE_KEY]
    assert row.status == "Created"
    assert row.amount_value == Decimal("15.123456789012")
    assert row.amount_currency == "bUSDT"
    assert row.amount_display == "15.123456789012 bUSDT"
    assert row.created_at == payment.created_at and row.expires_at == payment.expires_at
    assert row.metadata["orderId"] == 1002112
    assert row.description == "Order" and row.error_code == ""
    assert row.raw_data["network"] == "BSC"
    assert row.synced_at is not None


def test_a_payment_without_a_reference_gets_one_of_its_own(smartypay_simulator):
    obj = {
        "id": "wv7xbaSP4ljdITbrFI995v",
        "amount": {"value": "15", "currency": "bUSDT"},
        "status": "Created",
    }
    row = apply_payment(Payment.from_api(obj))
    assert row.reference == "smartypay:wv7xbaSP4ljdITbrFI995v"
    assert apply_payment(Payment.from_api(obj)).pk == row.pk


def test_a_status_never_moves_backwards():
    base = {"id": "p1", "amount": {"value": "15", "currency": "bUSDT"}}
    apply_payment(Payment.from_api({**base, "status": "Succeeded"}))
    row = apply_payment(Payment.from_api({**base, "status": "InProgress"}))  # an older copy, late
    assert row.status == "Succeeded"
    row = apply_payment(Payment.from_api({**base, "status": "Refunded"}))  # unknown statuses are kept as sent
    assert row.status == "Refunded"


@pytest.mark.parametrize("value", ["0.000000000000000001", "999999999999999", "123.456789012345"])
def test_exact_decimals_round_trip_through_the_database(value):
    obj = {"id": "p1", "amount": {"value": value, "currency": "bUSDT"}, "status": "Created"}
    apply_payment(Payment.from_api(obj))
    assert SmartyPayment.objects.get().amount_value == Decimal(value)


def test_eighteen_digits_each_side_are_exact_or_refused():
    """PostgreSQL keeps all 36 digits; SQLite rounds beyond 15 significant digits, so it refuses them."""
    value = "123456789012345678.123456789012345678"
    obj = {"id": "p1", "amount": {"value": value, "currency": "bUSDT"}, "status": "Created"}
    if amount_vendor() == "sqlite":
        with pytest.raises(SmartyPaySyncError):
            apply_payment(Payment.from_api(obj))
        assert not SmartyPayment.objects.exists()
    else:
        apply_payment(Payment.from_api(obj))
        assert SmartyPayment.objects.get().amount_value == Decimal(value)


@pytest.mark.parametrize("value", ["1.0000000000000000001", "1000000000000000000"])
def test_an_amount_the_column_cannot_hold_is_refused(value):
    assert not fits(Decimal(value), "postgresql")
    obj = {"id": "p1", "amount": {"value": value, "currency": "bUSDT"}, "status": "Created"}
    with pytest.raises(SmartyPaySyncError):
        apply_payment(Payment.from_api(obj))
    assert not SmartyPayment.objects.exists()


def test_a_reference_of_another_payment_is_refused():
    apply_payment(
        Payment.from_api(
            {
                "id": "p1",
                "amount": {"value": "1", "currency": "bUSDT"},
                "status": "Created",
                "metadata": {REFERENCE_KEY: "r"},
            }
        )
    )
    with pytest.raises(SmartyPaySyncError):
        apply_payment(
            Payment.from_api(
                {
                    "id": "p2",
                    "amount": {"value": "1", "currency": "bUSDT"},
                    "status": "Created",
                    "metadata": {REFERENCE_KEY: "r"},
                }
            )
        )
    assert SmartyPayment.objects.count() == 1


def test_sync_search_pages_through_everything(smartypay_client, smartypay_simulator):
    ids = [smartypay_client.create_payment(Money(Decimal(n + 1), "bUSDT")).id for n in range(5)]
    smartypay_simulator.set_status(ids[0], "InProgress")
    result = sync_search(page_size=2)
    assert (result.seen, result.changed) == (5, 5)
    assert set(SmartyPayment.objects.values_list("smartypay_id", flat=True)) == set(ids)
    again = sync_search(status_in=["InProgress"])
    assert (again.seen, again.changed) == (1, 0)


def test_a_nul_character_is_refused_not_stored(smartypay_client):
    payment = smartypay_client.create_payment(Money(Decimal("1"), "bUSDT"), metadata={"note": "a\x00b"})
    with pytest.raises(SmartyPaySyncError, match="NUL"):
        sync_by_id(payment.id)
    assert not SmartyPayment.objects.exists()


def test_sync_search_goes_on_after_a_payment_it_cannot_store(smartypay_client):
    bad = smartypay_client.create_payment(Money(Decimal("1"), "bUSDT"), description="\x00")
    good = smartypay_client.create_payment(Money(Decimal("2"), "bUSDT"))
    result = sync_search()
    assert (result.seen, result.changed) == (2, 1)
    assert [payment_id for payment_id, _why in result.failed] == [bad.id]
    assert list(SmartyPayment.objects.values_list("smartypay_id", flat=True)) == [good.id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_syncs_racing_to_insert_the_same_payment_make_one_row(smartypay_client):
    """B reads (no row), then A inserts and commits, then B inserts: B's insert fails and B updates A's row."""
    payment = smartypay_client.create_payment(Money(Decimal("1"), "bUSDT"))
    b_about_to_insert = threading.Event()
    a_committed = threading.Event()
    outcome = {}

    def hold_b_before_its_insert(sender, instance, **kwargs):
        if threading.current_thread().name == "sync-b" and instance.pk is None:
            b_about_to_insert.set()
            a_committed.wait(10)

    def sync_b():
        try:
            outcome["b"] = apply_payment(payment).pk
        finally:
            connection.close()

    pre_save.connect(hold_b_before_its_insert, sender=SmartyPayment)
    try:
        b = threading.Thread(target=sync_b, name="sync-b")
        b.start()
        assert b_about_to_insert.wait(10)
        a = apply_payment(payment)  # commits (no outer transaction)
        a_committed.set()
        b.join(10)
    finally:
        pre_save.disconnect(hold_b_before_its_insert, sender=SmartyPayment)
    assert outcome["b"] == a.pk
    assert SmartyPayment.objects.count() == 1
