"""Every confirmed action: allowed, forbidden, refused by Smartpay — against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from django_smartpay.models import OrderStatus, PaymentStatus, TokenStatus

from .conftest import Admin, Shop, changelist, form_data, messages_of, offered, who

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    model: str
    action: str
    perm: str
    make: Callable[[Shop], Any]
    method: str
    path: str  # of the mutating request, "{id}" standing for the row's Smartpay id
    done: Callable[[Any], bool]
    fields: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.action

    def request_path(self, row: Any) -> str:
        return "/v1" + self.path.format(id=row.smartpay_id)


CASES = [
    Case(
        "order",
        "capture_orders",
        "smartpay.capture_order",
        lambda shop: shop.order(3000),
        "POST",
        "/payments",
        lambda o: o.status == OrderStatus.SUCCEEDED and o.captured_amount == 3000,
    ),
    Case(
        "order",
        "cancel_orders",
        "smartpay.cancel_order",
        lambda shop: shop.order(3000),
        "PUT",
        "/orders/{id}/cancellation",
        lambda o: o.status == OrderStatus.CANCELED,
    ),
    Case(
        "payment",
        "refund_payments",
        "smartpay.refund_payment",
        lambda shop: shop.payment(2000),
        "POST",
        "/refunds",
        lambda p: p.status == PaymentStatus.REFUNDED and p.refunded_amount == 2000,
        {"reason": "requested_by_customer"},
    ),
    Case(
        "token",
        "disable_tokens",
        "smartpay.manage_token",
        lambda shop: shop.token(),
        "PUT",
        "/tokens/{id}/disable",
        lambda t: t.status == TokenStatus.DISABLED,
    ),
    Case(
        "token",
        "enable_tokens",
        "smartpay.manage_token",
        lambda shop: shop.token(status="disabled"),
        "PUT",
        "/tokens/{id}/enable",
        lambda t: t.status == TokenStatus.ACTIVE,
    ),
    Case(
        "token",
        "delete_tokens",
        "smartpay.manage_token",
        lambda shop: shop.token(),
        "DELETE",
        "/tokens/{id}",
        lambda t: t.status == TokenStatus.DELETED,
        {"understood": "on"},
    ),
    Case(
        "coupon",
        "deactivate_coupons",
        "smartpay.manage_coupon",
        lambda shop: shop.coupon(),
        "PATCH",
        "/coupons/{id}",
        lambda c: c.active is False,
    ),
    Case(
        "coupon",
        "activate_coupons",
        "smartpay.manage_coupon",
        lambda shop: shop.coupon(active=False),
        "PATCH",
        "/coupons/{id}",
        lambda c: c.active is True,
    ),
    Case(
        "promotioncode",
        "deactivate_promotion_codes",
        "smartpay.manage_promotioncode",
        lambda shop: shop.promotion_code(),
        "PATCH",
        "/promotion-codes/{id}",
        lambda c: c.active is False,
    ),
    Case(
        "promotioncode",
        "activate_promotion_codes",
        "smartpay.manage_promotioncode",
        lambda shop: shop.promotion_code(active=False),
        "PATCH",
        "/promotion-codes/{id}",
        lambda c: c.active is True,
    ),
]


def ledger_after(sim: Any, start: int) -> list[dict]:
    return sim.ledger.snapshot()[start:]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_allowed(case: Case, shop, staff, simulator):
    row = case.make(shop)
    client = staff(case.perm)
    assert case.action in offered(client, case.model)
    admin = Admin(client, case.model, case.action)
    start = len(simulator.ledger)

    page = admin.select(row)
    assert page.status_code == 200
    assert row.smartpay_id in page.content.decode()
    assert ledger_after(simulator, start) == [], "the confirmation page sends nothing"

    response = admin.submit(page, **case.fields)
    assert response.status_code == 302
    sent = [(e["method"], e["path"], e["status"]) for e in ledger_after(simulator, start)]
    assert sent == [(case.method, case.request_path(row), 200)] or sent == [
        (case.method, case.request_path(row), 204)
    ]
    row.refresh_from_db()
    assert case.done(row)
    (message,) = messages_of(response)
    assert message.startswith(who(row) + ": ")
    entry = LogEntry.objects.get(object_id=str(row.pk), content_type__model=case.model)
    assert entry.user.username == "support"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forbidden_without_the_permission(case: Case, shop, staff, simulator):
    row = case.make(shop)
    client = staff()  # may view everything, holds no action permission
    assert case.action not in offered(client, case.model)
    assert "sync_from_smartpay" in offered(client, case.model)
    start = len(simulator.ledger)
    before = type(row).objects.get(pk=row.pk).data

    # A hand-made POST naming the action: Django refuses an action it does not offer.
    admin = Admin(client, case.model, case.action)
    response = admin.select(row)
    assert response.status_code == 302
    forged = {
        "action": case.action,
        "_selected_action": [str(row.pk)],
        "_smartpay_confirm": "yes",
        "smartpay-confirmation": "forged",
        **{f"smartpay-{name}": value for name, value in case.fields.items()},
    }
    response = client.post(changelist(case.model), forged)
    assert response.status_code == 302
    assert ledger_after(simulator, start) == []
    assert type(row).objects.get(pk=row.pk).data == before
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_permission_is_checked_again_on_submit(case: Case, shop, staff, simulator, django_user_model):
    """The page was rendered while the user held the permission; it was withdrawn before the submit."""
    row = case.make(shop)
    client = staff(case.perm)
    admin = Admin(client, case.model, case.action)
    page = admin.select(row)
    assert page.status_code == 200
    app_label, codename = case.perm.split(".")
    user = django_user_model.objects.get(username="support")
    user.user_permissions.remove(
        *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    )
    start = len(simulator.ledger)

    response = admin.submit(page, **case.fields)
    assert response.status_code == 302  # "No action selected": the action is not offered any more
    assert ledger_after(simulator, start) == []
    assert not case.done(type(row).objects.get(pk=row.pk))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_smartpay_error_is_reported_readably(case: Case, shop, staff, simulator):
    row = case.make(shop)
    admin = Admin(staff(case.perm), case.model, case.action)
    page = admin.select(row)
    simulator.faults.add(method=case.method, path=case.request_path(row), status=409)
    start = len(simulator.ledger)

    response = admin.submit(page, **case.fields)
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert message == (
        f"{who(row)}: Smartpay refused the request: "
        "The current state of the object does not allow this. (error simulator.fault)."
    )
    assert [e["fault"] for e in ledger_after(simulator, start)] == ["fault_1"]
    assert not case.done(type(row).objects.get(pk=row.pk))
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_double_submit_sends_once(case: Case, shop, staff, simulator):
    row = case.make(shop)
    admin = Admin(staff(case.perm), case.model, case.action)
    page = admin.select(row)
    start = len(simulator.ledger)

    first = admin.submit(page, **case.fields)
    second = admin.submit(page, **case.fields)
    assert first.status_code == second.status_code == 302
    sent = [(e["method"], e["path"]) for e in ledger_after(simulator, start)]
    assert sent == [(case.method, case.request_path(row))]
    (message,) = messages_of(second)
    assert "already done from this confirmation page" in message
    assert case.done(type(row).objects.get(pk=row.pk))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forged_or_moved_confirmation_is_refused(case: Case, shop, staff, simulator):
    row = case.make(shop)
    admin = Admin(staff(case.perm), case.model, case.action)
    page = admin.select(row)
    data = form_data(page)
    token = data["smartpay-confirmation"][0]
    start = len(simulator.ledger)
    for bad in (token[:-2] + "xx", "forged", ""):
        response = admin.client.post(admin.url, {**data, "smartpay-confirmation": [bad]})
        assert response.status_code == 200
        assert response.context["form"].errors["confirmation"]
    assert ledger_after(simulator, start) == []


def test_confirmation_cannot_be_moved_to_another_action_or_user(shop, staff, simulator):
    token = shop.token()
    disable = Admin(staff("smartpay.manage_token"), "token", "disable_tokens")
    data = form_data(disable.select(token))
    start = len(simulator.ledger)
    moved = {**data, "action": ["delete_tokens"], "smartpay-understood": ["on"]}
    response = disable.client.post(disable.url, moved)
    assert response.status_code == 200
    assert "altered" in str(response.context["form"].errors["confirmation"])
    other = staff("smartpay.manage_token", username="other")
    response = other.post(disable.url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["confirmation"]
    assert ledger_after(simulator, start) == []


def test_delete_token_warns_and_needs_acknowledgement(shop, staff, simulator):
    token = shop.token()
    admin = Admin(staff("smartpay.manage_token"), "token", "delete_tokens")
    page = admin.select(token)
    assert "Deleting a token is final" in page.content.decode()
    start = len(simulator.ledger)
    response = admin.submit(page)  # the box left unticked
    assert response.status_code == 200
    assert response.context["form"].errors["understood"]
    assert ledger_after(simulator, start) == []
    token.refresh_from_db()
    assert token.status == TokenStatus.ACTIVE


def test_refused_by_the_simulators_rules(shop, staff, simulator, smartpay_client):
    """Smartpay knows better than the local row: the payment was refunded behind our back."""
    payment = shop.payment(2000)
    smartpay_client.create_refund(payment.smartpay_id, 2000, "JPY", "fraudulent")  # not synced
    admin = Admin(staff("smartpay.refund_payment"), "payment", "refund_payments")
    response = admin.run(payment, reason="requested_by_customer")
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert message.startswith(f"{who(payment)}: Smartpay refused the request: ")
    error = simulator.ledger[-1]
    assert error["path"] == "/v1/refunds"
    assert 400 <= error["status"] < 500
    assert f"(error {error['errorCode']})" in message
    payment.refresh_from_db()
    assert payment.refunded_amount == 0  # nothing synced from a refusal


def test_bulk_reports_every_row_and_does_not_stop(shop, staff, simulator):
    tokens = [shop.token(), shop.token(status="disabled"), shop.token()]
    simulator.faults.add(method="PUT", path=f"/v1/tokens/{tokens[0].smartpay_id}/disable", status=400)
    admin = Admin(staff("smartpay.manage_token"), "token", "disable_tokens")
    page = admin.select(*tokens)
    # The disabled token is listed apart before confirmation, and is not part of the form.
    assert [row["object"] for row in page.context["left_out"]] == [tokens[1]]
    assert form_data(page)["_selected_action"] == [str(tokens[0].pk), str(tokens[2].pk)]
    response = admin.submit(page)
    assert response.status_code == 302
    first, third = messages_of(response)
    assert first.startswith(f"{who(tokens[0])}: Smartpay refused the request")
    assert third == f"{who(tokens[2])}: Token is now disabled."
    statuses = [t.status for t in type(tokens[0]).objects.order_by("pk")]
    assert statuses == [TokenStatus.ACTIVE, TokenStatus.DISABLED, TokenStatus.DISABLED]


@pytest.mark.parametrize(
    ("perm", "granted", "withheld"),
    [
        ("smartpay.manage_coupon", "coupon", "promotioncode"),
        ("smartpay.manage_promotioncode", "promotioncode", "coupon"),
    ],
)
def test_each_discount_model_has_its_own_permission(perm, granted, withheld, staff):
    """Holding one model's permission offers that model's actions only (no shared codename)."""
    client = staff(perm)
    assert {"activate_coupons", "deactivate_coupons"} & offered(client, "coupon") == (
        {"activate_coupons", "deactivate_coupons"} if granted == "coupon" else set()
    )
    codes = {"activate_promotion_codes", "deactivate_promotion_codes"}
    assert codes & offered(client, "promotioncode") == (codes if granted == "promotioncode" else set())
    assert "sync_from_smartpay" in offered(client, withheld)
