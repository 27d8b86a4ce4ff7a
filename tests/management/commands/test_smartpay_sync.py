"""manage.py smartpay_sync, end to end against the simulator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_smartpay.models import (
    CheckoutSession,
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    Token,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(api, smartpay_client):
    """A little of everything, made in the simulator."""
    token = api.token()
    orders = [api.token_order(token["id"], amount=1000 + n) for n in range(3)]
    api.refund(orders[0]["payments"][0], 400)
    api.checkout()
    coupon = smartpay_client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    smartpay_client.create_promotion_code(coupon["id"], "SPRING")
    smartpay_client.create_webhook_endpoint("https://shop.example/hook")
    return orders


def _run(*args) -> str:
    out = StringIO()
    call_command("smartpay_sync", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (CheckoutSession, Coupon, Order, Payment, PromotionCode, Refund, Token, WebhookEndpoint)
    return {model.__name__: model.objects.count() for model in models}


def test_sync_everything_and_rerun_is_idempotent(shop):
    output = _run("--page-size", "2")
    expected = {
        "CheckoutSession": 2,  # the token session and the standard one
        "Coupon": 1,
        "Order": 4,  # three token orders and the checkout's order
        "Payment": 3,
        "PromotionCode": 1,
        "Refund": 1,
        "Token": 1,
        "WebhookEndpoint": 1,
    }
    assert counts() == expected
    assert "orders: page 2, 4 so far" in output
    assert "orders: 4 synced" in output
    first = Order.objects.get(smartpay_id=shop[0]["id"])
    assert (first.captured_amount, first.refunded_amount) == (1000, 400)
    assert WebhookEndpoint.objects.get().signing_secret

    before = {row.pk: row.updated for row in Order.objects.all()}
    _run("--page-size", "2")
    assert counts() == expected
    assert {row.pk: row.updated for row in Order.objects.all()} == before


def test_selected_resources_and_max_pages(shop):
    output = _run("orders", "tokens", "--page-size", "1", "--max-pages", "2")
    assert counts()["Order"] == 2
    assert counts()["Token"] == 1
    assert counts()["Payment"] == 0
    assert output.index("tokens:") < output.index("orders:")


@pytest.mark.parametrize(
    "args, message",
    [
        (["invoices"], "Unknown resource"),
        (["--page-size", "101"], "page-size"),
        (["--max-pages", "0"], "max-pages"),
    ],
)
def test_bad_arguments(simulator, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_api_errors_become_command_errors(simulator):
    simulator.faults.add(method="GET", path="/v1/coupons", status=503, count=5)
    with pytest.raises(CommandError, match="coupons"):
        _run("coupons")
