"""The one door for local state: Smartpay API objects (dicts) in, model rows out.

Public API
----------
``sync_object(data, *, user=None) -> instance``
    Upsert one API object (and every expanded object nested in it).
``sync_page(collection_or_list) -> list[instance]``
    Upsert a list page (a ``collection`` dict or a plain list) in bulk.
``mark_token_deleted(token) -> Token``
    Record that a token was deleted (``DELETE /tokens/{id}`` answers 204, no body).

Rules
-----
- Dispatch on ``object``; upsert by ``smartpay_id``; the received object is kept
  whole in ``data`` (unknown fields included; a webhook endpoint's
  ``signingSecret`` goes to its own column instead).
- Relations are stored as the other object's Smartpay id (see
  :mod:`django_smartpay.models.base`), so they are resolved without API calls
  or lookups, and link up by themselves whenever the other row arrives.  A
  reference missing from the object (a promotion code without ``coupon``) keeps
  the stored one.
- Never backwards: an object whose ``updatedAt`` is older than the stored one
  changes nothing; an equal ``updatedAt`` is applied only if the object differs.
- Totals (``Order.captured_amount``/``refunded_amount``,
  ``Payment.refunded_amount``) are recomputed from local rows when a payment
  or refund is written.  Orders inherit the user of their token.
- Signals (:mod:`django_smartpay.signals`) are sent on real transitions, after
  commit, receivers isolated from each other (``send_robust``, errors logged).

Cost: every call is one ``transaction.atomic`` block (two statements: BEGIN and
COMMIT, or a savepoint pair) plus, per kind of object present, one
``SELECT … FOR UPDATE`` and one ``INSERT`` for new rows and/or one
``INSERT … ON CONFLICT DO UPDATE`` for changed ones; plus one statement per
related kind that must be consulted (payment totals, token users) or refreshed
(parents of a new payment or refund); a lone new token order reads its payment totals
and its token's user with one statement.  A first-time object costs 4 to 6 statements
and a page costs the same whatever its size (SQLite aside, where Django splits
an ``INSERT`` every 999 bound values).  Races on ``smartpay_id`` (two workers
inserting the same object) end in an ``IntegrityError`` on the unique index;
the block is then retried once, and the retry sees the other worker's row.

A kind with a single object (every webhook) runs those statements through
:mod:`django_smartpay.fastrows`: the same SQL, compiled by the ORM once per
connection rather than per call.  What goes into each column is computed by
:mod:`django_smartpay.sync_fields`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from . import conf, fastrows, signals
from .exceptions import SmartpayValidationError
from .models import (
    MODELS_BY_OBJECT,
    CheckoutSession,
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    RefundStatus,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from .sync_fields import EPOCH, FIELDS, from_ms, to_ms  # noqa: F401 - EPOCH re-exported
from .sync_fields import stored_data as _stored_data

logger = logging.getLogger(__name__)

#: Kinds are written in this order: children before the parents whose totals they feed.
KIND_ORDER = ("coupon", "promotionCode", "webhookEndpoint", "token")
KIND_ORDER += ("refund", "payment", "order", "checkoutSession")


# --- collecting a batch ---------------------------------------------------------------------


@dataclass
class _Item:
    data: dict
    user: Any = None


@dataclass
class _Batch:
    items: dict[str, dict[str, _Item]] = field(default_factory=lambda: defaultdict(dict))
    rows: dict[str, dict[str, models.Model]] = field(default_factory=lambda: defaultdict(dict))
    dirty_payments: set[str] = field(default_factory=set)
    dirty_orders: set[str] = field(default_factory=set)
    callbacks: list[Callable[[], None]] = field(default_factory=list)

    def add(self, data: dict, user: Any, *, top_level: bool) -> tuple[str, str] | None:
        if not isinstance(data, dict):
            raise TypeError(f"a Smartpay object must be a dict, not {type(data).__name__}")
        kind = data.get("object")
        if kind not in MODELS_BY_OBJECT or not data.get("id"):
            if top_level:
                raise ValueError(f"not a Smartpay object that django_smartpay mirrors: object={kind!r}")
            return None
        inherited = user if kind in ("checkoutSession", "token", "order") else None
        for child in _nested(data):
            self.add(child, inherited, top_level=False)
        known = self.items[kind].get(data["id"])
        if known is None or _rank(data) >= _rank(known.data):
            self.items[kind][data["id"]] = _Item(data, inherited or (known.user if known else None))
        elif inherited is not None:
            known.user = inherited
        return kind, data["id"]


def _nested(data: dict) -> Iterable[dict]:
    """Expanded objects of mirrored kinds found in the fields of ``data``."""
    for value in data.values():
        candidates = value if isinstance(value, list) else [value]
        for candidate in candidates:
            if isinstance(candidate, dict) and candidate.get("object") in MODELS_BY_OBJECT:
                yield candidate


def _rank(data: dict) -> int:
    updated = data.get("updatedAt")
    return -1 if updated is None else int(updated)


def _is_news(data: dict, row: models.Model) -> bool:
    """Whether ``data`` may replace what ``row`` holds (never an older copy)."""
    stored = to_ms(row.smartpay_updated)
    incoming = data.get("updatedAt")
    if stored is not None and incoming is not None and int(incoming) != stored:
        return int(incoming) > stored
    return _stored_data(data) != row.data  # same time (or none to compare): apply if it differs


# --- the engine ---------------------------------------------------------------------------


def sync_object(data: dict, *, user: Any = None) -> models.Model:
    """Upsert one API object (with the objects expanded inside it) and return its row.

    ``user`` (a user instance) is set on the checkout session, token or order,
    and on the token or order expanded in a checkout session.
    """
    return _run([data], user)[0]


def sync_object_in_transaction(data: dict, *, user: Any = None) -> models.Model:
    """:func:`sync_object` for a caller that already holds a transaction.

    It adds no savepoint of its own (two statements fewer, which the webhook hot path
    counts), so the caller must be inside ``transaction.atomic()`` and must retry its
    whole transaction once on :class:`~django.db.IntegrityError`: another process
    inserted the same object first, and the retry updates that row instead.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync_object_in_transaction() needs an enclosing transaction.atomic()")
    return _sync([data], user)[0]


