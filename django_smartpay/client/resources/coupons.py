"""Coupons: ``/coupons``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .. import constants, payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, list_params, require_update


class CouponsMixin(ResourceBase):
    def create_coupon(
        self,
        name: str | None = None,
        discount_type: str | None = None,
        *,
        discount_amount: int | None = None,
        discount_percentage: float | None = None,
        currency: str | None = None,
        expires_at: int | dt.datetime | None = None,
        max_redemption_count: int | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``POST /coupons``.

        ``discount_type="amount"`` needs ``discount_amount`` and ``currency``;
        ``"percentage"`` needs ``discount_percentage`` (0-100).  ``expires_at`` is
        milliseconds since the epoch or an aware datetime.
        """
        p = v.Problems("create_coupon")
        kind = v.choice(p, "discount_type", discount_type, constants.COUPON_DISCOUNT_TYPES, required=True)
        is_amount = kind == constants.COUPON_DISCOUNT_TYPE_AMOUNT
        is_percentage = kind == constants.COUPON_DISCOUNT_TYPE_PERCENTAGE
        body = payloads.build_body(
            name=v.text(p, "name", name, required=True),
            discount_type=kind,
            discount_amount=v.amount(p, "discount_amount", discount_amount, required=is_amount),
            discount_percentage=v.number(
                p, "discount_percentage", discount_percentage, minimum=0, maximum=100, required=is_percentage
            ),
            currency=v.currency(p, "currency", currency, required=is_amount),
            expires_at=v.timestamp_ms(p, "expires_at", expires_at),
            max_redemption_count=v.integer(p, "max_redemption_count", max_redemption_count, minimum=1),
            description=v.text(p, "description", description),
            metadata=v.metadata(p, "metadata", metadata),
        )
        if is_percentage and discount_amount is not None:
            p.add(
                "value.not-allowed-with", field="discount_amount", other="discount_type", value="percentage"
            )
        if is_amount and discount_percentage is not None:
            p.add(
                "value.not-allowed-with", field="discount_percentage", other="discount_type", value="amount"
            )
        p.raise_if_any()
        key = v.idempotency_key("create_coupon", idempotency_key)
        return self._object("POST", "/coupons", json=body, idempotency_key=key)

    def get_coupon(self, id: str) -> JSONObject:
        """``GET /coupons/{id}``."""
        checked = v.validate_id("get_coupon", "coupon", id)
        return self._object("GET", f"/coupons/{checked}")

    def update_coupon(
        self,
        id: str,
        *,
        name: str | None = None,
        active: bool | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """``PATCH /coupons/{id}``: name, active and metadata can change."""
        p = v.Problems("update_coupon")
        checked = v.object_id(p, "id", id, "coupon")
        body = payloads.build_body(
            name=v.text(p, "name", name),
            active=v.boolean(p, "active", active),
            metadata=v.metadata(p, "metadata", metadata),
        )
        p.raise_if_any()
        require_update("update_coupon", body)
        key = v.idempotency_key("update_coupon", idempotency_key)
        return self._object("PATCH", f"/coupons/{checked}", json=body, idempotency_key=key)

    def list_coupons(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /coupons``: one page.  ``expand`` is sent only when given."""
        params = list_params("list_coupons", max_results, page_token, expand)
        return self._object("GET", "/coupons", params=params)

    def iter_coupons(self, *, max_results: int | None = None, expand: Expand = None) -> Iterator[JSONObject]:
        """Every coupon, fetching pages lazily."""
        list_params("iter_coupons", max_results, None, expand)
        return paginate(self.list_coupons, max_results=max_results, expand=expand)
