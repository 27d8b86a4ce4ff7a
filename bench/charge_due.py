"""Benchmark: ``charge_due_schedules`` over 10,000 due schedules, on SQLite and PostgreSQL.

    python bench/charge_due.py [--schedules 10000] [--batch-sizes 100 500 1000]
                               [--database-url postgres://postgres@127.0.0.1:5432/postgres]

For each backend (a child process each: SQLite in a temporary file; PostgreSQL in a
database created for the run and dropped after, when ``--database-url`` is given) and
each batch size, the schedules are reset to due and ``charge_due_batch`` is called until
nothing is due.  Every SQL statement is counted per batch (``connection.execute_wrapper``).
The tasks are published after each commit to an in-memory broker (``memory://``, no
worker): the time includes writing the messages, not processing them.

On PostgreSQL and SQLite 3.35+ a batch writes with single ``INSERT … SELECT`` and
``UPDATE … FROM (VALUES …)`` statements (:mod:`django_smartpay.charging.batches`), so
Django's own splitting of bulk statements (it assumes SQLite's old limit of 999 bound
values) does not apply.  SQLite counts one more statement than PostgreSQL: the
``BEGIN`` Django issues itself on SQLite passes through ``execute_wrapper``.

Prints one JSON document; target: ≤ 5 s for 10,000 schedules, a constant number of
statements per batch whatever its size.
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

TARGET_SECONDS = 5.0


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
    from django.utils import timezone

    import tests.celery_app  # noqa: F401  (tasks publish through it, to memory://)
    from django_smartpay.charging import charge_due_batch
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
                next_run_at=start,
            )
            for _ in range(args.schedules)
        ],
        batch_size=500,
    )
    statements: list[int] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[-1] += 1
        return execute(sql, params, many, context)

    results: dict[str, Any] = {}
    for batch_size in args.batch_sizes:
        TokenCharge.objects.all().delete()
        ChargeSchedule.objects.update(next_run_at=start, count=0, status="active")
        statements.clear()
        created = 0
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            while True:
                statements.append(0)
                result = charge_due_batch(batch_size=batch_size)
                if not result.selected:
                    statements.pop()  # the last, empty look
                    break
                created += result.created
        seconds = time.perf_counter() - started
        full = statements[:-1] if len(statements) > 1 else statements  # the last batch may be partial
        results[str(batch_size)] = {
            "seconds": round(seconds, 3),
            "charges": created,
            "batches": len(statements),
            "statements_per_batch": sorted(set(full)),
            "statements_last_batch": statements[-1] if statements else 0,
            "charges_per_second": round(created / seconds) if seconds else None,
            "within_target": seconds <= TARGET_SECONDS,
        }
    per_batch = {tuple(item["statements_per_batch"]) for item in results.values()}
    return {
        "backend": args.backend,
        "sqlite_version": sqlite3.sqlite_version if args.backend == "sqlite" else None,
        "schedules": args.schedules,
        "batch_sizes": results,
        "statements_per_batch_constant": len(per_batch) == 1 and all(len(item) == 1 for item in per_batch),
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
            "target_seconds": TARGET_SECONDS,
            "runs": runs,
            "note": "Time includes publishing one task message per charge to memory:// after each commit.",
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
