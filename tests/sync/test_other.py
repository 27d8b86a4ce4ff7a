"""sync_object for checkout sessions, tokens, coupons, promotion codes and webhook endpoints."""

from __future__ import annotations

import pytest

from django_smartpay.models import (
    CheckoutSession,
    Coupon,
    Order,
    PromotionCode,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from django_smartpay.sync import sync_object, to_ms

from .conftest import with_fields

pytestmark = pytest.mark.django_db


def test_checkout_session_with_expanded_order_syncs_both(api, user):
    data = api.checkout(reference="cart-9")
    session = sync_object(data, user=user)
    session.refresh_from_db()
    assert (session.mode, session.reference, session.url) == ("order", "cart-9", data["url"])
    assert session.order.smartpay_id == data["order"]["id"]
    assert session.order.user == user
    assert session.user == user
    assert session.data["order"]["lineItems"][0]["object"] == "lineItem"


def test_checkout_session_before_its_order_links_later(api, smartpay_client, user):
    created = api.checkout()
    fetched = smartpay_client.get_checkout_session(created["id"])
    assert isinstance(fetched["order"], str)
    session = sync_object(fetched)
    assert session.order_id == created["order"]["id"]
    assert CheckoutSession.objects.filter(order__pk__isnull=True).count() == 1
    order = sync_object(smartpay_client.get_order(created["order"]["id"]))
    assert CheckoutSession.objects.select_related("order").get(pk=session.pk).order == order


def test_checkout_session_for_user_given_by_id_hands_user_to_order(api, smartpay_client, user):
    created = api.checkout()
    order = sync_object(smartpay_client.get_order(created["order"]["id"]))
    sync_object(smartpay_client.get_checkout_session(created["id"]), user=user)
    order.refresh_from_db()
    assert order.user == user


def test_checkout_session_older_copy_and_unknown_fields(api):
    data = api.checkout()
    newer = with_fields(data, updatedAt=data["updatedAt"] + 5000, reference="edited", experiment="b")
    session = sync_object(newer)
    sync_object(data)
    session.refresh_from_db()
    assert session.reference == "edited"
    assert session.data["experiment"] == "b"


def test_token_session_links_token_and_user(api, user):
    data = api.token_session()
    session = sync_object(data, user=user)
    token = Token.objects.get(smartpay_id=data["token"]["id"])
    assert session.mode == "token"
    assert session.token == token
    assert token.user == user
    assert token.status == TokenStatus.REQUIRES_AUTHORIZATION


def test_token_update_and_older_copy(api, smartpay_client):
    pending = api.token_session()["token"]
    sync_object(pending)
    api.tick()
    api.sim.approve_token(pending["id"])
    active = smartpay_client.get_token(pending["id"])
    sync_object(active)
    sync_object(pending)
    token = Token.objects.get(smartpay_id=pending["id"])
    assert token.status == TokenStatus.ACTIVE
    assert to_ms(token.smartpay_updated) == active["updatedAt"]
    assert (
        sync_object(with_fields(active, updatedAt=active["updatedAt"] + 1, wallet="konbini")).data["wallet"]
        == "konbini"
    )


def test_token_session_before_token_hands_user_over(api, smartpay_client, user):
    data = api.token_session()
    token_id = data["token"]["id"]
    api.tick()
    api.sim.approve_token(token_id)
    order = sync_object(api.token_order(token_id))
    token = sync_object(smartpay_client.get_token(token_id))
    sync_object(smartpay_client.get_checkout_session(data["id"]), user=user)
    token.refresh_from_db()
    order.refresh_from_db()
    assert token.user == user
    assert order.user == user


def test_coupon_create_update_and_older_copy(api, smartpay_client):
    first = smartpay_client.create_coupon("Spring", "percentage", discount_percentage=12.5)
    coupon = sync_object(first)
    assert (coupon.name, coupon.discount_type, str(coupon.discount_percentage)) == (
        "Spring",
        "percentage",
        "12.5",
    )
    api.tick()
    second = smartpay_client.update_coupon(first["id"], name="Spring sale", active=False)
    sync_object(second)
    sync_object(first)
    coupon = Coupon.objects.get(pk=coupon.pk)
    assert (coupon.name, coupon.active) == ("Spring sale", False)
    assert (
        sync_object(with_fields(second, updatedAt=second["updatedAt"] + 1, tier="gold")).data["tier"]
        == "gold"
    )


def test_promotion_code_before_coupon_links_when_coupon_arrives(api, smartpay_client):
    coupon_data = smartpay_client.create_coupon("Welcome", "amount", discount_amount=500, currency="JPY")
    first = smartpay_client.create_promotion_code(
        coupon_data["id"], "WELCOME5", minimum_amount=3000, currency="JPY"
    )
    code = sync_object(first)
    assert code.coupon_id == coupon_data["id"]
    assert (code.code, code.minimum_amount) == ("WELCOME5", 3000)
    assert not PromotionCode.objects.filter(coupon__pk__isnull=False).exists()
    coupon = sync_object(coupon_data)
    assert PromotionCode.objects.get(pk=code.pk).coupon == coupon
    api.tick()
    second = smartpay_client.update_promotion_code(first["id"], active=False)
    sync_object(second)
    sync_object(first)
    assert PromotionCode.objects.get(pk=code.pk).active is False


def test_promotion_code_without_coupon_keeps_the_known_coupon(api, smartpay_client):
    coupon = smartpay_client.create_coupon("Welcome", "amount", discount_amount=500, currency="JPY")
    data = smartpay_client.create_promotion_code(coupon["id"], "HELLO")
    sync_object(data)
    stripped = {key: value for key, value in data.items() if key != "coupon"}
    sync_object(with_fields(stripped, updatedAt=data["updatedAt"] + 1, active=False))
    code = PromotionCode.objects.get(smartpay_id=data["id"])
    assert (code.coupon_id, code.active) == (coupon["id"], False)


def test_webhook_endpoint_secret_kept_out_of_data_and_repr(api, smartpay_client):
    first = smartpay_client.create_webhook_endpoint("https://shop.example/smartpay/webhook")
    endpoint = sync_object(first)
    assert endpoint.signing_secret == first["signingSecret"]
    assert "signingSecret" not in WebhookEndpoint.objects.get(pk=endpoint.pk).data
    assert first["signingSecret"] not in repr(endpoint) + str(endpoint)
    api.tick()
    second = smartpay_client.update_webhook_endpoint(first["id"], description="shop", active=False)
    secretless = {key: value for key, value in second.items() if key != "signingSecret"}
    sync_object(secretless)
    sync_object(first)
    endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (endpoint.description, endpoint.active) == ("shop", False)
    assert endpoint.signing_secret == first["signingSecret"]
    assert sync_object(with_fields(second, updatedAt=second["updatedAt"] + 1, retries=3)).data["retries"] == 3


@pytest.mark.parametrize(
    "bad", [{"object": "event", "id": "evt_test_1"}, {"object": "order"}, {"id": "order_test_x"}]
)
def test_objects_that_are_not_mirrored_are_refused(bad):
    with pytest.raises(ValueError, match="not a Smartpay object"):
        sync_object(bad)
    assert not Order.objects.exists()


def test_non_dict_is_refused():
    with pytest.raises(TypeError):
        sync_object(["order_test_x"])
