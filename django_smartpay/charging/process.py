"""Sending one charge: claim the row, call Smartpay outside any transaction, record the outcome.

``pending → processing → succeeded | rejected | failed``, or back to ``pending`` after a
transient error, or ``unknown`` near the end of the key's window (reconciliation decides).
Every write is guarded by this run's claim, so a run whose claim was taken over records nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, sync
from ..exceptions import SmartpayError
from ..models import OrderStatus, Token, TokenCharge, TokenChargeStatus, TokenStatus
from . import dunning, policy
from .events import send_after_commit, stop_token_charges

logger = logging.getLogger("django_smartpay.charging")

TOKEN_ERRORS = frozenset({"token.not-found", "token.invalid"})
#: Order statuses that mean the charge was authorized (a later cancel or capture does not undo that).
AUTHORIZED = frozenset({OrderStatus.SUCCEEDED, OrderStatus.REQUIRES_CAPTURE, OrderStatus.CANCELED})


@dataclass(frozen=True)
class Outcome:
    """What a run did: the charge's status afterwards, and when to run again (seconds) if at all."""

    status: str
    retry_in: float | None = None
    sent: bool = False


def _db() -> str:
    """The database charges are written to (reads that decide a write use it too)."""
    return router.db_for_write(TokenCharge)


def charge_status_for(order_status: str | None) -> str | None:
    """The charge status an order status settles, or ``None`` when it settles nothing yet."""
    if order_status in AUTHORIZED:
        return TokenChargeStatus.SUCCEEDED
    if order_status in (OrderStatus.REJECTED, OrderStatus.REQUIRES_AUTHORIZATION):
        # A token order is decided when it is created: one left waiting for authorization was
        # declined softly (nothing was charged).  Smartpay cannot cancel it (only requires_capture
        # orders can be); it expires unless authorized, which nothing here asks for, so a retry
        # of the period is a new order.
        return TokenChargeStatus.REJECTED
    if order_status == OrderStatus.FAILED:
        return TokenChargeStatus.FAILED
    return None


def run_charge(charge_id: int, *, send: Callable[[TokenCharge], dict[str, Any]] | None = None) -> Outcome:
    """Claim, send and record one charge (the body of the ``process_charge`` task).

    ``send`` posts the claimed charge and returns Smartpay's order (default:
    :func:`send_order`); tests pass their own to act between sending and recording.
    """
    claimed = _claim(charge_id)
    if isinstance(claimed, Outcome):
        return claimed
    charge = claimed
    try:
        data = (send or send_order)(charge)
    except SmartpayError as exc:
        return _after_error(charge, exc)
    return record_order(charge, data, sent=True)


def _claim(charge_id: int) -> TokenCharge | Outcome:
    charge = _claim_pending(charge_id)
    if charge is not None:
        return charge
    return _claim_locked(charge_id)


def _claim_pending(charge_id: int) -> TokenCharge | None:
    """The common case in two statements: a ``pending`` charge within its key's window.

    One conditional ``UPDATE`` (autocommit; the database locks the row while it
    re-checks the condition, so of two concurrent runs only one matches) and one
    ``SELECT`` of the row.  The claim's ``claimed_at`` is unique to this run and
    identifies it: if the row read back does not carry it, or nothing matched
    (not pending, too old, missing), :func:`_claim_locked` decides under a row lock.
    """
    now = timezone.now()
    # resend_deadline(first) = first + window, so "now < deadline" is "first > now - window".
    cutoff = now - (policy.resend_deadline(now) - now)
    claimed = (
        TokenCharge.objects.filter(pk=charge_id, status=TokenChargeStatus.PENDING)
        .filter(Q(first_attempt_at__isnull=True) | Q(first_attempt_at__gt=cutoff))
        .update(
            status=TokenChargeStatus.PROCESSING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            next_attempt_at=None,
            first_attempt_at=Coalesce("first_attempt_at", Value(now, output_field=DateTimeField())),
            updated=now,
        )
    )
    if not claimed:
        return None
    charge = TokenCharge.objects.using(_db()).filter(pk=charge_id).first()
    if charge is None or charge.status != TokenChargeStatus.PROCESSING or charge.claimed_at != now:
        return None
    return charge


