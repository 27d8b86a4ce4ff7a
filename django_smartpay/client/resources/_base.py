"""What every resource mixin relies on: ``request`` and a few shared helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .. import validation as v
from ..errors import SmartpayServerError

JSONObject = dict[str, Any]
#: ``expand``: ``"all"``/``"no"``, or ``True``/``False`` for them.
Expand = Literal["all", "no"] | bool | None


def list_params(operation: str, max_results: object, page_token: object, expand: object) -> dict[str, Any]:
    """Validated query parameters of a list call (only those given)."""
    p = v.Problems(operation)
    params: dict[str, Any] = {
        "maxResults": v.integer(p, "max_results", max_results, minimum=1, maximum=v.MAX_PAGE_SIZE),
        "pageToken": v.text(p, "page_token", page_token),
        "expand": v.expand(p, "expand", expand),
    }
    p.raise_if_any()
    return {name: value for name, value in params.items() if value is not None}


def expand_params(operation: str, expand: object) -> dict[str, str]:
    p = v.Problems(operation)
    value = v.expand(p, "expand", expand)
    p.raise_if_any()
    return {} if value is None else {"expand": value}


def require_update(operation: str, body: Mapping[str, Any]) -> None:
    """An update without any field is almost certainly a mistake."""
    if not body:
        raise v.fail(operation, "update.empty")


class ResourceBase:
    """Base of the resource mixins; :class:`~django_smartpay.client.SmartpayClient` implements ``request``."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        raise NotImplementedError

    def _object(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> JSONObject:
        """A call whose answer must be a JSON object."""
        result = self.request(method, path, params=params, json=json, idempotency_key=idempotency_key)
        if not isinstance(result, dict):
            raise SmartpayServerError(
                f"{method} {path}: Smartpay answered without a JSON object ({type(result).__name__})"
            )
        return result

    def _optional_object(
        self, method: str, path: str, *, idempotency_key: str | None = None
    ) -> JSONObject | None:
        """A call that may answer with an empty body (enable/disable/delete)."""
        result = self.request(method, path, idempotency_key=idempotency_key)
        if result is not None and not isinstance(result, dict):
            raise SmartpayServerError(
                f"{method} {path}: Smartpay answered without a JSON object ({type(result).__name__})"
            )
        return result
