"""API object -> column values, and which of two copies of an object is the newer.

Only :mod:`~django_smartpay.sync` writes rows; this module says what goes in them
(Smartpay's millisecond timestamps as aware datetimes, texts cut to their column,
references as Smartpay ids, the object kept whole in ``data`` minus any signing secret)
and decides between two copies of one object (:func:`precedence`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .client import constants as c

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
_SECRET_FIELD = "signingSecret"

# --- conversions ---------------------------------------------------------------------------


def from_ms(value: Any) -> dt.datetime | None:
    """Milliseconds since the epoch (Smartpay's timestamps) to an aware UTC datetime."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    return EPOCH + dt.timedelta(milliseconds=int(value))


def to_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else (value - EPOCH) // _MS


def reference_id(value: Any) -> str | None:
    """The id of a reference, whether it is an id string or an expanded object."""
    if isinstance(value, dict):
        return value.get("id") or None
    return value or None


def _text(data: dict, key: str, limit: int = 255) -> str:
    value = data.get(key)
    return "" if value is None else str(value)[:limit]


def _int(data: dict, key: str, default: int | None = 0) -> int | None:
    value = data.get(key)
    return default if value is None else int(value)


# --- API object -> column values -------------------------------------------------------------


def _common(data: dict) -> dict[str, Any]:
    return {
        "smartpay_id": data["id"],
        "test": bool(data["test"]) if "test" in data else "_live_" not in data["id"],
        "metadata": data.get("metadata") or {},
        "smartpay_created": from_ms(data.get("createdAt")),
        "smartpay_updated": from_ms(data.get("updatedAt")),
    }


def _charge(data: dict) -> dict[str, Any]:
    return {
        **_common(data),
        "status": _text(data, "status", 32),
        "amount": _int(data, "amount"),
        "currency": _text(data, "currency", 3) or "JPY",
        "reference": _text(data, "reference"),
        "description": _text(data, "description"),
    }


def _links(data: dict, **keys: str) -> dict[str, str]:
    """``{attname: id}`` for each reference present; absent ones keep the stored value."""
    found = {}
    for attname, key in keys.items():
        ref = reference_id(data.get(key))
        if ref:
            found[attname] = ref
    return found


def _order_fields(data: dict) -> dict[str, Any]:
    links = _links(data, token_id="tokenId") or _links(data, token_id="token")
    return {**_charge(data), "expires_at": from_ms(data.get("expiresAt")), **links}


def _payment_fields(data: dict) -> dict[str, Any]:
    return {**_charge(data), **_links(data, order_id="order")}


def _refund_fields(data: dict) -> dict[str, Any]:
    return {**_charge(data), "reason": _text(data, "reason", 32), **_links(data, payment_id="payment")}


def _token_fields(data: dict) -> dict[str, Any]:
    return {**_common(data), "status": _text(data, "status", 32), "reference": _text(data, "reference")}


def _session_fields(data: dict) -> dict[str, Any]:
    links = _links(data, order_id="order", token_id="token")
    mode = "token" if data.get("mode") == "token" or "token_id" in links else "order" if links else ""
    return {
        **_common(data),
        "url": _text(data, "url", 2048),
        "reference": _text(data, "reference"),
        "mode": mode,
        **links,
    }


def _redeemable(data: dict) -> dict[str, Any]:
    return {
        **_common(data),
        "active": bool(data.get("active", True)),
        "currency": _text(data, "currency", 3),
        "expires_at": from_ms(data.get("expiresAt")),
        "max_redemption_count": _int(data, "maxRedemptionCount", None),
        "redemption_count": _int(data, "redemptionCount"),
    }


def _coupon_fields(data: dict) -> dict[str, Any]:
    percentage = data.get("discountPercentage")
    return {
        **_redeemable(data),
        "name": _text(data, "name"),
        "description": _text(data, "description"),
        "discount_type": _text(data, "discountType", 16),
        "discount_amount": _int(data, "discountAmount", None),
        "discount_percentage": None if percentage is None else Decimal(str(percentage)),
        "sponsored": bool(data.get("sponsored", False)),
    }


def _promotion_code_fields(data: dict) -> dict[str, Any]:
    return {
        **_redeemable(data),
        "code": _text(data, "code", 100),
        "minimum_amount": _int(data, "minimumAmount", None),
        "first_time_transaction": bool(data.get("firstTimeTransaction", False)),
        "one_per_customer": bool(data.get("onePerCustomer", False)),
        **_links(data, coupon_id="coupon"),
    }


def _webhook_endpoint_fields(data: dict) -> dict[str, Any]:
    secret = {"signing_secret": data[_SECRET_FIELD]} if data.get(_SECRET_FIELD) else {}
    return {
        **_common(data),
        "url": _text(data, "url", 2048),
        "active": bool(data.get("active", True)),
        "description": _text(data, "description"),
        "event_subscriptions": data.get("eventSubscriptions") or [],
        **secret,
    }


FIELDS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "checkoutSession": _session_fields,
    "order": _order_fields,
    "payment": _payment_fields,
    "refund": _refund_fields,
    "token": _token_fields,
    "coupon": _coupon_fields,
    "promotionCode": _promotion_code_fields,
    "webhookEndpoint": _webhook_endpoint_fields,
}


