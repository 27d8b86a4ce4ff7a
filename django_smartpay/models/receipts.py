"""Receipts of confirmed admin actions, so that a second submit of one page sends nothing.

One row per (confirmation page, row) that succeeded, keyed by the idempotency key the
action used: looking a page up is one query on a unique index, never a search of log text.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActionReceipt(models.Model):
    """An admin action that succeeded on one row, under the idempotency key ``key``."""

    key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    result = models.TextField(_("result"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("admin action receipt")
        verbose_name_plural = _("admin action receipts")

    def __str__(self) -> str:
        return self.key
