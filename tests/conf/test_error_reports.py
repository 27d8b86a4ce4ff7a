"""Django's error e-mails and 500 reports never show the SMARTPAY secrets."""

from __future__ import annotations

import sys

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from django.views.decorators.debug import sensitive_variables

from django_smartpay import conf
from django_smartpay.exceptions import SmartpayConfigurationError

SECRET_KEY = "sk_test_ReportSecret0123456789"
SIGNING_SECRET = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
ENDPOINT_SECRET = "MOCKSECRETKEYforEndpointB2"
SMARTPAY = {
    "SECRET_KEY": SECRET_KEY,
    "WEBHOOK_SECRETS": {"webhookendpoint_test_b2": [SIGNING_SECRET, ENDPOINT_SECRET]},
}
SECRETS = (SECRET_KEY, SIGNING_SECRET, ENDPOINT_SECRET, "ReportSecret0123456789")


def test_safe_settings_cleanse_every_smartpay_secret():
    with override_settings(SMARTPAY=SMARTPAY):
        safe = SafeExceptionReporterFilter().get_safe_settings()["SMARTPAY"]
    assert safe["SECRET_KEY"] != SECRET_KEY and safe["WEBHOOK_SECRETS"] != SMARTPAY["WEBHOOK_SECRETS"]
    assert not any(secret in repr(safe) for secret in SECRETS)


@sensitive_variables("bad")  # this test's own frame holds the bad value; the library's frames are under test
def _report(**bad: object) -> tuple[str, str]:
    request = RequestFactory().get("/shop/checkout")
    with override_settings(SMARTPAY={**SMARTPAY, **bad}, DEBUG=False):
        try:
            conf.get_client()
        except SmartpayConfigurationError:
            reporter = ExceptionReporter(request, *sys.exc_info())
            return reporter.get_traceback_html(), reporter.get_traceback_text()
    raise AssertionError("the configuration was not refused")


@pytest.mark.parametrize(
    "bad",
    [
        {"PUBLIC_KEY": "pk_live_mismatched1"},  # refused while the valid secret key is in scope
        {"TIMEOUT": "slow"},
        {"SECRET_KEY": SECRET_KEY + " "},  # a refused secret key is still a secret
    ],
)
def test_an_error_raised_while_building_the_client_shows_no_secret_in_the_report(bad):
    """The e-mail report (DEBUG off) shows the frames' variables and the settings: none holds a secret."""
    html, text = _report(**bad)
    assert "get_client" in html  # the frames are there, only their secret values are not
    for secret in SECRETS:
        assert secret not in html and secret not in text