def _claim_locked(charge_id: int) -> TokenCharge | Outcome:
    with transaction.atomic(using=_db()):
        charge = TokenCharge.objects.using(_db()).select_for_update().filter(pk=charge_id).first()
        if charge is None:
            logger.warning("smartpay: charge %s does not exist (deleted?)", charge_id)
            return Outcome("missing")
        if charge.is_terminal or charge.status == TokenChargeStatus.UNKNOWN:
            return Outcome(charge.status)
        now = timezone.now()
        if charge.status == TokenChargeStatus.PROCESSING and charge.claimed_at is not None:
            age = (now - charge.claimed_at).total_seconds()
            timeout = policy.claim_timeout()
            if age < timeout:
                # Another worker holds it (a duplicate message): do not send a second request.
                return Outcome(TokenChargeStatus.PROCESSING, retry_in=timeout - age + 1)
            logger.warning("smartpay: charge %s: taking over a claim %.0f s old", charge.reference, age)
        if charge.first_attempt_at is not None and now >= policy.resend_deadline(charge.first_attempt_at):
            _set_unknown(charge)
            charge.save(
                update_fields=[
                    "status",
                    "error_code",
                    "error_message",
                    "next_attempt_at",
                    "claimed_at",
                    "updated",
                ]
            )
            return Outcome(TokenChargeStatus.UNKNOWN)
        charge.status = TokenChargeStatus.PROCESSING
        charge.attempts += 1
        charge.claimed_at = now
        charge.next_attempt_at = None
        if charge.first_attempt_at is None:
            charge.first_attempt_at = now
        charge.save(
            update_fields=[
                "status",
                "attempts",
                "claimed_at",
                "next_attempt_at",
                "first_attempt_at",
                "updated",
            ]
        )
        return charge


def _set_unknown(charge: TokenCharge) -> None:
    charge.status = TokenChargeStatus.UNKNOWN
    charge.error_code = charge.error_code or "charge.outcome-unknown"
    charge.error_message = str(
        _("No answer from Smartpay before the idempotency key's window ran out; reconciliation will decide.")
    )
    charge.next_attempt_at = None
    charge.claimed_at = None


def send_order(charge: TokenCharge) -> dict[str, Any]:
    """``POST /orders`` for the charge, with its own key and reference."""
    return conf.get_client().create_order(
        token=charge.token_id,
        amount=charge.amount,
        currency=charge.currency,
        items=charge.items,
        shipping_info=charge.shipping_info,
        customer_info=charge.customer_info,
        capture_method=charge.capture_method,
        reference=charge.reference,
        metadata=charge.metadata or None,
        idempotency_key=charge.idempotency_key,
    )


def _claimed(charge: TokenCharge) -> QuerySet[TokenCharge]:
    """The charge's row, if this run's claim still holds it."""
    return TokenCharge.objects.filter(
        pk=charge.pk, status=TokenChargeStatus.PROCESSING, attempts=charge.attempts
    )


def _after_error(charge: TokenCharge, exc: SmartpayError) -> Outcome:
    code = (exc.error_code or (f"http.{exc.status_code}" if exc.status_code else type(exc).__name__))[:64]
    message = str(exc)[:2000]
    now = timezone.now()
    if exc.transient:
        delay = policy.retry_delay(charge.attempts)
        retry_at = now + dt.timedelta(seconds=delay)
        if retry_at >= policy.resend_deadline(charge.first_attempt_at or now):
            _set_unknown(charge)
            updated = _claimed(charge).update(
                status=charge.status,
                error_code=code,
                error_message=charge.error_message,
                next_attempt_at=None,
                claimed_at=None,
                updated=now,
            )
            return Outcome(TokenChargeStatus.UNKNOWN if updated else TokenChargeStatus.PROCESSING, sent=True)
        updated = _claimed(charge).update(
            status=TokenChargeStatus.PENDING,
            error_code=code,
            error_message=message,
            next_attempt_at=retry_at,
            claimed_at=None,
            updated=now,
        )
        logger.info("smartpay: charge %s: %s; retry in %.1f s", charge.reference, exc, delay)
        if not updated:
            return Outcome(TokenChargeStatus.PROCESSING, sent=True)
        return Outcome(TokenChargeStatus.PENDING, retry_in=delay, sent=True)
    # A definitive answer: Smartpay refused the request, nothing was charged.
    if code == "request.idempotency-key-reused":
        logger.error(
            "smartpay: charge %s: its idempotency key was used for another request", charge.reference
        )
    with transaction.atomic(using=_db()):
        updated = _claimed(charge).update(
            status=TokenChargeStatus.FAILED,
            error_code=code,
            error_message=message,
            next_attempt_at=None,
            claimed_at=None,
            updated=now,
        )
        if updated:
            dunning.charge_settled(charge.pk, charge.schedule_id)
            send_after_commit("charge_failed", charge.pk)
    if updated and code in TOKEN_ERRORS:
        stop_token_charges(charge.token_id, code, message)
        _refresh_token(charge.token_id)
    return Outcome(TokenChargeStatus.FAILED if updated else TokenChargeStatus.PROCESSING, sent=True)


