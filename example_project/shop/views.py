"""Pages of the example shop: the catalog, sign-up, checkouts and "my account".

Every page that changes something asks first (GET shows the question, POST acts), only ever
finds the signed-in shopper's own rows (anything else is a 404) and never acts on a GET.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from django_smartpay import charging, services
from django_smartpay.conf import get_client
from django_smartpay.errors_text import user_message
from django_smartpay.exceptions import SmartpayError
from django_smartpay.models import ChargeSchedule, ChargeScheduleStatus, TokenStatus

from . import account as shown
from . import payments, renewal
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
        messages.success(request, _("Welcome, %(name)s!") % {"name": user.username})
        return redirect("shop:home")
    return render(request, "shop/signup.html", {"form": form})


def _unavailable(request: HttpRequest, exc: SmartpayError, to: str = "shop:home") -> HttpResponse:
    logger.warning("smartpay call failed: %s", exc)
    messages.error(request, user_message(exc))  # in the shopper's language, never Smartpay's English
    return redirect(to)


@login_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    if payments.active_schedule(request.user) is not None:
        messages.info(request, _("You are already a member of the Matcha Club."))
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
    context = {
        "schedule": schedule,
        "charge": first_charge,
        "charge_status": shown.CHARGE_STATUS.get(first_charge.status) if first_charge else "",
        "plan": PLAN,
    }
    return render(request, "shop/subscribed.html", context)


@login_required
def subscribe_cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/canceled.html", {"subscription": True})


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
    return render(request, "shop/purchased.html", {"row": shown.order_row(order) if order else None})


@login_required
def purchase_cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/canceled.html", {"subscription": False})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    schedules = list(shown.user_schedules(user))
    rows = [shown.schedule_row(schedule) for schedule in schedules]
    context = {
        "schedules": rows,
        "orders": [shown.order_row(order) for order in shown.placed_orders(user)],
        "tokens": shown.token_rows(user, schedules),
        "demo": settings.DEBUG,
    }
    if settings.DEBUG:
        active = [row.schedule for row in rows if row.schedule.status == ChargeScheduleStatus.ACTIVE]
        if active:
            context["renewal_command"] = renewal.charge_due_command(active[0].next_run_at)
    return render(request, "shop/account.html", context)


def _own_schedule(request: HttpRequest, pk: int) -> ChargeSchedule:
    """The signed-in shopper's subscription that can still change (404 for anything else)."""
    return get_object_or_404(
        ChargeSchedule, pk=pk, token__user=request.user, status__in=shown.LIVE_SCHEDULE_STATUSES
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: "Cancel your subscription?"; POST: cancel it (no further charges)."""
    schedule = _own_schedule(request, pk)
    if request.method == "GET":
        return render(request, "shop/confirm_cancel.html", {"row": shown.schedule_row(schedule)})
    charging.cancel_schedule(schedule)
    messages.success(request, _("Your subscription is canceled. No further charges will be made."))
    return redirect("shop:account")


@login_required
@require_http_methods(["GET", "POST"])
def remove_token(request: HttpRequest, smartpay_id: str) -> HttpResponse:
    """GET: what removing it means (and the way to replace it instead); POST: remove it."""
    token = get_object_or_404(
        shown.usable_tokens(request.user), smartpay_id=smartpay_id, status=TokenStatus.ACTIVE
    )
    pays_for = shown.live_schedules_of(token)
    if request.method == "GET":
        rows = [shown.schedule_row(schedule) for schedule in pays_for]
        return render(request, "shop/confirm_remove.html", {"token": token, "pays_for": rows})
    try:
        services.delete_token(token)
    except SmartpayError as exc:
        return _unavailable(request, exc, to="shop:account")
    if pays_for:
        messages.warning(
            request,
            _(
                "The payment method was removed. Your subscription is on hold until you choose a new "
                "payment method for it."
            ),
        )
    else:
        messages.success(request, _("The payment method was removed."))
    return redirect("shop:account")


@login_required
@require_POST
def update_payment_method(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a token checkout for a new payment method of the subscription (``replace=1``: and
    remove the old one once the new one is saved)."""
    schedule = _own_schedule(request, pk)
    replace = request.POST.get("replace", "")
    if replace not in ("", "1"):
        return HttpResponseBadRequest(_("“replace” is 1 or left out."))
    try:
        return redirect(payments.start_payment_update(request, schedule, replace=replace == "1"))
    except SmartpayError as exc:
        return _unavailable(request, exc, to="shop:account")


@login_required
def payment_method_success(request: HttpRequest) -> HttpResponse:
    try:
        update = payments.finish_payment_update(request)
    except SmartpayError as exc:
        return _unavailable(request, exc, to="shop:account")
    schedule = update.schedule
    if schedule is None:
        messages.error(request, _("Smartpay has not confirmed the new payment method. Please try again."))
    elif schedule.status in payments.NEEDS_PAYMENT_METHOD:
        messages.error(request, _("The new payment method was saved, but the payment failed again."))
    else:
        messages.success(request, _("Payment method updated: your subscription is active again."))
    if update.old_removed is True:
        messages.info(request, _("The old payment method was removed."))
    elif update.old_removed is False:
        messages.warning(request, _("The old payment method could not be removed; you can remove it below."))
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
        messages.error(request, _("Your renewal payment failed — update your payment method."))
    else:
        messages.success(request, _("Renewed."))
    return redirect("shop:account")


def api_docs_missing(request: HttpRequest) -> HttpResponse:
    """Where the offline API docs would be, when drf-spectacular-sidecar is not installed."""
    return render(request, "shop/api_docs_missing.html", status=501)
