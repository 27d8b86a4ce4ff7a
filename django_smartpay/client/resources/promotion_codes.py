"""Promotion codes: ``/promotion-codes``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .. import payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, list_params, require_update


class PromotionCodesMixin(ResourceBase):
    def create_promotion_code(
        self,
        coupon: str | None = None,
        code: str | None = None,
        *,
        active: bool | None = None,
        currency: str | None = None,
        expires_at: int | dt.datetime | None = None,
        first_time_transaction: bool | None = None,
        one_per_customer: bool | None = None,
        max_redemption_count: int | None = None,
        minimum_amount: int | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``POST /promotion-codes``: a customer-facing ``code`` (unique, case-insensitively) for a coupon.

        ``minimum_amount`` needs ``currency``.  Smartpay answers 409
        ``promotion-code.exists`` for a code already in use.
        """
        p = v.Problems("create_promotion_code")
        minimum = v.amount(p, "minimum_amount", minimum_amount)
        body = payloads.build_body(
            coupon=v.object_id(p, "coupon", coupon, "coupon"),
            code=v.text(p, "code", code, required=True, max_length=v.MAX_PROMOTION_CODE_LENGTH),
            active=v.boolean(p, "active", active),
            currency=v.currency(p, "currency", currency, required=minimum is not None),
            expires_at=v.timestamp_ms(p, "expires_at", expires_at),
            first_time_transaction=v.boolean(p, "first_time_transaction", first_time_transaction),
            one_per_customer=v.boolean(p, "one_per_customer", one_per_customer),
            max_redemption_count=v.integer(p, "max_redemption_count", max_redemption_count, minimum=1),
            minimum_amount=minimum,
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        key = v.idempotency_key("create_promotion_code", idempotency_key)
        return self._object("POST", "/promotion-codes", json=body, idempotency_key=key)

    def get_promotion_code(self, id: str) -> JSONObject:
        """``GET /promotion-codes/{id}``."""
        checked = v.validate_id("get_promotion_code", "promotion_code", id)
        return self._object("GET", f"/promotion-codes/{checked}")

    def update_promotion_code(
        self,
        id: str,
        *,
        active: bool | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``PATCH /promotion-codes/{id}``: only active and metadata can change."""
        p = v.Problems("update_promotion_code")
        checked = v.object_id(p, "id", id, "promotion_code")
        body = payloads.build_body(
            active=v.boolean(p, "active", active), metadata=v.metadata(p, "metadata", metadata)
        )
        p.raise_if_any()
        require_update("update_promotion_code", body)
        key = v.idempotency_key("update_promotion_code", idempotency_key)
        return self._object("PATCH", f"/promotion-codes/{checked}", json=body, idempotency_key=key)

    def list_promotion_codes(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /promotion-codes``: one page.  ``expand`` is sent only when given."""
        params = list_params("list_promotion_codes", max_results, page_token, expand)
        return self._object("GET", "/promotion-codes", params=params)

    def iter_promotion_codes(
        self, *, max_results: int | None = None, expand: Expand = None
    ) -> Iterator[JSONObject]:
        """Every promotion code, fetching pages lazily."""
        list_params("iter_promotion_codes", max_results, None, expand)
        return paginate(self.list_promotion_codes, max_results=max_results, expand=expand)
