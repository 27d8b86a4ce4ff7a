"""Writing charges: validation before anything is written, then the row, then the task on commit."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import conf, sync
from ..client import payloads
from ..client import validation as v
from ..client.constants import MAX_AMOUNT
from ..exceptions import SmartpayValidationError
from ..models import CaptureMethod, Token, TokenCharge, TokenChargeStatus, TokenStatus
from .dispatch import enqueue_on_commit, require_publisher

logger = logging.getLogger("django_smartpay.charging")

CURRENCY = "JPY"
REFERENCE_PREFIX = "tc_"
#: The payload fields a charge (and a schedule) keeps, as stored on the row.
PAYLOAD_FIELDS = (
    "amount",
    "currency",
    "items",
    "shipping_info",
    "customer_info",
    "metadata",
    "capture_method",
)


def invalid(text: str, code: str = "invalid", **params: Any) -> SmartpayValidationError:
    """A refusal: ``text % params`` in the active language, its stable ``code`` and ``params``.

    See ``django_smartpay.errors_text``.
    """
    message = text % params if params else text
    return SmartpayValidationError(message, code=code, params=params, details=[message])


def new_reference() -> str:
    """``tc_`` and 32 random hexadecimal digits (128 bits): 35 characters, within Smartpay's 40."""
    return REFERENCE_PREFIX + secrets.token_hex(16)


def new_key() -> str:
    """A fresh ``Idempotency-Key``: 40 URL-safe characters (240 random bits)."""
    return secrets.token_urlsafe(30)


def chargeable_token(token: Token | str) -> Token:
    """The local token row, if it can be charged with the configured secret key.

    An id without a local row is fetched from Smartpay and synced first (a GET).
    Raises ``ImproperlyConfigured`` first, before that or any other write, when charges
    could not be sent (no Celery and no publisher: :func:`.dispatch.require_publisher`).
    """
    require_publisher()
    if isinstance(token, Token):
        row = token
    elif isinstance(token, str):
        found = Token.objects.filter(smartpay_id=token).first()
        if found is None:
            synced = sync.sync_by_id(token)
            if not isinstance(synced, Token):
                raise invalid(_("%(id)s is not a token."), code="token.wrong-kind", id=token)
            found = synced
        row = found
    else:
        raise TypeError(f"expected a Token or its Smartpay id, not {type(token).__name__}")
    if row.status != TokenStatus.ACTIVE:
        raise invalid(
            _("Token %(id)s cannot be charged: its status is %(status)s."),
            code="token.not-chargeable",
            id=row.smartpay_id,
            status=row.get_status_display() or _("unknown"),
        )
    test_key = conf.is_test_mode()
    if row.test != test_key:
        raise invalid(
            _("Token %(id)s is a %(token_mode)s token but the secret key is a %(key_mode)s key."),
            code="token.mode-mismatch",
            id=row.smartpay_id,
            token_mode=_("test") if row.test else _("live"),
            key_mode=_("test") if test_key else _("live"),
        )
    return row


