"""Benchmark: the REST list endpoints at 10, 1,000 and 10,000 rows of one user.

    python bench/drf_lists.py [--rows 10 1000 10000] [--repeat 5] [--walk] [--postgres URL]

For each size, fills a file-based SQLite database in a temporary directory (or, with
``--postgres postgres://user@host:port/name``, a fresh PostgreSQL database of that name,
dropped afterwards) with that many
orders (two payments of one refund each), charge schedules (six charges each) and tokens of
one user, then requests each list in-process (REST framework's test client, no HTTP server):
the first page, the fourth, and with ``--walk`` every page. Prints one JSON document: median
time (and the part spent in SQL), response bytes and SQL statements per request, and the
machine load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings
from django.urls import include, path

from bench import _support as support
from tests.settings import database_from_url

#: This module is the URLconf; the routes are added once Django is configured.
urlpatterns: list[Any] = []


def database(directory: str, postgres: str | None) -> dict[str, Any]:
    """SQLite in ``directory``, or a database named by the path of ``postgres``, created and dropped."""
    if not postgres:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(directory) / "bench.sqlite3")}
    name = urlsplit(postgres).path.lstrip("/") or "bench_drf_lists"
    return {**database_from_url(postgres), "NAME": "postgres", "TEST": {"NAME": name}}


def configure(directory: str, postgres: str | None = None) -> None:
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "django_smartpay",
        ],
        DATABASES={"default": database(directory, postgres)},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        SMARTPAY={"SECRET_KEY": "sk_test_benchDrfLists0001"},
    )
    django.setup()
    urlpatterns.append(path("api/", include("django_smartpay.contrib.rest_framework.urls")))


def seed(user: Any, rows: int) -> None:
    """The test suite's builders (``tests/contrib/rest_framework/rows.py``), at scale."""
    from tests.contrib.rest_framework.rows import seed_orders, seed_schedules, seed_tokens

    seed_orders(user, rows, payments=2, refunds=1)
    seed_tokens(user, rows)
    seed_schedules(user, rows, charges=6)


def measure(client: Any, url: str, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, sql, size, statements, body = [], [], 0, 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        size, statements, body = len(response.content), len(queries), response.json()
        sql.append(sum(float(query["time"]) for query in queries.captured_queries))
    return {
        "ms": round(statistics.median(times) * 1000, 2),
        "sql_ms": round(statistics.median(sql) * 1000, 2),
        "bytes": size,
        "statements": statements,
        "rows": len(body["results"]),
        "next": body["next"],
    }


def walk(client: Any, url: str) -> dict[str, Any]:
    started, pages, size = time.perf_counter(), 0, 0
    while url:
        response = client.get(url)
        pages, size = pages + 1, size + len(response.content)
        url = response.json()["next"]
    return {"pages": pages, "ms": round((time.perf_counter() - started) * 1000, 1), "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--walk", action="store_true", help="also follow every next link")
    parser.add_argument("--postgres", help="postgres://user@host:port/name of a database to create and drop")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        configure(directory, args.postgres)
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from rest_framework.test import APIClient

        if args.postgres:
            old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        else:
            call_command("migrate", verbosity=0)
        load_before = support.machine_load()
        results: dict[str, Any] = {}
        for rows in args.rows:
            user = get_user_model().objects.create_user(username=f"shopper{rows}")
            started = time.perf_counter()
            seed(user, rows)
            if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            seeded = time.perf_counter() - started
            client = APIClient()
            client.force_authenticate(user)
            figures: dict[str, Any] = {"seed_s": round(seeded, 1)}
            for name in ("orders", "schedules", "tokens"):
                first = measure(client, f"/api/{name}/", args.repeat)
                page = first.pop("next")
                for _ in range(3):  # a few pages in
                    page = page and client.get(page).json()["next"]
                deep = measure(client, page, args.repeat) if page else None
                if deep:
                    deep.pop("next")
                entry = {"first_page": first, "fourth_page": deep}
                if args.walk:
                    entry["every_page"] = walk(client, f"/api/{name}/?page_size=100")
                figures[name] = entry
            results[str(rows)] = figures
        if args.postgres:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        support.dump(
            {
                "bench": "drf_lists",
                "database": connection.vendor if args.postgres else "sqlite (file)",
                "django": django.get_version(),
                "page_size": 20,
                "machine_load_before": load_before,
                "results": results,
            }
        )


if __name__ == "__main__":
    main()
