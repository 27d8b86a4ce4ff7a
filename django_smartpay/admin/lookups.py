"""Closed changelist lookups: a query string may filter only on what the admin declares.

Django's admin accepts any lookup on a local field (``?signing_secret__startswith=a``), so
a yes/no answer can spell out a secret.  Here a lookup is allowed only on the paths of the
admin's own ``list_filter``, ``date_hierarchy`` and ``link_filters``, with the plain
comparisons their filters and links use, and never on a path that touches a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin import SimpleListFilter
from django.db import models

from .secrets import path_fields, touches_secret

#: The lookups that list filters, date hierarchies and links put in a query string.
FILTER_LOOKUPS = frozenset({"exact", "iexact", "isnull", "isempty", "in", "gt", "gte", "lt", "lte"})
DATE_PARTS = frozenset({"year", "month", "day"})


def declared(list_filter: Iterable[Any], date_hierarchy: str | None, link_filters: Iterable[str]) -> dict:
    """``{"paths": {field path, ...}, "params": {parameter name, ...}, "dates": {field path}}``."""
    paths: set[str] = set(link_filters)
    params: set[str] = set()
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            params.add(str(item.parameter_name))
        elif isinstance(item, list | tuple):
            paths.add(str(item[0]))
        elif isinstance(item, str):
            paths.add(item)
    dates = {date_hierarchy} if date_hierarchy else set()
    return {"paths": paths | dates, "params": params, "dates": dates}


def _names(fields: list[Any]) -> str:
    return "__".join(field.name for field in fields)


def allowed(model: type[models.Model], lookup: str, value: Any, spec: dict) -> bool:
    """Whether the changelist of ``model`` may filter on ``lookup=value`` (see the module docstring)."""
    if "\x00" in str(value) or touches_secret(model, lookup):
        return False
    if lookup in spec["params"]:
        return True
    fields, rest = path_fields(model, lookup)
    if not fields or len(rest) > 1:
        return False
    path = _names(fields)
    suffix = rest[0] if rest else "exact"
    if path not in spec["paths"]:
        # A relation filter names the related row's target field: ``token__smartpay_id__exact``.
        parent = _names(fields[:-1])
        if not (parent in spec["paths"] and fields[-2].is_relation and _is_target(fields[-2], fields[-1])):
            return False
    if suffix in FILTER_LOOKUPS:
        return True
    return suffix in DATE_PARTS and path in spec["dates"]


def _is_target(relation: Any, field: Any) -> bool:
    target = getattr(relation, "target_field", None)
    return target is not None and target == field
