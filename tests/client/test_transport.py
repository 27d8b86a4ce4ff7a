"""Transport against a real HTTP server on 127.0.0.1: retries, idempotency keys, timeouts, headers."""

from __future__ import annotations

import email.utils
import inspect
import string
import time

import pytest
import requests

import django_smartpay
from django_smartpay.client import (
    SmartpayClient,
    SmartpayConflictError,
    SmartpayConnectionError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayTimeoutError,
    new_idempotency_key,
)
from django_smartpay.client.transport import parse_retry_after

from .conftest import ORDER_ID, PAYMENT_ID, SECRET_KEY, TOKEN_ID, WEBHOOK_ID, checkout_payload, unused_port

MUTATING_CALLS = {
    "POST": (lambda c: c.create_payment(ORDER_ID, 100, "JPY"), "/v1/payments"),
    "PUT": (lambda c: c.cancel_order(ORDER_ID), f"/v1/orders/{ORDER_ID}/cancellation"),
    "PATCH": (lambda c: c.update_payment(PAYMENT_ID, reference="r-1"), f"/v1/payments/{PAYMENT_ID}"),
    "DELETE": (lambda c: c.delete_webhook_endpoint(WEBHOOK_ID), f"/v1/webhook-endpoints/{WEBHOOK_ID}"),
}


@pytest.mark.parametrize("method", sorted(MUTATING_CALLS))
def test_retries_reuse_one_generated_idempotency_key(client, server, sleeps, method):
    call, path = MUTATING_CALLS[method]
    server.reply(503, {"errorCode": "unavailable"})
    server.reply(503, "<html>busy</html>")
    server.reply(200, {"id": "done"})
    assert call(client) == {"id": "done"}
    assert [(r.method, r.path) for r in server.requests] == [(method, path)] * 3
    keys = {r.headers["idempotency-key"] for r in server.requests}
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 32 and set(key) <= set(string.ascii_letters + string.digits)
    assert len({r.body for r in server.requests}) == 1
    assert len(sleeps.calls) == 2


def test_callers_key_is_sent_on_every_retry(client, server):
    server.reply(502)
    server.reply(200, {"id": PAYMENT_ID})
    client.create_payment(ORDER_ID, 100, "JPY", idempotency_key="capture-order-1")
    assert [r.headers["idempotency-key"] for r in server.requests] == ["capture-order-1"] * 2


def test_each_call_gets_its_own_key(client, server):
    client.create_payment(ORDER_ID, 100, "JPY")
    client.create_payment(ORDER_ID, 100, "JPY")
    first, second = (r.headers["idempotency-key"] for r in server.requests)
    assert first != second


def test_generated_keys_are_long_and_random():
    keys = {new_idempotency_key() for _ in range(200)}
    assert len(keys) == 200
    assert min(len(key) for key in keys) >= 32


def test_get_sends_no_key_and_is_retried(client, server):
    server.reply(500)
    server.reply(504)
    server.reply(200, {"id": ORDER_ID})
    assert client.get_order(ORDER_ID) == {"id": ORDER_ID}
    assert len(server.requests) == 3
    assert all("idempotency-key" not in r.headers for r in server.requests)


def test_get_ignores_a_key_given_to_request(client, server):
    client.request("GET", "/orders", idempotency_key="ignored-key")
    assert "idempotency-key" not in server.requests[0].headers


def test_rate_limit_is_retried(client, server):
    server.reply(429, {"errorCode": "request.rate-limited"})
    server.reply(200, {"id": PAYMENT_ID})
    assert client.create_payment(ORDER_ID, 1, "JPY") == {"id": PAYMENT_ID}
    assert len(server.requests) == 2


def test_max_retries_zero_sends_one_request(make_client, server, sleeps):
    client = make_client(max_retries=0)
    server.reply(503, {"errorCode": "unavailable", "message": "try later"})
    with pytest.raises(SmartpayServerError) as info:
        client.create_payment(ORDER_ID, 100, "JPY")
    assert len(server.requests) == 1
    assert sleeps.calls == []
    assert info.value.status_code == 503
    assert info.value.idempotency_key == server.requests[0].headers["idempotency-key"]


def test_exhausted_retries_raise_the_last_server_error(make_client, server):
    client = make_client(max_retries=2)
    for _ in range(3):
        server.reply(429, {"errorCode": "request.rate-limited", "message": "slow down"})
    with pytest.raises(SmartpayRateLimitError) as info:
        client.list_orders()
    assert len(server.requests) == 3
    assert info.value.error_code == "request.rate-limited"


def test_client_errors_are_not_retried(client, server):
    server.reply(409, {"errorCode": "order.cannot-capture"})
    with pytest.raises(SmartpayConflictError):
        client.create_payment(ORDER_ID, 100, "JPY")
    assert len(server.requests) == 1


def test_backoff_is_jittered_exponential_and_capped(make_client, server, sleeps):
    client = make_client(max_retries=4, backoff_factor=1.0, max_backoff=3.0)
    for _ in range(4):
        server.reply(503)
    server.reply(200, {})
    client.get_order(ORDER_ID)
    ceilings = [1.0, 2.0, 3.0, 3.0]
    assert len(sleeps.calls) == 4
    assert all(0.0 <= delay <= ceiling for delay, ceiling in zip(sleeps.calls, ceilings, strict=True))


def test_retry_after_seconds_is_honoured(client, server, sleeps):
    server.reply(503, headers={"Retry-After": "2"})
    server.reply(429, headers={"Retry-After": "3"})
    server.reply(200, {})
    client.create_payment(ORDER_ID, 100, "JPY")
    assert sleeps.calls == [2.0, 3.0]


