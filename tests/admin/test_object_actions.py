"""Buttons on an object's page: the changelist's actions, with the same permission, page and keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from django_smartpay.models import Order, OrderStatus, Payment

from .conftest import form_data, messages_of, mutating, who

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:smartpay_{obj._meta.model_name}_change", args=[obj.pk])


def act_url(model_name: str, action: str) -> str:
    return reverse(f"admin:smartpay_{model_name}_act", args=[action])


def press(client, model_name: str, action: str, *rows, back: str | None = None):
    """What a button of an object's page posts."""
    data = {"action": action, "_selected_action": [str(row.pk) for row in rows]}
    if back is not None:
        data["_smartpay_back"] = back
    return client.post(act_url(model_name, action), data)


def buttons(client, obj) -> set[str]:
    response = client.get(change_url(obj))
    assert response.status_code == 200
    return {button["name"] for button in response.context["smartpay_buttons"]}


def test_order_page_offers_what_the_order_can_take(shop, admin_client):
    order = shop.order(3000)
    assert buttons(admin_client, order) == {"capture_orders", "cancel_orders", "sync_from_smartpay"}
    payment = shop.payment(2000)
    captured = Order.objects.get(smartpay_id=payment.order_id)
    # A succeeded order cannot be captured or canceled; its payment can be refunded from its page.
    assert buttons(admin_client, captured) == {"sync_from_smartpay", "refund_payments"}
    content = admin_client.get(change_url(captured)).content.decode()
    assert f'action="{act_url("payment", "refund_payments")}"' in content
    assert 'method="post"' in content


def test_refund_from_the_order_page_returns_to_it(shop, admin_client, simulator):
    payment = shop.payment(2000)
    order = Order.objects.get(smartpay_id=payment.order_id)
    page = press(admin_client, "payment", "refund_payments", payment, back=change_url(order))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Yes, refund 1 payment" in text and "No, take me back" in text
    assert f'href="{change_url(order)}"' in text  # "No, take me back" leads to the order
    data = form_data(page)
    data["smartpay-reason"] = ["requested_by_customer"]
    data["smartpay-amount"] = ["500"]
    done = admin_client.post(act_url("payment", "refund_payments"), data)
    assert done.status_code == 302 and done["Location"] == change_url(order)
    assert messages_of(done)[0].startswith(f"{who(payment)}: Refunded ¥500 as refund ")
    again = admin_client.post(act_url("payment", "refund_payments"), data)  # a double submit
    assert "already done from this confirmation page" in messages_of(again)[0]
    assert len(mutating(simulator, "POST", "/v1/refunds")) == 1
    assert Payment.objects.get(pk=payment.pk).refunded_amount == 500
    order_page = admin_client.get(change_url(order)).content.decode()
    assert "-¥500" in order_page  # the refund, inline on the order page


def test_cancel_button_asks_first_and_never_acts_on_get(shop, admin_client, simulator):
    order = shop.order(3000)
    start = len(simulator.ledger)
    assert (
        admin_client.get(act_url("order", "cancel_orders"), {"_selected_action": order.pk}).status_code == 405
    )
    page = press(admin_client, "order", "cancel_orders", order, back=change_url(order))
    assert page.status_code == 200
    assert page.context["button"] == "Yes, cancel 1 order"
    assert len(simulator.ledger) == start  # nothing sent before the confirmation
    done = admin_client.post(act_url("order", "cancel_orders"), form_data(page))
    assert done["Location"] == change_url(order)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED
    assert len(mutating(simulator, "PUT", f"/v1/orders/{order.smartpay_id}/cancel")) == 1


def test_clerk_without_the_money_permission_sees_no_button_and_is_refused(shop, staff, simulator):
    order = shop.order(3000)
    clerk = staff(username="clerk")
    assert buttons(clerk, order) == {"sync_from_smartpay"}
    start = len(simulator.ledger)
    for action in ("cancel_orders", "capture_orders"):
        assert press(clerk, "order", action, order).status_code == 403
    # Even a forged confirmation (a page made for someone else) is refused before anything is read.
    lead = staff("smartpay.cancel_order", username="lead")
    page = press(lead, "order", "cancel_orders", order)
    assert clerk.post(act_url("order", "cancel_orders"), form_data(page)).status_code == 403
    assert len(simulator.ledger) == start
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REQUIRES_CAPTURE


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example/",
        "//evil.example/admin/",
        "/not-admin/",
        "javascript:alert(1)",
        "/admin/\x00",
        "x" * 600,
    ],
)
def test_back_address_stays_in_this_admin(back, shop, admin_client):
    order = shop.order(3000)
    page = press(admin_client, "order", "cancel_orders", order, back=back)
    assert page.status_code == 200
    assert page.context["back_url"] == reverse("admin:smartpay_order_changelist")
    assert "evil" not in page.content.decode()


@pytest.mark.parametrize(
    "selected",
    [[], ["abc"], ["1\x00"], [str(2**70)], ["-1 OR 1=1"]],
    ids=["none", "text", "nul", "huge", "sql"],
)
def test_bad_rows_are_a_400(selected, admin_client):
    response = admin_client.post(act_url("order", "cancel_orders"), {"_selected_action": selected})
    assert response.status_code == 400


@pytest.mark.parametrize("action", ["delete_selected", "nope", "capture_orders%00", "refund_payments"])
def test_unknown_or_foreign_action_is_refused(action, shop, admin_client):
    order = shop.order(1000)
    assert press(admin_client, "order", action, order).status_code in (403, 404)


@pytest.mark.parametrize(
    "query",
    ["?_smartpay_back=https://evil.example/", "?o=99", "?q=%00", "?_changelist_filters=status%3Dx", "?e=1"],
)
def test_query_strings_on_the_changed_pages(query, shop, admin_client):
    payment = shop.payment(1000)
    order = Order.objects.get(smartpay_id=payment.order_id)
    for url in (change_url(order), change_url(payment)):
        response = admin_client.get(url + query)
        assert response.status_code in (200, 302), (url, query)
    for name in ("order", "payment", "refund", "token", "tokencharge", "chargeschedule", "checkoutsession"):
        response = admin_client.get(reverse(f"admin:smartpay_{name}_changelist") + query)
        assert response.status_code in (200, 302, 400), (name, query)  # an unknown filter is a 400
        assert "evil" not in response.content.decode()


def test_nothing_actionable_shows_no_yes_button(shop, admin_client):
    payment = shop.payment(1000)
    order = Order.objects.get(smartpay_id=payment.order_id)
    page = press(admin_client, "order", "cancel_orders", order)
    text = page.content.decode()
    assert 'id="smartpay-confirm-form"' not in text and "Take me back" in text
    assert "only an order that requires capture can be canceled" in text
