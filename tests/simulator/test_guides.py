"""The official guides, end to end, over HTTP (spec §3, §11)."""

from __future__ import annotations

import re

from .conftest import Api, order_payload, session_payload, token_session_payload


def shopper_login(api: Api) -> dict[str, str]:
    response = api.http.post(
        api.sim.api_base + "/consumers/auth/login",
        json={"emailAddress": "taro@example.jp", "password": "password"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer " + response.json()["accessToken"]}


def test_token_guide_checkout_approve_then_orders_with_the_token(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload(locale="ja"))
    assert session["object"] == "checkoutSession"
    assert re.fullmatch(r"checkout_test_[0-9A-Za-z]{22}", session["id"])
    token = session["token"]
    assert token["object"] == "token" and token["status"] == "requires_authorization"
    assert re.fullmatch(r"paytok_test_[0-9A-Za-z]{22}", token["id"])
    assert token["reference"] == "token-ref"
    assert session["url"].startswith(api.sim.origin + "/checkout/" + session["id"] + ".")

    bearer = shopper_login(api)
    approved = api.http.put(api.sim.api_base + f"/tokens/{token['id']}/approve", headers=bearer)
    assert approved.status_code == 200 and approved.json()["status"] == "active"

    automatic = api.ok("POST", "/orders", order_payload(token["id"]))
    assert automatic["status"] == "succeeded"
    assert automatic["tokenId"] == token["id"]
    assert automatic["amount"] == 1500 and len(automatic["payments"]) == 1
    assert automatic["lineItems"][0]["object"] == "lineItem"  # POST /orders answers expanded (§11)
    payment = api.ok("GET", f"/payments/{automatic['payments'][0]['id']}")
    assert (
        payment["amount"] == 1500 and payment["status"] == "processed" and payment["order"] == automatic["id"]
    )

    manual = api.ok("POST", "/orders", order_payload(token["id"], captureMethod="manual"))
    assert manual["status"] == "requires_capture" and manual["payments"] == []
    assert manual["expiresAt"] - manual["updatedAt"] == 7 * 24 * 3600 * 1000

    assert api.ok("GET", f"/tokens/{token['id']}")["status"] == "active"
    session_again = api.ok("GET", f"/checkout-sessions/{session['id']}")
    assert session_again["token"] == token["id"]


def test_standard_checkout_manual_capture_refunds_and_cancel(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    order = session["order"]
    assert order["status"] == "requires_authorization" and "expiresAt" not in order
    assert order["lineItems"][0]["object"] == "lineItem"
    assert order["lineItems"][0]["price"]["product"]["name"] == "セーター"

    bearer = shopper_login(api)
    authorized = api.http.post(
        api.sim.api_base + f"/orders/{order['id']}/authorizations",
        json={"paymentMethod": "pm_test_visaApproved", "paymentPlan": "pay_in_three"},
        headers=bearer,
    )
    assert authorized.status_code == 200 and authorized.json()["status"] == "requires_capture"

    first = api.ok(
        "POST",
        "/payments",
        {"order": order["id"], "amount": 150, "currency": "JPY", "cancelRemainder": "manual"},
    )
    second = api.ok(
        "POST",
        "/payments",
        {"order": order["id"], "amount": 151, "currency": "JPY", "cancelRemainder": "manual"},
    )
    assert first["object"] == "payment" and second["amount"] == 151
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "requires_capture"

    refund = api.ok(
        "POST",
        "/refunds",
        {"payment": first["id"], "amount": 100, "currency": "JPY", "reason": "requested_by_customer"},
    )
    assert (
        refund["object"] == "refund" and refund["status"] == "succeeded" and refund["payment"] == first["id"]
    )
    assert api.ok("GET", f"/payments/{first['id']}")["status"] == "processed"

    over = api.post(
        "/refunds", {"payment": first["id"], "amount": 51, "currency": "JPY", "reason": "fraudulent"}
    )
    assert over.status_code == 403 and over.json()["errorCode"] == "amount.insufficient"

    api.ok(
        "POST", "/refunds", {"payment": first["id"], "amount": 50, "currency": "JPY", "reason": "fraudulent"}
    )
    assert api.ok("GET", f"/payments/{first['id']}")["status"] == "refunded"
    assert len(api.ok("GET", f"/payments/{first['id']}")["refunds"]) == 2

    cancelled = api.ok("PUT", f"/orders/{order['id']}/cancellation")
    assert cancelled["status"] == "succeeded"
    again = api.post("/payments", {"order": order["id"], "amount": 1, "currency": "JPY"})
    assert again.status_code == 409 and again.json()["errorCode"] == "order.cannot-capture"


def test_coupon_and_promotion_code_guide(api: Api) -> None:
    coupon = api.ok(
        "POST",
        "/coupons",
        {"name": "春のセール", "discountType": "amount", "discountAmount": 300, "currency": "JPY"},
    )
    assert coupon["object"] == "coupon" and coupon["active"] is True and coupon["redemptionCount"] == 0
    assert api.ok("GET", f"/coupons/{coupon['id']}") == coupon
    updated = api.ok(
        "PATCH", f"/coupons/{coupon['id']}", {"name": "Spring sale", "active": False, "metadata": {"a": "1"}}
    )
    assert (updated["name"], updated["active"], updated["metadata"]) == ("Spring sale", False, {"a": "1"})
    percentage = api.ok(
        "POST", "/coupons", {"name": "10%", "discountType": "percentage", "discountPercentage": 10}
    )
    listed = api.ok("GET", "/coupons")
    assert [c["id"] for c in listed["data"]] == [percentage["id"], coupon["id"]]

    code = api.ok(
        "POST", "/promotion-codes", {"coupon": coupon["id"], "code": "SPRING.2024", "minimumAmount": 1000}
    )
    assert code["object"] == "promotionCode" and code["active"] is True and code["coupon"] == coupon["id"]
    assert re.fullmatch(r"promotioncode_test_[0-9A-Za-z]{22}", code["id"])
    assert api.ok("GET", f"/promotion-codes/{code['id']}") == code
    patched = api.ok("PATCH", f"/promotion-codes/{code['id']}", {"active": False, "metadata": {"k": "v"}})
    assert patched["active"] is False and patched["metadata"] == {"k": "v"}
    assert api.ok("GET", "/promotion-codes")["data"][0]["id"] == code["id"]

    clash = api.post("/promotion-codes", {"coupon": percentage["id"], "code": "spring.2024"})
    assert clash.status_code == 409 and clash.json()["errorCode"] == "promotion-code.exists"
    missing = api.post("/promotion-codes", {"coupon": "coupon_test_doesNotExist0000000000", "code": "OTHER"})
    assert missing.status_code == 404 and missing.json()["errorCode"] == "coupon.not-found"


def test_webhook_endpoint_lifecycle(api: Api) -> None:
    created = api.ok(
        "POST",
        "/webhook-endpoints",
        {
            "url": "https://shop.example.jp/hooks",
            "eventSubscriptions": ["order.authorized"],
            "description": "main",
        },
    )
    assert created["object"] == "webhookEndpoint" and created["active"] is True
    assert re.fullmatch(r"[A-Za-z0-9]{35,41}", created["signingSecret"])
    fetched = api.ok("GET", f"/webhook-endpoints/{created['id']}")
    assert fetched["signingSecret"] == created["signingSecret"]
    updated = api.ok(
        "PATCH", f"/webhook-endpoints/{created['id']}", {"active": False, "url": "https://shop.example.jp/h2"}
    )
    assert updated["active"] is False and updated["url"] == "https://shop.example.jp/h2"
    assert api.ok("GET", f"/webhook-endpoints/{created['id']}")["active"] is False
    assert [e["id"] for e in api.ok("GET", "/webhook-endpoints")["data"]] == [created["id"]]

    deleted = api.delete(f"/webhook-endpoints/{created['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = api.get(f"/webhook-endpoints/{created['id']}")
    assert gone.status_code == 404 and gone.json()["errorCode"] == "webhook-endpoint.not-found"
    assert api.ok("GET", "/webhook-endpoints")["data"] == []


def test_token_management_disable_enable_delete(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    token_id = session["token"]["id"]
    pending = api.put(f"/tokens/{token_id}/disable")
    assert pending.status_code == 404 and pending.json()["errorCode"] == "token.not-found"
    assert api.ok("GET", "/tokens")["data"] == []

    api.sim.approve_token(token_id)
    disabled = api.put(f"/tokens/{token_id}/disable")
    assert disabled.status_code == 200 and disabled.content == b""
    assert api.ok("GET", f"/tokens/{token_id}")["status"] == "disabled"
    refused = api.post("/orders", order_payload(token_id))
    assert refused.status_code == 404 and refused.json()["errorCode"] == "token.not-found"

    enabled = api.put(f"/tokens/{token_id}/enable")
    assert enabled.status_code == 200 and enabled.content == b""
    assert api.ok("GET", "/tokens")["data"][0]["status"] == "active"

    deleted = api.delete(f"/tokens/{token_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    for response in (
        api.get(f"/tokens/{token_id}"),
        api.put(f"/tokens/{token_id}/enable"),
        api.delete(f"/tokens/{token_id}"),
    ):
        assert response.status_code == 404 and response.json()["errorCode"] == "token.not-found"
    assert api.ok("GET", "/tokens")["data"] == []
    assert api.post("/orders", order_payload(token_id)).json()["errorCode"] == "token.not-found"
