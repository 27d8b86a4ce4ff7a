"""Local validation: every bad argument raises SmartpayValidationError and sends nothing.

Each case runs against the loopback server, which counts what it receives: zero requests
proves the check ran before any HTTP.  A positive control shows the same client does reach
the server when the arguments are good.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from django_smartpay.client import SmartpayClient, SmartpayInvalidRequestError, SmartpayValidationError

from .conftest import (
    COUPON_ID,
    LIVE_SECRET_KEY,
    ORDER_ID,
    PAYMENT_ID,
    PROMOTION_CODE_ID,
    PUBLIC_KEY,
    REFUND_ID,
    SECRET_KEY,
    TOKEN_ID,
    checkout_payload,
)

ADDRESS = {"line1": "a", "locality": "b", "postalCode": "1", "country": "JP"}


def capture(**changes):
    arguments = {"order": ORDER_ID, "amount": 100, "currency": "JPY", **changes}
    return lambda c: c.create_payment(**arguments)


def refund(**changes):
    arguments = {"payment": PAYMENT_ID, "amount": 100, "currency": "JPY", "reason": "fraudulent", **changes}
    return lambda c: c.create_refund(**arguments)


def checkout(**changes):
    return lambda c: c.create_checkout_session(checkout_payload(**changes))


def item(**changes):
    return checkout(items=[{"name": "A", "amount": 100, **changes}])


CASES = [
    # ids of every kind
    ("get_checkout_session", lambda c: c.get_checkout_session(ORDER_ID), "id must be a checkout session id"),
    ("get_order", lambda c: c.get_order(PAYMENT_ID), "id must be a order id"),
    ("get_order_newline", lambda c: c.get_order(ORDER_ID + "\n"), "id must be a order id"),
    ("get_order_path", lambda c: c.get_order("order_test_abc/../../tokens"), "id must be a order id"),
    ("get_order_no_mode", lambda c: c.get_order("order_abc123"), "id must be a order id"),
    ("get_order_none", lambda c: c.get_order(None), "id is required"),
    ("cancel_order", lambda c: c.cancel_order(REFUND_ID), "id must be a order id"),
    ("get_payment", lambda c: c.get_payment(REFUND_ID), "id must be a payment id"),
    ("update_payment", lambda c: c.update_payment(ORDER_ID, reference="r"), "id must be a payment id"),
    ("get_refund", lambda c: c.get_refund(PAYMENT_ID), "id must be a refund id"),
    ("update_refund", lambda c: c.update_refund(PAYMENT_ID, reference="r"), "id must be a refund id"),
    ("get_webhook_endpoint", lambda c: c.get_webhook_endpoint("webhook_test_abc"), "webhook endpoint id"),
    (
        "update_webhook_endpoint",
        lambda c: c.update_webhook_endpoint(COUPON_ID, active=False),
        "webhook endpoint id",
    ),
    ("delete_webhook_endpoint", lambda c: c.delete_webhook_endpoint(TOKEN_ID), "webhook endpoint id"),
    ("get_coupon", lambda c: c.get_coupon(PROMOTION_CODE_ID), "id must be a coupon id"),
    ("update_coupon", lambda c: c.update_coupon(PROMOTION_CODE_ID, active=True), "id must be a coupon id"),
    ("get_promotion_code", lambda c: c.get_promotion_code(COUPON_ID), "promotion code id"),
    ("update_promotion_code", lambda c: c.update_promotion_code(COUPON_ID, active=True), "promotion code id"),
    ("get_token", lambda c: c.get_token("token_test_abc"), "id must be a token id"),
    ("enable_token", lambda c: c.enable_token(ORDER_ID), "id must be a token id"),
    ("disable_token", lambda c: c.disable_token(ORDER_ID), "id must be a token id"),
    ("delete_token", lambda c: c.delete_token(ORDER_ID), "id must be a token id"),
    ("payment_order_id", capture(order=PAYMENT_ID), "order must be a order id"),
    ("refund_payment_id", refund(payment=ORDER_ID), "payment must be a payment id"),
    (
        "promotion_code_coupon",
        lambda c: c.create_promotion_code(ORDER_ID, "CODE"),
        "coupon must be a coupon id",
    ),
    # required arguments
    ("payment_order", capture(order=None), "order is required"),
    ("payment_amount", capture(amount=None), "amount is required"),
    # the official SDKs refuse a capture or refund of 0 before sending (spec, later findings)
    ("payment_amount_zero", capture(amount=0), "amount must be at least 1"),
    ("refund_amount_zero", refund(amount=0), "amount must be at least 1"),
    ("payment_currency", capture(currency=None), "currency is required"),
    ("refund_reason", refund(reason=None), "reason is required"),
    ("webhook_url", lambda c: c.create_webhook_endpoint(), "url is required"),
    (
        "coupon_name",
        lambda c: c.create_coupon(discount_type="percentage", discount_percentage=5),
        "name is required",
    ),
    ("coupon_type", lambda c: c.create_coupon("Spring"), "discount_type is required"),
    (
        "coupon_amount",
        lambda c: c.create_coupon("S", "amount", currency="JPY"),
        "discount_amount is required",
    ),
    (
        "coupon_currency",
        lambda c: c.create_coupon("S", "amount", discount_amount=100),
        "currency is required",
    ),
    ("coupon_percentage", lambda c: c.create_coupon("S", "percentage"), "discount_percentage is required"),
    ("promotion_code_code", lambda c: c.create_promotion_code(COUPON_ID), "code is required"),
    (
        "promotion_min_currency",
        lambda c: c.create_promotion_code(COUPON_ID, "C", minimum_amount=5000),
        "currency is required",
    ),
    ("checkout_items", checkout(items=None), "items is required"),
    ("checkout_empty_items", checkout(items=[]), "items must not be empty"),
    ("checkout_success_url", checkout(successUrl=None), "successUrl is required"),
    ("checkout_cancel_url", checkout(cancelUrl=""), "cancelUrl is required"),
    ("checkout_shipping", checkout(shippingInfo=None), "shippingInfo is required"),
    (
        "checkout_address_line1",
        checkout(shippingInfo={"locality": "b", "postalCode": "1", "country": "JP"}),
        "shippingInfo.address.line1 is required",
    ),
    ("checkout_currency", checkout(currency=None), "currency is required"),
    ("item_name", item(name=None), "items[0].name is required"),
    ("item_amount", item(amount=None), "items[0].amount is required"),
    (
        "only_discounts",
        checkout(items=[{"name": "D", "amount": 1, "kind": "discount"}]),
        "at least one product",
    ),
    ("order_token", lambda c: c.create_order(checkout_payload()), "token is required"),
    ("update_nothing", lambda c: c.update_payment(PAYMENT_ID), "at least one field"),
    # enum values
    (
        "capture_method_typo",
        checkout(captureMethod="autommatic"),
        "captureMethod must be one of automatic, manual",
    ),
    (
        "cancel_remainder",
        capture(cancel_remainder="auto"),
        "cancel_remainder must be one of automatic, manual",
    ),
    (
        "refund_reason_value",
        refund(reason="requested"),
        "reason must be one of requested_by_customer, fraudulent",
    ),
    (
        "discount_type",
        lambda c: c.create_coupon("S", "fixed"),
        "discount_type must be one of amount, percentage",
    ),
    (
        "address_type",
        checkout(shippingInfo={"address": ADDRESS, "addressType": "house"}),
        "addressType must be one of",
    ),
    ("item_kind", item(kind="shipping"), "items[0].kind must be one of product, discount, tax"),
    ("locale", checkout(locale="fr"), "locale must be one of en, ja"),
    ("currency_usd", capture(currency="USD"), "currency must be one of JPY"),
    ("item_currency", item(currency="usd"), "items[0].currency must be one of JPY"),
    ("legal_gender", checkout(customerInfo={"gender": "x"}), "customerInfo.legalGender must be one of"),
    ("expand", lambda c: c.get_order(ORDER_ID, expand="yes"), "expand must be one of all, no"),
    # amounts and integers
    ("amount_negative", capture(amount=-1), "amount must be at least 1"),
    ("amount_bool", capture(amount=True), "amount must be an integer, not bool"),
    ("amount_float", capture(amount=100.0), "amount must be an integer, not float"),
    (
        "amount_decimal_fraction",
        capture(amount=Decimal("100.5")),
        "amount must be an integer, not Decimal with a fraction",
    ),
    ("amount_str", capture(amount="100"), "amount must be an integer, not str"),
    ("refund_amount_float", refund(amount=1.5), "amount must be an integer"),
    ("item_amount_float", item(amount=9.99), "items[0].amount must be an integer, not float"),
    ("item_quantity_negative", item(quantity=-1), "items[0].quantity must be at least 0"),
    (
        "fee_negative",
        checkout(shippingInfo={"address": ADDRESS, "feeAmount": -5}),
        "shippingInfo.feeAmount must be at least 0",
    ),
    ("checkout_amount_bool", checkout(amount=False), "amount must be an integer, not bool"),
    (
        "negative_total",
        checkout(items=[{"name": "A", "amount": 1}, {"name": "D", "amount": 5, "kind": "discount"}]),
        "is negative",
    ),
    (
        "percentage_range",
        lambda c: c.create_coupon("S", "percentage", discount_percentage=101),
        "between 0 and 100",
    ),
    (
        "coupon_naive_expiry",
        lambda c: c.create_coupon(
            "S", "percentage", discount_percentage=5, expires_at=dt.datetime(2030, 1, 1)
        ),
        "aware datetime",
    ),
    # metadata, reference, description
    ("metadata_21", capture(metadata={f"k{i}": "v" for i in range(21)}), "metadata may have at most 20 keys"),
    ("metadata_type", capture(metadata=["a"]), "metadata must be a mapping"),
    (
        "checkout_metadata_21",
        checkout(metadata={f"k{i}": "v" for i in range(21)}),
        "metadata may have at most 20 keys",
    ),
    ("reference_41", capture(reference="r" * 41), "reference must be at most 40 characters"),
    ("checkout_reference_41", checkout(reference="r" * 41), "reference must be at most 40 characters"),
    ("checkout_description_81", checkout(description="d" * 81), "description must be at most 80 characters"),
    (
        "order_description_81",
        lambda c: c.create_order({**checkout_payload(), "token": TOKEN_ID, "description": "d" * 81}),
        "description must be at most 80",
    ),
    (
        "order_reference_41",
        lambda c: c.create_order({**checkout_payload(), "token": TOKEN_ID, "reference": "r" * 41}),
        "reference must be at most 40",
    ),
    ("too_many_images", item(images=[f"https://img.example/{i}.png" for i in range(9)]), "at most 8 entries"),
    (
        "date_of_birth",
        checkout(customerInfo={"dateOfBirth": "1.4.1990"}),
        "dateOfBirth must be a date written YYYY-MM-DD",
    ),
    # lists and pagination
    ("max_results_zero", lambda c: c.list_orders(max_results=0), "max_results must be at least 1"),
    ("max_results_101", lambda c: c.list_tokens(max_results=101), "max_results must be at most 100"),
    ("max_results_str", lambda c: c.list_coupons(max_results="20"), "max_results must be an integer"),
    ("page_token_empty", lambda c: c.list_refunds(page_token=""), "page_token must not be empty"),
    ("iter_max_results", lambda c: c.iter_payments(max_results=0), "max_results must be at least 1"),
    ("line_items", capture(line_items="li_test_1"), "line_items must be a list"),
    (
        "event_subscriptions",
        lambda c: c.create_webhook_endpoint("https://a.example/hook", event_subscriptions=[""]),
        "non-empty strings",
    ),
    # idempotency keys and the low-level request
    ("key_with_space", capture(idempotency_key="two words"), "idempotency_key must be"),
    ("key_with_newline", capture(idempotency_key="abc\r\nX-Evil: 1"), "idempotency_key must be"),
    ("key_too_long", capture(idempotency_key="k" * 256), "idempotency_key must be"),
    ("key_empty", lambda c: c.cancel_order(ORDER_ID, idempotency_key=""), "idempotency_key must be"),
    ("request_method", lambda c: c.request("TRACE", "/orders"), "method must be one of"),
    ("request_path", lambda c: c.request("GET", "orders"), "path must start with /"),
    ("request_absolute", lambda c: c.request("GET", "/http://evil.example/"), "path must start with /"),
    (
        "request_body_not_json",
        lambda c: c.request("POST", "/orders", json={"at": dt.datetime.now()}),
        "not JSON serializable",
    ),
    (
        "promotion_code_option",
        lambda c: c.create_checkout_session(checkout_payload(), promotion_code=""),
        "promotion_code must not be empty",
    ),
]


@pytest.mark.parametrize(("call", "detail"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_argument_raises_before_any_request(client, server, call, detail):
    with pytest.raises(SmartpayValidationError) as info:
        call(client)
    error = info.value
    assert any(detail in item for item in error.details), error.details
    assert error.error_code == "request.invalid"
    assert error.status_code is None
    assert isinstance(error, SmartpayInvalidRequestError)
    assert server.requests == []


def test_positive_control_reaches_the_server(client, server):
    capture()(client)
    refund()(client)
    checkout()(client)
    assert [request.path for request in server.requests] == [
        "/v1/payments",
        "/v1/refunds",
        "/v1/checkout-sessions",
    ]


def test_all_problems_are_reported_together(client, server):
    with pytest.raises(SmartpayValidationError) as info:
        client.create_payment(order="nope", amount=-5, currency="usd", reference="r" * 50)
    fields = [detail.split(" ")[0] for detail in info.value.details]
    assert fields == ["order", "amount", "currency", "reference"]
    assert "order" in str(info.value) and "reference" in str(info.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("secret_key", "public_key", "detail"),
    [
        (None, None, "secret_key is required"),
        ("", None, "secret_key is required"),
        ("sk_prod_abc123", None, "secret_key must look like"),
        ("pk_test_abc123", None, "secret_key must look like"),
        ("sk_test_abc-123", None, "secret_key must look like"),
        ("sk_test_abc123\n", None, "secret_key must look like"),
        (b"sk_test_abc123", None, "secret_key must be a str"),
        (SECRET_KEY, "sk_test_abc", "public_key must look like"),
        (SECRET_KEY, "pk_live_abc123", "public_key is not a test key"),
        (LIVE_SECRET_KEY, PUBLIC_KEY, "public_key is not a live key"),
    ],
)
def test_constructor_checks_keys_and_modes(secret_key, public_key, detail):
    with pytest.raises(SmartpayValidationError) as info:
        SmartpayClient(secret_key, public_key=public_key)
    assert any(detail in item for item in info.value.details), info.value.details
    assert info.value.status_code is None
    if isinstance(secret_key, str) and secret_key:
        assert secret_key.strip() not in str(info.value)
        assert secret_key.strip() not in repr(info.value)


def test_mode_comes_from_the_secret_key():
    assert SmartpayClient(SECRET_KEY, public_key=PUBLIC_KEY).mode == "test"
    assert SmartpayClient(LIVE_SECRET_KEY, public_key="pk_live_abc").mode == "live"


@pytest.mark.parametrize(
    "options",
    [
        {"api_base": "api.smartpay.co/v1"},
        {"timeout": 0},
        {"timeout": (5, -1)},
        {"timeout": (1, 2, 3)},
        {"max_retries": -1},
        {"max_retries": True},
        {"backoff_factor": -0.1},
        {"max_backoff": "10"},
    ],
)
def test_constructor_refuses_bad_transport_options(options):
    with pytest.raises(ValueError):
        SmartpayClient(SECRET_KEY, **options)
