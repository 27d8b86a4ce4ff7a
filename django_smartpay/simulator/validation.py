"""Request-body validation (spec §2.1, §3 tables, §11 "unknown and null fields").

A :class:`Checker` collects every problem as a detail string naming the field
(``"items[0].name is required"``) and raises one 400 ``request.invalid`` at the
end.  JSON ``null`` for an optional field means "absent"; unknown fields are
ignored and never copied into stored objects.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import urlsplit

from .errors import invalid

#: Upper bound for amounts: the official Python SDK's schema types them as uint32.
MAX_AMOUNT = 2**32 - 1
#: Upper bound for quantities (uint16 in the same schema).
MAX_QUANTITY = 2**16 - 1
#: Upper bound for millisecond timestamps and counters.
MAX_INTEGER = 2**53 - 1
MAX_METADATA_KEYS = 20
MAX_ITEMS = 50
MAX_IMAGES = 8

ADDRESS_TYPES = ("home", "gift", "locker", "office", "store")
LINE_ITEM_KINDS = ("product", "discount", "tax")
CAPTURE_METHODS = ("automatic", "manual")
LOCALES = ("en", "ja")
GENDERS = ("male", "female")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")

_ADDRESS_OPTIONAL = ("line2", "line3", "line4", "line5", "subLocality", "administrativeArea")
_ITEM_STRINGS = (
    "description",
    "label",
    "brand",
    "gtin",
    "reference",
    "url",
    "productDescription",
    "priceDescription",
)
_CUSTOMER_STRINGS = (
    "emailAddress",
    "firstName",
    "lastName",
    "firstNameKana",
    "lastNameKana",
    "phoneNumber",
    "reference",
)


def _type_name(value: Any) -> str:
    return type(value).__name__


class Checker:
    """Collects validation problems; every reader returns ``None`` for absent or bad values."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)

    @staticmethod
    def _path(prefix: str, key: str) -> str:
        return f"{prefix}.{key}" if prefix else key

    def _value(self, data: dict[str, Any], key: str, prefix: str, required: bool) -> Any:
        value = data.get(key)
        if value is None and required:
            self.fail(f"{self._path(prefix, key)} is required")
        return value

    def string(
        self,
        data: dict[str, Any],
        key: str,
        prefix: str = "",
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
        choices: tuple[str, ...] | None = None,
    ) -> str | None:
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        path = self._path(prefix, key)
        if not isinstance(value, str):
            self.fail(f"{path} must be a string")
            return None
        if choices is not None and value not in choices:
            self.fail(f"{path} must be one of: {', '.join(choices)}")
            return None
        if len(value) < min_len:
            self.fail(
                f"{path} must be at least {min_len} characters"
                if min_len > 1
                else f"{path} must not be empty"
            )
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(f"{path} must be at most {max_len} characters")
            return None
        return value

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        prefix: str = "",
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = MAX_AMOUNT,
    ) -> int | None:
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        path = self._path(prefix, key)
        if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INTEGER:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path} must be an integer")
            return None
        if value < minimum:
            self.fail(f"{path} must be at least {minimum}")
            return None
        if value > maximum:
            self.fail(f"{path} must be at most {maximum}")
            return None
        return value

    def number(
        self,
        data: dict[str, Any],
        key: str,
        prefix: str = "",
        *,
        required: bool = False,
        minimum: float,
        maximum: float,
    ) -> int | float | None:
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        path = self._path(prefix, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path} must be a number")
            return None
        if not minimum <= value <= maximum:
            self.fail(f"{path} must be between {minimum} and {maximum}")
            return None
        return value

    def boolean(
        self, data: dict[str, Any], key: str, prefix: str = "", *, required: bool = False
    ) -> bool | None:
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(f"{self._path(prefix, key)} must be a boolean")
            return None
        return value

    def obj(
        self, data: dict[str, Any], key: str, prefix: str = "", *, required: bool = False
    ) -> dict[str, Any] | None:
        value = self._value(data, key, prefix, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(f"{self._path(prefix, key)} must be an object")
            return None
        return value

    def metadata(
        self, data: dict[str, Any], key: str = "metadata", prefix: str = ""
    ) -> dict[str, Any] | None:
        value = self.obj(data, key, prefix)
        if value is not None and len(value) > MAX_METADATA_KEYS:
            self.fail(f"{self._path(prefix, key)} must have at most {MAX_METADATA_KEYS} keys")
            return None
        return value

    def string_list(
        self,
        data: dict[str, Any],
        key: str,
        prefix: str = "",
        *,
        choices: tuple[str, ...] | None = None,
        max_items: int | None = None,
    ) -> list[str] | None:
        value = self._value(data, key, prefix, False)
        if value is None:
            return None
        path = self._path(prefix, key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(f"{path} must be a list of strings")
            return None
        if max_items is not None and len(value) > max_items:
            self.fail(f"{path} must have at most {max_items} entries")
            return None
        if choices is not None:
            unknown = [item for item in value if item not in choices]
            if unknown:
                self.fail(f"{path} has unknown values: {', '.join(unknown)}")
                return None
        return list(value)

    def currency(
        self, data: dict[str, Any], key: str = "currency", prefix: str = "", *, required: bool = True
    ) -> str | None:
        """Only JPY exists (spec §2); compared case-insensitively, stored upper case."""
        value = self.string(data, key, prefix, required=required)
        if value is None:
            return None
        if value.upper() != "JPY":
            self.fail(f"{self._path(prefix, key)} must be JPY")
            return None
        return "JPY"

    def url(self, data: dict[str, Any], key: str, prefix: str = "", *, required: bool = False) -> str | None:
        value = self.string(data, key, prefix, required=required, min_len=1, max_len=2048)
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.netloc) and not _CONTROL.search(value)
        except ValueError:
            ok = False
        if not ok:
            self.fail(f"{self._path(prefix, key)} must be an absolute http(s) URL")
            return None
        return value

    def date(self, data: dict[str, Any], key: str, prefix: str = "") -> str | None:
        value = self.string(data, key, prefix)
        if value is None:
            return None
        try:
            ok = bool(_DATE.match(value)) and datetime.date.fromisoformat(value) is not None
        except ValueError:
            ok = False
        if not ok:
            self.fail(f"{self._path(prefix, key)} must be a date written YYYY-MM-DD")
            return None
        return value

    def body_object(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid(["the request body must be a JSON object"])
        return body


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def address(
    check: Checker, data: dict[str, Any], key: str, prefix: str, *, required: bool
) -> dict[str, Any] | None:
    raw = check.obj(data, key, prefix, required=required)
    if raw is None:
        return None
    path = check._path(prefix, key)
    result: dict[str, Any] = {}
    _put(result, "line1", check.string(raw, "line1", path, required=True))
    for name in _ADDRESS_OPTIONAL:
        _put(result, name, check.string(raw, name, path))
    _put(result, "locality", check.string(raw, "locality", path, required=True, max_len=80))
    _put(result, "postalCode", check.string(raw, "postalCode", path, required=True))
    country = check.string(raw, "country", path, required=True)
    if country is not None:
        if country.upper() != "JP":
            check.fail(f"{path}.country must be JP")
        else:
            result["country"] = "JP"
    return result


def shipping_info(check: Checker, data: dict[str, Any]) -> dict[str, Any] | None:
    raw = check.obj(data, "shippingInfo", required=True)
    if raw is None:
        return None
    result: dict[str, Any] = {}
    _put(result, "address", address(check, raw, "address", "shippingInfo", required=True))
    _put(result, "addressType", check.string(raw, "addressType", "shippingInfo", choices=ADDRESS_TYPES))
    _put(result, "feeAmount", check.integer(raw, "feeAmount", "shippingInfo"))
    _put(result, "feeCurrency", check.currency(raw, "feeCurrency", "shippingInfo", required=False))
    _put(result, "carrierName", check.string(raw, "carrierName", "shippingInfo"))
    _put(result, "reference", check.string(raw, "reference", "shippingInfo"))
    return result


#: Loose ``customerInfo`` names the seed guides' own examples send, and their canonical names.
CUSTOMER_ALIASES = {"email": "emailAddress", "phone": "phoneNumber", "gender": "legalGender"}


def customer_info(check: Checker, data: dict[str, Any], *, required: bool) -> dict[str, Any] | None:
    """Stored under canonical names; the aliases ``email``/``phone``/``gender`` count when the canonical
    name is absent (§11: the guides' examples send ``email`` and Smartpay evidently accepts it)."""
    raw = check.obj(data, "customerInfo", required=required)
    if raw is None:
        return None
    raw = dict(raw)
    for alias, name in CUSTOMER_ALIASES.items():
        if raw.get(name) is None and raw.get(alias) is not None:
            raw[name] = raw[alias]
    result: dict[str, Any] = {}
    _put(result, "accountAge", check.integer(raw, "accountAge", "customerInfo", maximum=MAX_INTEGER))
    for name in _CUSTOMER_STRINGS:
        _put(result, name, check.string(raw, name, "customerInfo"))
    _put(result, "address", address(check, raw, "address", "customerInfo", required=False))
    _put(result, "dateOfBirth", check.date(raw, "dateOfBirth", "customerInfo"))
    _put(result, "legalGender", check.string(raw, "legalGender", "customerInfo", choices=GENDERS))
    return result


def items(check: Checker, data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """1-50 items, at least one of kind ``product``; returns cleaned items with defaults filled in."""
    raw = data.get("items")
    if raw is None:
        check.fail("items is required")
        return None
    if not isinstance(raw, list):
        check.fail("items must be a list")
        return None
    if not 1 <= len(raw) <= MAX_ITEMS:
        check.fail(f"items must have between 1 and {MAX_ITEMS} entries")
        return None
    result: list[dict[str, Any]] = []
    errors_before = len(check.errors)
    for index, entry in enumerate(raw):
        path = f"items[{index}]"
        if not isinstance(entry, dict):
            check.fail(f"{path} must be an object")
            continue
        item: dict[str, Any] = {
            "kind": check.string(entry, "kind", path, choices=LINE_ITEM_KINDS) or "product",
            "name": check.string(entry, "name", path, required=True, min_len=1),
            "amount": check.integer(entry, "amount", path, required=True),
            "currency": check.currency(entry, "currency", path),
            "quantity": check.integer(entry, "quantity", path, maximum=MAX_QUANTITY),
        }
        if item["quantity"] is None:
            item["quantity"] = 1
        for name in _ITEM_STRINGS:
            _put(item, name, check.string(entry, name, path))
        _put(item, "categories", check.string_list(entry, "categories", path))
        _put(item, "images", check.string_list(entry, "images", path, max_items=MAX_IMAGES))
        for name in ("metadata", "productMetadata", "priceMetadata"):
            _put(item, name, check.metadata(entry, name, path))
        result.append(item)
    if len(check.errors) > errors_before:
        return None
    if not any(item["kind"] == "product" for item in result):
        check.fail("items must contain at least one item of kind product")
        return None
    return result


def items_total(cleaned_items: list[dict[str, Any]], fee_amount: int | None) -> int:
    """Σ(sign·amount·quantity) + feeAmount, sign -1 for discount items (spec §2.1)."""
    total = 0
    for item in cleaned_items:
        sign = -1 if item["kind"] == "discount" else 1
        total += sign * item["amount"] * item["quantity"]
    return total + (fee_amount or 0)
