"""Authentication, account isolation, collections and ``expand`` (spec §1.2, §1.6, §11)."""

from __future__ import annotations

import pytest

from .conftest import Api, authorized_order, session_payload

UNAUTHORIZED = {"statusCode": 401, "scheme": "Basic", "realm": "api"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Bearer sk_test_simulatorSuite0001",
        "Basic c2tfdGVzdF9zaW11bGF0b3JTdWl0ZTAwMDE6",  # base64("sk_test_…:") is not accepted
        "Basic pk_test_simulatorSuite0001",
        "Basic sk_test_",
        "Basic sk_prod_abc",
        "Basic sk_test_abc-def",
        "Basic sk_test_abc extra",
    ],
)
def test_unauthorized(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = api.http.get(api.sim.api_base + "/orders", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_bearer_is_only_for_shopper_endpoints(api: Api) -> None:
    login = api.http.post(
        api.sim.api_base + "/consumers/auth/login",
        json={"emailAddress": "a@example.jp", "password": "password"},
    )
    bearer = {"Authorization": "Bearer " + login.json()["accessToken"]}
    assert api.http.get(api.sim.api_base + "/orders", headers=bearer).status_code == 401
    session = api.ok("POST", "/checkout-sessions", session_payload())
    basic_on_shopper = api.post(
        f"/orders/{session['order']['id']}/authorizations", {"paymentMethod": "pm_test_visaApproved"}
    )
    assert basic_on_shopper.status_code == 401
    wrong_password = api.http.post(
        api.sim.api_base + "/consumers/auth/login",
        json={"emailAddress": "a@example.jp", "password": "secret"},
    )
    assert wrong_password.status_code == 401
    declined = api.http.post(
        api.sim.api_base + f"/orders/{session['order']['id']}/authorizations",
        json={"paymentMethod": "pm_test_visaDeclined"},
        headers=bearer,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "rejected"


def test_accounts_are_isolated_and_modes_follow_the_key(api: Api) -> None:
    other = api.as_key("sk_test_anotherMerchant42")
    live = api.as_key("sk_live_liveMerchant0001")
    coupon = api.ok("POST", "/coupons", {"name": "x", "discountType": "percentage", "discountPercentage": 5})
    assert coupon["test"] is True and coupon["id"].startswith("coupon_test_")
    assert other.get(f"/coupons/{coupon['id']}").status_code == 404
    assert other.ok("GET", "/coupons")["data"] == []
    live_coupon = live.ok(
        "POST", "/coupons", {"name": "x", "discountType": "percentage", "discountPercentage": 5}
    )
    assert live_coupon["test"] is False and live_coupon["id"].startswith("coupon_live_")
    assert api.get(f"/coupons/{live_coupon['id']}").status_code == 404
    # promotion-code uniqueness is per account
    other_coupon = other.ok(
        "POST", "/coupons", {"name": "y", "discountType": "percentage", "discountPercentage": 5}
    )
    api.ok("POST", "/promotion-codes", {"coupon": coupon["id"], "code": "SAME"})
    other.ok("POST", "/promotion-codes", {"coupon": other_coupon["id"], "code": "same"})
    cross = other.post("/promotion-codes", {"coupon": coupon["id"], "code": "OTHER"})
    assert cross.status_code == 404 and cross.json()["errorCode"] == "coupon.not-found"
    assert {c["id"] for c in api.sim.objects(account_key=api.key, kind="coupon")} == {coupon["id"]}


def test_pagination_newest_first_with_a_token_chain(api: Api) -> None:
    created = [
        api.ok("POST", "/coupons", {"name": f"c{i}", "discountType": "percentage", "discountPercentage": i})[
            "id"
        ]
        for i in range(7)
    ]
    first = api.ok("GET", "/coupons?maxResults=3")
    assert first["object"] == "collection" and first["maxResults"] == 3 and first["results"] == 3
    assert [c["id"] for c in first["data"]] == created[::-1][:3]
    seen = [c["id"] for c in first["data"]]
    token = first["nextPageToken"]
    pages = 1
    while token:
        page = api.ok("GET", f"/coupons?maxResults=3&pageToken={token}")
        assert page["pageToken"] == token
        seen += [c["id"] for c in page["data"]]
        token = page.get("nextPageToken")
        pages += 1
    assert pages == 3 and seen == created[::-1]
    last = api.ok("GET", f"/coupons?maxResults=3&pageToken={first['nextPageToken']}")
    assert last["results"] == 3 and "nextPageToken" in last
    # new objects do not shift a page already issued
    api.ok("POST", "/coupons", {"name": "new", "discountType": "percentage", "discountPercentage": 1})
    again = api.ok("GET", f"/coupons?maxResults=3&pageToken={first['nextPageToken']}")
    assert again["data"] == last["data"]
    default = api.ok("GET", "/coupons")
    assert default["maxResults"] == 20 and default["results"] == 8 and "nextPageToken" not in default
    assert api.ok("GET", "/coupons?maxResults=100")["results"] == 8


def test_page_token_of_one_list_is_not_valid_for_another(api: Api) -> None:
    for i in range(2):
        api.ok("POST", "/coupons", {"name": f"c{i}", "discountType": "percentage", "discountPercentage": i})
    token = api.ok("GET", "/coupons?maxResults=1")["nextPageToken"]
    response = api.get(f"/orders?pageToken={token}")
    assert response.status_code == 400 and response.json()["errorCode"] == "request.invalid"
    assert api.as_key("sk_test_elsewhere").get(f"/coupons?pageToken={token}").status_code == 400


def test_expand_all_versus_ids(api: Api) -> None:
    order = authorized_order(api, 1000, "automatic")
    session_id = api.sim.objects(kind="checkoutSession")[0]["id"]
    plain = api.ok("GET", f"/checkout-sessions/{session_id}")
    assert plain["order"] == order["id"]
    expanded = api.ok("GET", f"/checkout-sessions/{session_id}?expand=all")
    assert expanded["order"]["id"] == order["id"]
    assert expanded["order"]["payments"][0]["object"] == "payment"
    assert expanded["order"]["lineItems"][0]["kind"] == "product"
    assert api.ok("GET", f"/checkout-sessions/{session_id}?expand=no")["order"] == order["id"]
    assert isinstance(api.ok("GET", f"/orders/{order['id']}")["payments"][0], str)
    payment = api.ok("GET", f"/payments/{order['payments'][0]}?expand=all")
    assert payment["order"]["id"] == order["id"]
    listed = api.ok("GET", "/orders?expand=all")["data"][0]
    assert listed["lineItems"][0]["object"] == "lineItem"
    assert isinstance(api.ok("GET", "/orders")["data"][0]["lineItems"][0], str)


def test_an_unknown_key_gets_401_until_it_is_registered(api: Api) -> None:
    stranger = api.as_key("sk_test_typoInSettings0001", register=False)
    response = stranger.get("/orders")
    assert response.status_code == 401 and response.json() == UNAUTHORIZED
    control = api.http.post(api.sim.origin + "/_simulator/keys", json={"secretKey": stranger.key})
    assert control.json() == {"account": api.sim.account_label(stranger.key)}
    assert stranger.key not in control.text
    assert stranger.get("/orders").status_code == 200
    bad = api.http.post(api.sim.origin + "/_simulator/keys", json={"secretKey": "pk_test_nope"})
    assert bad.status_code == 400
    api.sim.reset()
    assert stranger.get("/orders").status_code == 200  # registered keys survive a reset
    anyone = api.as_key("sk_test_whoever", register=False)
    api.sim.accept_any_key = True
    assert anyone.get("/orders").status_code == 200


def test_shopper_endpoints_are_also_served_at_the_host_root(api: Api) -> None:
    login = api.http.post(
        api.sim.origin + "/consumers/auth/login",
        json={"emailAddress": "a@example.jp", "password": "password"},
    )
    assert login.status_code == 200
    bearer = {"Authorization": "Bearer " + login.json()["accessToken"]}
    session = api.ok("POST", "/checkout-sessions", session_payload())
    authorized = api.http.post(
        api.sim.origin + f"/orders/{session['order']['id']}/authorizations",
        json={"paymentMethod": "pm_test_visaApproved"},
        headers=bearer,
    )
    assert authorized.status_code == 200 and authorized.json()["status"] == "succeeded"
    merchant = api.http.get(api.sim.origin + "/orders", headers={"Authorization": f"Basic {api.key}"})
    assert merchant.status_code == 404  # the merchant API is under /v1 only
    order = api.http.get(
        api.sim.origin + f"/orders/{session['order']['id']}", headers={"Authorization": f"Basic {api.key}"}
    )
    assert order.status_code == 404
