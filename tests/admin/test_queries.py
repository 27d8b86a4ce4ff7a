"""Every changelist renders with a fixed number of queries, whatever the number of rows, and never counts
the whole table."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_smartpay.admin import display
from django_smartpay.models import Order, Token, WebhookEvent

from .rows import populate

pytestmark = pytest.mark.django_db

SMARTPAY_MODELS = [m for m in apps.get_app_config("smartpay").get_models() if admin.site.is_registered(m)]


def changelist_queries(client, model, **params) -> list[str]:
    url = reverse(f"admin:smartpay_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def count_queries(client, model) -> int:
    return len(changelist_queries(client, model))


def test_every_smartpay_model_is_registered():
    names = {model.__name__ for model in SMARTPAY_MODELS}
    assert names == {
        "ChargeSchedule",
        "CheckoutSession",
        "Coupon",
        "Order",
        "Payment",
        "PromotionCode",
        "Refund",
        "Token",
        "TokenCharge",
        "WebhookEndpoint",
        "WebhookEvent",
    }


def test_changelists_do_not_grow_with_rows(admin_client, django_user_model, record_property):
    populate(10, django_user_model)
    small = {model.__name__: count_queries(admin_client, model) for model in SMARTPAY_MODELS}
    populate(1000, django_user_model)
    for model in SMARTPAY_MODELS:
        assert model._default_manager.count() == 1000
    large = {model.__name__: count_queries(admin_client, model) for model in SMARTPAY_MODELS}
    record_property("changelist_queries", json.dumps(large, sort_keys=True))
    print("changelist queries (10 rows / 1000 rows):", {name: (small[name], large[name]) for name in small})
    assert large == small
    assert max(large.values()) <= 8


def test_a_full_page_shows_100_rows_with_their_links(admin_client, django_user_model):
    populate(1000, django_user_model)
    response = admin_client.get(reverse("admin:smartpay_payment_changelist"))
    assert len(response.context["cl"].result_list) == 100
    content = response.content.decode()
    assert len(re.findall(r'href="/admin/smartpay/order/\d+/change/"', content)) == 100  # each row's order


def test_every_change_page_renders_read_only(admin_client, django_user_model):
    populate(3, django_user_model)
    for model in SMARTPAY_MODELS:
        row = model._default_manager.order_by("pk").first()
        response = admin_client.get(reverse(f"admin:smartpay_{model._meta.model_name}_change", args=[row.pk]))
        assert response.status_code == 200, model
        content = response.content.decode()
        assert 'name="_save"' not in content, model
        assert "<pre" in content, model  # the JSON columns, pretty-printed


def unbounded_counts(statements: list[str]) -> list[str]:
    """``COUNT`` statements that are not over a ``LIMIT`` subquery."""
    return [sql for sql in statements if "COUNT(" in sql.upper() and "LIMIT" not in sql.upper()]


def test_no_changelist_counts_the_whole_table(admin_client, django_user_model):
    populate(1000, django_user_model)
    for model in SMARTPAY_MODELS:
        statements = changelist_queries(admin_client, model)
        assert not unbounded_counts(statements), model
        filtered = changelist_queries(admin_client, model, q="1")  # a search: no "N total" count either
        assert not unbounded_counts(filtered), model


def test_a_long_list_says_more_than_and_pages_on(admin_client, django_user_model, monkeypatch):
    populate(1000, django_user_model)
    monkeypatch.setattr(admin.site.get_model_admin(WebhookEvent), "list_per_page", 10)
    url = reverse("admin:smartpay_webhookevent_changelist")
    first = admin_client.get(url)
    cl = first.context["cl"]
    assert cl.paginator.bounded and cl.paginator.limit == 110  # the page and ten pages ahead
    content = first.content.decode()
    assert "More than 110 webhook events" in content
    assert "Select all matching webhook events (more than 110)" in content
    assert "1000 webhook events" not in content
    deep = admin_client.get(url, {"p": 50})
    assert deep.context["cl"].paginator.limit == 600
    assert deep.context["cl"].result_list[0].event_id == "event_test_000509"
    last = admin_client.get(url, {"p": 100})
    assert not last.context["cl"].paginator.bounded  # the end is in sight: the exact count
    assert "1000 webhook events" in last.content.decode()
    assert admin_client.get(url, {"p": 101})["Location"].endswith("?e=1")
    searched = admin_client.get(url, {"q": "event_test_0001"})
    assert "100 results" in searched.content.decode()
    assert "more than 110 results" in admin_client.get(url, {"q": "event_test"}).content.decode()


def test_event_type_filter_lists_the_known_types_without_reading_the_table(admin_client, django_user_model):
    populate(10, django_user_model)
    statements = changelist_queries(admin_client, WebhookEvent)
    assert not [sql for sql in statements if "DISTINCT" in sql.upper()]
    response = admin_client.get(
        reverse("admin:smartpay_webhookevent_changelist"), {"type": "token.activated"}
    )
    assert len(response.context["cl"].result_list) == 5
    (spec,) = [s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "type"]
    assert ("order.authorized", "order.authorized") in spec.lookup_choices


def test_every_relation_shown_in_a_list_is_selected_with_it():
    for model in SMARTPAY_MODELS:
        model_admin = admin.site.get_model_admin(model)
        related = set(model_admin.list_select_related or ())
        for name in model_admin.list_display:
            field = name.removesuffix("_link")
            try:
                model_field = model._meta.get_field(field)
            except FieldDoesNotExist:  # a display method, not a relation
                continue
            if model_field.is_relation:
                assert any(path == field or path.startswith(f"{field}__") for path in related), (model, field)


def test_change_page_counts_related_rows_up_to_a_bound(admin_client, django_user_model, monkeypatch):
    populate(1, django_user_model)
    token = Token.objects.get()
    Order.objects.bulk_create(
        Order(smartpay_id=f"order_test_x{i}", amount=100, status="succeeded", token_id=token.smartpay_id)
        for i in range(12)
    )
    monkeypatch.setattr(display, "RELATED_COUNT_LIMIT", 10)
    with CaptureQueriesContext(connection) as queries:
        content = admin_client.get(reverse("admin:smartpay_token_change", args=[token.pk])).content.decode()
    assert "orders (10+)" in content
    assert "checkout sessions (1)" in content
    assert not unbounded_counts([query["sql"] for query in queries])