def sync_page(collection_or_list: dict | list) -> list[models.Model]:
    """Upsert a list page in bulk; return the rows in the page's order."""
    if isinstance(collection_or_list, dict):
        items = collection_or_list.get("data") or []
    else:
        items = list(collection_or_list)
    return _run(items, None) if items else []


def mark_token_deleted(token: Token) -> Token:
    """Record a token deletion as a transition to ``deleted`` (signal included)."""
    data = dict(token.data or {"id": token.smartpay_id, "object": "token", "test": token.test})
    stored = to_ms(token.smartpay_updated) or 0
    now = to_ms(dt.datetime.now(dt.UTC)) or 0
    data.update(status=TokenStatus.DELETED.value, updatedAt=max(now, stored + 1))
    return sync_object(data)


def _run(items: list[dict], user: Any) -> list[models.Model]:
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _sync(items, user)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("smartpay sync: concurrent insert detected, retrying once")
    raise AssertionError("unreachable")  # pragma: no cover


def _sync(items: list[dict], user: Any) -> list[models.Model]:
    batch = _Batch()
    keys = [batch.add(data, user, top_level=True) for data in items]
    for kind in KIND_ORDER:
        if batch.items.get(kind):
            _sync_kind(kind, batch)
    for callback in batch.callbacks:
        transaction.on_commit(callback)
    return [batch.rows[kind][sid] for kind, sid in keys]


def _sync_kind(kind: str, batch: _Batch) -> None:
    model = MODELS_BY_OBJECT[kind]
    items = batch.items[kind]
    existing = _lock_existing(model, list(items))
    new: list[models.Model] = []
    changed: list[tuple[models.Model, dict[str, Any]]] = []
    for sid, item in items.items():
        row = existing.get(sid)
        if row is None:
            row = model(**FIELDS[kind](item.data), data=_stored_data(item.data))
            if item.user is not None:
                row.user = item.user
            new.append(row)
        else:
            before = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
            if _is_news(item.data, row):
                for attname, value in FIELDS[kind](item.data).items():
                    setattr(row, attname, value)
                row.data = _stored_data(item.data)
            if item.user is not None and row.user_id != item.user.pk:
                row.user = item.user
            changed.append((row, before))
        batch.rows[kind][sid] = row
    DERIVE.get(kind, _nothing)(batch, new, changed)
    changed = [(row, before) for row, before in changed if _differs(row, before)]
    _write(model, new, [row for row, _ in changed])
    AFTER_WRITE.get(kind, _nothing)(batch, new, changed)