def _refresh_token(token_id: str) -> None:
    """Best effort: learn the token's new status (a sync sends ``token_status_changed``)."""
    try:
        sync.sync_by_id(token_id)
    except SmartpayError as exc:
        if exc.error_code == "token.not-found":
            token = Token.objects.filter(smartpay_id=token_id).first()
            if token is not None and token.status not in (TokenStatus.DISABLED, TokenStatus.DELETED):
                # Smartpay no longer shows it at all: deleted (a disabled token is still readable).
                sync.mark_token_deleted(token)
        else:
            logger.warning("smartpay: could not refresh token %s: %s", token_id, exc)


def record_order(
    charge: TokenCharge, data: dict[str, Any], *, sent: bool = False, expect: dict[str, Any] | None = None
) -> Outcome:
    """Sync the order Smartpay answered with and settle the charge from its status.

    The ``UPDATE`` is guarded by the status and attempts the caller saw (``expect``;
    by default this run's ``processing`` claim), so a stale run changes nothing.
    """
    new_status = charge_status_for(data.get("status"))
    guard = (
        expect
        if expect is not None
        else {"status": TokenChargeStatus.PROCESSING, "attempts": charge.attempts}
    )
    now = timezone.now()
    for attempt in (1, 2):
        try:
            return _record(charge, data, new_status, guard, now, sent=sent)
        except IntegrityError:
            # Another process inserted the same order first (its webhook); the retry updates it.
            if attempt == 2:
                raise
            logger.info("smartpay: charge %s: order inserted concurrently, retrying once", charge.reference)
    raise AssertionError("unreachable")  # pragma: no cover


def _record(
    charge: TokenCharge,
    data: dict[str, Any],
    new_status: str | None,
    guard: dict[str, Any],
    now: dt.datetime,
    *,
    sent: bool,
) -> Outcome:
    """One try of :func:`record_order`: the order synced and the charge settled in one transaction."""
    with transaction.atomic(using=_db()):
        sync.sync_object_in_transaction(data)
        rows = TokenCharge.objects.filter(pk=charge.pk, **guard)
        if new_status is None:
            # The order exists but is not decided yet (never the case for token orders so far).
            updated = rows.update(
                status=TokenChargeStatus.UNKNOWN,
                order_id=data["id"],
                error_code="order." + str(data.get("status") or "undecided"),
                error_message="",
                next_attempt_at=None,
                claimed_at=None,
                updated=now,
            )
            return Outcome(TokenChargeStatus.UNKNOWN if updated else charge.status, sent=sent)
        updated = rows.update(
            status=new_status,
            order_id=data["id"],
            error_code=_error_code(new_status, data.get("status")),
            error_message="",
            next_attempt_at=None,
            claimed_at=None,
            updated=now,
        )
        if updated:
            dunning.charge_settled(charge.pk, charge.schedule_id)
            signal = "charge_succeeded" if new_status == TokenChargeStatus.SUCCEEDED else "charge_failed"
            send_after_commit(signal, charge.pk)
    return Outcome(new_status if updated else charge.status, sent=sent)


def _error_code(new_status: str, order_status: object) -> str:
    if new_status == TokenChargeStatus.SUCCEEDED:
        return ""
    if order_status == OrderStatus.REQUIRES_AUTHORIZATION:
        return dunning.SOFT_DECLINE_CODE
    return "order." + str(order_status)
