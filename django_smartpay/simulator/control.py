"""The control API under ``/_simulator/`` (JSON, no authentication; for local use only).

It never shows a key or a secret in full: accounts appear as labels (``acct_test_…``, see
:func:`.store.account_label`) and signing secrets masked, and nothing is searched by a secret.

=========================================================  ==========================================
``POST /_simulator/reset``                                 wipe all state (registered keys stay)
``POST /_simulator/keys``                                  ``{"secretKey": "sk_test_…"}``: answer that key
                                                           (unknown keys get 401); returns its label
``GET|POST|DELETE /_simulator/faults``                     list / add (body: the ``faults.add`` keyword
                                                           arguments) / clear fault rules
``DELETE /_simulator/faults/{id}``                         remove one rule
``POST /_simulator/faults/seed``                           ``{"seed": n}``: reseed fault probabilities
``GET /_simulator/ledger``                                 every mutating request
``GET /_simulator/objects?kind=&account=``                 every object created (``account``: a label, ``acct_…``)
``GET /_simulator/objects/{id}``                           one stored object (secrets masked)
``GET /_simulator/clock``, ``POST /_simulator/clock/advance``  ``{"seconds": n}``; ``POST …/clock/set`` ``{"ms": n}``
``GET /_simulator/webhooks/deliveries``                    delivery log (``?event=evt_…``)
``POST /_simulator/webhooks/deliveries/{id}/redeliver``    one more attempt now
``POST /_simulator/webhooks/deliver``                      attempt everything due now
``POST /_simulator/orders/{id}/authorize|reject``          shopper decisions without a browser;
                                                           ``reject`` takes ``{"kind": "hard"|"soft"}``
                                                           (default hard)
``POST /_simulator/tokens/{id}/approve|reject``
``GET|POST /_simulator/tokens/{id}/outcome``               decline rule of the token's next orders:
                                                           ``{"outcome": "approve"|"decline"|
                                                           "soft_decline"|"unusable", "count": n|null}``
``GET|POST /_simulator/orders/{id}/outcome``               the same for the order's next authorization
                                                           attempts (no ``unusable``)
``GET|POST /_simulator/merchant``                          the name the checkout page shows:
                                                           ``{"name": "Matcha & Co."}``
``GET /_simulator/return``                                 a landing page ("Returned") for redirects
=========================================================  ==========================================
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qsl

from .context import Host
from .errors import ApiError, invalid, route_not_found
from .inputs import parse_json, read_body
from .page_text import check_merchant_name
from .response import Response
from .store import mask_secret

_FAULT_FIELDS = {
    "method": "method",
    "path": "path",
    "status": "status",
    "count": "count",
    "probability": "probability",
    "latency": "latency",
    "drop_response": "drop_response",
    "dropResponse": "drop_response",
}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    body = parse_json(read_body(environ))
    if not isinstance(body, dict):
        raise invalid(["the request body must be a JSON object"])
    return body


def _add_fault(sim: Host, body: dict[str, Any]) -> Response:
    kwargs = {_FAULT_FIELDS[key]: value for key, value in body.items() if key in _FAULT_FIELDS}
    try:
        rule_id = sim.faults.add(**kwargs)
    except (TypeError, ValueError) as exc:
        raise invalid([str(exc)]) from None
    return Response.json(200, {"id": rule_id, "rules": sim.faults.rules()})


#: Object fields that hold secrets: masked in every control answer.
SECRET_FIELDS = frozenset({"signingSecret"})


def masked(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with its secret fields masked (the API itself, authenticated by the key, shows them)."""
    return {
        key: mask_secret(value) if key in SECRET_FIELDS and isinstance(value, str) else value
        for key, value in obj.items()
    }


def _objects(sim: Host, label: str | None, kind: str | None) -> Response:
    if label is None:
        found = sim.objects(None, kind)
    else:
        if not label.startswith(("acct_test_", "acct_live_")):
            raise invalid(["account takes an account label (acct_test_… or acct_live_…), never a key"])
        account = sim.store.by_label(label)
        found = [] if account is None else sim.objects(account.key, kind)
    return Response.json(200, {"data": [masked(obj) for obj in found]})


