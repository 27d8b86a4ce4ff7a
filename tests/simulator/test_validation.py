"""Bad input gets 400 with details, never a 5xx (spec §5, §11)."""

from __future__ import annotations

import pytest

from .conftest import ADDRESS, Api, item, session_payload


def details(response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "request.invalid" and body["statusCode"] == 400
    return body["details"]


def test_error_body_is_compact_json(api: Api) -> None:
    response = api.get("/orders/order_test_nope")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content.startswith(b'{"statusCode":404,"errorCode":"order.not-found","message":')


def test_japanese_text_is_written_unescaped(api: Api) -> None:
    response = api.post(
        "/coupons", {"name": "春のセール", "discountType": "percentage", "discountPercentage": 5}
    )
    assert "春のセール".encode() in response.content


def test_missing_fields_are_all_named(api: Api) -> None:
    listed = details(api.post("/checkout-sessions", {}))
    assert (
        "amount is required" in listed
        and "successUrl is required" in listed
        and "items is required" in listed
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"amount": -1}, "amount must be at least 0"),
        ({"amount": "1000"}, "amount must be an integer"),
        ({"currency": "USD"}, "currency must be JPY"),
        ({"captureMethod": "autommatic"}, "captureMethod must be one of: automatic, manual"),
        ({"items": []}, "items must have between 1 and 50 entries"),
        ({"items": [item()] * 51}, "items must have between 1 and 50 entries"),
        ({"reference": "x" * 41}, "reference must be at most 40 characters"),
        ({"description": ""}, "description must not be empty"),
        ({"locale": "fr"}, "locale must be one of: en, ja"),
        ({"successUrl": "javascript:alert(1)"}, "successUrl must be an absolute http(s) URL"),
        ({"metadata": {str(i): i for i in range(21)}}, "metadata must have at most 20 keys"),
        (
            {"shippingInfo": {"address": {**ADDRESS, "country": "US"}}},
            "shippingInfo.address.country must be JP",
        ),
        ({"shippingInfo": {}}, "shippingInfo.address is required"),
        (
            {"customerInfo": {"dateOfBirth": "1985-13-01"}},
            "customerInfo.dateOfBirth must be a date written YYYY-MM-DD",
        ),
    ],
)
def test_invalid_checkout_fields(api: Api, change: dict, expected: str) -> None:
    assert expected in details(api.post("/checkout-sessions", session_payload(**change)))


def test_items_need_a_product_and_valid_fields(api: Api) -> None:
    only_tax = session_payload(100, items=[item(amount=100, kind="tax")])
    assert "items must contain at least one item of kind product" in details(
        api.post("/checkout-sessions", only_tax)
    )
    broken = session_payload(items=[{"amount": 1.5, "quantity": -1, "kind": "gift"}])
    listed = details(api.post("/checkout-sessions", broken))
    assert "items[0].name is required" in listed
    assert "items[0].amount must be an integer" in listed
    assert "items[0].currency is required" in listed
    assert "items[0].kind must be one of: product, discount, tax" in listed


def test_amount_may_differ_from_items_and_fee_unless_strict(api: Api) -> None:
    payload = session_payload(
        1250,
        items=[item(amount=1000), item("割引", 100, kind="discount"), item("消費税", 250, kind="tax")],
        shippingInfo={"address": ADDRESS, "feeAmount": 100},
    )
    assert api.post("/checkout-sessions", payload).status_code == 200
    payload["amount"] = 1100  # a grand total after a cart discount that is not an item (Magento)
    assert api.ok("POST", "/checkout-sessions", payload)["order"]["amount"] == 1100
    api.sim.strict_amounts = True
    payload["amount"] = 1300
    assert details(api.post("/checkout-sessions", payload)) == [
        "amount (1300) must equal the sum of the items and the shipping fee (1250)"
    ]


def test_customer_aliases_are_stored_under_canonical_names(api: Api) -> None:
    payload = session_payload(customerInfo={"email": "taro@example.jp", "phone": "+818000000000"})
    payload["customerInfo"]["gender"] = "male"
    stored = api.ok("POST", "/checkout-sessions", payload)["customerInfo"]
    assert stored == {
        "emailAddress": "taro@example.jp",
        "phoneNumber": "+818000000000",
        "legalGender": "male",
    }
    both = session_payload(customerInfo={"email": "alias@example.jp", "emailAddress": "canonical@example.jp"})
    assert api.ok("POST", "/checkout-sessions", both)["customerInfo"] == {
        "emailAddress": "canonical@example.jp"
    }
    refused = api.post("/checkout-sessions", session_payload(customerInfo={"gender": "robot"}))
    assert refused.status_code == 400


