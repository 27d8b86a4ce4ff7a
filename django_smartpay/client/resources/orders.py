"""Orders: ``/orders`` (token orders, cancellation, retrieval)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, expand_params, list_params


class OrdersMixin(ResourceBase):
    def create_order(
        self,
        payload: Mapping[str, Any] | None = None,
        /,
        *,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> JSONObject:
        """``POST /orders``: charge an active token (``token``, items, shippingInfo, …).

        Normalised like a checkout payload (aliases, item quantity and currency, amount
        computed when absent, flat shipping address wrapped); ``customerInfo`` may be ``{}``.
        Each call creates and authorizes a new order, so pass a stable ``idempotency_key``
        when the call may be repeated.  Check the returned ``status`` before fulfilling.
        """
        data = payloads.merge_payload("create_order", payload, fields)
        key = payloads.pop_idempotency_key("create_order", data, idempotency_key)
        body = payloads.normalize_token_order(data)
        return self._object("POST", "/orders", json=body, idempotency_key=key)

    def get_order(self, id: str, *, expand: Expand = None) -> JSONObject:
        """``GET /orders/{id}``."""
        checked = v.validate_id("get_order", "order", id)
        return self._object("GET", f"/orders/{checked}", params=expand_params("get_order", expand))

    def cancel_order(self, id: str, *, idempotency_key: str | None = None) -> JSONObject:
        """``PUT /orders/{id}/cancellation``: release the uncaptured remainder (irreversible)."""
        checked = v.validate_id("cancel_order", "order", id)
        key = v.idempotency_key("cancel_order", idempotency_key)
        return self._object("PUT", f"/orders/{checked}/cancellation", idempotency_key=key)

    def list_orders(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /orders``: one page (a collection)."""
        params = list_params("list_orders", max_results, page_token, expand)
        return self._object("GET", "/orders", params=params)

    def iter_orders(self, *, max_results: int | None = None, expand: Expand = None) -> Iterator[JSONObject]:
        """Every order, fetching pages lazily."""
        list_params("iter_orders", max_results, None, expand)
        return paginate(self.list_orders, max_results=max_results, expand=expand)
