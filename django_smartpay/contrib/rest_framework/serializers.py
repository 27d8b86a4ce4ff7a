"""Serializers of the REST endpoints: Smartpay ids as ``id``, amounts as whole yen."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ... import conf
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

LOCALES = ("en", "ja")
#: Hosts Django accepts by itself while ``DEBUG`` is on and ``ALLOWED_HOSTS`` is empty.
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


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
    refunds = RefundSerializer(many=True, read_only=True)

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
    payments = PaymentSerializer(many=True, read_only=True)

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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise serializers.ValidationError(_("Enter an absolute http or https URL."))
    domain, _port = split_domain_port(parts.netloc.lower())
    if not domain or not validate_host(domain, _redirect_hosts()):
        raise serializers.ValidationError(
            _("%(host)s is not a host this site redirects to.") % {"host": parts.netloc}
        )
    return url


class TokenCheckoutSerializer(serializers.Serializer):
    """Start a token checkout; URLs left out come from ``SMARTPAY["CHECKOUT_*_URL"]``."""

    success_url = serializers.CharField(
        required=False,
        max_length=2048,
        help_text=_("Where Smartpay sends the shopper after approving."),
    )
    cancel_url = serializers.CharField(
        required=False,
        max_length=2048,
        help_text=_("Where Smartpay sends the shopper after canceling."),
    )
    locale = serializers.ChoiceField(choices=LOCALES, required=False)

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
            "attempts",
            "error_code",
            "created",
        ]
        read_only_fields = fields


class ChargeScheduleSerializer(serializers.ModelSerializer):
    token = serializers.CharField(source="token_id", read_only=True)
    charges = TokenChargeSerializer(many=True, read_only=True)

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
            "created",
            "charges",
        ]
        read_only_fields = fields


class ScheduleCreateSerializer(serializers.Serializer):
    """A schedule of one of the user's active tokens (validated again by ``charging.create_schedule``)."""

    token = serializers.CharField(max_length=64, help_text=_("The id of one of your tokens (paytok_…)."))
    amount = serializers.IntegerField(min_value=1, help_text=_("Yen per charge."))
    currency = serializers.ChoiceField(choices=["JPY"], default="JPY")
    description = serializers.CharField(
        max_length=80, required=False, help_text=_("Names the single item when items is left out.")
    )
    items = serializers.ListField(child=serializers.DictField(), required=False, max_length=50)
    shipping_info = serializers.DictField(help_text=_("Smartpay's shippingInfo, with an address."))
    customer_info = serializers.DictField(required=False)
    interval = serializers.ChoiceField(choices=ScheduleInterval.choices)
    interval_count = serializers.IntegerField(min_value=1, max_value=366, default=1)
    day_of_month = serializers.IntegerField(min_value=1, max_value=31, required=False)
    start_at = serializers.DateTimeField(required=False)
    end_at = serializers.DateTimeField(required=False)
    max_count = serializers.IntegerField(min_value=1, required=False)

    def validate_token(self, value: str) -> Token:
        request = self.context["request"]
        token = Token.objects.filter(smartpay_id=value, user=request.user).first()
        if token is None:
            raise serializers.ValidationError(_("You have no token with this id."))
        return token

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("items"):
            name = attrs.pop("description", None) or str(_("Subscription"))
            attrs["items"] = [{"name": name, "amount": attrs["amount"], "currency": attrs["currency"]}]
        else:
            attrs.pop("description", None)
        return attrs


__all__ = [
    "ChargeScheduleSerializer",
    "CheckoutSessionSerializer",
    "OrderSerializer",
    "PaymentSerializer",
    "RefundSerializer",
    "ScheduleCreateSerializer",
    "TokenChargeSerializer",
    "TokenCheckoutSerializer",
    "TokenSerializer",
    "check_redirect_url",
]
