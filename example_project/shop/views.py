"""Pages of the example shop: the catalog, sign-up, checkouts and "my account"."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from django_smartpay import charging, services
from django_smartpay.conf import get_client
from django_smartpay.exceptions import SmartpayError, SmartpayValidationError
from django_smartpay.models import ChargeSchedule, Order, Payment, Token, TokenCharge, TokenStatus

from . import payments
from .catalog import PLAN, PRODUCTS, PRODUCTS_BY_SLUG, SHIPPING_FEE
from .forms import SignupForm

logger = logging.getLogger(__name__)


def _smartpay_status() -> tuple[bool, str]:
    try:
        get_client().list_orders(max_results=1)
    except SmartpayError as exc:  # the page reports it instead of failing
        return False, str(exc)
    return True, ""


def home(request: HttpRequest) -> HttpResponse:
    reachable, problem = _smartpay_status()
    context = {
        "plan": PLAN,
        "products": PRODUCTS,
        "shipping_fee": SHIPPING_FEE,
        "subscription": payments.active_schedule(request.user) if request.user.is_authenticated else None,
        "api_base": settings.SMARTPAY["API_BASE"],
        "reachable": reachable,
        "problem": problem,
    }
    return render(request, "shop/home.html", context)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.username}!")
        return redirect("shop:home")
    return render(request, "shop/signup.html", {"form": form})


def _unavailable(request: HttpRequest, exc: SmartpayError) -> HttpResponse:
    logger.warning("smartpay call failed: %s", exc)
    if isinstance(exc, SmartpayValidationError):
        messages.error(request, exc.message)
    else:
        messages.error(request, "Smartpay cannot be reached right now. Please try again in a moment.")
    return redirect("shop:home")


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    if payments.active_schedule(request.user) is not None:
        messages.info(request, "You are already a member of the Matcha Club.")
        return redirect("shop:account")
    try:
        return redirect(payments.start_subscription(request))
    except SmartpayError as exc:
        return _unavailable(request, exc)


@login_required
def subscribe_success(request: HttpRequest) -> HttpResponse:
    try:
        schedule = payments.finish_subscription(request)
    except SmartpayError as exc:
        return _unavailable(request, exc)
    first_charge = schedule.charges.order_by("created").first() if schedule else None
    return render(
        request, "shop/subscribed.html", {"schedule": schedule, "charge": first_charge, "plan": PLAN}
    )


@login_required
def subscribe_cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/canceled.html", {"what": "subscription"})


@login_required
@require_POST
def buy(request: HttpRequest, slug: str) -> HttpResponse:
    product = PRODUCTS_BY_SLUG.get(slug)
    if product is None:
        raise Http404("No such product")
    try:
        return redirect(payments.start_purchase(request, product))
    except SmartpayError as exc:
        return _unavailable(request, exc)


@login_required
def purchase_success(request: HttpRequest) -> HttpResponse:
    try:
        order = payments.finish_purchase(request)
    except SmartpayError as exc:
        return _unavailable(request, exc)
    return render(request, "shop/purchased.html", {"order": order})


@login_required
def purchase_cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/canceled.html", {"what": "purchase"})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    payments_with_refunds = Payment.objects.order_by("smartpay_created").prefetch_related("refunds")
    context = {
        "tokens": Token.objects.filter(user=user)
        .exclude(status=TokenStatus.DELETED)
        .order_by("-smartpay_created"),
        "orders": Order.objects.filter(user=user)
        .prefetch_related(Prefetch("payments", queryset=payments_with_refunds))
        .order_by("-smartpay_created"),
        "schedules": ChargeSchedule.objects.filter(token__user=user)
        .prefetch_related(Prefetch("charges", queryset=TokenCharge.objects.order_by("-created")))
        .order_by("-created"),
        "demo": settings.DEBUG,
    }
    return render(request, "shop/account.html", context)


@login_required
@require_POST
def cancel_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(ChargeSchedule, pk=pk, token__user=request.user)
    charging.cancel_schedule(schedule)
    messages.success(request, "Your subscription is canceled. No further charges will be made.")
    return redirect("shop:account")


@login_required
@require_POST
def remove_token(request: HttpRequest, smartpay_id: str) -> HttpResponse:
    token = get_object_or_404(Token, smartpay_id=smartpay_id, user=request.user)
    try:
        services.delete_token(token)
    except SmartpayError as exc:
        return _unavailable(request, exc)
    messages.success(request, "The saved payment method was removed.")
    return redirect("shop:account")


@login_required
@require_POST
def update_payment_method(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(ChargeSchedule, pk=pk, token__user=request.user)
    try:
        return redirect(payments.start_payment_update(request, schedule))
    except SmartpayError as exc:
        return _unavailable(request, exc)


@login_required
def payment_method_success(request: HttpRequest) -> HttpResponse:
    try:
        schedule = payments.finish_payment_update(request)
    except SmartpayError as exc:
        return _unavailable(request, exc)
    if schedule is None:
        messages.error(request, "Smartpay has not confirmed the new payment method. Please try again.")
    elif schedule.status in payments.NEEDS_PAYMENT_METHOD:
        messages.error(request, "The new payment method was saved, but the payment failed again.")
    else:
        messages.success(request, "Payment method updated: your subscription is active again.")
    return redirect("shop:account")


@login_required
@require_POST
def renew_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Demo only (DEBUG): run the scheduler as if this subscription's next month had come."""
    if not settings.DEBUG:
        raise Http404("Only in the demo")
    schedule = get_object_or_404(ChargeSchedule, pk=pk, token__user=request.user)
    # One batch of renewals only: retries of declined months keep their own (real) days.
    charging.charge_due_batch(now=max(schedule.next_run_at, timezone.now()))
    schedule.refresh_from_db()
    if schedule.status in payments.NEEDS_PAYMENT_METHOD:
        messages.error(request, "Your renewal payment failed — update your payment method.")
    else:
        messages.success(request, "Renewed.")
    return redirect("shop:account")
