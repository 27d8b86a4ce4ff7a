"""The Japanese translation ships compiled and covers every string."""

from __future__ import annotations

import pytest
from django.utils import translation

from django_smartpay import services
from django_smartpay.exceptions import SmartpayValidationError
from django_smartpay.models import Order, OrderStatus, Token, WebhookEndpoint
from django_smartpay.sync import sync_object
from tests.shopping import CHECKOUT


def test_models_speak_japanese():
    with translation.override("ja"):
        assert str(Order._meta.verbose_name) == "注文"
        assert str(Token._meta.get_field("status").verbose_name) == "ステータス"
        assert str(OrderStatus.REQUIRES_CAPTURE.label) == "売上確定待ち"
        assert str(WebhookEndpoint._meta.verbose_name) == "Webhook エンドポイント"
    with translation.override("en"):
        assert str(OrderStatus.REQUIRES_CAPTURE.label) == "requires capture"


@pytest.mark.django_db
def test_service_errors_are_translated(smartpay_client):
    session = smartpay_client.create_checkout_session(**CHECKOUT, capture_method="automatic")
    order = sync_object(smartpay_client.get_order(session["order"]["id"]))
    with translation.override("ja"), pytest.raises(SmartpayValidationError, match="売上確定できません"):
        services.capture_order(order)
