"""conf: settings read at call time, required keys, the cached client and its HTTP session."""

from __future__ import annotations

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_smartpay import conf
from django_smartpay.exceptions import SmartpayConfigurationError


def test_defaults_apply_and_override_settings_is_seen():
    with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc"}):
        assert conf.get_setting("API_BASE") == "https://api.smartpay.co/v1"
        assert conf.get_setting("WEBHOOK_TOLERANCE") == 300
        assert conf.get_setting("PROCESS_WEBHOOKS") == "sync"
        assert conf.get_setting("WEBHOOK_SECRETS") == []
        with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc", "WEBHOOK_TOLERANCE": 60}):
            assert conf.get_setting("WEBHOOK_TOLERANCE") == 60


@pytest.mark.parametrize("smartpay", [{}, {"SECRET_KEY": ""}, {"PUBLIC_KEY": "pk_test_a"}])
def test_missing_secret_key_names_the_key(smartpay):
    with override_settings(SMARTPAY=smartpay):
        with pytest.raises(SmartpayConfigurationError, match=r'SMARTPAY\["SECRET_KEY"\]') as raised:
            conf.get_setting("SECRET_KEY")
        with pytest.raises(SmartpayConfigurationError):
            conf.get_client()
    assert isinstance(raised.value, ImproperlyConfigured)


def test_unset_or_malformed_smartpay_setting(settings):
    del settings.SMARTPAY
    with pytest.raises(SmartpayConfigurationError, match="SECRET_KEY"):
        conf.get_setting("SECRET_KEY")
    settings.SMARTPAY = ["sk_test_abc"]
    with pytest.raises(SmartpayConfigurationError, match="must be a dict"):
        conf.get_setting("API_BASE")
    with pytest.raises(KeyError):
        conf.get_setting("SECRET")


def test_invalid_key_is_a_configuration_error():
    with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc", "PUBLIC_KEY": "pk_live_abc"}):
        with pytest.raises(SmartpayConfigurationError) as raised:
            conf.get_client()
    assert "sk_test_abc" not in str(raised.value)


def test_client_is_reused_and_rebuilt_when_settings_change():
    with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc", "API_BASE": "https://one.example/v1"}):
        client = conf.get_client()
        assert conf.get_client() is client
        assert client.api_base == "https://one.example/v1"
        with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc", "API_BASE": "https://two.example/v1"}):
            other = conf.get_client()
            assert other is not client
            assert other.api_base == "https://two.example/v1"
        assert conf.get_client().api_base == "https://one.example/v1"


def test_use_http_session_routes_the_client_and_restores():
    session = requests.Session()
    with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc"}):
        outside = conf.get_client()
        with conf.use_http_session(session):
            inside = conf.get_client()
            assert inside.session is session
        assert conf.get_client() is not inside
        assert conf.get_client().session is not session
        assert outside.session is not session


def test_simulator_fixture_routes_the_settings_client(simulator, smartpay_client, smartpay_requests):
    assert smartpay_client is conf.get_client()
    assert smartpay_client.api_base == simulator.api_base
    coupon = smartpay_client.create_coupon("Fixture", "amount", discount_amount=1, currency="JPY")
    assert simulator.get_object(coupon["id"])["name"] == "Fixture"
    assert smartpay_requests == [("POST", "/v1/coupons")]
