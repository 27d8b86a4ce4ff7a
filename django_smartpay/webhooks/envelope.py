"""The event body (spec §7.3): ``{"id", "object": "event", "createdAt", "test", "eventData":
{"type", "version", "data"}}``, read into an :class:`Envelope` after the signature holds."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from django_smartpay.models.events import EVENT_TYPE_MAX_LENGTH

from . import errors
from .processing import EVENT_OBJECTS

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
_OBJECT_ID = re.compile(r"[\x21-\x7e]{1,64}")
_TYPE = re.compile(rf"[\x21-\x7e]{{1,{EVENT_TYPE_MAX_LENGTH}}}")
# Raw NUL and raw surrogates cannot occur in valid UTF-8 JSON; escaped ones can.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Envelope:
    event_id: str
    type: str
    test: bool
    created: dt.datetime | None
    data: dict[str, Any] | None

    @property
    def handled(self) -> bool:
        """Whether django_smartpay applies events of this type (others are stored as ignored)."""
        return self.type in EVENT_OBJECTS

    @property
    def object_id(self) -> str:
        return self.data["id"] if self.handled and self.data else ""


def _created(value: Any) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_MS:
        return _EPOCH + dt.timedelta(milliseconds=value)
    return None


def _malformed(message: Any) -> errors.MalformedEvent:
    return errors.MalformedEvent(errors.MALFORMED_EVENT, message)


def _not_a_number(value: str) -> float:
    raise ValueError(f"{value} is not a JSON number")


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value} does not fit a double")
    return number


def _storable(value: Any) -> bool:
    """Whether no string in ``value`` holds U+0000 or a lone surrogate (which jsonb refuses)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _load(body: bytes) -> Any:
    try:
        event = json.loads(body.decode("utf-8"), parse_constant=_not_a_number, parse_float=_finite)
    except (ValueError, RecursionError):
        raise errors.MalformedEvent(errors.MALFORMED_JSON, _("The body is not valid JSON.")) from None
    if _SUSPECT_ESCAPE.search(body) and not _storable(event):
        raise errors.MalformedEvent(
            errors.MALFORMED_JSON,
            _("The body contains U+0000 or an unpaired surrogate, which cannot be stored."),
        )
    return event


def parse(body: bytes | str, event_id: str) -> Envelope:
    """Read a signed body whose ``Smartpay-Event-Id`` is ``event_id``.

    Raises :class:`~.errors.MalformedEvent` when the body is not a Smartpay event
    (not UTF-8 JSON, NaN or infinite numbers, a string PostgreSQL cannot store, or
    not shaped as an event), and a plain 400 :class:`~.errors.WebhookRequestError`
    when its ``id`` is not ``event_id``.
    """
    event = _load(body.encode("utf-8") if isinstance(body, str) else body)
    if not isinstance(event, dict):
        raise _malformed(_("The body is not a JSON object."))
    if event.get("id") != event_id:
        raise errors.WebhookRequestError(
            400,
            errors.EVENT_ID_MISMATCH,
            _("Smartpay-Event-Id differs from the id of the event in the body."),
        )
    event_data = event.get("eventData")
    if not isinstance(event_data, dict):
        raise _malformed(_("The event has no eventData object."))
    event_type = event_data.get("type")
    if not isinstance(event_type, str) or not _TYPE.fullmatch(event_type):
        raise _malformed(_("eventData.type is missing or not an event name."))
    data = event_data.get("data")
    expected = EVENT_OBJECTS.get(event_type)
    if expected is not None:
        if not isinstance(data, dict) or data.get("object") != expected:
            raise _malformed(
                _("eventData.data of a %(type)s event must be a %(object)s object.")
                % {"type": event_type, "object": expected}
            )
        object_id = data.get("id")
        if not isinstance(object_id, str) or not _OBJECT_ID.fullmatch(object_id):
            raise _malformed(_("eventData.data.id is missing or not a Smartpay id."))
    test = event.get("test")
    return Envelope(
        event_id=event_id,
        type=event_type,
        test=test if isinstance(test, bool) else "_test_" in event_id,
        created=_created(event.get("createdAt")),
        data=data if isinstance(data, dict) else None,
    )
