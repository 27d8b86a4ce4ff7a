"""Every operation: HTTP method, path, query and body as received by the loopback server."""

from __future__ import annotations

import datetime as dt

import pytest

from django_smartpay.client import SmartpayClient

from .conftest import (
    CHECKOUT_ID,
    COUPON_ID,
    ORDER_ID,
    PAYMENT_ID,
    PROMOTION_CODE_ID,
    REFUND_ID,
    TOKEN_ID,
    WEBHOOK_ID,
    checkout_payload,
)

OPERATIONS = [
    # name, call, method, path, query, body (None: no body)
    (
        "create_checkout_session",
        lambda c: c.create_checkout_session(checkout_payload()),
        "POST",
        "/checkout-sessions",
        {},
        ...,
    ),
    (
        "get_checkout_session",
        lambda c: c.get_checkout_session(CHECKOUT_ID, expand="all"),
        "GET",
        f"/checkout-sessions/{CHECKOUT_ID}",
        {"expand": ["all"]},
        None,
    ),
    (
        "list_checkout_sessions",
        lambda c: c.list_checkout_sessions(max_results=3, page_token="t1", expand="no"),
        "GET",
        "/checkout-sessions",
        {"maxResults": ["3"], "pageToken": ["t1"], "expand": ["no"]},
        None,
    ),
    (
        "get_order",
        lambda c: c.get_order(ORDER_ID, expand=True),
        "GET",
        f"/orders/{ORDER_ID}",
        {"expand": ["all"]},
        None,
    ),
    (
        "create_order",
        lambda c: c.create_order({**checkout_payload(), "token": TOKEN_ID}),
        "POST",
        "/orders",
        {},
        ...,
    ),
    ("cancel_order", lambda c: c.cancel_order(ORDER_ID), "PUT", f"/orders/{ORDER_ID}/cancellation", {}, None),
    ("list_orders", lambda c: c.list_orders(expand=False), "GET", "/orders", {"expand": ["no"]}, None),
    (
        "create_payment",
        lambda c: c.create_payment(
            order=ORDER_ID,
            amount=150,
            currency="jpy",
            cancel_remainder="manual",
            line_items=["li_test_a"],
            reference="inv-1",
            description="first capture",
            metadata={"invoice_no": "1"},
        ),
        "POST",
        "/payments",
        {},
        {
            "order": ORDER_ID,
            "amount": 150,
            "currency": "JPY",
            "cancelRemainder": "manual",
            "lineItems": ["li_test_a"],
            "reference": "inv-1",
            "description": "first capture",
            "metadata": {"invoice_no": "1"},
        },
    ),
    (
        "capture",
        lambda c: c.capture(ORDER_ID, 150, "JPY"),
        "POST",
        "/payments",
        {},
        {"order": ORDER_ID, "amount": 150, "currency": "JPY"},
    ),
    ("get_payment", lambda c: c.get_payment(PAYMENT_ID), "GET", f"/payments/{PAYMENT_ID}", {}, None),
    (
        "update_payment",
        lambda c: c.update_payment(PAYMENT_ID, description="d", metadata={}),
        "PATCH",
        f"/payments/{PAYMENT_ID}",
        {},
        {"description": "d", "metadata": {}},
    ),
    (
        "list_payments",
        lambda c: c.list_payments(max_results=100),
        "GET",
        "/payments",
        {"maxResults": ["100"]},
        None,
    ),
    (
        "create_refund",
        lambda c: c.create_refund(
            PAYMENT_ID, 100, "JPY", "requested_by_customer", reference="cm-1", line_items=["li_test_a"]
        ),
        "POST",
        "/refunds",
        {},
        {
            "payment": PAYMENT_ID,
            "amount": 100,
            "currency": "JPY",
            "reason": "requested_by_customer",
            "reference": "cm-1",
            "lineItems": ["li_test_a"],
        },
    ),
    (
        "refund",
        lambda c: c.refund(payment=PAYMENT_ID, amount=1, currency="JPY", reason="fraudulent"),
        "POST",
        "/refunds",
        {},
        {"payment": PAYMENT_ID, "amount": 1, "currency": "JPY", "reason": "fraudulent"},
    ),
    (
        "get_refund",
        lambda c: c.get_refund(REFUND_ID, expand="no"),
        "GET",
        f"/refunds/{REFUND_ID}",
        {"expand": ["no"]},
        None,
    ),
    (
        "update_refund",
        lambda c: c.update_refund(REFUND_ID, reference="r"),
        "PATCH",
        f"/refunds/{REFUND_ID}",
        {},
        {"reference": "r"},
    ),
    ("list_refunds", lambda c: c.list_refunds(), "GET", "/refunds", {}, None),
    (
        "create_webhook_endpoint",
        lambda c: c.create_webhook_endpoint(
            "https://shop.example/hook",
            event_subscriptions=["order.authorized", "payment.created"],
            description="main",
        ),
        "POST",
        "/webhook-endpoints",
        {},
        {
            "url": "https://shop.example/hook",
            "eventSubscriptions": ["order.authorized", "payment.created"],
            "description": "main",
        },
    ),
    (
        "get_webhook_endpoint",
        lambda c: c.get_webhook_endpoint(WEBHOOK_ID),
        "GET",
        f"/webhook-endpoints/{WEBHOOK_ID}",
        {},
        None,
    ),
    (
        "update_webhook_endpoint",
        lambda c: c.update_webhook_endpoint(WEBHOOK_ID, active=False, event_subscriptions=[]),
        "PATCH",
        f"/webhook-endpoints/{WEBHOOK_ID}",
        {},
        {"active": False, "eventSubscriptions": []},
    ),
    (
        "delete_webhook_endpoint",
        lambda c: c.delete_webhook_endpoint(WEBHOOK_ID),
        "DELETE",
        f"/webhook-endpoints/{WEBHOOK_ID}",
        {},
        None,
    ),
    (
        "list_webhook_endpoints",
        lambda c: c.list_webhook_endpoints(max_results=5),
        "GET",
        "/webhook-endpoints",
        {"maxResults": ["5"]},
        None,
    ),
    (
        "create_coupon_amount",
        lambda c: c.create_coupon(
            "Spring",
            "amount",
            discount_amount=500,
            currency="jpy",
            max_redemption_count=10,
            expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ),
        "POST",
        "/coupons",
        {},
        {
            "name": "Spring",
            "discountType": "amount",
            "discountAmount": 500,
            "currency": "JPY",
            "maxRedemptionCount": 10,
            "expiresAt": 1893456000000,
        },
    ),
    (
        "create_coupon_percentage",
        lambda c: c.create_coupon(
            name="Ten", discount_type="percentage", discount_percentage=10, expires_at=1893456000000
        ),
        "POST",
        "/coupons",
        {},
        {"name": "Ten", "discountType": "percentage", "discountPercentage": 10, "expiresAt": 1893456000000},
    ),
    ("get_coupon", lambda c: c.get_coupon(COUPON_ID), "GET", f"/coupons/{COUPON_ID}", {}, None),
    (
        "update_coupon",
        lambda c: c.update_coupon(COUPON_ID, name="Summer", active=False),
        "PATCH",
        f"/coupons/{COUPON_ID}",
        {},
        {"name": "Summer", "active": False},
    ),
    ("list_coupons", lambda c: c.list_coupons(), "GET", "/coupons", {}, None),
    (
        "create_promotion_code",
        lambda c: c.create_promotion_code(
            COUPON_ID,
            "SPRING.2024",
            minimum_amount=5000,
            currency="jpy",
            one_per_customer=True,
            first_time_transaction=False,
        ),
        "POST",
        "/promotion-codes",
        {},
        {
            "coupon": COUPON_ID,
            "code": "SPRING.2024",
            "minimumAmount": 5000,
            "currency": "JPY",
            "onePerCustomer": True,
            "firstTimeTransaction": False,
        },
    ),
    (
        "get_promotion_code",
        lambda c: c.get_promotion_code(PROMOTION_CODE_ID),
        "GET",
        f"/promotion-codes/{PROMOTION_CODE_ID}",
        {},
        None,
    ),
    (
        "update_promotion_code",
        lambda c: c.update_promotion_code(PROMOTION_CODE_ID, metadata={"a": "b"}),
        "PATCH",
        f"/promotion-codes/{PROMOTION_CODE_ID}",
        {},
        {"metadata": {"a": "b"}},
    ),
    (
        "list_promotion_codes",
        lambda c: c.list_promotion_codes(page_token="abc"),
        "GET",
        "/promotion-codes",
        {"pageToken": ["abc"]},
        None,
    ),
    (
        "get_token",
        lambda c: c.get_token(TOKEN_ID, expand="all"),
        "GET",
        f"/tokens/{TOKEN_ID}",
        {"expand": ["all"]},
        None,
    ),
    ("list_tokens", lambda c: c.list_tokens(max_results=1), "GET", "/tokens", {"maxResults": ["1"]}, None),
    ("enable_token", lambda c: c.enable_token(TOKEN_ID), "PUT", f"/tokens/{TOKEN_ID}/enable", {}, None),
    ("disable_token", lambda c: c.disable_token(TOKEN_ID), "PUT", f"/tokens/{TOKEN_ID}/disable", {}, None),
    ("delete_token", lambda c: c.delete_token(TOKEN_ID), "DELETE", f"/tokens/{TOKEN_ID}", {}, None),
    (
        "request_get",
        lambda c: c.request("get", "/orders", params={"maxResults": 2}),
        "GET",
        "/orders",
        {"maxResults": ["2"]},
        None,
    ),
    (
        "request_post",
        lambda c: c.request("POST", "/coupons", json={"name": "n", "discount_type": "x"}),
        "POST",
        "/coupons",
        {},
        {"name": "n", "discount_type": "x"},
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body"),
    [case[1:] for case in OPERATIONS],
    ids=[case[0] for case in OPERATIONS],
)
def test_operation_request(client, server, call, method, path, query, body):
    result = call(client)
    (request,) = server.requests
    assert (request.method, request.path) == (method, "/v1" + path)
    assert request.query == query
    if body is None:
        assert request.body == b""
    elif body is not ...:
        assert request.json() == body
    assert ("idempotency-key" in request.headers) == (method != "GET")
    assert result == {"object": "stub", "method": method, "path": "/v1" + path}


def test_every_operation_of_the_seed_reference_exists():
    names = """create_checkout_session get_checkout_session list_checkout_sessions get_session_url get_order
    create_order cancel_order list_orders create_payment capture get_payment update_payment list_payments
    create_refund refund get_refund update_refund list_refunds create_webhook_endpoint get_webhook_endpoint
    update_webhook_endpoint delete_webhook_endpoint list_webhook_endpoints calculate_webhook_signature
    verify_webhook_signature verify_webhook create_coupon get_coupon update_coupon list_coupons
    create_promotion_code get_promotion_code update_promotion_code list_promotion_codes get_token list_tokens
    enable_token disable_token delete_token request iter_checkout_sessions iter_orders iter_payments
    iter_refunds iter_webhook_endpoints iter_coupons iter_promotion_codes iter_tokens""".split()
    missing = [name for name in names if not callable(getattr(SmartpayClient, name, None))]
    assert missing == []
    assert SmartpayClient.capture is SmartpayClient.create_payment
    assert SmartpayClient.refund is SmartpayClient.create_refund


def test_results_are_the_parsed_json(client, server):
    order = {"id": ORDER_ID, "object": "order", "amount": 2100, "lineItems": ["li_test_x"], "metadata": {}}
    server.reply(200, order)
    assert client.get_order(ORDER_ID) == order


def test_every_mutating_operation_accepts_an_idempotency_key(client, server):
    calls = [
        lambda key: client.create_checkout_session(checkout_payload(), idempotency_key=key),
        lambda key: client.create_order({**checkout_payload(), "token": TOKEN_ID}, idempotency_key=key),
        lambda key: client.cancel_order(ORDER_ID, idempotency_key=key),
        lambda key: client.create_payment(ORDER_ID, 1, "JPY", idempotency_key=key),
        lambda key: client.update_payment(PAYMENT_ID, reference="r", idempotency_key=key),
        lambda key: client.create_refund(PAYMENT_ID, 1, "JPY", "fraudulent", idempotency_key=key),
        lambda key: client.update_refund(REFUND_ID, reference="r", idempotency_key=key),
        lambda key: client.create_webhook_endpoint("https://a.example/h", idempotency_key=key),
        lambda key: client.update_webhook_endpoint(WEBHOOK_ID, active=True, idempotency_key=key),
        lambda key: client.delete_webhook_endpoint(WEBHOOK_ID, idempotency_key=key),
        lambda key: client.create_coupon("S", "percentage", discount_percentage=5, idempotency_key=key),
        lambda key: client.update_coupon(COUPON_ID, active=True, idempotency_key=key),
        lambda key: client.create_promotion_code(COUPON_ID, "C", idempotency_key=key),
        lambda key: client.update_promotion_code(PROMOTION_CODE_ID, active=True, idempotency_key=key),
        lambda key: client.enable_token(TOKEN_ID, idempotency_key=key),
        lambda key: client.disable_token(TOKEN_ID, idempotency_key=key),
        lambda key: client.delete_token(TOKEN_ID, idempotency_key=key),
        lambda key: client.request("POST", "/orders", json={}, idempotency_key=key),
    ]
    for number, call in enumerate(calls):
        call(f"key-{number}")
    assert [r.headers["idempotency-key"] for r in server.requests] == [f"key-{n}" for n in range(len(calls))]
