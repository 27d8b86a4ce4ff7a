"""The one door for local state: Smartpay API objects (dicts) in, model rows out.

Rows are upserted by Smartpay id and never moved backwards (:func:`.sync_fields.precedence`);
they link to each other by Smartpay id whatever order they arrive in; totals are summed
from child rows with the parent locked, so concurrent events add up; signals follow commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar, overload

from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Q, Subquery, Sum, Value
from django.utils.translation import gettext as _

from . import conf, signals
from .exceptions import SmartpayValidationError
from .models import (
    MODELS_BY_OBJECT,
    CheckoutSession,
    Coupon,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    PromotionCode,
    Refund,
    RefundStatus,
    SmartpayObject,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from .sync_fields import FIELDS, from_ms, precedence, stored_data, to_ms

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=SmartpayObject)

#: Kinds are written in this order: children before the parents whose totals they feed
#: (so locks are always taken refund → payment → order, never the other way round).
KIND_ORDER: tuple[str, ...] = ("coupon", "promotionCode", "webhookEndpoint", "token")
KIND_ORDER += ("refund", "payment", "order", "checkoutSession")

#: Order statuses a capture of the whole amount turns into ``succeeded``.
_OPEN_ORDER = frozenset(
    {OrderStatus.REQUIRES_AUTHORIZATION, OrderStatus.PENDING, OrderStatus.REQUIRES_CAPTURE}
)


# --- collecting a batch ---------------------------------------------------------------------


@dataclass
class _Item:
    data: dict
    user: Any = None


@dataclass
class _Batch:
    items: dict[str, dict[str, _Item]] = field(default_factory=lambda: defaultdict(dict))
    rows: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    #: Parents (payments, orders) whose totals a written child may have changed.
    refresh: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    callbacks: list[Callable[[], None]] = field(default_factory=list)
    #: Sum the totals of every parent in the batch again (explicit syncs), not only of
    #: new ones and those whose children changed (events).
    recount_all: bool = False

    def add(self, data: dict, user: Any, *, top_level: bool) -> tuple[str, str] | None:
        if not isinstance(data, dict):
            raise TypeError(f"a Smartpay object must be a dict, not {type(data).__name__}")
        kind = data.get("object")
        if not isinstance(kind, str) or kind not in MODELS_BY_OBJECT or not data.get("id"):
            if top_level:
                raise ValueError(f"not a Smartpay object that django_smartpay mirrors: object={kind!r}")
            return None
        inherited = user if kind in ("checkoutSession", "token", "order") else None
        for child in _nested(data):
            self.add(child, inherited, top_level=False)
        known = self.items[kind].get(data["id"])
        if known is None or precedence(stored_data(data)) >= precedence(stored_data(known.data)):
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


def sync_object_in_transaction(data: dict, *, user: Any = None, also: Iterable[dict] = ()) -> SmartpayObject:
    """:func:`sync_object` for a caller that already holds a transaction.

    It adds no savepoint of its own (two statements fewer), so the caller must be
    inside ``transaction.atomic()`` and must retry its whole transaction once on
    :class:`~django.db.IntegrityError`: another process inserted the same object
    first, and the retry updates that row instead.  Objects in ``also`` (such as a
    parent fetched after a child's event) are written in the same batch, so a row
    both refreshed for its children and given new data is locked and written once.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync_object_in_transaction() needs an enclosing transaction.atomic()")
    return _sync([data, *also], user)[0]


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


def _sync(items: list[dict], user: Any, *, recount: bool = False) -> list[SmartpayObject]:
    batch = _Batch(recount_all=recount)
    keys = [batch.add(data, user, top_level=True) for data in items]
    for kind in KIND_ORDER:
        if batch.items.get(kind) or batch.refresh.get(kind):
            _sync_kind(kind, batch)
    for callback in batch.callbacks:
        transaction.on_commit(callback)
    return [batch.rows[kind][sid] for kind, sid in filter(None, keys)]


def _snapshot(row: Any) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


def _sync_kind(kind: str, batch: _Batch) -> None:
    model = MODELS_BY_OBJECT[kind]
    items = batch.items.get(kind, {})
    refresh = batch.refresh.get(kind, set())
    existing: dict[str, Any] = _lock_rows(model, sorted({*items, *refresh}))
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


# --- derived columns, before writing --------------------------------------------------------


def _recount(batch: _Batch, kind: str, new: list[Any], changed: list[tuple[Any, dict]]) -> list[Any]:
    """Rows whose totals must be summed again: new ones, and parents of written children."""
    dirty = batch.refresh.get(kind, set())
    return [*new, *(row for row, _before in changed if batch.recount_all or row.smartpay_id in dirty)]


def refund_totals(payment_ids: list[str]) -> models.QuerySet[Any, Any]:
    """``(payment id, total of its succeeded refunds)`` pairs, found through the payment's index.

    The status is in the sum, not the WHERE: there SQLite may pick the status index (every
    succeeded refund, a scan that grows with the table) over the payment's.
    """
    return (
        Refund.objects.filter(payment_id__in=payment_ids)
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount", filter=Q(status=RefundStatus.SUCCEEDED)))
        .values_list("payment_id", "total")
    )


def _derive_payments(batch: _Batch, new: list[Payment], changed: list[tuple[Payment, dict]]) -> None:
    wanted = _recount(batch, "payment", new, changed)
    if wanted:
        totals = dict(refund_totals([row.smartpay_id for row in wanted]))
        for row in wanted:
            row.refunded_amount = totals.get(row.smartpay_id) or 0
    for row in [*new, *(row for row, _before in changed)]:
        if row.status == PaymentStatus.REFUNDED:  # Smartpay says so, even if refunds are missing here
            row.refunded_amount = max(row.refunded_amount, row.amount)
        elif row.status == PaymentStatus.PROCESSED and row.refunded_amount >= row.amount > 0:
            row.status = PaymentStatus.REFUNDED.value


def _derive_orders(batch: _Batch, new: list[Order], changed: list[tuple[Order, dict]]) -> None:
    wanted = _recount(batch, "order", new, changed)
    inherit = [row for row in new if row.token_id and row.user_id is None]
    known_users = {sid: token.user_id for sid, token in batch.rows.get("token", {}).items()}
    token_ids = {row.token_id or "" for row in inherit}
    totals, users = _order_context([row.smartpay_id for row in wanted], token_ids - set(known_users))
    for row in wanted:
        row.captured_amount, row.refunded_amount = totals.get(row.smartpay_id, (0, 0))
    for row in inherit:
        row.user_id = known_users.get(row.token_id or "") or users.get(row.token_id or "")
    for row in [*new, *(row for row, _before in changed)]:
        if row.status in _OPEN_ORDER and row.captured_amount >= row.amount > 0:
            row.status = OrderStatus.SUCCEEDED.value


def _order_context(order_ids: list[str], token_ids: set[str]) -> tuple[dict[str, tuple[int, int]], dict]:
    """Payment totals of ``order_ids`` and the users of ``token_ids``, in one statement."""
    big = models.BigIntegerField()
    queries: list[Any] = []
    if order_ids:
        queries.append(
            Payment.objects.filter(order_id__in=order_ids)
            .order_by()
            .values("order_id")
            .annotate(
                kind=Value("payments", output_field=models.CharField()),
                captured=Sum("amount"),
                refunded=Sum("refunded_amount"),
                user=Value(None, output_field=big),
            )
            .values_list("kind", "order_id", "captured", "refunded", "user")
        )
    if token_ids:
        queries.append(
            Token.objects.filter(smartpay_id__in=token_ids, user__isnull=False)
            .order_by()
            .annotate(
                kind=Value("token", output_field=models.CharField()),
                captured=Value(0, output_field=big),
                refunded=Value(0, output_field=big),
            )
            .values_list("kind", "smartpay_id", "captured", "refunded", "user_id")
        )
    if not queries:
        return {}, {}
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    totals: dict[str, tuple[int, int]] = {}
    users: dict[str, Any] = {}
    for kind, sid, captured, refunded, user_id in rows:
        if kind == "payments":
            totals[str(sid)] = (int(captured or 0), int(refunded or 0))
        else:
            users[str(sid)] = user_id
    return totals, users


DERIVE: dict[str, Callable[..., None]] = {"payment": _derive_payments, "order": _derive_orders}


# --- after writing: parents to refresh, links, signals ----------------------------------------


def _touched(new: list[Any], changed: list[tuple[Any, dict]], parent: str, *columns: str) -> set[str]:
    """Parents whose totals a written child may have changed."""
    ids = {getattr(row, parent) for row in new}
    for row, before in changed:
        if any(getattr(row, c) != before[c] for c in (parent, *columns)):
            ids.update({getattr(row, parent), before[parent]})
    return {sid for sid in ids if sid}


def _after_refunds(batch: _Batch, new: list[Refund], changed: list[tuple[Refund, dict]]) -> None:
    batch.refresh["payment"] |= _touched(new, changed, "payment_id", "amount", "status")
    for row in new:
        batch.callbacks.append(_sender(signals.refund_created, Refund, instance=row))


def _after_payments(batch: _Batch, new: list[Payment], changed: list[tuple[Payment, dict]]) -> None:
    batch.refresh["order"] |= _touched(new, changed, "order_id", "amount", "refunded_amount")
    for row in new:
        batch.callbacks.append(_sender(signals.payment_created, Payment, instance=row))


def _status_signals(signal: Any, model: type[SmartpayObject]) -> Callable[..., None]:
    def after(batch: _Batch, new: list[Any], changed: list[tuple[Any, dict]]) -> None:
        transitions = [(row, None) for row in new]
        transitions += [(row, before["status"]) for row, before in changed if row.status != before["status"]]
        for row, old in transitions:
            batch.callbacks.append(
                _sender(signal, model, instance=row, old_status=old, new_status=row.status)
            )

    return after


def _after_tokens(batch: _Batch, new: list[Token], changed: list[tuple[Token, dict]]) -> None:
    _status_signals(signals.token_status_changed, Token)(batch, new, changed)
    owned = [row.smartpay_id for row in new if row.user_id]
    owned += [row.smartpay_id for row, before in changed if row.user_id and row.user_id != before["user_id"]]
    if owned:
        Order.objects.filter(token_id__in=owned, user__isnull=True).update(
            user_id=Subquery(Token.objects.filter(smartpay_id=OuterRef("token_id")).values("user_id")[:1])
        )


def _after_sessions(batch: _Batch, new: list[CheckoutSession], changed: list[tuple[Any, dict]]) -> None:
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


def _sender(signal: Any, sender: type[SmartpayObject], **kwargs: Any) -> Callable[[], None]:
    return partial(signals.send_robust_logged, signal, sender, **kwargs)


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
