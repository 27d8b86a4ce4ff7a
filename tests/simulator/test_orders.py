"""Order lifecycle rules: authorization, captures, cancellation, expiry, token orders (spec §11)."""

from __future__ import annotations

import pytest

from django_smartpay.simulator import ApiError

from .conftest import (
    Api,
    active_token,
    authorized_order,
    order_payload,
    session_payload,
    token_session_payload,
)

WEEK = 7 * 24 * 3600


def capture(api: Api, order_id: str, amount: int, remainder: str | None = None):
    body = {"order": order_id, "amount": amount, "currency": "JPY"}
    if remainder:
        body["cancelRemainder"] = remainder
    return api.post("/payments", body)


def test_automatic_capture_creates_the_full_payment_on_authorization(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(2100))
    order = api.sim.authorize_order(session["order"]["id"])
    assert order["status"] == "succeeded" and len(order["payments"]) == 1
    payment = api.ok("GET", f"/payments/{order['payments'][0]}")
    assert payment["amount"] == 2100 and payment["order"] == order["id"]
    refused = capture(api, order["id"], 1)
    assert refused.status_code == 409 and refused.json()["errorCode"] == "order.cannot-capture"


def test_rejected_order_cannot_be_captured_or_cancelled(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    order = api.sim.reject_order(session["order"]["id"])
    assert order["status"] == "rejected"
    assert capture(api, order["id"], 100).json()["errorCode"] == "order.cannot-capture"
    cancel = api.put(f"/orders/{order['id']}/cancellation")
    assert cancel.status_code == 409 and cancel.json()["errorCode"] == "order.cannot-cancel"
    with pytest.raises(ApiError) as raised:
        api.sim.authorize_order(order["id"])
    assert raised.value.status == 409


def test_capture_before_authorization_is_refused(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    response = capture(api, session["order"]["id"], 100)
    assert response.status_code == 409 and response.json()["errorCode"] == "order.cannot-capture"


def test_excessive_capture_amount(api: Api) -> None:
    order = authorized_order(api, 1000)
    assert capture(api, order["id"], 600, "manual").status_code == 200
    response = capture(api, order["id"], 401, "manual")
    assert response.status_code == 409 and response.json()["errorCode"] == "payment.excessive-amount"
    assert capture(api, order["id"], 400, "manual").status_code == 200
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "succeeded"


def test_automatic_remainder_allows_only_one_capture(api: Api) -> None:
    order = authorized_order(api, 1000)
    assert capture(api, order["id"], 300).status_code == 200
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "succeeded"
    assert capture(api, order["id"], 100).json()["errorCode"] == "order.cannot-capture"


def test_capture_of_unknown_order(api: Api) -> None:
    response = capture(api, "order_test_unknownunknownunknown00", 100)
    assert response.status_code == 404 and response.json()["errorCode"] == "order.not-found"


def test_cancel_uncaptured_order_and_cancel_again(api: Api) -> None:
    order = authorized_order(api, 1000)
    first = api.ok("PUT", f"/orders/{order['id']}/cancellation")
    assert first["status"] == "canceled"
    second = api.ok("PUT", f"/orders/{order['id']}/cancellation")
    assert second == first
    assert capture(api, order["id"], 1).json()["errorCode"] == "order.cannot-capture"


def test_cancel_requires_capture_status(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    response = api.put(f"/orders/{session['order']['id']}/cancellation")
    assert response.status_code == 409 and response.json()["errorCode"] == "order.cannot-cancel"
    unknown = api.put("/orders/order_test_nope/cancellation")
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "order.not-found"


def test_seven_day_expiry_is_applied_lazily(api: Api) -> None:
    order = authorized_order(api, 1000)
    partial = authorized_order(api, 1000)
    assert capture(api, partial["id"], 100, "manual").status_code == 200
    api.sim.clock.advance(WEEK - 60)
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "requires_capture"
    api.sim.clock.advance(61)
    listed = {o["id"]: o for o in api.ok("GET", "/orders")["data"]}
    assert listed[order["id"]]["status"] == "canceled"
    assert listed[order["id"]]["updatedAt"] == order["expiresAt"]
    assert listed[partial["id"]]["status"] == "succeeded"
    response = capture(api, order["id"], 100)
    assert response.status_code == 409 and response.json()["errorCode"] == "order.cannot-capture"


def test_token_order_errors(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    pending_id = session["token"]["id"]
    invalid = api.post("/orders", order_payload(pending_id))
    assert invalid.status_code == 400 and invalid.json()["errorCode"] == "token.invalid"
    rejected = api.ok("POST", "/checkout-sessions", token_session_payload())["token"]["id"]
    api.sim.reject_token(rejected)
    assert api.post("/orders", order_payload(rejected)).json()["errorCode"] == "token.invalid"
    unknown = api.post("/orders", order_payload("paytok_test_unknownunknownunknown0"))
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "token.not-found"
    assert api.sim.objects(kind="order") == []


def test_token_order_emits_token_used_and_keeps_token_active(api: Api, inbox) -> None:
    api.ok("POST", "/webhook-endpoints", {"url": "https://shop.example.jp/hooks"})
    token_id = active_token(api)
    inbox.received.clear()
    api.ok("POST", "/orders", order_payload(token_id))
    assert inbox.types() == ["order.authorized", "payment.created", "token.used"]
    assert api.ok("GET", f"/tokens/{token_id}")["status"] == "active"


def test_refund_errors(api: Api) -> None:
    order = authorized_order(api, 1000, "automatic")
    payment_id = order["payments"][0]
    unknown = api.post(
        "/refunds", {"payment": "payment_test_x", "amount": 1, "currency": "JPY", "reason": "fraudulent"}
    )
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "payment.not-found"
    no_reason = api.post("/refunds", {"payment": payment_id, "amount": 1, "currency": "JPY"})
    assert no_reason.status_code == 400 and "reason is required" in no_reason.json()["details"]
    bad_reason = api.post(
        "/refunds", {"payment": payment_id, "amount": 1, "currency": "JPY", "reason": "whim"}
    )
    assert bad_reason.status_code == 400
    refund = api.ok(
        "POST", "/refunds", {"payment": payment_id, "amount": 1000, "currency": "JPY", "reason": "fraudulent"}
    )
    assert api.ok("GET", f"/payments/{payment_id}")["status"] == "refunded"
    patched = api.ok("PATCH", f"/refunds/{refund['id']}", {"reference": "memo-1", "description": "d"})
    assert patched["reference"] == "memo-1" and patched["amount"] == 1000
    assert (
        api.post(
            "/refunds", {"payment": payment_id, "amount": 1, "currency": "JPY", "reason": "fraudulent"}
        ).json()["errorCode"]
        == "amount.insufficient"
    )


def test_payment_update_changes_only_descriptive_fields(api: Api) -> None:
    order = authorized_order(api, 1000, "automatic")
    payment_id = order["payments"][0]
    patched = api.ok(
        "PATCH",
        f"/payments/{payment_id}",
        {"reference": "inv-1", "metadata": {"x": "y"}, "amount": 1, "status": "x"},
    )
    assert (patched["reference"], patched["metadata"], patched["amount"], patched["status"]) == (
        "inv-1",
        {"x": "y"},
        1000,
        "processed",
    )


def test_capture_line_items_must_belong_to_the_order(api: Api) -> None:
    order = authorized_order(api, 1000)
    good = api.ok(
        "POST",
        "/payments",
        {
            "order": order["id"],
            "amount": 10,
            "currency": "JPY",
            "lineItems": order["lineItems"],
            "cancelRemainder": "manual",
        },
    )
    assert good["lineItems"] == order["lineItems"]
    bad = api.post(
        "/payments", {"order": order["id"], "amount": 10, "currency": "JPY", "lineItems": ["li_test_x"]}
    )
    assert bad.status_code == 400 and bad.json()["errorCode"] == "request.invalid"


def test_capture_and_refund_of_zero_are_refused(api: Api) -> None:
    order = authorized_order(api, 1000, "manual")
    zero = api.post("/payments", {"order": order["id"], "amount": 0, "currency": "JPY"})
    assert zero.status_code == 400 and zero.json()["errorCode"] == "request.invalid"
    assert zero.json()["details"] == ["amount must be at least 1"]
    payment = api.ok("POST", "/payments", {"order": order["id"], "amount": 1000, "currency": "JPY"})
    refund = api.post(
        "/refunds", {"payment": payment["id"], "amount": 0, "currency": "JPY", "reason": "fraudulent"}
    )
    assert refund.status_code == 400 and refund.json()["details"] == ["amount must be at least 1"]
