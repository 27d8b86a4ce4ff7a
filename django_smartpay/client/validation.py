"""Local checks that run before any HTTP request is sent.

Every failure is a :class:`~django_smartpay.client.errors.SmartpayValidationError`
with ``error_code="request.invalid"``, ``status_code=None`` and ``details`` naming each
bad field (``"items[0].amount must be a non-negative integer"``).  Checks collect all
problems of one call in a :class:`Problems` and raise once, so the caller sees every
mistake at the same time.  Details name types and enum values, never free text the
caller passed (which may be personal data).
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from . import constants
from .errors import SmartpayValidationError

SECRET_KEY_PATTERN: Final = re.compile(r"sk_(test|live)_[0-9a-zA-Z]+")
PUBLIC_KEY_PATTERN: Final = re.compile(r"pk_(test|live)_[0-9a-zA-Z]+")

#: Resource kind -> ID prefix (spec §1.3).  Note ``promotioncode_`` and ``webhookendpoint_``.
ID_PREFIXES: Final[Mapping[str, str]] = {
    "checkout_session": "checkout",
    "order": "order",
    "payment": "payment",
    "refund": "refund",
    "webhook_endpoint": "webhookendpoint",
    "coupon": "coupon",
    "promotion_code": "promotioncode",
    "token": "paytok",
}
ID_PATTERNS: Final[Mapping[str, re.Pattern[str]]] = {
    kind: re.compile(rf"{prefix}_(test|live)_[0-9a-zA-Z]+") for kind, prefix in ID_PREFIXES.items()
}

MAX_METADATA_KEYS: Final = 20
MAX_REFERENCE_LENGTH: Final = 40
MAX_DESCRIPTION_LENGTH: Final = 80
MAX_ITEMS: Final = 50
MAX_IMAGES: Final = 8
MAX_PAGE_SIZE: Final = 100
MAX_PROMOTION_CODE_LENGTH: Final = 100
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255

_DATE_OF_BIRTH = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def _kind_name(value: object) -> str:
    return type(value).__name__


class Problems:
    """Collects the problems of one call; :meth:`raise_if_any` raises them together."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.details: list[str] = []

    def add(self, detail: str) -> None:
        self.details.append(detail)

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self) -> None:
        if self.details:
            raise SmartpayValidationError(f"Invalid arguments for {self.operation}", details=self.details)


def fail(operation: str, *details: str) -> SmartpayValidationError:
    """Build (not raise) a validation error, for call sites that raise directly."""
    return SmartpayValidationError(f"Invalid arguments for {operation}", details=list(details))


# -- keys and ids ----------------------------------------------------------------------------


def secret_key_mode(secret_key: object) -> str:
    """Return ``"test"`` or ``"live"``; the key itself never appears in the error."""
    if secret_key is None or secret_key == "":
        raise fail("SmartpayClient", "secret_key is required")
    if not isinstance(secret_key, str):
        raise fail("SmartpayClient", f"secret_key must be a str, not {_kind_name(secret_key)}")
    match = SECRET_KEY_PATTERN.fullmatch(secret_key)
    if match is None:
        raise fail("SmartpayClient", "secret_key must look like sk_test_… or sk_live_…")
    return match.group(1)


def public_key_mode(public_key: object) -> str:
    """Return ``"test"`` or ``"live"`` for a public key."""
    if not isinstance(public_key, str):
        raise fail("SmartpayClient", f"public_key must be a str, not {_kind_name(public_key)}")
    match = PUBLIC_KEY_PATTERN.fullmatch(public_key)
    if match is None:
        raise fail("SmartpayClient", "public_key must look like pk_test_… or pk_live_…")
    return match.group(1)


def object_id(p: Problems, field: str, value: object, kind: str, *, required: bool = True) -> str | None:
    """Check that ``value`` is an ID of resource ``kind`` (see :data:`ID_PREFIXES`)."""
    if value is None or value == "":
        if required:
            p.add(f"{field} is required")
        return None
    prefix = ID_PREFIXES[kind]
    if not isinstance(value, str) or ID_PATTERNS[kind].fullmatch(value) is None:
        p.add(f"{field} must be a {kind.replace('_', ' ')} id like {prefix}_test_…")
        return None
    return value


def validate_id(operation: str, kind: str, value: object, field: str = "id") -> str:
    """Raise at once unless ``value`` is an ID of ``kind``; return it."""
    p = Problems(operation)
    checked = object_id(p, field, value, kind)
    p.raise_if_any()
    assert checked is not None
    return checked


# -- scalar values ---------------------------------------------------------------------------


def required(p: Problems, field: str, value: object) -> bool:
    """Record ``field is required`` for ``None`` or ``""``; return whether a value is present."""
    if value is None or value == "":
        p.add(f"{field} is required")
        return False
    return True


def integer(
    p: Problems,
    field: str,
    value: object,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    required: bool = False,
) -> int | None:
    """An integer in range.  ``bool``, ``float`` and fractional ``Decimal`` are refused.

    An integral ``Decimal`` (``Decimal("1000")``, what a Django DecimalField gives) is
    accepted and sent as an int.  Floats are refused even when integral: yen amounts
    computed in floating point (``price * 1.1``) must be rounded on purpose.
    """
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)
    if number is None:
        fraction = " with a fraction" if isinstance(value, Decimal) else ""
        p.add(f"{field} must be an integer, not {_kind_name(value)}{fraction}")
        return None
    if minimum is not None and number < minimum:
        p.add(f"{field} must be at least {minimum}")
        return None
    if maximum is not None and number > maximum:
        p.add(f"{field} must be at most {maximum}")
        return None
    return number


