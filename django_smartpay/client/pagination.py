"""Walking a Smartpay collection across pages.

A list call answers ``{"object": "collection", "data": [...], "nextPageToken": ...}``;
the next page is asked for with ``pageToken=<nextPageToken>`` until the token is absent
or empty (spec §1.6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .errors import SmartpayServerError


def paginate(list_method: Callable[..., Mapping[str, Any]], /, **params: Any) -> Iterator[dict[str, Any]]:
    """Yield every object of a collection, one page at a time, lazily.

    ``list_method`` is a client list method (``client.list_orders``); ``params`` are its
    keyword arguments (``max_results``, ``expand``, a starting ``page_token``).  Nothing is
    requested until the first object is asked for.  A server that hands back a page token
    it already gave raises :class:`SmartpayServerError` instead of looping forever.
    """
    page_token = params.pop("page_token", None)
    seen: set[str] = {page_token} if isinstance(page_token, str) and page_token else set()
    while True:
        page = list_method(**params, page_token=page_token)
        data = page.get("data") if isinstance(page, Mapping) else None
        if not isinstance(data, list):
            raise SmartpayServerError("a list call answered without a collection (no 'data' list)")
        yield from data
        next_token = page.get("nextPageToken")
        if not next_token:
            return
        if not isinstance(next_token, str) or next_token in seen:
            raise SmartpayServerError(f"pagination does not advance: nextPageToken {next_token!r} repeats")
        seen.add(next_token)
        page_token = next_token
