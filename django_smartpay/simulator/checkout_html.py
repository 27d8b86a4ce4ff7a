"""The HTML of the hosted checkout page: the shell, the order, the address, the choices, the result.

Plain HTML and one small style sheet: no JavaScript, no external asset.  Every value that
came from a request (names, addresses, URLs) is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from .outcomes import TOKEN_OUTCOMES
from .page_text import LANGUAGE_NAMES, LANGUAGES, text
from .response import Response

_FONTS = 'system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans JP","IPAGothic",sans-serif'
STYLE = (
    f"*{{box-sizing:border-box}}body{{margin:0;background:#f4f5f7;color:#1f2328;font:16px/1.55 {_FONTS}}}"
    ".bar{background:#fff;border-bottom:1px solid #d8dee4}"
    ".bar div{max-width:34rem;margin:0 auto;padding:.6rem 1rem;display:flex;align-items:center;gap:.6rem;"
    "flex-wrap:wrap}"
    ".brand{font-weight:700;color:#4b2bd6}.mode{font-size:.75rem;background:#fff3cd;border:1px solid #e0c36a;"
    "border-radius:999px;padding:0 .6rem}.lang{margin-left:auto;font-size:.9rem}.lang a{color:#0969da}"
    "main{max-width:34rem;margin:1.25rem auto;padding:0 1rem}"
    ".card{background:#fff;border:1px solid #d8dee4;border-radius:12px;padding:1.25rem 1.5rem}"
    ".lead{color:#57606a;margin:0}h1{font-size:1.35rem;margin:.15rem 0 .8rem;overflow-wrap:anywhere}"
    "h2{font-size:.95rem;color:#57606a;margin:1.2rem 0 .3rem}"
    "table{width:100%;border-collapse:collapse}td{padding:.35rem 0;border-bottom:1px solid #eaeef2;"
    "overflow-wrap:anywhere}td.n{text-align:right;white-space:nowrap;padding-left:1rem}"
    "tr.total td{font-weight:700;border-bottom:0;border-top:2px solid #1f2328}"
    "address{font-style:normal;line-height:1.6}"
    ".msg{padding:.6rem .8rem;background:#fff3cd;border:1px solid #e0c36a;border-radius:8px}"
    ".actions{display:flex;flex-direction:column;gap:.6rem;margin-top:1.4rem}.actions form{margin:0}"
    "button,a.button{display:block;width:100%;font:inherit;font-weight:600;padding:.7rem 1rem;"
    "border-radius:8px;cursor:pointer;text-align:center;text-decoration:none;border:1px solid #8c959f;"
    "background:#fff;color:#1f2328}"
    "#approve,a.primary{background:#1a7f37;border-color:#1a7f37;color:#fff}"
    "#reject{color:#cf222e;border-color:#cf222e}"
    "fieldset{border:1px dashed #8c959f;border-radius:8px;margin:0 0 .7rem;padding:.4rem .9rem .6rem}"
    "legend{font-size:.85rem;color:#57606a;padding:0 .3rem}label{display:block;padding:.1rem 0}"
    ".note{font-size:.8rem;color:#57606a;text-align:center;margin:1rem 0}"
    ".result{text-align:center}.icon{font-size:2rem;line-height:1;margin:.2rem 0 .4rem}"
    ".approved .icon{color:#1a7f37}.rejected .icon,.closed .icon{color:#cf222e}"
    ".result .actions{margin-top:1rem}"
)


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def page(
    language: str,
    title: str,
    content: str,
    status: int = 200,
    *,
    forward_to: str | None = None,
    forward_seconds: float | None = None,
) -> Response:
    """A whole page; ``forward_to``: go there after ``forward_seconds`` (a meta refresh)."""
    refresh = ""
    if forward_to is not None and forward_seconds is not None:
        refresh = f'<meta http-equiv="refresh" content="{forward_seconds:g};url={escape(forward_to)}">'
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{refresh}'
        f"<style>{STYLE}</style></head><body>{content}</body></html>"
    )
    return Response.html(status, html)


def bar(language: str, live: bool, switch_url: str | None) -> str:
    """The top bar: Smartpay, the mode and the language switch (links to ``switch_url?lang=…``)."""
    mode = text(language, "mode.live" if live else "mode.test")
    links = []
    for code in LANGUAGES if switch_url is not None else ():
        name = escape(LANGUAGE_NAMES[code])
        if code == language:
            links.append(f'<strong lang="{code}">{name}</strong>')
        else:
            href = escape(f"{switch_url}?lang={code}")
            links.append(f'<a href="{href}" hreflang="{code}" lang="{code}" id="lang-{code}">{name}</a>')
    switch = " | ".join(links)
    label = escape(text(language, "language"))
    return (
        f'<header class="bar"><div><span class="brand">Smartpay</span><span class="mode">{escape(mode)}</span>'
        f'<nav class="lang" aria-label="{label}">{switch}</nav></div></header>'
    )


def order_rows(language: str, account: Any, order: dict[str, Any]) -> str:
    rows = []
    for item_id in order["lineItems"]:
        item = account.objects[item_id]
        sign = -1 if item["kind"] == "discount" else 1
        name = item["price"]["product"]["name"]
        if item["kind"] == "product":
            label = escape(text(language, "quantity", name=name, quantity=item["quantity"]))
        else:
            label = escape(name)
        rows.append(
            f'<tr><td>{label}</td><td class="n">{yen(sign * item["amount"] * item["quantity"])}</td></tr>'
        )
    fee = order["shippingInfo"].get("feeAmount")
    if fee:
        rows.append(f'<tr><td>{escape(text(language, "shipping"))}</td><td class="n">{yen(fee)}</td></tr>')
    if order["discountAmount"]:
        rows.append(
            f"<tr><td>{escape(text(language, 'promotion'))}</td>"
            f'<td class="n">{yen(-order["discountAmount"])}</td></tr>'
        )
    rows.append(
        f'<tr class="total"><td>{escape(text(language, "total"))}</td>'
        f'<td class="n" id="total">{yen(order["amount"])}</td></tr>'
    )
    return f"<h2>{escape(text(language, 'order'))}</h2><table>{''.join(rows)}</table>"


def _address_lines(language: str, address: dict[str, Any], name: str) -> list[str]:
    streets = [address.get(f"line{n}") for n in range(1, 6)]
    if language == "ja":  # largest first, as a Japanese address is written
        area = " ".join(
            part
            for part in (
                address.get("administrativeArea"),
                address.get("locality"),
                address.get("subLocality"),
            )
            if part
        )
        lines = [f"〒{address.get('postalCode', '')}", area, *streets, name]
    else:  # smallest first
        area = ", ".join(
            part
            for part in (
                address.get("subLocality"),
                address.get("locality"),
                address.get("administrativeArea"),
            )
            if part
        )
        lines = [name, *streets, area, f"{address.get('postalCode', '')} Japan"]
    return [line for line in lines if line and isinstance(line, str)]


def shipping_address(language: str, shipping_info: dict[str, Any], customer: dict[str, Any]) -> str:
    """The order's shipping address (with the customer's name when the session has one)."""
    address = shipping_info.get("address")
    if not isinstance(address, dict):
        return ""
    name = " ".join(
        part
        for part in (customer.get("lastName"), customer.get("firstName"))
        if isinstance(part, str) and part
    )
    lines = "<br>".join(escape(line) for line in _address_lines(language, address, name))
    return f'<h2>{escape(text(language, "ship_to"))}</h2><address id="shipping-address">{lines}</address>'


def _form(path: str, language: str, action: str, button: str, extra: str = "") -> str:
    return (
        f'<form method="post" action="{escape(path)}"><input type="hidden" name="action" value="{action}">'
        f'<input type="hidden" name="via" value="page"><input type="hidden" name="lang" value="{language}">'
        f"{extra}{button}</form>"
    )


def _button(language: str, action: str) -> str:
    button_id = action.replace("_", "-")
    return f'<button id="{button_id}" type="submit">{escape(text(language, f"button.{action}"))}</button>'


def outcome_choice(language: str, current: str) -> str:
    """Radio buttons: what the token's later orders answer (the simulator's decline switch)."""
    options = "".join(
        f'<label><input type="radio" name="outcome" value="{outcome}" id="outcome-{outcome.replace("_", "-")}"'
        f"{' checked' if outcome == current else ''}> {escape(text(language, f'outcome.{outcome}'))}</label>"
        for outcome in TOKEN_OUTCOMES
    )
    return f"<fieldset><legend>{escape(text(language, 'outcome.legend'))}</legend>{options}</fieldset>"


def choices(language: str, path: str, *, token_outcome: str | None) -> str:
    """Approve (with the token's later outcome), Soft decline (orders only) and Reject."""
    if token_outcome is not None:
        forms: Iterable[str] = (
            _form(
                path,
                language,
                "approve",
                _button(language, "approve"),
                outcome_choice(language, token_outcome),
            ),
            _form(path, language, "reject", _button(language, "reject")),
        )
    else:
        forms = (
            _form(path, language, action, _button(language, action))
            for action in ("approve", "soft_decline", "reject")
        )
    return f'<div class="actions">{"".join(forms)}</div>'


def result(
    language: str, state: str, *, heading: str, body: str, link: str, link_label: str, extra: str = ""
) -> str:
    """The card shown once the checkout is decided: what happened and the way back to the shop."""
    icon = "✓" if state == "approved" else "✕"
    link_class = "button primary" if state == "approved" else "button"
    link_id = "continue" if state == "approved" else "back"
    return (
        f'<div class="card result {state}"><p class="icon" aria-hidden="true">{icon}</p>'
        f'<h1 id="result" data-result="{state}">{escape(heading)}</h1><p>{escape(body)}</p>{extra}'
        f'<div class="actions"><a class="{link_class}" id="{link_id}" href="{escape(link)}">'
        f"{escape(link_label)}</a></div></div>"
    )
