"""What "my account" shows a shopper: their real orders, usable payment methods and subscriptions.

The package's rows carry Smartpay's states (``requires_capture``, ``paused`` with reason
``token.deleted``, …); this module turns them into what a shopper reads: item names from the
shop's catalogue, short translated statuses, and what each subscription needs from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_smartpay.models import (
    ChargeSchedule,
    ChargeScheduleStatus,
    Order,
    OrderStatus,
    Payment,
    Token,
    TokenCharge,
    TokenChargeStatus,
    TokenStatus,
)

from .catalog import PLAN, product_of_reference

#: Orders a shopper placed: authorized at least once.  An order still waiting for authorization
#: is a checkout the shopper left (or is still on); a rejected or failed one never became an order
#: (a declined renewal shows in its subscription's history instead).
PLACED_ORDER_STATUSES = (
    OrderStatus.REQUIRES_CAPTURE,
    OrderStatus.SUCCEEDED,
    OrderStatus.CANCELED,
    OrderStatus.PENDING,
)
#: Subscriptions that still charge, or can again.
LIVE_SCHEDULE_STATUSES = (
    ChargeScheduleStatus.ACTIVE,
    ChargeScheduleStatus.PAUSED,
    ChargeScheduleStatus.PAST_DUE,
    ChargeScheduleStatus.UNPAID,
)
#: How many of a subscription's latest charges "my account" lists.
RECENT_CHARGES = 6

ORDER_STATUS = {
    OrderStatus.REQUIRES_CAPTURE: _("Confirmed — charged when it ships"),
    OrderStatus.SUCCEEDED: _("Paid"),
    OrderStatus.CANCELED: _("Canceled"),
    OrderStatus.PENDING: _("Being processed"),
}
SCHEDULE_STATUS = {
    ChargeScheduleStatus.ACTIVE: _("Active"),
    ChargeScheduleStatus.PAUSED: _("Paused"),
    ChargeScheduleStatus.PAST_DUE: _("Payment failed"),
    ChargeScheduleStatus.UNPAID: _("Unpaid"),
    ChargeScheduleStatus.CANCELED: _("Canceled"),
    ChargeScheduleStatus.COMPLETED: _("Ended"),
}
CHARGE_STATUS = {
    TokenChargeStatus.PENDING: _("Processing"),
    TokenChargeStatus.PROCESSING: _("Processing"),
    TokenChargeStatus.SUCCEEDED: _("Paid"),
    TokenChargeStatus.REJECTED: _("Declined"),
    TokenChargeStatus.FAILED: _("Failed"),
    TokenChargeStatus.UNKNOWN: _("Being checked"),
    TokenChargeStatus.CANCELED: _("Canceled"),
}
#: Each status's colour in the page: ok, wait or bad.
TONE = {
    "succeeded": "ok",
    "active": "ok",
    "requires_capture": "wait",
    "pending": "wait",
    "processing": "wait",
    "unknown": "wait",
    "paused": "wait",
}
UNKNOWN_STATUS = _("Unknown")


def tone(status: str) -> str:
    return TONE.get(status, "bad" if status else "wait")


def plan_name(metadata: Any, fallback: str = "") -> str | Promise:
    """The plan's name in the page's language when ``metadata`` names the shop's plan."""
    if isinstance(metadata, dict) and metadata.get("plan") == PLAN.slug:
        return PLAN.name
    return fallback or PLAN.name


def order_item_names(order: Order) -> list[str | Promise]:
    """What was bought: the catalogue's names where the shop knows the order, else Smartpay's."""
    product = product_of_reference(order.reference)
    if product is not None:
        return [product.name]
    if order.token_id:
        return [plan_name(order.metadata)]
    items = order.data.get("lineItems") if isinstance(order.data, dict) else None
    names = [item["name"] for item in items or [] if isinstance(item, dict) and item.get("name")]
    return names or [_("Order")]


@dataclass
class OrderRow:
    order: Order
    items: list[str | Promise]
    status: str | Promise
    tone: str
    from_subscription: bool


@dataclass
class ScheduleRow:
    schedule: ChargeSchedule
    name: str | Promise
    status: str | Promise
    tone: str
    #: What the shopper is told about it, if anything (why it is paused, when it retries …).
    notice: str | Promise = ""
    #: The shopper can (and should) choose a new payment method for it.
    needs_payment_method: bool = False
    can_cancel: bool = False
    #: When a declined month is charged again by itself (a soft decline only).
    retry_at: dt.datetime | None = None
    charges: list[tuple[TokenCharge, str | Promise, str]] = field(default_factory=list)


