"""Signals of charges, and what happens to charges when their token stops being usable."""

from __future__ import annotations

import logging
from typing import Any

from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..models import ChargeSchedule, ChargeScheduleStatus, Token, TokenCharge, TokenChargeStatus, TokenStatus
from . import dunning

logger = logging.getLogger("django_smartpay.charging")

#: Token statuses that stop its charges and schedules.
UNUSABLE_TOKEN_STATUSES = frozenset({TokenStatus.DISABLED, TokenStatus.DELETED, TokenStatus.REJECTED})
TOKEN_STOPPED_MESSAGE = _("The token can no longer be charged (%(reason)s); nothing was charged.")


def send_after_commit(name: str, charge_id: int) -> None:
    """Send ``signals.<name>`` for the charge once the current transaction commits.

    Receivers get the charge as committed (read after the commit, only when the
    signal has receivers); a failing receiver is logged and does not stop the others.
    """

    def committed() -> dict[str, Any] | None:
        instance = TokenCharge.objects.filter(pk=charge_id).first()
        return None if instance is None else {"instance": instance}

    signals.send_on_commit(getattr(signals, name), TokenCharge, lazy_kwargs=committed)


def stop_token_charges(token_id: str, code: str, message: str | None = None) -> tuple[int, int]:
    """Pause the token's active schedules and fail its charges that were never sent.

    Charges already sent at least once are left to their task: the request may
    have gone through, and only resending it with its key can tell.  Returns
    ``(schedules paused, charges failed)``; ``charge_failed`` is sent for each
    failed charge after commit.
    """
    now = timezone.now()
    text = message or str(TOKEN_STOPPED_MESSAGE % {"reason": code})
    with transaction.atomic(using=router.db_for_write(TokenCharge)):
        schedules = list(
            ChargeSchedule.objects.select_for_update().filter(
                token_id=token_id, status=ChargeScheduleStatus.ACTIVE
            )
        )
        for schedule in schedules:
            schedule.status, schedule.status_reason = ChargeScheduleStatus.PAUSED, code[:64]
            dunning.save_status(schedule, ChargeScheduleStatus.ACTIVE, code, [])
        paused = len(schedules)
        never_sent = TokenCharge.objects.filter(
            token_id=token_id, status=TokenChargeStatus.PENDING, attempts=0
        )
        found = dict(never_sent.select_for_update().values_list("pk", "schedule_id"))
        ids = list(found)
        failed = 0
        if ids:
            failed = TokenCharge.objects.filter(
                pk__in=ids, status=TokenChargeStatus.PENDING, attempts=0
            ).update(
                status=TokenChargeStatus.FAILED,
                error_code=code[:64],
                error_message=text,
                next_attempt_at=None,
                updated=now,
            )
            for pk in ids:
                dunning.charge_settled(pk, found[pk])
                send_after_commit("charge_failed", pk)
    if paused or failed:
        logger.info(
            "smartpay: token %s %s: %d schedule(s) paused, %d charge(s) failed",
            token_id,
            code,
            paused,
            failed,
        )
    return paused, failed


def on_token_status_changed(sender: Any, instance: Token, new_status: str, **kwargs: Any) -> None:
    """Receiver of ``token_status_changed``: a disabled, deleted or rejected token stops its charges."""
    if new_status in UNUSABLE_TOKEN_STATUSES:
        stop_token_charges(instance.smartpay_id, f"token.{new_status}")


def connect_receivers() -> None:
    """Called from ``AppConfig.ready()``."""
    signals.token_status_changed.connect(
        on_token_status_changed, sender=Token, dispatch_uid="django_smartpay.charging.on_token_status_changed"
    )
