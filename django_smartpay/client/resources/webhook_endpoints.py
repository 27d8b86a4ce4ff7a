"""Webhook endpoints: ``/webhook-endpoints``, and the signature helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import payloads, signatures
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, list_params, require_update


class WebhookEndpointsMixin(ResourceBase):
    calculate_webhook_signature = staticmethod(signatures.calculate_webhook_signature)
    verify_webhook_signature = staticmethod(signatures.verify_webhook_signature)
    verify_webhook = staticmethod(signatures.verify_webhook)

    def create_webhook_endpoint(
        self,
        url: str | None = None,
        *,
        event_subscriptions: list[str] | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``POST /webhook-endpoints``; the answer carries the ``signingSecret`` to store.

        Without ``event_subscriptions`` the endpoint receives every event.  Event names are
        not checked against :data:`~django_smartpay.client.constants.EVENTS`, so events
        Smartpay adds later can be subscribed to.
        """
        p = v.Problems("create_webhook_endpoint")
        body = payloads.build_body(
            url=v.text(p, "url", url, required=True),
            event_subscriptions=v.string_list(p, "event_subscriptions", event_subscriptions),
            description=v.text(p, "description", description),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        key = v.idempotency_key("create_webhook_endpoint", idempotency_key)
        return self._object("POST", "/webhook-endpoints", json=body, idempotency_key=key)

    def get_webhook_endpoint(self, id: str) -> JSONObject:
        """``GET /webhook-endpoints/{id}``."""
        checked = v.validate_id("get_webhook_endpoint", "webhook_endpoint", id)
        return self._object("GET", f"/webhook-endpoints/{checked}")

    def update_webhook_endpoint(
        self,
        id: str,
        *,
        url: str | None = None,
        event_subscriptions: list[str] | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        active: bool | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``PATCH /webhook-endpoints/{id}``; ``active=False`` pauses deliveries."""
        p = v.Problems("update_webhook_endpoint")
        checked = v.object_id(p, "id", id, "webhook_endpoint")
        body = payloads.build_body(
            url=v.text(p, "url", url),
            event_subscriptions=v.string_list(p, "event_subscriptions", event_subscriptions),
            description=v.text(p, "description", description),
            metadata=v.metadata(p, "metadata", metadata),
            active=v.boolean(p, "active", active),
        )
        p.raise_if_any()
        require_update("update_webhook_endpoint", body)
        key = v.idempotency_key("update_webhook_endpoint", idempotency_key)
        return self._object("PATCH", f"/webhook-endpoints/{checked}", json=body, idempotency_key=key)

    def delete_webhook_endpoint(self, id: str, *, idempotency_key: str | None = None) -> JSONObject | None:
        """``DELETE /webhook-endpoints/{id}``; Smartpay answers 204, so this returns ``None``."""
        checked = v.validate_id("delete_webhook_endpoint", "webhook_endpoint", id)
        key = v.idempotency_key("delete_webhook_endpoint", idempotency_key)
        return self._optional_object("DELETE", f"/webhook-endpoints/{checked}", idempotency_key=key)

    def list_webhook_endpoints(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /webhook-endpoints``: one page.  ``expand`` is sent only when given."""
        params = list_params("list_webhook_endpoints", max_results, page_token, expand)
        return self._object("GET", "/webhook-endpoints", params=params)

    def iter_webhook_endpoints(
        self, *, max_results: int | None = None, expand: Expand = None
    ) -> Iterator[JSONObject]:
        """Every webhook endpoint, fetching pages lazily."""
        list_params("iter_webhook_endpoints", max_results, None, expand)
        return paginate(self.list_webhook_endpoints, max_results=max_results, expand=expand)
