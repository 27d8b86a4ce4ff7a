"""The hosted checkout page: ``<origin>/checkout/<checkoutSessionId>.<stamp>.<signature>`` (§11).

GET shows the merchant (``Simulator.merchant_name``), the amount, the items and the shipping
address in yen (or, for a token session, what saving a payment method means), in English or
Japanese (:mod:`.page_text`), with plain HTML forms — no JavaScript:

* **Approve** authorizes the order (or approves the token) — unless the order's outcome rule
  declines it (``Simulator.set_order_outcome``).  A token session also lets the tester pick what
  the token's later orders answer (``Simulator.set_token_outcome``: approve, decline,
  soft_decline, unusable).
* **Soft decline** (order sessions): ``order.rejected`` is sent, the order stays
  ``requires_authorization`` and the page is shown again with ``?declined=soft``.
* **Reject** (a hard decline) rejects the order or the token.

The page's own forms (``via=page``) then show the result on the same URL: approved (with a link
to ``successUrl``, followed by itself after ``Simulator.checkout_forward_seconds``), rejected or
closed (with a link back to ``cancelUrl``).  A POST without ``via=page`` (tests, scripts) is
answered as Smartpay's redirect: 303 to ``successUrl`` or ``cancelUrl`` (303 to the page with
``?declined=soft`` after a soft decline).  No query parameters are added to either URL (spec
§10.11 is open; the simulator adds none).  ``?promotion-code=CODE`` applies a code (see
:mod:`.discounts`); a code that cannot be used is explained on the page.
"""

from __future__ import annotations

import hashlib
import hmac
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from django_smartpay.client import base62

from . import checkout_html as html
from . import discounts, events
from .context import Ctx
from .context import Host as Simulator  # what of the simulator this page uses
from .errors import ApiError
from .outcomes import TOKEN_OUTCOMES
from .page_text import choose, text
from .resources import orders, tokens
from .response import Response

#: Order statuses after an approval, and token/order statuses after a rejection.
APPROVED = frozenset({"requires_capture", "succeeded", "active"})
REJECTED = frozenset({"rejected"})
ACTIONS = ("approve", "reject", "soft_decline")