def test_quantity_defaults_to_one_and_lowercase_codes_are_accepted(api: Api) -> None:
    payload = session_payload(2000, items=[{"name": "a", "amount": 1000, "currency": "jpy", "quantity": 2}])
    payload["shippingInfo"] = {"address": {**ADDRESS, "country": "jp"}, "feeCurrency": "jpy"}
    order = api.ok("POST", "/checkout-sessions", payload)["order"]
    assert order["lineItems"][0]["quantity"] == 2 and order["lineItems"][0]["currency"] == "JPY"
    single = session_payload(1000, items=[{"name": "a", "amount": 1000, "currency": "JPY"}])
    assert api.ok("POST", "/checkout-sessions", single)["order"]["lineItems"][0]["quantity"] == 1


def test_nulls_and_unknown_fields_are_ignored(api: Api) -> None:
    payload = session_payload(
        captureMethod=None,
        description=None,
        metadata=None,
        promotionCode="SPRING",
        tokenType="recurring",
        customerInfo={"email": "alias@example.jp", "gender": "male", "address": None, "emailAddress": None},
    )
    payload["items"][0]["brand"] = None
    session = api.ok("POST", "/checkout-sessions?dev-lang=python&sdk-version=0.8.1", payload)
    # loose aliases are accepted and stored canonically (§11, revised); a null canonical name is absent
    assert session["customerInfo"] == {"emailAddress": "alias@example.jp", "legalGender": "male"}
    assert "promotionCode" not in session and "tokenType" not in session
    assert session["order"]["metadata"] == {} and "description" not in session["order"]


def test_required_null_is_missing(api: Api) -> None:
    assert "successUrl is required" in details(
        api.post("/checkout-sessions", session_payload(successUrl=None))
    )


def test_token_session_validation(api: Api) -> None:
    listed = details(api.post("/checkout-sessions", {"mode": "token"}))
    assert listed == ["successUrl is required", "cancelUrl is required"]
    assert details(api.post("/checkout-sessions", {"mode": "subscription"})) == ["mode must be one of: token"]


def test_malformed_json(api: Api) -> None:
    for raw in (b"{not json", b'{"a": NaN}', b"\xff\xfe", b'{"a":1'):
        response = api.post("/coupons", data=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["errorCode"] == "request.malformed", raw


def test_body_must_be_an_object(api: Api) -> None:
    assert details(api.post("/coupons", [1, 2])) == ["the request body must be a JSON object"]


def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    for method, path in (("GET", "/nothing"), ("POST", "/orders/x/y/z"), ("GET", "/v2/orders")):
        response = api.http.request(
            method, api.sim.origin + ("/v1" + path if not path.startswith("/v2") else path)
        )
        assert response.status_code == 404 and response.json()["statusCode"] == 404
    wrong = api.delete("/orders")
    assert wrong.status_code == 405 and wrong.json()["statusCode"] == 405


def test_malformed_ids_are_not_found(api: Api) -> None:
    for path, code in (
        ("/checkout-sessions/%20", "checkout-session.not-found"),
        ("/payments/nope", "payment.not-found"),
        ("/refunds/refund_test_x", "refund.not-found"),
        ("/coupons/x", "coupon.not-found"),
        ("/promotion-codes/x", "promotion-code.not-found"),
        ("/tokens/x", "token.not-found"),
        ("/webhook-endpoints/x", "webhook-endpoint.not-found"),
    ):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["errorCode"] == code


def test_coupon_and_promotion_code_validation(api: Api) -> None:
    assert "discountAmount is required" in details(
        api.post("/coupons", {"name": "x", "discountType": "amount"})
    )
    assert "currency is required" in details(
        api.post("/coupons", {"name": "x", "discountType": "amount", "discountAmount": 5})
    )
    assert "discountPercentage must be between 0 and 100" in details(
        api.post("/coupons", {"name": "x", "discountType": "percentage", "discountPercentage": 101})
    )
    assert "discountType must be one of: amount, percentage" in details(
        api.post("/coupons", {"name": "x", "discountType": "free"})
    )
    assert "code must be at most 100 characters" in details(
        api.post("/promotion-codes", {"coupon": "c", "code": "x" * 101})
    )
    coupon = api.ok("POST", "/coupons", {"name": "x", "discountType": "percentage", "discountPercentage": 5})
    assert details(api.patch(f"/coupons/{coupon['id']}", {"active": "yes"})) == ["active must be a boolean"]


def test_webhook_endpoint_validation(api: Api) -> None:
    assert "url is required" in details(api.post("/webhook-endpoints", {}))
    assert "eventSubscriptions has unknown values: order.created" in details(
        api.post(
            "/webhook-endpoints", {"url": "https://a.example/h", "eventSubscriptions": ["order.created"]}
        )
    )


def test_list_parameters(api: Api) -> None:
    for query in (
        "maxResults=0",
        "maxResults=101",
        "maxResults=abc",
        "expand=everything",
        "pageToken=unknown",
    ):
        response = api.get("/orders?" + query)
        assert response.status_code == 400 and response.json()["errorCode"] == "request.invalid", query
