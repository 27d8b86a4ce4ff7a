"""The hosted checkout page: ``<origin>/checkout/<checkoutSessionId>.<stamp>.<signature>`` (§11).

GET shows the merchant, the amount and the items in yen (or, for a token session, what saving a
payment method means) with Approve and Reject buttons — plain HTML forms, no JavaScript.
Approve authorizes the order (or approves the token) and redirects 303 to ``successUrl`` — unless
the order's outcome rule declines it (``Simulator.set_order_outcome``); Reject (a hard decline)
rejects it and redirects 303 to ``cancelUrl``.  An order session also offers "Soft decline":
``order.rejected`` is sent, the order stays ``requires_authorization`` and the page is shown again
(303 to itself with ``?declined=soft``) so the shopper may retry.  No query parameters are added to either
URL (spec §10.11 is open; the simulator adds none).  ``?promotion-code=CODE`` applies a code
(see :mod:`.discounts`); a code that cannot be used is explained on the page.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from django_smartpay.client import base62

from . import discounts, events
from .context import Ctx
from .context import Host as Simulator  # what of the simulator this page uses
from .errors import ApiError
from .resources import orders, tokens
from .response import Response

MERCHANT_NAME = "Smartpay Simulator Test Shop"

_STYLE = """body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td.n{text-align:right}
.total{font-weight:bold;border-top:1px solid #999}.msg{padding:.6rem;background:#fff3cd;border:1px solid #e0c36a}
.buttons{display:flex;gap:1rem;margin-top:1.5rem}button{font-size:1rem;padding:.6rem 1.4rem;cursor:pointer}
#approve{background:#1a7f37;color:#fff;border:0}#reject{background:#eee;border:1px solid #999}"""


def _stamp(now_ms: int) -> str:
    seconds = max(now_ms // 1000, 1)
    return base62.encode(seconds.to_bytes((seconds.bit_length() + 7) // 8, "big"))


def _signature(sim: Simulator, session_id: str, stamp: str) -> str:
    digest = hmac.new(sim.url_key, f"{session_id}.{stamp}".encode(), hashlib.sha256).digest()
    return base62.encode(digest)


def session_url(sim: Simulator, session_id: str, now_ms: int) -> str:
    stamp = _stamp(now_ms)
    return f"{sim.origin}/checkout/{session_id}.{stamp}.{_signature(sim, session_id, stamp)}"


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def _page(title: str, content: str, status: int = 200) -> Response:
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style>'
        f"</head><body>{content}</body></html>"
    )
    return Response.html(status, html)


def _locate(sim: Simulator, segment: str) -> tuple[Any, dict[str, Any]] | None:
    session_id, _, rest = segment.partition(".")
    stamp, _, signature = rest.partition(".")
    if not stamp or not hmac.compare_digest(signature.encode(), _signature(sim, session_id, stamp).encode()):
        return None
    found = sim.store.find(session_id)
    if found is None or found[1]["object"] != "checkoutSession":
        return None
    return found


def _order_rows(ctx: Ctx, order: dict[str, Any]) -> str:
    rows = []
    for item_id in order["lineItems"]:
        item = ctx.account.objects[item_id]
        sign = -1 if item["kind"] == "discount" else 1
        name = item["price"]["product"]["name"]
        label = f"{escape(name)} x {item['quantity']}" if item["kind"] == "product" else escape(name)
        rows.append(
            f'<tr><td>{label}</td><td class="n">{yen(sign * item["amount"] * item["quantity"])}</td></tr>'
        )
    fee = order["shippingInfo"].get("feeAmount")
    if fee:
        rows.append(f'<tr><td>Shipping</td><td class="n">{yen(fee)}</td></tr>')
    if order["discountAmount"]:
        rows.append(f'<tr><td>Promotion code</td><td class="n">{yen(-order["discountAmount"])}</td></tr>')
    rows.append(f'<tr class="total"><td>Total</td><td class="n" id="total">{yen(order["amount"])}</td></tr>')
    return "<table>" + "".join(rows) + "</table>"


#: (form action value, button id, label); the soft decline is offered on order sessions only.
_CHOICES = (
    ("approve", "approve", "Approve"),
    ("soft_decline", "soft-decline", "Soft decline"),
    ("reject", "reject", "Reject"),
)
SOFT_DECLINED_MESSAGE = "Your payment was declined. You may try again."


def _buttons(action: str, soft: bool) -> str:
    form = '<form method="post" action="{action}"><input type="hidden" name="action" value="{value}">{button}</form>'
    forms = [
        form.format(
            action=escape(action),
            value=value,
            button=f'<button id="{button_id}" type="submit">{label}</button>',
        )
        for value, button_id, label in _CHOICES
        if soft or value != "soft_decline"
    ]
    return f'<div class="buttons">{"".join(forms)}</div>'


def _render(ctx: Ctx, session: dict[str, Any], path: str, message: str | None) -> Response:
    notice = f'<p class="msg" id="message">{escape(message)}</p>' if message else ""
    header = f"<h1>{escape(MERCHANT_NAME)}</h1><p>Paying with Smartpay ({'live' if ctx.account.live else 'test'} mode)</p>"
    if "token" in session:
        token = ctx.account.objects[session["token"]]
        body = (
            "<p>Save Smartpay as a payment method for this shop. Nothing is charged now: the shop can "
            "create orders with this saved method later, and you can ask it to remove it at any time.</p>"
        )
        waiting = token["status"] == "requires_authorization"
        status = token["status"]
    else:
        order = ctx.account.objects[session["order"]]
        body = _order_rows(ctx, order)
        waiting = order["status"] == "requires_authorization"
        status = order["status"]
    if waiting:
        actions = _buttons(path, soft="token" not in session)
    else:
        actions = f'<p id="status">This checkout is complete (status: {escape(status)}).</p>'
    return _page(f"Smartpay checkout — {MERCHANT_NAME}", header + notice + body + actions)


def _decide(ctx: Ctx, session: dict[str, Any], action: str) -> bool:
    """Apply the shopper's ``action``; True when the order/token ends up approved."""
    approve = action == "approve"
    if "token" in session:
        token = ctx.account.objects[session["token"]]
        wanted = "active" if approve else "rejected"
        if token["status"] != wanted:
            (tokens.approve if approve else tokens.reject)(ctx, token)
        return approve
    order = orders.refresh(ctx, ctx.account.objects[session["order"]])
    if approve and order["status"] in ("requires_capture", "succeeded"):
        return True
    if not approve and order["status"] == "rejected":
        return False
    if approve:
        orders.attempt(ctx, order)
    else:
        orders.reject(ctx, order, soft=action == "soft_decline")
    return order["status"] in ("requires_capture", "succeeded")


def handle(sim: Simulator, environ: dict[str, Any], method: str, path: str) -> Response:
    found = _locate(sim, path[len("/checkout/") :])
    if found is None:
        return _page(
            "Checkout not found", "<h1>Checkout not found</h1><p>This checkout link is not valid.</p>", 404
        )
    account, session = found
    if method == "GET":
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        code = query.get("promotion-code", "").strip()
        with sim.store.lock:
            ctx = Ctx(sim, account)
            message = SOFT_DECLINED_MESSAGE if query.get("declined") == "soft" else None
            if code and "order" in session:
                try:
                    discounts.apply(ctx, orders.refresh(ctx, account.objects[session["order"]]), code)
                except discounts.PromotionRefused as refused:
                    message = str(refused)
            response = _render(ctx, session, path, message)
            if ctx.events:
                events.commit(ctx)
        return response
    if method != "POST":
        return _page("Method not allowed", "<h1>Method not allowed</h1>", 405)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    form = dict(parse_qsl(environ["wsgi.input"].read(min(max(length, 0), 65536)).decode("latin-1")))
    action = form.get("action")
    if action == "decline":
        action = "reject"
    if action not in ("approve", "reject", "soft_decline") or (
        action == "soft_decline" and "token" in session
    ):
        return _page("Unknown action", "<h1>Unknown action</h1><p>Choose Approve or Reject.</p>", 400)
    with sim.store.lock:
        ctx = Ctx(sim, account)
        try:
            approved = _decide(ctx, session, action)
        except ApiError as error:
            return _page(
                "Checkout complete", f"<h1>Checkout cannot change</h1><p>{escape(error.message)}</p>", 409
            )
        if ctx.events:
            events.commit(ctx)
        sim.ledger.record(
            time=ctx.now,
            method="POST",
            path=path,
            idempotency_key=None,
            status=303,
            object_ids=ctx.touched,
            account=account.label,
        )
    if approved:
        return Response.redirect(session["successUrl"])
    order_status = account.objects[session["order"]]["status"] if "order" in session else None
    if order_status == "requires_authorization":  # soft decline: the shopper may try again
        return Response.redirect(f"{sim.origin}{path}?declined=soft")
    return Response.redirect(session["cancelUrl"])
