"""Property test: no body sent to any POST/PATCH/PUT route makes the simulator answer 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_smartpay.simulator import Simulator

from .conftest import Api, active_token, authorized_order

FIELDS = [
    "amount", "currency", "items", "shippingInfo", "customerInfo", "successUrl", "cancelUrl", "captureMethod",
    "description", "reference", "metadata", "locale", "mode", "token", "order", "payment", "cancelRemainder",
    "lineItems", "reason", "url", "eventSubscriptions", "name", "discountType", "discountAmount",
    "discountPercentage", "expiresAt", "maxRedemptionCount", "coupon", "code", "active", "firstTimeTransaction",
    "onePerCustomer", "minimumAmount", "paymentMethod", "emailAddress", "password", "address", "feeAmount",
    "quantity", "kind", "line1", "locality", "postalCode", "country", "dateOfBirth", "legalGender", "images",
]  # fmt: skip
ENUMS = [
    "JPY", "jpy", "token", "manual", "automatic", "product", "discount", "tax", "requested_by_customer",
    "fraudulent", "amount", "percentage", "pm_test_visaApproved", "pm_test_visaDeclined", "password", "ja",
    "https://shop.example.jp/x", "JP", "order.authorized", "2000-02-30", "male",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def realistic(ids: list[str]) -> st.SearchStrategy[Any]:
    scalar = st.sampled_from(ENUMS + ids) | st.integers(min_value=-10, max_value=10**10) | json_values
    nested = st.dictionaries(st.sampled_from(FIELDS), scalar, max_size=8)
    value = scalar | nested | st.lists(nested | scalar, max_size=3)
    return st.dictionaries(st.sampled_from(FIELDS), value, max_size=12)


class World:
    """One simulator with one object of every kind, shared by all examples."""

    def __init__(self) -> None:
        self.sim = Simulator(seed=99)
        self.api = Api(self.sim, self.sim.session())
        api = self.api
        order = authorized_order(api, 5000)
        payment = api.ok("POST", "/payments", {"order": order["id"], "amount": 100, "currency": "JPY",
                                               "cancelRemainder": "manual"})  # fmt: skip
        refund = api.ok("POST", "/refunds", {"payment": payment["id"], "amount": 1, "currency": "JPY",
                                             "reason": "fraudulent"})  # fmt: skip
        coupon = api.ok(
            "POST", "/coupons", {"name": "c", "discountType": "percentage", "discountPercentage": 5}
        )
        code = api.ok("POST", "/promotion-codes", {"coupon": coupon["id"], "code": "FUZZ"})
        hook = api.ok("POST", "/webhook-endpoints", {"url": "http://127.0.0.1:9/hook"})
        token_id = active_token(api)
        self.sim.webhook_sender = lambda url, headers, body: 200
        login = api.http.post(self.sim.api_base + "/consumers/auth/login",
                              json={"emailAddress": "f@example.jp", "password": "password"})  # fmt: skip
        self.bearer = "Bearer " + login.json()["accessToken"]
        self.ids = [order["id"], payment["id"], refund["id"], coupon["id"], code["id"], hook["id"], token_id]
        self.ids += order["lineItems"]


ROUTES = [
    ("POST", "/checkout-sessions"),
    ("POST", "/orders"),
    ("POST", "/orders/{order}/authorizations"),
    ("POST", "/payments"),
    ("POST", "/refunds"),
    ("POST", "/webhook-endpoints"),
    ("POST", "/coupons"),
    ("POST", "/promotion-codes"),
    ("POST", "/consumers/auth/login"),
    ("PATCH", "/payments/{payment}"),
    ("PATCH", "/refunds/{refund}"),
    ("PATCH", "/webhook-endpoints/{hook}"),
    ("PATCH", "/coupons/{coupon}"),
    ("PATCH", "/promotion-codes/{code}"),
    ("PUT", "/orders/{order}/cancellation"),
    ("PUT", "/tokens/{token}/enable"),
    ("PUT", "/tokens/{token}/disable"),
    ("PUT", "/tokens/{token}/approve"),
    ("PUT", "/tokens/{token}/reject"),
]


@pytest.fixture(scope="module")
def world() -> World:
    return World()


def bodies(ids: list[str]) -> st.SearchStrategy[bytes]:
    as_json = (json_values | realistic(ids)).map(lambda value: json.dumps(value).encode())
    return as_json | st.binary(max_size=40)


@pytest.mark.parametrize(("method", "template"), ROUTES)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_body_causes_a_server_error(world: World, method: str, template: str, data: st.DataObject) -> None:
    path_id = data.draw(st.sampled_from(world.ids) | st.text(min_size=1, max_size=12), label="path id")
    path = template.replace("{order}", path_id).replace("{payment}", path_id).replace("{refund}", path_id)
    path = path.replace("{hook}", path_id).replace("{coupon}", path_id).replace("{code}", path_id)
    path = path.replace("{token}", path_id)
    body = data.draw(bodies(world.ids), label="body")
    bearer = path.endswith(("/authorizations", "/approve", "/reject"))
    headers = {
        "Authorization": world.bearer if bearer else f"Basic {world.api.key}",
        "Content-Type": "application/json",
    }
    if data.draw(st.booleans(), label="idempotency key"):
        headers["Idempotency-Key"] = data.draw(
            st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8)
        )
    url = world.sim.api_base + quote(path, safe="/")
    response = world.api.http.request(method, url, data=body, headers=headers)
    assert response.status_code < 500, response.text
    if response.content:
        payload = response.json()
        if response.status_code >= 400:
            assert payload["statusCode"] == response.status_code