def amount(p: Problems, field: str, value: object, *, required: bool = False, minimum: int = 0) -> int | None:
    """An integer amount of at least ``minimum`` in the smallest currency unit (JPY has no minor unit).

    Captures and refunds pass ``minimum=1``: the official SDKs refuse an amount of 0 before sending.
    """
    return integer(p, field, value, minimum=minimum, required=required)


def number(
    p: Problems, field: str, value: object, *, minimum: float, maximum: float, required: bool = False
) -> int | float | None:
    """A real number in ``[minimum, maximum]`` (``bool`` refused)."""
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        p.add(f"{field} must be a number, not {_kind_name(value)}")
        return None
    if isinstance(value, float | Decimal) and not (value == value and abs(value) != float("inf")):
        p.add(f"{field} must be a finite number")
        return None
    if not minimum <= value <= maximum:
        p.add(f"{field} must be between {minimum:g} and {maximum:g}")
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def text(
    p: Problems,
    field: str,
    value: object,
    *,
    required: bool = False,
    max_length: int | None = None,
    allow_empty: bool = False,
) -> str | None:
    """A string; empty strings are refused unless ``allow_empty``."""
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if not isinstance(value, str):
        p.add(f"{field} must be a str, not {_kind_name(value)}")
        return None
    if value == "" and not allow_empty:
        p.add(f"{field} is required" if required else f"{field} must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        p.add(f"{field} must be at most {max_length} characters (got {len(value)})")
        return None
    return value


def boolean(p: Problems, field: str, value: object) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        p.add(f"{field} must be true or false, not {_kind_name(value)}")
        return None
    return value


def choice(
    p: Problems, field: str, value: object, allowed: Sequence[str], *, required: bool = False
) -> str | None:
    """One of ``allowed``, exactly as spelled."""
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else _kind_name(value)
        p.add(f"{field} must be one of {', '.join(allowed)} (got {shown})")
        return None
    return value


def currency(p: Problems, field: str, value: object, *, required: bool = False) -> str | None:
    """A supported currency; lower case is accepted and sent upper case."""
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if isinstance(value, str) and value.upper() in constants.CURRENCIES:
        return value.upper()
    shown = repr(value) if isinstance(value, str) and len(value) <= 10 else _kind_name(value)
    p.add(f"{field} must be one of {', '.join(constants.CURRENCIES)} (got {shown})")
    return None


def metadata(p: Problems, field: str, value: object) -> dict[str, Any] | None:
    """A mapping with string keys, at most :data:`MAX_METADATA_KEYS` of them."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        p.add(f"{field} must be a mapping, not {_kind_name(value)}")
        return None
    if len(value) > MAX_METADATA_KEYS:
        p.add(f"{field} may have at most {MAX_METADATA_KEYS} keys (got {len(value)})")
        return None
    if not all(isinstance(key, str) for key in value):
        p.add(f"{field} keys must be strings")
        return None
    return dict(value)


def mapping(p: Problems, field: str, value: object, *, required: bool = False) -> dict[str, Any] | None:
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if not isinstance(value, Mapping):
        p.add(f"{field} must be a mapping, not {_kind_name(value)}")
        return None
    return dict(value)


def sequence(
    p: Problems, field: str, value: object, *, required: bool = False, max_items: int | None = None
) -> list[Any] | None:
    """A list or tuple (not a str, bytes or mapping)."""
    if value is None:
        if required:
            p.add(f"{field} is required")
        return None
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Sequence):
        p.add(f"{field} must be a list, not {_kind_name(value)}")
        return None
    if required and not value:
        p.add(f"{field} must not be empty")
        return None
    if max_items is not None and len(value) > max_items:
        p.add(f"{field} may have at most {max_items} entries (got {len(value)})")
        return None
    return list(value)


def string_list(
    p: Problems, field: str, value: object, *, required: bool = False, max_items: int | None = None
) -> list[str] | None:
    """A list of non-empty strings."""
    items = sequence(p, field, value, required=required, max_items=max_items)
    if items is None:
        return None
    if not all(isinstance(item, str) and item for item in items):
        p.add(f"{field} must contain non-empty strings only")
        return None
    return items


def timestamp_ms(p: Problems, field: str, value: object) -> int | None:
    """Milliseconds since the epoch, from an int or an aware :class:`~datetime.datetime`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            p.add(f"{field} must be an aware datetime (with a time zone) or milliseconds")
            return None
        return int(value.timestamp() * 1000)
    return integer(p, field, value)


def date_of_birth(p: Problems, field: str, value: object) -> str | None:
    """``YYYY-MM-DD``, from a str or a :class:`~datetime.date`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        p.add(f"{field} must be a date, not a datetime")
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or _DATE_OF_BIRTH.fullmatch(value) is None:
        p.add(f"{field} must be a date written YYYY-MM-DD")
        return None
    return value


def expand(p: Problems, field: str, value: object) -> str | None:
    """``expand``: ``"all"``/``"no"``, or ``True``/``False`` for them."""
    if value is None:
        return None
    if value is True:
        return constants.EXPAND_ALL
    if value is False:
        return constants.EXPAND_NO
    return choice(p, field, value, constants.EXPAND_VALUES)


def idempotency_key(operation: str, value: object) -> str | None:
    """A caller's ``Idempotency-Key``: printable ASCII, no spaces, at most 255 characters."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or len(value) > MAX_IDEMPOTENCY_KEY_LENGTH
        or _HEADER_SAFE.fullmatch(value) is None
    ):
        raise fail(
            operation,
            f"idempotency_key must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces",
        )
    return value