def _number(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid([f"{key} must be a number"])
    return value


def _optional_body(environ: dict[str, Any]) -> dict[str, Any]:
    raw = read_body(environ)
    body = parse_json(raw) if raw else {}
    if not isinstance(body, dict):
        raise invalid(["the request body must be a JSON object"])
    return body


def _outcome(sim: Host, environ: dict[str, Any], kind: str, object_id: str, method: str) -> Response:
    setter = sim.set_token_outcome if kind == "tokens" else sim.set_order_outcome
    getter = sim.token_outcome if kind == "tokens" else sim.order_outcome
    try:
        if method == "POST":
            body = _body(environ)
            setter(object_id, str(body.get("outcome")), count=body.get("count"))
        outcome, count = getter(object_id)
    except KeyError:
        raise ApiError(404, "object.not-found", f"No {kind[:-1]} {object_id}") from None
    except ValueError as exc:
        raise invalid([str(exc)]) from None
    return Response.json(200, {"id": object_id, "outcome": outcome, "count": count})


def _reject(sim: Host, environ: dict[str, Any], object_id: str) -> dict[str, Any]:
    kind = _optional_body(environ).get("kind", "hard")
    if kind not in ("hard", "soft"):
        raise invalid(["kind must be one of: hard, soft"])
    return sim.reject_order(object_id, kind=kind)


def _shopper(sim: Host, environ: dict[str, Any], kind: str, object_id: str, action: str) -> Response:
    actions = {
        ("orders", "authorize"): sim.authorize_order,
        ("orders", "reject"): lambda object_id: _reject(sim, environ, object_id),
        ("tokens", "approve"): sim.approve_token,
        ("tokens", "reject"): sim.reject_token,
    }
    handler = actions.get((kind, action))
    if handler is None:
        raise route_not_found("POST", f"/_simulator/{kind}/{object_id}/{action}")
    return Response.json(200, handler(object_id))


def _return_page(environ: dict[str, Any]) -> Response:
    params = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    listed = "".join(f"<li>{escape(key)} = {escape(value)}</li>" for key, value in params)
    return Response.html(
        200,
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Returned</title></head>'
        f'<body><h1 id="returned">Returned</h1><ul>{listed}</ul></body></html>',
    )


def handle(sim: Host, environ: dict[str, Any], method: str, path: str) -> Response:
    parts = [part for part in path.split("/")[2:] if part]
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    route = (method, *parts)
    match route:
        case ("GET",):
            return Response.json(200, {"name": "Smartpay simulator", "apiBase": sim.api_base})
        case ("POST", "reset"):
            sim.reset()
            return Response.json(200, {"reset": True})
        case ("POST", "keys"):
            try:
                label = sim.register_key(_body(environ).get("secretKey"))  # type: ignore[arg-type]
            except ValueError as exc:
                raise invalid([str(exc)]) from None
            return Response.json(200, {"account": label})
        case ("GET", "faults"):
            return Response.json(200, {"data": sim.faults.rules()})
        case ("POST", "faults"):
            return _add_fault(sim, _body(environ))
        case ("DELETE", "faults"):
            sim.faults.clear()
            return Response.json(200, {"data": []})
        case ("POST", "faults", "seed"):
            seed = _body(environ).get("seed")
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                raise invalid(["seed must be an integer or null"])
            sim.faults.seed(seed)
            return Response.json(200, {"seed": seed})
        case ("DELETE", "faults", rule_id):
            if not sim.faults.remove(rule_id):
                raise ApiError(404, "fault.not-found", f"No fault rule {rule_id}")
            return Response.json(200, {"data": sim.faults.rules()})
        case ("GET", "ledger"):
            return Response.json(200, {"data": sim.ledger.snapshot()})
        case ("GET", "objects"):
            return _objects(sim, query.get("account") or None, query.get("kind") or None)
        case ("GET", "objects", object_id):
            try:
                return Response.json(200, masked(sim.get_object(object_id)))
            except KeyError:
                raise ApiError(404, "object.not-found", f"No object {object_id}") from None
        case ("GET", "clock"):
            return Response.json(200, {"now": sim.clock.now_ms()})
        case ("POST", "clock", "advance"):
            return Response.json(200, {"now": sim.clock.advance(_number(_body(environ), "seconds"))})
        case ("POST", "clock", "set"):
            return Response.json(200, {"now": sim.clock.set(int(_number(_body(environ), "ms")))})
        case ("GET", "webhooks", "deliveries"):
            return Response.json(200, {"data": sim.delivery_log(query.get("event") or None)})
        case ("POST", "webhooks", "deliveries", delivery_id, "redeliver"):
            try:
                return Response.json(200, sim.redeliver(delivery_id))
            except KeyError:
                raise ApiError(404, "delivery.not-found", f"No delivery {delivery_id}") from None
        case ("POST", "webhooks", "deliver"):
            return Response.json(200, {"data": sim.deliver_webhooks()})
        case ("GET" | "POST", ("orders" | "tokens") as kind, object_id, "outcome"):
            return _outcome(sim, environ, kind, object_id, method)
        case ("POST", ("orders" | "tokens") as kind, object_id, action):
            return _shopper(sim, environ, kind, object_id, action)
        case ("GET", "merchant"):
            return Response.json(200, {"name": sim.merchant_name})
        case ("POST", "merchant"):
            try:
                sim.merchant_name = check_merchant_name(_body(environ).get("name"))
            except ValueError as exc:
                raise invalid([str(exc)]) from None
            return Response.json(200, {"name": sim.merchant_name})
        case ("GET", "return"):
            return _return_page(environ)
    raise route_not_found(method, path)
