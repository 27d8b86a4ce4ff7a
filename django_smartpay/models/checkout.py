"""Checkout sessions: where a shopper is sent to approve an order or a token."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..client import constants as c
from .base import REFERENCE_MAX_LENGTH, SmartpayObject, smartpay_link, user_link


class CheckoutSessionMode(models.TextChoices):
    ORDER = "order", _("order")  # a standard session: the API leaves ``mode`` out
    TOKEN = c.CHECKOUT_MODE_TOKEN, _("token")


class CheckoutSession(SmartpayObject):
    """A checkout session; ``order`` is set for standard sessions, ``token`` for token sessions."""

    api_object = "checkoutSession"

    mode = models.CharField(_("mode"), max_length=16, choices=CheckoutSessionMode.choices, blank=True)
    url = models.URLField(_("checkout URL"), max_length=2048, blank=True)
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH, blank=True, db_index=True)
    order = smartpay_link("smartpay.Order", "checkout_sessions", _("order"), "order_smartpay_id")
    token = smartpay_link("smartpay.Token", "checkout_sessions", _("token"), "token_smartpay_id")
    user = user_link("smartpay_checkout_sessions")

    class Meta:
        verbose_name = _("checkout session")
        verbose_name_plural = _("checkout sessions")