def _lock_existing(model: type[models.Model], smartpay_ids: list[str]) -> dict[str, models.Model]:
    """The stored rows among ``smartpay_ids``, locked until the transaction ends."""
    if len(smartpay_ids) == 1:  # the webhook's case: SQL compiled once (see fastrows)
        rows = fastrows.select_for_update(model, smartpay_ids[0])
        if rows is not None:
            return {row.smartpay_id: row for row in rows}
    return {
        row.smartpay_id: row for row in model.objects.select_for_update().filter(smartpay_id__in=smartpay_ids)
    }


def _differs(row: models.Model, before: dict[str, Any]) -> bool:
    return any(getattr(row, attname) != value for attname, value in before.items())


def _write(model: type[models.Model], new: list[models.Model], changed: list[models.Model]) -> None:
    # One row (a webhook's case) goes through fastrows: the same SQL, compiled once.
    if new and not (len(new) == 1 and fastrows.insert(new[0], operation="bulk_create")):
        model.objects.bulk_create(new)
    if not changed:
        return
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in ("smartpay_id", "created")
    ]
    copies = [
        model(
            **{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        )
        for row in changed
    ]
    upsert = ("smartpay_id", tuple(fields))
    if not (len(copies) == 1 and fastrows.insert(copies[0], operation="bulk_create", upsert=upsert)):
        model.objects.bulk_create(
            copies, update_conflicts=True, unique_fields=["smartpay_id"], update_fields=fields
        )
    for row, copy in zip(changed, copies, strict=True):
        row.updated = copy.updated


def _nothing(*args: Any) -> None:
    return None


# --- derived columns, before writing --------------------------------------------------------


def _needs_totals(row: models.Model, children_key: str, dirty: set[str]) -> bool:
    if row.smartpay_id in dirty:
        return True
    listed = row.data.get(children_key)
    return row.pk is None and (listed is None or bool(listed))


def _derive_payments(batch: _Batch, new: list[Payment], changed: list) -> None:
    rows = [*new, *(row for row, _ in changed)]
    wanted = [row for row in rows if _needs_totals(row, "refunds", batch.dirty_payments)]
    if not wanted:
        return
    totals = dict(
        Refund.objects.filter(
            payment_id__in=[row.smartpay_id for row in wanted], status=RefundStatus.SUCCEEDED
        )
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "total")
    )
    for row in wanted:
        row.refunded_amount = totals.get(row.smartpay_id) or 0


def _derive_orders(batch: _Batch, new: list[Order], changed: list) -> None:
    rows = [*new, *(row for row, _ in changed)]
    wanted = [row for row in rows if _needs_totals(row, "payments", batch.dirty_orders)]
    if len(rows) == 1 and _derive_one_order(batch, rows[0], bool(wanted)):
        return
    if wanted:
        totals = {
            order_id: (captured or 0, refunded or 0)
            for order_id, captured, refunded in Payment.objects.filter(
                order_id__in=[r.smartpay_id for r in wanted]
            )
            .order_by()
            .values("order_id")
            .annotate(captured=Sum("amount"), refunded=Sum("refunded_amount"))
            .values_list("order_id", "captured", "refunded")
        }
        for row in wanted:
            row.captured_amount, row.refunded_amount = totals.get(row.smartpay_id, (0, 0))
    _inherit_token_users(batch, [row for row in new if row.token_id and row.user_id is None])


def _derive_one_order(batch: _Batch, order: Order, totals: bool) -> bool:
    """:func:`_derive_orders` for a batch with one order (a webhook's, a charge's): its
    payment totals and its token's user read by one statement instead of two.

    ``False``: nothing to combine, or a router sends payments and tokens to different
    databases; the caller then runs the ORM queries.
    """
    inherit = order.pk is None and order.token_id and order.user_id is None
    tokens = batch.rows.get("token", {})
    if not (totals and inherit and order.token_id not in tokens):
        return False
    using = router.db_for_read(Payment)
    if router.db_for_read(Token) != using:
        return False
    connection = connections[using]
    plan = _ONE_ORDER_PLANS.get(connection.vendor) or _one_order_plan(connection)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, (order.token_id, order.smartpay_id))
        captured, refunded, user_id = cursor.fetchone()
    order.captured_amount = int(captured or 0)
    order.refunded_amount = int(refunded or 0)
    if user_id is not None:
        for converter in plan.user_converters:
            user_id = converter(user_id, plan.user_column, connection)
    order.user_id = user_id
    return True


class _OneOrderPlan(NamedTuple):
    sql: str
    user_column: Any
    user_converters: list[Callable[..., Any]]


