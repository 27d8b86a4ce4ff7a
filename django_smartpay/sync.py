"""The one door for local state: Smartpay API objects (dicts) in, model rows out.

Rows are upserted by Smartpay id and never moved backwards (:func:`.sync_fields.precedence`);
they link to each other by Smartpay id whatever order they arrive in; totals are summed
from child rows with the parent locked, so concurrent events add up; signals follow commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import conf
from .exceptions import SmartpayValidationError
from .models import (
    MODELS_BY_OBJECT,
    CheckoutSession,
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    SmartpayObject,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from .sync_batch import Batch
from .sync_derived import AFTER_WRITE, DERIVE
from .sync_derived import refund_totals as refund_totals
from .sync_fields import FIELDS, from_ms, precedence, stored_data, to_ms

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=SmartpayObject)

#: Kinds are written in this order: children before the parents whose totals they feed
#: (so locks are always taken refund → payment → order, never the other way round).
KIND_ORDER: tuple[str, ...] = ("coupon", "promotionCode", "webhookEndpoint", "token")
KIND_ORDER += ("refund", "payment", "order", "checkoutSession")


def _is_news(data: dict, row: Any) -> bool:
    """Whether ``data`` (as stored, without secrets) may replace what ``row`` holds."""
    stored, incoming = to_ms(row.smartpay_updated), data.get("updatedAt")
    if stored is not None and incoming is not None and int(incoming) != stored:
        return int(incoming) > stored
    if data == row.data:
        return False
    # Same time (or no time to compare): the documented precedence decides, not arrival.
    return precedence(data)[1:] > precedence(row.data)[1:]


# --- the engine ---------------------------------------------------------------------------


@overload
def sync_object(data: dict, *, user: Any = None) -> SmartpayObject: ...
@overload
def sync_object(data: dict, *, user: Any = None, model: type[M]) -> M: ...
def sync_object(data: dict, *, user: Any = None, model: type[SmartpayObject] | None = None) -> SmartpayObject:
    """Upsert one API object (with the objects expanded inside it) and return its row.

    ``user`` (a user instance) is set on the checkout session, token or order,
    and on the token or order expanded in a checkout session.  With ``model``, an
    object of another kind is refused (:class:`SmartpayValidationError`) before
    anything is written.
    """
    if model is not None:
        _expect(model, data)
    return _run([data], user)[0]


def sync_object_in_transaction(
    data: dict, *, user: Any = None, also: Iterable[dict] = (), absent: Collection[tuple[str, str]] = ()
) -> SmartpayObject:
    """:func:`sync_object` for a caller that already holds a transaction.

    It adds no savepoint of its own (two statements fewer), so the caller must be
    inside ``transaction.atomic()`` and must retry its whole transaction once on
    :class:`~django.db.IntegrityError`: another process inserted the same object
    first, and the retry updates that row instead.  Objects in ``also`` (such as a
    parent fetched after a child's event) are written in the same batch, so a row
    both refreshed for its children and given new data is locked and written once.

    ``absent`` lists ``(kind, smartpay id)`` pairs the caller found not mirrored just
    before its transaction: their rows are inserted without being looked up (one
    statement fewer).  If another process inserted one meanwhile, the INSERT raises
    :class:`~django.db.IntegrityError` and the caller's retry, without ``absent``,
    updates that row.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync_object_in_transaction() needs an enclosing transaction.atomic()")
    return _sync([data, *also], user, absent=absent)[0]


def sync_page(collection_or_list: dict | list) -> list[SmartpayObject]:
    """Upsert a list page in bulk; return the rows in the page's order.

    Like :func:`sync_by_id`, it sums the totals of every order and payment in it again,
    which repairs a total that missed a child (a parent and its first child inserted at
    the same moment by two workers cannot see each other).
    """
    if isinstance(collection_or_list, dict):
        items = collection_or_list.get("data") or []
    else:
        items = list(collection_or_list)
    return _run(items, None, recount=True) if items else []


def mark_token_deleted(token: Token) -> Token:
    """Record a token deletion as a transition to ``deleted`` (signal included)."""
    data = dict(token.data or {"id": token.smartpay_id, "object": "token", "test": token.test})
    stored = to_ms(token.smartpay_updated) or 0
    now = to_ms(dt.datetime.now(dt.UTC)) or 0
    data.update(status=TokenStatus.DELETED.value, updatedAt=max(now, stored + 1))
    return sync_object(data, model=Token)


def _expect(model: type[SmartpayObject], data: Any) -> None:
    kind = data.get("object") if isinstance(data, dict) else None
    if kind != model.api_object:
        message = _("%(id)s is not a %(kind)s.") % {
            "id": data.get("id") if isinstance(data, dict) else data,
            "kind": model._meta.verbose_name,
        }
        raise SmartpayValidationError(message, code="object.wrong-kind", details=[message])


def _run(items: list[dict], user: Any, *, recount: bool = False) -> list[SmartpayObject]:
    """One atomic block, retried once if another worker inserted one of the objects first."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _sync(items, user, recount=recount)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("smartpay sync: concurrent insert detected, retrying once")
    raise AssertionError("unreachable")  # pragma: no cover


def _sync(
    items: list[dict], user: Any, *, recount: bool = False, absent: Collection[tuple[str, str]] = ()
) -> list[SmartpayObject]:
    batch = Batch(recount_all=recount, absent=frozenset(absent))
    keys = [batch.add(data, user, top_level=True) for data in items]
    for kind in KIND_ORDER:
        if batch.items.get(kind) or batch.refresh.get(kind):
            _sync_kind(kind, batch)
    for callback in batch.callbacks:
        transaction.on_commit(callback)
    return [batch.rows[kind][sid] for kind, sid in filter(None, keys)]


def _snapshot(row: Any) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def _sync_kind(kind: str, batch: Batch) -> None:
    model = MODELS_BY_OBJECT[kind]
    items = batch.items.get(kind, {})
    refresh = batch.refresh.get(kind, set())
    wanted = {*items, *refresh} - {sid for absent_kind, sid in batch.absent if absent_kind == kind}
    existing: dict[str, Any] = _lock_rows(model, sorted(wanted)) if wanted else {}
    new: list[Any] = []
    changed: list[tuple[Any, dict[str, Any]]] = []
    for sid, item in items.items():
        row: Any = existing.pop(sid, None)
        if row is None:
            row = model(**FIELDS[kind](item.data), data=stored_data(item.data))
            if item.user is not None:
                row.user = item.user
            new.append(row)
        else:
            before = _snapshot(row)
            if _is_news(stored_data(item.data), row):
                for attname, value in FIELDS[kind](item.data).items():
                    setattr(row, attname, value)
                row.data = stored_data(item.data)
            if item.user is not None and row.user_id != item.user.pk:
                row.user = item.user
            changed.append((row, before))
        batch.rows[kind][sid] = row
    for sid, row in existing.items():  # parents refreshed for their children only
        changed.append((row, _snapshot(row)))
        batch.rows[kind][sid] = row
    DERIVE.get(kind, _nothing)(batch, new, changed)
    changed = [(row, before) for row, before in changed if _differs(row, before)]
    _write(model, new, [row for row, _before in changed])
    AFTER_WRITE.get(kind, _nothing)(batch, new, changed)


def _lock_rows(model: type[M], smartpay_ids: list[str]) -> dict[str, M]:
    """The stored rows among ``smartpay_ids``, locked (in id order) until the transaction ends."""
    rows = model._default_manager.select_for_update().filter(smartpay_id__in=smartpay_ids)
    return {row.smartpay_id: row for row in rows.order_by("smartpay_id")}


def _differs(row: Any, before: dict[str, Any]) -> bool:
    return any(getattr(row, attname) != value for attname, value in before.items())


def _write(model: type[SmartpayObject], new: list[Any], changed: list[Any]) -> None:
    if new:
        model._default_manager.bulk_create(new)
    if not changed:
        return
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    fields = [f.name for f in columns if f.name not in ("smartpay_id", "created")]
    copies = [model(**{f.attname: getattr(row, f.attname) for f in columns}) for row in changed]
    model._default_manager.bulk_create(
        copies, update_conflicts=True, unique_fields=["smartpay_id"], update_fields=fields
    )
    for row, copy in zip(changed, copies, strict=True):
        row.updated = copy.updated


def _nothing(*args: Any) -> None:
    return None


# --- fetching one object, by id ----------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """How one kind of object is fetched and listed."""

    model: type[SmartpayObject]
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
        raise SmartpayValidationError(message, code="id.unknown-kind", details=[message])
    return _BY_PREFIX[prefix]


@overload
def sync_by_id(smartpay_id: str) -> SmartpayObject: ...
@overload
def sync_by_id(smartpay_id: str, model: type[M]) -> M: ...
def sync_by_id(smartpay_id: str, model: type[SmartpayObject] | None = None) -> SmartpayObject:
    """Fetch one object by id (expanded where Smartpay allows it) and sync it.

    With ``model``, an id of another kind is refused before any request is sent.
    """
    resource = resource_for(smartpay_id)
    if model is not None and resource.model is not model:
        _expect(model, {"id": smartpay_id, "object": resource.model.api_object})
    getter = getattr(conf.get_client(), resource.getter)
    data = getter(smartpay_id, expand="all") if resource.expandable else getter(smartpay_id)
    return _run([data], None, recount=True)[0]


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
