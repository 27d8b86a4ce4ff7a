"""Reconciliation: settle charges whose task was lost or whose outcome is unknown.

Lost messages are sent again; unknown and stale charges are looked up at Smartpay by
reference, resent with their key only while the key's window is open, and failed
(nothing was charged) once it has closed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import conf
from ..client.errors import SmartpayError
from ..models import TokenCharge, TokenChargeStatus
from ..sync import to_ms
from . import dunning, policy
from .dispatch import enqueue_now
from .events import send_after_commit
from .process import record_order

logger = logging.getLogger("django_smartpay.charging")

NO_ORDER_CODE = "charge.no-order"
NO_ORDER_MESSAGE = _(
    "Smartpay has no order with this charge's reference and its idempotency key has expired: nothing was charged."
)
PAGE_SIZE = 100


def reconcile_charges(
    *,
    now: dt.datetime | None = None,
    stale_after: float | None = None,
    lost_after: float | None = None,
    limit: int = 500,
) -> dict[str, int]:
    """Settle what can be settled; return counts by what happened.

    ``now`` defaults to the current time; ``stale_after`` (seconds, default
    :func:`policy.claim_timeout`) is the age of a stale ``processing`` claim;
    ``lost_after`` (seconds, default :data:`policy.LOST_AFTER`) the overdue time of
    a ``pending`` charge; ``limit`` bounds the charges looked up per run.
    """
    now = now or timezone.now()
    stale = dt.timedelta(seconds=policy.claim_timeout() if stale_after is None else stale_after)
    lost = policy.LOST_AFTER if lost_after is None else dt.timedelta(seconds=lost_after)
    counts: Counter[str] = Counter()
    counts["requeued"] += _requeue_lost(now - lost, limit)
    candidates = list(
        TokenCharge.objects.filter(
            models.Q(status=TokenChargeStatus.UNKNOWN)
            | models.Q(status=TokenChargeStatus.PROCESSING, claimed_at__lt=now - stale)
            | models.Q(status=TokenChargeStatus.PROCESSING, claimed_at__isnull=True)
        ).order_by("created", "pk")[:limit]
    )
    if candidates:
        orders = _find_orders(candidates)
        for charge in candidates:
            counts[_settle(charge, orders.get(charge.reference), now)] += 1
    result = {
        key: counts.get(key, 0)
        for key in ("requeued", "resent", "succeeded", "rejected", "failed", "waiting")
    }
    result.update({key: value for key, value in counts.items() if key not in result})
    if any(result.values()):
        logger.info("smartpay reconcile: %s", result)
    return result


def _requeue_lost(before: dt.datetime, limit: int) -> int:
    """Send a new task message for every pending charge overdue since ``before``."""
    overdue = TokenCharge.objects.filter(status=TokenChargeStatus.PENDING).filter(
        models.Q(next_attempt_at__lt=before) | models.Q(next_attempt_at__isnull=True, created__lt=before)
    )
    ids = list(overdue.order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    # Push the next check one period later, so the next run does not enqueue them again at once.
    TokenCharge.objects.filter(pk__in=ids, status=TokenChargeStatus.PENDING).update(
        next_attempt_at=timezone.now()
    )
    enqueue_now(ids)
    return len(ids)


def _find_orders(charges: list[TokenCharge]) -> dict[str, dict[str, Any]]:
    """Smartpay orders carrying the charges' references (one newest-first scan, bounded in time)."""
    wanted = {charge.reference: charge for charge in charges}
    found: dict[str, dict[str, Any]] = {}
    client = conf.get_client()
    for charge in charges:
        if not charge.order_id:
            continue
        try:
            found[charge.reference] = client.get_order(charge.order_id)
        except SmartpayError as exc:
            logger.warning(
                "smartpay reconcile: %s: cannot read order %s: %s", charge.reference, charge.order_id, exc
            )
    pending = set(wanted) - set(found)
    if not pending:
        return found
    since = to_ms(min(wanted[ref].created for ref in pending) - policy.RECONCILE_MARGIN) or 0
    for order in client.iter_orders(max_results=PAGE_SIZE):
        created = order.get("createdAt")
        if isinstance(created, int | float) and created < since:
            break
        reference = order.get("reference")
        if not isinstance(reference, str) or reference not in pending:
            continue
        match = wanted[reference]
        if order.get("tokenId") not in (None, match.token_id):
            continue
        if reference in found:
            logger.error(
                "smartpay reconcile: two orders carry reference %s: %s and %s",
                reference,
                found[reference]["id"],
                order["id"],
            )
            continue
        found[reference] = order
        pending.discard(reference)
        if not pending:
            break
    return found


def _settle(charge: TokenCharge, order: dict[str, Any] | None, now: dt.datetime) -> str:
    guard = {"status": charge.status, "attempts": charge.attempts}
    if order is not None:
        outcome = record_order(charge, order, expect=guard)
        return outcome.status if outcome.status in ("succeeded", "rejected", "failed") else "waiting"
    first = charge.first_attempt_at or charge.created
    if now >= policy.window_end(first):
        with transaction.atomic(using=router.db_for_write(TokenCharge)):
            updated = TokenCharge.objects.filter(pk=charge.pk, **guard).update(
                status=TokenChargeStatus.FAILED,
                error_code=NO_ORDER_CODE,
                error_message=str(NO_ORDER_MESSAGE),
                next_attempt_at=None,
                claimed_at=None,
                updated=timezone.now(),
            )
            if updated:
                dunning.charge_settled(charge.pk, charge.schedule_id)
                send_after_commit("charge_failed", charge.pk)
        return "failed" if updated else "waiting"
    if now < policy.resend_deadline(first):
        updated = TokenCharge.objects.filter(pk=charge.pk, **guard).update(
            status=TokenChargeStatus.PENDING,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            updated=timezone.now(),
        )
        if updated:
            enqueue_now([charge.pk])
            return "resent"
    return "waiting"
