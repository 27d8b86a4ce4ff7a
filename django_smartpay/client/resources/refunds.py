"""Refunds: ``/refunds``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import constants, payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, expand_params, list_params, require_update


class RefundsMixin(ResourceBase):
    def create_refund(
        self,
        payment: str | None = None,
        amount: int | None = None,
        currency: str | None = None,
        reason: str | None = None,
        *,
        line_items: list[str] | None = None,
        reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``POST /refunds``: refund ``amount`` of a payment (final; may be repeated until fully refunded).

        ``reason`` is ``"requested_by_customer"`` or ``"fraudulent"``.  Smartpay answers
        HTTP 403 ``amount.insufficient`` when the payment has less left to refund.
        """
        p = v.Problems("create_refund")
        body = payloads.build_body(
            payment=v.object_id(p, "payment", payment, "payment"),
            amount=v.amount(p, "amount", amount, required=True, minimum=1),
            currency=v.currency(p, "currency", currency, required=True),
            reason=v.choice(p, "reason", reason, constants.REFUND_REASONS, required=True),
            line_items=v.string_list(p, "line_items", line_items),
            reference=v.text(p, "reference", reference),
            description=v.text(p, "description", description),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        key = v.idempotency_key("create_refund", idempotency_key)
        return self._object("POST", "/refunds", json=body, idempotency_key=key)

    #: Alias of :meth:`create_refund`.
    refund = create_refund

    def get_refund(self, id: str, *, expand: Expand = None) -> JSONObject:
        """``GET /refunds/{id}``."""
        checked = v.validate_id("get_refund", "refund", id)
        return self._object("GET", f"/refunds/{checked}", params=expand_params("get_refund", expand))

    def update_refund(
        self,
        id: str,
        *,
        reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``PATCH /refunds/{id}``: only reference, description and metadata can change."""
        p = v.Problems("update_refund")
        checked = v.object_id(p, "id", id, "refund")
        body = payloads.build_body(
            reference=v.text(p, "reference", reference),
            description=v.text(p, "description", description),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        require_update("update_refund", body)
        key = v.idempotency_key("update_refund", idempotency_key)
        return self._object("PATCH", f"/refunds/{checked}", json=body, idempotency_key=key)

    def list_refunds(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /refunds``: one page (a collection)."""
        params = list_params("list_refunds", max_results, page_token, expand)
        return self._object("GET", "/refunds", params=params)

    def iter_refunds(self, *, max_results: int | None = None, expand: Expand = None) -> Iterator[JSONObject]:
        """Every refund, fetching pages lazily."""
        list_params("iter_refunds", max_results, None, expand)
        return paginate(self.list_refunds, max_results=max_results, expand=expand)
