"""HTTP status → error class, error fields, non-JSON bodies, and the secret key never shown."""

from __future__ import annotations

import pytest

from django_smartpay.client import (
    SmartpayAuthenticationError,
    SmartpayClient,
    SmartpayConflictError,
    SmartpayConnectionError,
    SmartpayError,
    SmartpayInvalidRequestError,
    SmartpayNotFoundError,
    SmartpayRateLimitError,
    SmartpayServerError,
    SmartpayTimeoutError,
    SmartpayValidationError,
)
from django_smartpay.client.transport import error_from_response

from .conftest import ORDER_ID, PAYMENT_ID, SECRET_KEY, TOKEN_ID, unused_port

MAPPING = [
    (400, SmartpayInvalidRequestError),
    (403, SmartpayInvalidRequestError),
    (422, SmartpayInvalidRequestError),
    (401, SmartpayAuthenticationError),
    (404, SmartpayNotFoundError),
    (409, SmartpayConflictError),
    (429, SmartpayRateLimitError),
    (500, SmartpayServerError),
    (502, SmartpayServerError),
    (503, SmartpayServerError),
    (504, SmartpayServerError),
]


@pytest.mark.parametrize(("status", "error_class"), MAPPING)
def test_status_maps_to_error_class_with_fields(make_client, server, status, error_class):
    client = make_client(max_retries=0)
    server.reply(
        status,
        {
            "statusCode": status,
            "errorCode": "some.code",
            "message": "Something went wrong",
            "details": ["amount is bad"],
        },
    )
    with pytest.raises(error_class) as info:
        client.create_refund(PAYMENT_ID, 100, "JPY", "fraudulent", idempotency_key="refund-key-1")
    error = info.value
    assert type(error) is error_class
    assert not isinstance(error, SmartpayValidationError)
    assert (error.status_code, error.error_code, error.message) == (
        status,
        "some.code",
        "Something went wrong",
    )
    assert error.details == ["amount is bad"]
    assert error.idempotency_key == "refund-key-1"
    assert str(error) == f"[{status} some.code] Something went wrong (amount is bad)"


def test_documented_refund_error(make_client, server):
    server.reply(
        403,
        {
            "statusCode": 403,
            "errorCode": "amount.insufficient",
            "message": "Available amount on payment is insufficient",
            "details": [],
        },
    )
    with pytest.raises(SmartpayInvalidRequestError) as info:
        make_client().create_refund(PAYMENT_ID, 100, "JPY", "requested_by_customer")
    assert info.value.error_code == "amount.insufficient"
    assert info.value.details == []
    assert len(server.requests) == 1


def test_not_found_for_a_token(client, server):
    server.reply(404, {"statusCode": 404, "errorCode": "token.not-found", "message": "Token not found"})
    with pytest.raises(SmartpayNotFoundError) as info:
        client.enable_token(TOKEN_ID)
    assert info.value.error_code == "token.not-found"
    assert info.value.idempotency_key == server.requests[0].headers["idempotency-key"]


def test_401_body_shape(client, server):
    server.reply(401, {"statusCode": 401, "scheme": "Basic", "realm": "api"})
    with pytest.raises(SmartpayAuthenticationError) as info:
        client.get_order(ORDER_ID)
    error = info.value
    assert error.status_code == 401
    assert error.error_code is None
    assert "refused" in error.message and "realm api" in error.message
    assert error.idempotency_key is None  # GET


def test_unknown_status_is_a_plain_smartpay_error(client, server):
    server.reply(418, {"message": "teapot"})
    with pytest.raises(SmartpayError) as info:
        client.get_order(ORDER_ID)
    assert type(info.value) is SmartpayError
    assert info.value.status_code == 418


def test_redirects_are_not_followed(client, server):
    server.reply(302, headers={"Location": "http://127.0.0.1:1/elsewhere"})
    with pytest.raises(SmartpayError) as info:
        client.create_payment(ORDER_ID, 100, "JPY")
    assert info.value.status_code == 302
    assert len(server.requests) == 1


