"""Columns shared by every mirrored Smartpay object.

Relations between mirrored objects are foreign keys **to the Smartpay id**
(``to_field="smartpay_id"``) without a database constraint.  The column holds
the other object's Smartpay id from the moment the referring object is synced,
so the relation resolves by itself when the other row arrives, in any order and
without a follow-up ``UPDATE``.  Consequences worth knowing:

- ``payment.order_id`` is the order's Smartpay id (``"order_test_…"``), not a
  local primary key;
- while the other row is missing, ``payment.order`` raises
  ``Order.DoesNotExist`` (``select_related`` gives ``None``); filter on
  ``order__pk__isnull=True`` to find such rows;
- deleting a row leaves the references to it in place (``DO_NOTHING``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SmartpayObject(models.Model):
    """Abstract base: Smartpay id, mode, metadata, times and the full last API object."""

    smartpay_id = models.CharField(_("Smartpay ID"), max_length=64, unique=True)
    test = models.BooleanField(_("test mode"), default=True, db_index=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    data = models.JSONField(
        _("API object"),
        default=dict,
        blank=True,
        help_text=_("The last object received from Smartpay, unknown fields included."),
    )
    smartpay_created = models.DateTimeField(_("created at Smartpay"), null=True, blank=True, db_index=True)
    smartpay_updated = models.DateTimeField(_("updated at Smartpay"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    #: The ``object`` value of the API objects this model mirrors.
    api_object: str = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.smartpay_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.pk} {self.smartpay_id}>"


def smartpay_link(model: str, related_name: str, verbose_name, column: str) -> models.ForeignKey:
    """A nullable foreign key to ``model`` by Smartpay id, with no database constraint."""
    return models.ForeignKey(
        model,
        to_field="smartpay_id",
        db_column=column,
        db_constraint=False,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name=related_name,
        verbose_name=verbose_name,
    )


def user_link(related_name: str) -> models.ForeignKey:
    """A nullable link to the project's user model."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
        verbose_name=_("user"),
    )


CURRENCY_MAX_LENGTH = 3
REFERENCE_MAX_LENGTH = 255
