"""Tokens through the REST endpoints: checkout, list, disable/enable, delete; only the user's own."""

from __future__ import annotations

import pytest

from django_smartpay.models import Token

from .conftest import API

pytestmark = pytest.mark.django_db


def test_token_checkout_creates_the_users_token_in_smartpay(as_alice, alice, simulator):
    response = as_alice.post(
        API + "tokens/checkout/",
        {"success_url": "http://testserver/ok/", "cancel_url": "http://testserver/cancel/", "locale": "ja"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "token"
    assert body["id"].startswith("checkout_test_")
    assert body["url"].startswith(simulator.origin + "/checkout/" + body["id"] + ".")
    session = simulator.get_object(body["id"])
    assert session["successUrl"] == "http://testserver/ok/"
    assert session["cancelUrl"] == "http://testserver/cancel/"
    assert session["locale"] == "ja"
    token = Token.objects.get(smartpay_id=body["token"])
    assert token.user == alice
    assert token.status == "requires_authorization"


def test_the_list_holds_only_the_users_tokens(alice_shops, as_alice, as_bob):
    token = alice_shops.active_token()

    mine = as_alice.get(API + "tokens/").json()["results"]
    theirs = as_bob.get(API + "tokens/").json()["results"]

    assert [(item["id"], item["status"]) for item in mine] == [(token.smartpay_id, "active")]
    assert theirs == []


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", "disable/"), ("post", "enable/"), ("delete", "")]
)
def test_another_users_token_is_not_found_and_unchanged(alice_shops, as_bob, simulator, method, suffix):
    token = alice_shops.active_token()

    response = getattr(as_bob, method)(f"{API}tokens/{token.smartpay_id}/{suffix}")

    assert response.status_code == 404
    assert simulator.get_object(token.smartpay_id)["status"] == "active"
    token.refresh_from_db()
    assert token.status == "active"


def test_disable_and_enable_change_the_token_at_smartpay(alice_shops, as_alice, simulator):
    token = alice_shops.active_token()
    url = f"{API}tokens/{token.smartpay_id}/"

    disabled = as_alice.post(url + "disable/")
    assert disabled.status_code == 200
    assert disabled.json()["status"] == "disabled"
    assert simulator.get_object(token.smartpay_id)["status"] == "disabled"

    again = as_alice.post(url + "disable/")
    assert again.status_code == 400
    assert "cannot be disabled" in again.json()[0]

    enabled = as_alice.post(url + "enable/")
    assert enabled.json()["status"] == "active"
    assert simulator.get_object(token.smartpay_id)["status"] == "active"


def test_delete_removes_the_token_at_smartpay_and_from_the_list(alice_shops, as_alice, simulator):
    token = alice_shops.active_token()

    response = as_alice.delete(f"{API}tokens/{token.smartpay_id}/")

    assert response.status_code == 204
    assert simulator.get_object(token.smartpay_id)["status"] == "deleted"
    assert Token.objects.get(pk=token.pk).status == "deleted"
    assert as_alice.get(API + "tokens/").json()["results"] == []
    assert as_alice.get(f"{API}tokens/{token.smartpay_id}/").status_code == 404


def test_a_refusal_by_smartpay_answers_409(alice_shops, as_alice, simulator):
    token = alice_shops.active_token()
    simulator.faults.add(method="PUT", path="/v1/tokens/*", status=404, count=1)

    response = as_alice.post(f"{API}tokens/{token.smartpay_id}/disable/")

    assert response.status_code == 409
    assert response.json()["detail"]


def test_an_unreachable_smartpay_answers_503_without_details(alice_shops, as_alice, simulator):
    token = alice_shops.active_token()
    simulator.faults.add(method="DELETE", path="/v1/tokens/*", status=503, count=5)

    response = as_alice.delete(f"{API}tokens/{token.smartpay_id}/")

    assert response.status_code == 503
    assert "sk_test" not in response.content.decode()
    assert simulator.get_object(token.smartpay_id)["status"] == "active"


def test_anonymous_users_are_refused(client, simulator):
    assert client.get(API + "tokens/").status_code == 403
    assert client.post(API + "tokens/checkout/", {}, content_type="application/json").status_code == 403
    assert simulator.objects(kind="checkoutSession") == []


# --- redirect URLs ------------------------------------------------------------------------


def _checkout(client, **body):
    return client.post(API + "tokens/checkout/", body, format="json")


def test_urls_on_hosts_outside_allowed_hosts_are_refused(as_alice, simulator, settings):
    settings.ALLOWED_HOSTS = ["testserver", ".shop.example.jp"]

    evil = _checkout(
        as_alice, success_url="https://evil.example/", cancel_url="https://www.shop.example.jp/c"
    )
    sneaky = _checkout(
        as_alice, success_url="https://shop.example.jp@evil.example/", cancel_url="https://shop.example.jp/"
    )
    script = _checkout(as_alice, success_url="javascript:alert(1)", cancel_url="https://shop.example.jp/")

    assert evil.status_code == 400 and set(evil.json()) == {"success_url"}
    assert sneaky.status_code == 400 and set(sneaky.json()) == {"success_url"}
    assert script.status_code == 400
    assert simulator.objects(kind="checkoutSession") == []
    ok = _checkout(
        as_alice, success_url="https://www.shop.example.jp/ok", cancel_url="https://shop.example.jp/c"
    )
    assert ok.status_code == 201, ok.content


def test_checkout_redirect_hosts_setting_replaces_allowed_hosts(as_alice, simulator, settings):
    settings.SMARTPAY = {**settings.SMARTPAY, "CHECKOUT_REDIRECT_HOSTS": ["pay.example.jp"]}

    refused = _checkout(as_alice, success_url="http://testserver/ok", cancel_url="http://testserver/c")
    accepted = _checkout(
        as_alice, success_url="https://pay.example.jp/ok", cancel_url="https://pay.example.jp/c"
    )

    assert refused.status_code == 400
    assert set(refused.json()) == {"success_url", "cancel_url"}
    assert accepted.status_code == 201


def test_urls_default_to_the_settings_made_absolute(as_alice, simulator, settings):
    settings.SMARTPAY = {
        **settings.SMARTPAY,
        "CHECKOUT_SUCCESS_URL": "/account/smartpay/ok/",
        "CHECKOUT_CANCEL_URL": "https://shop.example.jp/cancel/",
    }

    response = _checkout(as_alice)

    assert response.status_code == 201
    session = simulator.get_object(response.json()["id"])
    assert session["successUrl"] == "http://testserver/account/smartpay/ok/"
    assert session["cancelUrl"] == "https://shop.example.jp/cancel/"


def test_urls_are_required_without_settings(as_alice, simulator):
    response = _checkout(as_alice)

    assert response.status_code == 400
    assert set(response.json()) == {"success_url", "cancel_url"}
    assert "CHECKOUT_SUCCESS_URL" in response.json()["success_url"][0]
