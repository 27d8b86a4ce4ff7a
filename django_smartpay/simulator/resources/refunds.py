"""Refunds: ``POST /refunds`` returns money of one payment, up to what is still refundable.

Decisions: ``amount`` is required (§11); refunds always succeed; the payment becomes
``refunded`` once refunds reach its amount; ``lineItems`` must belong to the payment's order.
"""

from __future__ import annotations

from typing import Any

from .. import listing
from ..context import Call, Ctx
from ..errors import ApiError, invalid
from ..render import present, renderer
from ..validation import Checker
from .payments import REFUND_LIMITS, descriptive, update_descriptive

REASONS = ("requested_by_customer", "fraudulent")


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    payment_id = check.string(body, "payment", required=True)
    amount = check.integer(body, "amount", required=True, minimum=1)
    check.currency(body)
    reason = check.string(body, "reason", required=True, choices=REASONS)
    fields = descriptive(check, body, REFUND_LIMITS)
    line_items = check.string_list(body, "lineItems") or []
    check.done()
    payment = ctx.get(payment_id, "payment")
    amount = int(amount or 0)
    internal = ctx.internal(payment)
    available = payment["amount"] - internal["refunded"]
    if amount > available:
        raise ApiError(
            403,
            "amount.insufficient",
            f"Available amount on payment is insufficient to handle the request ({available} left)",
        )
    order = ctx.account.objects[payment["order"]]
    foreign = [item for item in line_items if item not in order["lineItems"]]
    if foreign:
        raise invalid(
            [f"lineItems: {item} is not a line item of payment {payment['id']}" for item in foreign]
        )
    refund = ctx.base("refund", "refund")
    refund.update(amount=amount, currency=payment["currency"], payment=payment["id"], reason=reason)
    refund["status"] = "succeeded"
    for name in ("reference", "description"):
        if fields[name] is not None:
            refund[name] = fields[name]
    refund["metadata"] = fields["metadata"] or {}
    refund["lineItems"] = line_items
    ctx.add(refund)
    internal["refunded"] += amount
    payment["refunds"].append(refund["id"])
    if internal["refunded"] >= payment["amount"]:
        payment["status"] = "refunded"
    ctx.touch(payment)
    ctx.emit("refund.created", refund)
    return 200, refund


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, present(ctx.account, ctx.get(call.id, "refund"), call.query)


def update(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, update_descriptive(ctx, ctx.get(call.id, "refund"), call.body, REFUND_LIMITS)


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    render = renderer(ctx.account, call.query)
    return 200, listing.collection(ctx.store, ctx.account, "refund", call.query, render=render)
