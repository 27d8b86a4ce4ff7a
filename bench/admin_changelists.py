"""Benchmark: the cost of every admin changelist on a large PostgreSQL table, now and before.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/admin_changelists.py \
        [--events 200000] [--small-events 20000] [--rows 20000] [--repeat 9]

Creates its own database and ``--rows`` rows of every model, then requests each changelist
in-process (Django's test client, logged in as a superuser): the default page, filters and a
deep page, ``--repeat`` times each, with ``--small-events`` and then ``--events`` webhook
events (bulk-created).  At each size the same requests also go to a second admin site
configured as before (Django's paginator with its full ``COUNT(*)``, the ``SELECT DISTINCT``
event type filter) with the indexes this change added dropped.  Prints one JSON document:
median and p90 wall time per request, median SQL time per request (milliseconds), statements
per request, and the machine load (``os.getloadavg``) each block ran under.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings

DATABASE_NAME = "bench_admin_changelists"


def configure(url: str) -> None:
    from tests.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES, database_from_url

    database = database_from_url(url)
    database["TEST"] = {"NAME": DATABASE_NAME}
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        TIME_ZONE="Asia/Tokyo",
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=INSTALLED_APPS,
        MIDDLEWARE=MIDDLEWARE,
        TEMPLATES=TEMPLATES,
        ROOT_URLCONF=__name__,
        STATIC_URL="/static/",
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SMARTPAY={
            "SECRET_KEY": "sk_test_benchAdminChangelists01",
            "API_BASE": "http://smartpay.simulator/v1",
        },
        SILENCED_SYSTEM_CHECKS=["smartpay.W002"],
    )
    django.setup()


urlpatterns: list[Any] = []


def build_urls() -> Any:
    """``/admin/`` (this code) and ``/before/`` (the same admins configured as before)."""
    from django.contrib import admin
    from django.core.paginator import Paginator
    from django.urls import path

    from django_smartpay.admin.webhooks import WebhookEventAdmin

    before = admin.AdminSite(name="before")
    for model in [m for m in django.apps.apps.get_app_config("smartpay").get_models()]:
        if not admin.site.is_registered(model):
            continue
        current = type(admin.site.get_model_admin(model))

        def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
            return Paginator(queryset, per_page, orphans, allow_empty_first_page)

        attributes: dict[str, Any] = {"get_paginator": get_paginator}
        if current is WebhookEventAdmin:
            attributes["list_filter"] = ("status", "type", "test", ("received_at", admin.DateFieldListFilter))
        before.register(model, type(f"Before{current.__name__}", (current,), attributes))
    urlpatterns[:] = [path("admin/", admin.site.urls), path("before/", before.urls)]
    return before


def populate(events: range, rows: int) -> None:
    """Webhook events ``events`` (five kinds of status, every event type), and on the first call
    ``rows`` rows of every other model, built by the admin tests' own builder."""
    from django_smartpay.client.constants import EVENTS
    from django_smartpay.models import WebhookEvent
    from tests.admin.rows import mirrored_rows, smartpay_id

    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    batch = 5000

    def chunks(total: int):
        for first in range(0, total, batch):
            yield range(first, min(total, first + batch))

    for numbers in chunks(len(events)):
        numbers = range(events.start + numbers.start, events.start + numbers.stop)
        WebhookEvent.objects.bulk_create(
            WebhookEvent(
                event_id=f"evt_test_{i:07d}",
                type=EVENTS[i % len(EVENTS)],
                status=("processed", "processed", "processed", "ignored", "failed")[i % 5],
                object_model="smartpay.order",
                object_smartpay_id=smartpay_id("order", i % max(rows, 1)),
                body=json.dumps({"id": f"evt_test_{i:07d}", "eventData": {"type": EVENTS[i % len(EVENTS)]}}),
                headers={"Content-Type": "application/json"},
                received_at=start + dt.timedelta(seconds=i),
            )
            for i in numbers
        )
    if events.start:
        return
    for numbers in chunks(rows):
        mirrored_rows(numbers, start=start, order_statuses=("succeeded", "requires_capture", "canceled"))


def scenarios() -> list[tuple[str, str, dict[str, str]]]:
    """``(name, model, query)``: every changelist's default page, and the event list's filters."""
    from django.contrib import admin

    cases = [
        (f"{model._meta.model_name} default", model._meta.model_name, {})
        for model in django.apps.apps.get_app_config("smartpay").get_models()
        if admin.site.is_registered(model)
    ]
    cases += [
        ("webhookevent type filter", "webhookevent", {"type": "token.approved"}),
        ("webhookevent status filter", "webhookevent", {"status__exact": "failed"}),
        ("webhookevent type filter, page 8", "webhookevent", {"type": "token.approved", "p": "8"}),
        ("webhookevent page 150", "webhookevent", {"p": "150"}),
        ("order status filter", "order", {"status__exact": "canceled"}),
    ]
    return cases


def measure(client: Any, prefix: str, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results: dict[str, Any] = {"load_before": os.getloadavg()}
    for name, model_name, query in scenarios():
        url = f"/{prefix}/smartpay/{model_name}/"
        client.get(url, query)  # warm the caches and the plan
        timings = []
        sql = []
        statements = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, query)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (prefix, name, response.status_code)
            statements = len(queries)
            sql.append(sum(float(q["time"]) for q in queries) * 1000)
        results[name] = {
            "median_ms": round(statistics.median(timings), 1),
            "p90_ms": round(sorted(timings)[max(0, int(len(timings) * 0.9) - 1)], 1),
            "sql_median_ms": round(statistics.median(sql), 1),
            "statements": statements,
        }
    results["load_after"] = os.getloadavg()
    return results


def new_indexes() -> list[tuple[Any, Any]]:
    """The indexes this change added, with their models."""
    from django_smartpay.models import ChargeSchedule, TokenCharge, WebhookEvent

    added = {"smartpay_whevent_received_idx", "smartpay_whevent_type_idx"}
    added |= {"smartpay_schedule_created_idx", "smartpay_charge_created_idx"}
    return [
        (model, index)
        for model in (WebhookEvent, ChargeSchedule, TokenCharge)
        for index in model._meta.indexes
        if index.name in added
    ]


def set_new_indexes(present: bool) -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        for model, index in new_indexes():
            (editor.add_index if present else editor.remove_index)(model, index)
    analyze()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--small-events", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/name (the bench creates its own database).")
    configure(url)
    build_urls()

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    report: dict[str, Any] = {
        "database": "postgresql",
        "rows_of_other_models": args.rows,
        "repeat": args.repeat,
        "cpu_count": os.cpu_count(),
        "indexes_dropped_for_before": [index.name for _model, index in new_indexes()],
    }
    try:
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", "bench@example.jp", "pw"))
        done = 0
        for size in (args.small_events, args.events):
            started = time.perf_counter()
            populate(range(done, size), args.rows)
            analyze()
            done = size
            now = measure(client, "admin", args.repeat)
            set_new_indexes(False)
            before = measure(client, "before", args.repeat)
            set_new_indexes(True)
            report[f"{size}_webhook_events"] = {
                "populate_seconds": round(time.perf_counter() - started, 1),
                "now": now,
                "before": before,
            }
    finally:
        teardown_databases(databases, verbosity=0)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
