"""Promotion codes applied at checkout (``?promotion-code=CODE`` on the checkout URL, spec §6).

A code applies when the order still awaits authorization, the code exists in the merchant's
account (case-insensitively), it and its coupon are active, neither has expired or reached its
``maxRedemptionCount``, the order reaches ``minimumAmount`` and the currencies agree.  The
discount (a ``discount`` object) lowers ``order.amount`` and is listed in ``order.discounts`` /
``order.discountAmount``; an amount coupon never takes the order below zero, a percentage coupon
is rounded down to whole yen.  One code per order: a new valid code replaces the previous one.
Redemption counts go up when the order is authorized.  ``onePerCustomer`` and
``firstTimeTransaction`` are stored but not enforced (the simulator has no shopper identity).
"""

from __future__ import annotations

from typing import Any

from . import page_text
from .context import Ctx


class PromotionRefused(Exception):
    """The code cannot be applied; :meth:`message` is shown to the shopper (``str()``: in English)."""

    def __init__(self, key: str, **params: str) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message(page_text.DEFAULT_LANGUAGE))

    def message(self, language: str) -> str:
        params = dict(self.params)
        if "label" in params:
            params["label"] = page_text.text(language, f"label.{params['label']}")
        return page_text.text(language, f"promo.{self.key}", **params)


def _usable(obj: dict[str, Any], now: int, label: str) -> None:
    if not obj["active"]:
        raise PromotionRefused("inactive", label=label)
    if obj.get("expiresAt") is not None and obj["expiresAt"] <= now:
        raise PromotionRefused("expired", label=label)
    limit = obj.get("maxRedemptionCount")
    if limit is not None and obj["redemptionCount"] >= limit:
        raise PromotionRefused("redeemed", label=label)


def discount_amount(coupon: dict[str, Any], amount: int) -> int:
    if coupon["discountType"] == "amount":
        return min(int(coupon["discountAmount"]), amount)
    return min(int(amount * coupon["discountPercentage"] // 100), amount)


def apply(ctx: Ctx, order: dict[str, Any], code: str) -> dict[str, Any]:
    """Apply ``code`` to ``order``; return the discount object or raise :class:`PromotionRefused`."""
    if order["status"] != "requires_authorization":
        raise PromotionRefused("too_late")
    promotion_id = ctx.account.promotion_codes.get(code.lower())
    if promotion_id is None:
        raise PromotionRefused("unknown", code=code)
    promotion = ctx.account.objects[promotion_id]
    coupon = ctx.account.objects[promotion["coupon"]]
    for discount_id in order["discounts"]:
        if ctx.account.objects[discount_id]["promotionCode"] == promotion_id:
            return ctx.account.objects[discount_id]
    _usable(promotion, ctx.now, "promotion code")
    _usable(coupon, ctx.now, "coupon")
    internal = ctx.internal(order)
    original = internal["originalAmount"]
    if promotion.get("minimumAmount") is not None and original < promotion["minimumAmount"]:
        raise PromotionRefused("minimum", minimum=f"¥{promotion['minimumAmount']:,}")
    for currency in (promotion.get("currency"), coupon.get("currency")):
        if currency is not None and currency != order["currency"]:
            raise PromotionRefused("currency")
    amount = discount_amount(coupon, original)
    discount = ctx.base("discount", "discount")
    discount.update(
        amount=amount, currency=order["currency"], coupon=coupon["id"], promotionCode=promotion_id
    )
    ctx.add(discount)
    order["discounts"] = [discount["id"]]
    order["discountAmount"] = amount
    order["amount"] = original - amount
    ctx.touch(order)
    return discount
