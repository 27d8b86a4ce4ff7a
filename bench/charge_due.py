"""Benchmark: ``charge_due_schedules`` over 10,000 due schedules, on SQLite and PostgreSQL.

    python bench/charge_due.py [--schedules 10000] [--batch-sizes 100 500 1000]
                               [--database-url postgres://postgres@127.0.0.1:5432/postgres]

For each backend (a child process each: SQLite in a temporary file; PostgreSQL in a
database created for the run and dropped after, when ``--database-url`` is given) and
each batch size, the schedules are reset to due and ``charge_due_batch`` is called until
nothing is due.  Every SQL statement is counted per batch (``CaptureQueriesContext``).
After each commit the batch's charges are published, one ``process_charge`` message per
charge, to an in-memory broker (``memory://``, no worker): ``seconds`` includes that,
``publish_seconds`` is its share.  The machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as support


def child(args: argparse.Namespace) -> dict[str, Any]:
    values = {"SMARTPAY_BENCH_BROKER_URL": "memory://", "SMARTPAY_BENCH_QUEUE": "smartpay-bench-due"}
    if args.backend == "postgres":
        values["SMARTPAY_BENCH_DATABASE_URL"] = args.database_url
    else:
        values["SMARTPAY_BENCH_SQLITE"] = args.sqlite_file
    support.setup_django(**values)
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import tests.celery_app  # noqa: F401  (tasks publish through it, to memory://)
    from django_smartpay.charging import charge_due_batch, enqueue_now, use_publisher
    from django_smartpay.models import ChargeSchedule, Token, TokenCharge

    call_command("migrate", verbosity=0)
    token = Token.objects.create(smartpay_id="paytok_test_benchChargeDue00001", status="active", test=True)
    start = timezone.now() - dt.timedelta(minutes=1)
    ChargeSchedule.objects.bulk_create(
        [
            ChargeSchedule(
                token=token,
                amount=3000,
                items=[{"name": "Monthly matcha box", "amount": 3000, "quantity": 1, "currency": "JPY"}],
                shipping_info={"address": support.ADDRESS, "feeCurrency": "JPY"},
                interval="monthly",
                day_of_month=start.day,
                time_zone="Asia/Tokyo",
                anchor_at=start,
                next_run_at=start,
            )
            for _ in range(args.schedules)
        ],
        batch_size=500,
    )
    published: list[list[int]] = []

    results: dict[str, Any] = {}
    for batch_size in args.batch_sizes:
        TokenCharge.objects.all().delete()
        ChargeSchedule.objects.update(next_run_at=start, count=0, status="active")
        statements: list[int] = []
        created = 0
        publish_seconds = 0.0
        started = time.perf_counter()
        with use_publisher(published.append):
            while True:
                with CaptureQueriesContext(connection) as queries:
                    result = charge_due_batch(batch_size=batch_size)
                if not result.selected:
                    break
                statements.append(len(queries))
                created += result.created
                begun = time.perf_counter()
                for ids in published:  # what the dispatch_charges task does on a worker
                    with use_publisher(None):
                        enqueue_now(ids)
                published.clear()
                publish_seconds += time.perf_counter() - begun
        seconds = time.perf_counter() - started
        full = statements[:-1] if len(statements) > 1 else statements  # the last batch may be partial
        results[str(batch_size)] = {
            "seconds": round(seconds, 3),
            "publish_seconds": round(publish_seconds, 3),
            "charges": created,
            "batches": len(statements),
            "statements_per_batch": sorted(set(full)),
            "statements_last_batch": statements[-1] if statements else 0,
            "charges_per_second": round(created / seconds) if seconds else None,
        }
    return {
        "backend": args.backend,
        "sqlite_version": sqlite3.sqlite_version if args.backend == "sqlite" else None,
        "schedules": args.schedules,
        "batch_sizes": results,
        "load_average": os.getloadavg(),
    }


def run_child(argv: list[str]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", *argv],
        env=support.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-4000:])
    return json.loads(completed.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument(
        "--database-url", default=None, help="a PostgreSQL server (a database is created there)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--sqlite-file", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return 0
    load = os.getloadavg()
    common = ["--schedules", str(args.schedules), "--batch-sizes", *map(str, args.batch_sizes)]
    runs = []
    with tempfile.TemporaryDirectory(prefix="smartpay-due-") as directory:
        path = str(Path(directory) / "due.sqlite3")
        runs.append(run_child([*common, "--backend", "sqlite", "--sqlite-file", path]))
    if args.database_url:
        name = f"smartpay_bench_due_{os.getpid()}"
        support.create_database(args.database_url, name)
        try:
            url = support.with_database(args.database_url, name)
            runs.append(run_child([*common, "--backend", "postgres", "--database-url", url]))
        finally:
            support.drop_database(args.database_url, name)
    support.dump(
        {
            "bench": "charge_due_schedules",
            "load_average_at_start": load,
            "runs": runs,
            "note": "seconds include publishing one process_charge message per charge to memory://.",
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
