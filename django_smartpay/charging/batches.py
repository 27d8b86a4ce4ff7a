"""One batch of due schedules → charges, in one transaction with a constant number of statements.

1. ``SELECT … FOR UPDATE OF schedule SKIP LOCKED`` the due active schedules and their
   token's status (only the columns the decision needs), so concurrent runs share
   the work instead of waiting for each other or doubling it;
2. ``SELECT`` the charges that already exist for those (schedule, period) pairs;
3. ``INSERT`` the new charges;
4. ``UPDATE`` the schedules (next run, count, status).

On PostgreSQL and SQLite (3.35+) steps 3 and 4 are single statements that join a
``VALUES`` list: ``INSERT … SELECT`` copies the payload (amount, items, shipping…)
from the schedule rows inside the database, and ``UPDATE … FROM (VALUES …)``
replaces Django's ``bulk_update``, whose ``CASE WHEN`` per row and column costs
more Python time than everything else together.  Other databases use
``bulk_create``/``bulk_update`` (same statements, more time).

``(schedule, period)`` is unique in the database, so even a run that sees a period
again cannot write a second charge for it; after commit, one ``dispatch_charges``
message per batch sends the charges to the workers.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .. import conf, scheduling
from ..models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus, TokenStatus
from .create import enqueue_on_commit, new_key, new_reference

DEFAULT_BATCH_SIZE = 100

#: What the decision reads of a due schedule (no payload: that is copied in SQL).
_COLUMNS = (
    "pk",
    "next_run_at",
    "interval",
    "interval_count",
    "day_of_month",
    "end_at",
    "max_count",
    "count",
    "token__status",
    "token__test",
)
#: Payload columns a charge copies from its schedule.
_COPIED = (
    "token",
    "amount",
    "currency",
    "items",
    "shipping_info",
    "customer_info",
    "metadata",
    "capture_method",
)


@dataclass(frozen=True)
class BatchResult:
    selected: int = 0
    created: int = 0
    paused: int = 0
    completed: int = 0


@dataclass
class _Due:
    pk: int
    next_run_at: dt.datetime
    interval: str
    interval_count: int
    day_of_month: int | None
    end_at: dt.datetime | None
    max_count: int | None
    count: int
    token_status: str
    token_test: bool
    status: str = ChargeScheduleStatus.ACTIVE
    status_reason: str = ""


def _token_problem(due: _Due, test_mode: bool) -> str | None:
    if due.token_status != TokenStatus.ACTIVE:
        return f"token.{due.token_status or 'unknown'}"
    if due.token_test != test_mode:
        return "token.wrong-mode"
    return None


def charge_due_batch(*, now: dt.datetime | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> BatchResult:
    """Turn at most ``batch_size`` due schedules into charges, in one transaction."""
    now = now or timezone.now()
    test_mode = conf.is_test_mode()
    with transaction.atomic():
        rows = [
            _Due(*row)
            for row in ChargeSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=ChargeScheduleStatus.ACTIVE, next_run_at__lte=now)
            .order_by("next_run_at", "pk")
            .values_list(*_COLUMNS)[:batch_size]
        ]
        if not rows:
            return BatchResult()
        existing = set(
            TokenCharge.objects.filter(
                schedule_id__in=[due.pk for due in rows], period__in={due.next_run_at for due in rows}
            ).values_list("schedule_id", "period")
        )
        new: list[tuple[int, dt.datetime, str, str]] = []
        paused = completed = 0
        for due in rows:
            period = due.next_run_at
            if due.end_at is not None and period > due.end_at:
                due.status, completed = ChargeScheduleStatus.COMPLETED, completed + 1
                continue
            problem = _token_problem(due, test_mode)
            if problem is not None:
                due.status, due.status_reason, paused = ChargeScheduleStatus.PAUSED, problem, paused + 1
                continue
            if (due.pk, period) not in existing:
                new.append((due.pk, period, new_reference(), new_key()))
                due.count += 1
            due.next_run_at = scheduling.advance(
                period, due.interval, due.interval_count, anchor_day=due.day_of_month
            )
            if (due.max_count is not None and due.count >= due.max_count) or (
                due.end_at is not None and due.next_run_at > due.end_at
            ):
                due.status, completed = ChargeScheduleStatus.COMPLETED, completed + 1
        if fast_path(len(rows)):
            ids = _insert_charges_sql(new, now) if new else []
            _update_schedules_sql(rows, now)
        else:
            ids = _insert_charges_orm(new, now) if new else []
            _update_schedules_orm(rows, now)
        enqueue_on_commit(ids)
    return BatchResult(len(rows), len(ids), paused, completed)


def fast_path(rows: int = 0) -> bool:
    """Whether this database takes the single-statement ``VALUES`` joins for ``rows`` schedules.

    PostgreSQL does; SQLite from 3.35 (``RETURNING``) when its bound-parameter limit
    allows ``5 x rows`` values (builds older than 3.32 allow only 999).
    """
    if connection.vendor == "postgresql":
        return True
    if connection.vendor != "sqlite" or sqlite3.sqlite_version_info < (3, 35):
        return False
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 5 * rows + 16 <= limit


# --- PostgreSQL and SQLite: VALUES joins --------------------------------------------------------


def _values(names: tuple[str, ...], types: tuple[str, ...], count: int) -> tuple[str, dict[str, str]]:
    """``(VALUES (…), …) AS v …`` for ``count`` rows and how to refer to each column."""
    if connection.vendor == "postgresql":
        row = "(" + ", ".join(f"%s::{kind}" for kind in types) + ")"
        return f"(VALUES {', '.join([row] * count)}) AS v ({', '.join(names)})", {n: f"v.{n}" for n in names}
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    columns = {name: f"v.column{index}" for index, name in enumerate(names, start=1)}
    return f"(VALUES {', '.join([row] * count)}) AS v", columns


def _insert_charges_sql(new: list[tuple[int, dt.datetime, str, str]], now: dt.datetime) -> list[int]:
    ops, meta = connection.ops, TokenCharge._meta
    source, v = _values(
        ("id", "period", "reference", "key"), ("bigint", "timestamptz", "varchar", "varchar"), len(new)
    )
    stamp = ops.adapt_datetimefield_value(now)
    given: dict[str, tuple[str, list[Any]]] = {
        "schedule": ("s.id", []),
        "period": (v["period"], []),
        "reference": (v["reference"], []),
        "idempotency_key": (v["key"], []),
        "status": ("%s", [TokenChargeStatus.PENDING.value]),
        "next_attempt_at": ("%s", [stamp]),
        "created": ("%s", [stamp]),
        "updated": ("%s", [stamp]),
    }
    for name in _COPIED:
        column = ChargeSchedule._meta.get_field(name).column
        given[name] = (f"s.{ops.quote_name(column)}", [])
    columns, expressions, params = [], [], []
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        if field.name in given:
            expression, values = given[field.name]
        elif field.null:
            continue
        else:
            default = field.get_default()
            if default is None:  # pragma: no cover - a new required column must be added to ``given``
                raise AssertionError(f"TokenCharge.{field.name} has no value in a scheduled charge")
            expression, values = "%s", [field.get_db_prep_save(default, connection)]
        columns.append(ops.quote_name(field.column))
        expressions.append(expression)
        params += values
    for schedule_id, period, reference, key in new:
        params += [schedule_id, ops.adapt_datetimefield_value(period), reference, key]
    sql = (
        # Identifiers come from the model's meta, every value is a parameter.
        f"INSERT INTO {ops.quote_name(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {ops.quote_name(ChargeSchedule._meta.db_table)} AS s "
        f"INNER JOIN {source} ON s.{ops.quote_name('id')} = {v['id']} "
        f"RETURNING {ops.quote_name(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


_UPDATED = ("next_run_at", "count", "status", "status_reason")


def _update_schedules_sql(rows: list[_Due], now: dt.datetime) -> None:
    ops = connection.ops
    table = ops.quote_name(ChargeSchedule._meta.db_table)
    source, v = _values(
        ("id", *_UPDATED), ("bigint", "timestamptz", "integer", "varchar", "varchar"), len(rows)
    )
    assignments = ", ".join(f"{ops.quote_name(name)} = {v[name]}" for name in _UPDATED)
    params: list[Any] = [ops.adapt_datetimefield_value(now)]
    for due in rows:
        params += [
            due.pk,
            ops.adapt_datetimefield_value(due.next_run_at),
            due.count,
            due.status,
            due.status_reason,
        ]
    sql = (
        # Identifiers come from the model's meta, every value is a parameter.
        f"UPDATE {table} SET {assignments}, {ops.quote_name('updated')} = %s "  # noqa: S608
        f"FROM {source} WHERE {table}.{ops.quote_name('id')} = {v['id']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- other databases: the ORM ---------------------------------------------------------------


def _insert_charges_orm(new: list[tuple[int, dt.datetime, str, str]], now: dt.datetime) -> list[int]:
    payloads = {
        row["pk"]: row
        for row in ChargeSchedule.objects.filter(pk__in=[item[0] for item in new]).values(
            "pk", *(f"{name}_id" if name == "token" else name for name in _COPIED)
        )
    }
    charges = []
    for schedule_id, period, reference, key in new:
        payload = {name: value for name, value in payloads[schedule_id].items() if name != "pk"}
        charges.append(
            TokenCharge(
                schedule_id=schedule_id,
                period=period,
                reference=reference,
                idempotency_key=key,
                next_attempt_at=now,
                **payload,
            )
        )
    return [charge.pk for charge in TokenCharge.objects.bulk_create(charges)]


def _update_schedules_orm(rows: list[_Due], now: dt.datetime) -> None:
    schedules = [
        ChargeSchedule(
            pk=due.pk,
            next_run_at=due.next_run_at,
            count=due.count,
            status=due.status,
            status_reason=due.status_reason,
            updated=now,
        )
        for due in rows
    ]
    ChargeSchedule.objects.bulk_update(schedules, [*_UPDATED, "updated"])