_ONE_ORDER_PLANS: dict[str, _OneOrderPlan] = {}


def _one_order_plan(connection: Any) -> _OneOrderPlan:
    quote = connection.ops.quote_name
    payments, tokens = Payment._meta, Token._meta
    user = tokens.get_field("user")

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    # One row whatever the payments (an aggregate without GROUP BY); the token's user is
    # an uncorrelated scalar subquery (NULL when the token is unknown or has no user).
    amount, refunded = column(payments, "amount"), column(payments, "refunded_amount")
    user_id, token_id, order_id = quote(user.column), column(tokens, "smartpay_id"), column(payments, "order")
    token_user = (
        f"SELECT {user_id} FROM {quote(tokens.db_table)} WHERE {token_id} = %s AND {user_id} IS NOT NULL"  # noqa: S608
    )
    sql = f"SELECT SUM({amount}), SUM({refunded}), ({token_user}) FROM {quote(payments.db_table)} WHERE {order_id} = %s"  # noqa: S608
    user_column = user.get_col(tokens.db_table)
    converters = connection.ops.get_db_converters(user_column) + user_column.get_db_converters(connection)
    plan = _OneOrderPlan(sql, user_column, converters)
    _ONE_ORDER_PLANS[connection.vendor] = plan
    return plan


def _inherit_token_users(batch: _Batch, orders: list[Order]) -> None:
    """An order made with a token belongs to the token's user."""
    if not orders:
        return
    users = {sid: token.user_id for sid, token in batch.rows.get("token", {}).items() if token.user_id}
    missing = {order.token_id for order in orders} - set(batch.rows.get("token", {}))
    if missing:
        users.update(
            Token.objects.filter(smartpay_id__in=missing, user__isnull=False).values_list(
                "smartpay_id", "user_id"
            )
        )
    for order in orders:
        order.user_id = users.get(order.token_id)


DERIVE: dict[str, Callable[..., None]] = {"payment": _derive_payments, "order": _derive_orders}


# --- after writing: parents outside the batch, links, signals ---------------------------------


def _sum_of(model: type[models.Model], fk: str, column: str, **filters: Any) -> Coalesce:
    subquery = (
        model.objects.filter(**{fk: OuterRef("smartpay_id")}, **filters)
        .order_by()
        .values(fk)
        .annotate(total=Sum(column))
        .values("total")[:1]
    )
    return Coalesce(Subquery(subquery), Value(0), output_field=models.BigIntegerField())


def _refresh_order_totals(order_ids: set[str], via_payments: set[str] = frozenset()) -> None:
    condition = models.Q(smartpay_id__in=order_ids)
    if via_payments:
        condition |= models.Q(
            smartpay_id__in=Payment.objects.filter(smartpay_id__in=via_payments).values("order_id")
        )
    Order.objects.filter(condition).update(
        captured_amount=_sum_of(Payment, "order_id", "amount"),
        refunded_amount=_sum_of(Payment, "order_id", "refunded_amount"),
    )


def _touched(new: list, changed: list, parent: str, *columns: str) -> set[str]:
    """Parents whose totals a written child may have changed."""
    ids = {getattr(row, parent) for row in new}
    for row, before in changed:
        if any(getattr(row, c) != before[c] for c in (parent, *columns)):
            ids.update({getattr(row, parent), before[parent]})
    return {sid for sid in ids if sid}


def _after_refunds(batch: _Batch, new: list[Refund], changed: list) -> None:
    payments = _touched(new, changed, "payment_id", "amount", "status")
    batch.dirty_payments |= payments
    outside = payments - set(batch.items.get("payment", {}))
    if outside:
        Payment.objects.filter(smartpay_id__in=outside).update(
            refunded_amount=_sum_of(Refund, "payment_id", "amount", status=RefundStatus.SUCCEEDED)
        )
        _refresh_order_totals(set(), outside)
    for row in new:
        batch.callbacks.append(_sender(signals.refund_created, Refund, instance=row))


def _after_payments(batch: _Batch, new: list[Payment], changed: list) -> None:
    orders = _touched(new, changed, "order_id", "amount", "refunded_amount")
    batch.dirty_orders |= orders
    outside = orders - set(batch.items.get("order", {}))
    if outside:
        _refresh_order_totals(outside)
    for row in new:
        batch.callbacks.append(_sender(signals.payment_created, Payment, instance=row))


