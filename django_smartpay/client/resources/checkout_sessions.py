"""Checkout sessions: ``/checkout-sessions`` and the checkout URL."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from .. import payloads
from .. import validation as v
from ..pagination import paginate
from ._base import Expand, JSONObject, ResourceBase, expand_params, list_params

PROMOTION_CODE_PARAMETER = "promotion-code"


def get_session_url(session: Mapping[str, Any] | str, promotion_code: str | None = None) -> str:
    """The checkout URL of ``session`` (a session dict or its URL), with an optional promotion code.

    ``promotion-code=<code>`` is merged into any query string the URL already has,
    replacing an earlier ``promotion-code``; the other parameters are kept byte for byte
    (the official Python SDK produced ``…?demo=true?promotion-code=…``, spec §9 item 2).
    """
    p = v.Problems("get_session_url")
    url = (
        session if isinstance(session, str) else session.get("url") if isinstance(session, Mapping) else None
    )
    v.text(p, "session.url", url, required=True)
    code = v.text(
        p, "promotion_code", promotion_code, max_length=v.MAX_PROMOTION_CODE_LENGTH, allow_empty=True
    )
    p.raise_if_any()
    assert isinstance(url, str)
    if not code:
        return url
    parts = urlsplit(url)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.partition("=")[0]) != PROMOTION_CODE_PARAMETER
    ]
    kept.append(urlencode({PROMOTION_CODE_PARAMETER: code}))
    return urlunsplit(parts._replace(query="&".join(kept)))


class CheckoutSessionsMixin(ResourceBase):
    get_session_url = staticmethod(get_session_url)

    def create_checkout_session(
        self,
        payload: Mapping[str, Any] | None = None,
        /,
        *,
        promotion_code: str | None = None,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> JSONObject:
        """``POST /checkout-sessions``: a standard order, or a token checkout with ``mode="token"``.

        ``payload`` (strict or loose, camelCase or snake_case) and ``fields`` (snake_case
        keyword arguments, which win) are merged and normalised (see
        :mod:`django_smartpay.client.payloads`).  ``promotion_code`` (or ``promotionCode``
        in the payload) is never sent: the returned session's ``url`` carries it instead.
        """
        data = payloads.merge_payload("create_checkout_session", payload, fields)
        key = payloads.pop_idempotency_key("create_checkout_session", data, idempotency_key)
        body, code_in_payload = payloads.normalize_checkout_session(data)
        p = v.Problems("create_checkout_session")
        code = v.text(p, "promotion_code", promotion_code, max_length=v.MAX_PROMOTION_CODE_LENGTH)
        if code is not None and code_in_payload is not None and code != code_in_payload:
            p.add("value.differs-from-payload", field="promotion_code", other="promotionCode")
        p.raise_if_any()
        code = code or code_in_payload
        session = self._object("POST", "/checkout-sessions", json=body, idempotency_key=key)
        if code and isinstance(session.get("url"), str):
            session["url"] = get_session_url(session, code)
        return session

    def get_checkout_session(self, id: str, *, expand: Expand = None) -> JSONObject:
        """``GET /checkout-sessions/{id}``; ``order``/``token`` are ids unless ``expand="all"``."""
        checked = v.validate_id("get_checkout_session", "checkout_session", id)
        params = expand_params("get_checkout_session", expand)
        return self._object("GET", f"/checkout-sessions/{checked}", params=params)

    def list_checkout_sessions(
        self, *, max_results: int | None = None, page_token: str | None = None, expand: Expand = None
    ) -> JSONObject:
        """``GET /checkout-sessions``: one page (a collection)."""
        params = list_params("list_checkout_sessions", max_results, page_token, expand)
        return self._object("GET", "/checkout-sessions", params=params)

    def iter_checkout_sessions(
        self, *, max_results: int | None = None, expand: Expand = None
    ) -> Iterator[JSONObject]:
        """Every checkout session, fetching pages lazily."""
        list_params("iter_checkout_sessions", max_results, None, expand)
        return paginate(self.list_checkout_sessions, max_results=max_results, expand=expand)
