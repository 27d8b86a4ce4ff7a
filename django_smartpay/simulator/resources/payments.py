"""Payments (captures): ``POST /payments`` captures part or all of an authorized order."""

from __future__ import annotations

from typing import Any

from .. import listing
from ..context import Call, Ctx
from ..render import present, renderer
from ..validation import Checker
from . import orders

CANCEL_REMAINDER = ("automatic", "manual")


#: Length limits of ``reference``/``description``: payments per spec §3.3; refunds have no
#: documented limit, so the simulator only caps them generously.
PAYMENT_LIMITS = (40, 80)
REFUND_LIMITS = (255, 255)


def descriptive(
    check: Checker, body: dict[str, Any], limits: tuple[int, int] = PAYMENT_LIMITS
) -> dict[str, Any]:
    """``reference``/``description``/``metadata``: the only fields PATCH may change."""
    return {
        "reference": check.string(body, "reference", min_len=1, max_len=limits[0]),
        "description": check.string(body, "description", min_len=1, max_len=limits[1]),
        "metadata": check.metadata(body),
    }


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    order_id = check.string(body, "order", required=True)
    amount = check.integer(body, "amount", required=True, minimum=1)
    check.currency(body)
    cancel_remainder = check.string(body, "cancelRemainder", choices=CANCEL_REMAINDER) or "automatic"
    extra = descriptive(check, body)
    extra["lineItems"] = check.string_list(body, "lineItems")
    check.done()
    order = ctx.get(order_id, "order")
    payment = orders.capture(ctx, order, int(amount or 0), cancel_remainder=cancel_remainder, extra=extra)
    ctx.emit("payment.created", payment)
    return 200, payment


def update_descriptive(
    ctx: Ctx, obj: dict[str, Any], body: Any, limits: tuple[int, int] = PAYMENT_LIMITS
) -> dict[str, Any]:
    """Shared by payments and refunds: apply ``reference``/``description``/``metadata``."""
    check = Checker()
    body = check.body_object(body)
    fields = descriptive(check, body, limits)
    check.done()
    for name, value in fields.items():
        if value is not None:
            obj[name] = value
    ctx.touch(obj)
    return obj


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, present(ctx.account, ctx.get(call.id, "payment"), call.query)


def update(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, update_descriptive(ctx, ctx.get(call.id, "payment"), call.body)


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    render = renderer(ctx.account, call.query)
    return 200, listing.collection(ctx.store, ctx.account, "payment", call.query, render=render)
