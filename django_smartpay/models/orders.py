"""Orders and the money that moves on them: payments (captures) and refunds.

Amounts are integers in the smallest currency unit (JPY has none).  The totals
``Order.captured_amount``, ``Order.refunded_amount`` and
``Payment.refunded_amount`` are columns kept up to date by
:mod:`django_smartpay.sync` from the local payment and refund rows, so list
pages and admin columns read them without extra queries.  They are as complete
as the synced rows: run ``smartpay_sync`` (or rely on webhooks) to fill gaps.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..client import constants as c
from .base import CURRENCY_MAX_LENGTH, REFERENCE_MAX_LENGTH, SmartpayObject, smartpay_link, user_link

# The values are the API's, defined once in :mod:`django_smartpay.client.constants`.


class OrderStatus(models.TextChoices):
    REQUIRES_AUTHORIZATION = c.ORDER_STATUS_REQUIRES_AUTHORIZATION, _("requires authorization")
    REQUIRES_CAPTURE = c.ORDER_STATUS_REQUIRES_CAPTURE, _("requires capture")
    SUCCEEDED = c.ORDER_STATUS_SUCCEEDED, _("succeeded")
    CANCELED = c.ORDER_STATUS_CANCELED, _("canceled")
    REJECTED = c.ORDER_STATUS_REJECTED, _("rejected")
    PENDING = c.ORDER_STATUS_PENDING, _("pending")
    FAILED = c.ORDER_STATUS_FAILED, _("failed")


class PaymentStatus(models.TextChoices):
    PROCESSED = c.PAYMENT_STATUS_PROCESSED, _("processed")
    REFUNDED = c.PAYMENT_STATUS_REFUNDED, _("refunded")


class RefundStatus(models.TextChoices):
    SUCCEEDED = c.REFUND_STATUS_SUCCEEDED, _("succeeded")
    FAILED = c.REFUND_STATUS_FAILED, _("failed")


class RefundReason(models.TextChoices):
    REQUESTED_BY_CUSTOMER = c.REFUND_REQUEST_BY_CUSTOMER, _("requested by customer")
    FRAUDULENT = c.REFUND_FRAUDULENT, _("fraudulent")


class Charge(SmartpayObject):
    """Abstract: the columns orders, payments and refunds share."""

    amount = models.PositiveBigIntegerField(_("amount"), default=0)
    currency = models.CharField(_("currency"), max_length=CURRENCY_MAX_LENGTH, default=c.CURRENCY_JPY)
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH, blank=True, db_index=True)
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        abstract = True


class Order(Charge):
    api_object = "order"

    status = models.CharField(_("status"), max_length=32, choices=OrderStatus.choices, blank=True)
    expires_at = models.DateTimeField(_("capture deadline"), null=True, blank=True)
    token = smartpay_link("smartpay.Token", "orders", _("token"), "token_smartpay_id")
    user = user_link("smartpay_orders")
    captured_amount = models.PositiveBigIntegerField(_("captured amount"), default=0)
    refunded_amount = models.PositiveBigIntegerField(_("refunded amount"), default=0)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("capture_order", _("Can capture orders")),
            ("cancel_order", _("Can cancel orders")),
        ]
        indexes = [models.Index(fields=["status", "-smartpay_created"], name="smartpay_order_status_idx")]

    @property
    def capturable_amount(self) -> int:
        """What can still be captured: the uncaptured rest while the order awaits capture, else 0."""
        if self.status != OrderStatus.REQUIRES_CAPTURE:
            return 0
        return max(self.amount - self.captured_amount, 0)

    @property
    def refundable_amount(self) -> int:
        return max(self.captured_amount - self.refunded_amount, 0)


class Payment(Charge):
    api_object = "payment"

    status = models.CharField(_("status"), max_length=32, choices=PaymentStatus.choices, blank=True)
    order = smartpay_link("smartpay.Order", "payments", _("order"), "order_smartpay_id")
    refunded_amount = models.PositiveBigIntegerField(_("refunded amount"), default=0)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [("refund_payment", _("Can refund payments"))]
        indexes = [models.Index(fields=["status", "-smartpay_created"], name="smartpay_payment_status_idx")]

    @property
    def refundable_amount(self) -> int:
        """What can still be refunded: the amount less the succeeded refunds."""
        return max(self.amount - self.refunded_amount, 0)


class Refund(Charge):
    api_object = "refund"

    status = models.CharField(_("status"), max_length=32, choices=RefundStatus.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=32, choices=RefundReason.choices, blank=True)
    payment = smartpay_link("smartpay.Payment", "refunds", _("payment"), "payment_smartpay_id")

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["status", "-smartpay_created"], name="smartpay_refund_status_idx")]
