"""The ORM's single-row ``SELECT … FOR UPDATE`` and ``INSERT``, with their SQL compiled once.

The webhook hot path runs the same three ORM statements on every delivery: sync's
``SELECT … FOR UPDATE`` of one object by Smartpay id, and the ``INSERT`` of the event
row and of a new object.  Compiling them costs several times what executing them does
(≈250 µs each against ≈30 µs on SQLite), so this module compiles each one **once per
connection and model, with the ORM itself**, keeps the SQL text, and then only binds
the parameters (``field.pre_save`` and ``field.get_db_prep_save``, as the ORM does) and
converts the results (the ORM's converters, as the ORM does).  :func:`get_by_pk` does
the same for a plain read of one row by primary key (the charge claim's read-back).

Whenever a plan cannot be reused verbatim (a default manager that filters, a field with
a custom placeholder, an expression as a value, converters on the primary key, model
inheritance, a statement the ORM would refuse) the functions return ``None`` and the
caller uses the ORM as before; behaviour is the same either way.  ``save()``'s
``pre_save``/``post_save`` signals are honoured: :func:`insert` leaves models that have
receivers to ``save()``.
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any, NamedTuple

from django.db import connections, models, router, transaction
from django.db.models import signals
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

_PLACEHOLDER = "\x00fastrows\x00"

#: Per connection object (one per thread and alias): compiled plans by (kind, model).
_plans: weakref.WeakKeyDictionary[Any, dict[tuple[Any, type], Any]] = weakref.WeakKeyDictionary()

#: ``(unique field, update fields)`` of an ``INSERT … ON CONFLICT DO UPDATE``.
Upsert = tuple[str, tuple[str, ...]]


class _SelectPlan(NamedTuple):
    sql: str
    attnames: list[str]
    converters: list[tuple[int, list, Any]]


class _InsertPlan(NamedTuple):
    sql: str
    fields: list[models.Field]
    returning_fields: list[models.Field]


def _plan(connection: Any, kind: Any, model: type[models.Model], build: Any) -> Any:
    plans = _plans.get(connection)
    if plans is None:
        plans = _plans[connection] = {}
    key = (kind, model)
    if key not in plans:
        plans[key] = build(connection, model)
    return plans[key]


# --- SELECT … FOR UPDATE by Smartpay id ---------------------------------------------------------


#: Stands for the looked-up value while the ORM compiles a plan (an integer for a primary key).
_PK_PLACEHOLDER = -0x7FFF_FAB7


def _build_select(
    connection: Any, model: type[models.Model], lookup: str = "smartpay_id", lock: bool = True
) -> _SelectPlan | None:
    placeholder = _PK_PLACEHOLDER if lookup == "pk" else _PLACEHOLDER
    queryset = model.objects.db_manager(connection.alias).all()
    if lock:
        queryset = queryset.select_for_update()
    queryset = queryset.filter(**{lookup: placeholder})
    compiler = queryset.query.get_compiler(using=connection.alias)
    sql, params = compiler.as_sql()
    if tuple(params) != (placeholder,) or compiler.klass_info is None or compiler.annotation_col_map:
        return None
    columns = [column for column, _sql, _alias in compiler.select]
    attnames = [column.target.attname for column in columns]
    if attnames != [field.attname for field in model._meta.concrete_fields]:
        return None
    converters = [(pos, convs, expr) for pos, (convs, expr) in compiler.get_converters(columns).items()]
    return _SelectPlan(sql, attnames, converters)


def _fetch(model: type[models.Model], using: str, plan: _SelectPlan, value: Any) -> list[models.Model]:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, (value,))
        rows = cursor.fetchall()
    found = []
    for values in rows:
        if plan.converters:
            values = list(values)
            for pos, convs, expression in plan.converters:
                value = values[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                values[pos] = value
        found.append(model.from_db(using, plan.attnames, values))
    return found


def select_for_update(model: type[models.Model], smartpay_id: str) -> list[models.Model] | None:
    """``model.objects.select_for_update().filter(smartpay_id=…)``, or ``None``: use the ORM."""
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.features.has_select_for_update and connection.get_autocommit():
        return None  # the ORM raises TransactionManagementError: let it
    plan = _plan(connection, "select", model, _build_select)
    if plan is None:
        return None
    return _fetch(model, using, plan, smartpay_id)


def get_by_pk(model: type[models.Model], pk: int) -> models.Model | bool | None:
    """``model.objects.filter(pk=…).first()``: the row or ``None``; ``False``: use the ORM."""
    if type(pk) is not int or model._meta.pk is not model._meta.auto_field:
        return False
    using = router.db_for_read(model)
    connection = connections[using]
    plan = _plan(connection, "get", model, partial(_build_select, lookup="pk", lock=False))
    if plan is None:
        return False
    rows = _fetch(model, using, plan, pk)
    return rows[0] if rows else None


# --- INSERT of one new row ---------------------------------------------------------------------


def _build_insert(connection: Any, model: type[models.Model], upsert: Upsert | None) -> _InsertPlan | None:
    meta = model._meta
    if meta.proxy or meta.parents or meta.auto_field is None or meta.pk is not meta.auto_field:
        return None
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if any(getattr(f, "get_placeholder", None) for f in fields):
        return None
    returning = list(meta.db_returning_fields)
    if upsert is None:
        query = InsertQuery(model)
    elif connection.features.supports_update_conflicts_with_target:
        query = InsertQuery(
            model,
            on_conflict=OnConflict.UPDATE,
            update_fields=[meta.get_field(name) for name in upsert[1]],
            unique_fields=[meta.get_field(upsert[0])],
        )
    else:
        return None
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(using=connection.alias)
    compiler.returning_fields = returning
    statements = compiler.as_sql()
    if len(statements) != 1:
        return None
    sql, params = statements[0]
    if getattr(compiler, "returning_params", ()) or len(params) != len(fields):
        return None  # per-execution output parameters (Oracle), or extra parameters
    cols = [f.get_col(meta.db_table) for f in returning]
    if compiler.get_converters(cols):
        return None
    if not connection.features.can_return_columns_from_insert:
        if returning != [meta.auto_field]:
            return None
    return _InsertPlan(sql, fields, returning)


def insert(obj: models.Model, *, operation: str = "save", upsert: Upsert | None = None) -> bool:
    """INSERT the new ``obj`` as ``obj.save(force_insert=True)`` (``operation="save"``) or
    ``Model.objects.bulk_create([obj])`` (``"bulk_create"``) would; ``False``: use those.

    ``upsert=(unique, update)`` (with ``"bulk_create"``) is ``bulk_create([obj],
    update_conflicts=True, unique_fields=[unique], update_fields=update)``.

    Sets the primary key and ``_state`` as they do; raises what the INSERT raises
    (``IntegrityError``), after marking an enclosing atomic block for rollback.
    """
    model = type(obj)
    if obj.pk is not None:
        return False
    if upsert is not None and operation != "bulk_create":
        raise ValueError("upsert is a bulk_create option")
    if operation == "save" and (
        signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)
    ):
        return False
    using = router.db_for_write(model, instance=obj) if operation == "save" else router.db_for_write(model)
    connection = connections[using]
    if operation == "bulk_create" and not (
        connection.in_atomic_block and connection.features.can_return_rows_from_bulk_insert
    ):
        return False  # bulk_create would open its own transaction, or not return the key
    plan = _plan(connection, ("insert", upsert), model, partial(_build_insert, upsert=upsert))
    if plan is None:
        return False
    obj._prepare_related_fields_for_save(operation_name=operation)
    params = []
    for field in plan.fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            return False
        params.append(field.get_db_prep_save(value, connection=connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if connection.features.can_return_columns_from_insert:
            returned = connection.ops.fetch_returned_insert_columns(cursor, ())
        else:
            meta = model._meta
            returned = (connection.ops.last_insert_id(cursor, meta.db_table, meta.auto_field.column),)
    for value, field in zip(returned, plan.returning_fields, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return True
