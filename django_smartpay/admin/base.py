"""The base of every admin of a mirrored Smartpay object.

Mirrored rows are written by :mod:`django_smartpay.sync` only: nothing here can
add, edit or delete them.  Changes go to Smartpay through actions (see
:mod:`django_smartpay.admin.confirm`) that call :mod:`django_smartpay.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..exceptions import SmartpayValidationError
from .confirm import ActionSpec, confirmed_action
from .display import json_field

#: The changelist's date filter on Smartpay's creation time.
CREATED_FILTER = ("smartpay_created", admin.DateFieldListFilter)


def _synced(updated: models.Model, smartpay_id: str, own: bool) -> str:
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
            button=gettext_lazy("Fetch from Smartpay"),
            warning=warning
            or gettext_lazy(
                "Each selected row is fetched from Smartpay again and replaces the local copy. "
                "Nothing changes at Smartpay."
            ),
        )
    )


sync_from_smartpay = sync_action()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows; never adds, edits or deletes them."""

    list_per_page = 100
    show_full_result_count = False
    #: Model fields never shown anywhere (not in forms, not in the API object).
    hidden_fields: tuple[str, ...] = ()
    #: Model field name -> the display method shown in its place on the change page.
    display_overrides: dict[str, str] = {}
    #: Display methods added after the model fields on the change page.
    extra_fields: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        skipped = {"id", *self.hidden_fields}
        names = [
            self.display_overrides.get(f.name, f.name)
            for f in self.model._meta.fields
            if f.name not in skipped and f.name not in self.extra_fields
        ]
        return [*names, *self.extra_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_fields(request, obj)


class SmartpayObjectAdmin(ReadOnlyAdmin):
    """Admin of a model mirroring a Smartpay object (:class:`~django_smartpay.models.SmartpayObject`)."""

    ordering = ("-smartpay_created", "-pk")
    list_filter: tuple[Any, ...] = ("test", CREATED_FILTER)
    search_fields: tuple[str, ...] = ("smartpay_id",)
    actions = [sync_from_smartpay]
    extra_fields = ("metadata_json", "api_object")

    api_object = json_field("data", gettext_lazy("API object"))
    metadata_json = json_field("metadata", gettext_lazy("metadata"))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [name for name in super().get_fields(request, obj) if name not in ("data", "metadata")]