@dataclass
class TokenRow:
    token: Token
    #: The subscriptions it pays for (not canceled or ended).
    pays_for: list[ChargeSchedule]

    @property
    def pays_for_names(self) -> list[str | Promise]:
        return [schedule_name(schedule) for schedule in self.pays_for]


def order_row(order: Order) -> OrderRow:
    status: str | Promise = ORDER_STATUS.get(order.status, UNKNOWN_STATUS)
    if order.refunded_amount and order.refunded_amount >= order.captured_amount:
        status = _("Refunded")
    elif order.refunded_amount:
        status = _("Partly refunded")
    return OrderRow(order, order_item_names(order), status, tone(order.status), bool(order.token_id))


def paused_by_payment_method(schedule: ChargeSchedule) -> bool:
    """Paused because its token stopped being usable: a new payment method resumes it."""
    return schedule.status == ChargeScheduleStatus.PAUSED and schedule.status_reason.startswith("token.")


def schedule_name(schedule: ChargeSchedule) -> str | Promise:
    first = schedule.items[0] if isinstance(schedule.items, list) and schedule.items else {}
    return plan_name(schedule.metadata, first.get("name", "") if isinstance(first, dict) else "")


def schedule_row(schedule: ChargeSchedule) -> ScheduleRow:
    status = schedule.status
    row = ScheduleRow(
        schedule,
        schedule_name(schedule),
        SCHEDULE_STATUS.get(status, UNKNOWN_STATUS),
        "bad" if status in (ChargeScheduleStatus.PAST_DUE, ChargeScheduleStatus.UNPAID) else tone(status),
        can_cancel=status in LIVE_SCHEDULE_STATUSES,
    )
    if paused_by_payment_method(schedule):
        row.needs_payment_method = True
        row.notice = _(
            "Paused because its payment method was removed or can no longer be used: nothing is "
            "charged and no box is sent. Choose a new payment method to continue."
        )
    elif status == ChargeScheduleStatus.PAUSED:
        row.notice = _("Paused by the shop: nothing is charged until it is resumed.")
    elif status == ChargeScheduleStatus.PAST_DUE:
        row.needs_payment_method = True
        row.notice = _("Payment failed — update your payment method.")
        if schedule.retry_at and schedule.status_reason == "order.soft-declined":
            row.retry_at = schedule.retry_at
    elif status == ChargeScheduleStatus.UNPAID:
        row.needs_payment_method = True
        row.notice = _("Payment failed — update your payment method to pay the open month.")
    charges = list(schedule.charges.all())[:RECENT_CHARGES]
    row.charges = [(c, CHARGE_STATUS.get(c.status, UNKNOWN_STATUS), tone(c.status)) for c in charges]
    return row


def placed_orders(user: Any) -> QuerySet[Order]:
    payments = Payment.objects.order_by("smartpay_created").prefetch_related("refunds")
    return (
        Order.objects.filter(user=user, status__in=PLACED_ORDER_STATUSES)
        .prefetch_related(Prefetch("payments", queryset=payments))
        .order_by("-smartpay_created", "-pk")
    )


def user_schedules(user: Any) -> QuerySet[ChargeSchedule]:
    return (
        ChargeSchedule.objects.filter(token__user=user)
        .prefetch_related(Prefetch("charges", queryset=TokenCharge.objects.order_by("-created", "-pk")))
        .order_by("-created", "-pk")
    )


def usable_tokens(user: Any) -> QuerySet[Token]:
    """The saved payment methods a shopper can use: approved and not disabled, rejected or deleted."""
    return Token.objects.filter(user=user, status=TokenStatus.ACTIVE).order_by("-smartpay_created", "-pk")


def live_schedules_of(token: Token) -> list[ChargeSchedule]:
    return list(
        ChargeSchedule.objects.filter(token=token, status__in=LIVE_SCHEDULE_STATUSES).order_by(
            "created", "pk"
        )
    )


def token_rows(user: Any, schedules: list[ChargeSchedule]) -> list[TokenRow]:
    live = [s for s in schedules if s.status in LIVE_SCHEDULE_STATUSES]
    return [
        TokenRow(token, [s for s in live if s.token_id == token.smartpay_id]) for token in usable_tokens(user)
    ]
