"""The client's operations, one mixin per resource; :class:`~django_smartpay.client.SmartpayClient` combines them."""

from .checkout_sessions import CheckoutSessionsMixin, get_session_url
from .coupons import CouponsMixin
from .orders import OrdersMixin
from .payments import PaymentsMixin
from .promotion_codes import PromotionCodesMixin
from .refunds import RefundsMixin
from .tokens import TokensMixin
from .webhook_endpoints import WebhookEndpointsMixin

__all__ = [
    "CheckoutSessionsMixin",
    "CouponsMixin",
    "OrdersMixin",
    "PaymentsMixin",
    "PromotionCodesMixin",
    "RefundsMixin",
    "TokensMixin",
    "WebhookEndpointsMixin",
    "get_session_url",
]
