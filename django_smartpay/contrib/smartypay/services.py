"""One function per SmartyPay operation: ``create_payment`` and ``refresh_payment``.

Doors (admin, management command, your views) call these; they call the client and write
through :mod:`.sync`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from .client import (
    Money,
    SmartyPayClient,
    SmartyPayError,
    SmartyPayNotCreatedError,
    SmartyPayOutcomeUnknownError,
    SmartyPayValidationError,
    new_reference,
)
from .client.wire import TOKEN_CODE, dumps, format_timestamp
from .conf import get_client, options
from .models import SmartyPayment, amount_vendor, fits, has_nul
from .sync import apply_payment, sync_by_id

logger = logging.getLogger("django_smartpay.contrib.smartypay.services")

#: ``create_error`` of a row whose create got no answer and could not be settled yet.
OUTCOME_UNKNOWN: Final = "OutcomeUnknown"
#: ``create_error`` of a row a complete search proved was never created at SmartyPay.
NOT_CREATED: Final = "NotCreated"


def create_payment(
    value: Decimal,
    currency: str,
    *,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    expires_at: datetime | None = None,
    merchant_id: str | None = None,
    client: SmartyPayClient | None = None,
) -> SmartyPayment:
    """Create a payment: the row (with its reference) first, then the call, then the answer synced.

    Call it outside a transaction, so the row survives whatever the call does.  A refused
    create raises the client's typed error and leaves the row with ``create_error`` set
    (the code); an unsettled one raises :class:`SmartyPayOutcomeUnknownError` and leaves
    ``create_error = "OutcomeUnknown"``: :func:`refresh_payment` settles it later.
    """
    amount = Money(value, currency)  # refuses floats and non-finite values before any write
    client = client or get_client()
    merchant = merchant_id or client.merchant_id or options()["MERCHANT_ID"]
    _check_columns(amount, merchant, description, metadata, expires_at)
    row = SmartyPayment.objects.create(
        reference=new_reference(),
        merchant_id=merchant,
        amount_value=value,
        amount_currency=currency,
        metadata=dict(metadata or {}),
        description=description or "",
        expires_at=expires_at,
    )
    try:
        payment = client.create_payment(
            amount,
            merchant_id=merchant,
            expires_at=expires_at,
            metadata=metadata,
            description=description,
            reference=row.reference,
        )
    except SmartyPayOutcomeUnknownError:
        _mark(row, OUTCOME_UNKNOWN)
        raise
    except SmartyPayNotCreatedError:
        _mark(row, NOT_CREATED)
        raise
    except SmartyPayError as exc:
        _mark(row, exc.code or type(exc).__name__)
        raise
    return apply_payment(payment, reference=row.reference)


def _check_columns(
    amount: Money,
    merchant: object,
    description: object,
    metadata: Mapping[str, Any] | None,
    expires_at: datetime | None,
) -> None:
    """Refuse (``SmartyPayValidationError``) what the row could not store as given."""
    if not TOKEN_CODE.fullmatch(amount.currency):
        raise SmartyPayValidationError("currency must be a token code of 1 to 16 letters or digits")
    if not fits(amount.value, amount_vendor()):
        raise SmartyPayValidationError(
            f"amount {amount} cannot be stored exactly in SmartyPayment.amount_value"
        )
    if not isinstance(merchant, str) or not merchant.strip() or len(merchant) > 64:
        raise SmartyPayValidationError("merchant_id must be a string of 1 to 64 characters")
    if description is not None and not isinstance(description, str):
        raise SmartyPayValidationError("description must be a string")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise SmartyPayValidationError("metadata must be a mapping")
    try:
        dumps(dict(metadata or {}))
    except (TypeError, ValueError):
        raise SmartyPayValidationError("metadata must be JSON: objects, arrays, strings, numbers") from None
    if has_nul(description) or has_nul(dict(metadata or {})):
        raise SmartyPayValidationError("description and metadata must not contain NUL characters")
    if expires_at is not None:
        format_timestamp(expires_at)  # a naive datetime is refused here, before Django would warn


def _mark(row: SmartyPayment, error: str) -> None:
    row.create_error = error[:100]
    row.save(update_fields=["create_error"])


def refresh_payment(row: SmartyPayment, *, client: SmartyPayClient | None = None) -> SmartyPayment:
    """Bring ``row`` up to date from SmartyPay.

    A row with a SmartyPay id is fetched by id.  A row without one (its create got no
    answer) is looked for by its reference: found, it is synced; proven absent (the whole
    search was looked at), ``create_error`` becomes ``"NotCreated"``; otherwise
    :class:`SmartyPayOutcomeUnknownError` is raised and the row is left as it is.
    """
    client = client or get_client()
    if row.smartypay_id:
        return sync_by_id(row.smartypay_id, client=client)
    search = client.find_by_reference(row.reference, merchant_id=row.merchant_id or None)
    if search.payment is not None:
        return apply_payment(search.payment, reference=row.reference)
    if not search.complete:
        raise SmartyPayOutcomeUnknownError(
            f"reference {row.reference} not among the {search.scanned} payments searched",
            reference=row.reference,
        )
    _mark(row, NOT_CREATED)
    return row
