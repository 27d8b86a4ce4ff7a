"""What each field of an event's object may hold: type, range, length, id and mode.

The columns a field goes to decide its checks, so a signed event that passes them can be
stored and synced without a database error.  :mod:`.verification` runs them on every body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django_smartpay.client.constants import MAX_AMOUNT, MAX_POSITIVE_INTEGER
from django_smartpay.models import (
    MODELS_BY_OBJECT,
    OrderStatus,
    PaymentStatus,
    RefundReason,
    RefundStatus,
    TokenStatus,
)
from django_smartpay.models.base import CURRENCY_MAX_LENGTH, REFERENCE_MAX_LENGTH
from django_smartpay.models.discounts import DiscountType
from django_smartpay.sync_fields import reference_id

MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
OBJECT_ID_MAX_LENGTH = 64
_ID = re.compile(r"([a-z]+)_(test|live)_[0-9A-Za-z]+")
#: The id prefix of each object kind (spec §1.3).
ID_PREFIXES = {
    "order": "order",
    "payment": "payment",
    "refund": "refund",
    "token": "paytok",
    "coupon": "coupon",
    "promotionCode": "promotioncode",
}


# Field checks: each returns what is wrong with a present, non-null value, or None.
Check = Callable[[Any], str | None]


def integer_check(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        return None if low <= value <= high else f"must be between {low} and {high}"

    return check


def text_check(limit: int, choices: Any = None) -> Check:
    allowed = None if choices is None else {str(choice) for choice in choices.values}

    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if len(value) > limit:
            return f"must be at most {limit} characters"
        return None if allowed is None or value in allowed else f"must be one of {', '.join(sorted(allowed))}"

    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _smartpay_id(kind: str | None) -> Check:
    def check(value: Any) -> str | None:
        match = _ID.fullmatch(value) if isinstance(value, str) else None
        if match is None or len(value) > OBJECT_ID_MAX_LENGTH:
            return f"must be a Smartpay id of at most {OBJECT_ID_MAX_LENGTH} characters"
        if kind is not None and match.group(1) != ID_PREFIXES[kind]:
            return f"must be the id of a {kind}"
        return None

    return check


def _reference(kind: str) -> Check:
    """A reference: the other object's id, or that object expanded (with its ``id``)."""
    id_check = _smartpay_id(kind)

    def check(value: Any) -> str | None:
        if isinstance(value, dict):
            problem = id_check(value.get("id"))
            return None if problem is None else f"id {problem}"
        return id_check(value)

    return check


def _references(value: Any) -> str | None:
    """A list of references (ids, or objects with an id), as ``lineItems`` and ``payments`` are."""
    if not isinstance(value, list):
        return "must be a list"
    for item in value:
        if isinstance(item, dict):
            item = item.get("id")
        if not isinstance(item, str) or len(item) > OBJECT_ID_MAX_LENGTH:
            return "must list ids or objects with an id"
    return None


