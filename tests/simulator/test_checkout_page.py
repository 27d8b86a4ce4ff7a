"""The hosted checkout page: HTML, Approve/Reject forms, redirects and promotion codes (§6, §11)."""

from __future__ import annotations

import re

from .conftest import Api, session_payload, token_session_payload


def page(api: Api, url: str):
    return api.http.get(url, allow_redirects=False)


def press(api: Api, url: str, action: str):
    path = re.search(r'<form method="post" action="([^"]+)"', page(api, url).text).group(1)
    return api.http.post(api.sim.origin + path, data={"action": action}, allow_redirects=False)


def test_page_shows_merchant_amount_and_items(api: Api) -> None:
    session = api.ok(
        "POST",
        "/checkout-sessions",
        session_payload(
            1500,
            items=[
                {"name": "セーター", "amount": 1000, "currency": "JPY", "quantity": 1},
                {"name": "<b>Socks</b>", "amount": 250, "currency": "JPY", "quantity": 2},
            ],
        ),
    )
    response = page(api, session["url"])
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.text
    assert "Smartpay Simulator Test Shop" in html and "¥1,500" in html and "セーター" in html
    assert "&lt;b&gt;Socks&lt;/b&gt;" in html and "<b>Socks" not in html
    assert html.count('<form method="post"') == 3 and 'value="approve"' in html and 'value="reject"' in html
    assert "<script" not in html


def test_approve_authorizes_and_redirects_to_success(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    response = press(api, session["url"], "approve")
    assert response.status_code == 303 and response.headers["Location"] == "https://shop.example.jp/success"
    assert api.ok("GET", f"/orders/{session['order']['id']}")["status"] == "requires_capture"
    assert "This checkout is complete (status: requires_capture)" in page(api, session["url"]).text
    again = api.http.post(response.request.url, data={"action": "approve"}, allow_redirects=False)
    assert again.status_code == 303


def test_reject_rejects_and_redirects_to_cancel(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000))
    response = press(api, session["url"], "reject")
    assert response.status_code == 303 and response.headers["Location"] == "https://shop.example.jp/cancel"
    assert api.ok("GET", f"/orders/{session['order']['id']}")["status"] == "rejected"
    late = api.http.post(response.request.url, data={"action": "approve"}, allow_redirects=False)
    assert late.status_code == 409 and "text/html" in late.headers["Content-Type"]


def test_token_page_explains_and_approves(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    assert "Nothing is charged now" in page(api, session["url"]).text
    response = press(api, session["url"], "approve")
    assert response.status_code == 303 and response.headers["Location"] == "https://shop.example.jp/success"
    assert api.ok("GET", f"/tokens/{session['token']['id']}")["status"] == "active"


def test_tampered_link_is_not_found(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload())
    assert page(api, session["url"][:-3] + "xyz").status_code == 404
    assert page(api, api.sim.origin + "/checkout/" + session["id"]).status_code == 404
    assert api.http.post(session["url"], data={"action": "steal"}, allow_redirects=False).status_code == 400


def make_code(api: Api, code: str, coupon: dict, **extra) -> dict:
    made = api.ok("POST", "/coupons", coupon)
    return api.ok("POST", "/promotion-codes", {"coupon": made["id"], "code": code, **extra})


def test_promotion_code_discounts_the_order(api: Api) -> None:
    code = make_code(api, "SPRING10", {"name": "10%", "discountType": "percentage", "discountPercentage": 10})
    session = api.ok("POST", "/checkout-sessions", session_payload(1999, "manual"))
    html = page(api, session["url"] + "?promotion-code=spring10").text
    assert 'id="total">¥1,800<' in html and "¥-199" in html
    order = api.ok("GET", f"/orders/{session['order']['id']}?expand=all")
    assert order["amount"] == 1800 and order["discountAmount"] == 199
    assert (
        order["discounts"][0]["object"] == "discount" and order["discounts"][0]["promotionCode"] == code["id"]
    )
    press(api, session["url"] + "?promotion-code=spring10", "approve")
    assert api.ok("GET", f"/promotion-codes/{code['id']}")["redemptionCount"] == 1
    assert api.ok("GET", f"/coupons/{code['coupon']}")["redemptionCount"] == 1
    assert api.post("/payments", {"order": order["id"], "amount": 1801, "currency": "JPY"}).status_code == 409


def test_invalid_promotion_codes_show_a_message(api: Api) -> None:
    amount_coupon = {"name": "300", "discountType": "amount", "discountAmount": 300, "currency": "JPY"}
    make_code(api, "BIG", amount_coupon, minimumAmount=5000)
    make_code(api, "OFF", amount_coupon, active=False)
    make_code(api, "OLD", amount_coupon, expiresAt=api.sim.clock.now_ms() - 1)
    session = api.ok("POST", "/checkout-sessions", session_payload(1000))
    for code, message in (
        ("NOPE", "does not exist"),
        ("BIG", "at least ¥5,000"),
        ("OFF", "no longer active"),
        ("OLD", "has expired"),
    ):
        response = page(api, f"{session['url']}?promotion-code={code}")
        assert response.status_code == 200 and message in response.text, code
    assert api.ok("GET", f"/orders/{session['order']['id']}")["amount"] == 1000
