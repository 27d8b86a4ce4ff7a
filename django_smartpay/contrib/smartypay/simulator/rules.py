"""The document's rules for a payment create and a search, as the simulator applies them.

Errors are :class:`ApiError` with the documented code and HTTP status.  Where the document is
silent the simulator decides (and the docs page lists it): a missing or non-object body,
a missing ``merchantId`` or a field of the wrong JSON type is 400 ``RequestInvalid``; an
amount value must be a decimal string > 0 with at most 18 digits after the point and 18
before; a token code is 1 to 16 letters or digits; sizes are counted in bytes of compact UTF-8
JSON (metadata, 4096) and of UTF-8 text (description, 1024).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from ..client.wire import TOKEN_CODE, parse_timestamp

MAX_METADATA_BYTES: Final = 4 * 1024
MAX_DESCRIPTION_BYTES: Final = 1024
MAX_FRACTION_DIGITS: Final = 18
MAX_INTEGER_DIGITS: Final = 18
MAX_PAGE_LIMIT: Final = 100
DEFAULT_PAGE_LIMIT: Final = 20
_VALUE: Final = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,18}))?")


class ApiError(Exception):
    """An error answer: HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def invalid(message: str) -> ApiError:
    return ApiError(400, "RequestInvalid", message)


def amount(raw: object, tokens: frozenset[str]) -> dict[str, str]:
    """The money of a create, or 400 ``PaymentAmountInvalid`` / ``PaymentAmountNotSupported``."""
    if not isinstance(raw, dict):
        raise ApiError(400, "PaymentAmountInvalid", "amount must be an object with value and currency")
    value, currency = raw.get("value"), raw.get("currency")
    match = _VALUE.fullmatch(value) if isinstance(value, str) else None
    if match is None or not isinstance(currency, str) or not TOKEN_CODE.fullmatch(currency):
        raise ApiError(400, "PaymentAmountInvalid", "The amount cannot be parsed: value or currency")
    try:
        number = Decimal(value)  # type: ignore[arg-type]
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        raise ApiError(400, "PaymentAmountInvalid", "The amount value cannot be parsed") from None
    if number <= 0:
        raise ApiError(400, "PaymentAmountInvalid", "The amount value must be greater than zero")
    if currency not in tokens:
        raise ApiError(400, "PaymentAmountNotSupported", f"Token {currency} is not supported by the merchant")
    return {"value": value, "currency": currency}  # type: ignore[dict-item]


def expires_at(raw: object, now: datetime) -> datetime:
    moment = parse_timestamp(raw)
    if moment is None:
        raise ApiError(
            400, "PaymentExpiresAtInvalid", "expiresAt must be an ISO 8601 timestamp with an offset"
        )
    if moment <= now:
        raise ApiError(400, "PaymentExpiresAtInvalid", "expiresAt refers to a point in the past")
    return moment


def metadata(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid("metadata must be an object")
    size = len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ApiError(
            400, "PaymentMetadataSizeExceeded", f"Metadata JSON is {size} bytes; at most {MAX_METADATA_BYTES}"
        )
    return raw


def description(raw: object) -> str:
    if not isinstance(raw, str):
        raise invalid("description must be a string")
    size = len(raw.encode("utf-8"))
    if size > MAX_DESCRIPTION_BYTES:
        raise ApiError(
            400,
            "PaymentDescriptionSizeExceeded",
            f"Description is {size} bytes; at most {MAX_DESCRIPTION_BYTES}",
        )
    return raw


def _string_list(name: str, raw: object) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise invalid(f"predicates.{name} must be an array of strings")
    return raw


def search(body: object) -> tuple[dict[str, Any], int, int]:
    """(predicates, limit, offset) of a search body."""
    if not isinstance(body, dict):
        raise invalid("The body must be a JSON object")
    predicates = body.get("predicates", {})
    page = body.get("page", {})
    if not isinstance(predicates, dict) or not isinstance(page, dict):
        raise invalid("predicates and page must be objects")
    found: dict[str, Any] = {}
    for name in ("statusIn", "idIn"):
        if predicates.get(name) is not None:
            found[name] = set(_string_list(name, predicates[name]))
    if predicates.get("merchantId") is not None:
        if not isinstance(predicates["merchantId"], str):
            raise invalid("predicates.merchantId must be a string")
        found["merchantId"] = predicates["merchantId"]
    limit = page.get("limit", DEFAULT_PAGE_LIMIT)
    offset = page.get("offset", 0)
    for name, value, low, high in (("limit", limit, 1, MAX_PAGE_LIMIT), ("offset", offset, 0, 10**9)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid(f"page.{name} must be an integer from {low} to {high}")
    return found, limit, offset
