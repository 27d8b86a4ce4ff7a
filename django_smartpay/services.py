"""Business operations on Smartpay: validate locally, call the API, sync, return the row.

Doors (admin, DRF, tasks, commands) call these and nothing lower.  Each refuses what cannot
succeed with :class:`~django_smartpay.exceptions.SmartpayValidationError` before any request,
passes ``idempotency_key`` on, and syncs the answer; an unknown id is fetched and synced first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from . import conf
from .charging import charge_token
from .exceptions import SmartpayValidationError
from .models import (
    CheckoutSession,
    Coupon,
    Order,
    OrderStatus,
    Payment,
    PromotionCode,
    Refund,
    RefundReason,
    SmartpayObject,
    Token,
    TokenStatus,
    WebhookEndpoint,
)
from .sync import RESOURCES, mark_token_deleted, sync_by_id, sync_object, sync_page

M = TypeVar("M", bound=SmartpayObject)


def _invalid(text: str, code: str, **params: Any) -> SmartpayValidationError:
    """A refusal: ``text % params`` in the active language, its stable ``code`` and ``params``.

    See ``django_smartpay.errors_text``.
    """
    message = text % params if params else text
    return SmartpayValidationError(message, code=code, params=params, details=[message])


def _local(model: type[M], obj: M | str) -> M:
    """The current local row for ``obj`` (a row, re-read; or an id, fetched if unknown)."""
    if isinstance(obj, model):
        obj.refresh_from_db()
        return obj
    if isinstance(obj, str):
        row = model._default_manager.filter(smartpay_id=obj).first()
        return row if row is not None else sync_by_id(obj, model)
    raise TypeError(f"expected a {model.__name__} or its Smartpay id, not {type(obj).__name__}")


def _positive_amount(amount: Any, limit: int, too_much: str, code: str) -> int:
    """``amount`` if it is a whole number in 1..limit; ``too_much`` is the refusal above it."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise _invalid(
            _("The amount must be a positive whole number, not %(amount)r."),
            code="amount.not-positive",
            amount=amount,
        )
    if amount > limit:
        raise _invalid(too_much, code=code, amount=amount, limit=limit)
    return amount


# --- sync by id / by kind -------------------------------------------------------------------


def sync_all(
    kind: str,
    *,
    page_size: int = 100,
    max_pages: int | None = None,
    on_page: Callable[[str, int, int], None] | None = None,
) -> int:
    """Page through ``GET /<kind>`` and bulk-upsert every page; return the number of objects.

    ``on_page(kind, page_number, objects_so_far)`` is called after each page.
    """
    lister = getattr(conf.get_client(), RESOURCES[kind].lister)
    page_token, pages, total = None, 0, 0
    while max_pages is None or pages < max_pages:
        page = lister(max_results=page_size, page_token=page_token)
        total += len(sync_page(page))
        pages += 1
        if on_page is not None:
            on_page(kind, pages, total)
        page_token = page.get("nextPageToken")
        if not page_token:
            break
    return total


# --- checkout sessions --------------------------------------------------------------------


def create_checkout_session(
    *, user: Any = None, idempotency_key: str | None = None, **payload: Any
) -> CheckoutSession:
    """Start a checkout: a standard order, or a token with ``mode="token"``.

    ``payload`` is what :meth:`SmartpayClient.create_checkout_session` takes (the
    client checks it before sending).  ``user`` is linked to the session and to
    the order or token it creates (and so to the token's future orders).
    """
    if user is not None and getattr(user, "pk", None) is None:
        raise _invalid(
            _("The user must be saved before a checkout is started for them."), code="checkout.user-not-saved"
        )
    data = conf.get_client().create_checkout_session(idempotency_key=idempotency_key, **payload)
    return sync_object(data, user=user, model=CheckoutSession)


def create_token_checkout_session(
    *, success_url: str, cancel_url: str, user: Any = None, idempotency_key: str | None = None, **payload: Any
) -> CheckoutSession:
    """Start a token checkout (the shopper saves Smartpay as a payment method)."""
    return create_checkout_session(
        mode="token",
        success_url=success_url,
        cancel_url=cancel_url,
        user=user,
        idempotency_key=idempotency_key,
        **payload,
    )


# --- orders, payments, refunds ----------------------------------------------------------------


