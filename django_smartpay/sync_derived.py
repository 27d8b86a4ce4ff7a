"""What each kind derives before it is written, and what follows once it is.

Before: totals summed from child rows (refunds into payments, payments into orders), the
statuses those totals imply, and an order's user inherited from its token.  After: the
parents whose totals a written child changed, users handed on to orders, and the signals
(sent on commit).  The engine (:mod:`.sync`) calls them through :data:`DERIVE` and
:data:`AFTER_WRITE`, by kind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import models
from django.db.models import OuterRef, Q, Subquery, Sum, Value

from . import signals
from .models import (
    CheckoutSession,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SmartpayObject,
    Token,
)
from .sync_batch import Batch

#: Order statuses a capture of the whole amount turns into ``succeeded``.
_OPEN_ORDER = frozenset(
    {OrderStatus.REQUIRES_AUTHORIZATION, OrderStatus.PENDING, OrderStatus.REQUIRES_CAPTURE}
)


# --- derived columns, before writing --------------------------------------------------------


def _recount(batch: Batch, kind: str, new: list[Any], changed: list[tuple[Any, dict]]) -> list[Any]:
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


def _derive_payments(batch: Batch, new: list[Payment], changed: list[tuple[Payment, dict]]) -> None:
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


def _derive_orders(batch: Batch, new: list[Order], changed: list[tuple[Order, dict]]) -> None:
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


def _after_refunds(batch: Batch, new: list[Refund], changed: list[tuple[Refund, dict]]) -> None:
    batch.refresh["payment"] |= _touched(new, changed, "payment_id", "amount", "status")
    for row in new:
        batch.callbacks.append(_sender(signals.refund_created, Refund, instance=row))


def _after_payments(batch: Batch, new: list[Payment], changed: list[tuple[Payment, dict]]) -> None:
    batch.refresh["order"] |= _touched(new, changed, "order_id", "amount", "refunded_amount")
    for row in new:
        batch.callbacks.append(_sender(signals.payment_created, Payment, instance=row))


def _status_signals(signal: Any, model: type[SmartpayObject]) -> Callable[..., None]:
    def after(batch: Batch, new: list[Any], changed: list[tuple[Any, dict]]) -> None:
        transitions = [(row, None) for row in new]
        transitions += [(row, before["status"]) for row, before in changed if row.status != before["status"]]
        for row, old in transitions:
            batch.callbacks.append(
                _sender(signal, model, instance=row, old_status=old, new_status=row.status)
            )

    return after


def _after_tokens(batch: Batch, new: list[Token], changed: list[tuple[Token, dict]]) -> None:
    _status_signals(signals.token_status_changed, Token)(batch, new, changed)
    owned = [row.smartpay_id for row in new if row.user_id]
    owned += [row.smartpay_id for row, before in changed if row.user_id and row.user_id != before["user_id"]]
    if owned:
        Order.objects.filter(token_id__in=owned, user__isnull=True).update(
            user_id=Subquery(Token.objects.filter(smartpay_id=OuterRef("token_id")).values("user_id")[:1])
        )


def _after_sessions(batch: Batch, new: list[CheckoutSession], changed: list[tuple[Any, dict]]) -> None:
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