def test_retry_after_http_date_is_honoured(client, server, sleeps):
    when = email.utils.formatdate(time.time() + 4, usegmt=True)
    server.reply(503, headers={"Retry-After": when})
    server.reply(200, {})
    client.get_order(ORDER_ID)
    assert len(sleeps.calls) == 1
    assert 2.5 <= sleeps.calls[0] <= 4.0


def test_retry_after_is_capped_by_max_backoff(make_client, server, sleeps):
    client = make_client(max_backoff=1.5)
    server.reply(503, headers={"Retry-After": "120"})
    server.reply(200, {})
    client.get_order(ORDER_ID)
    assert sleeps.calls == [1.5]


def test_retry_after_real_time(make_client, server):
    """With the real ``time.sleep``, the retry arrives at least Retry-After seconds later."""
    client = make_client(sleep=time.sleep, backoff_factor=0.0)
    server.reply(503, headers={"Retry-After": "1"})
    server.reply(200, {})
    client.create_payment(ORDER_ID, 100, "JPY")
    first, second = server.requests
    assert second.arrived - first.arrived >= 1.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("-3", 0.0),
        ("1.5", 1.5),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


def test_read_timeout_raises_timeout_error(make_client, server):
    client = make_client(timeout=(1.0, 0.2), max_retries=0)
    server.reply(200, {"id": ORDER_ID}, delay=2.0)
    started = time.monotonic()
    with pytest.raises(SmartpayTimeoutError) as info:
        client.get_order(ORDER_ID)
    assert time.monotonic() - started < 1.5
    assert info.value.status_code is None
    assert "read timeout" in str(info.value)
    assert len(server.requests) == 1


def test_timeout_is_retried_with_the_same_key(make_client, server, sleeps):
    client = make_client(timeout=(1.0, 0.2), max_retries=1)
    server.reply(200, {"id": "late"}, delay=2.0)
    server.reply(200, {"id": PAYMENT_ID})
    assert client.create_payment(ORDER_ID, 100, "JPY") == {"id": PAYMENT_ID}
    first, second = server.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert len(sleeps.calls) == 1


def test_connection_refused_raises_connection_error_after_retries(sleeps):
    client = SmartpayClient(
        SECRET_KEY,
        api_base=f"http://127.0.0.1:{unused_port()}/v1",
        max_retries=2,
        backoff_factor=0.01,
        sleep=sleeps,
    )
    with client, pytest.raises(SmartpayConnectionError) as info:
        client.create_payment(ORDER_ID, 100, "JPY", idempotency_key="refused-1")
    error = info.value
    assert not isinstance(error, SmartpayTimeoutError)
    assert error.status_code is None
    assert error.idempotency_key == "refused-1"
    assert "after 3 attempts" in str(error)
    assert len(sleeps.calls) == 2
    assert (
        error.__cause__ is None and error.__context__ is None
    )  # no requests exception (and its headers) attached


def test_headers(make_client, server):
    client = make_client()
    client.create_checkout_session(checkout_payload())
    headers = server.requests[0].headers
    assert headers["authorization"] == f"Basic {SECRET_KEY}"
    assert headers["user-agent"] == f"django-smartpay/{django_smartpay.__version__}"
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/json"


def test_user_agent_extra_is_appended(make_client, server):
    make_client(user_agent="myshop/2.1").get_order(ORDER_ID)
    assert (
        server.requests[0].headers["user-agent"]
        == f"django-smartpay/{django_smartpay.__version__} myshop/2.1"
    )


def test_body_is_compact_utf8_json(client, server):
    client.request("POST", "/coupons", json={"name": "春のセール", "discountType": "amount", "note": None})
    assert server.requests[0].body == '{"name":"春のセール","discountType":"amount"}'.encode()


def test_no_body_and_no_content_type_without_json(client, server):
    client.enable_token(TOKEN_ID)
    request = server.requests[0]
    assert request.body == b""
    assert "content-type" not in request.headers
    assert request.headers["content-length"] == "0"


def test_callers_session_is_used_and_its_auth_cannot_replace_the_key(make_client, server):
    session = requests.Session()
    session.headers["X-Shop"] = "1"
    session.auth = ("someone", "else")
    client = make_client(session=session)
    assert client.session is session
    client.get_order(ORDER_ID)
    assert server.requests[0].headers["x-shop"] == "1"
    assert server.requests[0].headers["authorization"] == f"Basic {SECRET_KEY}"
    session.close()


def test_close_leaves_a_callers_session_alone(make_client):
    class TrackingSession(requests.Session):
        closed = 0

        def close(self) -> None:
            self.closed += 1
            super().close()

    mine = TrackingSession()
    with make_client(session=mine):
        pass
    assert mine.closed == 0
    mine.close()
    assert mine.closed == 1


def test_own_session_is_reused_across_calls(client, server):
    first = client.session
    client.get_order(ORDER_ID)
    client.get_order(ORDER_ID)
    assert client.session is first
    assert isinstance(first, requests.Session)


def test_query_parameters_drop_none(client, server):
    client.request("GET", "/orders", params={"maxResults": 5, "pageToken": None})
    assert server.requests[0].query == {"maxResults": ["5"]}


def test_default_timeout_is_connect_and_read():
    client = SmartpayClient(SECRET_KEY)
    assert client.timeout == (5.0, 30.0) and client.max_retries == 2
    assert client.api_base == "https://api.smartpay.co/v1"
    client.close()


def test_sleep_defaults_to_time_sleep():
    assert inspect.signature(SmartpayClient).parameters["sleep"].default is time.sleep
