"""On PostgreSQL, each changelist's page query walks an index: its cost does not grow with the table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory

from django_smartpay.client.constants import EVENTS
from django_smartpay.models import ChargeSchedule, TokenCharge, WebhookEvent

from .rows import populate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def page_plan(model, admin_user, **params) -> str:
    """PostgreSQL's plan of the changelist's first page for ``params``."""
    request = RequestFactory().get("/", params)
    request.user = admin_user
    changelist = admin.site.get_model_admin(model).get_changelist_instance(request)
    return changelist.queryset[:100].explain()


@pytest.fixture
def events(admin_user, django_user_model):
    populate(300, django_user_model)
    WebhookEvent.objects.bulk_create(
        WebhookEvent(
            event_id=f"evt_{i}", type=EVENTS[i % len(EVENTS)], received_at=START + dt.timedelta(seconds=i)
        )
        for i in range(20_000)
    )
    schedules = ChargeSchedule.objects.bulk_create(
        ChargeSchedule(
            token_id=f"paytok_test_{i % 300:06d}", amount=500, interval="monthly", next_run_at=START
        )
        for i in range(20_000)
    )
    TokenCharge.objects.bulk_create(
        TokenCharge(
            token_id=schedule.token_id,
            schedule=schedule,
            period=START,
            amount=500,
            reference=f"plan-{schedule.pk}",
            idempotency_key=f"plan-{schedule.pk}",
        )
        for schedule in schedules
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.parametrize(
    ("model", "params", "index"),
    [
        (WebhookEvent, {}, "smartpay_whevent_received_idx"),
        (WebhookEvent, {"type": "token.approved"}, "smartpay_whevent_type_idx"),
        (TokenCharge, {}, "smartpay_charge_created_idx"),
        (ChargeSchedule, {}, "smartpay_schedule_created_idx"),
    ],
)
def test_changelist_page_uses_its_index(model, params, index, events, admin_user):
    plan = page_plan(model, admin_user, **params)
    assert index in plan, plan
    assert f"Seq Scan on {model._meta.db_table}" not in plan, plan
