"""Payments (captures): ``/payments``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import constants, payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, expand_params, list_params, require_update


class PaymentsMixin(ResourceBase):
    def create_payment(
        self,
        order: str | None = None,
        amount: int | None = None,
        currency: str | None = None,
        *,
        cancel_remainder: str | None = None,
        line_items: list[str] | None = None,
        reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``POST /payments``: capture ``amount`` of an authorized order.

        With ``cancel_remainder="automatic"`` (Smartpay's default) the uncaptured rest is
        released after this capture; ``"manual"`` allows further partial captures.
        """
        p = v.Problems("create_payment")
        body = payloads.build_body(
            order=v.object_id(p, "order", order, "order"),
            amount=v.amount(p, "amount", amount, required=True, minimum=1),
            currency=v.currency(p, "currency", currency, required=True),
            cancel_remainder=v.choice(p, "cancel_remainder", cancel_remainder, constants.CANCEL_REMAINDERS),
            line_items=v.string_list(p, "line_items", line_items),
            reference=v.text(p, "reference", reference, max_length=v.MAX_REFERENCE_LENGTH),
            description=v.text(p, "description", description, max_length=v.MAX_DESCRIPTION_LENGTH),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        key = v.idempotency_key("create_payment", idempotency_key)
        return self._object("POST", "/payments", json=body, idempotency_key=key)

    #: Alias of :meth:`create_payment`: a payment *is* a capture.
    capture = create_payment

    def get_payment(self, id: str, *, expand: Expand = None) -> JSONObject:
        """``GET /payments/{id}``."""
        checked = v.validate_id("get_payment", "payment", id)
        return self._object("GET", f"/payments/{checked}", params=expand_params("get_payment", expand))

    def update_payment(
        self,
        id: str,
        *,
        reference: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``PATCH /payments/{id}``: only reference, description and metadata can change."""
        p = v.Problems("update_payment")
        checked = v.object_id(p, "id", id, "payment")
        body = payloads.build_body(
            reference=v.text(p, "reference", reference, max_length=v.MAX_REFERENCE_LENGTH),
            description=v.text(p, "description", description, max_length=v.MAX_DESCRIPTION_LENGTH),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        require_update("update_payment", body)
        key = v.idempotency_key("update_payment", idempotency_key)
        return self._object("PATCH", f"/payments/{checked}", json=body, idempotency_key=key)

    def list_payments(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /payments``: one page (a collection)."""
        params = list_params("list_payments", max_results, page_token, expand)
        return self._object("GET", "/payments", params=params)

    def iter_payments(self, *, max_results: int | None = None, expand: Expand = None) -> Iterator[JSONObject]:
        """Every payment, fetching pages lazily."""
        list_params("iter_payments", max_results, None, expand)
        return paginate(self.list_payments, max_results=max_results, expand=expand)
