"""W002 (a routed webhook URL that nothing could verify) reads the endpoint rows, as a database check.

The README's set-up registers the endpoint with ``smartpay_webhooks register`` (its secret
goes on its row) and leaves ``WEBHOOK_SECRETS`` empty: that set-up must not warn.
(The rules of the ``SMARTPAY`` setting itself are tested in tests/conf/test_checks.py.)
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command

from django_smartpay.checks import check_webhook_secrets
from django_smartpay.testing.factories import WebhookEndpointFactory

URL = "https://shop.example.jp/smartpay/webhook/"


@pytest.fixture
def no_secrets(settings, smartpay_simulator):
    """The README's settings: keys only, the webhook URL routed (tests.urls), no WEBHOOK_SECRETS."""
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": []}
    return settings


def ids(**kwargs) -> list[str]:
    return [message.id for message in check_webhook_secrets(**kwargs)]


def check_output(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("check", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.django_db
def test_the_readme_set_up_does_not_warn(no_secrets):
    """migrate, check --tag smartpay, smartpay_webhooks register, check --database: no W002 on the way."""
    assert "W002" not in check_output("--tag", "smartpay")
    assert "smartpay.W002" in check_output("--database", "default")  # true: nothing could verify yet
    call_command("smartpay_webhooks", "register", URL, stdout=StringIO())
    assert "W002" not in check_output("--tag", "smartpay")
    assert "W002" not in check_output("--database", "default")


@pytest.mark.django_db
def test_warns_only_when_no_stored_endpoint_could_verify_a_delivery(no_secrets):
    assert ids(databases=["default"]) == ["smartpay.W002"]
    assert ids() == []  # without --database it cannot know, and makes no query
    WebhookEndpointFactory(test=False)  # a live endpoint cannot verify test-mode deliveries
    WebhookEndpointFactory(test=True, active=False)
    WebhookEndpointFactory(test=True, signing_secret="")
    assert ids(databases=["default"]) == ["smartpay.W002"]
    WebhookEndpointFactory(test=True)
    assert ids(databases=["default"]) == []


@pytest.mark.django_db
def test_secrets_in_settings_or_no_webhook_url_are_silent(no_secrets, settings):
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": ["gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"]}
    assert ids(databases=["default"]) == []
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": []}
    assert ids(databases=["default"]) == ["smartpay.W002"]
    settings.ROOT_URLCONF = "tests.test_checks"  # routes nothing
    assert ids(databases=["default"]) == []


@pytest.mark.django_db
def test_not_run_without_databases_and_silent_on_a_broken_key(
    no_secrets, settings, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert "smartpay.W002" not in [m.id for m in checks.run_checks(tags=["smartpay"])]
        assert "smartpay.W002" not in [m.id for m in checks.run_checks()]
    settings.SMARTPAY = {**settings.SMARTPAY, "SECRET_KEY": "not a key"}  # E003 says what is wrong
    assert ids(databases=["default"]) == []


urlpatterns: list = []
