"""Admin messages about Smartpay errors are in the staff member's language, never Smartpay's English."""

from __future__ import annotations

import pytest

from django_smartpay import conf
from django_smartpay.models import OrderStatus

from .conftest import Admin, messages_of

pytestmark = pytest.mark.django_db


def japanese_admin(staff, model, action, perm):
    client = staff(perm)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    return Admin(client, model, action)


def test_a_refusal_of_smartpay_is_reported_in_japanese(shop, staff, simulator):
    """The order was canceled at Smartpay behind the shop's back: Smartpay answers 409 order.cannot-capture."""
    order = shop.order(3000)
    conf.get_client().cancel_order(order.smartpay_id)
    admin = japanese_admin(staff, "order", "capture_orders", "smartpay.capture_order")

    response = admin.run(order)

    (message,) = messages_of(response)
    assert message == (
        f"注文 {order}: Smartpay がリクエストを拒否しました: "
        "この注文は現在の状態では売上確定できません。（エラー order.cannot-capture）"  # noqa: RUF001 - Japanese punctuation
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.REQUIRES_CAPTURE


def test_no_answer_from_smartpay_is_reported_in_japanese(shop, staff, simulator):
    order = shop.order(3000)
    simulator.faults.add(method="POST", path="/v1/payments", drop_response=True)
    admin = japanese_admin(staff, "order", "capture_orders", "smartpay.capture_order")

    response = admin.run(order)

    messages = messages_of(response)
    assert (
        messages[0]
        == f"注文 {order}: Smartpay に接続できなかったため、結果が不明です（Smartpay への接続に失敗しました。）。"  # noqa: RUF001 - Japanese punctuation
    )
