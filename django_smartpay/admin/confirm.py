"""Admin actions behind a confirmation page, a form, a permission and an idempotency key.

:func:`confirmed_action` turns a small description (:class:`ActionSpec`) into an
admin action.  Selecting the action on a changelist shows a confirmation page
with the selected rows and the action's form; submitting it runs the action row
by row and reports every row with ``message_user`` — a failure never stops the
rows after it.

Double submits
    The page carries a random key, signed with :mod:`django.core.signing`
    together with the user, the model and the action, so it cannot be forged or
    moved to another action.  Each row is sent with the idempotency key
    ``"<key>-<pk>"``: the same form submitted twice reaches Smartpay with the same
    keys and is replayed, never applied twice.  Every success also leaves an
    :class:`~django_smartpay.models.ActionReceipt` under its key (one indexed
    row), so a second submit of the same page is recognised before anything is
    sent and reported as already done: a replay alone would not do, as the body
    depends on the rows at submit time (a blank amount is "the rest", which
    changes once refunded) and some actions (pause, reprocess) send nothing to
    replay.  When the outcome of a row is unknown (no answer, a server error),
    the page is shown again: the next submit reuses the same keys, Smartpay
    replays its first answer and the local rows are synced from it.

Rows that cannot be acted on
    An action may say why a row cannot take it (``ActionSpec.refuse``): such rows are
    listed apart on the confirmation page, before anything is confirmed, and are not
    part of the submitted form.  A row that changed in between is refused the same way
    at submit, with nothing sent.

Permissions
    Django offers an action only to users for whom every ``has_<permission>_
    permission`` check passes, and refuses a POST naming any other action; the
    action checks the permission again before it reads the form.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exceptions import SmartpayError
from ..models import ActionReceipt
from .display import cell
from .errors import describe_error
from .forms import ConfirmForm

logger = logging.getLogger(__name__)

TEMPLATE = "admin/django_smartpay/confirm_action.html"
#: The POST field that marks a submitted confirmation page (the first POST has none).
CONFIRM_FIELD = "_smartpay_confirm"
#: Prefix of the action form's fields, away from the changelist's own ``action``/``index``.
PREFIX = "smartpay"
SALT = "django_smartpay.admin.confirm"
#: A page older than this is refused: Smartpay keeps idempotency keys for 6 hours.
MAX_AGE_SECONDS = 5 * 60 * 60
#: The most rows one confirmation page acts on (select fewer, or filter the list first).
MAX_ROWS = 500

#: The POST (or query string) field naming the admin page to go back to (see :func:`safe_back_url`).
BACK_FIELD = "_smartpay_back"

#: ``run(row, cleaned_data, idempotency_key) -> message`` performs the action on one row.
Runner = Callable[[Any, dict[str, Any], str], str]
#: ``refuse(row) -> reason``: why ``row`` cannot take the action, or ``None`` when it can.
Refuser = Callable[[Any], Any]
Column = tuple[Any, Callable[[Any], Any]]


@dataclass(frozen=True)
class ActionSpec:
    """What one confirmed action does and how its page looks."""

    name: str
    description: Any
    permission: str
    run: Runner
    title: Any
    #: The confirming button, pluralised on ``count`` (``ngettext_lazy(..., "count")``); it may
    #: also name ``%(name)s``, the model's verbose name (plural for more than one row).
    button: Any
    form_class: type[ConfirmForm] = ConfirmForm
    warning: Any = None
    #: Extra columns of the table of selected rows: ``(header, value(row))``.
    columns: Sequence[Column] = field(default_factory=tuple)
    #: Why a row cannot take the action (``None``: it can); see the module docstring.
    refuse: Refuser | None = None
    #: The object page's button (``Refund…``); the title when empty.
    label: Any = None
    #: Whether the button is shown as dangerous (money leaves, or it cannot be undone).
    danger: bool = False

    def reason(self, row: Any) -> str | None:
        """Why ``row`` cannot take this action, or ``None``."""
        if self.refuse is None:
            return None
        reason = self.refuse(row)
        return None if reason is None else str(reason)

    def button_text(self, count: int, opts: Any) -> str:
        """``Yes, cancel 3 orders``: the button for ``count`` rows, in the active language."""
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        return str(self.button % {"count": count, "name": name})


class KeySigner:
    """Signs and checks the random key of one action page for one user and model."""

    def __init__(self, request: HttpRequest, model: type[models.Model], action: str) -> None:
        self.scope = [str(request.user.pk), model._meta.label_lower, action]

    def new(self) -> str:
        return signing.dumps({"k": secrets.token_hex(12), "s": self.scope}, salt=SALT, compress=True)

    def unsign(self, value: Any) -> str | None:
        """The key in ``value``, or ``None`` if it is forged, altered, expired or for another page."""
        if not isinstance(value, str) or not value:
            return None
        try:
            data = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("s") != self.scope:
            return None
        key = data.get("k")
        return key if isinstance(key, str) and key.isalnum() else None


def row_key(key: str, row: models.Model) -> str:
    return f"{key}-{row.pk}"


def confirmed_action(spec: ActionSpec) -> Callable[..., HttpResponseBase | None]:
    """The admin action function for ``spec`` (list it in ``ModelAdmin.actions``)."""

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet
    ) -> HttpResponseBase | None:
        return perform(spec, modeladmin, request, queryset)

    action.__name__ = spec.name
    action.__qualname__ = spec.name
    action.spec = spec  # type: ignore[attr-defined]
    return admin.action(description=spec.description, permissions=[spec.permission])(action)


def has_permission(modeladmin: admin.ModelAdmin, request: HttpRequest, permission: str) -> bool:
    return bool(getattr(modeladmin, f"has_{permission}_permission")(request))


def perform(
    spec: ActionSpec,
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: models.QuerySet,
    back_url: str | None = None,
) -> HttpResponseBase | None:
    """Show the confirmation page, or run the confirmed action on every selected row.

    ``back_url`` is where "No, take me back" leads (default: this same list).
    """
    if not has_permission(modeladmin, request, spec.permission):
        raise PermissionDenied
    rows = list(queryset.order_by("pk")[: MAX_ROWS + 1])
    if len(rows) > MAX_ROWS:
        modeladmin.message_user(
            request,
            _("Select at most %(count)d rows for one action (filter the list first).") % {"count": MAX_ROWS},
            messages.WARNING,
        )
        return None
    signer = KeySigner(request, modeladmin.model, spec.name)
    page = Page(spec, modeladmin, request, back_url)
    if request.POST.get(CONFIRM_FIELD) != "yes":
        form = spec.form_class(
            rows=[row for row in rows if spec.reason(row) is None],
            signer=signer,
            prefix=PREFIX,
            initial={"confirmation": signer.new()},
        )
        return page.render(rows, form, {})
    key = signer.unsign(request.POST.get(f"{PREFIX}-confirmation"))
    done = completed(rows, key) if key else {}
    pending = [row for row in rows if row.pk not in done]
    refused = {row.pk: reason for row in pending if (reason := spec.reason(row)) is not None}
    pending = [row for row in pending if row.pk not in refused]
    form = spec.form_class(request.POST, rows=pending, signer=signer, prefix=PREFIX)
    if not form.is_valid() or form.key is None:
        return page.render(rows, form, done)
    key = form.key
    for row in rows:
        if row.pk in done:
            modeladmin.message_user(
                request,
                _(
                    "%(object)s: already done from this confirmation page (%(result)s); nothing was sent again."
                )
                % {"object": describe(row), "result": done[row.pk]},
                messages.INFO,
            )
        elif row.pk in refused:
            modeladmin.message_user(
                request,
                _("%(object)s: left out, nothing was sent: %(reason)s")
                % {"object": describe(row), "reason": refused[row.pk]},
                messages.WARNING,
            )
    unknown = False
    for row in pending:
        unknown |= run_row(spec, modeladmin, request, row, form.cleaned_data, row_key(key, row))
    if unknown:
        form.add_error(
            None,
            _(
                "Smartpay did not answer for some rows, so their outcome is unknown. Submitting this page "
                "again is safe: it sends the same idempotency keys, and Smartpay does not apply them twice."
            ),
        )
        return page.render(rows, form, completed(rows, key))
    return None


def run_row(
    spec: ActionSpec,
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    row: models.Model,
    data: dict[str, Any],
    idempotency_key: str,
) -> bool:
    """Run the action on one row and report it; return ``True`` when the outcome is unknown."""
    # Inside a request-wide transaction (ATOMIC_REQUESTS), a savepoint per row keeps one row's
    # database error from breaking the rows after it.  Outside one, the services commit as they go,
    # and no transaction is held open across the HTTP call.
    guard = transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
    try:
        with guard:
            result = spec.run(row, data, idempotency_key)
            ActionReceipt.objects.get_or_create(key=idempotency_key, defaults={"result": result})
            modeladmin.log_change(request, row, result)
    except SmartpayError as exc:
        modeladmin.message_user(request, describe_error(describe(row), exc), messages.ERROR)
        return exc.outcome_unknown
    except Exception as exc:  # one row's bug must not hide what happened to the other rows
        # Smartpay may have applied the request before the error: its outcome is unknown.
        logger.exception("smartpay admin action %s failed on %r", spec.name, row)
        modeladmin.message_user(
            request,
            _("%(object)s: unexpected error (%(error)s); see the server log.")
            % {"object": describe(row), "error": type(exc).__name__},
            messages.ERROR,
        )
        return True
    modeladmin.message_user(request, f"{describe(row)}: {result}", messages.SUCCESS)
    return False


def describe(row: models.Model) -> str:
    """``Payment payment_test_…``: what a message is about (the admin capitalises messages)."""
    return f"{capfirst(row._meta.verbose_name)} {row}"


def completed(rows: list[models.Model], key: str) -> dict[Any, str]:
    """Rows this page's key already succeeded on, by pk, with their result (one indexed query).

    Receipts older than a page can live are deleted on the way: they can never match again.
    """
    ActionReceipt.objects.filter(created__lt=timezone.now() - timedelta(seconds=MAX_AGE_SECONDS)).delete()
    by_key = {row_key(key, row): row.pk for row in rows}
    receipts = ActionReceipt.objects.filter(key__in=list(by_key)).values_list("key", "result")
    return {by_key[receipt_key]: result for receipt_key, result in receipts}


class Page:
    """The confirmation page of one action: the rows it acts on, those left out, the form and buttons."""

    def __init__(
        self, spec: ActionSpec, modeladmin: admin.ModelAdmin, request: HttpRequest, back_url: str | None
    ) -> None:
        self.spec = spec
        self.modeladmin = modeladmin
        self.request = request
        self.back_url = back_url

    def render(self, rows: list[models.Model], form: ConfirmForm, done: dict[Any, str]) -> TemplateResponse:
        spec, modeladmin, request = self.spec, self.modeladmin, self.request
        opts = modeladmin.model._meta
        table: list[dict[str, Any]] = []
        left_out: list[dict[str, Any]] = []
        for row in rows:
            reason = None if row.pk in done else spec.reason(row)
            values = [cell(value(row)) for _header, value in spec.columns]
            if reason is None:
                table.append({"object": row, "values": values, "done": done.get(row.pk)})
            else:
                left_out.append({"object": row, "values": values, "reason": reason})
        acting = [row for row in table if not row["done"]]
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": spec.title,
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "spec": spec,
            "headers": [header for header, _value in spec.columns],
            "rows": table,
            "left_out": left_out,
            "any_done": any(row["done"] for row in table),
            "form": form,
            "warning": spec.warning,
            "action_name": spec.name,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirm_field": CONFIRM_FIELD,
            "selected": [row["object"].pk for row in table],
            "button": spec.button_text(len(acting), opts) if acting else None,
            "media": modeladmin.media + form.media,
            "cancel_url": self.back_url or request.get_full_path(),
            "back_field": BACK_FIELD,
            "back_url": self.back_url,
        }
        request.current_app = modeladmin.admin_site.name
        return TemplateResponse(request, TEMPLATE, context)


def permission_check(codename: str) -> Callable[[Any, HttpRequest], bool]:
    """A ``has_<codename>_permission(request)`` method checking ``<app_label>.<codename>``."""

    def check(self: admin.ModelAdmin, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    check.__name__ = f"has_{codename}_permission"
    return check


STATUS_COLUMN: Column = (gettext_lazy("status"), lambda row: row.get_status_display())
