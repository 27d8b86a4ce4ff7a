"""How the example shop uses django_smartpay: everything goes through its services.

Subscribing
    1. :func:`start_subscription`: a token checkout (``services.create_token_checkout_session``)
       for the signed-in user; the browser goes to Smartpay's checkout page.
    2. The shopper approves; Smartpay sends them to the success page and, separately,
       ``token.approved`` to the shop's webhook URL.
    3. :func:`finish_subscription` (the success page) reads the checkout back from Smartpay,
       so it does not depend on the webhook having arrived, then writes a monthly
       ``ChargeSchedule`` of the saved token and charges its first month at once
       (Celery beat charges the following months; here Celery runs eagerly).

Declined renewals
    A renewal Smartpay declines makes the schedule ``past_due`` (django_smartpay retries it
    by itself on ``DUNNING_RETRY_DAYS``); "my account" says "payment failed — update your
    payment method".  :func:`start_payment_update` is a token checkout like subscribing;
    :func:`finish_payment_update` hands the new token to ``charging.update_schedule_token``,
    which charges the unpaid month with it at once and makes the schedule active again.

Removing a payment method
    Deleting the token behind a subscription pauses the subscription (reason
    ``token.deleted``).  "My account" asks first and offers to *replace* it instead: the
    same token checkout, then the old token is deleted once the new one pays the plan.  A
    subscription paused that way is resumed by ``update_schedule_token`` with a new token.

Buying once
    :func:`start_purchase` is a standard checkout with ``capture_method="manual"``: the
    order is authorized at checkout and captured by staff from the admin when it ships.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from django_smartpay import charging, services
from django_smartpay.exceptions import SmartpayError
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, Order, Token, TokenStatus

from .account import LIVE_SCHEDULE_STATUSES
from .catalog import PLAN, SHIPPING_ADDRESS, SHIPPING_FEE, Product

SUBSCRIPTION_CHECKOUT = "shop.subscription_checkout"
PURCHASE_CHECKOUT = "shop.purchase_checkout"
PAYMENT_UPDATE_CHECKOUT = "shop.payment_update_checkout"
#: Schedules whose customer is asked for a new payment method.
NEEDS_PAYMENT_METHOD = (ChargeScheduleStatus.PAST_DUE, ChargeScheduleStatus.UNPAID)


def _customer(user: Any) -> dict[str, str]:
    return {"email_address": user.email} if user.email else {}


def _absolute(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


def start_subscription(request: HttpRequest) -> str:
    """Start a token checkout for the plan; return the Smartpay URL to send the browser to."""
    session = services.create_token_checkout_session(
        success_url=_absolute(request, "shop:subscribe-success"),
        cancel_url=_absolute(request, "shop:subscribe-cancel"),
        user=request.user,
        customer_info=_customer(request.user),
        reference=f"club-{request.user.pk}-{secrets.token_hex(4)}",
        metadata={"plan": PLAN.slug},
    )
    request.session[SUBSCRIPTION_CHECKOUT] = session.smartpay_id
    return session.url


def active_schedule(user: Any) -> ChargeSchedule | None:
    return (
        ChargeSchedule.objects.filter(token__user=user)
        .exclude(status__in=[ChargeScheduleStatus.CANCELED, ChargeScheduleStatus.COMPLETED])
        .first()
    )


def finish_subscription(request: HttpRequest) -> ChargeSchedule | None:
    """After the checkout: the schedule of the approved token (created once), or ``None``."""
    checkout_id = request.session.get(SUBSCRIPTION_CHECKOUT)
    if not checkout_id:
        return active_schedule(request.user)
    session = services.sync_by_id(checkout_id)  # the checkout and its token, as Smartpay has them
    token = Token.objects.filter(smartpay_id=session.token_id, user=request.user).first()
    if token is None or token.status != TokenStatus.ACTIVE:
        return None
    with transaction.atomic():  # one schedule per token, even if the page is loaded twice at once
        Token.objects.select_for_update().filter(pk=token.pk).first()
        schedule = ChargeSchedule.objects.filter(token=token).first()
        created = schedule is None
        if created:
            schedule = charging.create_schedule(
                token,
                PLAN.price,
                items=[{"name": str(PLAN.name), "amount": PLAN.price, "quantity": 1}],
                shipping_info={"address": SHIPPING_ADDRESS},
                customer_info=_customer(request.user),
                interval="monthly",
                metadata={"plan": PLAN.slug},
            )
    if created:
        # The first month now.  Celery beat runs this every few minutes in production
        # (django_smartpay.tasks.charge_due_schedules); it charges every due schedule.
        charging.charge_due_schedules()
        schedule.refresh_from_db()  # the run moved it to its next period
    del request.session[SUBSCRIPTION_CHECKOUT]
    return schedule


def start_payment_update(request: HttpRequest, schedule: ChargeSchedule, *, replace: bool = False) -> str:
    """A token checkout for a new payment method of ``schedule``; return the Smartpay URL.

    ``replace``: once the new one is saved, remove the old one (unless another subscription
    still uses it).
    """
    session = services.create_token_checkout_session(
        success_url=_absolute(request, "shop:payment-method-success"),
        cancel_url=_absolute(request, "shop:account"),
        user=request.user,
        customer_info=_customer(request.user),
        reference=f"club-{request.user.pk}-{secrets.token_hex(4)}",
        metadata={"plan": PLAN.slug, "schedule": str(schedule.pk)},
    )
    old_token = schedule.token_id if replace else None
    request.session[PAYMENT_UPDATE_CHECKOUT] = [session.smartpay_id, schedule.pk, old_token]
    return session.url


@dataclass
class PaymentUpdate:
    """How a payment method update ended."""

    schedule: ChargeSchedule | None
    #: The old payment method was removed as asked (``None``: nothing was asked).
    old_removed: bool | None = None


def finish_payment_update(request: HttpRequest) -> PaymentUpdate:
    """After the checkout: the schedule, paid with the new token (its unpaid month charged).

    ``schedule`` is ``None`` when Smartpay has not approved a new token.
    """
    pending = request.session.pop(PAYMENT_UPDATE_CHECKOUT, None)
    if not pending:
        return PaymentUpdate(None)
    checkout_id, schedule_pk, old_token = [*pending, None][:3]
    schedule = ChargeSchedule.objects.filter(pk=schedule_pk, token__user=request.user).first()
    session = services.sync_by_id(checkout_id)
    token = Token.objects.filter(smartpay_id=session.token_id, user=request.user).first()
    if schedule is None or token is None or token.status != TokenStatus.ACTIVE:
        return PaymentUpdate(None)
    schedule = charging.update_schedule_token(schedule, token)
    schedule.refresh_from_db()  # the charge ran eagerly here (a worker would do it in production)
    if not old_token or old_token == token.smartpay_id:
        return PaymentUpdate(schedule)
    return PaymentUpdate(schedule, remove_unused_token(request.user, old_token))


def remove_unused_token(user: Any, token_id: str) -> bool:
    """Delete the user's token at Smartpay unless a subscription still uses it; True once gone."""
    token = Token.objects.filter(smartpay_id=token_id, user=user).first()
    if token is None or token.status == TokenStatus.DELETED:
        return True
    if ChargeSchedule.objects.filter(token=token, status__in=LIVE_SCHEDULE_STATUSES).exists():
        return False
    try:
        services.delete_token(token)
    except SmartpayError:
        return False
    return True


def start_purchase(request: HttpRequest, product: Product) -> str:
    """Start a standard checkout with manual capture; return the Smartpay URL."""
    session = services.create_checkout_session(
        user=request.user,
        currency="JPY",
        items=[{"name": str(product.name), "amount": product.price, "quantity": 1}],
        shipping_info={"address": SHIPPING_ADDRESS, "fee_amount": SHIPPING_FEE},
        customer_info=_customer(request.user),
        capture_method="manual",
        reference=f"{product.slug}-{secrets.token_hex(6)}",
        success_url=_absolute(request, "shop:purchase-success"),
        cancel_url=_absolute(request, "shop:purchase-cancel"),
    )
    request.session[PURCHASE_CHECKOUT] = session.smartpay_id
    return session.url


def finish_purchase(request: HttpRequest) -> Order | None:
    """After the checkout: the user's order, as Smartpay has it now."""
    checkout_id = request.session.get(PURCHASE_CHECKOUT)
    if not checkout_id:
        return None
    session = services.sync_by_id(checkout_id)
    return Order.objects.filter(smartpay_id=session.order_id, user=request.user).first()
