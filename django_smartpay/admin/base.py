"""The base of every admin of a mirrored Smartpay object.

Mirrored rows are written by :mod:`django_smartpay.sync` only: nothing here can
add, edit or delete them.  Changes go to Smartpay through actions (see
:mod:`django_smartpay.admin.confirm`) that call :mod:`django_smartpay.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.text import smart_split
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .. import services
from ..exceptions import SmartpayValidationError
from . import lookups
from .confirm import ActionSpec, confirmed_action
from .display import EMPTY, json_field
from .object_actions import ObjectActionsMixin
from .paging import BoundedPaginator, paginator_for
from .secrets import is_secret_field, touches_secret
from .users import user_search_fields

#: The changelist's date filter on Smartpay's creation time.
CREATED_FILTER = ("smartpay_created", admin.DateFieldListFilter)


def _synced(updated: Any, smartpay_id: str, own: bool) -> str:
    status = updated.get_status_display() if getattr(updated, "status", "") else ""
    if own:
        if status:
            return _("Synced from Smartpay (status: %(status)s).") % {"status": status}
        return _("Synced from Smartpay.")
    if status:
        return _("Synced %(id)s from Smartpay (status: %(status)s).") % {"id": smartpay_id, "status": status}
    return _("Synced %(id)s from Smartpay.") % {"id": smartpay_id}


def sync_action(smartpay_id_of: Callable[[Any], str | None] | None = None, warning: Any = None) -> Any:
    """The "Sync from Smartpay" action: fetch each row's Smartpay object again and sync it.

    For local models, ``smartpay_id_of(row)`` names the mirrored object to fetch
    (the order a charge made, the object of a webhook event).
    """

    def run(row: Any, data: dict[str, Any], idempotency_key: str) -> str:
        smartpay_id = row.smartpay_id if smartpay_id_of is None else smartpay_id_of(row)
        if not smartpay_id:
            raise SmartpayValidationError(_("No Smartpay object is linked to this row yet."))
        return _synced(services.sync_by_id(smartpay_id), smartpay_id, smartpay_id_of is None)

    return confirmed_action(
        ActionSpec(
            name="sync_from_smartpay",
            description=gettext_lazy("Sync from Smartpay"),
            permission="view",
            run=run,
            title=gettext_lazy("Sync from Smartpay"),
            label=gettext_lazy("Fetch from Smartpay…"),
            button=ngettext_lazy(
                "Yes, fetch %(count)d %(name)s from Smartpay",
                "Yes, fetch %(count)d %(name)s from Smartpay",
                "count",
            ),
            refuse=None if smartpay_id_of is None else _unlinked(smartpay_id_of),
            warning=warning
            or gettext_lazy(
                "Each selected row is fetched from Smartpay again and replaces the local copy. "
                "Nothing changes at Smartpay."
            ),
        )
    )


def _unlinked(smartpay_id_of: Callable[[Any], str | None]) -> Callable[[Any], Any]:
    def refuse(row: Any) -> Any:
        return None if smartpay_id_of(row) else _("No Smartpay object is linked to this row yet.")

    return refuse


sync_from_smartpay = sync_action()

#: The most words a changelist or autocomplete search may have (more finds nothing, with a warning).
MAX_SEARCH_WORDS = 32

#: Integer primary keys fit in a signed 64-bit column on every supported database.
PK_RANGE = range(-(2**63), 2**63)


def valid_pk(model: type[models.Model], value: str) -> bool:
    """Whether ``value`` is a primary key ``model`` could have (a query with it cannot fail)."""
    pk = model._meta.pk
    if pk is None or "\x00" in value:
        return False
    try:
        python = pk.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return not isinstance(python, int) or python in PK_RANGE


class ReadOnlyAdmin(ObjectActionsMixin, admin.ModelAdmin):
    """Shows rows; never adds, edits or deletes them.

    Closed by default: a query string may filter only on the paths of ``list_filter``,
    ``date_hierarchy`` and ``link_filters`` (see :mod:`.lookups`); nothing searches, filters,
    orders, references or shows a secret-bearing field (see :mod:`.secrets`); and no page
    counts the whole table (see :mod:`.paging`).
    """

    list_per_page = 100
    change_form_template = "admin/smartpay/change_form.html"
    empty_value_display = EMPTY
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    #: Model fields never shown anywhere (not in forms, not in the API object).
    hidden_fields: tuple[str, ...] = ()
    #: Model field name -> the display method shown in its place on the change page.
    display_overrides: dict[str, str] = {}
    #: Display methods added after the model fields on the change page.
    extra_fields: tuple[str, ...] = ()
    #: Field paths other pages link to with a filter (``?order=<id>``): allowed as plain lookups.
    link_filters: tuple[str, ...] = ()
    #: The first sections of the change page, ``((title, (field, ...)), ...)``; every other field
    #: follows, folded, under "Smartpay details".  Empty: one plain section, as Django makes it.
    summary: tuple[tuple[Any, tuple[str, ...]], ...] = ()
    #: Paths to the project's user (``"user"``, ``"order__user"``): searched by login name and e-mail.
    user_paths: tuple[str, ...] = ()

    def valid_pk(self, value: str) -> bool:
        return valid_pk(self.model, value)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        skipped = {"id", *self.hidden_fields}
        names = [
            self.display_overrides.get(f.name, f.name)
            for f in self.model._meta.fields
            if f.name not in skipped and f.name not in self.extra_fields and not is_secret_field(f)
        ]
        return [*names, *self.extra_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if not self.summary:
            return self.get_fields(request, obj)
        names = [name for _title, fields in self.get_fieldsets(request, obj) for name in fields["fields"]]
        return list(dict.fromkeys(names))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if not self.summary:
            return super().get_fieldsets(request, obj)
        shown = [name for _title, names in self.summary for name in names]
        rest = [name for name in self.get_fields(request, obj) if name not in shown]
        return [
            *((title, {"fields": list(names)}) for title, names in self.summary),
            (gettext_lazy("Smartpay details"), {"fields": rest, "classes": ["collapse"]}),
        ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        secret = [f.name for f in self.model._meta.fields if is_secret_field(f)]
        return [*(super().get_exclude(request, obj) or ()), *self.hidden_fields, *secret]

    # --- closed lookups, search and references -----------------------------------------------

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        list_filter = self.get_list_filter(request) if request is not None else self.list_filter
        spec = lookups.declared(list_filter, self.date_hierarchy, self.link_filters)
        return lookups.allowed(self.model, lookup, value, spec)

    def to_field_allowed(self, request: HttpRequest, to_field: str) -> bool:
        if "\x00" in to_field or touches_secret(self.model, to_field):
            return False
        return super().to_field_allowed(request, to_field)

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = [*self.search_fields, *user_search_fields(*self.user_paths)]
        return [name for name in fields if not touches_secret(self.model, str(name))]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        # The autocomplete view passes its term unchecked; PostgreSQL refuses NUL in text (a 500).
        if "\x00" in search_term:
            return queryset.none(), False
        # Each word adds a condition: SQLite refuses an expression tree deeper than 1000 (a 500).
        if len(list(smart_split(search_term))) > MAX_SEARCH_WORDS:
            messages.warning(
                request, _("A search may have at most %(limit)d words.") % {"limit": MAX_SEARCH_WORDS}
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_sortable_by(self, request: HttpRequest) -> Any:
        return [name for name in super().get_sortable_by(request) if not self._orders_on_secret(name)]

    def _orders_on_secret(self, name: Any) -> bool:
        attribute = getattr(self, name, None) if isinstance(name, str) else None
        ordering = getattr(attribute, "admin_order_field", None) or name
        return isinstance(ordering, str) and touches_secret(self.model, ordering.lstrip("-"))

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        """Django's action handling, after refusing selected row ids that are not ids (400, not 500)."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(valid_pk(self.model, value) for value in selected):
            return HttpResponseBadRequest(_("The selected rows are not valid."))
        return super().response_action(request, queryset, *args, **kwargs)

    # --- pages that never count the whole table ----------------------------------------------

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: Any,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> BoundedPaginator:
        return paginator_for(
            queryset,
            per_page,
            request.GET.get(PAGE_VAR),
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
        )


class SmartpayObjectAdmin(ReadOnlyAdmin):
    """Admin of a model mirroring a Smartpay object (:class:`~django_smartpay.models.SmartpayObject`)."""

    ordering = ("-smartpay_created", "-pk")
    list_filter: ClassVar[tuple[Any, ...]] = ("test", CREATED_FILTER)
    search_fields: ClassVar[tuple[str, ...]] = ("smartpay_id",)
    link_filters: tuple[str, ...] = ("smartpay_id",)
    actions = [sync_from_smartpay]
    extra_fields: tuple[str, ...] = ("metadata_json", "api_object")

    api_object = json_field("data", gettext_lazy("API object"))
    metadata_json = json_field("metadata", gettext_lazy("metadata"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for name in super().get_fields(request, obj) if name not in ("data", "metadata")]
