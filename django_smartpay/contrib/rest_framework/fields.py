"""Strict input fields of the REST endpoints: every out-of-range value is a 400 with a message.

REST framework's own fields accept ``"980"`` and ``980.0`` for integers and make naive datetimes
aware in whatever zone is active; money and schedules need the exact type and an explicit offset,
and text that the database could not store (NUL, lone surrogates) is refused before it gets there.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: The largest JSON object accepted for ``shipping_info`` or ``customer_info``, in characters.
MAX_JSON_OBJECT_LENGTH = 4096


def storable_text(value: str) -> None:
    """Raise ``ValidationError`` unless every database can store ``value``."""
    if "\x00" in value:
        raise serializers.ValidationError(_("Null characters are not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError(_("Enter valid Unicode text.")) from None


def storable_json(value: Any) -> Any:
    """Check every string (keys included) of a JSON value with :func:`storable_text`; numbers finite."""
    if isinstance(value, str):
        storable_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise serializers.ValidationError(_("Numbers must be finite."))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            storable_text(str(key))
            storable_json(item)
    elif isinstance(value, list):
        for item in value:
            storable_json(item)
    return value


class TextField(serializers.CharField):
    """A ``CharField`` that also refuses text the database cannot store."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(storable_text)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: ``true``, ``980.0`` and ``"980"`` are refused, not converted."""

    default_error_messages = {"invalid": _("Enter a whole number (a JSON integer, not text or a fraction).")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class JSONObjectField(serializers.DictField):
    """A JSON object of bounded size whose text every database can store."""

    default_error_messages = {
        "too_long": _("Keep this object under {max} characters of JSON."),
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_JSON_OBJECT_LENGTH:
            self.fail("too_long", max=MAX_JSON_OBJECT_LENGTH)
        storable_json(value)
        return value


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime **with** its UTC offset; a naive one is ambiguous and refused."""

    default_error_messages = {
        "naive": _("Give the UTC offset too, for example 2030-04-01T09:00:00+09:00."),
    }

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        return super().enforce_timezone(value)


__all__ = [
    "MAX_JSON_OBJECT_LENGTH",
    "AwareDateTimeField",
    "JSONObjectField",
    "StrictIntegerField",
    "TextField",
    "storable_json",
    "storable_text",
]


class ChoiceField(serializers.ChoiceField):
    """A choice that does not echo the refused value back.

    The echo could carry anything a client sent into the answer, and REST framework 3.15
    formats its messages with ``%``: an input holding ``%`` made that formatting fail (a 500).
    """

    default_error_messages = {"invalid_choice": _("This is not one of the allowed values.")}
