"""Admin registration of the mirrored models: read-only views of what Smartpay holds.

Rows are written by :mod:`django_smartpay.sync` only, so nothing here can add or
edit them.  Actions that change Smartpay (capture, refund, …) come through
:mod:`django_smartpay.services` in a later release.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CheckoutSession, Coupon, Order, Payment, PromotionCode, Refund, Token, WebhookEndpoint


class SmartpayObjectAdmin(admin.ModelAdmin):
    search_fields = ("smartpay_id", "reference")
    list_filter = ("test",)
    ordering = ("-smartpay_created",)
    show_full_result_count = False
    #: Fields never shown anywhere in the admin.
    hidden_fields: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        names = [f.name for f in self.model._meta.fields if f.name not in ("id", "data", *self.hidden_fields)]
        return [*names, "api_object"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)

    @admin.display(description=_("API object"))
    def api_object(self, obj: Any) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False, sort_keys=True)
        )


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "mode", "reference", "order", "token", "user", "test", "smartpay_created")
    list_filter = ("mode", "test")
    list_select_related = ("order", "token", "user")


@admin.register(Order)
class OrderAdmin(SmartpayObjectAdmin):
    list_display = (
        "smartpay_id",
        "status",
        "amount",
        "captured_amount",
        "refunded_amount",
        "currency",
        "reference",
        "user",
        "test",
        "smartpay_created",
    )
    list_filter = ("status", "test")
    list_select_related = ("user",)


@admin.register(Payment)
class PaymentAdmin(SmartpayObjectAdmin):
    list_display = (
        "smartpay_id",
        "status",
        "amount",
        "refunded_amount",
        "currency",
        "order",
        "reference",
        "test",
    )
    list_filter = ("status", "test")
    list_select_related = ("order",)


@admin.register(Refund)
class RefundAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "status", "amount", "currency", "reason", "payment", "reference", "test")
    list_filter = ("status", "reason", "test")
    list_select_related = ("payment",)


@admin.register(Token)
class TokenAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "status", "reference", "user", "test", "smartpay_created")
    list_filter = ("status", "test")
    list_select_related = ("user",)


@admin.register(Coupon)
class CouponAdmin(SmartpayObjectAdmin):
    list_display = (
        "smartpay_id",
        "name",
        "discount_type",
        "discount_amount",
        "discount_percentage",
        "active",
        "test",
    )
    list_filter = ("active", "discount_type", "test")
    search_fields = ("smartpay_id", "name")


@admin.register(PromotionCode)
class PromotionCodeAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "code", "coupon", "active", "redemption_count", "test")
    list_filter = ("active", "test")
    list_select_related = ("coupon",)
    search_fields = ("smartpay_id", "code")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "url", "active", "test", "smartpay_created")
    list_filter = ("active", "test")
    search_fields = ("smartpay_id", "url")
    hidden_fields = ("signing_secret",)
    exclude = ("signing_secret",)
