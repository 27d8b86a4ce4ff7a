"""The changelist's actions as buttons on an object's own page.

A button is a small POST form (a GET never acts) to ``<changelist>/act/<action>/`` with
the row's primary key (the page template is ``admin/smartpay/change_form.html``), exactly what the changelist's action drop-down sends.  That view
runs the same action function through :func:`~django_smartpay.admin.confirm.perform`:
the same permission (Django's own filtering of actions, checked again by the action),
the same confirmation page and form, the same signed key and idempotency keys, and the
same :class:`~django_smartpay.models.ActionReceipt`.  Only where the page leads back to
differs: to the object's page instead of the list.

A page may also offer an action of a related model (the order page refunds the order's
payments): :class:`RelatedAction` names the model, the action and the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .confirm import BACK_FIELD, ActionSpec, perform

#: The longest "back" address accepted (a change page's path is far shorter).
MAX_BACK_LENGTH = 500


@dataclass(frozen=True)
class RelatedAction:
    """An action of ``model``'s admin offered on another object's page, on ``rows(obj)``."""

    model: type[models.Model]
    action: str
    rows: Callable[[Any], models.QuerySet]


def action_url(model_admin: admin.ModelAdmin, action: str) -> str:
    opts = model_admin.model._meta
    return reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_act", args=[action])


def safe_back_url(request: HttpRequest, site: admin.AdminSite, value: Any) -> str | None:
    """``value`` when it is a page of this admin site on this host, else ``None`` (no open redirect)."""
    if not isinstance(value, str) or not value or len(value) > MAX_BACK_LENGTH or "\x00" in value:
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return None
    root = reverse(f"{site.name}:index")
    return value if value.startswith(root) and not value.startswith("//") else None


def spec_of(function: Any) -> ActionSpec | None:
    spec = getattr(function, "spec", None)
    return spec if isinstance(spec, ActionSpec) else None


def offered_spec(entry: Any) -> ActionSpec | None:
    """The spec of one entry of ``ModelAdmin.get_actions()``.

    Django 6.1 made the entries ``Action`` objects (indexing them is deprecated); Django 5.2
    and 6.0 give ``(function, name, description)`` tuples.
    """
    if not entry:
        return None
    return spec_of(entry.func if hasattr(entry, "func") else entry[0])


def offered_specs(model_admin: admin.ModelAdmin, request: HttpRequest) -> list[ActionSpec]:
    """The confirmed actions the changelist offers this user (Django's permission filtering)."""
    specs = []
    for entry in (model_admin.get_actions(request) or {}).values():
        spec = offered_spec(entry)
        if spec is not None:
            specs.append(spec)
    return specs


def button(model_admin: admin.ModelAdmin, spec: ActionSpec, rows: list[Any], back: str) -> dict[str, Any]:
    return {
        "url": action_url(model_admin, spec.name),
        "label": spec.label or spec.title,
        "name": spec.name,
        "selected": [row.pk for row in rows],
        "back": back,
        "danger": spec.danger,
    }


class ObjectActionsMixin:
    """Adds the ``act/<action>/`` view and the buttons of an object's page (see the module docstring)."""

    #: Actions of other models offered on this model's object pages.
    related_actions: tuple[RelatedAction, ...] = ()

    def get_urls(self) -> list[Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.object_action_view)  # type: ignore[attr-defined]
        own = [path("act/<str:action>/", view, name=f"{opts.app_label}_{opts.model_name}_act")]
        return own + super().get_urls()  # type: ignore[misc]

    def object_action_view(self, request: HttpRequest, action: str) -> HttpResponseBase:
        """Run one of the changelist's actions on the posted rows; a GET never acts (405)."""
        model_admin: Any = self
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        offered = model_admin.get_actions(request)
        spec = offered_spec(offered.get(action))
        if spec is None:
            raise PermissionDenied
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not selected or not all(model_admin.valid_pk(value) for value in selected):
            return HttpResponseBadRequest(_("The selected rows are not valid."))
        back = safe_back_url(request, model_admin.admin_site, request.POST.get(BACK_FIELD))
        if back is None:
            back = reverse(f"{model_admin.admin_site.name}:{self._changelist_name()}")
        queryset = model_admin.get_queryset(request).filter(pk__in=selected)
        response = perform(spec, model_admin, request, queryset, back_url=back)
        return response if response is not None else HttpResponseRedirect(back)

    def _changelist_name(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_changelist"

    def object_buttons(self, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
        """The buttons of ``obj``'s page: its own actions it can take, then related ones."""
        model_admin: Any = self
        back = request.path
        buttons = [
            button(model_admin, spec, [obj], back)
            for spec in offered_specs(model_admin, request)
            if spec.reason(obj) is None
        ]
        for related in self.related_actions:
            other = model_admin.admin_site.get_model_admin(related.model)
            spec = next((s for s in offered_specs(other, request) if s.name == related.action), None)
            if spec is None:
                continue
            rows = [row for row in related.rows(obj)[:50] if spec.reason(row) is None]
            if rows:
                buttons.append(button(other, spec, rows, back))
        return buttons

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, obj: Any = None, **kwargs: Any
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            context["smartpay_buttons"] = self.object_buttons(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)  # type: ignore[misc]
