"""Tokens (saved payment methods): ``/tokens``."""

from __future__ import annotations

from collections.abc import Iterator

from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, expand_params, list_params


class TokensMixin(ResourceBase):
    def get_token(self, id: str, *, expand: Expand = None) -> JSONObject:
        """``GET /tokens/{id}`` (``expand`` is sent when given; the official SDK dropped it)."""
        checked = v.validate_id("get_token", "token", id)
        return self._object("GET", f"/tokens/{checked}", params=expand_params("get_token", expand))

    def list_tokens(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /tokens``: one page of active and disabled tokens (deleted ones are not listed)."""
        params = list_params("list_tokens", max_results, page_token, expand)
        return self._object("GET", "/tokens", params=params)

    def iter_tokens(self, *, max_results: int | None = None, expand: Expand = None) -> Iterator[JSONObject]:
        """Every token, fetching pages lazily."""
        list_params("iter_tokens", max_results, None, expand)
        return paginate(self.list_tokens, max_results=max_results, expand=expand)

    def enable_token(self, id: str, *, idempotency_key: str | None = None) -> JSONObject | None:
        """``PUT /tokens/{id}/enable``; Smartpay answers 200 with an empty body (``None``)."""
        checked = v.validate_id("enable_token", "token", id)
        key = v.idempotency_key("enable_token", idempotency_key)
        return self._optional_object("PUT", f"/tokens/{checked}/enable", idempotency_key=key)

    def disable_token(self, id: str, *, idempotency_key: str | None = None) -> JSONObject | None:
        """``PUT /tokens/{id}/disable``; Smartpay answers 200 with an empty body (``None``)."""
        checked = v.validate_id("disable_token", "token", id)
        key = v.idempotency_key("disable_token", idempotency_key)
        return self._optional_object("PUT", f"/tokens/{checked}/disable", idempotency_key=key)

    def delete_token(self, id: str, *, idempotency_key: str | None = None) -> JSONObject | None:
        """``DELETE /tokens/{id}``: final; Smartpay answers 204 (``None``)."""
        checked = v.validate_id("delete_token", "token", id)
        key = v.idempotency_key("delete_token", idempotency_key)
        return self._optional_object("DELETE", f"/tokens/{checked}", idempotency_key=key)
