"""Tokens: a shopper's saved Smartpay payment method, charged later with ``POST /orders``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..client import constants as c
from .base import REFERENCE_MAX_LENGTH, SmartpayObject, user_link


class TokenStatus(models.TextChoices):
    REQUIRES_AUTHORIZATION = c.TOKEN_STATUS_REQUIRES_AUTHORIZATION, _("requires authorization")
    ACTIVE = c.TOKEN_STATUS_ACTIVE, _("active")
    REJECTED = c.TOKEN_STATUS_REJECTED, _("rejected")
    DISABLED = c.TOKEN_STATUS_DISABLED, _("disabled")
    DELETED = c.TOKEN_STATUS_DELETED, _("deleted")


class Token(SmartpayObject):
    """A token.  A token deleted at Smartpay stays here with status ``deleted``."""

    api_object = "token"

    status = models.CharField(_("status"), max_length=32, choices=TokenStatus.choices, blank=True)
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH, blank=True, db_index=True)
    user = user_link("smartpay_tokens")

    class Meta:
        verbose_name = _("token")
        verbose_name_plural = _("tokens")
        permissions = [("manage_token", _("Can disable, enable and delete tokens"))]
        indexes = [models.Index(fields=["status", "-smartpay_created"], name="smartpay_token_status_idx")]
