"""``repr()``/``str()`` of what holds a secret never shows it: the client, a settings error, an
endpoint row, the parsed signed headers, a client error, and a log record at DEBUG of a call."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory, override_settings

from django_smartpay import conf
from django_smartpay.client import SmartpayError
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models import WebhookEndpoint
from django_smartpay.webhooks.verification import read_headers

KEY = "sk_test_ReprSecret0123456789abc"
SIGNING = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
SIGNATURE = "ab" * 32


def _texts(*objects: object) -> str:
    return " ".join(f"{thing!r} {thing!s}" for thing in objects)


@pytest.mark.django_db
def test_reprs_and_strs_never_show_a_secret(simulator):
    with override_settings(SMARTPAY={"SECRET_KEY": KEY, "WEBHOOK_SECRETS": [SIGNING]}):
        conf.reset_client()
        client = conf.get_client()
        endpoint = WebhookEndpoint.objects.create(
            smartpay_id="webhookendpoint_test_repr0001",
            url="https://shop.example/hook",
            signing_secret=SIGNING,
        )
        request = RequestFactory().post(
            "/hook",
            headers={
                "Smartpay-Signature": SIGNATURE,
                "Smartpay-Signature-Timestamp": "1",
                "Smartpay-Event-Id": "evt_test_repr",
                "Smartpay-Subscription-Id": "webhookendpoint_test_repr0001",
            },
        )
        headers = read_headers(request)
    with (
        override_settings(SMARTPAY={"SECRET_KEY": KEY + " "}),
        pytest.raises(SmartpayConfigurationError) as bad,
    ):
        conf.get_setting("SECRET_KEY")
    text = _texts(client, endpoint, headers, bad.value, bad.value.args)
    for secret in (KEY, KEY[8:], SIGNING, SIGNATURE):
        assert secret not in text
    conf.reset_client()


@pytest.mark.django_db
def test_a_refused_call_logs_nothing_secret_at_debug(simulator, caplog):
    with override_settings(SMARTPAY={"SECRET_KEY": KEY}), caplog.at_level(logging.DEBUG):
        conf.reset_client()
        with pytest.raises(SmartpayError) as refused:
            conf.get_client().get_order("order_test_doesNotExist0001")
    text = " ".join(record.getMessage() + repr(record.args) for record in caplog.records)
    text += _texts(refused.value, getattr(refused.value, "details", None))
    assert KEY not in text and KEY[8:] not in text
    conf.reset_client()
