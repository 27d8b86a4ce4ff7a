"""factory-boy factories for every django_smartpay model.

Relations are consistent the way Smartpay makes them:

- ``OrderFactory()`` is an authorized token order awaiting capture: it has a
  ``TokenFactory`` token and that token's user (``token=None, user=…`` for a
  standard checkout order); ``OrderFactory(captured=True)`` is captured in full
  (status ``succeeded``, with its payment).
- ``PaymentFactory()`` captures its order in full (the order becomes
  ``succeeded`` and its totals follow); ``RefundFactory()`` refunds part of a
  payment (the payment's and the order's refunded totals follow, and a full
  refund marks the payment ``refunded``).
- ``CheckoutSessionFactory()`` is an approved token checkout;
  ``CheckoutSessionFactory(for_order=True)`` a standard one with its order.
- Smartpay ids have the right prefixes (``order_test_…``, ``paytok_test_…``),
  timestamps are whole milliseconds, and ``data`` holds the API object that the
  columns mirror (see :func:`django_smartpay.testing.objects.api_object`), unless
  you pass ``data=`` yourself.

Charges (``TokenChargeFactory``, ``ChargeScheduleFactory``) and webhook events
(``WebhookEventFactory``) are local rows; charges get their token from
``TokenFactory``, events their object from ``OrderFactory`` (``obj=``).

``factory.random.reseed_random(…)`` makes the generated ids repeatable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import factory
import factory.random
from django.db.models import Sum
from django.utils import timezone
from factory.django import DjangoModelFactory

from ..models import (
    ChargeSchedule,
    CheckoutSession,
    Coupon,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    PromotionCode,
    Refund,
    RefundStatus,
    Token,
    TokenCharge,
    WebhookEndpoint,
)
from ..models.events import WebhookEvent
from ..sync import from_ms, to_ms
from .objects import ADDRESS, SECRET_ALPHABET, api_object, random_string, smartpay_id
from .webhooks import build_event, event_body

ORDER_LIFETIME = dt.timedelta(days=7)


def now_ms() -> dt.datetime:
    """Now, truncated to whole milliseconds (Smartpay's resolution)."""
    return from_ms(to_ms(timezone.now()))  # type: ignore[return-value]


def _id(prefix: str) -> Any:
    return factory.LazyAttribute(lambda o: smartpay_id(prefix, live=not o.test, rng=factory.random.randgen))


def _related(row: Any, name: str) -> Any:
    """The related row: the very instance the factory was given (so it stays current), or fetched."""
    field = row._meta.get_field(name)
    if field.is_cached(row):
        return field.get_cached_value(row)
    value = getattr(row, field.attname)
    return field.related_model.objects.filter(**{field.target_field.name: value}).first() if value else None


def _after(moment: dt.datetime | None, other: dt.datetime | None) -> dt.datetime | None:
    if moment is None or other is None:
        return moment or other
    return max(moment, other)


class UserFactory(DjangoModelFactory):
    """A user of ``AUTH_USER_MODEL`` whose password is ``"password"``."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"shopper{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = factory.django.Password("password")


class SmartpayObjectFactory(DjangoModelFactory):
    """Base of the mirrored models: ``data`` is rendered from the columns after they are set."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    test = True
    metadata = factory.LazyFunction(dict)
    smartpay_created: factory.declarations.BaseDeclaration = factory.LazyFunction(now_ms)
    smartpay_updated = factory.SelfAttribute("smartpay_created")

    @classmethod
    def _build(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        instance = model_class(*args, **kwargs)
        if not kwargs.get("data"):
            instance.data = api_object(instance)
        return instance

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        given = kwargs.get("data")
        instance = model_class(*args, **kwargs)
        instance.save(force_insert=True)
        if not given:
            instance.data = api_object(instance)
            type(instance).objects.filter(pk=instance.pk).update(data=instance.data)
        cls._after_create(instance)
        return instance

    @classmethod
    def _after_create(cls, instance: Any) -> None:
        """Bring related rows in line with the new one (subclasses)."""


def refresh_payment(payment: Payment) -> Payment:
    """Recompute a payment's refunded total and status from its refunds, and its ``data``."""
    refunded = (
        Refund.objects.filter(payment_id=payment.smartpay_id, status=RefundStatus.SUCCEEDED).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    payment.refunded_amount = refunded
    if payment.status in (PaymentStatus.PROCESSED, PaymentStatus.REFUNDED):
        payment.status = PaymentStatus.REFUNDED if refunded >= payment.amount else PaymentStatus.PROCESSED
    latest = Refund.objects.filter(payment_id=payment.smartpay_id).order_by("-smartpay_updated").first()
    if latest is not None:
        payment.smartpay_updated = _after(payment.smartpay_updated, latest.smartpay_updated)
    payment.data = api_object(payment)
    payment.save(update_fields=["refunded_amount", "status", "smartpay_updated", "data", "updated"])
    return payment


def refresh_order(order: Order) -> Order:
    """Recompute an order's captured/refunded totals (and a full capture's status) and ``data``."""
    totals = Payment.objects.filter(order_id=order.smartpay_id).aggregate(
        captured=Sum("amount"), refunded=Sum("refunded_amount")
    )
    order.captured_amount = totals["captured"] or 0
    order.refunded_amount = totals["refunded"] or 0
    if order.status == OrderStatus.REQUIRES_CAPTURE and order.captured_amount >= order.amount > 0:
        order.status = OrderStatus.SUCCEEDED
    latest = Payment.objects.filter(order_id=order.smartpay_id).order_by("-smartpay_updated").first()
    if latest is not None:
        order.smartpay_updated = _after(order.smartpay_updated, latest.smartpay_updated)
    order.data = api_object(order)
    order.save(
        update_fields=["captured_amount", "refunded_amount", "status", "smartpay_updated", "data", "updated"]
    )
    return order


class TokenFactory(SmartpayObjectFactory):
    """An approved (``active``) token of a user."""

    class Meta:
        model = Token
        skip_postgeneration_save = True

    smartpay_id = _id("paytok")
    status = "active"
    reference = factory.Sequence(lambda n: f"token-{n}")
    user = factory.SubFactory(UserFactory)


class OrderFactory(SmartpayObjectFactory):
    """An authorized order awaiting capture (manual capture), made with a token of its user."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    class Params:
        captured = factory.Trait(
            payment=factory.RelatedFactory(
                "django_smartpay.testing.factories.PaymentFactory",
                factory_related_name="order",
                amount=factory.SelfAttribute("..amount"),
            )
        )

    smartpay_id = _id("order")
    amount = 2000
    currency = "JPY"
    status = OrderStatus.REQUIRES_CAPTURE
    reference = factory.Sequence(lambda n: f"order-{n}")
    token = factory.SubFactory(TokenFactory, test=factory.SelfAttribute("..test"))
    user = factory.LazyAttribute(lambda o: o.token.user if o.token is not None else None)
    expires_at = factory.LazyAttribute(
        lambda o: (
            o.smartpay_created + ORDER_LIFETIME
            if o.status in (OrderStatus.REQUIRES_CAPTURE, OrderStatus.SUCCEEDED)
            else None
        )
    )


class PaymentFactory(SmartpayObjectFactory):
    """A capture of its whole order; the order's totals and status follow."""

    class Meta:
        model = Payment
        skip_postgeneration_save = True

    smartpay_id = _id("payment")
    order = factory.SubFactory(OrderFactory, test=factory.SelfAttribute("..test"))
    amount = factory.SelfAttribute("order.amount")
    currency = factory.SelfAttribute("order.currency")
    status = PaymentStatus.PROCESSED
    smartpay_created = factory.LazyAttribute(lambda o: _after(now_ms(), o.order.smartpay_created))

    @classmethod
    def _after_create(cls, instance: Payment) -> None:
        order = _related(instance, "order")
        if order is not None:
            refresh_order(order)


class RefundFactory(SmartpayObjectFactory):
    """A refund of part of a payment (at most ¥1,000); the payment's and order's totals follow."""

    class Meta:
        model = Refund
        skip_postgeneration_save = True

    smartpay_id = _id("refund")
    payment = factory.SubFactory(PaymentFactory, test=factory.SelfAttribute("..test"))
    amount = factory.LazyAttribute(lambda o: min(1000, o.payment.amount))
    currency = factory.SelfAttribute("payment.currency")
    status = RefundStatus.SUCCEEDED
    reason = "requested_by_customer"
    smartpay_created = factory.LazyAttribute(lambda o: _after(now_ms(), o.payment.smartpay_created))

    @classmethod
    def _after_create(cls, instance: Refund) -> None:
        payment = _related(instance, "payment")
        if payment is None:
            return
        refresh_payment(payment)
        order = _related(payment, "order")
        if order is not None:
            refresh_order(order)


def _checkout_url(o: Any) -> str:
    stamp = random_string(6, rng=factory.random.randgen)
    signature = random_string(86, rng=factory.random.randgen)
    return f"https://checkout.smartpay.co/{o.smartpay_id}.{stamp}.{signature}"


class CheckoutSessionFactory(SmartpayObjectFactory):
    """An approved token checkout; ``for_order=True`` makes a standard checkout with its order."""

    class Meta:
        model = CheckoutSession
        skip_postgeneration_save = True

    class Params:
        for_order = factory.Trait(
            mode="order",
            token=None,
            order=factory.SubFactory(
                OrderFactory,
                token=None,
                user=factory.SubFactory(UserFactory),
                test=factory.SelfAttribute("..test"),
            ),
        )

    smartpay_id = _id("checkout")
    mode = "token"
    url = factory.LazyAttribute(_checkout_url)
    reference = factory.Sequence(lambda n: f"checkout-{n}")
    token = factory.SubFactory(TokenFactory, test=factory.SelfAttribute("..test"))
    order = None
    user = factory.LazyAttribute(
        lambda o: o.token.user if o.token is not None else (o.order.user if o.order is not None else None)
    )


class CouponFactory(SmartpayObjectFactory):
    """An active ¥500-off coupon."""

    class Meta:
        model = Coupon
        skip_postgeneration_save = True

    smartpay_id = _id("coupon")
    name = factory.Sequence(lambda n: f"Coupon {n}")
    discount_type = "amount"
    discount_amount = 500
    currency = "JPY"
    active = True


class PromotionCodeFactory(SmartpayObjectFactory):
    """An active promotion code of a coupon."""

    class Meta:
        model = PromotionCode
        skip_postgeneration_save = True

    smartpay_id = _id("promotioncode")
    code = factory.Sequence(lambda n: f"SPRING{n}")
    coupon = factory.SubFactory(CouponFactory, test=factory.SelfAttribute("..test"))
    currency = factory.SelfAttribute("coupon.currency")
    active = True


def _signing_secret() -> str:
    return random_string(40, SECRET_ALPHABET, rng=factory.random.randgen)


class WebhookEndpointFactory(SmartpayObjectFactory):
    """An active endpoint for every event, with its signing secret (never in ``data``)."""

    class Meta:
        model = WebhookEndpoint
        skip_postgeneration_save = True

    smartpay_id = _id("webhookendpoint")
    url = factory.Sequence(lambda n: f"https://shop{n}.example.jp/smartpay/webhook/")
    active = True
    event_subscriptions = factory.LazyFunction(list)
    signing_secret = factory.LazyFunction(_signing_secret)


def _items(o: Any) -> list[dict[str, Any]]:
    return [{"name": "Monthly plan", "amount": o.amount, "currency": o.currency, "quantity": 1}]


class ChargeScheduleFactory(DjangoModelFactory):
    """An active monthly schedule of an active token, due now."""

    class Meta:
        model = ChargeSchedule
        skip_postgeneration_save = True

    token = factory.SubFactory(TokenFactory)
    amount = 980
    currency = "JPY"
    items = factory.LazyAttribute(_items)
    shipping_info = factory.LazyFunction(lambda: {"address": dict(ADDRESS)})
    customer_info = factory.LazyFunction(dict)
    interval = "monthly"
    interval_count = 1
    next_run_at = factory.LazyFunction(now_ms)
    day_of_month = factory.LazyAttribute(lambda o: timezone.localtime(o.next_run_at).day)
    status = "active"


class TokenChargeFactory(DjangoModelFactory):
    """A pending charge of a token; ``succeeded=True`` gives it its captured order."""

    class Meta:
        model = TokenCharge
        skip_postgeneration_save = True

    class Params:
        succeeded = factory.Trait(
            status="succeeded",
            attempts=1,
            first_attempt_at=factory.LazyFunction(now_ms),
            order=factory.SubFactory(
                OrderFactory,
                token=factory.SelfAttribute("..token"),
                amount=factory.SelfAttribute("..amount"),
                reference=factory.SelfAttribute("..reference"),
                captured=True,
            ),
        )

    token = factory.SubFactory(TokenFactory)
    reference = factory.Sequence(lambda n: f"charge-{n}")
    idempotency_key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    amount = 980
    currency = "JPY"
    items = factory.LazyAttribute(_items)
    shipping_info = factory.LazyFunction(lambda: {"address": dict(ADDRESS)})
    customer_info = factory.LazyFunction(dict)
    status = "pending"
    order = None


class WebhookEventFactory(DjangoModelFactory):
    """A processed ``order.authorized`` event about an ``OrderFactory`` order.

    Pass ``obj=`` (any mirrored row) and ``type=`` for another event; ``body`` is the
    signed envelope Smartpay would have sent, built from ``obj.data``.
    """

    class Meta:
        model = WebhookEvent
        exclude = ("obj", "envelope")
        skip_postgeneration_save = True

    obj = factory.SubFactory(OrderFactory)
    type = "order.authorized"
    envelope = factory.LazyAttribute(lambda o: build_event(o.obj, o.type))
    event_id = factory.LazyAttribute(lambda o: o.envelope["id"])
    test = factory.LazyAttribute(lambda o: o.obj.test)
    status = "processed"
    attempts = 1
    object_model = factory.LazyAttribute(lambda o: o.obj._meta.label_lower)
    object_smartpay_id = factory.LazyAttribute(lambda o: o.obj.smartpay_id)
    body = factory.LazyAttribute(lambda o: event_body(o.envelope).decode("utf-8"))
    smartpay_created = factory.LazyAttribute(lambda o: from_ms(o.envelope["createdAt"]))
    processed_at = factory.LazyFunction(timezone.now)


__all__ = [
    "ChargeScheduleFactory",
    "CheckoutSessionFactory",
    "CouponFactory",
    "OrderFactory",
    "PaymentFactory",
    "PromotionCodeFactory",
    "RefundFactory",
    "SmartpayObjectFactory",
    "TokenChargeFactory",
    "TokenFactory",
    "UserFactory",
    "WebhookEndpointFactory",
    "WebhookEventFactory",
    "now_ms",
    "refresh_order",
    "refresh_payment",
]
