"""Constants: every enum value spelled as the API spells it, on the module and the client."""

from __future__ import annotations

import pytest

import django_smartpay.client as client_package
from django_smartpay.client import SmartpayClient, constants

EXPECTED = {
    "ADDRESS_TYPE_HOME": "home",
    "ADDRESS_TYPE_GIFT": "gift",
    "ADDRESS_TYPE_LOCKER": "locker",
    "ADDRESS_TYPE_OFFICE": "office",
    "ADDRESS_TYPE_STORE": "store",
    "CAPTURE_METHOD_AUTOMATIC": "automatic",
    "CAPTURE_METHOD_MANUAL": "manual",
    "ORDER_STATUS_REQUIRES_AUTHORIZATION": "requires_authorization",
    "ORDER_STATUS_REQUIRES_CAPTURE": "requires_capture",
    "ORDER_STATUS_SUCCEEDED": "succeeded",
    "ORDER_STATUS_CANCELED": "canceled",
    "ORDER_STATUS_REJECTED": "rejected",
    "ORDER_STATUS_FAILED": "failed",
    "ORDER_STATUS_PENDING": "pending",
    "TOKEN_STATUS_REQUIRES_AUTHORIZATION": "requires_authorization",
    "TOKEN_STATUS_ACTIVE": "active",
    "TOKEN_STATUS_REJECTED": "rejected",
    "TOKEN_STATUS_DISABLED": "disabled",
    "TOKEN_STATUS_DELETED": "deleted",
    "CANCEL_REMAINDER_AUTOMATIC": "automatic",
    "CANCEL_REMAINDER_MANUAL": "manual",
    "REFUND_REQUEST_BY_CUSTOMER": "requested_by_customer",
    "REFUND_FRAUDULENT": "fraudulent",
    "COUPON_DISCOUNT_TYPE_AMOUNT": "amount",
    "COUPON_DISCOUNT_TYPE_PERCENTAGE": "percentage",
    "PAYMENT_STATUS_PROCESSED": "processed",
    "PAYMENT_STATUS_REFUNDED": "refunded",
    "REFUND_STATUS_SUCCEEDED": "succeeded",
    "REFUND_STATUS_FAILED": "failed",
    "LINE_ITEM_KIND_PRODUCT": "product",
    "LINE_ITEM_KIND_DISCOUNT": "discount",
    "LINE_ITEM_KIND_TAX": "tax",
    "LOCALE_EN": "en",
    "LOCALE_JA": "ja",
    "CURRENCY_JPY": "JPY",
    "EXPAND_ALL": "all",
    "EXPAND_NO": "no",
    "CHECKOUT_MODE_TOKEN": "token",
    "EVENT_ORDER_AUTHORIZED": "order.authorized",
    "EVENT_ORDER_REJECTED": "order.rejected",
    "EVENT_ORDER_CANCELED": "order.canceled",
    "EVENT_PAYMENT_CREATED": "payment.created",
    "EVENT_REFUND_CREATED": "refund.created",
    "EVENT_TOKEN_CREATED": "token.created",
    "EVENT_TOKEN_APPROVED": "token.approved",
    "EVENT_TOKEN_REJECTED": "token.rejected",
    "EVENT_TOKEN_DISABLED": "token.disabled",
    "EVENT_TOKEN_ENABLED": "token.enabled",
    "EVENT_TOKEN_DELETED": "token.deleted",
    "EVENT_TOKEN_USED": "token.used",
    "EVENT_COUPON_CREATED": "coupon.created",
    "EVENT_COUPON_UPDATED": "coupon.updated",
    "EVENT_PROMOTION_CODE_CREATED": "promotion_code.created",
    "EVENT_PROMOTION_CODE_UPDATED": "promotion_code.updated",
    "EVENT_PAYOUT_GENERATED": "payout.generated",
    "EVENT_PAYOUT_PAID": "payout.paid",
    "EVENT_MERCHANT_USER_CREATED": "merchant_user.created",
    "EVENT_MERCHANT_USER_PASSWORD_RESET": "merchant_user.password_reset",
}

GROUPS = {
    "ADDRESS_TYPES": ("home", "gift", "locker", "office", "store"),
    "CAPTURE_METHODS": ("automatic", "manual"),
    "ORDER_STATUSES": (
        "requires_authorization",
        "requires_capture",
        "succeeded",
        "canceled",
        "rejected",
        "failed",
        "pending",
    ),
    "TOKEN_STATUSES": ("requires_authorization", "active", "rejected", "disabled", "deleted"),
    "CANCEL_REMAINDERS": ("automatic", "manual"),
    "REFUND_REASONS": ("requested_by_customer", "fraudulent"),
    "COUPON_DISCOUNT_TYPES": ("amount", "percentage"),
    "PAYMENT_STATUSES": ("processed", "refunded"),
    "REFUND_STATUSES": ("succeeded", "failed"),
    "LINE_ITEM_KINDS": ("product", "discount", "tax"),
    "LOCALES": ("en", "ja"),
    "CURRENCIES": ("JPY",),
    "EXPAND_VALUES": ("all", "no"),
}


@pytest.mark.parametrize(("name", "value"), sorted(EXPECTED.items()))
def test_constant_value_on_module_package_and_client(name, value):
    assert getattr(constants, name) == value
    assert getattr(client_package, name) == value
    assert getattr(SmartpayClient, name) == value


@pytest.mark.parametrize(("name", "values"), sorted(GROUPS.items()))
def test_enum_tuples_hold_exactly_the_valid_values(name, values):
    assert set(getattr(constants, name)) == set(values)
    assert len(getattr(constants, name)) == len(values)
    assert getattr(SmartpayClient, name) == getattr(constants, name)


def test_events_are_the_union_of_spec_section_7_4():
    event_names = {name for name in EXPECTED if name.startswith("EVENT_")}
    assert set(constants.EVENTS) == {EXPECTED[name] for name in event_names}
    assert len(constants.EVENTS) == len(set(constants.EVENTS)) == 20


def test_no_official_sdk_typos():
    values = [getattr(constants, name) for name in constants.__all__ if name.isupper()]
    flat = [item for value in values for item in (value if isinstance(value, tuple) else (value,))]
    assert "autommatic" not in flat
    assert not [name for name in constants.__all__ if name.startswith("REJECT_")]


def test_every_public_constant_is_exported_and_on_the_client():
    for name in constants.__all__:
        if name.isupper():
            assert getattr(client_package, name) == getattr(constants, name), name
            assert getattr(SmartpayClient, name) == getattr(constants, name), name
    assert set(EXPECTED) <= set(constants.__all__)
