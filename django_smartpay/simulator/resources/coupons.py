"""Coupons: an amount or percentage discount that promotion codes refer to."""

from __future__ import annotations

from typing import Any

from .. import listing
from ..context import Call, Ctx
from ..validation import MAX_INTEGER, Checker

DISCOUNT_TYPES = ("amount", "percentage")


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    name = check.string(body, "name", required=True, min_len=1, max_len=255)
    discount_type = check.string(body, "discountType", required=True, choices=DISCOUNT_TYPES)
    amount = percentage = currency = None
    if discount_type == "amount":
        amount = check.integer(body, "discountAmount", required=True, minimum=1)
        currency = check.currency(body)
    elif discount_type == "percentage":
        percentage = check.number(body, "discountPercentage", required=True, minimum=0, maximum=100)
        currency = check.currency(body, required=False)
    expires_at = check.integer(body, "expiresAt", maximum=MAX_INTEGER)
    max_redemptions = check.integer(body, "maxRedemptionCount", minimum=1, maximum=MAX_INTEGER)
    metadata = check.metadata(body)
    description = check.string(body, "description", max_len=1000)
    check.done()
    coupon = ctx.base("coupon", "coupon")
    coupon.update(name=name, active=True, discountType=discount_type)
    optional = {
        "discountAmount": amount,
        "discountPercentage": percentage,
        "currency": currency,
        "expiresAt": expires_at,
        "maxRedemptionCount": max_redemptions,
    }
    coupon.update({key: value for key, value in optional.items() if value is not None})
    coupon.update(redemptionCount=0, sponsored=False, metadata=metadata or {})
    if description is not None:
        coupon["description"] = description
    ctx.add(coupon)
    ctx.emit("coupon.created", coupon)
    return 200, coupon


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, ctx.get(call.id, "coupon")


def update(ctx: Ctx, call: Call) -> tuple[int, Any]:
    coupon = ctx.get(call.id, "coupon")
    check = Checker()
    body = check.body_object(call.body)
    changes = {
        "name": check.string(body, "name", min_len=1, max_len=255),
        "active": check.boolean(body, "active"),
        "metadata": check.metadata(body),
        "description": check.string(body, "description", max_len=1000),
    }
    check.done()
    coupon.update({key: value for key, value in changes.items() if value is not None})
    ctx.touch(coupon)
    ctx.emit("coupon.updated", coupon)
    return 200, coupon


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, listing.collection(ctx.store, ctx.account, "coupon", call.query)
