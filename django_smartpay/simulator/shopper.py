"""Shopper-side test endpoints (spec §3.9, §11), served under ``/v1`` with Bearer auth.

``POST /v1/consumers/auth/login`` takes any e-mail address and the password ``password`` and
returns an access token.  With it, ``POST /v1/orders/{id}/authorizations`` authorizes
(``pm_test_visaApproved``) or rejects (``pm_test_visaDeclined``) an order, and
``PUT /v1/tokens/{id}/approve|reject`` decides a token.  Orders and tokens are found in any
account: the shopper does not know the merchant's key.  Responses are the updated object.
"""

from __future__ import annotations

from typing import Any

from .context import Call, Ctx, Host
from .errors import not_found
from .resources import orders, tokens
from .validation import Checker

PASSWORD = "password"
PAYMENT_METHODS = ("pm_test_visaApproved", "pm_test_visaDeclined")


class Unauthorized(Exception):
    """Rendered as the 401 body ``{"statusCode":401,"scheme":"Basic","realm":"api"}``."""


def login(sim: Host, call: Call) -> tuple[Ctx | None, int, Any]:
    check = Checker()
    body = check.body_object(call.body if call.body is not None else {})
    email = check.string(body, "emailAddress", required=True, min_len=1)
    password = check.string(body, "password", required=True)
    check.done()
    if password != PASSWORD:
        raise Unauthorized
    with sim.store.lock:
        access_token = "at_" + sim.store.random_string(32)
        sim.access_tokens[access_token] = str(email)
    return None, 200, {"accessToken": access_token}


def _locate(sim: Host, object_id: str, object_name: str) -> tuple[Ctx, dict[str, Any]]:
    found = sim.store.find(object_id)
    if found is None or found[1]["object"] != object_name:
        raise not_found(object_name)
    account, obj = found
    return Ctx(sim, account), obj


def authorize_order(sim: Host, call: Call) -> tuple[Ctx | None, int, Any]:
    check = Checker()
    body = check.body_object(call.body if call.body is not None else {})
    method = check.string(body, "paymentMethod", required=True, choices=PAYMENT_METHODS)
    check.done()
    ctx, order = _locate(sim, call.id, "order")
    orders.refresh(ctx, order)
    if method == "pm_test_visaApproved":
        orders.attempt(ctx, order)  # the order's outcome rule (default approve) decides
    else:
        orders.reject(ctx, order)
    return ctx, 200, order


def decide_token(sim: Host, call: Call, approve: bool) -> tuple[Ctx | None, int, Any]:
    ctx, token = _locate(sim, call.id, "token")
    if token["status"] == "deleted":
        raise not_found("token")
    (tokens.approve if approve else tokens.reject)(ctx, token)
    return ctx, 200, token


def approve_token(sim: Host, call: Call) -> tuple[Ctx | None, int, Any]:
    return decide_token(sim, call, True)


def reject_token(sim: Host, call: Call) -> tuple[Ctx | None, int, Any]:
    return decide_token(sim, call, False)


def check_bearer(sim: Host, header: str | None) -> None:
    scheme, _, value = (header or "").partition(" ")
    if scheme != "Bearer" or value.strip() not in sim.access_tokens:
        raise Unauthorized
