"""Promotion codes: shopper-facing codes of a coupon, unique per account regardless of case.

Decision (spec §10.16 open): the object carries ``coupon`` (the coupon id), so a receiver can tell
which coupon a code belongs to without keeping its own map.
"""

from __future__ import annotations

from typing import Any

from .. import listing
from ..context import Call, Ctx
from ..errors import ApiError, not_found
from ..validation import MAX_INTEGER, Checker


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    coupon_id = check.string(body, "coupon", required=True)
    code = check.string(body, "code", required=True, min_len=1, max_len=100)
    fields = {
        "active": check.boolean(body, "active"),
        "currency": check.currency(body, required=False),
        "expiresAt": check.integer(body, "expiresAt", maximum=MAX_INTEGER),
        "firstTimeTransaction": check.boolean(body, "firstTimeTransaction"),
        "onePerCustomer": check.boolean(body, "onePerCustomer"),
        "maxRedemptionCount": check.integer(body, "maxRedemptionCount", minimum=1, maximum=MAX_INTEGER),
        "minimumAmount": check.integer(body, "minimumAmount"),
        "metadata": check.metadata(body),
    }
    check.done()
    coupon = ctx.account.get(coupon_id, "coupon")
    if coupon is None:
        raise not_found("coupon")
    code = str(code)
    if code.lower() in ctx.account.promotion_codes:
        raise ApiError(
            409,
            "promotion-code.exists",
            f"The promotion code {code} already exists. The code needs to be unique across all of your promotion codes.",
        )
    promotion = ctx.base("promotioncode", "promotionCode")
    promotion.update(
        code=code, coupon=coupon["id"], active=True if fields["active"] is None else fields["active"]
    )
    for name in ("currency", "expiresAt"):
        if fields[name] is not None:
            promotion[name] = fields[name]
    promotion["firstTimeTransaction"] = bool(fields["firstTimeTransaction"])
    promotion["onePerCustomer"] = bool(fields["onePerCustomer"])
    for name in ("maxRedemptionCount", "minimumAmount"):
        if fields[name] is not None:
            promotion[name] = fields[name]
    promotion["redemptionCount"] = 0
    promotion["metadata"] = fields["metadata"] or {}
    ctx.add(promotion)
    ctx.account.promotion_codes[code.lower()] = promotion["id"]
    ctx.emit("promotion_code.created", promotion)
    return 200, promotion


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, ctx.get(call.id, "promotionCode")


def update(ctx: Ctx, call: Call) -> tuple[int, Any]:
    promotion = ctx.get(call.id, "promotionCode")
    check = Checker()
    body = check.body_object(call.body)
    active = check.boolean(body, "active")
    metadata = check.metadata(body)
    check.done()
    if active is not None:
        promotion["active"] = active
    if metadata is not None:
        promotion["metadata"] = metadata
    ctx.touch(promotion)
    ctx.emit("promotion_code.updated", promotion)
    return 200, promotion


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, listing.collection(ctx.store, ctx.account, "promotionCode", call.query)
