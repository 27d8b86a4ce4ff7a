"""The example shop over HTTP (no browser): a rejected checkout, and the REST API with webhooks."""

from __future__ import annotations

import requests

from .conftest import DemoShop

SCHEDULES_OF = (
    "select count(*) from smartpay_chargeschedule s join smartpay_token t on t.smartpay_id = s.token_id "
    "join auth_user u on u.id = t.user_id where u.username = ?"
)

ORDERS_OF = "select count(*) from smartpay_order o join auth_user u on u.id = o.user_id where u.username = ?"


def _decide(checkout_url: str, action: str) -> requests.Response:
    """What the simulator's Approve/Reject buttons post."""
    return requests.post(checkout_url, data={"action": action}, allow_redirects=False, timeout=10)


def test_rejecting_the_checkout_lands_on_the_cancel_page_and_charges_nothing(demo_shop: DemoShop):
    http = demo_shop.signup("kenji")

    start = demo_shop.post(http, "/subscribe/", allow_redirects=False)
    assert start.status_code == 302
    checkout_url = start.headers["Location"]
    assert checkout_url.startswith(demo_shop.simulator + "/checkout/checkout_test_")
    decided = _decide(checkout_url, "reject")
    assert decided.headers["Location"] == demo_shop.url + "/subscribe/cancel/"

    page = http.get(decided.headers["Location"], timeout=10)
    assert 'id="checkout-canceled"' in page.text
    [(token_id,)] = demo_shop.query(
        "select t.smartpay_id from smartpay_token t join auth_user u on u.id = t.user_id "
        "where u.username = 'kenji'"
    )
    assert demo_shop.webhooks.wait_for("token.rejected", token_id).status == 200
    rows = demo_shop.query("select status from smartpay_token where smartpay_id = ?", token_id)
    assert rows == [("rejected",)]  # the simulator's token.rejected webhook reached the shop
    assert demo_shop.query(SCHEDULES_OF, "kenji") == [(0,)]
    assert demo_shop.query(ORDERS_OF, "kenji") == [(0,)]


def test_the_rest_api_starts_a_token_checkout_that_webhooks_complete(demo_shop: DemoShop):
    http = demo_shop.signup("yui")
    headers = {"X-CSRFToken": http.cookies["csrftoken"], "Referer": demo_shop.url + "/"}

    started = http.post(
        demo_shop.url + "/api/smartpay/tokens/checkout/", json={}, headers=headers, timeout=10
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert _decide(body["url"], "approve").headers["Location"] == demo_shop.url + "/account/"

    # Only the token.approved webhook tells the shop; once the shop has answered it, it shows.
    assert demo_shop.webhooks.wait_for("token.approved", body["token"]).status == 200
    tokens = http.get(demo_shop.url + "/api/smartpay/tokens/", timeout=10).json()["results"]
    assert [(token["id"], token["status"]) for token in tokens] == [(body["token"], "active")]
    schema = http.get(demo_shop.url + "/api/smartpay/schema/", params={"format": "json"}, timeout=10)
    assert "/api/smartpay/tokens/checkout/" in schema.json()["paths"]
