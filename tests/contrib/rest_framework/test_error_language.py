"""The REST API answers refusals of the client, the services and Smartpay in the request's language."""

from __future__ import annotations

import re

import pytest

from django_smartpay import conf
from django_smartpay.models import ChargeSchedule, Token

from .conftest import API
from .rows import SHIPPING

pytestmark = pytest.mark.django_db

SECRET = "sk_live_restErrorSecret0001"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def alice_token(alice_shops):
    return alice_shops.active_token()


def schedule(client, token_id, language=None, **fields):
    body = {"token": token_id, "amount": 980, "interval": "monthly", "shipping_info": SHIPPING, **fields}
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return client.post(API + "schedules/", body, format="json", **headers)


def test_the_clients_validation_answers_in_japanese(alice_token, as_alice):
    """A shipping address without its postal code and country is refused by the client's checks."""
    response = schedule(
        as_alice,
        alice_token.smartpay_id,
        "ja",
        shipping_info={"address": {"line1": "1-1", "locality": "Shibuya"}},
        items=[{"name": "Matcha", "amount": 980, "kind": "discount"}],
    )

    assert response.status_code == 400, response.content
    assert response["Content-Language"] == "ja"
    assert response.json() == [
        "items には商品の明細を 1 つ以上含めてください。",
        "shippingInfo.address.postalCode は必須です。",
        "shippingInfo.address.country は必須です。",
    ]
    assert ChargeSchedule.objects.count() == 0


def test_the_same_refusal_in_english_without_the_header(alice_token, as_alice):
    response = schedule(
        as_alice, alice_token.smartpay_id, shipping_info={"address": {"line1": "1-1", "locality": "Shibuya"}}
    )

    assert response.status_code == 400
    assert response.json() == [
        "shippingInfo.address.postalCode is required.",
        "shippingInfo.address.country is required.",
    ]


def test_wrong_types_inside_customer_info_answer_in_japanese_without_echoing_the_values(
    alice_token, as_alice
):
    response = schedule(
        as_alice,
        alice_token.smartpay_id,
        "ja",
        customer_info={"legalGender": SECRET[:10], "dateOfBirth": "1990/01/31", "accountAge": "ten"},
    )

    assert response.status_code == 400, response.content
    assert response.json() == [
        "customerInfo.legalGender は次のいずれかで指定してください: male, female。",
        "customerInfo.accountAge は整数で指定してください。",
        "customerInfo.dateOfBirth は YYYY-MM-DD 形式の日付で指定してください。",
    ]
    assert SECRET[:10].encode() not in response.content and b"1990/01/31" not in response.content


def test_a_key_that_looks_like_a_secret_is_masked(alice_token, as_alice):
    """Two spellings of one key are refused; the key, which looks like a secret key, is masked."""
    shipping = {**SHIPPING, "skLiveRestErrorSecret0001": 1, SECRET: 2}
    response = schedule(as_alice, alice_token.smartpay_id, "ja", shipping_info=shipping)

    assert response.status_code == 400, response.content
    [message] = response.json()
    assert (
        message == "sk_*** が二重に指定されています（skLiveRestErrorSecret0001 としても指定されています）。"  # noqa: RUF001 - Japanese punctuation
    )
    assert SECRET.encode() not in response.content


def test_a_refusal_of_the_charging_engine_answers_in_japanese(alice_token, as_alice):
    schedule_id = schedule(as_alice, alice_token.smartpay_id).json()["id"]
    url = f"{API}schedules/{schedule_id}/pause/"
    as_alice.post(url)

    again = as_alice.post(url, HTTP_ACCEPT_LANGUAGE="ja")

    assert again.status_code == 400
    [message] = again.json()
    assert message.startswith("一時停止できるのは有効なスケジュールだけです")
    assert again.data[0].code == "schedule.cannot-pause"


def test_a_refusal_of_smartpay_answers_in_japanese_not_in_smartpays_english(alice_token, as_alice):
    """The token was deleted at Smartpay behind the shop's back: Smartpay answers 404 token.not-found."""
    conf.get_client().delete_token(alice_token.smartpay_id)

    response = as_alice.post(f"{API}tokens/{alice_token.smartpay_id}/disable/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "この保存済みの支払い方法は Smartpay に存在しないか、現在は利用できません。"
    }
    assert Token.objects.get(pk=alice_token.pk).status == "active"


def test_smartpay_unreachable_answers_in_japanese(alice_token, as_alice, simulator):
    simulator.faults.add(method="PUT", path=f"/v1/tokens/{alice_token.smartpay_id}/disable", status=503)

    response = as_alice.post(f"{API}tokens/{alice_token.smartpay_id}/disable/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 503
    assert JAPANESE.search(response.json()["detail"])
    assert "Fault" not in response.json()["detail"]


@pytest.mark.parametrize("key", ["a_%s", "a_%(field)s", "a_" + "x" * 400])
def test_odd_keys_in_a_refusal_are_shown_safely(alice_token, as_alice, key):
    """A key with ``%`` in it, or a very long one, is quoted back cut short, never a 500."""
    camel = "a" + key[2:3].upper() + key[3:]
    shipping = {**SHIPPING, camel: 1, key: 2}
    response = schedule(as_alice, alice_token.smartpay_id, "ja", shipping_info=shipping)

    assert response.status_code == 400, response.content
    [message] = response.json()
    assert message.startswith(key[:100]) and "二重に指定されています" in message
    assert len(message) < 300
