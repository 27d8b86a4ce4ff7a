"""Serializers of the REST endpoints: Smartpay ids as ``id``, amounts as whole yen.

Nested collections are capped (the views prefetch at most :data:`NESTED_LIMIT` rows into the
``recent_*`` attributes); a schedule links to the full, paginated list of its charges.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ... import conf
from ...client.constants import (
    LINE_ITEM_KINDS,
    MAX_AMOUNT,
    MAX_INTERVAL_COUNT,
    MAX_POSITIVE_INTEGER,
    MAX_QUANTITY,
)
from ...client.validation import MAX_DESCRIPTION_LENGTH, MAX_ITEMS
from ...models import (
    ChargeSchedule,
    CheckoutSession,
    Order,
    Payment,
    Refund,
    ScheduleInterval,
    Token,
    TokenCharge,
)
from .fields import (
    AwareDateTimeField,
    ChoiceField,
    JSONObjectField,
    StrictIntegerField,
    TextField,
)

LOCALES = ("en", "ja")
#: Hosts Django accepts by itself while ``DEBUG`` is on and ``ALLOWED_HOSTS`` is empty.
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]
#: The most rows of a nested collection in one answer (payments of an order, refunds of a payment).
NESTED_LIMIT = 20
#: The most recent charges nested in a schedule; ``charges_url`` lists them all.
RECENT_CHARGES = 5
#: How far ahead a schedule may start, and end.
MAX_START_AHEAD = dt.timedelta(days=366)
MAX_END_AHEAD = dt.timedelta(days=366 * 50)


class RefundSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="smartpay_id", read_only=True)
    created_at = serializers.DateTimeField(source="smartpay_created", read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "test", "amount", "currency", "status", "reason", "reference", "created_at"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="smartpay_id", read_only=True)
    created_at = serializers.DateTimeField(source="smartpay_created", read_only=True)
    refunds = RefundSerializer(
        many=True, read_only=True, source="recent_refunds", help_text=_("At most 20, oldest first.")
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "test",
            "amount",
            "currency",
            "status",
            "refunded_amount",
            "reference",
            "created_at",
            "refunds",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="smartpay_id", read_only=True)
    token = serializers.CharField(source="token_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="smartpay_created", read_only=True)
    updated_at = serializers.DateTimeField(source="smartpay_updated", read_only=True)
    payments = PaymentSerializer(
        many=True, read_only=True, source="recent_payments", help_text=_("At most 20, oldest first.")
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "test",
            "amount",
            "currency",
            "status",
            "reference",
            "description",
            "captured_amount",
            "refunded_amount",
            "expires_at",
            "token",
            "created_at",
            "updated_at",
            "payments",
        ]
        read_only_fields = fields


class TokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="smartpay_id", read_only=True)
    created_at = serializers.DateTimeField(source="smartpay_created", read_only=True)
    updated_at = serializers.DateTimeField(source="smartpay_updated", read_only=True)

    class Meta:
        model = Token
        fields = ["id", "test", "status", "reference", "created_at", "updated_at"]
        read_only_fields = fields


class CheckoutSessionSerializer(serializers.ModelSerializer):
    """A started checkout: send the shopper to ``url``."""

    id = serializers.CharField(source="smartpay_id", read_only=True)
    token = serializers.CharField(source="token_id", read_only=True, allow_null=True)

    class Meta:
        model = CheckoutSession
        fields = ["id", "mode", "url", "token"]
        read_only_fields = fields


def _redirect_hosts() -> list[str]:
    hosts = conf.get_setting("CHECKOUT_REDIRECT_HOSTS")
    if hosts is None:
        hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not hosts:
            hosts = DEBUG_HOSTS
    return list(hosts)


def check_redirect_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL on an allowed host; raise ``ValidationError`` otherwise."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        domain, _port = split_domain_port(parts.netloc.lower())
    except ValueError:
        raise serializers.ValidationError(_("Enter an absolute http or https URL.")) from None
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise serializers.ValidationError(_("Enter an absolute http or https URL."))
    if not domain or not validate_host(domain, _redirect_hosts()):
        raise serializers.ValidationError(
            _("%(host)s is not a host this site redirects to.") % {"host": parts.netloc}
        )
    return url


class TokenCheckoutSerializer(serializers.Serializer):
    """Start a token checkout; URLs left out come from ``SMARTPAY["CHECKOUT_*_URL"]``."""

    success_url = TextField(
        required=False,
        max_length=2048,
        help_text=_("Where Smartpay sends the shopper after approving."),
    )
    cancel_url = TextField(
        required=False,
        max_length=2048,
        help_text=_("Where Smartpay sends the shopper after canceling."),
    )
    locale = ChoiceField(choices=LOCALES, required=False)

    def validate_success_url(self, value: str) -> str:
        return check_redirect_url(value)

    def validate_cancel_url(self, value: str) -> str:
        return check_redirect_url(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        missing = {}
        for name, setting in (("success_url", "CHECKOUT_SUCCESS_URL"), ("cancel_url", "CHECKOUT_CANCEL_URL")):
            if attrs.get(name):
                continue
            default = conf.get_setting(setting)
            if not default:
                missing[name] = _("This field is required (SMARTPAY[%(key)s] is not set).") % {"key": setting}
            elif request is not None:
                attrs[name] = request.build_absolute_uri(default)
            else:
                attrs[name] = default
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class TokenChargeSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order_id", read_only=True, allow_null=True)

    class Meta:
        model = TokenCharge
        fields = [
            "id",
            "reference",
            "status",
            "amount",
            "currency",
            "order",
            "period",
            "period_attempt",
            "attempts",
            "error_code",
            "created",
        ]
        read_only_fields = fields


class ChargeScheduleSerializer(serializers.ModelSerializer):
    token = serializers.CharField(source="token_id", read_only=True)
    charges = TokenChargeSerializer(
        many=True,
        read_only=True,
        source="recent_charges",
        help_text=_("The 5 most recent charges, newest first; charges_url lists them all."),
    )
    charges_url = serializers.HyperlinkedIdentityField(
        view_name="smartpay-api:chargeschedule-charges",
        help_text=_("Every charge of the schedule, paginated."),
    )

    class Meta:
        model = ChargeSchedule
        fields = [
            "id",
            "token",
            "amount",
            "currency",
            "items",
            "capture_method",
            "interval",
            "interval_count",
            "day_of_month",
            "next_run_at",
            "end_at",
            "max_count",
            "count",
            "status",
            "status_reason",
            "open_period",
            "failed_attempts",
            "retry_at",
            "created",
            "charges",
            "charges_url",
        ]
        read_only_fields = fields


class ItemSerializer(serializers.Serializer):
    """One line item of a schedule's charges (Smartpay's ``items[]``)."""

    name = TextField(max_length=255)
    amount = StrictIntegerField(min_value=0, max_value=MAX_AMOUNT, help_text=_("Yen per unit."))
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
    currency = ChoiceField(choices=["JPY"], required=False)
    kind = ChoiceField(choices=list(LINE_ITEM_KINDS), required=False)
    description = TextField(max_length=1000, required=False)


class ScheduleCreateSerializer(serializers.Serializer):
    """A schedule of one of the user's active tokens (validated again by ``charging.create_schedule``).

    Every value out of range is refused here with a message: amounts beyond Smartpay's limit,
    counts beyond their column, a start in the past or a datetime without its UTC offset.
    """

    token = TextField(max_length=64, help_text=_("The id of one of your tokens (paytok_…)."))
    amount = StrictIntegerField(min_value=1, max_value=MAX_AMOUNT, help_text=_("Yen per charge."))
    currency = ChoiceField(choices=["JPY"], default="JPY")
    description = TextField(
        max_length=MAX_DESCRIPTION_LENGTH,
        required=False,
        help_text=_("Names the single item when items is left out."),
    )
    items = serializers.ListField(
        child=ItemSerializer(),
        required=False,
        allow_empty=False,
        max_length=MAX_ITEMS,
        help_text=_("Leave it out for one item named by description."),
    )
    shipping_info = JSONObjectField(help_text=_("Smartpay's shippingInfo, with an address."))
    customer_info = JSONObjectField(required=False)
    interval = ChoiceField(choices=ScheduleInterval.choices)
    interval_count = StrictIntegerField(min_value=1, max_value=MAX_INTERVAL_COUNT, default=1)
    day_of_month = StrictIntegerField(min_value=1, max_value=31, required=False)
    start_at = AwareDateTimeField(
        required=False, help_text=_("The first charge, within a year from now; leave it out to start now.")
    )
    end_at = AwareDateTimeField(required=False, help_text=_("No charge after this time."))
    max_count = StrictIntegerField(min_value=1, max_value=MAX_POSITIVE_INTEGER, required=False)

    def validate_token(self, value: str) -> Token:
        request = self.context["request"]
        token = Token.objects.filter(smartpay_id=value, user_id=request.user.pk).first()
        if token is None:
            raise serializers.ValidationError(_("You have no token with this id."))
        return token

    def validate_start_at(self, value: dt.datetime) -> dt.datetime:
        now = timezone.now()
        if value < now:
            raise serializers.ValidationError(
                _("A schedule cannot start in the past; leave start_at out to start now.")
            )
        if value > now + MAX_START_AHEAD:
            raise serializers.ValidationError(_("A schedule must start within a year from now."))
        return value

    def validate_end_at(self, value: dt.datetime) -> dt.datetime:
        if value > timezone.now() + MAX_END_AHEAD:
            raise serializers.ValidationError(_("A schedule must end within 50 years from now."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end_at = attrs.get("end_at")
        if end_at is not None and end_at <= attrs.get("start_at", timezone.now()):
            raise serializers.ValidationError({"end_at": [_("The end must be after the start.")]})
        if attrs.get("items"):
            attrs.pop("description", None)
            attrs["items"] = [dict(item) for item in attrs["items"]]
        else:
            name = attrs.pop("description", None) or str(_("Subscription"))
            attrs["items"] = [{"name": name, "amount": attrs["amount"], "currency": attrs["currency"]}]
        return attrs


class ScheduleTokenSerializer(serializers.Serializer):
    """A new payment method for a schedule: one of the user's tokens (it must be active)."""

    token = TextField(max_length=64, help_text=_("The id of one of your tokens (paytok_…)."))

    def validate_token(self, value: str) -> Token:
        request = self.context["request"]
        token = Token.objects.filter(smartpay_id=value, user_id=request.user.pk).first()
        if token is None:
            raise serializers.ValidationError(_("You have no token with this id."))
        return token


__all__ = [
    "ChargeScheduleSerializer",
    "CheckoutSessionSerializer",
    "ItemSerializer",
    "OrderSerializer",
    "PaymentSerializer",
    "RefundSerializer",
    "ScheduleCreateSerializer",
    "ScheduleTokenSerializer",
    "TokenChargeSerializer",
    "TokenCheckoutSerializer",
    "TokenSerializer",
    "check_redirect_url",
]
