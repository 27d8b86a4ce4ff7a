"""How the admin shows amounts, links between objects and raw JSON.

The helpers here build display methods for :class:`~django.contrib.admin.ModelAdmin`
classes (assign them as class attributes, name them in ``list_display`` or the
change page's fields).  None of them queries the database when the related row
was loaded with ``list_select_related``, so changelists stay at a fixed number
of queries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models.money import format_amount
from .secrets import redact
from .users import user_label, user_order_field

DisplayMethod = Callable[[Any, Any], Any]
#: What the admin shows for an empty value or a missing relation.
EMPTY = "—"
#: The most related rows a change page counts for one relation (more shows as "1,000+").
RELATED_COUNT_LIMIT = 1000


def with_refunded(field: str, description: Any) -> DisplayMethod:
    """The amount column ``field``, with what was refunded of it beneath when anything was."""

    @admin.display(description=description, ordering=field)
    def display(self: Any, obj: Any) -> SafeString:
        shown = format_amount(getattr(obj, field), obj.currency)
        if not obj.refunded_amount:
            return format_html("{}", shown)
        refunded = format_amount(obj.refunded_amount, obj.currency)
        return format_html(
            '{}<br><span class="quiet">{}</span>', shown, _("%(amount)s refunded") % {"amount": refunded}
        )

    return display


def when(value: dt.datetime | dt.date | None) -> str:
    """A date or time as people read it: local time, in the active language's format (never ISO/UTC)."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def moment(field: str, description: Any) -> DisplayMethod:
    """A display method showing the datetime column ``field`` short and local (``2026/11/30 17:19``)."""

    @admin.display(description=description, ordering=field)
    def display(self: Any, obj: Any) -> str:
        value = getattr(obj, field)
        if value is None:
            return EMPTY
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

    return display


def cell(value: Any) -> Any:
    """A value for a table cell: dates localized, nothing shown as "—"."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.date):
        return when(value)
    return value


def money(field: str, description: Any, *, currency: str = "currency") -> DisplayMethod:
    """A display method showing the integer column ``field`` as ``¥1,234``, sortable by it."""

    @admin.display(description=description, ordering=field)
    def display(self: Any, obj: Any) -> str:
        return format_amount(getattr(obj, field), getattr(obj, currency, "JPY") or "JPY")

    return display


def admin_url(obj: models.Model, view: str = "change") -> str | None:
    """The admin URL of ``obj`` (``None`` when its model has no admin in this site)."""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])
    except NoReverseMatch:
        return None


def changelist_url(model: type[models.Model], **filters: Any) -> str | None:
    """The admin changelist of ``model`` filtered by ``filters`` (``None`` without an admin)."""
    opts = model._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(filters)}" if filters else url


def _related(obj: Any, field: str) -> Any:
    try:
        return getattr(obj, field)
    except ObjectDoesNotExist:
        return None


def link(
    field: str, description: Any, *, short: bool = False, text: Callable[[Any], Any] | None = None
) -> DisplayMethod:
    """A display method linking to the object in the relation ``field``.

    Relations by Smartpay id may point at a row that is not synced yet: then the
    raw id is shown, without a link.  ``short`` shortens a Smartpay id (whole on hover).
    """

    def label(value: Any) -> Any:
        if text is not None and not isinstance(value, str):
            return text(value)
        value = str(value)
        if not short or shorten(value) == value:
            return value
        return format_html('<span title="{}">{}</span>', value, shorten(value))

    @admin.display(description=description, ordering=field)
    def display(self: Any, obj: Any) -> Any:
        related = _related(obj, field)
        if related is None:
            raw = getattr(obj, obj._meta.get_field(field).attname)
            return label(raw) if raw else EMPTY
        url = admin_url(related)
        if url is None:
            return label(related)
        return format_html('<a href="{}">{}</a>', url, label(related))

    return display


def user_column(field: str, description: Any) -> DisplayMethod:
    """A display method naming the user in ``field`` by login name and e-mail, linked to its admin."""

    @admin.display(description=description, ordering=field)
    def display(self: Any, obj: Any) -> Any:
        user = _related(obj, field)
        if user is None:
            return EMPTY
        url = admin_url(user)
        return user_label(user) if url is None else format_html('<a href="{}">{}</a>', url, user_label(user))

    return display


def shorten(smartpay_id: str, keep: int = 6) -> str:
    """``2IRRwu…``: the first characters of the random part (the list says what kind it is)."""
    _head, _sep, tail = str(smartpay_id).rpartition("_")
    if len(tail) <= keep + 1:
        return str(smartpay_id)
    return f"{tail[:keep]}…"


def short_id(description: Any) -> DisplayMethod:
    """A display method showing the Smartpay id shortened (the whole id on hover, and searchable)."""

    @admin.display(description=description, ordering="smartpay_id")
    def display(self: Any, obj: Any) -> SafeString:
        return format_html(
            '<span class="smartpay-id" title="{}">{}</span>', obj.smartpay_id, shorten(obj.smartpay_id)
        )

    return display


def _follow(obj: Any, path: str) -> Any:
    for name in path.split("__"):
        obj = _related(obj, name) if obj is not None else None
    return obj


def customer(path: str, description: Any) -> DisplayMethod:
    """A narrow column naming the user reached through ``path`` by login name (e-mail on hover)."""

    @admin.display(description=description, ordering=f"{path}__{user_order_field()}")
    def display(self: Any, obj: Any) -> Any:
        user = _follow(obj, path)
        if user is None:
            return EMPTY
        name = str(user.get_username())
        label = user_label(user)
        url = admin_url(user)
        if url is None:
            return format_html('<span title="{}">{}</span>', label, name)
        return format_html('<a href="{}" title="{}">{}</a>', url, label, name)

    return display


def pretty_json(value: Any) -> SafeString:
    """``value`` as indented JSON in an escaped ``<pre>`` (secret-named keys redacted at any depth)."""
    try:
        text = json.dumps(redact(value), indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except RecursionError:  # never shown unredacted: only that it cannot be shown
        return format_html('<pre class="smartpay-json">{}</pre>', _("(too deeply nested to show)"))
    return format_html('<pre class="smartpay-json">{}</pre>', text)


def json_field(field: str, description: Any) -> DisplayMethod:
    """A display method showing the JSON column ``field`` pretty-printed."""

    @admin.display(description=description)
    def display(self: Any, obj: Any) -> SafeString:
        return pretty_json(getattr(obj, field))

    return display


def related_links(obj: Any, relations: list[tuple[type[models.Model], str, Any]]) -> SafeString:
    """Links to changelists of objects pointing at ``obj``: ``(model, filter field, label)``."""
    parts: list[SafeString] = []
    for model, field, label in relations:
        value = obj.smartpay_id if hasattr(obj, "smartpay_id") else obj.pk
        url = changelist_url(model, **{field: value})
        if url is None:
            continue
        # Counted up to a bound, like the changelists: a busy token's orders are never all counted.
        count = model._default_manager.filter(**{field: value})[: RELATED_COUNT_LIMIT + 1].count()
        shown = f"{RELATED_COUNT_LIMIT:,}+" if count > RELATED_COUNT_LIMIT else str(count)
        parts.append(format_html('<a href="{}">{} ({})</a>', url, label, shown))
    if not parts:
        return format_html("{}", _("none"))
    return format_html("<br>".join(["{}"] * len(parts)), *parts)
