"""No secret in an error's str/repr/details, the client's repr or the transport's logs."""

from __future__ import annotations

import logging

import pytest

from django_smartpay.client import SmartpayClient, SmartpayError, SmartpayInvalidRequestError
from django_smartpay.client.errors import redact, redact_value

SECRET_KEY = "sk_test_NoSecretsAnywhere123"
SIGNING_SECRET = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
ORDER_ID = "order_test_abc"


def _texts(error: SmartpayError) -> list[str]:
    return [str(error), repr(error), error.message, *map(str, error.details), repr(error.details)]


@pytest.mark.parametrize(
    "leak",
    [
        {"signingSecret": SIGNING_SECRET},
        {"webhook": {"signing_secret": SIGNING_SECRET}},
        [{"headers": {"Authorization": f"Basic {SECRET_KEY}"}}],
        f"signingSecret={SIGNING_SECRET}",
        f'{{"signingSecret": "{SIGNING_SECRET}"}}',
        f"Authorization: Basic {SECRET_KEY}",
        f"authorization: Bearer {SIGNING_SECRET}",
        f"https://user:{SIGNING_SECRET}@api.example/v1",
        {"password": SIGNING_SECRET},
        {"url": f"https://api.example/hook?secret={SIGNING_SECRET}"},
    ],
)
def test_error_details_and_messages_are_redacted(leak):
    error = SmartpayInvalidRequestError(f"refused: {leak}", details=[leak])
    for text in _texts(error):
        assert SIGNING_SECRET not in text and SECRET_KEY not in text
    assert "***" in str(error)


def test_redaction_keeps_what_is_not_secret():
    assert redact("order order_test_abc failed: amount must be positive") == (
        "order order_test_abc failed: amount must be positive"
    )
    assert redact_value({"amount": 5, "ids": ["payment_test_1"]}) == {"amount": 5, "ids": ["payment_test_1"]}


def test_an_echoed_signing_secret_in_an_error_answer_is_redacted(make_client, server):
    client = make_client(max_retries=0)
    server.reply(
        400,
        {
            "errorCode": "request.invalid",
            "message": f"bad endpoint signingSecret={SIGNING_SECRET}",
            "details": [{"signingSecret": SIGNING_SECRET, "field": "url"}],
        },
    )
    with pytest.raises(SmartpayError) as info:
        client.get_order(ORDER_ID)
    for text in _texts(info.value):
        assert SIGNING_SECRET not in text
    assert info.value.details == [{"signingSecret": "***", "field": "url"}]


def test_client_repr_hides_the_key_and_url_credentials():
    client = SmartpayClient(SECRET_KEY, api_base=f"https://user:{SIGNING_SECRET}@api.example/v1")
    shown = repr(client)
    assert SECRET_KEY not in shown and SIGNING_SECRET not in shown and "api.example" in shown
    client.close()


def test_transport_logs_carry_no_secret(make_client, server, caplog):
    """Every log record of a call with retries, urllib3's included, at DEBUG level."""
    client = make_client(max_retries=2, secret_key=SECRET_KEY)
    server.reply(503, {"message": f"busy, Authorization: Basic {SECRET_KEY}"})
    server.reply(429, {"signingSecret": SIGNING_SECRET}, headers={"Retry-After": "0"})
    server.reply(200, {"id": ORDER_ID, "object": "order"})
    with caplog.at_level(logging.DEBUG):
        assert client.get_order(ORDER_ID)["id"] == ORDER_ID
    retries = [record for record in caplog.records if record.name == "django_smartpay.client"]
    assert [record.getMessage().split(": ", 1)[1].split(";")[0] for record in retries] == [
        "HTTP 503",
        "HTTP 429",
    ]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert SECRET_KEY not in text and SIGNING_SECRET not in text
    assert (
        server.requests[0].headers["authorization"] == f"Basic {SECRET_KEY}"
    )  # it was sent, just never logged
