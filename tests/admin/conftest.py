"""Fixtures for the admin tests: real objects made through the services in the simulator,
staff users with chosen permissions, and a driver for confirmation pages."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst

from django_smartpay import services
from django_smartpay.models import Coupon, Order, Payment, PromotionCode, Token
from tests.shopping import ADDRESS


class Shop:
    """Makes objects in the simulator through the services, the way a shop and its shoppers would."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        self.sim.clock.advance(1)
        return self.counter

    def order(
        self, amount: int = 2000, *, capture_method: str = "manual", user: Any = None, name: str = "Matcha"
    ) -> Order:
        """An authorized order (``requires_capture`` for a manual capture)."""
        n = self._next()
        session = services.create_checkout_session(
            user=user,
            currency="JPY",
            items=[{"name": f"{name} {n}", "amount": amount}],
            shipping_info={"address": ADDRESS},
            customer_info={},
            capture_method=capture_method,
            reference=f"cart-{n}",
            success_url="https://shop.example/ok",
            cancel_url="https://shop.example/cancel",
        )
        self.sim.clock.advance(1)
        self.sim.authorize_order(session.order_id)
        return services.sync_by_id(session.order_id)

    def payment(self, amount: int = 2000) -> Payment:
        """A processed payment of ``amount``: a capture of a manual order."""
        return services.capture_order(self.order(amount))

    def token(self, *, status: str = "active") -> Token:
        n = self._next()
        session = services.create_token_checkout_session(
            success_url="https://shop.example/ok",
            cancel_url="https://shop.example/cancel",
            reference=f"tok-{n}",
        )
        self.sim.clock.advance(1)
        self.sim.approve_token(session.token_id)
        token = services.sync_by_id(session.token_id)
        if status == "disabled":
            token = services.disable_token(token)
        return token

    def coupon(self, *, active: bool = True) -> Coupon:
        n = self._next()
        coupon = services.create_coupon(
            name=f"Spring {n}", discount_type="amount", discount_amount=100, currency="JPY"
        )
        return coupon if active else services.update_coupon(coupon, active=False)

    def promotion_code(self, *, active: bool = True) -> PromotionCode:
        n = self._next()
        code = services.create_promotion_code(self.coupon(), f"SPRING{n}")
        return code if active else services.update_promotion_code(code, active=False)


@pytest.fixture
def shop(simulator) -> Shop:
    return Shop(simulator)


@pytest.fixture
def staff(django_user_model) -> Callable[..., Client]:
    """``staff("smartpay.refund_payment", ...)``: a logged-in staff client with exactly those permissions
    (plus view permission on every smartpay model)."""

    def make(*perms: str, username: str = "support") -> Client:
        user = django_user_model.objects.create_user(username=username, password="pw", is_staff=True)
        wanted = [Permission.objects.filter(content_type__app_label="smartpay", codename__startswith="view_")]
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        for queryset in wanted:
            user.user_permissions.add(*queryset)
        client = Client()
        client.force_login(user)
        return client

    return make


def who(row: Any) -> str:
    """How messages name a row: ``Payment payment_test_…``."""
    return f"{capfirst(row._meta.verbose_name)} {row}"


def changelist(model_name: str) -> str:
    return reverse(f"admin:smartpay_{model_name}_changelist")


def offered(client: Client, model_name: str) -> set[str]:
    """The actions the changelist offers to the client's user."""
    response = client.get(changelist(model_name))
    assert response.status_code == 200
    form = response.context["action_form"]
    return set() if form is None else {name for name, _label in form.fields["action"].choices if name}


class _FormFields(HTMLParser):
    """What a browser submits from the confirmation form (inputs, checked boxes, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("id") == "smartpay-confirm-form":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.fields.append((self.textarea or "", ""))

    def handle_data(self, data: str) -> None:
        if self.textarea:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_data(response: Any) -> dict[str, list[str]]:
    """The fields of the rendered confirmation form, as a browser would send them unchanged."""
    assert response.status_code == 200, response.status_code
    parser = _FormFields()
    parser.feed(response.content.decode())
    assert parser.fields, "no confirmation form on the page"
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


class Admin:
    """Drives one action of one changelist the way a person in a browser does."""

    def __init__(self, client: Client, model_name: str, action: str) -> None:
        self.client = client
        self.url = changelist(model_name)
        self.action = action

    def select(self, *rows: Any) -> Any:
        """Select rows and choose the action on the changelist: the confirmation page (or a redirect)."""
        data = {"action": self.action, "index": "0", "_selected_action": [str(row.pk) for row in rows]}
        return self.client.post(self.url, data)

    def submit(self, page: Any, **changes: Any) -> Any:
        """Submit the confirmation page, with some form fields changed (``amount=...``)."""
        data = form_data(page)
        for name, value in changes.items():
            field = f"smartpay-{name}"
            if value is None:
                data.pop(field, None)
            else:
                data[field] = [str(value)]
        return self.client.post(self.url, data)

    def run(self, *rows: Any, **changes: Any) -> Any:
        page = self.select(*rows)
        return self.submit(page, **changes)


def messages_of(response: Any) -> list[str]:
    """The messages this response added: shown on the page itself, or stored for the next one."""
    if response.status_code == 200:
        return [str(message) for message in response.context["messages"]]
    return [str(message) for message in response.wsgi_request._messages._queued_messages]


def mutating(sim: Any, method: str, path_prefix: str, *, replayed: bool | None = None) -> list[dict]:
    """Ledger entries of ``method`` on paths starting with ``path_prefix``."""
    return [
        entry
        for entry in sim.ledger.snapshot()
        if entry["method"] == method
        and entry["path"].startswith(path_prefix)
        and (replayed is None or entry["replayed"] is replayed)
    ]
