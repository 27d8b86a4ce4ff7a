"""Webhook endpoints registered at Smartpay, with the secret that signs their deliveries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import SmartpayObject


class WebhookEndpoint(SmartpayObject):
    """A webhook endpoint.

    ``signing_secret`` is kept only in its own column: :mod:`django_smartpay.sync`
    removes ``signingSecret`` from ``data``, and neither the admin nor ``repr()``
    shows it.  Smartpay returns it on creation; a later copy without it keeps the
    stored one.
    """

    api_object = "webhookEndpoint"

    url = models.URLField(_("URL"), max_length=2048)
    active = models.BooleanField(_("active"), default=True, db_index=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    event_subscriptions = models.JSONField(_("event subscriptions"), default=list, blank=True)
    signing_secret = models.CharField(_("signing secret"), max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
