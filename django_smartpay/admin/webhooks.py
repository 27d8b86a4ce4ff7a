"""Webhook endpoints (never their signing secret) and the webhook events received."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from ..client import constants
from ..models import WebhookEndpoint, WebhookEvent
from ..webhooks.applying import process_stored
from .base import ReadOnlyAdmin, SmartpayObjectAdmin, sync_action
from .confirm import STATUS_COLUMN, ActionSpec, confirmed_action, permission_check
from .display import changelist_url, json_field, pretty_json


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SmartpayObjectAdmin):
    list_display = ("smartpay_id", "url", "active", "description", "test", "smartpay_created")
    list_filter = ("active", *SmartpayObjectAdmin.list_filter)
    search_fields = ("smartpay_id", "url", "description")
    #: Never shown, searched or filtered on (like every secret-named field, see ``.secrets``).
    hidden_fields = ("signing_secret",)
    display_overrides = {"event_subscriptions": "subscriptions"}

    subscriptions = json_field("event_subscriptions", gettext_lazy("event subscriptions"))


def _reprocess(event: WebhookEvent, data: dict[str, Any], idempotency_key: str) -> str:
    outcome = process_stored(event.pk, force=True)
    event.refresh_from_db()
    if event.error:
        return _("Reprocessed: %(status)s (%(error)s).") % {
            "status": event.get_status_display(),
            "error": event.error,
        }
    return _("Reprocessed: %(status)s.") % {"status": event.get_status_display() or outcome.result}


reprocess_events = confirmed_action(
    ActionSpec(
        name="reprocess_events",
        description=gettext_lazy("Reprocess selected webhook events"),
        permission="reprocess",
        run=_reprocess,
        title=gettext_lazy("Reprocess webhook events"),
        label=gettext_lazy("Reprocess…"),
        button=ngettext_lazy("Yes, reprocess %(count)d event", "Yes, reprocess %(count)d events", "count"),
        warning=gettext_lazy(
            "Each event is applied again from its stored body, even if it was processed before. "
            "Nothing is sent to Smartpay; objects never move back to an older state."
        ),
        columns=(STATUS_COLUMN, (gettext_lazy("event type"), lambda event: event.type)),
    )
)


sync_event_objects = sync_action(
    lambda event: event.object_smartpay_id if event.object_class is not None else None,
    gettext_lazy(
        "The object of each event is fetched from Smartpay again, whatever became of the event. "
        "Nothing changes at Smartpay."
    ),
)


class EventTypeFilter(admin.SimpleListFilter):
    """The event types Smartpay sends, from the constants: no ``SELECT DISTINCT`` over every event."""

    title = gettext_lazy("event type")
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name) for name in sorted(constants.EVENTS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(type=value) if value else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = (
        "event_id",
        "type",
        "status",
        "object_link",
        "attempts",
        "test",
        "received_at",
        "processed_at",
    )
    list_filter = ("status", EventTypeFilter, "test", ("received_at", admin.DateFieldListFilter))
    list_select_related = False
    search_fields = ("event_id", "object_smartpay_id", "subscription_id")
    ordering = ("-received_at", "-pk")
    actions = [reprocess_events, sync_event_objects]
    display_overrides = {
        "object_smartpay_id": "object_link",
        "body": "body_json",
        "headers": "headers_json",
        "error": "error_text",
        "traceback": "traceback_text",
    }

    headers_json = json_field("headers", gettext_lazy("headers"))
    #: Reprocessing changes the row, so Django's "change" permission allows it.
    has_reprocess_permission = permission_check("change_webhookevent")

    @admin.display(description=gettext_lazy("object"), ordering="object_smartpay_id")
    def object_link(self, event: WebhookEvent) -> Any:
        """The event's object, linked through its changelist (no query per row)."""
        if not event.object_smartpay_id:
            return None
        model = event.object_class
        url = changelist_url(model, smartpay_id=event.object_smartpay_id) if model is not None else None
        if url is None:
            return event.object_smartpay_id
        return format_html('<a href="{}">{}</a>', url, event.object_smartpay_id)

    @admin.display(description=gettext_lazy("raw body"))
    def body_json(self, event: WebhookEvent) -> SafeString:
        # A signed sender controls the body: JSON too deeply nested to parse or show is shown raw.
        try:
            return pretty_json(json.loads(event.body))
        except (ValueError, RecursionError):
            return format_html('<pre class="smartpay-json">{}</pre>', event.body)

    @admin.display(description=gettext_lazy("error"))
    def error_text(self, event: WebhookEvent) -> SafeString | None:
        return format_html("<pre>{}</pre>", event.error) if event.error else None

    @admin.display(description=gettext_lazy("traceback"))
    def traceback_text(self, event: WebhookEvent) -> SafeString | None:
        return format_html("<pre>{}</pre>", event.traceback) if event.traceback else None
