"""Lazy iteration across pages served by the loopback server."""

from __future__ import annotations

import pytest

from django_smartpay.client import SmartpayServerError, paginate

from .conftest import Recorded, Reply

PAGES = {
    None: (["a", "b"], "page-2"),
    "page-2": (["c", "d"], "page-3"),
    "page-3": (["e"], None),
}


def three_pages(recorded: Recorded) -> Reply:
    token = recorded.query.get("pageToken", [None])[0]
    ids, next_token = PAGES[token]
    body = {
        "object": "collection",
        "pageToken": token,
        "maxResults": int(recorded.query.get("maxResults", ["20"])[0]),
        "results": len(ids),
        "data": [{"id": item} for item in ids],
    }
    if next_token:
        body["nextPageToken"] = next_token
    return Reply(200, body)


ITERATORS = {
    "iter_checkout_sessions": "/v1/checkout-sessions",
    "iter_orders": "/v1/orders",
    "iter_payments": "/v1/payments",
    "iter_refunds": "/v1/refunds",
    "iter_webhook_endpoints": "/v1/webhook-endpoints",
    "iter_coupons": "/v1/coupons",
    "iter_promotion_codes": "/v1/promotion-codes",
    "iter_tokens": "/v1/tokens",
}


@pytest.mark.parametrize(("name", "path"), sorted(ITERATORS.items()))
def test_iterator_walks_three_pages(client, server, name, path):
    server.responder = three_pages
    objects = list(getattr(client, name)(max_results=2))
    assert [obj["id"] for obj in objects] == ["a", "b", "c", "d", "e"]
    assert [r.path for r in server.requests] == [path] * 3
    assert [r.query.get("pageToken") for r in server.requests] == [None, ["page-2"], ["page-3"]]
    assert all(r.query["maxResults"] == ["2"] for r in server.requests)
    assert all("expand" not in r.query for r in server.requests)


def test_iteration_is_lazy(client, server):
    server.responder = three_pages
    iterator = client.iter_orders(expand=True)
    assert server.requests == []
    assert next(iterator)["id"] == "a"
    assert next(iterator)["id"] == "b"
    assert len(server.requests) == 1
    assert next(iterator)["id"] == "c"
    assert len(server.requests) == 2
    assert server.requests[0].query["expand"] == ["all"]


def test_paginate_function_with_a_starting_token(client, server):
    server.responder = three_pages
    assert [obj["id"] for obj in paginate(client.list_refunds, page_token="page-2")] == ["c", "d", "e"]
    assert len(server.requests) == 2


def test_empty_next_page_token_ends_iteration(client, server):
    server.reply(200, {"object": "collection", "data": [{"id": "x"}], "nextPageToken": ""})
    assert [obj["id"] for obj in client.iter_tokens()] == ["x"]
    assert len(server.requests) == 1


def test_empty_collection(client, server):
    server.reply(200, {"object": "collection", "data": [], "results": 0})
    assert list(client.iter_coupons()) == []


def test_repeated_page_token_is_an_error_not_a_loop(client, server):
    server.responder = lambda recorded: Reply(200, {"data": [{"id": "x"}], "nextPageToken": "same"})
    with pytest.raises(SmartpayServerError, match="does not advance"):
        list(client.iter_payments())
    assert len(server.requests) == 2


def test_answer_without_data_is_an_error(client, server):
    server.reply(200, {"object": "order"})
    with pytest.raises(SmartpayServerError, match="no 'data' list"):
        list(client.iter_orders())