def validated_payload(
    token_id: str,
    amount: Any,
    currency: Any,
    *,
    items: Any,
    shipping_info: Any,
    customer_info: Any,
    capture_method: Any,
    metadata: Any,
    reference: Any = None,
) -> dict[str, Any]:
    """The snapshot to store, checked the way the client checks ``POST /orders``.

    Raises :class:`SmartpayValidationError` for an amount out of range, a currency
    other than JPY, and anything the client would refuse to send.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise invalid(
            _("The amount must be a positive whole number of yen up to %(max)d, not %(amount)r."),
            code="amount.out-of-range",
            max=MAX_AMOUNT,
            amount=amount,
        )
    if not isinstance(currency, str) or currency.upper() != CURRENCY:
        raise invalid(
            _("Smartpay charges in JPY only, not %(currency)r."), code="currency.not-jpy", currency=currency
        )
    if capture_method not in CaptureMethod.values:
        raise invalid(
            _("The capture method must be one of %(choices)s."),
            code="capture-method.invalid",
            choices=", ".join(CaptureMethod.values),
        )
    fields = {
        "token": token_id,
        "amount": amount,
        "currency": CURRENCY,
        "items": items,
        "shipping_info": shipping_info,
        "customer_info": {} if customer_info is None else customer_info,
        "capture_method": capture_method,
        "metadata": metadata,
        "reference": reference,
    }
    body = payloads.normalize_token_order(payloads.merge_payload("charge_token", None, fields))
    return {
        "amount": body["amount"],
        "currency": body["currency"],
        "items": body["items"],
        "shipping_info": body["shippingInfo"],
        "customer_info": body.get("customerInfo") or {},
        "metadata": body.get("metadata") or {},
        "capture_method": body.get("captureMethod") or CaptureMethod.AUTOMATIC,
    }


def _same_charge(
    charge: TokenCharge, token_id: str, payload: Mapping[str, Any], reference: str | None
) -> bool:
    if charge.token_id != token_id or (reference is not None and charge.reference != reference):
        return False
    return all(getattr(charge, name) == value for name, value in payload.items())


def charge_token(
    token: Token | str,
    amount: int,
    currency: str = CURRENCY,
    *,
    items: list[Mapping[str, Any]],
    shipping_info: Mapping[str, Any],
    customer_info: Mapping[str, Any] | None = None,
    capture_method: str = CaptureMethod.AUTOMATIC,
    reference: str | None = None,
    idempotency_key: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> TokenCharge:
    """Charge ``token`` once: write a ``pending`` charge and send it from Celery after commit.

    Nothing is sent here.  The row holds everything the request needs, its
    ``reference`` (generated when not given; at most 40 characters, unique) and
    its ``idempotency_key`` (generated when not given; fixed for every attempt).
    Calling again with the same ``idempotency_key`` and the same arguments returns
    the same charge instead of a second one.

    Raises :class:`~django_smartpay.exceptions.SmartpayValidationError` — before
    any row is written or any request is sent — for a non-positive amount, a
    currency other than JPY, a token that is not active, a token of the other
    mode (test/live) than the secret key, a reference or key already used by
    another charge, or a payload Smartpay would refuse; and
    :class:`~django.core.exceptions.ImproperlyConfigured`, before anything else, when
    nothing could send the charge (the ``celery`` extra is not installed and no
    publisher is set with :func:`.dispatch.use_publisher`).
    """
    row = chargeable_token(token)
    if reference is not None:
        if not isinstance(reference, str) or not 1 <= len(reference) <= v.MAX_REFERENCE_LENGTH:
            raise invalid(
                _("The reference must be 1 to %(max)d characters."),
                code="reference.invalid",
                max=v.MAX_REFERENCE_LENGTH,
            )
    payload = validated_payload(
        row.smartpay_id,
        amount,
        currency,
        items=items,
        shipping_info=shipping_info,
        customer_info=customer_info,
        capture_method=capture_method,
        metadata=metadata,
        reference=reference,
    )
    key = v.idempotency_key("charge_token", idempotency_key) or new_key()
    for _attempt in range(2):
        existing = TokenCharge.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if _same_charge(existing, row.smartpay_id, payload, reference):
                return existing
            raise invalid(
                _("This idempotency key was already used for another charge."), code="idempotency-key.reused"
            )
        if reference is not None and TokenCharge.objects.filter(reference=reference).exists():
            raise invalid(
                _("The reference %(reference)s is already used by another charge."),
                code="reference.used",
                reference=reference,
            )
        try:
            with transaction.atomic(using=router.db_for_write(TokenCharge)):
                charge = TokenCharge.objects.create(
                    token=row,
                    reference=reference or new_reference(),
                    idempotency_key=key,
                    next_attempt_at=timezone.now(),
                    **payload,
                )
                enqueue_on_commit([charge.pk])
        except IntegrityError:
            # Another call wrote the same key or reference meanwhile: look again.
            continue
        return charge
    raise invalid(
        _("This idempotency key or reference is being used by another charge."), code="charge.in-use"
    )


def cancel_charge(charge: TokenCharge | int) -> TokenCharge:
    """Cancel a charge that was never sent (``pending`` with no attempt)."""
    pk = charge.pk if isinstance(charge, TokenCharge) else charge
    updated = TokenCharge.objects.filter(pk=pk, status=TokenChargeStatus.PENDING, attempts=0).update(
        status=TokenChargeStatus.CANCELED, next_attempt_at=None, updated=timezone.now()
    )
    row = TokenCharge.objects.get(pk=pk)
    if not updated:
        raise invalid(
            _(
                "Charge %(reference)s cannot be canceled: it is %(status)s and was already sent %(attempts)d time(s)."
            ),
            code="charge.cannot-cancel",
            reference=row.reference,
            status=row.get_status_display(),
            attempts=row.attempts,
        )
    return row