def test_html_error_body(make_client, server):
    html = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 1000 + "</body></html>"
    server.reply(502, html)
    with pytest.raises(SmartpayServerError) as info:
        make_client(max_retries=0).get_order(ORDER_ID)
    error = info.value
    assert error.status_code == 502
    assert error.error_code is None
    assert error.message.startswith("HTTP 502 Bad Gateway: <html><head><title>502 Bad Gateway</title>")
    assert error.message.endswith("…")
    assert len(error.message) < 260


def test_empty_error_body(make_client, server):
    server.reply(500, b"")
    with pytest.raises(SmartpayServerError) as info:
        make_client(max_retries=0).get_order(ORDER_ID)
    assert info.value.message == "HTTP 500 Internal Server Error"


def test_error_body_that_is_json_but_not_an_object(make_client, server):
    server.reply(400, ["bad"])
    with pytest.raises(SmartpayInvalidRequestError) as info:
        make_client().get_order(ORDER_ID)
    assert info.value.message == 'HTTP 400 Bad Request: ["bad"]'
    assert info.value.error_code == "request.invalid"  # the class default when the body has none


def test_details_that_are_not_a_list_are_wrapped():
    error = error_from_response(
        400, "Bad Request", b'{"errorCode":"request.invalid","details":{"amount":"bad"}}', None
    )
    assert error.details == [{"amount": "bad"}]


@pytest.mark.parametrize("body", [b"not json", b"{", b"<html>ok</html>"])
def test_2xx_with_unparseable_body(client, server, body):
    server.reply(200, body)
    with pytest.raises(SmartpayServerError) as info:
        client.create_payment(ORDER_ID, 100, "JPY")
    error = info.value
    assert "not JSON" in error.message
    assert error.status_code == 200
    assert error.idempotency_key == server.requests[0].headers["idempotency-key"]
    assert len(server.requests) == 1  # not retried: the capture may have been applied


def test_2xx_with_json_that_is_not_an_object(client, server):
    server.reply(200, [1, 2])
    with pytest.raises(SmartpayServerError):
        client.get_order(ORDER_ID)


@pytest.mark.parametrize(("status", "body"), [(204, None), (200, None), (200, b"  \n")])
def test_empty_success_returns_none(client, server, status, body):
    server.reply(status, body)
    assert client.delete_token(TOKEN_ID) is None


def test_enable_and_disable_return_none_on_empty_200(client, server):
    server.reply(200, b"")
    server.reply(200, b"")
    assert client.enable_token(TOKEN_ID) is None
    assert client.disable_token(TOKEN_ID) is None


def test_secret_key_never_appears_in_errors(make_client, server):
    client = make_client(max_retries=0)
    server.reply(
        400,
        {
            "errorCode": "request.invalid",
            "message": f"bad key {SECRET_KEY}",
            "details": [f"key={SECRET_KEY}"],
        },
    )
    server.reply(502, f"<pre>Authorization: Basic {SECRET_KEY}</pre>")
    server.reply(200, f"oops {SECRET_KEY}")
    errors = []
    for _ in range(3):
        with pytest.raises(SmartpayError) as info:
            client.get_order(ORDER_ID)
        errors.append(info.value)
    for error in errors:
        for text in (str(error), repr(error), error.message, *map(str, error.details)):
            assert SECRET_KEY not in text
            assert "Ho1BrYTcg3gAX4vTKk1taz" not in text


def test_connection_and_timeout_errors_do_not_carry_the_key(make_client, server):
    refused = SmartpayClient(SECRET_KEY, api_base=f"http://127.0.0.1:{unused_port()}/v1", max_retries=0)
    with refused, pytest.raises(SmartpayConnectionError) as info:
        refused.get_order(ORDER_ID)
    slow = make_client(timeout=(1.0, 0.1), max_retries=0)
    server.reply(200, {}, delay=1.0)
    with pytest.raises(SmartpayTimeoutError) as timeout_info:
        slow.get_order(ORDER_ID)
    for error in (info.value, timeout_info.value):
        assert SECRET_KEY not in str(error) and SECRET_KEY not in repr(error)
        assert error.__cause__ is None and error.__context__ is None
        assert not hasattr(error, "request")


def test_client_repr_hides_the_key():
    client = SmartpayClient(SECRET_KEY)
    assert SECRET_KEY not in repr(client)
    assert SECRET_KEY not in repr(vars(client))  # nor in the repr of anything it holds
    client.close()
