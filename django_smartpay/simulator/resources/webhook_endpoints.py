"""Webhook endpoints: where an account's events are delivered, and the secret that signs them.

Decision (spec §10.4 open): GET and list return ``signingSecret`` too, not only the create
response.  The official Go type ``WebhookEndpoint`` (used for GET as well) has the field, and a
merchant who lost the create response could otherwise never verify deliveries again.

The secret is 30 random bytes written with Smartpay's base62 alphabet (spec §7.2), so it
decodes back to exactly those bytes under the base-x leading-zero rule.
"""

from __future__ import annotations

from typing import Any

from django_smartpay.client import base62

from .. import listing
from ..context import Call, Ctx
from ..errors import not_found
from ..validation import Checker

#: Every event name Smartpay documents (spec §7.4).
EVENT_NAMES = (
    "order.authorized",
    "order.rejected",
    "order.canceled",
    "payment.created",
    "refund.created",
    "token.created",
    "token.approved",
    "token.rejected",
    "token.disabled",
    "token.enabled",
    "token.deleted",
    "token.used",
    "coupon.created",
    "coupon.updated",
    "promotion_code.created",
    "promotion_code.updated",
    "payout.generated",
    "payout.paid",
    "merchant_user.created",
    "merchant_user.password_reset",
)
SECRET_BYTES = 30


def find(ctx: Ctx, endpoint_id: Any) -> dict[str, Any]:
    endpoint = ctx.get(endpoint_id, "webhookEndpoint")
    if ctx.internal(endpoint).get("deleted"):
        raise not_found("webhookEndpoint")
    return endpoint


def _fields(check: Checker, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    return {
        "url": check.url(body, "url", required=creating),
        "eventSubscriptions": check.string_list(body, "eventSubscriptions", choices=EVENT_NAMES),
        "description": check.string(body, "description", max_len=1000),
        "metadata": check.metadata(body),
    }


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    fields = _fields(check, body, creating=True)
    check.done()
    endpoint = ctx.base("webhookendpoint", "webhookEndpoint")
    endpoint.update(url=fields["url"], active=True)
    if fields["description"] is not None:
        endpoint["description"] = fields["description"]
    endpoint["eventSubscriptions"] = fields["eventSubscriptions"] or []
    endpoint["metadata"] = fields["metadata"] or {}
    endpoint["signingSecret"] = base62.encode(ctx.store.random_bytes(SECRET_BYTES))
    ctx.add(endpoint)
    return 200, endpoint


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, find(ctx, call.id)


def update(ctx: Ctx, call: Call) -> tuple[int, Any]:
    endpoint = find(ctx, call.id)
    check = Checker()
    body = check.body_object(call.body)
    fields = _fields(check, body, creating=False)
    fields["active"] = check.boolean(body, "active")
    check.done()
    endpoint.update({key: value for key, value in fields.items() if value is not None})
    ctx.touch(endpoint)
    return 200, endpoint


def delete(ctx: Ctx, call: Call) -> tuple[int, Any]:
    endpoint = find(ctx, call.id)
    ctx.internal(endpoint)["deleted"] = True
    ctx.touch(endpoint)
    return 204, None


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    include = lambda endpoint: not ctx.internal(endpoint).get("deleted")  # noqa: E731
    return 200, listing.collection(ctx.store, ctx.account, "webhookEndpoint", call.query, include=include)


def receivers(ctx: Ctx, event_type: str) -> list[dict[str, Any]]:
    """Active, undeleted endpoints of the account subscribed to ``event_type`` (none/empty = all)."""
    result = []
    for endpoint_id in ctx.account.by_kind.get("webhookEndpoint", ()):
        endpoint = ctx.account.objects[endpoint_id]
        if not endpoint["active"] or ctx.account.internal[endpoint_id].get("deleted"):
            continue
        subscriptions = endpoint["eventSubscriptions"]
        if not subscriptions or event_type in subscriptions:
            result.append(endpoint)
    return result