def _stamp(now_ms: int) -> str:
    seconds = max(now_ms // 1000, 1)
    return base62.encode(seconds.to_bytes((seconds.bit_length() + 7) // 8, "big"))


def _signature(sim: Simulator, session_id: str, stamp: str) -> str:
    digest = hmac.new(sim.url_key, f"{session_id}.{stamp}".encode(), hashlib.sha256).digest()
    return base62.encode(digest)


def session_url(sim: Simulator, session_id: str, now_ms: int) -> str:
    stamp = _stamp(now_ms)
    return f"{sim.origin}/checkout/{session_id}.{stamp}.{_signature(sim, session_id, stamp)}"


def _card(language: str, title_key: str, body: str, status: int) -> Response:
    title = text(language, title_key)
    return html.page(
        language, title, f'<main><div class="card"><h1>{escape(title)}</h1>{body}</div></main>', status
    )


def _locate(sim: Simulator, segment: str) -> tuple[Any, dict[str, Any]] | None:
    session_id, _, rest = segment.partition(".")
    stamp, _, signature = rest.partition(".")
    if not stamp or not hmac.compare_digest(signature.encode(), _signature(sim, session_id, stamp).encode()):
        return None
    found = sim.store.find(session_id)
    if found is None or found[1]["object"] != "checkoutSession":
        return None
    return found


def _state(status: str) -> str:
    if status in APPROVED:
        return "approved"
    return "rejected" if status in REJECTED else "closed"


def _render(ctx: Ctx, session: dict[str, Any], path: str, message: str | None, language: str) -> Response:
    sim, merchant = ctx.sim, ctx.sim.merchant_name
    top = html.bar(language, ctx.account.live, sim.origin + path)
    note = f'<p class="note">{escape(text(language, "simulator"))}</p>'
    title = text(language, "title", merchant=merchant)
    token = ctx.account.objects[session["token"]] if "token" in session else None
    order = ctx.account.objects[session["order"]] if token is None else None
    subject = token if token is not None else order
    assert subject is not None
    if subject["status"] == "requires_authorization":
        notice = f'<p class="msg" id="message">{escape(message)}</p>' if message else ""
        if token is not None:
            lead, details = "saving", f"<p>{escape(text(language, 'token.explain'))}</p>"
            actions = html.choices(language, path, token_outcome=sim.outcomes.peek(token["id"])[0])
        else:
            assert order is not None
            lead = "paying"
            details = html.order_rows(language, ctx.account, order) + html.shipping_address(
                language, order["shippingInfo"], session.get("customerInfo") or {}
            )
            actions = html.choices(language, path, token_outcome=None)
        card = (
            f'<div class="card"><p class="lead">{escape(text(language, lead))}</p>'
            f'<h1 id="merchant">{escape(merchant)}</h1>{notice}{details}{actions}</div>'
        )
        return html.page(language, title, f"{top}<main>{card}{note}</main>")
    state = _state(subject["status"])
    kind = "token" if token is not None else "order"
    extra = ""
    if order is not None and state == "approved":
        extra = f'<p>{escape(text(language, "total"))} <strong id="total">{html.yen(order["amount"])}</strong></p>'
    if token is not None and state == "approved":
        outcome = sim.outcomes.peek(token["id"])[0]
        if outcome != "approve":
            label = text(language, f"outcome.{outcome}")
            extra = f'<p id="later-outcome">{escape(text(language, "result.outcome", outcome=label))}</p>'
    if state == "approved":
        heading, words = (
            text(language, f"result.approved.{kind}"),
            text(language, "result.approved.body", merchant=merchant)
            if sim.checkout_forward_seconds is not None
            else text(language, "result.approved.stay"),
        )
        link, label = session["successUrl"], text(language, "continue", merchant=merchant)
    elif state == "rejected":
        heading, words = text(language, f"result.rejected.{kind}"), text(language, "result.rejected.body")
        link, label = session["cancelUrl"], text(language, "back", merchant=merchant)
    else:
        heading, words = (
            text(language, "result.closed"),
            text(language, "result.closed.body", status=subject["status"]),
        )
        link, label = session["cancelUrl"], text(language, "back", merchant=merchant)
    card = html.result(language, state, heading=heading, body=words, link=link, link_label=label, extra=extra)
    forward = sim.checkout_forward_seconds if state == "approved" else None
    return html.page(
        language, title, f"{top}<main>{card}{note}</main>", forward_to=link, forward_seconds=forward
    )


def _decide(ctx: Ctx, session: dict[str, Any], action: str, outcome: str | None) -> bool:
    """Apply the shopper's ``action``; True when the order/token ends up approved."""
    approve = action == "approve"
    if "token" in session:
        token = ctx.account.objects[session["token"]]
        wanted = "active" if approve else "rejected"
        if token["status"] != wanted:
            (tokens.approve if approve else tokens.reject)(ctx, token)
        if approve and outcome is not None and outcome != ctx.sim.outcomes.peek(token["id"])[0]:
            ctx.sim.outcomes.set(token["id"], outcome, None, TOKEN_OUTCOMES)
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


def _show(
    sim: Simulator, account: Any, session: dict[str, Any], path: str, query: dict[str, str], language: str
) -> Response:
    code = query.get("promotion-code", "").strip()
    with sim.store.lock:
        ctx = Ctx(sim, account)
        message = text(language, "soft_declined") if query.get("declined") == "soft" else None
        if code and "order" in session:
            try:
                discounts.apply(ctx, orders.refresh(ctx, account.objects[session["order"]]), code)
            except discounts.PromotionRefused as refused:
                message = refused.message(language)
        response = _render(ctx, session, path, message, language)
        if ctx.events:
            events.commit(ctx)
    return response


def _form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(min(max(length, 0), 65536))
    return dict(parse_qsl(raw.decode("utf-8", "replace")))


def handle(sim: Simulator, environ: dict[str, Any], method: str, path: str) -> Response:
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    accept = environ.get("HTTP_ACCEPT_LANGUAGE")
    found = _locate(sim, path[len("/checkout/") :])
    if found is None:
        language = choose(query.get("lang"), None, accept)
        return _card(language, "not_found.title", f"<p>{escape(text(language, 'not_found.body'))}</p>", 404)
    account, session = found
    if method == "GET":
        return _show(
            sim, account, session, path, query, choose(query.get("lang"), session.get("locale"), accept)
        )
    if method != "POST":
        return _card(choose(query.get("lang"), session.get("locale"), accept), "not_allowed.title", "", 405)
    form = _form(environ)
    language = choose(form.get("lang"), session.get("locale"), accept)
    action = "reject" if form.get("action") == "decline" else form.get("action")
    outcome = form.get("outcome")
    token_session = "token" in session
    if (
        action not in ACTIONS
        or (action == "soft_decline" and token_session)
        or (outcome is not None and (outcome not in TOKEN_OUTCOMES or not token_session))
    ):
        return _card(language, "bad_action.title", f"<p>{escape(text(language, 'bad_action.body'))}</p>", 400)
    with sim.store.lock:
        ctx = Ctx(sim, account)
        try:
            approved = _decide(ctx, session, action, outcome)
        except ApiError as error:
            back = escape(f"{sim.origin}{path}?lang={language}")
            body = f'<p>{escape(error.message)}</p><p><a href="{back}" id="to-result">{escape(sim.merchant_name)}</a></p>'
            return _card(language, "conflict.title", body, 409)
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
    soft = (
        not approved
        and "order" in session
        and account.objects[session["order"]]["status"] == "requires_authorization"
    )
    if form.get("via") == "page":
        # The page's own forms: show the result (or the page again after a soft decline) here.
        return Response.redirect(f"{sim.origin}{path}?lang={language}" + ("&declined=soft" if soft else ""))
    if approved:
        return Response.redirect(session["successUrl"])
    if soft:  # the shopper may try again
        return Response.redirect(f"{sim.origin}{path}?declined=soft")
    return Response.redirect(session["cancelUrl"])
