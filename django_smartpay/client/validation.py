"""Local checks that run before any HTTP request is sent.

Every failure is a :class:`~django_smartpay.client.errors.SmartpayValidationError`
with ``error_code="request.invalid"``, ``status_code=None``, ``problems`` (a stable code of
:data:`~django_smartpay.client.problems.PROBLEM_CODES` and its parameters for each bad field)
and ``details``, their English sentences (``"items[0].amount must be at least 0"``).  Checks collect all
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
from .problems import Problem

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
        self.problems: list[Problem] = []

    def add(self, code: str, **params: Any) -> None:
        """Record a problem: a code of :data:`~django_smartpay.client.problems.PROBLEM_CODES`."""
        self.problems.append(Problem(code, params))

    @property
    def details(self) -> list[str]:
        """The English sentence of each problem recorded so far."""
        return [str(problem) for problem in self.problems]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise SmartpayValidationError(f"Invalid arguments for {self.operation}", problems=self.problems)


def fail(operation: str, code: str, **params: Any) -> SmartpayValidationError:
    """Build (not raise) a validation error of one problem, for call sites that raise directly."""
    return SmartpayValidationError(f"Invalid arguments for {operation}", problems=[Problem(code, params)])


def _plain(bound: float) -> int | float:
    """``0.0`` → ``0``: a bound as people write it."""
    return int(bound) if float(bound).is_integer() else bound


# -- keys and ids ----------------------------------------------------------------------------


def secret_key_mode(secret_key: object) -> str:
    """Return ``"test"`` or ``"live"``; the key itself never appears in the error."""
    if secret_key is None or secret_key == "":
        raise fail("SmartpayClient", "value.required", field="secret_key")
    if not isinstance(secret_key, str):
        raise fail("SmartpayClient", "text.invalid", field="secret_key", kind=_kind_name(secret_key))
    match = SECRET_KEY_PATTERN.fullmatch(secret_key)
    if match is None:
        raise fail("SmartpayClient", "key.secret-invalid", field="secret_key")
    return match.group(1)


def public_key_mode(public_key: object) -> str:
    """Return ``"test"`` or ``"live"`` for a public key."""
    if not isinstance(public_key, str):
        raise fail("SmartpayClient", "text.invalid", field="public_key", kind=_kind_name(public_key))
    match = PUBLIC_KEY_PATTERN.fullmatch(public_key)
    if match is None:
        raise fail("SmartpayClient", "key.public-invalid", field="public_key")
    return match.group(1)


def object_id(p: Problems, field: str, value: object, kind: str, *, required: bool = True) -> str | None:
    """Check that ``value`` is an ID of resource ``kind`` (see :data:`ID_PREFIXES`)."""
    if value is None or value == "":
        if required:
            p.add("value.required", field=field)
        return None
    prefix = ID_PREFIXES[kind]
    if not isinstance(value, str) or ID_PATTERNS[kind].fullmatch(value) is None:
        p.add("id.invalid", field=field, kind=kind.replace("_", " "), prefix=prefix)
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
        p.add("value.required", field=field)
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
            p.add("value.required", field=field)
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)
    if number is None:
        if isinstance(value, Decimal):
            p.add("integer.fraction", field=field, kind=_kind_name(value))
        else:
            p.add("integer.invalid", field=field, kind=_kind_name(value))
        return None
    if minimum is not None and number < minimum:
        p.add("integer.too-small", field=field, minimum=minimum)
        return None
    if maximum is not None and number > maximum:
        p.add("integer.too-large", field=field, maximum=maximum)
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
            p.add("value.required", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        p.add("number.invalid", field=field, kind=_kind_name(value))
        return None
    if isinstance(value, float | Decimal) and not (value == value and abs(value) != float("inf")):
        p.add("number.not-finite", field=field)
        return None
    if not minimum <= value <= maximum:
        p.add("number.out-of-range", field=field, minimum=_plain(minimum), maximum=_plain(maximum))
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
            p.add("value.required", field=field)
        return None
    if not isinstance(value, str):
        p.add("text.invalid", field=field, kind=_kind_name(value))
        return None
    if value == "" and not allow_empty:
        if required:
            p.add("value.required", field=field)
        else:
            p.add("value.empty", field=field)
        return None
    if max_length is not None and len(value) > max_length:
        p.add("text.too-long", field=field, maximum=max_length, length=len(value))
        return None
    return value


def boolean(p: Problems, field: str, value: object) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        p.add("boolean.invalid", field=field, kind=_kind_name(value))
        return None
    return value


def choice(
    p: Problems, field: str, value: object, allowed: Sequence[str], *, required: bool = False
) -> str | None:
    """One of ``allowed``, exactly as spelled."""
    if value is None:
        if required:
            p.add("value.required", field=field)
        return None
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else _kind_name(value)
        p.add("choice.invalid", field=field, allowed=", ".join(allowed), shown=shown)
        return None
    return value


def currency(p: Problems, field: str, value: object, *, required: bool = False) -> str | None:
    """A supported currency; lower case is accepted and sent upper case."""
    if value is None:
        if required:
            p.add("value.required", field=field)
        return None
    if isinstance(value, str) and value.upper() in constants.CURRENCIES:
        return value.upper()
    shown = repr(value) if isinstance(value, str) and len(value) <= 10 else _kind_name(value)
    p.add("choice.invalid", field=field, allowed=", ".join(constants.CURRENCIES), shown=shown)
    return None


def metadata(p: Problems, field: str, value: object) -> dict[str, Any] | None:
    """A mapping with string keys, at most :data:`MAX_METADATA_KEYS` of them."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        p.add("mapping.invalid", field=field, kind=_kind_name(value))
        return None
    if len(value) > MAX_METADATA_KEYS:
        p.add("mapping.too-many-keys", field=field, maximum=MAX_METADATA_KEYS, count=len(value))
        return None
    if not all(isinstance(key, str) for key in value):
        p.add("mapping.key-not-text", field=field)
        return None
    return dict(value)


def mapping(p: Problems, field: str, value: object, *, required: bool = False) -> dict[str, Any] | None:
    if value is None:
        if required:
            p.add("value.required", field=field)
        return None
    if not isinstance(value, Mapping):
        p.add("mapping.invalid", field=field, kind=_kind_name(value))
        return None
    return dict(value)


def sequence(
    p: Problems, field: str, value: object, *, required: bool = False, max_items: int | None = None
) -> list[Any] | None:
    """A list or tuple (not a str, bytes or mapping)."""
    if value is None:
        if required:
            p.add("value.required", field=field)
        return None
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Sequence):
        p.add("list.invalid", field=field, kind=_kind_name(value))
        return None
    if required and not value:
        p.add("value.empty", field=field)
        return None
    if max_items is not None and len(value) > max_items:
        p.add("list.too-long", field=field, maximum=max_items, count=len(value))
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
        p.add("list.item-not-text", field=field)
        return None
    return items


def timestamp_ms(p: Problems, field: str, value: object) -> int | None:
    """Milliseconds since the epoch, from an int or an aware :class:`~datetime.datetime`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            p.add("datetime.naive", field=field)
            return None
        return int(value.timestamp() * 1000)
    return integer(p, field, value)


def date_of_birth(p: Problems, field: str, value: object) -> str | None:
    """``YYYY-MM-DD``, from a str or a :class:`~datetime.date`."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        p.add("date.is-datetime", field=field)
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or _DATE_OF_BIRTH.fullmatch(value) is None:
        p.add("date.invalid", field=field)
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
            operation, "idempotency-key.invalid", field="idempotency_key", maximum=MAX_IDEMPOTENCY_KEY_LENGTH
        )
    return value
