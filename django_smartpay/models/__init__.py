"""Local mirrors of Smartpay objects.  Write them through :mod:`django_smartpay.sync` only."""

from .base import SmartpayObject
from .charges import (
    CaptureMethod,
    ChargeSchedule,
    ChargeScheduleStatus,
    ScheduleInterval,
    TokenCharge,
    TokenChargeStatus,
)
from .checkout import CheckoutSession, CheckoutSessionMode
from .discounts import Coupon, DiscountType, PromotionCode
from .events import WebhookEvent, WebhookEventStatus
from .orders import Order, OrderStatus, Payment, PaymentStatus, Refund, RefundReason, RefundStatus
from .tokens import Token, TokenStatus
from .webhooks import WebhookEndpoint

#: Every mirrored model, by the ``object`` value of its API objects.
MODELS_BY_OBJECT = {
    model.api_object: model
    for model in (CheckoutSession, Order, Payment, Refund, Token, Coupon, PromotionCode, WebhookEndpoint)
}

__all__ = [
    "MODELS_BY_OBJECT",
    "CaptureMethod",
    "ChargeSchedule",
    "ChargeScheduleStatus",
    "CheckoutSession",
    "CheckoutSessionMode",
    "Coupon",
    "DiscountType",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "PromotionCode",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "ScheduleInterval",
    "SmartpayObject",
    "Token",
    "TokenCharge",
    "TokenChargeStatus",
    "TokenStatus",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventStatus",
]
