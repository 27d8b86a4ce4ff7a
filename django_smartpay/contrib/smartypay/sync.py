"""SmartyPay payment → ``SmartyPayment`` row: the one writer of the mirrored columns.

A payment is matched by its id, else by the reference in its metadata, else a row is made.
A copy never moves a status backwards among the statuses whose order is known
(Created → InProgress → Succeeded/Expired): two refreshes racing cannot undo each other.
An amount that the column cannot hold exactly is refused (:class:`SmartyPaySyncError`), never
rounded: more than 18 digits on either side of the point, or more than 15 significant digits on
SQLite (which keeps decimals as floating point).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_smartpay.signals import send_on_commit

from .client import REFERENCE_KEY, Payment, SmartyPayClient, SmartyPayError
from .client.wire import CREATED, EXPIRED, IN_PROGRESS, SUCCEEDED
from .conf import get_client
from .models import (
    DECIMAL_PLACES,
    MAX_DIGITS,
    SQLITE_SIGNIFICANT_DIGITS,
    SmartyPayment,
    amount_vendor,
    fits,
    has_nul,
)
from .signals import smartypayment_status_changed

logger = logging.getLogger("django_smartpay.contrib.smartypay.sync")

RANK: Final = {CREATED: 0, IN_PROGRESS: 1, SUCCEEDED: 2, EXPIRED: 2}


class SmartyPaySyncError(SmartyPayError):
    """A payment SmartyPay sent cannot be stored as it is (nothing was written)."""


@dataclass
class SyncResult:
    seen: int = 0
    changed: int = 0
    #: ``(payment id, why)`` of payments that could not be stored (the others were).
    failed: list[tuple[str, str]] = field(default_factory=list)


def _reference_of(payment: Payment) -> str | None:
    found = payment.metadata.get(REFERENCE_KEY)
    return found if isinstance(found, str) and 0 < len(found) <= 64 else None


def apply_payment(payment: Payment, *, reference: str | None = None) -> SmartyPayment:
    """Write ``payment`` into its row (made when new); the status signal goes out on commit."""
    if not fits(payment.amount.value, amount_vendor()):
        raise SmartyPaySyncError(
            f"payment {payment.id}: amount {payment.amount} cannot be stored exactly "
            f"({MAX_DIGITS - DECIMAL_PLACES} digits before the point, {DECIMAL_PLACES} after; "
            f"{SQLITE_SIGNIFICANT_DIGITS} significant digits on SQLite)"
        )
    if has_nul(payment.raw):
        raise SmartyPaySyncError(
            f"payment {payment.id}: a text holds a NUL character, which no database column keeps"
        )
    reference = reference or _reference_of(payment)
    try:
        return _write_row(payment, reference)
    except IntegrityError:
        # Another sync inserted this payment's row between our read and our insert: its row
        # exists now, so the second try reads and updates it.
        return _write_row(payment, reference)


def _write_row(payment: Payment, reference: str | None) -> SmartyPayment:
    with transaction.atomic():
        rows = SmartyPayment.objects.select_for_update()
        row = rows.filter(smartypay_id=payment.id).first()
        if row is None and reference is not None:
            row = rows.filter(reference=reference).first()
            if row is not None and row.smartypay_id not in (None, payment.id):
                raise SmartyPaySyncError(
                    f"payment {payment.id} carries the reference of the row of payment {row.smartypay_id}"
                )
        if row is None:
            row = SmartyPayment(reference=reference or f"smartypay:{payment.id}")
        old_status = row.status or None
        new_status = payment.status
        if (
            old_status is not None
            and RANK.get(new_status, -1) < RANK.get(old_status, -1)
            and new_status in RANK
        ):
            logger.info(
                "SmartyPay %s: kept %s over an older copy saying %s", payment.id, old_status, new_status
            )
            new_status = old_status
        _write(row, payment, new_status)
        row.save()
        if new_status != old_status:
            send_on_commit(
                smartypayment_status_changed,
                SmartyPayment,
                instance=row,
                old_status=old_status,
                new_status=new_status,
            )
    return row


def _write(row: SmartyPayment, payment: Payment, status: str) -> None:
    row.smartypay_id = payment.id
    row.status = status
    row.amount_value = payment.amount.value
    row.amount_currency = payment.amount.currency
    row.created_at = payment.created_at
    row.expires_at = payment.expires_at
    row.metadata = payment.metadata
    row.description = payment.description or ""
    row.error_code = payment.error_code or ""
    row.raw_data = payment.raw
    row.create_error = ""
    row.synced_at = timezone.now()
    if not row.merchant_id and isinstance(payment.raw.get("merchantId"), str):
        row.merchant_id = payment.raw["merchantId"][:64]


def sync_by_id(payment_id: str, *, client: SmartyPayClient | None = None) -> SmartyPayment:
    """Fetch one payment (``GET /v1/payments/{id}``) and write it."""
    payment = (client or get_client()).get_payment(payment_id)
    return apply_payment(payment)


def sync_search(
    *,
    status_in: Sequence[str] | None = None,
    id_in: Sequence[str] | None = None,
    page_size: int | None = None,
    client: SmartyPayClient | None = None,
) -> SyncResult:
    """Write every payment the search finds, page by page.

    A payment that cannot be stored (:class:`SmartyPaySyncError`) is listed in
    ``result.failed`` and the walk goes on; an error of the API itself stops it.
    """
    result = SyncResult()
    found = (client or get_client()).iter_payments(status_in=status_in, id_in=id_in, page_size=page_size)
    for payment in found:
        before = (
            SmartyPayment.objects.filter(smartypay_id=payment.id).values_list("status", flat=True).first()
        )
        result.seen += 1
        try:
            row = apply_payment(payment)
        except SmartyPaySyncError as exc:
            logger.warning("SmartyPay payment %s not stored: %s", payment.id, exc.message)
            result.failed.append((payment.id, exc.message))
            continue
        result.changed += row.status != before
    return result