def capture_order(
    order: Order | str,
    amount: int | None = None,
    *,
    cancel_remainder: str | None = None,
    reference: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Payment:
    """Capture ``amount`` (default: all that is capturable) of an authorized order.

    The order is fetched again afterwards, since a capture changes its status.
    """
    order = _local(Order, order)
    if order.status != OrderStatus.REQUIRES_CAPTURE:
        raise _invalid(
            _("Order %(id)s cannot be captured: its status is %(status)s."),
            code="order.cannot-capture",
            id=order.smartpay_id,
            status=order.get_status_display(),
        )
    capturable = order.capturable_amount
    amount = _positive_amount(
        capturable if amount is None else amount,
        capturable,
        _("The amount %(amount)d exceeds the capturable amount %(limit)d."),
        "amount.exceeds-capturable",
    )
    data = conf.get_client().create_payment(
        order.smartpay_id,
        amount,
        order.currency,
        cancel_remainder=cancel_remainder,
        reference=reference,
        description=description,
        metadata=metadata,
        idempotency_key=idempotency_key,
    )
    payment = sync_object(data, model=Payment)
    sync_object(conf.get_client().get_order(order.smartpay_id), model=Order)
    return payment


def cancel_order(order: Order | str, *, idempotency_key: str | None = None) -> Order:
    """Cancel an authorized order, releasing what was not captured (irreversible)."""
    order = _local(Order, order)
    if order.status != OrderStatus.REQUIRES_CAPTURE:
        raise _invalid(
            _("Order %(id)s cannot be canceled: its status is %(status)s."),
            code="order.cannot-cancel",
            id=order.smartpay_id,
            status=order.get_status_display(),
        )
    return sync_object(
        conf.get_client().cancel_order(order.smartpay_id, idempotency_key=idempotency_key), model=Order
    )


def refund_payment(
    payment: Payment | str,
    amount: int | None = None,
    *,
    reason: str,
    reference: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Refund:
    """Refund ``amount`` (default: all that is refundable) of a payment; ``reason`` is required.

    The payment is fetched again afterwards, since a full refund changes its status.
    """
    payment = _local(Payment, payment)
    if reason not in RefundReason.values:
        raise _invalid(
            _("The refund reason must be one of %(reasons)s."),
            code="refund.reason-invalid",
            reasons=", ".join(RefundReason.values),
        )
    refundable = payment.refundable_amount
    if refundable <= 0:
        raise _invalid(
            _("Payment %(id)s has nothing left to refund."),
            code="payment.nothing-to-refund",
            id=payment.smartpay_id,
        )
    amount = _positive_amount(
        refundable if amount is None else amount,
        refundable,
        _("The amount %(amount)d exceeds the refundable amount %(limit)d."),
        "amount.exceeds-refundable",
    )
    data = conf.get_client().create_refund(
        payment.smartpay_id,
        amount,
        payment.currency,
        reason,
        reference=reference,
        description=description,
        metadata=metadata,
        idempotency_key=idempotency_key,
    )
    refund = sync_object(data, model=Refund)
    sync_object(conf.get_client().get_payment(payment.smartpay_id), model=Payment)
    return refund


def update_payment(payment: Payment | str, *, idempotency_key: str | None = None, **fields: Any) -> Payment:
    """Change a payment's ``reference``, ``description`` or ``metadata``."""
    payment = _local(Payment, payment)
    data = conf.get_client().update_payment(payment.smartpay_id, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=Payment)


def update_refund(refund: Refund | str, *, idempotency_key: str | None = None, **fields: Any) -> Refund:
    """Change a refund's ``reference``, ``description`` or ``metadata``."""
    refund = _local(Refund, refund)
    data = conf.get_client().update_refund(refund.smartpay_id, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=Refund)


# --- tokens -----------------------------------------------------------------------------------


def _token_in(token: Token | str, allowed: tuple[str, ...], refusal: str, code: str) -> Token:
    """The token, if its status is one of ``allowed``; ``refusal`` formats the error otherwise."""
    token = _local(Token, token)
    if token.status not in allowed:
        raise _invalid(refusal, code=code, id=token.smartpay_id, status=token.get_status_display())
    return token


def _set_token(token: Token, method: str, idempotency_key: str | None) -> Token:
    client = conf.get_client()
    data = getattr(client, method)(token.smartpay_id, idempotency_key=idempotency_key)
    return sync_object(data if data else client.get_token(token.smartpay_id), model=Token)


def enable_token(token: Token | str, *, idempotency_key: str | None = None) -> Token:
    """Allow a disabled token to be charged again."""
    token = _token_in(
        token,
        (TokenStatus.DISABLED,),
        _("Token %(id)s cannot be enabled: its status is %(status)s."),
        "token.cannot-enable",
    )
    return _set_token(token, "enable_token", idempotency_key)


def disable_token(token: Token | str, *, idempotency_key: str | None = None) -> Token:
    """Stop an active token from being charged until it is enabled again."""
    token = _token_in(
        token,
        (TokenStatus.ACTIVE,),
        _("Token %(id)s cannot be disabled: its status is %(status)s."),
        "token.cannot-disable",
    )
    return _set_token(token, "disable_token", idempotency_key)


def delete_token(token: Token | str, *, idempotency_key: str | None = None) -> Token:
    """Delete a token at Smartpay (final).  The row stays, with status ``deleted``."""
    allowed = tuple(status for status in TokenStatus.values if status != TokenStatus.DELETED)
    token = _token_in(
        token, allowed, _("Token %(id)s cannot be deleted: its status is %(status)s."), "token.cannot-delete"
    )
    conf.get_client().delete_token(token.smartpay_id, idempotency_key=idempotency_key)
    return mark_token_deleted(token)


# --- coupons and promotion codes ------------------------------------------------------------


def create_coupon(*, idempotency_key: str | None = None, **fields: Any) -> Coupon:
    """Create a coupon (``name``, ``discount_type``, ``discount_amount``/``discount_percentage``, …)."""
    return sync_object(
        conf.get_client().create_coupon(idempotency_key=idempotency_key, **fields), model=Coupon
    )


def update_coupon(coupon: Coupon | str, *, idempotency_key: str | None = None, **fields: Any) -> Coupon:
    """Change a coupon's ``name``, ``active`` or ``metadata``."""
    coupon = _local(Coupon, coupon)
    data = conf.get_client().update_coupon(coupon.smartpay_id, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=Coupon)


def create_promotion_code(
    coupon: Coupon | str, code: str, *, idempotency_key: str | None = None, **fields: Any
) -> PromotionCode:
    """Create a promotion code for a coupon; the row is linked to the coupon."""
    coupon_id = coupon.smartpay_id if isinstance(coupon, Coupon) else coupon
    data = conf.get_client().create_promotion_code(coupon_id, code, idempotency_key=idempotency_key, **fields)
    promotion_code = sync_object(data, model=PromotionCode)
    if promotion_code.coupon_id is None:
        # Smartpay may leave the coupon out of the object (spec §10.16); we know it here.
        PromotionCode.objects.filter(pk=promotion_code.pk).update(coupon_id=coupon_id)
        promotion_code.coupon_id = coupon_id
    return promotion_code


def update_promotion_code(
    promotion_code: PromotionCode | str, *, idempotency_key: str | None = None, **fields: Any
) -> PromotionCode:
    """Change a promotion code's ``active`` or ``metadata``."""
    promotion_code = _local(PromotionCode, promotion_code)
    client = conf.get_client()
    data = client.update_promotion_code(promotion_code.smartpay_id, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=PromotionCode)


# --- webhook endpoints ------------------------------------------------------------------------


def create_webhook_endpoint(
    url: str, *, idempotency_key: str | None = None, **fields: Any
) -> WebhookEndpoint:
    """Register ``url`` for webhooks; its signing secret is stored on the row (never shown)."""
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise _invalid(
            _("%(url)r is not a valid URL."), code="webhook-endpoint.url-invalid", url=url
        ) from None
    data = conf.get_client().create_webhook_endpoint(url, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=WebhookEndpoint)


def update_webhook_endpoint(
    endpoint: WebhookEndpoint | str, *, idempotency_key: str | None = None, **fields: Any
) -> WebhookEndpoint:
    """Change an endpoint's ``url``, ``event_subscriptions``, ``description``, ``metadata`` or ``active``."""
    endpoint = _local(WebhookEndpoint, endpoint)
    client = conf.get_client()
    data = client.update_webhook_endpoint(endpoint.smartpay_id, idempotency_key=idempotency_key, **fields)
    return sync_object(data, model=WebhookEndpoint)


def delete_webhook_endpoint(endpoint: WebhookEndpoint | str, *, idempotency_key: str | None = None) -> None:
    """Delete an endpoint at Smartpay, then its row (and with it the signing secret)."""
    endpoint = _local(WebhookEndpoint, endpoint)
    conf.get_client().delete_webhook_endpoint(endpoint.smartpay_id, idempotency_key=idempotency_key)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


__all__ = [
    "cancel_order",
    "capture_order",
    "charge_token",
    "create_checkout_session",
    "create_coupon",
    "create_promotion_code",
    "create_token_checkout_session",
    "create_webhook_endpoint",
    "delete_token",
    "delete_webhook_endpoint",
    "disable_token",
    "enable_token",
    "refund_payment",
    "sync_all",
    "sync_by_id",
    "update_coupon",
    "update_payment",
    "update_promotion_code",
    "update_refund",
    "update_webhook_endpoint",
]
