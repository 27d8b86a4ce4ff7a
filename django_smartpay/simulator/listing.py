"""Collections: newest first, ``maxResults`` 1-100 (default 20), opaque page tokens (§1.6, §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import invalid
from .store import Account, Store

DEFAULT_MAX_RESULTS = 20
MAX_MAX_RESULTS = 100


def max_results(query: dict[str, str]) -> int:
    raw = query.get("maxResults")
    if raw is None or raw == "":
        return DEFAULT_MAX_RESULTS
    try:
        value = int(raw)
    except ValueError:
        raise invalid(["maxResults must be an integer"]) from None
    if not 1 <= value <= MAX_MAX_RESULTS:
        raise invalid([f"maxResults must be between 1 and {MAX_MAX_RESULTS}"])
    return value


def _token(store: Store, account: Account, object_name: str, cursor: int | None) -> str:
    """The page token for "``object_name`` objects at creation index ``cursor`` and older"."""
    key = (object_name, cursor)
    token = account.page_token_of.get(key)
    if token is None:
        token = store.random_string()
        account.page_token_of[key] = token
        account.page_tokens[token] = key
    return token


def collection(
    store: Store,
    account: Account,
    object_name: str,
    query: dict[str, str],
    *,
    include: Callable[[dict[str, Any]], bool] | None = None,
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``object_name`` objects of ``account`` as a Collection object."""
    limit = max_results(query)
    page_token = query.get("pageToken") or None
    ids = account.by_kind.get(object_name, [])
    if page_token is None:
        cursor = None
    else:
        found = account.page_tokens.get(page_token)
        if found is None or found[0] != object_name:
            raise invalid(["pageToken is not a valid page token"])
        cursor = found[1]
    position = len(ids) - 1 if cursor is None else cursor
    data: list[dict[str, Any]] = []
    next_cursor: int | None = None
    while position >= 0:
        obj = account.objects[ids[position]]
        if include is None or include(obj):
            if len(data) == limit:
                next_cursor = position
                break
            data.append(render(obj) if render else obj)
        position -= 1
    result: dict[str, Any] = {
        "object": "collection",
        "pageToken": page_token or _token(store, account, object_name, None),
    }
    if next_cursor is not None:
        result["nextPageToken"] = _token(store, account, object_name, next_cursor)
    result["maxResults"] = limit
    result["results"] = len(data)
    result["data"] = data
    return result
