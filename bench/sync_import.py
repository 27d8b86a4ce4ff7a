"""Benchmark: import orders from the in-process simulator with ``smartpay_sync``.

    python bench/sync_import.py [--orders 10000] [--page-sizes 20 100] [--django-sqlite-limit]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/sync_import.py

Creates ``--orders`` token orders in a fresh simulator, then, for each page size,
empties the tables and runs ``manage.py smartpay_sync orders --page-size N`` against
a file-based SQLite database in a temporary directory, or, with ``DATABASE_URL``, a
PostgreSQL database created for the run (``smartpay_bench_sync``) and dropped after it.
Every SQL statement (BEGIN and COMMIT included) is counted and timed with Django's
``CaptureQueriesContext``; every HTTP call is timed at the ``requests.Session`` level.
A second run must write nothing (no INSERT, UPDATE or DELETE): the bench fails
otherwise.  Prints one JSON document, with the machine's load average before and after.

SQLite note: Django 5.2 assumes SQLite's old default of 999 bound values per
statement and splits a bulk ``INSERT`` into chunks of ``999 // columns`` rows, so
on SQLite the statement count of a page grows with its size for reasons outside
django_smartpay.  The SQLite that Python links today allows far more (see
``sqlite_max_query_params`` in the output); the bench tells Django so, unless
``--django-sqlite-limit`` keeps Django's 999 to show the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
import requests
from django.conf import settings
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases

SECRET_KEY = "sk_test_benchSyncImport0001"
WRITES = ("INSERT", "UPDATE", "DELETE")
ADDRESS = {"line1": "1-1-1", "locality": "Chiyoda-ku", "postalCode": "100-0005", "country": "JP"}


def database(directory: str) -> dict:
    """SQLite in ``directory``, or the PostgreSQL server of ``DATABASE_URL`` (a database of our own)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(directory) / "bench.sqlite3")}
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "TEST": {"NAME": "smartpay_bench_sync"},
    }


def configure(directory: str, api_base: str) -> None:
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench-only",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django_smartpay"],
        DATABASES={"default": database(directory)},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SMARTPAY={"SECRET_KEY": SECRET_KEY, "API_BASE": api_base, "MAX_RETRIES": 0},
    )
    django.setup()


class TimedSession(requests.Session):
    """A session that adds up the time spent in HTTP calls (here: in the simulator)."""

    seconds = 0.0
    calls = 0
    on_send = None

    def send(self, request, **kwargs):
        if self.on_send is not None:
            self.on_send()
        started = time.perf_counter()
        try:
            return super().send(request, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


class StatementLog:
    """Statements per page: ``mark()`` is called before each HTTP request, so the statements
    between two list requests are the previous page's."""

    def __init__(self, captured: CaptureQueriesContext) -> None:
        self.captured = captured
        self.per_page: list[int] = []
        self._page_start = 0

    seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        """Times each statement sent through a cursor (``connection.execute_wrapper``)."""
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started

    def mark(self, *args) -> None:
        count = len(self.captured.captured_queries)
        self.per_page.append(count - self._page_start)
        self._page_start = count


def create_orders(sim, count: int) -> float:
    from django_smartpay.client import SmartpayClient

    started = time.perf_counter()
    client = SmartpayClient(SECRET_KEY, api_base=sim.api_base, session=sim.session())
    session = client.create_checkout_session(
        mode="token", success_url="https://shop.example/ok", cancel_url="https://shop.example/cancel"
    )
    sim.approve_token(session["token"]["id"])
    for number in range(count):
        client.create_order(
            token=session["token"]["id"],
            currency="JPY",
            items=[{"name": "Subscription", "amount": 1000 + number % 500}],
            shipping_info={"address": ADDRESS},
            customer_info={},
            reference=f"bench-{number}",
        )
    return time.perf_counter() - started


def run_import(page_size: int, http: TimedSession) -> dict:
    from django.core.management import call_command
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        log = StatementLog(captured)
        http.seconds, http.calls, http.on_send = 0.0, 0, log.mark
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(log):
                call_command("smartpay_sync", "orders", "--page-size", str(page_size), stdout=StringIO())
        finally:
            http.on_send = None
        wall = time.perf_counter() - started
        log.mark()
    queries = captured.captured_queries
    db_seconds = log.seconds
    writes = [query["sql"] for query in queries if query["sql"].lstrip().split(" ", 1)[0] in WRITES]
    before_first_request, *pages = log.per_page
    assert before_first_request == 0, before_first_request
    return {
        "pages": len(pages),
        "statements_per_page": {
            "min": min(pages),
            "max": max(pages),
            "mean": round(statistics.mean(pages), 2),
        },
        "statements_total": len(queries),
        "writes": len(writes),
        "http_calls": http.calls,
        "http_seconds": round(http.seconds, 3),
        "db_seconds": round(db_seconds, 3),
        "db_to_http": round(db_seconds / http.seconds, 3) if http.seconds else None,
        "python_seconds": round(wall - db_seconds - http.seconds, 3),
        "wall_seconds": round(wall, 3),
        "orders_per_second": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--page-sizes", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--django-sqlite-limit", action="store_true", help="keep Django's 999 bound values")
    args = parser.parse_args()

    from django_smartpay.simulator import Simulator

    sim = Simulator(keys=[SECRET_KEY])  # unknown keys get 401
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="smartpay-bench-") as directory:
        configure(directory, sim.api_base)
        from django.db import connection

        from django_smartpay import conf
        from django_smartpay.models import Order

        vendor = connection.vendor
        databases = setup_databases(verbosity=0, interactive=False, keepdb=False, aliases={"default"})
        try:
            limit = connection.features.max_query_params
            if vendor == "sqlite" and not args.django_sqlite_limit:
                limit = sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                connection.features.max_query_params = limit
            create_seconds = create_orders(sim, args.orders)
            http = sim.mount(TimedSession())
            http.trust_env = False
            results: dict[str, dict] = {}
            with conf.use_http_session(http):
                for page_size in args.page_sizes:
                    Order.objects.all().delete()
                    first = run_import(page_size, http)
                    first["orders_per_second"] = round(args.orders / first["wall_seconds"])
                    assert Order.objects.count() == args.orders, Order.objects.count()
                    rerun = run_import(page_size, http)
                    assert rerun["writes"] == 0, f"a re-import wrote {rerun['writes']} statements"
                    results[str(page_size)] = {"import": first, "rerun": rerun}
            server = connection.pg_version if vendor == "postgresql" else sqlite3.sqlite_version
        finally:
            teardown_databases(databases, verbosity=0)
    means = {size: result["import"]["statements_per_page"]["max"] for size, result in results.items()}
    report = {
        "orders": args.orders,
        "database": "postgresql" if vendor == "postgresql" else "sqlite3 file",
        "server_version": server,
        "max_query_params": limit,
        "simulator_create_seconds": round(create_seconds, 2),
        "page_sizes": results,
        "statements_per_page_constant": len(set(means.values())) == 1,
        "rerun_writes_nothing": all(result["rerun"]["writes"] == 0 for result in results.values()),
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "cpus": os.cpu_count(),
        "note": "HTTP is the in-process simulator (no network); against api.smartpay.co each page also "
        "waits for a network round trip, so db_to_http there is far smaller.",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
