"""Orders: creation from a checkout session or a token, authorization, captures, cancellation, expiry.

Lifecycle (spec §11): ``requires_authorization`` → ``requires_capture`` (manual capture) |
``succeeded`` (automatic capture, which also creates the payment) | ``rejected``;
``requires_capture`` → ``succeeded`` when fully captured, or ``canceled`` by cancellation or by the
7-day expiry.  A partially captured order that is cancelled (or expires) becomes ``succeeded``.

Decisions:

* Cancelling an order that is already ``canceled`` returns it unchanged (200, no event): one of
  the two versions of the cancel-order docs allows it, and it makes a retried PUT harmless.
  Every other status but ``requires_capture`` gives 409 ``order.cannot-cancel``.
* Expiry is evaluated lazily against the simulator clock whenever an order is read, listed,
  captured or cancelled; it emits ``order.canceled`` like a cancellation, with ``updatedAt`` set
  to the expiry time.
* Authorizing an order that is not ``requires_authorization`` gives 409 ``order.cannot-authorize``.
* Declines (:mod:`..outcomes`): a hard decline makes the order ``rejected``; a soft decline emits
  ``order.rejected`` and leaves it ``requires_authorization`` (the shopper may retry).  A token order
  answered "unusable" is ``rejected`` and its token becomes ``disabled`` (``token.disabled``), so
  later orders with it get 404 ``token.not-found`` like any disabled token until it is enabled.
  Every token order emits ``token.used``.
* ``POST /orders`` answers the order expanded (line items as objects), as GO's ``OrderExpanded``.
"""

from __future__ import annotations

from typing import Any

from .. import listing, outcomes
from ..context import Call, Ctx
from ..errors import ApiError, invalid
from ..render import expand, present, renderer
from ..validation import CAPTURE_METHODS, Checker, customer_info, items, shipping_info

ORDER_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000


def _line_item(ctx: Ctx, item: dict[str, Any]) -> str:
    stamp = {"test": not ctx.account.live, "createdAt": ctx.now, "updatedAt": ctx.now}
    product: dict[str, Any] = {
        "id": ctx.new_id("product"),
        "object": "product",
        "active": True,
        "name": item["name"],
    }
    for source, target in (("brand", "brand"), ("productDescription", "description"), ("gtin", "gtin")):
        if source in item:
            product[target] = item[source]
    product["categories"] = item.get("categories", [])
    product["images"] = item.get("images", [])
    for name in ("reference", "url"):
        if name in item:
            product[name] = item[name]
    product["metadata"] = item.get("productMetadata", {})
    product.update(stamp)
    price: dict[str, Any] = {
        "id": ctx.new_id("price"),
        "object": "price",
        "active": True,
        "amount": item["amount"],
        "currency": item["currency"],
    }
    if "priceDescription" in item:
        price["description"] = item["priceDescription"]
    price["metadata"] = item.get("priceMetadata", {})
    price["product"] = product
    price.update(stamp)
    line_item: dict[str, Any] = {
        "id": ctx.new_id("li"),
        "object": "lineItem",
        "kind": item["kind"],
        "amount": item["amount"],
        "currency": item["currency"],
        "quantity": item["quantity"],
    }
    for name in ("description", "label"):
        if name in item:
            line_item[name] = item[name]
    line_item["metadata"] = item.get("metadata", {})
    line_item["price"] = price
    line_item.update(stamp)
    ctx.add(line_item)
    return line_item["id"]


def create_order(ctx: Ctx, fields: dict[str, Any], *, token_id: str | None = None) -> dict[str, Any]:
    """Store a new ``requires_authorization`` order from validated ``fields``."""
    order = ctx.base("order", "order")
    order.update(amount=fields["amount"], currency=fields["currency"], status="requires_authorization")
    for name in ("description", "reference"):
        if fields.get(name) is not None:
            order[name] = fields[name]
    order["metadata"] = fields.get("metadata") or {}
    order["lineItems"] = [_line_item(ctx, item) for item in fields["items"]]
    order["payments"] = []
    order["discounts"] = []
    order["discountAmount"] = 0
    order["shippingInfo"] = fields["shippingInfo"]
    if token_id is not None:
        order["tokenId"] = token_id
    internal = {
        "captureMethod": fields.get("captureMethod") or "automatic",
        "captured": 0,
        "originalAmount": fields["amount"],
        "customerInfo": fields.get("customerInfo") or {},
    }
    return ctx.add(order, internal)


