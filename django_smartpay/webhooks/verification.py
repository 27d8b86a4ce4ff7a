"""Whether a delivery is a genuine, well-formed Smartpay event: headers, signature, then every field.

Nothing here touches the database: the caller passes in the secrets to try, and gets back
an :class:`Event` whose fields are of the type and range their columns take, or a 400
:class:`~.errors.WebhookRequestError` naming what was wrong (spec §7, §11).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from django_smartpay.client import WebhookSignatureError, verify_webhook
from django_smartpay.client import constants as c
from django_smartpay.client.constants import (
    HEADER_EVENT_ID,
    HEADER_SIGNATURE,
    HEADER_SIGNATURE_TIMESTAMP,
    HEADER_SUBSCRIPTION_ID,
)
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models.events import EVENT_ID_MAX_LENGTH
from django_smartpay.sync_fields import EPOCH

from . import errors
from .fields import MAX_MS, check_object, integer_check, text_check

#: Header name -> WSGI environ key, in the order they are checked.
HEADERS = {
    name: "HTTP_" + name.upper().replace("-", "_")
    for name in (HEADER_SIGNATURE, HEADER_SIGNATURE_TIMESTAMP, HEADER_EVENT_ID, HEADER_SUBSCRIPTION_ID)
}
_EVENT_ID = re.compile(rf"[\x21-\x7e]{{1,{EVENT_ID_MAX_LENGTH}}}")
_SUBSCRIPTION_ID = re.compile(r"[\x21-\x7e]{1,64}")

#: Handled event types and the ``object`` their ``eventData.data`` must be.
EVENT_OBJECTS: dict[str, str] = {
    c.EVENT_ORDER_AUTHORIZED: "order",
    c.EVENT_ORDER_REJECTED: "order",
    c.EVENT_ORDER_CANCELED: "order",
    c.EVENT_PAYMENT_CREATED: "payment",
    c.EVENT_REFUND_CREATED: "refund",
    c.EVENT_TOKEN_CREATED: "token",
    c.EVENT_TOKEN_APPROVED: "token",
    c.EVENT_TOKEN_REJECTED: "token",
    c.EVENT_TOKEN_DISABLED: "token",
    c.EVENT_TOKEN_ENABLED: "token",
    c.EVENT_TOKEN_DELETED: "token",
    c.EVENT_TOKEN_USED: "token",
    c.EVENT_COUPON_CREATED: "coupon",
    c.EVENT_COUPON_UPDATED: "coupon",
    c.EVENT_PROMOTION_CODE_CREATED: "promotionCode",
    c.EVENT_PROMOTION_CODE_UPDATED: "promotionCode",
}
#: Every event name Smartpay documents (spec §7.4); others are refused, the unhandled stored as ignored.
KNOWN_EVENTS = frozenset(c.EVENTS)

# Raw NUL and raw surrogates cannot occur in valid UTF-8 JSON; escaped ones can.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: The deepest nesting of objects and lists a body may have.  Smartpay's events are a few levels
#: deep; a deeper body (in ``metadata``, say) would be stored, then fail whatever renders it.
MAX_NESTING = 32


# --- headers and signature --------------------------------------------------------------------


@dataclass(frozen=True)
class SignedHeaders:
    signature: str
    timestamp: str
    event_id: str
    subscription_id: str

    def __repr__(self) -> str:  # the signature is a credential for this body
        return f"SignedHeaders(event_id={self.event_id!r}, subscription_id={self.subscription_id!r})"


def read_headers(request: HttpRequest) -> SignedHeaders:
    """The four headers, present and well formed, or a 400 :class:`~.errors.WebhookRequestError`."""
    values = []
    for name, key in HEADERS.items():
        value = request.META.get(key, "").strip()
        if not value:
            raise errors.WebhookRequestError(
                400, errors.MISSING_HEADER, _("The %(header)s header is missing.") % {"header": name}
            )
        values.append(value)
    headers = SignedHeaders(*values)
    if not _EVENT_ID.fullmatch(headers.event_id):
        raise errors.WebhookRequestError(
            400, errors.INVALID_HEADER, _("Smartpay-Event-Id is not a valid event id.")
        )
    if not _SUBSCRIPTION_ID.fullmatch(headers.subscription_id):
        raise errors.WebhookRequestError(
            400, errors.INVALID_HEADER, _("Smartpay-Subscription-Id is not a valid webhook endpoint id.")
        )
    return headers


@sensitive_variables("secrets")
def verify_signature(
    body: bytes, headers: SignedHeaders, secrets: list[str], tolerance: float | None
) -> None:
    """Raise a 400 error unless one of ``secrets`` signed ``body`` (within ``tolerance`` seconds unless
    ``None``: the view checks the time afterwards with :func:`check_timestamp`, knowing the event)."""
    try:
        verify_webhook(
            body,
            timestamp=headers.timestamp,
            signature=headers.signature,
            secrets=secrets,
            tolerance=tolerance,
        )
    except WebhookSignatureError as exc:
        code = exc.error_code or errors.INVALID_SIGNATURE
        raise errors.WebhookRequestError(
            400, code, errors.SIGNATURE_MESSAGES.get(code, exc.message)
        ) from None
    except ValueError:
        # Raised for a secret that is not base62; the message names no secret.
        raise SmartpayConfigurationError(
            'A webhook signing secret (SMARTPAY["WEBHOOK_SECRETS"] or a WebhookEndpoint row) is not base62.'
        ) from None


#: How old a signature timestamp may be on an event this receiver has never seen (seconds).  Longer
#: than any retry schedule (§11 ends at 1 h); ``prune --older-than`` must keep events longer than this.
REDELIVERY_WINDOW = 3 * 24 * 3600


def check_timestamp(
    timestamp: str,
    stored_status: str | None,
    tolerance: float,
    *,
    window: float = REDELIVERY_WINDOW,
    now_ms: int | None = None,
) -> None:
    """Refuse a verified delivery whose time cannot be right for what is stored of its event.

    Whether Smartpay re-signs a retry or resends the first timestamp is unknown (§11), so an
    older timestamp is accepted when accepting it cannot apply anything twice:

    * within ``tolerance`` (past or future): always;
    * further in the future: never (``webhook.timestamp-in-future``);
    * older, and the event is stored: accepted whatever its age.  Not applied yet (its first
      deliveries failed): this retry applies it.  Applied: exactly-once by event id answers it
      as a duplicate, so a replay is harmless and Smartpay stops retrying;
    * older, and the event is new: accepted within ``window`` (its first deliveries may never
      have reached us), refused beyond (``webhook.timestamp-too-old``): it may be the replay of
      an event pruned from the table, whose handlers would run again.
    """
    stamp = int(timestamp)  # verify_webhook has checked it is digits only
    sent_ms = stamp * 1000 if stamp < 10**11 else stamp  # seconds below 10**11, as the client reads it
    now = int(time.time() * 1000) if now_ms is None else now_ms
    age_ms = now - sent_ms
    if -age_ms > tolerance * 1000:
        code = errors.FUTURE_TIMESTAMP
    elif age_ms <= tolerance * 1000 or stored_status is not None or age_ms <= window * 1000:
        return
    else:
        code = errors.STALE_TIMESTAMP
    raise errors.WebhookRequestError(400, code, errors.SIGNATURE_MESSAGES[code])


# --- the body -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """A verified event whose fields fit the columns they go to."""

    id: str
    type: str
    test: bool
    created: dt.datetime
    data: Any

    @property
    def object_kind(self) -> str | None:
        """The ``object`` of the data of a handled type (``None``: stored as ignored)."""
        return EVENT_OBJECTS.get(self.type)

    @property
    def object_id(self) -> str:
        return str(self.data["id"]) if self.object_kind else ""


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


def _depth(value: Any) -> int:
    """How deeply objects and lists nest in ``value`` (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _load(body: bytes) -> Any:
    try:
        event = json.loads(body.decode("utf-8"), parse_constant=_not_a_number, parse_float=_finite)
    except (ValueError, RecursionError):
        raise errors.MalformedEvent(errors.MALFORMED_JSON, _("The body is not valid JSON.")) from None
    if _depth(event) > MAX_NESTING:
        raise errors.MalformedEvent(
            errors.MALFORMED_JSON,
            _("The body is nested more than %(limit)d levels deep.") % {"limit": MAX_NESTING},
        )
    if _SUSPECT_ESCAPE.search(body) and not _storable(event):
        raise errors.MalformedEvent(
            errors.MALFORMED_JSON,
            _("The body contains U+0000 or an unpaired surrogate, which cannot be stored."),
        )
    return event


#: Bodies up to this size are read by :func:`claimed_object` (Smartpay's events are a few kilobytes).
CLAIM_MAX_BYTES = 64 * 1024


def claimed_object(body: bytes) -> tuple[str, str] | None:
    """The ``(kind, id)`` of the object a body says its event is about, or ``None``.

    It may be read before the signature is checked (the endpoint's secret is looked up
    first), so nothing is decided by it: it only lets the query that reads the event's
    state also tell whether that object is mirrored.  The receiver uses the answer only
    if :func:`parse` finds the same object in the verified body.
    """
    if len(body) > CLAIM_MAX_BYTES:
        return None
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return None
    event_data = event.get("eventData") if isinstance(event, dict) else None
    if not isinstance(event_data, dict) or not isinstance(event_data.get("type"), str):
        return None
    kind, data = EVENT_OBJECTS.get(event_data["type"]), event_data.get("data")
    object_id = data.get("id") if isinstance(data, dict) else None
    if kind is None or not isinstance(object_id, str) or not object_id:
        return None
    return kind, object_id


def parse(body: bytes | str, event_id: str) -> Event:
    """The event in a signed ``body`` whose ``Smartpay-Event-Id`` is ``event_id``.

    Raises :class:`~.errors.MalformedEvent` (400, recorded) when the body is not an
    event or a field is not what its column takes, and a plain 400
    :class:`~.errors.WebhookRequestError` when the body's ``id`` is not ``event_id``.
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
    if event.get("object", "event") != "event":
        raise _malformed(_("The body is not an event object."))
    created = event.get("createdAt")
    if not isinstance(created, int) or integer_check(0, MAX_MS)(created) is not None:
        raise _malformed(_("createdAt must be an integer number of milliseconds since the epoch."))
    test = event.get("test")
    if not isinstance(test, bool):
        raise _malformed(_("test must be true or false."))
    event_data = event.get("eventData")
    if not isinstance(event_data, dict):
        raise _malformed(_("The event has no eventData object."))
    event_type = event_data.get("type")
    if not isinstance(event_type, str) or event_type not in KNOWN_EVENTS:
        raise _malformed(_("eventData.type is missing or not a Smartpay event name."))
    version = event_data.get("version")
    if version is not None and text_check(32)(version):
        raise _malformed(_("eventData.version must be a string."))
    data = event_data.get("data")
    kind = EVENT_OBJECTS.get(event_type)
    if kind is not None:
        problem = check_object(kind, data, test)
        if problem is not None:
            raise _malformed(_("%(problem)s (a %(type)s event).") % {"problem": problem, "type": event_type})
    return Event(
        id=event_id,
        type=event_type,
        test=test,
        created=EPOCH + dt.timedelta(milliseconds=created),
        data=data,
    )
