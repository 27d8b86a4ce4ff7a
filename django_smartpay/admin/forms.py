"""Forms of the confirmation pages: the signed key, amounts, reasons and acknowledgements.

Every form takes ``rows`` (the selected objects the action will run on) and
``signer`` (a :class:`~django_smartpay.admin.confirm.KeySigner`).  Amounts are
checked here against the local rows, so a wrong amount is a form error and no
request is sent; the services check them again before calling Smartpay.
"""

from __future__ import annotations

from typing import Any, Protocol

from django import forms
from django.utils.translation import gettext_lazy as _

from ..client.constants import CANCEL_REMAINDER_AUTOMATIC, CANCEL_REMAINDER_MANUAL
from ..models import Order, OrderStatus, Payment, RefundReason
from .display import format_amount


class Signer(Protocol):
    def unsign(self, value: Any) -> str | None: ...


class ConfirmForm(forms.Form):
    """A confirmation with nothing to fill in: only the signed key of the page."""

    confirmation = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, rows: list[Any], signer: Signer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.signer = signer
        self.key: str | None = None

    def clean_confirmation(self) -> str:
        key = self.signer.unsign(self.cleaned_data["confirmation"])
        if key is None:
            raise forms.ValidationError(
                _(
                    "This confirmation page was altered, has expired or belongs to someone else. "
                    "Go back to the list and start the action again."
                ),
                code="bad_signature",
            )
        self.key = key
        return self.cleaned_data["confirmation"]


class AmountForm(ConfirmForm):
    """A confirmation with an optional amount: blank means each row's whole available amount."""

    amount = forms.IntegerField(
        label=_("Amount (yen)"),
        required=False,
        min_value=1,
        help_text=_("A whole number of yen. Leave it blank to use the whole available amount of each row."),
    )
    #: Name of the row property giving the most the amount may be.
    limit_attribute = ""
    #: Formats the error of an amount above a row's limit.
    too_much: Any = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(self.rows) == 1 and self.limit(self.rows[0]) > 0:
            self.fields["amount"].initial = self.limit(self.rows[0])

    def limit(self, row: Any) -> int:
        return int(getattr(row, self.limit_attribute))

    def applies_to(self, row: Any) -> bool:
        """Whether the amount is checked against ``row`` (others fail with the service's message)."""
        return True

    def clean_amount(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return None
        for row in self.rows:
            if self.applies_to(row) and amount > self.limit(row):
                raise forms.ValidationError(
                    self.too_much
                    % {
                        "amount": format_amount(amount, row.currency),
                        "limit": format_amount(self.limit(row), row.currency),
                        "object": row,
                    },
                    code="too_much",
                )
        return amount


class CaptureForm(AmountForm):
    cancel_remainder = forms.ChoiceField(
        label=_("Rest of the authorization"),
        choices=[
            (CANCEL_REMAINDER_AUTOMATIC, _("Release what is not captured now (one capture only)")),
            (CANCEL_REMAINDER_MANUAL, _("Keep it for a later capture")),
        ],
        initial=CANCEL_REMAINDER_AUTOMATIC,
        widget=forms.RadioSelect,
    )
    limit_attribute = "capturable_amount"
    too_much = _("%(amount)s is more than the capturable amount %(limit)s of order %(object)s.")

    def applies_to(self, row: Order) -> bool:
        return row.status == OrderStatus.REQUIRES_CAPTURE


class RefundForm(AmountForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "---------"), *RefundReason.choices])
    description = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=255,
        help_text=_("Sent to Smartpay as the refund's description."),
    )
    limit_attribute = "refundable_amount"
    too_much = _("%(amount)s is more than the refundable amount %(limit)s of payment %(object)s.")

    def applies_to(self, row: Payment) -> bool:
        return row.refundable_amount > 0


class DeleteTokenForm(ConfirmForm):
    understood = forms.BooleanField(
        label=_("I understand that a deleted token can never be charged, enabled or restored."),
        required=True,
    )
