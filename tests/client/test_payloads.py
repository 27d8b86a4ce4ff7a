"""Loose → strict normalisation, amount computation, aliases and None pruning.

Most tests send the payload through the client to the loopback server and inspect the
JSON that actually went over the wire.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_smartpay.client import SmartpayValidationError, payloads

from .conftest import ORDER_ID, TOKEN_ID, checkout_payload

ADDRESS = {"line1": "1-2-3", "locality": "Shibuya", "postalCode": "150-0001", "country": "JP"}


def contains_none(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(contains_none(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_none(item) for item in value)
    return False


def test_loose_payload_becomes_the_strict_body(client, server):
    server.reply(200, {"id": "checkout_test_abc", "url": "https://checkout.example/checkout_test_abc.x.y"})
    client.create_checkout_session(
        {
            "currency": "jpy",
            "items": [
                {"name": "Sneaker", "amount": 1000},
                {"name": "Coupon", "amount": 100, "kind": "discount"},
                {"name": "Tax", "amount": 250, "kind": "tax", "quantity": 1},
            ],
            "shippingInfo": {**ADDRESS, "feeAmount": 100, "addressType": "home"},
            "customerInfo": {"email": "taro@example.jp", "phone": "+819012345678", "gender": "male"},
            "successUrl": "https://shop.example/ok",
            "cancelUrl": "https://shop.example/cancel",
            "promotionCode": "SPRING",
            "reference": None,
        }
    )
    assert server.requests[0].json() == {
        "amount": 1250,
        "currency": "JPY",
        "items": [
            {"name": "Sneaker", "amount": 1000, "quantity": 1, "currency": "JPY"},
            {"name": "Coupon", "amount": 100, "kind": "discount", "quantity": 1, "currency": "JPY"},
            {"name": "Tax", "amount": 250, "kind": "tax", "quantity": 1, "currency": "JPY"},
        ],
        "shippingInfo": {"address": ADDRESS, "feeAmount": 100, "feeCurrency": "JPY", "addressType": "home"},
        "customerInfo": {
            "emailAddress": "taro@example.jp",
            "phoneNumber": "+819012345678",
            "legalGender": "male",
        },
        "successUrl": "https://shop.example/ok",
        "cancelUrl": "https://shop.example/cancel",
    }


def test_amount_is_sum_of_sign_amount_quantity_plus_fee(client, server):
    client.create_checkout_session(
        checkout_payload(
            items=[
                {"name": "A", "amount": 500, "quantity": 2},
                {"name": "B", "amount": 300},
                {"name": "Discount", "amount": 150, "quantity": 2, "kind": "discount"},
                {"name": "Tax", "amount": 80, "kind": "tax"},
            ],
            shippingInfo={"address": ADDRESS, "feeAmount": 500},
        )
    )
    assert server.requests[0].json()["amount"] == 1000 + 300 - 300 + 80 + 500


def test_given_amount_is_kept(client, server):
    client.create_checkout_session(checkout_payload(amount=999))
    assert server.requests[0].json()["amount"] == 999


def test_quantity_defaults_to_one_and_zero_is_kept(client, server):
    client.create_checkout_session(
        checkout_payload(items=[{"name": "A", "amount": 700}, {"name": "Gift", "amount": 300, "quantity": 0}])
    )
    body = server.requests[0].json()
    assert [item["quantity"] for item in body["items"]] == [1, 0]
    assert body["amount"] == 700


def test_currency_inherited_by_items_and_fee_and_upper_cased(client, server):
    client.create_checkout_session(
        checkout_payload(
            currency="jpy",
            items=[{"name": "A", "amount": 1}, {"name": "B", "amount": 2, "currency": "jpy"}],
            shippingInfo={"address": ADDRESS, "feeAmount": 10},
        )
    )
    body = server.requests[0].json()
    assert body["currency"] == "JPY"
    assert [item["currency"] for item in body["items"]] == ["JPY", "JPY"]
    assert body["shippingInfo"]["feeCurrency"] == "JPY"


def test_no_fee_currency_without_fee(client, server):
    client.create_checkout_session(checkout_payload())
    assert "feeCurrency" not in server.requests[0].json()["shippingInfo"]


def test_none_values_never_reach_the_body(client, server):
    client.create_checkout_session(
        checkout_payload(
            items=[{"name": "A", "amount": 1000, "brand": None, "images": None, "metadata": {"k": None}}],
            customerInfo={"emailAddress": None, "address": None, "firstName": "太郎"},
            shippingInfo={"address": {**ADDRESS, "line2": None}, "carrierName": None},
            captureMethod=None,
            description=None,
            metadata=None,
        ),
        reference=None,
    )
    body = server.requests[0].json()
    assert not contains_none(body)
    assert body["customerInfo"] == {"firstName": "太郎"}
    assert body["items"][0]["metadata"] == {}
    assert "太郎".encode() in server.requests[0].body  # UTF-8, not \\u escapes


def test_snake_case_keywords_become_camel_case_but_metadata_keys_do_not(client, server):
    client.create_checkout_session(
        currency="JPY",
        items=[{"name": "A", "amount": 100, "product_description": "d", "price_metadata": {"shop_sku": "x"}}],
        shipping_info={
            "address": {"line1": "a", "locality": "b", "postal_code": "1", "country": "JP"},
            "fee_amount": 5,
        },
        customer_info={"first_name_kana": "タロウ", "date_of_birth": dt.date(1990, 4, 1)},
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/cancel",
        capture_method="manual",
        metadata={"shop_order_id": "A-1"},
    )
    body = server.requests[0].json()
    assert body["captureMethod"] == "manual"
    assert body["successUrl"] == "https://shop.example/ok"
    assert body["shippingInfo"]["address"]["postalCode"] == "1"
    assert body["shippingInfo"]["feeAmount"] == 5
    assert body["customerInfo"] == {"firstNameKana": "タロウ", "dateOfBirth": "1990-04-01"}
    assert body["items"][0]["productDescription"] == "d"
    assert body["items"][0]["priceMetadata"] == {"shop_sku": "x"}
    assert body["metadata"] == {"shop_order_id": "A-1"}
    assert body["amount"] == 105


def test_keyword_arguments_override_the_payload(client, server):
    client.create_checkout_session(checkout_payload(reference="from-payload"), reference="from-kwargs")
    assert server.requests[0].json()["reference"] == "from-kwargs"


def test_integral_decimals_are_sent_as_ints(client, server):
    client.create_checkout_session(
        checkout_payload(items=[{"name": "A", "amount": Decimal("1200"), "quantity": Decimal("2")}])
    )
    body = server.requests[0].json()
    assert body["items"][0]["amount"] == 1200
    assert body["amount"] == 2400
    assert b"1200" in server.requests[0].body


def test_flat_shipping_address_is_wrapped(client, server):
    client.create_checkout_session(
        checkout_payload(shippingInfo={**ADDRESS, "line2": "Apt 4", "carrierName": "Yamato"})
    )
    assert server.requests[0].json()["shippingInfo"] == {
        "address": {**ADDRESS, "line2": "Apt 4"},
        "carrierName": "Yamato",
    }


def test_nested_shipping_address_is_kept(client, server):
    client.create_checkout_session(
        checkout_payload(shippingInfo={"address": ADDRESS, "addressType": "office"})
    )
    assert server.requests[0].json()["shippingInfo"] == {"address": ADDRESS, "addressType": "office"}


def test_same_alias_and_canonical_value_is_accepted(client, server):
    client.create_checkout_session(
        checkout_payload(customerInfo={"email": "a@example.jp", "emailAddress": "a@example.jp"})
    )
    assert server.requests[0].json()["customerInfo"] == {"emailAddress": "a@example.jp"}


def test_conflicting_alias_is_refused():
    with pytest.raises(SmartpayValidationError) as info:
        payloads.normalize_checkout_session(
            checkout_payload(customerInfo={"email": "a@example.jp", "emailAddress": "b@example.jp"})
        )
    assert any("customerInfo.email" in detail for detail in info.value.details)


def test_shipping_with_address_and_flat_fields_is_refused():
    with pytest.raises(SmartpayValidationError) as info:
        payloads.normalize_checkout_session(checkout_payload(shippingInfo={"address": ADDRESS, "line1": "x"}))
    assert any("flat address fields (line1)" in detail for detail in info.value.details)


def test_promotion_code_stays_out_of_the_body_and_goes_into_the_url(client, server):
    server.reply(200, {"id": "checkout_test_abc", "url": "https://checkout.example/checkout_test_abc.a.b"})
    session = client.create_checkout_session(checkout_payload(promotion_code="SPRING 10"))
    assert "promotionCode" not in server.requests[0].json()
    assert b"SPRING" not in server.requests[0].body
    assert session["url"] == "https://checkout.example/checkout_test_abc.a.b?promotion-code=SPRING+10"


def test_url_is_untouched_without_promotion_code(client, server):
    """Official SDK defect §9.1: the URL got ?promotion-code=%7B...%7D on every flat session."""
    url = "https://checkout.example/checkout_test_abc.a.b?demo=true"
    server.reply(200, {"id": "checkout_test_abc", "url": url})
    assert client.create_checkout_session(checkout_payload())["url"] == url


def test_idempotency_key_in_payload_becomes_the_header(client, server):
    client.create_checkout_session(checkout_payload(idempotencyKey="order-42-attempt-1"))
    assert server.requests[0].headers["idempotency-key"] == "order-42-attempt-1"
    assert "idempotencyKey" not in server.requests[0].json()


def test_token_mode_payload(client, server):
    server.reply(200, {"id": "checkout_test_tok", "token": {"id": TOKEN_ID}, "url": "https://c.example/t"})
    client.create_checkout_session(
        mode="token",
        success_url="https://shop.example/ok",
        cancel_url="https://shop.example/cancel",
        customer_info={"email": "a@example.jp"},
        reference="user-1",
        locale="ja",
    )
    assert server.requests[0].json() == {
        "mode": "token",
        "successUrl": "https://shop.example/ok",
        "cancelUrl": "https://shop.example/cancel",
        "customerInfo": {"emailAddress": "a@example.jp"},
        "reference": "user-1",
        "locale": "ja",
    }


def test_token_mode_needs_only_mode_and_urls(client, server):
    client.create_checkout_session(
        mode="token", success_url="https://a.example/ok", cancel_url="https://a.example/no"
    )
    assert server.requests[0].json() == {
        "mode": "token",
        "successUrl": "https://a.example/ok",
        "cancelUrl": "https://a.example/no",
    }


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ({"items": [{"name": "A", "amount": 1}]}, "items is not allowed when mode is 'token'"),
        ({"amount": 100}, "amount is not allowed when mode is 'token'"),
        ({"successUrl": None}, "successUrl is required"),
        ({"mode": "subscription"}, "mode must be one of token"),
    ],
)
def test_token_mode_rules(extra, detail):
    data = {
        "mode": "token",
        "successUrl": "https://a.example/ok",
        "cancelUrl": "https://a.example/no",
        **extra,
    }
    with pytest.raises(SmartpayValidationError) as info:
        payloads.normalize_checkout_session(payloads.prune_none(data))
    assert any(detail in item for item in info.value.details), info.value.details


def test_token_order_is_normalised_like_a_checkout(client, server):
    server.reply(200, {"id": ORDER_ID, "tokenId": TOKEN_ID, "status": "succeeded"})
    order = client.create_order(
        token=TOKEN_ID,
        currency="jpy",
        items=[
            {"name": "Monthly box", "amount": 3000},
            {"name": "Member discount", "amount": 300, "kind": "discount"},
        ],
        shipping_info={**ADDRESS, "fee_amount": 500},
        capture_method="manual",
        reference="charge-2024-05",
        idempotency_key="charge-2024-05",
    )
    assert order["tokenId"] == TOKEN_ID
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", "/v1/orders")
    assert request.headers["idempotency-key"] == "charge-2024-05"
    assert request.json() == {
        "token": TOKEN_ID,
        "amount": 3200,
        "currency": "JPY",
        "items": [
            {"name": "Monthly box", "amount": 3000, "quantity": 1, "currency": "JPY"},
            {"name": "Member discount", "amount": 300, "kind": "discount", "quantity": 1, "currency": "JPY"},
        ],
        "shippingInfo": {"address": ADDRESS, "feeAmount": 500, "feeCurrency": "JPY"},
        "customerInfo": {},
        "captureMethod": "manual",
        "reference": "charge-2024-05",
    }


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"token": None}, "token is required"),
        ({"token": ORDER_ID}, "token must be a token id like paytok_test_"),
        ({"items": None}, "items is required"),
        ({"shippingInfo": None}, "shippingInfo is required"),
        ({"currency": None}, "currency is required"),
    ],
)
def test_token_order_required_fields(change, detail):
    data = {**checkout_payload(), "token": TOKEN_ID, **change}
    del data["successUrl"], data["cancelUrl"]
    with pytest.raises(SmartpayValidationError) as info:
        payloads.normalize_token_order(payloads.prune_none(data))
    assert any(detail in item for item in info.value.details), info.value.details


def test_camelize_refuses_duplicate_spellings():
    with pytest.raises(SmartpayValidationError):
        payloads.camelize({"success_url": "a", "successUrl": "b"})


def test_prune_none_is_recursive_and_keeps_empty_containers():
    assert payloads.prune_none({"a": None, "b": {"c": None, "d": [{"e": None}]}, "f": {}}) == {
        "b": {"d": [{}]},
        "f": {},
    }


item_strategy = st.fixed_dictionaries(
    {
        "name": st.just("x"),
        "amount": st.integers(min_value=0, max_value=100_000),
        "kind": st.sampled_from(["product", "tax", "discount"]),
    },
    optional={"quantity": st.integers(min_value=0, max_value=20)},
)


@given(
    items=st.lists(item_strategy, min_size=1, max_size=8),
    fee=st.none() | st.integers(min_value=0, max_value=5_000),
)
def test_computed_amount_property(items, fee):
    items = [{**items[0], "kind": "product"}, *items[1:]]
    shipping: dict[str, Any] = {"address": ADDRESS}
    if fee is not None:
        shipping["feeAmount"] = fee
    expected = sum(
        (-1 if item["kind"] == "discount" else 1) * item["amount"] * item.get("quantity", 1) for item in items
    ) + (fee or 0)
    data = payloads.prune_none(checkout_payload(items=[dict(item) for item in items], shippingInfo=shipping))
    if expected < 0:
        with pytest.raises(SmartpayValidationError):
            payloads.normalize_checkout_session(data)
        return
    body, _ = payloads.normalize_checkout_session(data)
    assert body["amount"] == expected
    assert all(
        item["quantity"] == source.get("quantity", 1)
        for item, source in zip(body["items"], items, strict=True)
    )
    assert not contains_none(body)
