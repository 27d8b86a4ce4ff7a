"""JSON encoding and ``expand=all`` rendering of stored objects."""

from __future__ import annotations

import json
from typing import Any

from .errors import invalid
from .store import Account

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Node's ``JSON.stringify`` writes it (spec §11)."""
    return _encoder.encode(value).encode("utf-8")


def wants_expand(query: dict[str, str]) -> bool:
    value = query.get("expand")
    if value is None or value == "no":
        return False
    if value == "all":
        return True
    raise invalid(["expand must be one of: all, no"])


def _objects(account: Account, ids: list[str]) -> list[dict[str, Any]]:
    return [account.objects[object_id] for object_id in ids if object_id in account.objects]


def expand(account: Account, obj: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``obj`` with its references replaced by the referenced objects."""
    kind = obj["object"]
    if kind == "checkoutSession":
        result = dict(obj)
        if isinstance(obj.get("order"), str):
            result["order"] = expand(account, account.objects[obj["order"]])
        if isinstance(obj.get("token"), str):
            result["token"] = account.objects[obj["token"]]
        return result
    if kind == "order":
        result = dict(obj)
        result["lineItems"] = _objects(account, obj["lineItems"])
        result["payments"] = _objects(account, obj["payments"])
        result["discounts"] = _objects(account, obj["discounts"])
        return result
    if kind == "payment":
        result = dict(obj)
        result["order"] = account.objects[obj["order"]]
        result["lineItems"] = _objects(account, obj["lineItems"])
        result["refunds"] = _objects(account, obj["refunds"])
        return result
    if kind == "refund":
        result = dict(obj)
        result["payment"] = account.objects[obj["payment"]]
        result["lineItems"] = _objects(account, obj["lineItems"])
        return result
    return obj


def present(account: Account, obj: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    return expand(account, obj) if wants_expand(query) else obj


def renderer(account: Account, query: dict[str, str]) -> Any:
    """The per-item renderer for a list (``None`` = as stored); validates ``expand`` up front."""
    if not wants_expand(query):
        return None
    return lambda obj: expand(account, obj)
