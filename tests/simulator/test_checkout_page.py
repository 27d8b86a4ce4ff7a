"""The hosted checkout page: HTML, Approve/Reject forms, redirects and promotion codes (§6, §11)."""

from __future__ import annotations

import re

import pytest

from django_smartpay.simulator import Simulator
from django_smartpay.simulator.server import parse_args

from .conftest import ADDRESS, Api, order_payload, session_payload, token_session_payload


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
    assert "Test Merchant" in html and "¥1,500" in html and "セーター" in html
    assert "&lt;b&gt;Socks&lt;/b&gt;" in html and "<b>Socks" not in html
    assert html.count('<form method="post"') == 3 and 'value="approve"' in html and 'value="reject"' in html
    assert "<script" not in html


def test_approve_authorizes_and_redirects_to_success(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    response = press(api, session["url"], "approve")
    assert response.status_code == 303 and response.headers["Location"] == "https://shop.example.jp/success"
    assert api.ok("GET", f"/orders/{session['order']['id']}")["status"] == "requires_capture"
    shown = page(api, session["url"]).text
    assert 'data-result="approved"' in shown and 'href="https://shop.example.jp/success"' in shown
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


# --- The page as a person uses it: merchant, address, languages, choices and results -----------


def submit(api: Api, url: str, action: str, **fields: str):
    """Press a button the way a browser does (the page's own form fields included)."""
    html = page(api, url).text
    forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', html)
    path, inputs = next(form for form in forms if f'name="action" value="{action}"' in form[1])
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', inputs))
    return api.http.post(api.sim.origin + path, data={**data, **fields}, allow_redirects=False)


def test_merchant_name_and_shipping_address(sim, api: Api) -> None:
    sim.merchant_name = "抹茶 <Tea> & Co."
    customer = {"emailAddress": "taro@example.jp", "firstName": "太郎", "lastName": "山田"}
    session = api.ok("POST", "/checkout-sessions", session_payload(customerInfo=customer))
    html = page(api, session["url"]).text
    assert '<h1 id="merchant">抹茶 &lt;Tea&gt; &amp; Co.</h1>' in html and "<Tea>" not in html
    assert "Test Merchant" not in html
    address = re.search(r'<address id="shipping-address">(.*?)</address>', html).group(1)
    assert address.split("<br>") == ["山田 太郎", ADDRESS["line1"], "港区", "105-6415 Japan"]
    japanese = page(api, session["url"] + "?lang=ja").text
    address = re.search(r'<address id="shipping-address">(.*?)</address>', japanese).group(1)
    assert address.split("<br>") == ["〒105-6415", "港区", ADDRESS["line1"], "山田 太郎"]


def test_merchant_name_is_checked() -> None:
    assert Simulator(merchant_name="  Tea Shop ").merchant_name == "Tea Shop"
    for bad in ("", "   ", "x" * 101, "Tea\nShop", None):
        with pytest.raises(ValueError, match="merchant_name"):
            Simulator(merchant_name=bad)  # type: ignore[arg-type]
    assert parse_args(["--merchant-name", "お茶の店"]).merchant_name == "お茶の店"
    assert parse_args([]).merchant_name == "Test Merchant"
    with pytest.raises(SystemExit):
        parse_args(["--merchant-name", " "])


def test_language_switch_locale_and_accept_language(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload())
    english = page(api, session["url"]).text
    assert '<html lang="en">' in english and ">Approve</button>" in english and 'id="lang-ja"' in english
    ja = api.http.get(session["url"], headers={"Accept-Language": "fr;q=1, ja;q=0.8, en;q=0.5"}).text
    assert '<html lang="ja">' in ja and ">承認する</button>" in ja and ">拒否する</button>" in ja
    assert "お届け先" in ja and "合計" in ja and "Approve" not in ja
    switched = api.http.get(session["url"] + "?lang=en", headers={"Accept-Language": "ja"}).text
    assert '<html lang="en">' in switched
    for header in ("ja;q=0", "ja;q=abc, en", "*", ";;;,", "x" * 5000):
        assert '<html lang="en">' in api.http.get(session["url"], headers={"Accept-Language": header}).text
    hostile = page(api, session["url"] + "?lang=<script>").text
    assert '<html lang="en">' in hostile and "<script" not in hostile
    # The session's locale is the merchant's choice: it beats the browser, not the switch.
    localized = api.ok("POST", "/checkout-sessions", session_payload(locale="ja"))
    assert '<html lang="ja">' in api.http.get(localized["url"], headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in page(api, localized["url"] + "?lang=en").text


def test_approving_on_the_page_shows_the_result_and_goes_back_to_the_shop(sim, api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, locale="ja"))
    response = submit(api, session["url"], "approve")
    assert response.status_code == 303
    assert response.headers["Location"] == session["url"] + "?lang=ja"
    assert api.ok("GET", f"/orders/{session['order']['id']}")["status"] == "succeeded"
    html = page(api, response.headers["Location"]).text
    assert 'data-result="approved"' in html and "お支払いが承認されました" in html
    assert '<a class="button primary" id="continue" href="https://shop.example.jp/success">' in html
    assert '<meta http-equiv="refresh" content="3;url=https://shop.example.jp/success">' in html
    assert "に戻ります" in html
    sim.checkout_forward_seconds = None  # a person reads it and clicks
    html = page(api, response.headers["Location"]).text
    assert 'http-equiv="refresh"' not in html and "に戻ります" not in html and 'id="continue"' in html


def test_rejecting_on_the_page_says_rejected_and_links_back(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000))
    response = submit(api, session["url"], "reject")
    assert response.status_code == 303 and response.headers["Location"] == session["url"] + "?lang=en"
    html = page(api, response.headers["Location"]).text
    assert 'data-result="rejected"' in html and "Payment rejected" in html and "Nothing was charged" in html
    assert (
        '<a class="button" id="back" href="https://shop.example.jp/cancel">Back to Test Merchant</a>' in html
    )
    assert "cancel" not in html.replace("shop.example.jp/cancel", "").lower()
    assert 'http-equiv="refresh"' not in html and 'id="approve"' not in html
    again = api.http.post(session["url"], data={"action": "approve", "via": "page"}, allow_redirects=False)
    assert again.status_code == 409 and 'id="to-result"' in again.text