def _close(ctx: Ctx, order: dict[str, Any], when: int) -> None:
    """Release the uncaptured remainder: ``canceled`` if nothing was captured, else ``succeeded``."""
    order["status"] = "succeeded" if ctx.internal(order)["captured"] > 0 else "canceled"
    ctx.account.awaiting_capture.discard(order["id"])
    ctx.touch(order)
    order["updatedAt"] = when
    ctx.emit("order.canceled", order)


def refresh(ctx: Ctx, order: dict[str, Any]) -> dict[str, Any]:
    """Apply the 7-day expiry if it has passed (lazy; see module docstring)."""
    if order["status"] == "requires_capture" and order.get("expiresAt", ctx.now + 1) <= ctx.now:
        _close(ctx, order, order["expiresAt"])
    return order


def refresh_all(ctx: Ctx) -> None:
    for order_id in sorted(ctx.account.awaiting_capture):
        refresh(ctx, ctx.account.objects[order_id])


def _redeem_discounts(ctx: Ctx, order: dict[str, Any]) -> None:
    for discount_id in order["discounts"]:
        discount = ctx.account.objects[discount_id]
        for object_id in (discount["coupon"], discount["promotionCode"]):
            obj = ctx.account.objects[object_id]
            obj["redemptionCount"] += 1
            ctx.touch(obj)


def authorize(ctx: Ctx, order: dict[str, Any]) -> dict[str, Any]:
    """The shopper (or Smartpay, for token orders) approved: capture at once or await capture."""
    if order["status"] != "requires_authorization":
        raise ApiError(
            409, "order.cannot-authorize", f"The order is {order['status']}, not requires_authorization"
        )
    _redeem_discounts(ctx, order)
    order["expiresAt"] = ctx.now + ORDER_LIFETIME_MS
    order["status"] = "requires_capture"
    ctx.account.awaiting_capture.add(order["id"])
    ctx.touch(order)
    payment = None
    if ctx.internal(order)["captureMethod"] == "automatic":
        payment = capture(ctx, order, order["amount"], cancel_remainder="automatic")
    ctx.emit("order.authorized", order)
    if payment is not None:
        ctx.emit("payment.created", payment)
    return order


def reject(ctx: Ctx, order: dict[str, Any], *, soft: bool = False) -> dict[str, Any]:
    """A hard decline (``rejected`` is final) or a soft one (the order stays ``requires_authorization``)."""
    if order["status"] != "requires_authorization":
        raise ApiError(
            409, "order.cannot-authorize", f"The order is {order['status']}, not requires_authorization"
        )
    if not soft:
        order["status"] = "rejected"
    ctx.touch(order)
    ctx.emit("order.rejected", order)
    return order


def decide(ctx: Ctx, order: dict[str, Any], outcome: str) -> dict[str, Any]:
    """Apply an underwriting ``outcome`` (``approve``/``decline``/``soft_decline``) to ``order``."""
    if outcome == outcomes.APPROVE:
        return authorize(ctx, order)
    return reject(ctx, order, soft=outcome == outcomes.SOFT_DECLINE)


def attempt(ctx: Ctx, order: dict[str, Any]) -> dict[str, Any]:
    """The shopper approves: the order's outcome rule (default approve) decides, as underwriting would."""
    if order["status"] != "requires_authorization":
        raise ApiError(
            409, "order.cannot-authorize", f"The order is {order['status']}, not requires_authorization"
        )
    return decide(ctx, order, ctx.sim.outcomes.take(order["id"]))


_CANNOT_CAPTURE = {
    "requires_authorization": "The order has not been authorized",
    "succeeded": "The order has already been captured",
    "canceled": "The order has been canceled or has expired",
    "rejected": "The order was rejected",
}


