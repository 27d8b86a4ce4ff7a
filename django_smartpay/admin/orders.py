"""Orders, payments (captures), refunds and checkout sessions; capture, cancel and refund."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .. import services
from ..models import CheckoutSession, Order, OrderStatus, Payment, Refund, TokenCharge
from . import details
from .base import CREATED_FILTER, SmartpayObjectAdmin, sync_from_smartpay
from .confirm import STATUS_COLUMN, ActionSpec, confirmed_action, permission_check
from .display import customer, format_amount, link, moment, money, related_links, short_id, with_refunded
from .forms import CaptureForm, RefundForm
from .object_actions import RelatedAction

# --- actions ----------------------------------------------------------------------------------


def _capture(order: Order, data: dict[str, Any], idempotency_key: str) -> str:
    payment = services.capture_order(
        order,
        data.get("amount"),
        cancel_remainder=data.get("cancel_remainder") or None,
        idempotency_key=idempotency_key,
    )
    return _("Captured %(amount)s as payment %(payment)s.") % {
        "amount": format_amount(payment.amount, payment.currency),
        "payment": payment.smartpay_id,
    }


def _cancel(order: Order, data: dict[str, Any], idempotency_key: str) -> str:
    order = services.cancel_order(order, idempotency_key=idempotency_key)
    return _("Canceled (status: %(status)s).") % {"status": order.get_status_display()}


def _refund(payment: Payment, data: dict[str, Any], idempotency_key: str) -> str:
    refund = services.refund_payment(
        payment,
        data.get("amount"),
        reason=data["reason"],
        description=data.get("description") or None,
        idempotency_key=idempotency_key,
    )
    return _("Refunded %(amount)s as refund %(refund)s.") % {
        "amount": format_amount(refund.amount, refund.currency),
        "refund": refund.smartpay_id,
    }


def _amount(row: Any) -> str:
    return format_amount(row.amount, row.currency)


def _not_capturable(order: Order) -> Any:
    if order.status != OrderStatus.REQUIRES_CAPTURE:
        return _("Its status is “%(status)s”: only an order that requires capture can be captured.") % {
            "status": order.get_status_display() or "—"
        }
    if order.capturable_amount <= 0:
        return _("Nothing is left to capture.")
    return None


def _not_cancelable(order: Order) -> Any:
    if order.status != OrderStatus.REQUIRES_CAPTURE:
        return _("Its status is “%(status)s”: only an order that requires capture can be canceled.") % {
            "status": order.get_status_display() or "—"
        }
    return None


def _not_refundable(payment: Payment) -> Any:
    return _("Nothing is left to refund.") if payment.refundable_amount <= 0 else None


capture_orders = confirmed_action(
    ActionSpec(
        name="capture_orders",
        description=gettext_lazy("Capture selected orders"),
        permission="capture_order",
        run=_capture,
        form_class=CaptureForm,
        title=gettext_lazy("Capture orders"),
        label=gettext_lazy("Capture…"),
        button=ngettext_lazy("Yes, capture %(count)d order", "Yes, capture %(count)d orders", "count"),
        refuse=_not_capturable,
        warning=gettext_lazy("The shopper is charged the captured amount."),
        columns=(
            STATUS_COLUMN,
            (gettext_lazy("amount"), _amount),
            (gettext_lazy("capturable amount"), lambda o: format_amount(o.capturable_amount, o.currency)),
        ),
    )
)

cancel_orders = confirmed_action(
    ActionSpec(
        name="cancel_orders",
        description=gettext_lazy("Cancel selected orders"),
        permission="cancel_order",
        run=_cancel,
        title=gettext_lazy("Cancel orders"),
        label=gettext_lazy("Cancel order…"),
        danger=True,
        button=ngettext_lazy("Yes, cancel %(count)d order", "Yes, cancel %(count)d orders", "count"),
        refuse=_not_cancelable,
        warning=gettext_lazy(
            "Canceling releases the authorization of every amount not captured yet. It cannot be undone."
        ),
        columns=(STATUS_COLUMN, (gettext_lazy("amount"), _amount)),
    )
)

refund_payments = confirmed_action(
    ActionSpec(
        name="refund_payments",
        description=gettext_lazy("Refund selected payments"),
        permission="refund_payment",
        run=_refund,
        form_class=RefundForm,
        title=gettext_lazy("Refund payments"),
        label=gettext_lazy("Refund…"),
        danger=True,
        button=ngettext_lazy("Yes, refund %(count)d payment", "Yes, refund %(count)d payments", "count"),
        refuse=_not_refundable,
        warning=gettext_lazy("The refunded amount goes back to the shopper. A refund cannot be undone."),
        columns=(
            STATUS_COLUMN,
            (gettext_lazy("amount"), _amount),
            (gettext_lazy("refundable amount"), lambda p: format_amount(p.refundable_amount, p.currency)),
        ),
    )
)


# --- admins -----------------------------------------------------------------------------------


@admin.register(Order)
class OrderAdmin(SmartpayObjectAdmin):
    list_display = (
        "id_display",
        "customer",
        "status",
        "amount_display",
        "captured_list",
        "created_at",
    )
    list_filter = ("status", "test", CREATED_FILTER)
    list_select_related = ("user",)
    search_fields = ("smartpay_id", "reference")
    user_paths = ("user",)
    link_filters = ("smartpay_id", "token")
    actions = [capture_orders, cancel_orders, sync_from_smartpay]
    related_actions = (
        RelatedAction(
            Payment, "refund_payments", lambda order: Payment.objects.filter(order=order.smartpay_id)
        ),
    )
    display_overrides = {
        "amount": "amount_display",
        "captured_amount": "captured_display",
        "refunded_amount": "refunded_display",
        "token": "token_link",
        "user": "customer",
    }
    extra_fields = ("related", *SmartpayObjectAdmin.extra_fields)
    summary = (
        (
            None,
            (
                "smartpay_id",
                "status",
                "customer",
                "amount_display",
                "captured_display",
                "refunded_display",
                "reference",
                "description",
                "expires_at",
                "smartpay_created",
            ),
        ),
        (gettext_lazy("What was bought"), ("line_items", "shipping_address")),
        (gettext_lazy("Payments and refunds"), ("payments_and_refunds",)),
        (gettext_lazy("Where it came from"), ("token_link", "made_by", "related")),
    )

    id_display = short_id(gettext_lazy("Smartpay ID"))
    created_at = moment("smartpay_created", gettext_lazy("created"))
    amount_display = money("amount", gettext_lazy("amount"))
    captured_display = money("captured_amount", gettext_lazy("captured"))
    refunded_display = money("refunded_amount", gettext_lazy("refunded"))
    token_link = link("token", gettext_lazy("token"))
    customer = customer("user", gettext_lazy("customer"))

    captured_list = with_refunded("captured_amount", gettext_lazy("captured"))
    has_capture_order_permission = permission_check("capture_order")
    has_cancel_order_permission = permission_check("cancel_order")

    @admin.display(description=gettext_lazy("items"))
    def line_items(self, obj: Order) -> SafeString:
        return details.line_items_html(obj)

    @admin.display(description=gettext_lazy("shipping address"))
    def shipping_address(self, obj: Order) -> SafeString:
        return details.shipping_html(obj)

    @admin.display(description=gettext_lazy("payments and refunds"))
    def payments_and_refunds(self, obj: Order) -> SafeString:
        return details.money_html(obj)

    @admin.display(description=gettext_lazy("token charge"))
    def made_by(self, obj: Order) -> SafeString:
        return details.charge_html(obj)

    @admin.display(description=gettext_lazy("related objects"))
    def related(self, obj: Order) -> SafeString:
        return related_links(
            obj,
            [
                (Payment, "order", gettext_lazy("payments")),
                (CheckoutSession, "order", gettext_lazy("checkout sessions")),
                (TokenCharge, "order", gettext_lazy("token charges")),
            ],
        )


@admin.register(Payment)
class PaymentAdmin(SmartpayObjectAdmin):
    list_display = (
        "id_display",
        "customer",
        "status",
        "amount_list",
        "order_link",
        "created_at",
    )
    list_filter = ("status", "test", CREATED_FILTER)
    list_select_related = ("order__user",)
    search_fields = ("smartpay_id", "reference", "order__reference")
    user_paths = ("order__user",)
    link_filters = ("smartpay_id", "order")
    actions = [refund_payments, sync_from_smartpay]
    display_overrides = {
        "amount": "amount_display",
        "refunded_amount": "refunded_display",
        "order": "order_link",
    }
    extra_fields = ("related", *SmartpayObjectAdmin.extra_fields)

    id_display = short_id(gettext_lazy("Smartpay ID"))
    created_at = moment("smartpay_created", gettext_lazy("created"))
    customer = customer("order__user", gettext_lazy("customer"))
    amount_list = with_refunded("amount", gettext_lazy("amount"))
    amount_display = money("amount", gettext_lazy("amount"))
    refunded_display = money("refunded_amount", gettext_lazy("refunded"))
    order_link = link("order", gettext_lazy("order"), short=True)
    has_refund_payment_permission = permission_check("refund_payment")

    @admin.display(description=gettext_lazy("related objects"))
    def related(self, obj: Payment) -> SafeString:
        return related_links(obj, [(Refund, "payment", gettext_lazy("refunds"))])


@admin.register(Refund)
class RefundAdmin(SmartpayObjectAdmin):
    list_display = (
        "id_display",
        "customer",
        "status",
        "amount_display",
        "reason",
        "payment_link",
        "created_at",
    )
    list_filter = ("status", "reason", "test", CREATED_FILTER)
    list_select_related = ("payment__order__user",)
    search_fields = ("smartpay_id", "reference", "payment__order__reference")
    user_paths = ("payment__order__user",)
    link_filters = ("smartpay_id", "payment")
    display_overrides = {"amount": "amount_display", "payment": "payment_link"}

    id_display = short_id(gettext_lazy("Smartpay ID"))
    created_at = moment("smartpay_created", gettext_lazy("created"))
    customer = customer("payment__order__user", gettext_lazy("customer"))
    amount_display = money("amount", gettext_lazy("amount"))
    payment_link = link("payment", gettext_lazy("payment"), short=True)


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(SmartpayObjectAdmin):
    list_display = (
        "id_display",
        "customer",
        "mode",
        "reference",
        "order_link",
        "token_link",
        "created_at",
    )
    list_filter = ("mode", "test", CREATED_FILTER)
    list_select_related = ("order", "token", "user")
    search_fields = ("smartpay_id", "reference")
    user_paths = ("user",)
    link_filters = ("smartpay_id", "order", "token")
    display_overrides = {"order": "order_link", "token": "token_link", "user": "customer"}

    id_display = short_id(gettext_lazy("Smartpay ID"))
    created_at = moment("smartpay_created", gettext_lazy("created"))
    customer = customer("user", gettext_lazy("customer"))
    order_link = link("order", gettext_lazy("order"), short=True)
    token_link = link("token", gettext_lazy("token"), short=True)
