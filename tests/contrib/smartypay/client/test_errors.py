"""Every documented error code comes back as its own typed error, with its HTTP status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from django_smartpay.contrib.smartypay.client import (
    ERROR_CODES,
    REFERENCE_KEY,
    CompensationDisabledError,
    InvoiceDuplicateAmountsError,
    InvoiceInconsistentAssetError,
    MerchantNotFoundError,
    Money,
    PaymentAmountInvalidError,
    PaymentAmountNotSupportedError,
    PaymentDescriptionSizeExceededError,
    PaymentExpiresAtInvalidError,
    PaymentMetadataSizeExceededError,
    PaymentNotFoundError,
    SmartyPayAuthenticationError,
    SmartyPayClient,
    SmartyPayInvalidRequestError,
    SmartyPayNotFoundError,
)
from django_smartpay.contrib.smartypay.simulator import API_KEY, MERCHANT_ID, SECRET

DOCUMENTED = {
    "PaymentExpiresAtInvalid": 400,
    "PaymentAmountInvalid": 400,
    "PaymentAmountNotSupported": 400,
    "PaymentNotFound": 404,
    "MerchantNotFound": 400,
    "PaymentMetadataSizeExceeded": 400,
    "PaymentDescriptionSizeExceeded": 400,
    "InvoiceInconsistentAsset": 400,
    "InvoiceDuplicateAmounts": 400,
    "CompensationDisabled": 400,
}


def usdt(value: str) -> Money:
    return Money(Decimal(value), "bUSDT")


def test_every_documented_code_has_a_class_and_its_status():
    assert {code: status for code, (_cls, status) in ERROR_CODES.items()} == DOCUMENTED
    assert len({cls for cls, _status in ERROR_CODES.values()}) == len(DOCUMENTED)


def _refused(smarty, sim, error_class, code, status, call):
    with pytest.raises(error_class) as caught:
        call()
    assert caught.value.code == code
    assert caught.value.status_code == status
    assert not caught.value.outcome_unknown
    assert sim.payments() == []  # nothing was created
    return caught.value


@pytest.mark.parametrize(
    "amount",
    [usdt("0"), usdt("-1"), usdt("1.0000000000000000001"), Money(Decimal("1"), "b-USDT"), usdt("1E+19")],
    ids=["zero", "negative", "19-decimals", "bad-token-code", "19-digits"],
)
def test_payment_amount_invalid(smarty, sim, amount):
    _refused(
        smarty,
        sim,
        PaymentAmountInvalidError,
        "PaymentAmountInvalid",
        400,
        lambda: smarty.create_payment(amount),
    )


def test_payment_amount_invalid_for_a_number_on_the_wire(smarty, sim):
    body = {"merchantId": MERCHANT_ID, "amount": {"value": 15, "currency": "bUSDT"}}
    _refused(
        smarty,
        sim,
        PaymentAmountInvalidError,
        "PaymentAmountInvalid",
        400,
        lambda: smarty.request("POST", "/v1/payments", json=body),
    )


def test_payment_amount_not_supported(smarty, sim):
    _refused(
        smarty,
        sim,
        PaymentAmountNotSupportedError,
        "PaymentAmountNotSupported",
        400,
        lambda: smarty.create_payment(Money(Decimal("15"), "DOGE")),
    )


def test_a_token_a_merchant_disabled_is_not_supported(smarty, sim):
    sim.add_merchant("OnlyUsdc", API_KEY, tokens=["USDC"])
    _refused(
        smarty,
        sim,
        PaymentAmountNotSupportedError,
        "PaymentAmountNotSupported",
        400,
        lambda: smarty.create_payment(usdt("15"), merchant_id="OnlyUsdc"),
    )
    assert smarty.create_payment(Money(Decimal("15"), "USDC"), merchant_id="OnlyUsdc").status == "Created"


def test_payment_expires_at_in_the_past(smarty, sim):
    past = datetime.now(UTC) - timedelta(minutes=1)
    _refused(
        smarty,
        sim,
        PaymentExpiresAtInvalidError,
        "PaymentExpiresAtInvalid",
        400,
        lambda: smarty.create_payment(usdt("15"), expires_at=past),
    )


@pytest.mark.parametrize("text", ["tomorrow", "2099-01-01T00:00:00", "2099-13-01T00:00:00Z", 1234])
def test_payment_expires_at_with_an_invalid_format(smarty, sim, text):
    body = {"merchantId": MERCHANT_ID, "amount": {"value": "1", "currency": "bUSDT"}, "expiresAt": text}
    _refused(
        smarty,
        sim,
        PaymentExpiresAtInvalidError,
        "PaymentExpiresAtInvalid",
        400,
        lambda: smarty.request("POST", "/v1/payments", json=body),
    )


def test_merchant_not_found(smarty, sim):
    _refused(
        smarty,
        sim,
        MerchantNotFoundError,
        "MerchantNotFound",
        400,
        lambda: smarty.create_payment(usdt("15"), merchant_id="NoSuchMerchant"),
    )


def test_a_merchant_of_other_credentials_is_not_found(smarty, sim):
    sim.add_credentials("other-key", "other-secret")
    sim.add_merchant("TheirMerchant", "other-key")
    _refused(
        smarty,
        sim,
        MerchantNotFoundError,
        "MerchantNotFound",
        400,
        lambda: smarty.create_payment(usdt("15"), merchant_id="TheirMerchant"),
    )


def _metadata_of_size(size: int, reference: str) -> dict[str, str]:
    """Metadata whose JSON, once the client adds the reference, is exactly ``size`` bytes."""
    base = len(json.dumps({"pad": "", REFERENCE_KEY: reference}, separators=(",", ":")).encode())
    return {"pad": "x" * (size - base)}


def test_metadata_of_4096_bytes_is_accepted_and_4097_refused(smarty, sim):
    reference = "r" * 32
    payment = smarty.create_payment(
        usdt("1"), metadata=_metadata_of_size(4096, reference), reference=reference
    )
    assert len(json.dumps(payment.metadata, separators=(",", ":")).encode()) == 4096
    with pytest.raises(PaymentMetadataSizeExceededError) as caught:
        smarty.create_payment(usdt("1"), metadata=_metadata_of_size(4097, "s" * 32), reference="s" * 32)
    assert (caught.value.status_code, caught.value.code) == (400, "PaymentMetadataSizeExceeded")
    assert len(sim.payments()) == 1


def test_description_of_1024_bytes_is_accepted_and_more_refused(smarty, sim):
    assert smarty.create_payment(usdt("1"), description="a" * 1024).description == "a" * 1024
    with pytest.raises(PaymentDescriptionSizeExceededError) as caught:
        smarty.create_payment(usdt("1"), description="あ" * 342)  # 1026 bytes, 342 characters
    assert (caught.value.status_code, caught.value.code) == (400, "PaymentDescriptionSizeExceeded")
    assert len(sim.payments()) == 1


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("InvoiceInconsistentAsset", InvoiceInconsistentAssetError),
        ("InvoiceDuplicateAmounts", InvoiceDuplicateAmountsError),
        ("CompensationDisabled", CompensationDisabledError),
    ],
)
def test_codes_the_simulator_answers_on_demand(smarty, sim, code, error_class):
    sim.inject_error(code)
    _refused(smarty, sim, error_class, code, 400, lambda: smarty.create_payment(usdt("15")))
    assert smarty.create_payment(usdt("15")).status == "Created"  # once only


def test_payment_not_found(smarty, sim):
    with pytest.raises(PaymentNotFoundError) as caught:
        smarty.get_payment("wv7xbaSP4ljdITbrFI995v")
    assert isinstance(caught.value, SmartyPayNotFoundError)
    assert (caught.value.status_code, caught.value.code) == (404, "PaymentNotFound")


def test_a_payment_of_other_credentials_is_not_found(smarty, sim):
    payment = smarty.create_payment(usdt("15"))
    sim.add_credentials("other-key", "other-secret")
    other = SmartyPayClient("other-key", "other-secret", base_url=sim.base_url, session=sim.session())
    with pytest.raises(PaymentNotFoundError):
        other.get_payment(payment.id)
    assert other.search_payments().payments == []


def test_documented_classes_are_invalid_request_errors():
    for code, (cls, status) in ERROR_CODES.items():
        base = SmartyPayNotFoundError if status == 404 else SmartyPayInvalidRequestError
        assert issubclass(cls, base), code


def test_wrong_secret_is_an_authentication_error_and_not_retried(sim, sleeps):
    wrong = SmartyPayClient(
        API_KEY, "not-the-secret", base_url=sim.base_url, session=sim.session(), sleep=sleeps.append
    )
    with pytest.raises(SmartyPayAuthenticationError) as caught:
        wrong.get_payment("anything")
    assert caught.value.status_code == 401
    assert sleeps == [] and len(sim.requests) == 1
    assert "not-the-secret" not in str(caught.value) + repr(caught.value)


def test_an_undocumented_code_gets_the_class_of_its_status(smarty, sim):
    with pytest.raises(SmartyPayInvalidRequestError) as caught:
        smarty.request("POST", "/v1/payments/search", json={"page": {"limit": 0}})
    assert type(caught.value) is SmartyPayInvalidRequestError
    assert (caught.value.status_code, caught.value.code) == (400, "RequestInvalid")
    assert SECRET not in str(caught.value)
