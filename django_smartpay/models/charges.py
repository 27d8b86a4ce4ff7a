"""Charges of saved tokens: one-off (:class:`TokenCharge`) and recurring (:class:`ChargeSchedule`).

These rows are local state, not mirrors of Smartpay objects: a charge is written
**before** any HTTP request, with its ``Idempotency-Key`` and a unique
``reference`` fixed at creation, and then moved through its states by
:mod:`django_smartpay.charging` (see there for the state machine).  The order a
charge produced is linked by Smartpay id, like the mirrored models link to
each other (:func:`~django_smartpay.models.base.smartpay_link`).

A :class:`ChargeSchedule` charges each period at most once: a period is named by its
date in the schedule's own time zone (``period_date``); a declined period is retried
with new charges (``period_attempt`` 1, 2, …), and at most one charge per period may
be live or succeeded at a time (a conditional unique constraint), whatever the clocks.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..client.validation import MAX_IDEMPOTENCY_KEY_LENGTH, MAX_REFERENCE_LENGTH
from .base import CURRENCY_MAX_LENGTH, smartpay_link
from .money import format_amount

#: Longest IANA time zone name a schedule keeps (the longest today is 32 characters).
TIME_ZONE_MAX_LENGTH = 64


def default_time_zone() -> str:
    """The project's ``TIME_ZONE`` when the schedule is created (it is kept from then on)."""
    return timezone.get_default_timezone_name()


class CaptureMethod(models.TextChoices):
    AUTOMATIC = "automatic", _("automatic")
    MANUAL = "manual", _("manual")


class TokenChargeStatus(models.TextChoices):
    #: Written, waiting for a worker (first attempt or a retry after a transient error).
    PENDING = "pending", _("pending")
    #: A worker claimed it and may be talking to Smartpay right now.
    PROCESSING = "processing", _("processing")
    #: Smartpay authorized the order (``succeeded`` or ``requires_capture``).
    SUCCEEDED = "succeeded", _("succeeded")
    #: Smartpay created the order but declined it.
    REJECTED = "rejected", _("rejected")
    #: Smartpay refused the request, or it is certain that nothing was charged.
    FAILED = "failed", _("failed")
    #: The outcome could not be learnt within the idempotency window; reconciliation decides.
    UNKNOWN = "unknown", _("unknown")
    #: Canceled before it was ever sent.
    CANCELED = "canceled", _("canceled")


#: States a charge never leaves.
TERMINAL_CHARGE_STATUSES = frozenset(
    {
        TokenChargeStatus.SUCCEEDED,
        TokenChargeStatus.REJECTED,
        TokenChargeStatus.FAILED,
        TokenChargeStatus.CANCELED,
    }
)


