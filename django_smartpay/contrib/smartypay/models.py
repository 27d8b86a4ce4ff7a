"""``SmartyPayment``: the local mirror of a SmartyPay payment (its own table, never Smartpay's)."""

from __future__ import annotations

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.utils.translation import gettext_lazy as _

from .client.wire import decimal_text

#: Digits of ``amount_value``: 18 before the point and 18 after (token amounts of 18 decimals).
MAX_DIGITS = 36
DECIMAL_PLACES = 18
#: SQLite keeps a decimal column as a floating-point number: beyond 15 significant digits it rounds.
SQLITE_SIGNIFICANT_DIGITS = 15


def fits(value: Decimal, vendor: str) -> bool:
    """Whether the ``amount_value`` column of a ``vendor`` database stores ``value`` exactly."""
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    fraction = max(0, -exponent)
    whole = max(0, len(digits) + exponent)
    if fraction > DECIMAL_PLACES or whole > MAX_DIGITS - DECIMAL_PLACES:
        return False
    significant = len(str(int("".join(map(str, digits))))) if any(digits) else 1
    return vendor != "sqlite" or significant <= SQLITE_SIGNIFICANT_DIGITS


def has_nul(value: object) -> bool:
    """Whether a NUL character hides in ``value`` (PostgreSQL stores none in text or JSON)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


def amount_vendor() -> str:
    """The vendor of the database ``SmartyPayment`` rows are written to."""
    return connections[router.db_for_write(SmartyPayment)].vendor


class SmartyPayment(models.Model):
    """A SmartyPay one-time payment.

    ``reference`` is local: it is written before the create is sent and travels in the
    payment's metadata (``merchantReference``), so a create whose answer was lost can be
    found again.  ``smartypay_id`` is empty until SmartyPay has answered.  Every other
    SmartyPay column is written by :mod:`.sync` only.
    """

    reference = models.CharField(_("reference"), max_length=64, unique=True, editable=False)
    smartypay_id = models.CharField(_("SmartyPay id"), max_length=64, unique=True, null=True, blank=True)
    merchant_id = models.CharField(_("merchant id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=32, blank=True, db_index=True)
    amount_value = models.DecimalField(_("amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    amount_currency = models.CharField(_("token"), max_length=16)
    created_at = models.DateTimeField(_("created at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    description = models.TextField(_("description"), blank=True)
    error_code = models.CharField(_("error code"), max_length=100, blank=True)
    raw_data = models.JSONField(_("raw data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    create_error = models.CharField(
        _("create error"),
        max_length=100,
        blank=True,
        help_text=_(
            "Why the create failed or is unsettled: a SmartyPay error code, OutcomeUnknown or NotCreated."
        ),
    )
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SmartyPay payment")
        verbose_name_plural = _("SmartyPay payments")
        ordering = ["-recorded_at", "-pk"]
        permissions = [("refresh_smartypayment", _("Can refresh SmartyPay payments from SmartyPay"))]

    def __str__(self) -> str:
        return f"{self.smartypay_id or self.reference} ({self.amount_display})"

    @property
    def amount_display(self) -> str:
        """``15 bUSDT``: the value without trailing zeros after the point."""
        text = decimal_text(self.amount_value)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return f"{text} {self.amount_currency}"
