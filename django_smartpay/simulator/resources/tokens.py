"""Tokens (saved payment methods): created by ``mode: "token"`` checkout sessions.

Decisions:

* GET finds every token but a deleted one; the list shows only ``active`` and ``disabled`` tokens
  (spec §3.8).
* Enable/disable find only ``active``/``disabled`` tokens: any other status (``requires_authorization``
  per the SDK docs, and also ``rejected``/``deleted``) gives 404 ``token.not-found``.  Enabling an
  active token or disabling a disabled one is a no-op (200, no event).
* DELETE works on any token that is not already deleted (204, final).
* Approving/rejecting a token that is not ``requires_authorization`` gives 409
  ``token.cannot-authorize``.
"""

from __future__ import annotations

from typing import Any

from .. import listing
from ..context import Call, Ctx
from ..errors import ApiError, not_found

MANAGEABLE = ("active", "disabled")


def find(ctx: Ctx, token_id: Any) -> dict[str, Any]:
    token = ctx.get(token_id, "token")
    if token["status"] == "deleted":
        raise not_found("token")
    return token


def _set_status(ctx: Ctx, token: dict[str, Any], status: str, event: str) -> dict[str, Any]:
    token["status"] = status
    ctx.touch(token)
    ctx.emit(event, token)
    return token


def approve(ctx: Ctx, token: dict[str, Any]) -> dict[str, Any]:
    if token["status"] != "requires_authorization":
        raise ApiError(
            409, "token.cannot-authorize", f"The token is {token['status']}, not requires_authorization"
        )
    return _set_status(ctx, token, "active", "token.approved")


def reject(ctx: Ctx, token: dict[str, Any]) -> dict[str, Any]:
    if token["status"] != "requires_authorization":
        raise ApiError(
            409, "token.cannot-authorize", f"The token is {token['status']}, not requires_authorization"
        )
    return _set_status(ctx, token, "rejected", "token.rejected")


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, find(ctx, call.id)


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    include = lambda token: token["status"] in MANAGEABLE  # noqa: E731
    return 200, listing.collection(ctx.store, ctx.account, "token", call.query, include=include)


def _manageable(ctx: Ctx, token_id: str) -> dict[str, Any]:
    token = find(ctx, token_id)
    if token["status"] not in MANAGEABLE:
        raise not_found("token")
    return token


def enable(ctx: Ctx, call: Call) -> tuple[int, Any]:
    token = _manageable(ctx, call.id)
    if token["status"] == "disabled":
        _set_status(ctx, token, "active", "token.enabled")
    return 200, None


def disable(ctx: Ctx, call: Call) -> tuple[int, Any]:
    token = _manageable(ctx, call.id)
    if token["status"] == "active":
        _set_status(ctx, token, "disabled", "token.disabled")
    return 200, None


def delete(ctx: Ctx, call: Call) -> tuple[int, Any]:
    _set_status(ctx, find(ctx, call.id), "deleted", "token.deleted")
    return 204, None