class ScheduleInterval(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    EVERY_N_DAYS = "every_n_days", _("every N days")


class ChargeScheduleStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    CANCELED = "canceled", _("canceled")
    COMPLETED = "completed", _("completed")
    #: A period's charge was declined or failed; retries are planned (dunning).
    PAST_DUE = "past_due", _("past due")
    #: Retries of the open period ran out (or staff gave up); a new token can still pay it.
    UNPAID = "unpaid", _("unpaid")


#: Charge statuses that do not hold a period: another attempt of the period may be written.
DEAD_CHARGE_STATUSES = frozenset(
    {TokenChargeStatus.REJECTED, TokenChargeStatus.FAILED, TokenChargeStatus.CANCELED}
)


class ChargePayload(models.Model):
    """Abstract: what ``POST /orders`` sends besides the token and the key (a frozen snapshot)."""

    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=CURRENCY_MAX_LENGTH, default="JPY")
    items = models.JSONField(_("items"), default=list)
    shipping_info = models.JSONField(_("shipping information"), default=dict)
    customer_info = models.JSONField(_("customer information"), default=dict, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    capture_method = models.CharField(
        _("capture method"), max_length=16, choices=CaptureMethod.choices, default=CaptureMethod.AUTOMATIC
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ChargeSchedule(ChargePayload):
    """Charge a token every period, from ``next_run_at`` on, until canceled or finished."""

    token = models.ForeignKey(
        "smartpay.Token",
        to_field="smartpay_id",
        on_delete=models.PROTECT,
        related_name="charge_schedules",
        verbose_name=_("token"),
    )
    interval = models.CharField(_("interval"), max_length=16, choices=ScheduleInterval.choices)
    interval_count = models.PositiveSmallIntegerField(
        _("interval count"),
        default=1,
        help_text=_("Every how many days, weeks or months (the N of “every N days”)."),
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of month"),
        null=True,
        blank=True,
        help_text=_("Monthly schedules: the day to charge on, moved to the month's last day when shorter."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=TIME_ZONE_MAX_LENGTH,
        default=default_time_zone,
        editable=False,
        help_text=_("The zone whose calendar the periods follow; kept whatever TIME_ZONE says later."),
    )
    anchor_at = models.DateTimeField(
        _("first period"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The first period: its local time of day is the time of every period."),
    )
    next_run_at = models.DateTimeField(_("next run"), db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ChargeScheduleStatus.choices, default=ChargeScheduleStatus.ACTIVE
    )
    status_reason = models.CharField(_("reason"), max_length=64, blank=True)
    end_at = models.DateTimeField(_("end"), null=True, blank=True)
    max_count = models.PositiveIntegerField(_("maximum number of charges"), null=True, blank=True)
    count = models.PositiveIntegerField(_("charges so far"), default=0)
    # Dunning: the period whose charge failed and is not paid yet, and its retries.
    open_period = models.DateTimeField(
        _("unpaid period"), null=True, blank=True, help_text=_("The period whose charge failed.")
    )
    open_period_date = models.DateField(_("unpaid period date"), null=True, blank=True)
    past_due_since = models.DateTimeField(_("past due since"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(
        _("failed attempts"), default=0, help_text=_("Failed charges of the unpaid period.")
    )
    retry_at = models.DateTimeField(
        _("next retry"),
        null=True,
        blank=True,
        help_text=_("When the unpaid period is charged again (or, after a hard decline, given up)."),
    )

    class Meta:
        verbose_name = _("charge schedule")
        verbose_name_plural = _("charge schedules")
        indexes = [
            models.Index(fields=["status", "next_run_at"], name="smartpay_schedule_due_idx"),
            # The admin changelist's default ordering.
            models.Index(fields=["created", "id"], name="smartpay_schedule_created_idx"),
            models.Index(fields=["status", "retry_at"], name="smartpay_schedule_retry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="smartpay_schedule_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(interval_count__gte=1), name="smartpay_schedule_interval_count_positive"
            ),
        ]

    def __str__(self) -> str:
        """``¥1,980 monthly · paytok_…``: the amount as everywhere else, how often, and the token."""
        return gettext("%(amount)s %(every)s · %(token)s") % {
            "amount": format_amount(self.amount, self.currency),
            "every": self.every,
            "token": self.token_id,
        }

    @property
    def every(self) -> str:
        """How often it charges, in words: ``monthly``, ``every 2 weeks``, ``every 10 days``."""
        count = self.interval_count or 1
        if count == 1 and self.interval != ScheduleInterval.EVERY_N_DAYS:
            return str(self.get_interval_display())
        if self.interval == ScheduleInterval.WEEKLY:
            return ngettext("every %(count)d week", "every %(count)d weeks", count) % {"count": count}
        if self.interval == ScheduleInterval.MONTHLY:
            return ngettext("every %(count)d month", "every %(count)d months", count) % {"count": count}
        return ngettext("every %(count)d day", "every %(count)d days", count) % {"count": count}


class TokenCharge(ChargePayload):
    """One charge of a token: a ``POST /orders`` sent (and retried) with one fixed key."""

    token = models.ForeignKey(
        "smartpay.Token",
        to_field="smartpay_id",
        on_delete=models.PROTECT,
        related_name="charges",
        verbose_name=_("token"),
    )
    reference = models.CharField(_("reference"), max_length=MAX_REFERENCE_LENGTH, unique=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=MAX_IDEMPOTENCY_KEY_LENGTH, unique=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TokenChargeStatus.choices, default=TokenChargeStatus.PENDING
    )
    order = smartpay_link("smartpay.Order", "token_charges", _("order"), "order_smartpay_id")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    first_attempt_at = models.DateTimeField(
        _("first attempt"),
        null=True,
        blank=True,
        help_text=_("When the first request was sent: Smartpay keeps the idempotency key 6 hours from then."),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    schedule = models.ForeignKey(
        ChargeSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("schedule"),
    )
    period = models.DateTimeField(
        _("period"), null=True, blank=True, help_text=_("The scheduled time this charge is for.")
    )
    period_date = models.DateField(
        _("period date"),
        null=True,
        blank=True,
        help_text=_("The period's date in the schedule's time zone: at most one live charge per date."),
    )
    period_attempt = models.PositiveSmallIntegerField(
        _("attempt of the period"),
        default=1,
        help_text=_("1 for the scheduled charge, 2 and more for the retries of a declined period."),
    )

    class Meta:
        verbose_name = _("token charge")
        verbose_name_plural = _("token charges")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="smartpay_charge_status_idx"),
            # The admin changelist's default ordering.
            models.Index(fields=["created", "id"], name="smartpay_charge_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_date", "period_attempt"], name="smartpay_charge_period_attempt"
            ),
            # At most one charge of a period that may succeed, or did: a retry is written only
            # once every earlier attempt is dead (rejected, failed, canceled).
            models.UniqueConstraint(
                fields=["schedule", "period_date"],
                condition=~models.Q(status__in=["rejected", "failed", "canceled"]),
                name="smartpay_charge_one_live_per_period",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="smartpay_charge_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    def __repr__(self) -> str:
        return f"<TokenCharge {self.pk} {self.reference} {self.status}>"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_CHARGE_STATUSES
