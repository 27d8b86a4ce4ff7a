"""Refusals of the services carry a stable code and their parameters, and read in the active language."""

from __future__ import annotations

import pytest
from django.utils import translation

from django_smartpay import errors_text, services
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import Order
from django_smartpay.sync import sync_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def manual_order(api) -> Order:
    return sync_object(api.order(capture_method="manual"))


def test_a_capture_above_the_capturable_amount_has_a_code_and_parameters(manual_order, smartpay_requests):
    sent = len(smartpay_requests)
    with translation.override("ja"), pytest.raises(SmartpayValidationError) as info:
        services.capture_order(manual_order, manual_order.capturable_amount + 1)

    error = info.value
    assert error.code == "amount.exceeds-capturable"
    assert error.params == {
        "amount": manual_order.capturable_amount + 1,
        "limit": manual_order.capturable_amount,
    }
    assert error.details == [error.message]
    assert len(smartpay_requests) == sent


def test_a_refusal_reads_in_the_language_it_was_raised_in(manual_order):
    services.cancel_order(manual_order)
    with translation.override("ja"), pytest.raises(SmartpayValidationError) as info:
        services.capture_order(manual_order)

    assert info.value.code == "order.cannot-capture"
    assert info.value.params["id"] == manual_order.smartpay_id
    with translation.override("ja"):
        assert errors_text.user_message(info.value) == info.value.message
    assert manual_order.smartpay_id in info.value.message
    assert "cannot be captured" not in info.value.message  # Japanese, from the catalogue
