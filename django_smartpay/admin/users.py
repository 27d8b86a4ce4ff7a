"""The project's user, whatever its model: searched and shown through ``get_user_model()``.

A swappable user model may have no ``username`` or no ``email``: the admin names only the
fields the model declares as ``USERNAME_FIELD`` and ``EMAIL_FIELD`` (when they exist).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

from .secrets import is_secret_name


def user_field_names() -> list[str]:
    """The user model's login name field and e-mail field, those that are real, searchable columns."""
    model: Any = get_user_model()
    candidates = [model.USERNAME_FIELD, model.get_email_field_name()]
    names: list[str] = []
    for name in candidates:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.concrete and not field.is_relation and not is_secret_name(name) and name not in names:
            names.append(name)
    return names


def user_order_field() -> str:
    """What a customer column sorts by: the login name when it is a real column, else the key."""
    names = user_field_names()
    model: Any = get_user_model()
    return model.USERNAME_FIELD if model.USERNAME_FIELD in names else "pk"


def user_search_fields(*paths: str) -> list[str]:
    """Search fields for the users reached through ``paths`` (``"user"``, ``"order__user"``)."""
    return [f"{path}__{name}" for path in paths for name in user_field_names()]


def user_label(user: Any) -> str:
    """``login <e-mail>``, or just the login name when the model has no e-mail field or it is empty."""
    name = str(user.get_username())
    email_field = type(user).get_email_field_name()
    email = getattr(user, email_field, "") if email_field in user_field_names() else ""
    return f"{name} <{email}>" if email and email != name else name
