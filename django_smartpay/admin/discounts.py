"""Coupons and promotion codes: activate and deactivate them at Smartpay."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .. import services
from ..models import Coupon, DiscountType, PromotionCode
from .base import SmartpayObjectAdmin, sync_from_smartpay
from .confirm import ActionSpec, confirmed_action, permission_check
from .display import format_amount, link, related_links


def _active(row: Any) -> str:
    return str(_("active") if row.active else _("inactive"))


def _setter(update: Any, active: bool) -> Any:
    def run(row: Any, data: dict[str, Any], idempotency_key: str) -> str:
        updated = update(row, active=active, idempotency_key=idempotency_key)
        return _("Now %(state)s.") % {"state": _active(updated)}

    return run


_COLUMNS = ((gettext_lazy("state"), _active),)


def _already(active: bool) -> Any:
    def refuse(row: Any) -> Any:
        if row.active == active:
            return _("It is already active.") if active else _("It is already inactive.")
        return None

    return refuse


def _toggle(
    name: str, permission: str, update: Any, active: bool, description: Any, title: Any, button: Any
) -> Any:
    """An activate/deactivate action for coupons or promotion codes, each under its own permission."""
    if active:
        warning = gettext_lazy("Shoppers can use them again (until they expire or run out).")
    else:
        warning = gettext_lazy("Shoppers can no longer use them.")
    return confirmed_action(
        ActionSpec(
            name=name,
            description=description,
            permission=permission,
            run=_setter(update, active),
            title=title,
            button=button,
            label=gettext_lazy("Activate…") if active else gettext_lazy("Deactivate…"),
            refuse=_already(active),
            warning=warning,
            columns=_COLUMNS,
        )
    )


activate_coupons = _toggle(
    "activate_coupons",
    "manage_coupon",
    services.update_coupon,
    True,
    gettext_lazy("Activate selected coupons"),
    gettext_lazy("Activate coupons"),
    ngettext_lazy("Yes, activate %(count)d coupon", "Yes, activate %(count)d coupons", "count"),
)
deactivate_coupons = _toggle(
    "deactivate_coupons",
    "manage_coupon",
    services.update_coupon,
    False,
    gettext_lazy("Deactivate selected coupons"),
    gettext_lazy("Deactivate coupons"),
    ngettext_lazy("Yes, deactivate %(count)d coupon", "Yes, deactivate %(count)d coupons", "count"),
)
activate_promotion_codes = _toggle(
    "activate_promotion_codes",
    "manage_promotioncode",
    services.update_promotion_code,
    True,
    gettext_lazy("Activate selected promotion codes"),
    gettext_lazy("Activate promotion codes"),
    ngettext_lazy(
        "Yes, activate %(count)d promotion code", "Yes, activate %(count)d promotion codes", "count"
    ),
)
deactivate_promotion_codes = _toggle(
    "deactivate_promotion_codes",
    "manage_promotioncode",
    services.update_promotion_code,
    False,
    gettext_lazy("Deactivate selected promotion codes"),
    gettext_lazy("Deactivate promotion codes"),
    ngettext_lazy(
        "Yes, deactivate %(count)d promotion code", "Yes, deactivate %(count)d promotion codes", "count"
    ),
)


@admin.register(Coupon)
class CouponAdmin(SmartpayObjectAdmin):
    list_display = (
        "smartpay_id",
        "name",
        "discount",
        "active",
        "redemption_count",
        "max_redemption_count",
        "expires_at",
        "test",
        "smartpay_created",
    )
    list_filter = ("active", "discount_type", *SmartpayObjectAdmin.list_filter)
    search_fields = ("smartpay_id", "name")
    actions = [activate_coupons, deactivate_coupons, sync_from_smartpay]
    display_overrides = {"discount_amount": "discount"}
    extra_fields = ("related", *SmartpayObjectAdmin.extra_fields)

    has_manage_coupon_permission = permission_check("manage_coupon")

    @admin.display(description=gettext_lazy("discount"), ordering="discount_amount")
    def discount(self, obj: Coupon) -> str:
        if obj.discount_type == DiscountType.PERCENTAGE and obj.discount_percentage is not None:
            return f"{obj.discount_percentage.normalize():f}%"
        return format_amount(obj.discount_amount, obj.currency or "JPY")

    @admin.display(description=gettext_lazy("related objects"))
    def related(self, obj: Coupon) -> SafeString:
        return related_links(obj, [(PromotionCode, "coupon", gettext_lazy("promotion codes"))])


@admin.register(PromotionCode)
class PromotionCodeAdmin(SmartpayObjectAdmin):
    list_display = (
        "smartpay_id",
        "code",
        "coupon_link",
        "active",
        "redemption_count",
        "max_redemption_count",
        "expires_at",
        "test",
        "smartpay_created",
    )
    list_filter = ("active", *SmartpayObjectAdmin.list_filter)
    list_select_related = ("coupon",)
    search_fields = ("smartpay_id", "code", "coupon__smartpay_id", "coupon__name")
    link_filters = ("smartpay_id", "coupon")
    actions = [activate_promotion_codes, deactivate_promotion_codes, sync_from_smartpay]
    display_overrides = {"coupon": "coupon_link"}

    coupon_link = link("coupon", gettext_lazy("coupon"))
    has_manage_promotioncode_permission = permission_check("manage_promotioncode")
