"""Which fields and JSON keys carry secrets, so that no admin request can show, search,
filter or order on them (a prefix filter answering yes/no would leak a secret letter by
letter).  One name rule for the whole app, applied to model fields and JSON keys alike.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

#: Names of secret-bearing fields and JSON keys: signing secrets, API keys, passwords, sessions.
SECRET_NAME = re.compile(
    r"secret|signing|signature|passw(or)?d|api_?key|private_?key|credential|session_(key|data)|authorization",
    re.IGNORECASE,
)
#: What a redacted JSON value shows instead.
REDACTED = "[redacted]"

AnyField = Any  # a model field or a reverse relation


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name.replace("-", "_")))


def is_secret_field(field: Any) -> bool:
    """Whether ``field`` (a model field or a reverse relation) holds a secret."""
    names = {getattr(field, "name", ""), getattr(field, "attname", "") or ""}
    return any(is_secret_name(name) for name in names if name)


def path_fields(model: type[models.Model], path: str) -> tuple[list[AnyField], list[str]]:
    """The fields that ``path`` (``"order__user__email__icontains"``) walks, and the parts left after them.

    The parts left are lookups or transforms (``icontains``, a JSON key...), or a name that is
    no field at all.
    """
    opts = model._meta
    fields: list[AnyField] = []
    parts = path.split("__")
    for index, part in enumerate(parts):
        name = opts.pk.name if part == "pk" else part
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            return fields, parts[index:]
        fields.append(field)
        related = field.related_model if field.is_relation else None
        if related is None or isinstance(related, str):
            return fields, parts[index + 1 :]
        opts = related._meta
    return fields, []


def touches_secret(model: type[models.Model], path: str) -> bool:
    """Whether ``path`` reaches a secret field, or names a secret key inside a JSON field."""
    fields, rest = path_fields(model, path.lstrip("^=@"))
    return any(is_secret_field(field) for field in fields) or any(is_secret_name(part) for part in rest)


def redact(value: Any) -> Any:
    """``value`` (parsed JSON) with the value of every secret-named key replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_name(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
