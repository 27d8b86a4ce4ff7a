"""Model rows rendered as the Smartpay API objects they mirror.

:func:`api_object` is the inverse of :mod:`django_smartpay.sync`'s column
mapping: syncing its result back gives the same column values.  The factories
use it to fill ``data``; the webhook helpers use ``data`` as the event payload.
Objects are unexpanded (references are ids), as in webhooks and plain GETs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..client import base62
from ..models import (
    CheckoutSession,
    Coupon,
    Order,
    Payment,
    PromotionCode,
    Refund,
    SmartpayObject,
    Token,
    WebhookEndpoint,
)
from ..models.discounts import Redeemable
from ..simulator.store import ID_ALPHABET, ID_LENGTH
from ..sync import to_ms

#: Smartpay's base62 alphabet for signing secrets (spec §7.2); ids use any of [0-9A-Za-z].
SECRET_ALPHABET = base62.ALPHABET

#: A Tokyo address in the shape ``shippingInfo.address`` takes.
ADDRESS: dict[str, str] = {
    "line1": "1-1-1 Marunouchi",
    "locality": "Chiyoda-ku",
    "administrativeArea": "Tokyo",
    "postalCode": "100-0005",
    "country": "JP",
}


def random_string(
    length: int = ID_LENGTH, alphabet: str = ID_ALPHABET, rng: random.Random | None = None
) -> str:
    rng = rng or random.Random()
    return "".join(rng.choice(alphabet) for _ in range(length))


def smartpay_id(prefix: str, *, live: bool = False, rng: random.Random | None = None) -> str:
    """An id in Smartpay's format: ``<prefix>_<test|live>_<22 base62 characters>``."""
    return f"{prefix}_{'live' if live else 'test'}_{random_string(rng=rng)}"


def _common(row: SmartpayObject) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.smartpay_id, "object": row.api_object, "test": row.test}
    created, updated = to_ms(row.smartpay_created), to_ms(row.smartpay_updated)
    if created is not None:
        data["createdAt"] = created
    if updated is not None:
        data["updatedAt"] = updated
    data["metadata"] = dict(row.metadata or {})
    return data


def _optional(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Add the values that are set; Smartpay leaves unset optional scalars out."""
    data.update({key: value for key, value in values.items() if value not in (None, "")})
    return data


def _charge(row: Order | Payment | Refund) -> dict[str, Any]:
    data = _common(row)
    data.update(amount=row.amount, currency=str(row.currency), status=str(row.status))
    return _optional(data, reference=row.reference, description=row.description)


def _order(row: Order) -> dict[str, Any]:
    data = _charge(row)
    previous = row.data or {}
    data["lineItems"] = list(previous.get("lineItems") or [smartpay_id("li", live=not row.test)])
    data["payments"] = (
        list(row.payments.order_by("pk").values_list("smartpay_id", flat=True)) if row.pk else []
    )
    data["discounts"] = list(previous.get("discounts") or [])
    data["discountAmount"] = int(previous.get("discountAmount") or 0)
    data["shippingInfo"] = previous.get("shippingInfo") or {"address": dict(ADDRESS)}
    return _optional(data, expiresAt=to_ms(row.expires_at), tokenId=row.token_id)


def _payment(row: Payment) -> dict[str, Any]:
    data = _charge(row)
    data["order"] = row.order_id
    data["lineItems"] = list((row.data or {}).get("lineItems") or [])
    data["refunds"] = list(row.refunds.order_by("pk").values_list("smartpay_id", flat=True)) if row.pk else []
    return data


def _refund(row: Refund) -> dict[str, Any]:
    data = _charge(row)
    data.update(payment=row.payment_id, reason=str(row.reason))
    data["lineItems"] = list((row.data or {}).get("lineItems") or [])
    return data


def _token(row: Token) -> dict[str, Any]:
    return _optional({**_common(row), "status": str(row.status)}, reference=row.reference)


def _checkout_session(row: CheckoutSession) -> dict[str, Any]:
    previous = row.data or {}
    data = _common(row)
    data["url"] = row.url
    if row.token_id:
        data.update(token=row.token_id, mode="token")
    elif row.order_id:
        data["order"] = row.order_id
    data["customerInfo"] = previous.get("customerInfo") or {}
    data["successUrl"] = previous.get("successUrl") or "https://shop.example.jp/smartpay/success"
    data["cancelUrl"] = previous.get("cancelUrl") or "https://shop.example.jp/smartpay/cancel"
    return _optional(data, reference=row.reference)


def _redeemable(row: Redeemable) -> dict[str, Any]:
    data = {**_common(row), "active": row.active, "redemptionCount": row.redemption_count}
    return _optional(
        data,
        currency=row.currency,
        expiresAt=to_ms(row.expires_at),
        maxRedemptionCount=row.max_redemption_count,
    )


def _coupon(row: Coupon) -> dict[str, Any]:
    data = _redeemable(row)
    data.update(name=row.name, discountType=str(row.discount_type), sponsored=row.sponsored)
    stored = row.discount_percentage
    percentage: int | float | None = None
    if isinstance(stored, Decimal):
        percentage = int(stored) if stored == stored.to_integral_value() else float(stored)
    return _optional(
        data, discountAmount=row.discount_amount, discountPercentage=percentage, description=row.description
    )


def _promotion_code(row: PromotionCode) -> dict[str, Any]:
    data = _redeemable(row)
    data.update(
        code=row.code,
        firstTimeTransaction=row.first_time_transaction,
        onePerCustomer=row.one_per_customer,
    )
    return _optional(data, coupon=row.coupon_id, minimumAmount=row.minimum_amount)


def _webhook_endpoint(row: WebhookEndpoint) -> dict[str, Any]:
    data = {**_common(row), "url": row.url, "active": row.active}
    data["eventSubscriptions"] = list(row.event_subscriptions or [])
    return _optional(data, description=row.description)


RENDERERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "order": _order,
    "payment": _payment,
    "refund": _refund,
    "token": _token,
    "checkoutSession": _checkout_session,
    "coupon": _coupon,
    "promotionCode": _promotion_code,
    "webhookEndpoint": _webhook_endpoint,
}


def api_object(row: SmartpayObject) -> dict[str, Any]:
    """The API object (unexpanded) that ``row`` mirrors, built from its columns.

    Fields that have no column (an order's line items and shipping information,
    a session's URLs) are taken from ``row.data`` when it has them.  A webhook
    endpoint's signing secret is never included.
    """
    kind = getattr(row, "api_object", "")
    if kind not in RENDERERS:
        raise TypeError(f"{type(row).__name__} does not mirror a Smartpay object")
    return RENDERERS[kind](row)


__all__ = ["ADDRESS", "SECRET_ALPHABET", "api_object", "random_string", "smartpay_id"]