def _status_signals(signal: Any, model: type[models.Model]) -> Callable[..., None]:
    def after(batch: _Batch, new: list, changed: list) -> None:
        transitions = [(row, None) for row in new]
        transitions += [(row, before["status"]) for row, before in changed if row.status != before["status"]]
        for row, old in transitions:
            batch.callbacks.append(
                _sender(signal, model, instance=row, old_status=old, new_status=row.status)
            )

    return after


def _after_tokens(batch: _Batch, new: list[Token], changed: list) -> None:
    _status_signals(signals.token_status_changed, Token)(batch, new, changed)
    owned = [row.smartpay_id for row in new if row.user_id]
    owned += [row.smartpay_id for row, before in changed if row.user_id and row.user_id != before["user_id"]]
    if owned:
        Order.objects.filter(token_id__in=owned, user__isnull=True).update(
            user_id=Subquery(Token.objects.filter(smartpay_id=OuterRef("token_id")).values("user_id")[:1])
        )


def _after_sessions(batch: _Batch, new: list[CheckoutSession], changed: list) -> None:
    """A session synced for a user hands the user to its order and token known only by id."""
    for row in [*new, *(row for row, _old in changed)]:
        if batch.items["checkoutSession"][row.smartpay_id].user is None:
            continue
        if row.token_id and row.token_id not in batch.rows.get("token", {}):
            Token.objects.filter(smartpay_id=row.token_id, user__isnull=True).update(user_id=row.user_id)
            Order.objects.filter(token_id=row.token_id, user__isnull=True).update(user_id=row.user_id)
        if row.order_id and row.order_id not in batch.rows.get("order", {}):
            Order.objects.filter(smartpay_id=row.order_id, user__isnull=True).update(user_id=row.user_id)


AFTER_WRITE: dict[str, Callable[..., None]] = {
    "refund": _after_refunds,
    "payment": _after_payments,
    "order": _status_signals(signals.order_status_changed, Order),
    "token": _after_tokens,
    "checkoutSession": _after_sessions,
}


def _sender(signal: Any, sender: type[models.Model], **kwargs: Any) -> Callable[[], None]:
    return partial(signals.send_robust_logged, signal, sender, **kwargs)


# --- fetching one object, by id ----------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """How one kind of object is fetched and listed."""

    model: type[models.Model]
    prefix: str
    getter: str
    lister: str
    expandable: bool


#: Every kind, by the name ``smartpay_sync`` uses, in the order a full sync runs.
RESOURCES: dict[str, Resource] = {
    "coupons": Resource(Coupon, "coupon", "get_coupon", "list_coupons", False),
    "promotion_codes": Resource(
        PromotionCode, "promotioncode", "get_promotion_code", "list_promotion_codes", False
    ),
    "webhook_endpoints": Resource(
        WebhookEndpoint, "webhookendpoint", "get_webhook_endpoint", "list_webhook_endpoints", False
    ),
    "tokens": Resource(Token, "paytok", "get_token", "list_tokens", False),
    "orders": Resource(Order, "order", "get_order", "list_orders", True),
    "payments": Resource(Payment, "payment", "get_payment", "list_payments", True),
    "refunds": Resource(Refund, "refund", "get_refund", "list_refunds", True),
    "checkout_sessions": Resource(
        CheckoutSession, "checkout", "get_checkout_session", "list_checkout_sessions", True
    ),
}
_BY_PREFIX = {resource.prefix: resource for resource in RESOURCES.values()}


def resource_for(smartpay_id: str) -> Resource:
    """The kind of object ``smartpay_id`` names, from its prefix."""
    prefix = smartpay_id.split("_", 1)[0] if isinstance(smartpay_id, str) else ""
    if prefix not in _BY_PREFIX:
        message = _("%(id)r is not the id of an object django_smartpay mirrors.") % {"id": smartpay_id}
        raise SmartpayValidationError(message, details=[message])
    return _BY_PREFIX[prefix]


def sync_by_id(smartpay_id: str) -> models.Model:
    """Fetch one object by id (expanded where Smartpay allows it) and sync it."""
    resource = resource_for(smartpay_id)
    getter = getattr(conf.get_client(), resource.getter)
    data = getter(smartpay_id, expand="all") if resource.expandable else getter(smartpay_id)
    return sync_object(data)


__all__ = [
    "RESOURCES",
    "Resource",
    "from_ms",
    "mark_token_deleted",
    "resource_for",
    "sync_by_id",
    "sync_object",
    "sync_object_in_transaction",
    "sync_page",
    "to_ms",
]
