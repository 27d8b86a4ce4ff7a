"""Tokens (saved payment methods): disable, enable and delete them at Smartpay."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .. import charging, services
from ..models import ChargeSchedule, CheckoutSession, Order, Token, TokenCharge, TokenStatus
from .base import SmartpayObjectAdmin, sync_from_smartpay
from .confirm import STATUS_COLUMN, ActionSpec, confirmed_action, permission_check
from .display import customer, moment, related_links, short_id
from .forms import DeleteTokenForm


def _result(token: Token) -> str:
    return _("Token is now %(status)s.") % {"status": token.get_status_display()}


def _disable(token: Token, data: dict[str, Any], idempotency_key: str) -> str:
    return _result(services.disable_token(token, idempotency_key=idempotency_key))


def _enable(token: Token, data: dict[str, Any], idempotency_key: str) -> str:
    return _result(services.enable_token(token, idempotency_key=idempotency_key))


def _delete(token: Token, data: dict[str, Any], idempotency_key: str) -> str:
    return _result(services.delete_token(token, idempotency_key=idempotency_key))


def _resume_paused(token: Token, data: dict[str, Any], idempotency_key: str) -> str:
    resumed = charging.resume_token_schedules(token)
    return _("%(count)d schedule(s) resumed.") % {"count": len(resumed)}


def _unless(status: str, reason: Any) -> Any:
    def refuse(token: Token) -> Any:
        return None if token.status == status else reason % {"status": token.get_status_display() or "—"}

    return refuse


def _deleted(token: Token) -> Any:
    return _("It is already deleted.") if token.status == TokenStatus.DELETED else None


_COLUMNS = (STATUS_COLUMN, (gettext_lazy("reference"), lambda token: token.reference))

disable_tokens = confirmed_action(
    ActionSpec(
        name="disable_tokens",
        description=gettext_lazy("Disable selected tokens"),
        permission="manage_token",
        run=_disable,
        title=gettext_lazy("Disable tokens"),
        label=gettext_lazy("Disable…"),
        danger=True,
        button=ngettext_lazy("Yes, disable %(count)d token", "Yes, disable %(count)d tokens", "count"),
        refuse=_unless(
            TokenStatus.ACTIVE,
            gettext_lazy("Its status is “%(status)s”: only an active token can be disabled."),
        ),
        warning=gettext_lazy("A disabled token cannot be charged until it is enabled again."),
        columns=_COLUMNS,
    )
)

enable_tokens = confirmed_action(
    ActionSpec(
        name="enable_tokens",
        description=gettext_lazy("Enable selected tokens"),
        permission="manage_token",
        run=_enable,
        title=gettext_lazy("Enable tokens"),
        label=gettext_lazy("Enable…"),
        button=ngettext_lazy("Yes, enable %(count)d token", "Yes, enable %(count)d tokens", "count"),
        refuse=_unless(
            TokenStatus.DISABLED,
            gettext_lazy("Its status is “%(status)s”: only a disabled token can be enabled."),
        ),
        warning=gettext_lazy(
            "An enabled token can be charged again. The schedules it paused stay paused: resume them "
            "with “Resume the schedules these tokens paused”."
        ),
        columns=_COLUMNS,
    )
)

delete_tokens = confirmed_action(
    ActionSpec(
        name="delete_tokens",
        description=gettext_lazy("Delete selected tokens at Smartpay"),
        permission="manage_token",
        run=_delete,
        form_class=DeleteTokenForm,
        title=gettext_lazy("Delete tokens"),
        label=gettext_lazy("Delete at Smartpay…"),
        danger=True,
        button=ngettext_lazy(
            "Yes, delete %(count)d token for good", "Yes, delete %(count)d tokens for good", "count"
        ),
        refuse=_deleted,
        warning=gettext_lazy(
            "Deleting a token is final: it can never be charged, enabled or restored, and the shopper "
            "has to go through a new token checkout. The local row stays, with the status “deleted”."
        ),
        columns=_COLUMNS,
    )
)


resume_token_schedules = confirmed_action(
    ActionSpec(
        name="resume_token_schedules",
        description=gettext_lazy("Resume the schedules these tokens paused"),
        permission="manage_token",
        run=_resume_paused,
        title=gettext_lazy("Resume the schedules these tokens paused"),
        label=gettext_lazy("Resume paused schedules…"),
        button=ngettext_lazy(
            "Yes, resume the schedules of %(count)d token",
            "Yes, resume the schedules of %(count)d tokens",
            "count",
        ),
        warning=gettext_lazy(
            "Enabling a token does not resume the schedules it paused. Each schedule paused because of "
            "the token is resumed: an unpaid period is charged at once, otherwise from the next period."
        ),
        columns=_COLUMNS,
    )
)


@admin.register(Token)
class TokenAdmin(SmartpayObjectAdmin):
    list_display = ("id_display", "customer", "status", "reference", "test", "created_at")
    list_filter = ("status", *SmartpayObjectAdmin.list_filter)
    list_select_related = ("user",)
    search_fields = ("smartpay_id", "reference")
    user_paths = ("user",)
    actions = [disable_tokens, enable_tokens, resume_token_schedules, delete_tokens, sync_from_smartpay]
    display_overrides = {"user": "customer"}
    extra_fields = ("related", *SmartpayObjectAdmin.extra_fields)

    id_display = short_id(gettext_lazy("Smartpay ID"))
    created_at = moment("smartpay_created", gettext_lazy("created"))
    customer = customer("user", gettext_lazy("customer"))
    has_manage_token_permission = permission_check("manage_token")

    @admin.display(description=gettext_lazy("related objects"))
    def related(self, obj: Token) -> SafeString:
        return related_links(
            obj,
            [
                (Order, "token", gettext_lazy("orders")),
                (CheckoutSession, "token", gettext_lazy("checkout sessions")),
                (TokenCharge, "token", gettext_lazy("token charges")),
                (ChargeSchedule, "token", gettext_lazy("charge schedules")),
            ],
        )
