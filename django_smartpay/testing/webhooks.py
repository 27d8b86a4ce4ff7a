"""Build, sign and deliver Smartpay webhook events in tests (no pytest needed).

.. code-block:: python

    from django_smartpay.testing.webhooks import send_webhook

    response = send_webhook(client, order, "order.authorized", secret="gybcsjix…")
    assert response.status_code == 200

The event envelope is the one of spec §7.3 (``{"id": "evt_test_…", "object":
"event", "createdAt", "test", "eventData": {"type", "version", "data"}}``), the
body is compact JSON as Smartpay sends it, and the headers are signed with
:meth:`SmartpayClient.calculate_webhook_signature
<django_smartpay.client.SmartpayClient.calculate_webhook_signature>` over
``"<timestamp>.<body>"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.test import Client
from django.urls import reverse

from ..client import SmartpayClient
from ..client.constants import (
    HEADER_EVENT_ID,
    HEADER_SIGNATURE,
    HEADER_SIGNATURE_TIMESTAMP,
    HEADER_SUBSCRIPTION_ID,
)
from ..models.base import SmartpayObject
from .objects import api_object, smartpay_id

EVENT_VERSION = "2022-02-18"
#: ``Smartpay-Subscription-Id`` sent when none is given (any well-formed endpoint id; the
#: webhook view looks up secrets by it only when ``WEBHOOK_SECRETS`` is a dict).
DEFAULT_SUBSCRIPTION_ID = "webhookendpoint_test_testingKit0000000000001"
#: The URL name of django_smartpay's webhook view.
WEBHOOK_URL_NAME = "smartpay:webhook"

_ORDER_EVENTS = {"rejected": "order.rejected", "canceled": "order.canceled"}
_TOKEN_EVENTS = {
    "requires_authorization": "token.created",
    "active": "token.approved",
    "rejected": "token.rejected",
    "disabled": "token.disabled",
    "deleted": "token.deleted",
}


def object_data(obj: models.Model | Mapping[str, Any]) -> dict[str, Any]:
    """The API object of ``obj``: a dict as is, a row's ``data`` (or rendered from its columns)."""
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, SmartpayObject):
        return dict(obj.data) if obj.data else api_object(obj)
    raise TypeError(f"expected a mirrored Smartpay row or an API object, not {type(obj).__name__}")


def default_event_type(data: Mapping[str, Any]) -> str:
    """The event Smartpay sends when an object reaches the state ``data`` shows."""
    kind, status = data.get("object"), data.get("status", "")
    if kind == "order":
        return _ORDER_EVENTS.get(status, "order.authorized")
    if kind == "token":
        return _TOKEN_EVENTS.get(status, "token.created")
    simple = {
        "payment": "payment.created",
        "refund": "refund.created",
        "coupon": "coupon.created",
        "promotionCode": "promotion_code.created",
    }
    if kind in simple:
        return simple[kind]
    raise ValueError(f"no default event type for object {kind!r}; pass event_type")


def build_event(
    obj: models.Model | Mapping[str, Any],
    event_type: str | None = None,
    *,
    event_id: str | None = None,
    created_at: int | None = None,
) -> dict[str, Any]:
    """The event envelope (spec §7.3) carrying ``obj``'s API object."""
    data = object_data(obj)
    test = bool(data.get("test", True))
    return {
        "id": event_id or smartpay_id("evt", live=not test),
        "object": "event",
        "createdAt": int(time.time() * 1000) if created_at is None else created_at,
        "test": test,
        "eventData": {
            "type": event_type or default_event_type(data),
            "version": EVENT_VERSION,
            "data": data,
        },
    }


def event_body(event: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as Smartpay writes it."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature_headers(
    body: bytes | str,
    secret: str,
    *,
    timestamp: int | None = None,
    event_id: str | None = None,
    subscription_id: str | None = None,
) -> dict[str, str]:
    """The ``Smartpay-*`` headers of a delivery of ``body`` signed with ``secret``.

    ``timestamp`` is in milliseconds (default: now).  ``event_id`` defaults to the
    body's ``id``; ``subscription_id`` (the ``webhookendpoint_…`` id the delivery is
    for) defaults to :data:`DEFAULT_SUBSCRIPTION_ID`.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    stamp = str(int(time.time() * 1000) if timestamp is None else timestamp)
    headers = {
        HEADER_SIGNATURE: SmartpayClient.calculate_webhook_signature(stamp.encode() + b"." + raw, secret),
        HEADER_SIGNATURE_TIMESTAMP: stamp,
    }
    if event_id is None:
        try:
            event_id = json.loads(raw).get("id")
        except (ValueError, AttributeError):
            event_id = None
    if event_id:
        headers[HEADER_EVENT_ID] = event_id
    headers[HEADER_SUBSCRIPTION_ID] = subscription_id or DEFAULT_SUBSCRIPTION_ID
    return headers


def post_webhook(
    client: Client, body: bytes | str, headers: Mapping[str, str], *, path: str | None = None
) -> Any:
    """POST a raw webhook body with ``headers`` through Django's test ``client``."""
    return client.post(
        path or reverse(WEBHOOK_URL_NAME),
        data=body.encode("utf-8") if isinstance(body, str) else body,
        content_type="application/json",
        headers=dict(headers),
    )


def send_webhook(
    client: Client,
    obj: models.Model | Mapping[str, Any],
    event_type: str | None = None,
    *,
    secret: str,
    path: str | None = None,
    subscription_id: str | None = None,
    timestamp: int | None = None,
    event_id: str | None = None,
) -> Any:
    """Deliver a signed event about ``obj`` to the webhook view; return the response.

    The response carries the event that was sent as ``response.smartpay_event``.
    """
    event = build_event(obj, event_type, event_id=event_id)
    body = event_body(event)
    headers = signature_headers(body, secret, timestamp=timestamp, subscription_id=subscription_id)
    response = post_webhook(client, body, headers, path=path)
    response.smartpay_event = event
    return response


__all__ = [
    "DEFAULT_SUBSCRIPTION_ID",
    "EVENT_VERSION",
    "WEBHOOK_URL_NAME",
    "build_event",
    "default_event_type",
    "event_body",
    "object_data",
    "post_webhook",
    "send_webhook",
    "signature_headers",
]