def test_soft_decline_on_the_page_keeps_the_language(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000))
    response = submit(api, session["url"] + "?lang=ja", "soft_decline")
    assert response.headers["Location"] == session["url"] + "?lang=ja&declined=soft"
    html = page(api, response.headers["Location"]).text
    assert "お支払いが承認されませんでした" in html and 'id="approve"' in html


def test_token_checkout_lets_the_tester_pick_later_outcomes(sim, api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    html = page(api, session["url"]).text
    assert 'id="soft-decline"' not in html and html.count('<form method="post"') == 2
    assert re.findall(r'name="outcome" value="(\w+)"', html) == [
        "approve",
        "decline",
        "soft_decline",
        "unusable",
    ]
    assert 'value="approve" id="outcome-approve" checked' in html
    response = submit(api, session["url"], "approve", outcome="soft_decline")
    assert response.status_code == 303
    token_id = session["token"]["id"]
    assert api.ok("GET", f"/tokens/{token_id}")["status"] == "active"
    assert sim.token_outcome(token_id) == ("soft_decline", None)
    result = page(api, response.headers["Location"]).text
    assert "Payment method saved" in result and 'id="later-outcome"' in result and "Soft-declined" in result
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "requires_authorization"


def test_token_checkout_shows_a_rule_set_beforehand_and_keeps_it(sim, api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    token_id = session["token"]["id"]
    sim.set_token_outcome(token_id, "decline", count=1)
    assert 'value="decline" id="outcome-decline" checked' in page(api, session["url"]).text
    submit(api, session["url"], "approve", outcome="decline")
    assert sim.token_outcome(token_id) == ("decline", 1)  # unchanged: one declined order, then approvals
    assert api.ok("POST", "/orders", order_payload(token_id))["status"] == "rejected"
    assert api.ok("POST", "/orders", order_payload(token_id, reference="charge-2"))["status"] == "succeeded"


def test_rejecting_a_token_checkout(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", token_session_payload())
    html = page(api, submit(api, session["url"] + "?lang=ja", "reject").headers["Location"]).text
    assert "お支払い方法は登録されませんでした" in html and 'data-result="rejected"' in html
    assert api.ok("GET", f"/tokens/{session['token']['id']}")["status"] == "rejected"


def test_bad_form_values_are_refused(sim, api: Api) -> None:
    order = api.ok("POST", "/checkout-sessions", session_payload())
    token = api.ok("POST", "/checkout-sessions", token_session_payload())
    for url, data in (
        (order["url"], {"action": "approve", "outcome": "decline"}),  # outcomes are for tokens
        (token["url"], {"action": "approve", "outcome": "bankrupt"}),
        (token["url"], {"action": "soft_decline"}),
        (order["url"], {"action": "approve\u0000"}),
        (order["url"], {"action": "承認"}),
    ):
        refused = api.http.post(url, data=data, allow_redirects=False)
        assert refused.status_code == 400 and "Unknown action" in refused.text, data
    assert api.ok("GET", f"/orders/{order['order']['id']}")["status"] == "requires_authorization"
    assert sim.token_outcome(token["token"]["id"]) == ("approve", None)
    japanese = api.http.post(order["url"], data={"action": "x", "lang": "ja"}, allow_redirects=False)
    assert japanese.status_code == 400 and "不明な操作です" in japanese.text
    assert api.http.put(order["url"], allow_redirects=False).status_code == 405
    missing = api.http.get(order["url"][:-3] + "xyz", headers={"Accept-Language": "ja"})
    assert missing.status_code == 404 and "チェックアウトが見つかりません" in missing.text


def test_urls_are_escaped_on_the_result_page(sim, api: Api) -> None:
    sneaky = 'https://shop.example.jp/ok?a="><script>alert(1)</script>'
    session = api.ok("POST", "/checkout-sessions", session_payload(successUrl=sneaky))
    html = page(api, submit(api, session["url"], "approve").headers["Location"]).text
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


def test_promotion_code_messages_in_japanese(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000))
    html = page(api, f"{session['url']}?promotion-code=NOPE&lang=ja").text
    assert "プロモーションコード NOPE は存在しません。" in html


def test_a_checkout_closed_by_the_merchant_says_so_and_links_back(api: Api) -> None:
    session = api.ok("POST", "/checkout-sessions", session_payload(1000, "manual"))
    api.sim.authorize_order(session["order"]["id"])
    api.ok("PUT", f"/orders/{session['order']['id']}/cancellation")
    html = page(api, session["url"]).text
    assert 'data-result="closed"' in html and "status: canceled" in html
    assert 'id="back" href="https://shop.example.jp/cancel"' in html and 'id="approve"' not in html


def test_the_control_api_names_the_merchant(sim, api: Api) -> None:
    control = sim.origin + "/_simulator/merchant"
    assert api.http.get(control).json() == {"name": "Test Merchant"}
    named = api.http.post(control, json={"name": " Matcha & Co. 抹茶 "})
    assert named.status_code == 200 and named.json() == {"name": "Matcha & Co. 抹茶"}
    session = api.ok("POST", "/checkout-sessions", session_payload())
    assert '<h1 id="merchant">Matcha &amp; Co. 抹茶</h1>' in page(api, session["url"]).text
    for bad in ({"name": ""}, {"name": 7}, {}, {"name": "a\u0000b"}, {"name": "x" * 101}):
        refused = api.http.post(control, json=bad)
        assert refused.status_code == 400 and refused.json()["errorCode"] == "request.invalid", bad
    assert sim.merchant_name == "Matcha & Co. 抹茶"