def capture(
    ctx: Ctx,
    order: dict[str, Any],
    amount: int,
    *,
    cancel_remainder: str = "automatic",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a payment (capture) of ``amount`` on ``order``; the caller emits ``payment.created``.

    ``cancel_remainder="automatic"`` allows one capture only: the remainder is released and the
    order is ``succeeded``.  ``"manual"`` keeps the order capturable until it is fully captured.
    """
    refresh(ctx, order)
    if order["status"] != "requires_capture":
        reason = _CANNOT_CAPTURE.get(order["status"], f"The order is {order['status']}")
        raise ApiError(409, "order.cannot-capture", reason)
    internal = ctx.internal(order)
    remaining = order["amount"] - internal["captured"]
    if amount > remaining:
        raise ApiError(
            409,
            "payment.excessive-amount",
            f"The payment amount {amount} exceeds the amount available for capture ({remaining})",
        )
    extra = extra or {}
    line_items = extra.get("lineItems") or []
    foreign = [item for item in line_items if item not in order["lineItems"]]
    if foreign:
        raise invalid([f"lineItems: {item} is not a line item of order {order['id']}" for item in foreign])
    payment = ctx.base("payment", "payment")
    payment.update(amount=amount, currency=order["currency"], order=order["id"], status="processed")
    for name in ("reference", "description"):
        if extra.get(name) is not None:
            payment[name] = extra[name]
    payment["metadata"] = extra.get("metadata") or {}
    payment["lineItems"] = list(line_items)
    payment["refunds"] = []
    ctx.add(payment, {"refunded": 0})
    internal["captured"] += amount
    order["payments"].append(payment["id"])
    if cancel_remainder == "automatic" or internal["captured"] == order["amount"]:
        order["status"] = "succeeded"
        ctx.account.awaiting_capture.discard(order["id"])
    ctx.touch(order)
    return payment


def cancel(ctx: Ctx, order: dict[str, Any]) -> dict[str, Any]:
    refresh(ctx, order)
    if order["status"] == "canceled":
        return order
    if order["status"] != "requires_capture":
        raise ApiError(
            409,
            "order.cannot-cancel",
            f"Only orders in requires_capture status can be cancelled; this order is {order['status']}",
        )
    _close(ctx, order, ctx.now)
    return order


# --- HTTP handlers -----------------------------------------------------------------------


def validate_order_fields(check: Checker, body: dict[str, Any]) -> dict[str, Any]:
    """Fields shared by standard checkout sessions and token orders."""
    return {
        "amount": check.integer(body, "amount", required=True),
        "currency": check.currency(body),
        "items": items(check, body),
        "shippingInfo": shipping_info(check, body),
        "customerInfo": customer_info(check, body, required=True),
        "captureMethod": check.string(body, "captureMethod", choices=CAPTURE_METHODS),
        "description": check.string(body, "description", min_len=1, max_len=80),
        "reference": check.string(body, "reference", min_len=1, max_len=40),
        "metadata": check.metadata(body),
    }


def create_with_token(ctx: Ctx, call: Call) -> tuple[int, Any]:
    """``POST /orders``: an order paid with an active token is decided at once (§11, module docs)."""
    check = Checker()
    body = check.body_object(call.body)
    token_id = check.string(body, "token", required=True)
    fields = validate_order_fields(check, body)
    check.done()
    token = ctx.account.get(token_id, "token")
    if token is None or token["status"] in ("disabled", "deleted"):
        raise ApiError(404, "token.not-found", "No token was found meeting the requirements")
    if token["status"] != "active":
        raise ApiError(400, "token.invalid", "The token specified is not currently valid")
    order = create_order(ctx, fields, token_id=token["id"])
    outcome = ctx.sim.outcomes.take(token["id"])
    decide(ctx, order, outcomes.DECLINE if outcome == outcomes.UNUSABLE else outcome)
    ctx.emit("token.used", token)
    if outcome == outcomes.UNUSABLE:
        token["status"] = "disabled"
        ctx.touch(token)
        ctx.emit("token.disabled", token)
    return 200, expand(ctx.account, order)


def retrieve(ctx: Ctx, call: Call) -> tuple[int, Any]:
    order = refresh(ctx, ctx.get(call.id, "order"))
    return 200, present(ctx.account, order, call.query)


def list_all(ctx: Ctx, call: Call) -> tuple[int, Any]:
    render = renderer(ctx.account, call.query)
    refresh_all(ctx)
    return 200, listing.collection(ctx.store, ctx.account, "order", call.query, render=render)


def cancellation(ctx: Ctx, call: Call) -> tuple[int, Any]:
    return 200, cancel(ctx, ctx.get(call.id, "order"))
