"""SmartyPay's wire format: money as a decimal string and a token code, ISO 8601 timestamps.

Amounts are :class:`~decimal.Decimal` from end to end: JSON answers are parsed with
``parse_float=Decimal`` and a value is written with ``format(value, "f")`` (never an
exponent, never a float).  A payment object is read into :class:`Payment`; properties the
document does not describe are ignored (they stay in ``Payment.raw``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from .errors import SmartyPayResponseError, SmartyPayValidationError

#: Statuses the document shows.  Others may exist: they are kept as they come.
CREATED: Final = "Created"
IN_PROGRESS: Final = "InProgress"
SUCCEEDED: Final = "Succeeded"
#: Not in the document: the simulator's name for a payment whose ``expiresAt`` passed.
EXPIRED: Final = "Expired"
STATUSES: Final = (CREATED, IN_PROGRESS, SUCCEEDED, EXPIRED)
#: Token codes: letters and digits (``bUSDT``).
TOKEN_CODE: Final = re.compile(r"[A-Za-z0-9]{1,16}")
_DECIMAL_TEXT: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Money:
    """An amount of a token: ``Money(Decimal("15"), "bUSDT")``."""

    value: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, Decimal):
            raise SmartyPayValidationError(
                f"amount value must be a decimal.Decimal (never a float), not {type(self.value).__name__}"
            )
        if not self.value.is_finite():
            raise SmartyPayValidationError("amount value must be a finite number")
        if not isinstance(self.currency, str) or not self.currency:
            raise SmartyPayValidationError("amount currency must be a token code such as bUSDT")

    def to_api(self) -> dict[str, str]:
        return {"value": decimal_text(self.value), "currency": self.currency}

    def __str__(self) -> str:
        return f"{decimal_text(self.value)} {self.currency}"


def decimal_text(value: Decimal) -> str:
    """``value`` as plain decimal text: ``Decimal("1E+2")`` → ``"100"``, ``Decimal("0.10")`` → ``"0.10"``."""
    return format(value, "f")


def parse_decimal(value: object) -> Decimal | None:
    """A decimal from wire text (or a number JSON carried as Decimal); ``None`` if it is not one."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def parse_timestamp(value: object) -> datetime | None:
    """An aware datetime from ISO 8601 text with an offset or ``Z``; ``None`` otherwise."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def format_timestamp(moment: datetime) -> str:
    """``2021-06-22T20:19:38Z``: UTC, seconds (fractions are dropped)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise SmartyPayValidationError("expires_at must be a timezone-aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def loads(content: bytes) -> Any:
    """JSON with every non-integer number as a Decimal (no float anywhere); ``ValueError`` if not JSON."""
    return json.loads(content.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)


def dumps(body: Any) -> bytes:
    """Compact UTF-8 JSON; a Decimal is written as its decimal text, NaN and floats' infinities refused."""
    return json.dumps(
        body, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_encode_default
    ).encode("utf-8")


def _encode_default(value: object) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return decimal_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class Payment:
    """A SmartyPay payment as read from the API."""

    id: str
    amount: Money
    status: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    error_code: str | None = None
    #: The object as received (undocumented properties included), for the raw-data column.
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, obj: object) -> Payment:
        """Read a payment object; :class:`SmartyPayResponseError` when it is not one."""
        if not isinstance(obj, dict):
            raise SmartyPayResponseError("SmartyPay answered something that is not a payment object")
        problems: list[str] = []
        payment_id = obj.get("id")
        if not isinstance(payment_id, str) or not payment_id or len(payment_id) > 64:
            problems.append("id")
        amount = obj.get("amount")
        value = parse_decimal(amount.get("value")) if isinstance(amount, dict) else None
        currency = amount.get("currency") if isinstance(amount, dict) else None
        if value is None or not isinstance(currency, str) or not TOKEN_CODE.fullmatch(currency):
            problems.append("amount")
        status = obj.get("status")
        if not isinstance(status, str) or not status or len(status) > 32:
            problems.append("status")
        metadata = obj.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            problems.append("metadata")
        texts = {}
        for name, longest in (("description", None), ("errorCode", 100)):
            text = obj.get(name)
            if text is not None and (
                not isinstance(text, str) or (longest is not None and len(text) > longest)
            ):
                problems.append(name)
            texts[name] = text if isinstance(text, str) else None
        moments = {}
        for name in ("createdAt", "expiresAt"):
            text = obj.get(name)
            moments[name] = parse_timestamp(text)
            if text is not None and moments[name] is None:
                problems.append(name)
        if problems:
            raise SmartyPayResponseError(
                "SmartyPay answered a payment object with invalid properties: " + ", ".join(problems)
            )
        assert isinstance(payment_id, str) and isinstance(status, str) and isinstance(currency, str)
        assert value is not None
        return cls(
            id=payment_id,
            amount=Money(value, currency),
            status=status,
            created_at=moments["createdAt"],
            expires_at=moments["expiresAt"],
            metadata=dict(metadata or {}),
            description=texts["description"],
            error_code=texts["errorCode"],
            raw=dict(obj),
        )


@dataclass(frozen=True)
class PaymentPage:
    """One page of a search: the payments and the page SmartyPay says it answered."""

    payments: list[Payment]
    limit: int
    offset: int


__all__ = [
    "CREATED",
    "EXPIRED",
    "IN_PROGRESS",
    "STATUSES",
    "SUCCEEDED",
    "Money",
    "Payment",
    "PaymentPage",
    "decimal_text",
    "dumps",
    "format_timestamp",
    "loads",
    "parse_decimal",
    "parse_timestamp",
]
