"""Coupons and the promotion codes that shoppers type to apply them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..client import constants as c
from .base import CURRENCY_MAX_LENGTH, SmartpayObject, smartpay_link


class DiscountType(models.TextChoices):
    AMOUNT = c.COUPON_DISCOUNT_TYPE_AMOUNT, _("fixed amount")
    PERCENTAGE = c.COUPON_DISCOUNT_TYPE_PERCENTAGE, _("percentage")


class Redeemable(SmartpayObject):
    """Abstract: what coupons and promotion codes share."""

    active = models.BooleanField(_("active"), default=True, db_index=True)
    currency = models.CharField(_("currency"), max_length=CURRENCY_MAX_LENGTH, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    max_redemption_count = models.PositiveIntegerField(_("maximum redemptions"), null=True, blank=True)
    redemption_count = models.PositiveIntegerField(_("redemptions"), default=0)

    class Meta:
        abstract = True


class Coupon(Redeemable):
    api_object = "coupon"

    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    discount_type = models.CharField(
        _("discount type"), max_length=16, choices=DiscountType.choices, blank=True
    )
    discount_amount = models.PositiveBigIntegerField(_("discount amount"), null=True, blank=True)
    discount_percentage = models.DecimalField(
        _("discount percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    sponsored = models.BooleanField(_("sponsored by Smartpay"), default=False)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        permissions = [("manage_coupon", _("Can activate and deactivate coupons"))]


class PromotionCode(Redeemable):
    """A promotion code.  ``coupon`` stays empty until the coupon's id is known."""

    api_object = "promotionCode"

    code = models.CharField(_("code"), max_length=100, db_index=True)
    coupon = smartpay_link("smartpay.Coupon", "promotion_codes", _("coupon"), "coupon_smartpay_id")
    minimum_amount = models.PositiveBigIntegerField(_("minimum amount"), null=True, blank=True)
    first_time_transaction = models.BooleanField(_("first purchase only"), default=False)
    one_per_customer = models.BooleanField(_("once per customer"), default=False)

    class Meta:
        verbose_name = _("promotion code")
        verbose_name_plural = _("promotion codes")
        permissions = [("manage_promotioncode", _("Can activate and deactivate promotion codes"))]
