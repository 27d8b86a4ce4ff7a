"""A webhook delivery that fails with an unexpected error (the database gone mid-request) produces
a 500 report with every frame's variables: no signing secret may be among them."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables

from django_smartpay.webhooks import applying

from .conftest import SECRET, SUBSCRIPTION_ID, event_body, sign

pytestmark = pytest.mark.django_db


def _down(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


@sensitive_variables("headers")  # this test's own frame holds the signature; the library's are under test
def _report(body: bytes, headers: dict[str, str]) -> tuple[str, str]:
    try:
        Client().post("/smartpay/webhook/", data=body, content_type="application/json", headers=headers)
    except OperationalError:
        reporter = ExceptionReporter(RequestFactory().post("/smartpay/webhook/"), *sys.exc_info())
        return reporter.get_traceback_html(), reporter.get_traceback_text()
    raise AssertionError("the failure did not reach Django's error handling")


@pytest.mark.parametrize("where", ["lookup_event", "endpoint_secret"])
@sensitive_variables("headers")
def test_the_500_report_of_a_failed_delivery_shows_no_signing_secret(settings, simulator, monkeypatch, where):
    settings.DEBUG = False
    if where == "lookup_event":  # the settings' secret verifies, then the database fails
        settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {SUBSCRIPTION_ID: SECRET}}
    else:  # the settings' secret does not verify, so the endpoint row is read: the database fails
        other = "A" + SECRET[1:]
        settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": {SUBSCRIPTION_ID: [SECRET, other]}}
    monkeypatch.setattr(applying, where, _down)
    body = event_body(
        "token.created", {"object": "token", "id": "paytok_test_reportTok01", "status": "active"}
    )
    headers = sign(body)
    if where == "endpoint_secret":
        headers["Smartpay-Signature"] = "0" * 64
    html, text = _report(body, headers)
    assert "_verify" in html  # the frames are reported, only the secrets are not
    for secret in (SECRET, SECRET[:12], "A" + SECRET[1:12]):
        assert secret not in html and secret not in text
