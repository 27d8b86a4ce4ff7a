"""Webhook events received from Smartpay: the raw delivery, and what became of it.

One row per event id (``Smartpay-Event-Id`` = the body's ``id``, spec §11), written by
:mod:`django_smartpay.webhooks`.  The row keeps the raw body exactly as signed, the
request headers with ``Smartpay-Signature`` redacted, and the outcome of the last
processing attempt.

The object an event changed is linked by its model label and Smartpay id
(``object_model``, ``object_smartpay_id``) rather than a generic foreign key: both are
known from the payload before anything is written, so the link costs no extra
statement on the webhook's hot path, and it stays meaningful even before the object's
row exists.  :attr:`WebhookEvent.obj` resolves it (one query).
"""

from __future__ import annotations

import builtins

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSED = "processed", _("processed")
    FAILED = "failed", _("failed")
    IGNORED = "ignored", _("ignored")


#: Statuses after which a redelivery changes nothing.
FINAL_STATUSES = frozenset({WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED})

EVENT_ID_MAX_LENGTH = 255
EVENT_TYPE_MAX_LENGTH = 64


class WebhookEvent(models.Model):
    """A webhook event, stored once per event id whatever the number of deliveries."""

    event_id = models.CharField(_("event ID"), max_length=EVENT_ID_MAX_LENGTH, unique=True)
    type = models.CharField(_("event type"), max_length=EVENT_TYPE_MAX_LENGTH, blank=True)
    test = models.BooleanField(_("test mode"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(
        _("processing attempts"), default=0, help_text=_("How many times applying the event was tried.")
    )
    subscription_id = models.CharField(
        _("webhook endpoint ID"),
        max_length=64,
        blank=True,
        help_text=_("The Smartpay-Subscription-Id header: the endpoint the event was sent to."),
    )
    object_model = models.CharField(
        _("object model"),
        max_length=100,
        blank=True,
        help_text=_("Label of the local model, e.g. smartpay.order."),
    )
    object_smartpay_id = models.CharField(_("object Smartpay ID"), max_length=64, blank=True, db_index=True)
    body = models.TextField(_("raw body"), blank=True)
    headers = models.JSONField(
        _("headers"), default=dict, blank=True, help_text=_("Request headers; the signature is redacted.")
    )
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    smartpay_created = models.DateTimeField(_("created at Smartpay"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [
            models.Index(fields=["status", "received_at"], name="smartpay_whevent_status_idx"),
            # The admin changelist: its default ordering, and its event type filter.
            models.Index(fields=["received_at", "id"], name="smartpay_whevent_received_idx"),
            models.Index(fields=["type", "received_at"], name="smartpay_whevent_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.type})" if self.type else self.event_id

    def __repr__(self) -> str:
        return f"<WebhookEvent {self.pk} {self.event_id} {self.type} {self.status}>"

    @property
    def object_class(self) -> builtins.type[models.Model] | None:
        """The model of the object the event is about (``None`` if none is mirrored)."""
        if not self.object_model:
            return None
        try:
            return apps.get_model(self.object_model)
        except (LookupError, ValueError):
            return None

    @property
    def obj(self) -> models.Model | None:
        """The local row of the object the event is about, if it exists (one query)."""
        model = self.object_class
        if model is None or not self.object_smartpay_id:
            return None
        return model._default_manager.filter(smartpay_id=self.object_smartpay_id).first()