#: Columns of each mirrored model that no field of the API object fills: the row's own
#: bookkeeping, the object kept whole (``data``), the local user, and the totals summed
#: from child rows.  Every other column must come from :data:`FIELDS` (a test checks).
LOCAL_COLUMNS: dict[str, frozenset[str]] = {
    kind: frozenset({"id", "data", "created", "updated", *extra})
    for kind, extra in {
        "checkoutSession": ("user_id",),
        "order": ("user_id", "captured_amount", "refunded_amount"),
        "payment": ("refunded_amount",),
        "refund": (),
        "token": ("user_id",),
        "coupon": (),
        "promotionCode": (),
        "webhookEndpoint": (),
    }.items()
}


def stored_data(data: dict) -> dict:
    """What goes into ``data``: the object as received, minus any signing secret."""
    if _SECRET_FIELD in data:
        return {key: value for key, value in data.items() if key != _SECRET_FIELD}
    return data


# --- which copy wins -------------------------------------------------------------------------

#: How far along each status is, per kind.  Between two copies with the same ``updatedAt``
#: the one further along wins: a terminal status beats a non-terminal one (``succeeded``
#: over ``canceled``: a cancelled order with captures ends succeeded); for tokens the status
#: that allows less charging wins (``disabled`` over ``active``); for refunds ``succeeded``
#: (it leaves less to refund, so nothing is refunded twice).
STATUS_RANK: dict[str, dict[str, int]] = {
    "order": {
        c.ORDER_STATUS_REQUIRES_AUTHORIZATION: 0,
        c.ORDER_STATUS_PENDING: 1,
        c.ORDER_STATUS_REQUIRES_CAPTURE: 2,
        c.ORDER_STATUS_FAILED: 3,
        c.ORDER_STATUS_REJECTED: 4,
        c.ORDER_STATUS_CANCELED: 5,
        c.ORDER_STATUS_SUCCEEDED: 6,
    },
    "payment": {c.PAYMENT_STATUS_PROCESSED: 0, c.PAYMENT_STATUS_REFUNDED: 1},
    "refund": {c.REFUND_STATUS_FAILED: 0, c.REFUND_STATUS_SUCCEEDED: 1},
    "token": {
        c.TOKEN_STATUS_REQUIRES_AUTHORIZATION: 0,
        c.TOKEN_STATUS_ACTIVE: 1,
        c.TOKEN_STATUS_DISABLED: 2,
        c.TOKEN_STATUS_REJECTED: 3,
        c.TOKEN_STATUS_DELETED: 4,
    },
}


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else value if isinstance(value, int) else 0


def precedence(data: dict) -> tuple[int, int, int, int, str]:
    """Sort key of a copy of an object: of two copies, the greater one is Smartpay's latest.

    In order: ``updatedAt``; the rank of the status (:data:`STATUS_RANK`); more captures
    (``payments``) or refunds (``refunds``) listed; more redemptions; and, for two copies
    that still tie, their canonical JSON, so that the same pair always gives the same
    winner whichever arrives first.
    """
    updated = data.get("updatedAt")
    rank = STATUS_RANK.get(str(data.get("object")), {}).get(str(data.get("status")), -1)
    listed = _count(data.get("payments")) + _count(data.get("refunds"))
    canonical = json.dumps(data, sort_keys=True, default=str)
    return (
        -1 if updated is None else int(updated),
        rank,
        listed,
        _count(data.get("redemptionCount")),
        canonical,
    )


__all__ = [
    "EPOCH",
    "FIELDS",
    "LOCAL_COLUMNS",
    "STATUS_RANK",
    "from_ms",
    "precedence",
    "reference_id",
    "stored_data",
    "to_ms",
]
