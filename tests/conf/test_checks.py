"""System checks: each id fires on its misconfiguration and stays silent when all is right."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings
from django.urls import include, path

from django_smartpay import conf
from django_smartpay.checks import check_settings
from django_smartpay.exceptions import SmartpayConfigurationError

GOOD = {
    "SECRET_KEY": "sk_test_abc123",
    "PUBLIC_KEY": "pk_test_abc123",
    "API_BASE": "https://api.smartpay.co/v1",
    "WEBHOOK_SECRETS": ["gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"],
}
ENDPOINT = "webhookendpoint_test_a1"


def _webhook(request):  # pragma: no cover - only reversed, never called
    raise AssertionError


urlpatterns_with_webhook = [
    path("smartpay/", include(([path("webhook/", _webhook, name="webhook")], "smartpay")))
]


def _urlconf(patterns: list) -> object:
    module = type(__import__("sys"))("checks_urls")
    module.urlpatterns = patterns
    return module


#: A project that routes no webhook URL; the suite's own urlconf routes one.
WITHOUT_WEBHOOK = _urlconf([])
WITH_WEBHOOK = _urlconf(urlpatterns_with_webhook)


def ids(smartpay=None, **settings) -> list[str]:
    settings.setdefault("ROOT_URLCONF", WITHOUT_WEBHOOK)
    with override_settings(SMARTPAY=smartpay if smartpay is not None else GOOD, **settings):
        return [message.id for message in check_settings()]


@pytest.mark.django_db
def test_good_configuration_is_silent(django_assert_num_queries):
    """No queries; the other tests here have no database access at all, so a query would fail them."""
    with django_assert_num_queries(0):
        assert ids() == []
    assert ids({"SECRET_KEY": "sk_live_abc", "PUBLIC_KEY": "pk_live_abc"}) == []


def test_registered_with_the_smartpay_tag():
    with override_settings(SMARTPAY={"SECRET_KEY": ""}, ROOT_URLCONF=WITHOUT_WEBHOOK):
        found = [message.id for message in checks.run_checks(tags=["smartpay"])]
    assert found == ["smartpay.E002"]


@pytest.mark.parametrize(
    "smartpay, expected",
    [
        ("sk_test_abc", ["smartpay.E001"]),
        ({}, ["smartpay.E002"]),
        ({**GOOD, "SECRET_KEY": "pk_test_abc"}, ["smartpay.E003"]),
        ({**GOOD, "PUBLIC_KEY": "sk_test_abc"}, ["smartpay.E004"]),
        ({**GOOD, "PUBLIC_KEY": "pk_live_abc"}, ["smartpay.E005"]),
        ({**GOOD, "API_BASE": "http://api.smartpay.co/v1"}, ["smartpay.E006"]),
        ({**GOOD, "API_BASE": "api.smartpay.co"}, ["smartpay.E006"]),
        ({**GOOD, "TIMEOUT": 0}, ["smartpay.E007"]),
        ({**GOOD, "TIMEOUT": (5, "30")}, ["smartpay.E007"]),
        ({**GOOD, "MAX_RETRIES": -1}, ["smartpay.E008"]),
        ({**GOOD, "MAX_RETRIES": True}, ["smartpay.E008"]),
        ({**GOOD, "WEBHOOK_SECRETS": "gybcsjix"}, ["smartpay.E009"]),
        ({**GOOD, "WEBHOOK_SECRETS": ["not-base62!"]}, ["smartpay.E009"]),
        ({**GOOD, "WEBHOOK_SECRETS": {ENDPOINT: ""}}, ["smartpay.E009"]),
        ({**GOOD, "WEBHOOK_SECRETS": {ENDPOINT: []}}, ["smartpay.E009"]),
        ({**GOOD, "WEBHOOK_SECRETS": {ENDPOINT: ["gybcsjix", "bad!"]}}, ["smartpay.E009"]),
        ({**GOOD, "WEBHOOK_TRUSTED_PROXIES": "10.0.0.1"}, ["smartpay.E012"]),
        ({**GOOD, "WEBHOOK_TRUSTED_PROXIES": ["10.0.0.0/8", "proxy.example"]}, ["smartpay.E012"]),
        ({**GOOD, "WEBHOOK_TOLERANCE": 0}, ["smartpay.E010"]),
        ({**GOOD, "WEBHOOK_TOLERANCE": "300"}, ["smartpay.E010"]),
        ({**GOOD, "PROCESS_WEBHOOKS": "later"}, ["smartpay.E011"]),
        ({**GOOD, "SECRETKEY": "sk_test_x"}, ["smartpay.W003"]),
    ],
)
def test_each_error_fires_with_its_id(smartpay, expected):
    assert ids(smartpay) == expected


@pytest.mark.parametrize(
    "api_base",
    [
        "http://localhost:8765/v1",
        "http://127.0.0.1:8765/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8765/v1",
        "http://smartpay.simulator/v1",
        "https://api.smartpay.co/v1",
    ],
)
def test_plain_http_allowed_for_loopback_and_the_simulator(api_base):
    assert ids({**GOOD, "API_BASE": api_base}) == []


def test_simulator_origin_with_a_live_key_is_an_error():
    live = {"SECRET_KEY": "sk_live_abc", "API_BASE": "http://smartpay.simulator/v1"}
    assert ids(live) == ["smartpay.E006"]
    assert ids({**live, "API_BASE": "http://localhost/v1"}) == []


def test_live_key_with_debug_warns():
    live = {"SECRET_KEY": "sk_live_abc"}
    assert ids(live, DEBUG=True) == ["smartpay.W001"]
    assert ids(live, DEBUG=False) == []
    assert ids({"SECRET_KEY": "sk_test_abc"}, DEBUG=True) == []


def test_routed_webhook_without_secrets_is_not_a_settings_check():
    """W002 needs the endpoint rows, so it is a database check now (tests/test_checks.py)."""
    assert ids({**GOOD, "WEBHOOK_SECRETS": []}, ROOT_URLCONF=WITH_WEBHOOK) == []


def test_async_processing_without_celery_is_an_error(monkeypatch):
    """The webhook view would fail to enqueue at run time, so the check is an E (it was W004)."""
    import importlib.util

    assert ids({**GOOD, "PROCESS_WEBHOOKS": "async"}) == []
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "celery" else real(name, *a)
    )
    assert ids({**GOOD, "PROCESS_WEBHOOKS": "async"}) == ["smartpay.E013"]
    with override_settings(SMARTPAY={**GOOD, "PROCESS_WEBHOOKS": "async"}):
        with pytest.raises(SmartpayConfigurationError) as raised:
            conf.process_webhooks_async()
    assert raised.value.setting == "PROCESS_WEBHOOKS" and raised.value.check_id == "smartpay.E013"


def test_accepted_forms_of_webhook_settings_are_silent():
    """Every form the webhook view accepts passes the checks (rotation per endpoint, proxies)."""
    rotation = {ENDPOINT: ["gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q", "MOCKSECRETKEY"]}
    assert ids({**GOOD, "WEBHOOK_SECRETS": rotation}) == []
    assert ids({**GOOD, "WEBHOOK_TRUSTED_PROXIES": ["127.0.0.1", "10.0.0.0/8", "::1"]}) == []
