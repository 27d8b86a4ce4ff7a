"""Token charges and charge schedules: charge now, cancel, pause, resume, retry and give up.

These rows are local state (written by :mod:`django_smartpay.charging`), not mirrors:
they are read-only here too, and the actions call the charging services.  Sending a
charge reuses the charge's own idempotency key, so "charge now" can never charge twice,
whoever else (a Celery worker, a second click) sends the same charge.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .. import charging
from ..models import ChargeSchedule, ChargeScheduleStatus, TokenCharge, TokenChargeStatus
from . import details
from .base import ReadOnlyAdmin, sync_action
from .confirm import STATUS_COLUMN, ActionSpec, confirmed_action, permission_check
from .display import EMPTY, customer, format_amount, json_field, link, moment, money, shorten, when

# --- token charges ------------------------------------------------------------------------------


def _charge_now(charge: TokenCharge, data: dict[str, Any], idempotency_key: str) -> str:
    outcome = charging.run_charge(charge.pk)
    charge.refresh_from_db()
    result = _("Charge is now %(status)s.") % {"status": charge.get_status_display()}
    if charge.error_message:
        result += " " + _("Last error: %(error)s") % {"error": charge.error_message}
    if not outcome.sent and not charge.is_terminal:
        result += " " + _("Nothing was sent: another worker holds it, or it waits for reconciliation.")
    return result


def _cancel_charge(charge: TokenCharge, data: dict[str, Any], idempotency_key: str) -> str:
    charge = charging.cancel_charge(charge)
    return _("Charge is now %(status)s.") % {"status": charge.get_status_display()}


def _amount(row: Any) -> str:
    return format_amount(row.amount, row.currency)


def _finished(charge: TokenCharge) -> Any:
    if charge.is_terminal:
        return _("It is %(status)s: there is nothing left to send.") % {"status": charge.get_status_display()}
    return None


def _sent(charge: TokenCharge) -> Any:
    if charge.status != TokenChargeStatus.PENDING or charge.attempts:
        return _("Only a pending charge that was never sent can be canceled; this one is %(status)s.") % {
            "status": charge.get_status_display()
        }
    return None


def _unless(status: str, reason: Any) -> Any:
    def refuse(row: ChargeSchedule) -> Any:
        return None if row.status == status else reason % {"status": row.get_status_display()}

    return refuse


def _ended(schedule: ChargeSchedule) -> Any:
    if schedule.status in (ChargeScheduleStatus.CANCELED, ChargeScheduleStatus.COMPLETED):
        return _("It is already %(status)s.") % {"status": schedule.get_status_display()}
    return None


def _nothing_unpaid(schedule: ChargeSchedule) -> Any:
    owing = (ChargeScheduleStatus.PAST_DUE, ChargeScheduleStatus.UNPAID)
    if schedule.open_period_date is None or schedule.status not in owing:
        return _("This schedule has no unpaid period to retry.")
    return None


_CHARGE_COLUMNS = (
    STATUS_COLUMN,
    (gettext_lazy("token"), lambda charge: charge.token_id),
    (gettext_lazy("amount"), _amount),
    (gettext_lazy("attempts"), lambda charge: charge.attempts),
)

charge_now = confirmed_action(
    ActionSpec(
        name="charge_now",
        description=gettext_lazy("Charge selected charges now"),
        permission="operate",
        run=_charge_now,
        title=gettext_lazy("Charge now"),
        label=gettext_lazy("Send now…"),
        button=ngettext_lazy("Yes, send %(count)d charge now", "Yes, send %(count)d charges now", "count"),
        refuse=_finished,
        warning=gettext_lazy(
            "Each charge is sent to Smartpay now instead of waiting for its worker. It is sent with its "
            "own idempotency key, so a charge Smartpay already has is never made twice."
        ),
        columns=_CHARGE_COLUMNS,
    )
)

cancel_charges = confirmed_action(
    ActionSpec(
        name="cancel_charges",
        description=gettext_lazy("Cancel selected charges (only if never sent)"),
        permission="operate",
        run=_cancel_charge,
        title=gettext_lazy("Cancel charges"),
        label=gettext_lazy("Cancel charge…"),
        danger=True,
        button=ngettext_lazy("Yes, cancel %(count)d charge", "Yes, cancel %(count)d charges", "count"),
        refuse=_sent,
        warning=gettext_lazy("Only a pending charge that was never sent can be canceled."),
        columns=_CHARGE_COLUMNS,
    )
)


sync_charge_orders = sync_action(
    lambda charge: charge.order_id,
    gettext_lazy("The order each charge made is fetched from Smartpay again. Nothing changes at Smartpay."),
)


@admin.register(TokenCharge)
class TokenChargeAdmin(ReadOnlyAdmin):
    list_display = (
        "reference_display",
        "customer",
        "status",
        "amount_display",
        "order_link",
        "schedule_link",
        "created_at",
    )
    list_filter = ("status", "capture_method", "token__test", ("created", admin.DateFieldListFilter))
    list_select_related = ("token__user", "order", "schedule")
    search_fields = (
        "reference",
        "idempotency_key",
        "token__smartpay_id",
        "order__smartpay_id",
    )
    user_paths = ("token__user",)
    link_filters = ("token", "order")
    ordering = ("-created", "-pk")
    extra_fields = ("customer",)
    actions = [charge_now, cancel_charges, sync_charge_orders]
    display_overrides = {
        "amount": "amount_display",
        "token": "token_link",
        "order": "order_link",
        "schedule": "schedule_link",
        "items": "items_json",
        "shipping_info": "shipping_json",
        "customer_info": "customer_json",
        "metadata": "metadata_json",
    }

    amount_display = money("amount", gettext_lazy("amount"))
    customer = customer("token__user", gettext_lazy("customer"))
    next_attempt = moment("next_attempt_at", gettext_lazy("next attempt"))

    @admin.display(description=gettext_lazy("reference"), ordering="reference")
    def reference_display(self, obj: TokenCharge) -> SafeString:
        return format_html(
            '<span class="smartpay-id" title="{}">{}</span>', obj.reference, shorten(obj.reference)
        )

    created_at = moment("created", gettext_lazy("created"))
    token_link = link("token", gettext_lazy("token"), short=True)
    order_link = link("order", gettext_lazy("order"), short=True)
    schedule_link = link("schedule", gettext_lazy("schedule"), text=lambda schedule: schedule.every)
    items_json = json_field("items", gettext_lazy("items"))
    shipping_json = json_field("shipping_info", gettext_lazy("shipping information"))
    customer_json = json_field("customer_info", gettext_lazy("customer information"))
    metadata_json = json_field("metadata", gettext_lazy("metadata"))
    #: The rows are read-only, so Django's "change" permission is what lets a user operate them.
    has_operate_permission = permission_check("change_tokencharge")


# --- charge schedules ---------------------------------------------------------------------------


def _pause(schedule: ChargeSchedule, data: dict[str, Any], idempotency_key: str) -> str:
    schedule = charging.pause_schedule(schedule, reason="admin")
    return _("Schedule is now %(status)s.") % {"status": schedule.get_status_display()}


def _resume(schedule: ChargeSchedule, data: dict[str, Any], idempotency_key: str) -> str:
    schedule = charging.resume_schedule(schedule)
    return _("Schedule is now %(status)s; next charge %(next)s.") % {
        "status": schedule.get_status_display(),
        "next": when(schedule.next_run_at),
    }


def _cancel_schedule(schedule: ChargeSchedule, data: dict[str, Any], idempotency_key: str) -> str:
    schedule = charging.cancel_schedule(schedule)
    return _("Schedule is now %(status)s.") % {"status": schedule.get_status_display()}


_SCHEDULE_COLUMNS = (
    STATUS_COLUMN,
    (gettext_lazy("token"), lambda schedule: schedule.token_id),
    (gettext_lazy("amount"), _amount),
    (gettext_lazy("next run"), lambda schedule: schedule.next_run_at),
)

pause_schedules = confirmed_action(
    ActionSpec(
        name="pause_schedules",
        description=gettext_lazy("Pause selected schedules"),
        permission="operate",
        run=_pause,
        title=gettext_lazy("Pause schedules"),
        label=gettext_lazy("Pause…"),
        button=ngettext_lazy("Yes, pause %(count)d schedule", "Yes, pause %(count)d schedules", "count"),
        refuse=_unless(
            ChargeScheduleStatus.ACTIVE,
            gettext_lazy("Only an active schedule can be paused; this one is %(status)s."),
        ),
        warning=gettext_lazy(
            "No new charge is made until the schedule is resumed; charges already made go on."
        ),
        columns=_SCHEDULE_COLUMNS,
    )
)

resume_schedules = confirmed_action(
    ActionSpec(
        name="resume_schedules",
        description=gettext_lazy("Resume selected schedules"),
        permission="operate",
        run=_resume,
        title=gettext_lazy("Resume schedules"),
        label=gettext_lazy("Resume…"),
        button=ngettext_lazy("Yes, resume %(count)d schedule", "Yes, resume %(count)d schedules", "count"),
        refuse=_unless(
            ChargeScheduleStatus.PAUSED,
            gettext_lazy("Only a paused schedule can be resumed; this one is %(status)s."),
        ),
        warning=gettext_lazy(
            "Charging starts again from the next period; periods missed while paused are skipped."
        ),
        columns=_SCHEDULE_COLUMNS,
    )
)

cancel_schedules = confirmed_action(
    ActionSpec(
        name="cancel_schedules",
        description=gettext_lazy("Cancel selected schedules"),
        permission="operate",
        run=_cancel_schedule,
        title=gettext_lazy("Cancel schedules"),
        label=gettext_lazy("Cancel schedule…"),
        danger=True,
        button=ngettext_lazy("Yes, cancel %(count)d schedule", "Yes, cancel %(count)d schedules", "count"),
        refuse=_ended,
        warning=gettext_lazy(
            "A canceled schedule never charges again, and its charges not yet sent are canceled."
        ),
        columns=_SCHEDULE_COLUMNS,
    )
)


def _retry_now(schedule: ChargeSchedule, data: dict[str, Any], idempotency_key: str) -> str:
    charge = charging.retry_now(schedule)
    return _("Unpaid period charged again (charge %(reference)s); the outcome follows.") % {
        "reference": charge.reference
    }


def _give_up(schedule: ChargeSchedule, data: dict[str, Any], idempotency_key: str) -> str:
    schedule = charging.give_up(schedule)
    return _("Schedule is now %(status)s.") % {"status": schedule.get_status_display()}


retry_schedules_now = confirmed_action(
    ActionSpec(
        name="retry_schedules_now",
        description=gettext_lazy("Retry the unpaid period of selected schedules now"),
        permission="operate",
        run=_retry_now,
        title=gettext_lazy("Retry unpaid periods now"),
        label=gettext_lazy("Retry now…"),
        button=ngettext_lazy(
            "Yes, charge the unpaid period of %(count)d schedule now",
            "Yes, charge the unpaid periods of %(count)d schedules now",
            "count",
        ),
        refuse=_nothing_unpaid,
        warning=gettext_lazy(
            "Each past due or unpaid schedule's open period is charged again now, with a new charge and a "
            "new idempotency key. A period is never paid twice: a schedule whose charge is still in "
            "progress is refused."
        ),
        columns=_SCHEDULE_COLUMNS,
    )
)

give_up_schedules = confirmed_action(
    ActionSpec(
        name="give_up_schedules",
        description=gettext_lazy("Stop retrying selected past due schedules"),
        permission="operate",
        run=_give_up,
        title=gettext_lazy("Stop retrying"),
        label=gettext_lazy("Stop retrying…"),
        danger=True,
        button=ngettext_lazy(
            "Yes, stop retrying %(count)d schedule", "Yes, stop retrying %(count)d schedules", "count"
        ),
        refuse=_unless(
            ChargeScheduleStatus.PAST_DUE,
            gettext_lazy("Only a past due schedule can be given up; this one is %(status)s."),
        ),
        warning=gettext_lazy(
            "No more automatic retries: each past due schedule becomes unpaid (or paused, per "
            "DUNNING_FINAL_STATUS). A new payment method from the customer can still pay the period."
        ),
        columns=_SCHEDULE_COLUMNS,
    )
)


sync_schedule_tokens = sync_action(
    lambda schedule: schedule.token_id,
    gettext_lazy("The token of each schedule is fetched from Smartpay again. Nothing changes at Smartpay."),
)


@admin.register(ChargeSchedule)
class ChargeScheduleAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "customer",
        "status",
        "next_run",
        "count",
        "dunning",
    )
    list_filter = ("status", "interval", "token__test", ("next_run_at", admin.DateFieldListFilter))
    list_select_related = ("token__user",)
    search_fields = ("token__smartpay_id", "token__reference")
    user_paths = ("token__user",)
    link_filters = ("token",)
    ordering = ("-created", "-pk")
    extra_fields = ("customer", "dunning", "items_table", "shipping_address")
    summary = (
        (
            None,
            ("customer", "status", "amount_display", "every", "next_run_at", "count", "max_count", "end_at"),
        ),
        (
            gettext_lazy("Dunning"),
            ("dunning", "open_period", "failed_attempts", "retry_at", "past_due_since", "status_reason"),
        ),
        (gettext_lazy("What is charged"), ("items_table", "shipping_address", "token_link")),
    )
    actions = [
        pause_schedules,
        resume_schedules,
        cancel_schedules,
        retry_schedules_now,
        give_up_schedules,
        sync_schedule_tokens,
    ]
    display_overrides = {
        "amount": "amount_display",
        "token": "token_link",
        "items": "items_json",
        "shipping_info": "shipping_json",
        "customer_info": "customer_json",
        "metadata": "metadata_json",
    }

    amount_display = money("amount", gettext_lazy("amount"))
    customer = customer("token__user", gettext_lazy("customer"))
    next_run = moment("next_run_at", gettext_lazy("next run"))
    token_link = link("token", gettext_lazy("token"))
    items_json = json_field("items", gettext_lazy("items"))
    shipping_json = json_field("shipping_info", gettext_lazy("shipping information"))
    customer_json = json_field("customer_info", gettext_lazy("customer information"))
    metadata_json = json_field("metadata", gettext_lazy("metadata"))
    has_operate_permission = permission_check("change_chargeschedule")

    @admin.display(description=gettext_lazy("how often"))
    def every(self, obj: ChargeSchedule) -> str:
        return obj.every

    @admin.display(description=gettext_lazy("items"))
    def items_table(self, obj: ChargeSchedule) -> SafeString:
        return details.payload_items_html(obj)

    @admin.display(description=gettext_lazy("shipping address"))
    def shipping_address(self, obj: ChargeSchedule) -> SafeString:
        return details.address_html(obj.shipping_info)

    @admin.display(description=gettext_lazy("charge schedule"), ordering="amount")
    def name(self, obj: ChargeSchedule) -> str:
        """``¥1,980 every 2 months`` (the token is in its own column on the page)."""
        return f"{format_amount(obj.amount, obj.currency)} {obj.every}"

    @admin.display(description=gettext_lazy("dunning"))
    def dunning(self, obj: ChargeSchedule) -> str:
        """The unpaid period, its failed attempts and the next retry; empty when nothing is owed."""
        if obj.open_period_date is None:
            return EMPTY
        text = _("%(period)s unpaid, %(failed)d failed attempt(s)") % {
            "period": formats.date_format(obj.open_period_date),
            "failed": obj.failed_attempts,
        }
        if obj.retry_at is not None:
            text += "; " + _("next retry %(when)s") % {
                "when": formats.date_format(timezone.localtime(obj.retry_at), "SHORT_DATETIME_FORMAT")
            }
        return text
