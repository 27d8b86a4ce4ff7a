"""A read-only admin of ``SmartyPayment`` with a "Refresh from SmartyPay" action.

Nothing can be added, changed or deleted here: rows are written by the services and the
sync.  The action needs the ``smartypay.refresh_smartypayment`` permission.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .client import SmartyPayError
from .conf import SmartyPayConfigurationError
from .models import SmartyPayment
from .services import refresh_payment

#: The query-string lookups of the list filters (anything else is answered 400).
FILTER_LOOKUPS = frozenset({"status", "status__exact", "amount_currency", "amount_currency__exact"})


@admin.register(SmartyPayment)
class SmartyPaymentAdmin(admin.ModelAdmin):
    list_display = ("payment", "status", "amount", "created_at", "error_code")
    list_filter = ("status", "amount_currency")
    search_fields = ("=reference", "=smartypay_id", "description")
    ordering = ("-recorded_at", "-pk")
    list_per_page = 50
    show_full_result_count = False
    actions = ["refresh_from_smartypay"]
    fields = (
        "reference",
        "smartypay_id",
        "merchant_id",
        "status",
        "amount",
        "created_at",
        "expires_at",
        "description",
        "metadata",
        "error_code",
        "create_error",
        "raw_data",
        "synced_at",
        "recorded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("SmartyPay id"), ordering="smartypay_id")
    def payment(self, obj: SmartyPayment) -> str:
        """The SmartyPay id; for a row SmartyPay has not answered for, its reference and create error."""
        if obj.smartypay_id:
            return obj.smartypay_id
        return f"({obj.reference}: {obj.create_error})" if obj.create_error else f"({obj.reference})"

    @admin.display(description=_("amount"), ordering="amount_value")
    def amount(self, obj: SmartyPayment) -> str:
        return obj.amount_display

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        """Only the list filters' own lookups: Django would accept any lookup on a local field
        (``?raw_data__has_key=…``, ``?smartypay_id__regex=(`` — a database error)."""
        return lookup in FILTER_LOOKUPS and "\x00" not in str(value)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("smartypay.refresh_smartypayment"))

    @admin.action(description=_("Refresh from SmartyPay"), permissions=["refresh"])
    def refresh_from_smartypay(self, request: HttpRequest, queryset: QuerySet[SmartyPayment]) -> None:
        refreshed = 0
        for row in queryset.order_by("pk"):
            try:
                refresh_payment(row)
            except (SmartyPayError, SmartyPayConfigurationError) as exc:
                self.message_user(
                    request,
                    gettext("Could not refresh %(payment)s: %(error)s")
                    % {"payment": row.smartypay_id or row.reference, "error": exc},
                    messages.ERROR,
                )
            else:
                refreshed += 1
        if refreshed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d payment refreshed from SmartyPay.",
                    "%(count)d payments refreshed from SmartyPay.",
                    refreshed,
                )
                % {"count": refreshed},
                messages.SUCCESS,
            )