def _percentage(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number"
    return None if 0 <= value <= 100 and round(value, 2) == value else "must be 0 to 100 with two decimals"


_MS = integer_check(0, MAX_MS)
_AMOUNT = integer_check(0, MAX_AMOUNT)
_COUNT = integer_check(0, MAX_POSITIVE_INTEGER)
_TEXT = text_check(255)
_COMMON: dict[str, Check] = {
    "test": _flag,
    "createdAt": _MS,
    "updatedAt": _MS,
    "metadata": _mapping,
}
_CHARGE: dict[str, Check] = {
    **_COMMON,
    "amount": _AMOUNT,
    "currency": text_check(CURRENCY_MAX_LENGTH),
    "reference": text_check(REFERENCE_MAX_LENGTH),
    "description": _TEXT,
    "lineItems": _references,
}
_REDEEMABLE: dict[str, Check] = {
    **_COMMON,
    "active": _flag,
    "currency": text_check(CURRENCY_MAX_LENGTH),
    "expiresAt": _MS,
    "maxRedemptionCount": _COUNT,
    "redemptionCount": _COUNT,
}
#: The fields of each handled object that reach a column, and what each must be.
FIELDS: dict[str, dict[str, Check]] = {
    "order": {
        **_CHARGE,
        "status": text_check(32, OrderStatus),
        "expiresAt": _MS,
        "token": _reference("token"),
        "tokenId": _reference("token"),
        "payments": _references,
        "discounts": _references,
    },
    "payment": {
        **_CHARGE,
        "status": text_check(32, PaymentStatus),
        "order": _reference("order"),
        "refunds": _references,
    },
    "refund": {
        **_CHARGE,
        "status": text_check(32, RefundStatus),
        "reason": text_check(32, RefundReason),
        "payment": _reference("payment"),
    },
    "token": {
        **_COMMON,
        "status": text_check(32, TokenStatus),
        "reference": text_check(REFERENCE_MAX_LENGTH),
    },
    "coupon": {
        **_REDEEMABLE,
        "name": _TEXT,
        "description": _TEXT,
        "discountType": text_check(16, DiscountType),
        "discountAmount": _AMOUNT,
        "discountPercentage": _percentage,
        "sponsored": _flag,
    },
    "promotionCode": {
        **_REDEEMABLE,
        "code": text_check(100),
        "coupon": _reference("coupon"),
        "minimumAmount": _AMOUNT,
        "firstTimeTransaction": _flag,
        "onePerCustomer": _flag,
    },
}
#: How deep expanded objects may sit inside an event's object (a payment in an order: 1).
MAX_EXPANDED_DEPTH = 3
#: Fields that name another object, whose mode must be the event's.
REFERENCES = ("order", "payment", "token", "tokenId", "coupon")
#: Fields an object of each kind must have (besides ``id`` and ``object``).
REQUIRED: dict[str, tuple[str, ...]] = {
    "order": ("status", "amount"),
    "payment": ("status", "amount", "order"),
    "refund": ("status", "amount", "payment"),
    "token": ("status",),
    "coupon": (),
    "promotionCode": ("code",),
}


def _mode(object_id: str) -> bool | None:
    match = _ID.fullmatch(object_id)
    return None if match is None else match.group(2) == "test"


def check_object(
    kind: str, data: Any, test: bool, where: str = "eventData.data", depth: int = 0
) -> str | None:
    """What is wrong with ``data`` as a ``kind`` object of an event in ``test`` mode (``None``: nothing).

    Expanded objects inside it are checked the same way: sync mirrors each of them.
    """
    if not isinstance(data, dict) or data.get("object") != kind:
        return f"{where} must be a {kind} object"
    problem = _smartpay_id(kind)(data.get("id"))
    if problem:
        return f"{where}.id {problem}"
    for name in REQUIRED[kind]:
        if data.get(name) is None:
            return f"{where}.{name} is required"
    for name, check in FIELDS[kind].items():
        value = data.get(name)
        if value is not None and (problem := check(value)) is not None:
            return f"{where}.{name} {problem}"
    if data.get("test", test) is not test or _mode(data["id"]) is not test:
        return f"{where} is not of the same mode (test or live) as the event"
    for name in REFERENCES:
        other = reference_id(data.get(name))
        if other is not None and _mode(str(other)) is not test:
            return f"{where}.{name} refers to an object of the other mode (test or live)"
    return _check_expanded(data, test, where, depth)


def _check_expanded(data: dict, test: bool, where: str, depth: int) -> str | None:
    """What is wrong with the expanded objects in the fields of ``data`` (as sync finds them)."""
    for name, value in data.items():
        for candidate in value if isinstance(value, list) else [value]:
            if not isinstance(candidate, dict) or "object" not in candidate:
                continue
            kind = candidate["object"]
            if not isinstance(kind, str):
                return f"{where}.{name}.object must be a string"
            if kind not in MODELS_BY_OBJECT:
                continue
            if kind not in FIELDS or depth >= MAX_EXPANDED_DEPTH:
                return f"{where}.{name} is an expanded {kind} object, which an event never carries here"
            problem = check_object(kind, candidate, test, f"{where}.{name}", depth + 1)
            if problem is not None:
                return problem
    return None
