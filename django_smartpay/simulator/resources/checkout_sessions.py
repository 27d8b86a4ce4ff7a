"""Checkout sessions: the standard kind creates an order, ``mode: "token"`` creates a token.

Decisions:

* ``amount`` need not equal Σ(sign·amount·quantity) + ``shippingInfo.feeAmount``: no source states
  that rule and the official Magento plugin sends a grand total after cart discounts that are not
  items (spec "Later findings").  ``Simulator(strict_amounts=True)`` (CLI ``--strict-amounts``)
  refuses a mismatch with 400 ``request.invalid`` and a detail giving both numbers.
* The create response expands ``order`` (line items with ``price.product``) or ``token``; GET and
  lists return ids unless ``expand=all``.
* The session carries no ``expiresAt`` and never expires in the simulator.
"""

from __future__ import annotations

from typing import Any

from .. import checkout_page, listing
from ..context import Call, Ctx
from ..render import expand, present, renderer
from ..validation import LOCALES, Checker, customer_info, items_total
from . import orders


def _common(check: Checker, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "successUrl": check.url(body, "successUrl", required=True),
        "cancelUrl": check.url(body, "cancelUrl", required=True),
        "locale": check.string(body, "locale", choices=LOCALES),
    }


def _session(ctx: Ctx, fields: dict[str, Any], link_name: str, link_id: str, customer: dict[str, Any] | None):
    session = ctx.base("checkout", "checkoutSession")
    session["url"] = checkout_page.session_url(ctx.sim, session["id"], ctx.now)
    session[link_name] = link_id
    if link_name == "token":
        session["mode"] = "token"
    session["customerInfo"] = customer or {}
    session["successUrl"] = fields["successUrl"]
    session["cancelUrl"] = fields["cancelUrl"]
    for name in ("description", "reference", "locale"):
        if fields.get(name) is not None:
            session[name] = fields[name]
    session["metadata"] = fields.get("metadata") or {}
    return ctx.add(session)


def _create_token_session(ctx: Ctx, check: Checker, body: dict[str, Any]) -> dict[str, Any]:
    fields = _common(check, body)
    customer = customer_info(check, body, required=False)
    fields["description"] = check.string(body, "description", min_len=1, max_len=80)
    fields["reference"] = check.string(body, "reference", min_len=1, max_len=40)
    fields["metadata"] = check.metadata(body)
    check.done()
    token = ctx.base("paytok", "token")
    token["status"] = "requires_authorization"
    if fields["reference"] is not None:
        token["reference"] = fields["reference"]
    token["metadata"] = dict(fields["metadata"] or {})
    ctx.add(token)
    session = _session(ctx, fields, "token", token["id"], customer)
    ctx.emit("token.created", token)
    return session


def _create_order_session(ctx: Ctx, check: Checker, body: dict[str, Any]) -> dict[str, Any]:
    fields = orders.validate_order_fields(check, body)
    fields.update(_common(check, body))
    if (
        ctx.sim.strict_amounts
        and fields["amount"] is not None
        and fields["items"] is not None
        and fields["shippingInfo"] is not None
    ):
        expected = items_total(fields["items"], fields["shippingInfo"].get("feeAmount"))
        if expected != fields["amount"]:
            check.fail(
                f"amount ({fields['amount']}) must equal the sum of the items and the shipping fee ({expected})"
            )
    check.done()
    order = orders.create_order(ctx, fields)
    return _session(ctx, fields, "order", order["id"], fields["customerInfo"])


def create(ctx: Ctx, call: Call) -> tuple[int, Any]:
    check = Checker()
    body = check.body_object(call.body)
    if body.get("mode") is not None:
        check.string(body, "mode", choices=("token",))
        check.done()
        session = _create_token_session(ctx, check, body)
    else:
        session = _create_order_session(ctx, check, body)
    return 200, expand(ctx.account, session)


def _refresh_order(ctx: Ctx, session: dict[str, Any]) -> None:
    if "order" in session:
        orders.refresh(ctx, ctx.account.objects[session["order"]])


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    session = ctx.get(call.id, "checkoutSession")
    _refresh_order(ctx, session)
    return 200, present(ctx.account, session, call.query)


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    render = renderer(ctx.account, call.query)
    orders.refresh_all(ctx)
    return 200, listing.collection(ctx.store, ctx.account, "checkoutSession", call.query, render=render)
