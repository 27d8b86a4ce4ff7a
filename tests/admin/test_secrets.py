"""No admin request learns a secret: not by filtering, searching, ordering, referencing or reading.

Each probe is sent twice, with a right and a wrong guess of the secret; the two answers must be
the same (and a refusal), for a clerk who may only view the list and for a superuser alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from django_smartpay.admin.secrets import REDACTED, is_secret_field, touches_secret
from django_smartpay.models import Order, Token, WebhookEndpoint, WebhookEvent

from .rows import populate

pytestmark = pytest.mark.django_db

SECRET = "whsec_Q7uL4mYb2XkP9sRt"
PASSWORD = "correct horse battery staple"
ADMINS = sorted(
    (m for m in apps.get_app_config("smartpay").get_models() if admin.site.is_registered(m)),
    key=lambda m: m._meta.model_name,
)
#: Paths to a secret from each model, and the right guess of its value (filled in by ``rows``).
SECRET_PATHS = {
    "webhookendpoint": ["signing_secret", "data__signingSecret", "metadata__signing_secret"],
    "webhookevent": ["headers__Smartpay-Signature", "headers__smartpay_signature"],
    "order": ["user__password", "token__user__password", "data__signingSecret"],
    "payment": ["order__user__password", "data__apiKey"],
    "refund": ["payment__order__user__password"],
    "token": ["user__password", "orders__user__password"],
    "checkoutsession": ["user__password", "order__user__password"],
    "tokencharge": ["token__user__password", "order__user__password"],
    "chargeschedule": ["token__user__password", "charges__order__user__password"],
    "coupon": ["data__signingSecret", "promotion_codes__data__secret"],
    "promotioncode": ["coupon__data__secret", "data__signingSecret"],
}
LOOKUPS = ["", "__exact", "__startswith", "__istartswith", "__regex", "__contains", "__gte", "__lt", "__in"]


@pytest.fixture
def rows(django_user_model) -> dict[str, str]:
    """One row of every model; the endpoint's secret and the users' password hash are known."""
    populate(2, django_user_model)
    WebhookEndpoint.objects.update(signing_secret=SECRET, data={"signingSecret": SECRET, "id": "x"})
    WebhookEvent.objects.update(headers={"Smartpay-Signature": SECRET, "Content-Type": "application/json"})
    for user in django_user_model.objects.all():
        user.set_password(PASSWORD)
        user.save()
    password = django_user_model.objects.order_by("pk").first().password
    return {"signing_secret": SECRET, "password": password}


def clerk(django_user_model, model: Any) -> Client:
    """A staff user who may only view ``model`` (the webhook endpoint clerk of the issue)."""
    user = django_user_model.objects.create_user(username="clerk", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="smartpay", codename=f"view_{model._meta.model_name}")
    )
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def superuser(django_user_model) -> Client:
    user = django_user_model.objects.create_superuser(username="root", password="pw", email="root@example.jp")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def right_guess(path: str, rows: dict[str, str]) -> str:
    return rows["password"][:6] if path.endswith("password") else SECRET[:8]


def same(first: Any, second: Any) -> bool:
    """The two answers tell nothing apart: same status, same redirect, same rows."""
    if (first.status_code, first.get("Location")) != (second.status_code, second.get("Location")):
        return False
    if first.status_code == 200 and first.context and "cl" in first.context:
        return list(first.context["cl"].result_list) == list(second.context["cl"].result_list)
    return True


def probes(model_name: str) -> list[str]:
    return [f"{path}{lookup}" for path in SECRET_PATHS[model_name] for lookup in LOOKUPS]


@pytest.mark.parametrize("who", ["clerk", "superuser"])
@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m._meta.model_name)
def test_no_query_string_filters_on_a_secret(model, who, rows, django_user_model):
    client = clerk(django_user_model, model) if who == "clerk" else superuser(django_user_model)
    url = reverse(f"admin:smartpay_{model._meta.model_name}_changelist")
    for lookup in probes(model._meta.model_name):
        guess = right_guess(lookup, rows)
        extra = {"_changelist_filters": f"{lookup}={guess}"}
        for params in ({lookup: guess}, {lookup: "zz-wrong"}, extra, {lookup: guess, "o": "1", "q": guess}):
            response = client.get(url, params)
            assert response.status_code in (400, 302), (lookup, params, response.status_code)
            if response.status_code == 302:
                assert response["Location"].endswith("?e=1")
        right = client.get(url, {lookup: guess})
        wrong = client.get(url, {lookup: "zz-wrong"})
        assert same(right, wrong), lookup


@pytest.mark.parametrize("model", ADMINS, ids=lambda m: m._meta.model_name)
def test_search_and_references_never_reach_a_secret(model, rows, django_user_model):
    client = superuser(django_user_model)
    model_admin = admin.site.get_model_admin(model)
    request = client.get(reverse("admin:index")).wsgi_request
    for name in model_admin.get_search_fields(request):
        assert not touches_secret(model, name), name
    for name in model_admin.get_sortable_by(request):
        assert not touches_secret(
            model, str(getattr(getattr(model_admin, name, None), "admin_order_field", name))
        )
    url = reverse(f"admin:smartpay_{model._meta.model_name}_changelist")
    for guess in (SECRET, SECRET[:8], rows["password"], rows["password"][:10]):
        found = client.get(url, {"q": guess})
        nothing = client.get(url, {"q": "zz-wrong"})
        assert found.status_code == nothing.status_code == 200
        assert same(found, nothing), guess
    for field in model._meta.get_fields():
        if is_secret_field(field):
            assert client.get(url, {"_to_field": field.name, "_popup": "1"}).status_code == 400


def test_autocomplete_never_searches_or_returns_a_secret(rows, django_user_model):
    client = superuser(django_user_model)
    url = reverse("admin:autocomplete")
    for model in ADMINS:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete):
                continue
            answers = [
                client.get(
                    url,
                    {
                        "app_label": "smartpay",
                        "model_name": model._meta.model_name,
                        "field_name": field.name,
                        "term": term,
                    },
                )
                for term in (SECRET, rows["password"], "zz-wrong")
            ]
            for answer in answers:
                assert answer.status_code in (200, 403, 404), (model, field.name)
                assert SECRET not in answer.content.decode()
                assert rows["password"] not in answer.content.decode()
            assert [a.content for a in answers[:2]] == [answers[2].content] * 2, (model, field.name)


def test_webhook_endpoint_pages_never_show_the_secret(rows, django_user_model):
    endpoint = WebhookEndpoint.objects.first()
    client = clerk(django_user_model, WebhookEndpoint)
    pages = [
        reverse("admin:smartpay_webhookendpoint_changelist"),
        reverse("admin:smartpay_webhookendpoint_change", args=[endpoint.pk]),
        reverse("admin:smartpay_webhookendpoint_history", args=[endpoint.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert SECRET not in content and SECRET[:8] not in content
    change = client.get(pages[1]).content.decode()
    assert REDACTED in change  # the API object's ``signingSecret`` key, redacted
    assert "signing secret" not in change.lower()  # not even the empty field


def test_event_headers_and_nested_json_are_redacted(rows, admin_client):
    event = WebhookEvent.objects.first()
    event.body = json.dumps({"id": "evt", "eventData": {"data": {"object": {"signingSecret": SECRET}}}})
    event.save()
    content = admin_client.get(
        reverse("admin:smartpay_webhookevent_change", args=[event.pk])
    ).content.decode()
    assert SECRET not in content
    assert content.count(REDACTED) >= 2  # the signature header and the nested key
    assert "application/json" in content  # other headers are still shown


def test_declared_filters_and_links_still_work(rows, admin_client):
    order = Order.objects.order_by("pk").first()
    token = Token.objects.get(smartpay_id=order.token_id)
    cases = [
        ("order", {"status__exact": "requires_capture"}, 2),
        ("order", {"token": token.smartpay_id}, 1),
        ("order", {"smartpay_id": order.smartpay_id}, 1),
        ("payment", {"order": order.smartpay_id}, 1),
        ("tokencharge", {"token__test__exact": "1"}, 2),
        ("webhookevent", {"type": "order.updated"}, 1),
        ("webhookevent", {"status__exact": "processed", "test__exact": "1"}, 2),
    ]
    for model_name, params, count in cases:
        response = admin_client.get(reverse(f"admin:smartpay_{model_name}_changelist"), params)
        assert response.status_code == 200, (model_name, params)
        assert len(response.context["cl"].result_list) == count, (model_name, params)
    # Undeclared, though harmless, lookups are closed too: the admin's filters are the whole language.
    for params in (
        {"amount__gte": "1"},
        {"reference__startswith": "cart"},
        {"order__user__username": "user0"},
    ):
        assert admin_client.get(reverse("admin:smartpay_order_changelist"), params).status_code == 400


def test_secret_names():
    field = WebhookEndpoint._meta.get_field("signing_secret")
    assert is_secret_field(field)
    assert not any(is_secret_field(f) for f in Order._meta.get_fields())
    assert touches_secret(Order, "user__password__startswith")
    assert touches_secret(WebhookEndpoint, "data__signingSecret")
    assert not touches_secret(Order, "user__username__icontains")
    assert re.search("secret", "signing_secret")
