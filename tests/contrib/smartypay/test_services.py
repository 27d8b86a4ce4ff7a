"""create_payment writes its row first; refused, lost and settled creates; refresh_payment."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from django_smartpay.contrib.smartypay import services
from django_smartpay.contrib.smartypay.client import (
    REFERENCE_KEY,
    PaymentAmountNotSupportedError,
    SmartyPayNotCreatedError,
    SmartyPayOutcomeUnknownError,
    SmartyPayValidationError,
)
from django_smartpay.contrib.smartypay.models import SmartyPayment

pytestmark = pytest.mark.django_db


def test_create_payment(smartypay_simulator):
    row = services.create_payment(Decimal("15"), "bUSDT", description="Order 7", metadata={"orderId": 7})
    assert row.smartypay_id and row.status == "Created" and row.create_error == ""
    stored = smartypay_simulator.payment(row.smartypay_id)
    assert stored["metadata"] == {"orderId": 7, REFERENCE_KEY: row.reference}
    assert stored["amount"] == {"value": "15", "currency": "bUSDT"}
    assert SmartyPayment.objects.get().merchant_id == "RgFw2p65CQn3pE8uriL53d"


def test_a_float_is_refused_before_any_row_or_call(smartypay_simulator):
    with pytest.raises(SmartyPayValidationError):
        services.create_payment(15.0, "bUSDT")  # type: ignore[arg-type]
    assert not SmartyPayment.objects.exists() and smartypay_simulator.requests == []


def test_an_amount_the_database_would_round_is_refused_first(smartypay_simulator):
    with pytest.raises(SmartyPayValidationError):
        services.create_payment(Decimal("1.0000000000000000001"), "bUSDT")
    assert not SmartyPayment.objects.exists() and smartypay_simulator.requests == []


@pytest.mark.parametrize(
    ("currency", "options"),
    [
        ("A" * 17, {}),
        ("b-USDT", {}),
        ("", {}),
        ("bUSDT", {"merchant_id": "M" * 65}),
        ("bUSDT", {"expires_at": datetime(2099, 1, 1)}),
        ("bUSDT", {"metadata": {"tags": {"a", "b"}}}),
        ("bUSDT", {"metadata": {"rate": float("nan")}}),
        ("bUSDT", {"metadata": ["not", "a", "mapping"]}),
        ("bUSDT", {"description": 7}),
    ],
)
def test_what_the_row_cannot_store_is_refused_first(smartypay_simulator, currency, options):
    with pytest.raises(SmartyPayValidationError):
        services.create_payment(Decimal("15"), currency, **options)
    assert not SmartyPayment.objects.exists() and smartypay_simulator.requests == []


def test_an_aware_expiry_is_stored_and_sent(smartypay_simulator):
    expires = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = services.create_payment(Decimal("15"), "bUSDT", expires_at=expires)
    assert row.expires_at == expires
    assert smartypay_simulator.payment(row.smartypay_id)["expiresAt"] == "2099-01-02T03:04:05Z"


@pytest.mark.parametrize(
    "options", [{"description": "a\x00b"}, {"metadata": {"note": "\x00"}}, {"metadata": {"\x00": 1}}]
)
def test_nul_characters_are_refused_before_any_row_or_call(smartypay_simulator, options):
    with pytest.raises(SmartyPayValidationError):
        services.create_payment(Decimal("15"), "bUSDT", **options)
    assert not SmartyPayment.objects.exists() and smartypay_simulator.requests == []


def test_a_refused_create_keeps_its_row_with_the_code(smartypay_simulator):
    with pytest.raises(PaymentAmountNotSupportedError):
        services.create_payment(Decimal("15"), "DOGE")
    row = SmartyPayment.objects.get()
    assert (row.create_error, row.smartypay_id, row.status) == ("PaymentAmountNotSupported", None, "")


def test_a_lost_create_is_found_by_the_next_refresh(smartypay_simulator):
    smartypay_simulator.faults.add(method="POST", path="/v1/payments", drop_response=True, count=1)
    smartypay_simulator.faults.add(method="POST", path="/v1/payments/search", status=503, count=1)
    with pytest.raises(SmartyPayOutcomeUnknownError):
        services.create_payment(Decimal("15"), "bUSDT")
    row = SmartyPayment.objects.get()
    assert (row.create_error, row.smartypay_id) == ("OutcomeUnknown", None)
    refreshed = services.refresh_payment(row)
    assert refreshed.pk == row.pk
    assert refreshed.smartypay_id == smartypay_simulator.payments()[0]["id"]
    assert refreshed.create_error == "" and refreshed.status == "Created"


def test_a_lost_create_proven_unapplied(smartypay_simulator):
    smartypay_simulator.faults.add(method="POST", path="/v1/payments", status=503, count=1)
    with pytest.raises(SmartyPayNotCreatedError):
        services.create_payment(Decimal("15"), "bUSDT")  # MAX_RETRIES 0 in the fixture: not sent again
    row = SmartyPayment.objects.get()
    assert row.create_error == "NotCreated" and smartypay_simulator.payments() == []
    assert services.refresh_payment(row).create_error == "NotCreated"


def test_refresh_payment_by_id(smartypay_simulator):
    row = services.create_payment(Decimal("15"), "bUSDT")
    smartypay_simulator.set_status(row.smartypay_id, "InProgress")
    assert services.refresh_payment(row).status == "InProgress"
    row.refresh_from_db()
    assert row.status == "InProgress"
