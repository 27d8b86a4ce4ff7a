"""The checks and the run time agree: every bad value is an E naming the key, and refused when read."""

from __future__ import annotations

import math
import time

import pytest
from django.test import override_settings

from django_smartpay import conf
from django_smartpay.checks import check_settings
from django_smartpay.client import SmartpayClient, defaults
from django_smartpay.exceptions import SmartpayConfigurationError
from django_smartpay.models import Token, WebhookEvent
from django_smartpay.testing.factories import TokenFactory
from django_smartpay.webhooks.verification import REDELIVERY_WINDOW

SECRET = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
GOOD = {"SECRET_KEY": "sk_test_abc123", "PUBLIC_KEY": "pk_test_abc123", "WEBHOOK_SECRETS": [SECRET]}

BAD = [
    # (key, bad value, check id)
    ("SECRET_KEY", " sk_test_abc123", "E003"),
    ("SECRET_KEY", "sk_test_abc123\n", "E003"),
    ("SECRET_KEY", "sk_test_abc 123", "E003"),
    ("SECRET_KEY", "pk_test_abc123", "E003"),
    ("SECRET_KEY", "sk_prod_abc123", "E003"),
    ("SECRET_KEY", "rk_test_abc123", "E003"),
    ("SECRET_KEY", b"sk_test_abc123", "E003"),
    ("SECRET_KEY", 123, "E003"),
    ("SECRET_KEY", True, "E003"),
    ("SECRET_KEY", None, "E002"),
    ("PUBLIC_KEY", "pk_test_abc123 ", "E004"),
    ("PUBLIC_KEY", "sk_test_abc123", "E004"),
    ("PUBLIC_KEY", "", "E004"),
    ("PUBLIC_KEY", 0, "E004"),
    ("PUBLIC_KEY", "pk_live_abc123", "E005"),
    ("API_BASE", "http://api.smartpay.co/v1", "E006"),
    ("API_BASE", " https://api.smartpay.co/v1", "E006"),
    ("API_BASE", "https://api.smartpay.co/v1\n", "E006"),
    ("API_BASE", "api.smartpay.co/v1", "E006"),
    ("API_BASE", "ftp://api.smartpay.co/v1", "E006"),
    ("API_BASE", "https://user:pw@api.smartpay.co/v1", "E006"),
    ("API_BASE", "https://api.smartpay.co/v1?debug=1", "E006"),
    ("API_BASE", "https://api.smartpay.co:99999/v1", "E006"),
    ("API_BASE", None, "E006"),
    ("API_BASE", ["https://api.smartpay.co/v1"], "E006"),
    ("TIMEOUT", 0, "E007"),
    ("TIMEOUT", -1, "E007"),
    ("TIMEOUT", None, "E007"),
    ("TIMEOUT", "30", "E007"),
    ("TIMEOUT", True, "E007"),
    ("TIMEOUT", math.nan, "E007"),
    ("TIMEOUT", math.inf, "E007"),
    ("TIMEOUT", defaults.MAX_TIMEOUT + 1, "E007"),
    ("TIMEOUT", (5, "30"), "E007"),
    ("TIMEOUT", (5, 30, 1), "E007"),
    ("TIMEOUT", (5, math.nan), "E007"),
    ("TIMEOUT", {"connect": 5}, "E007"),
    ("MAX_RETRIES", -1, "E008"),
    ("MAX_RETRIES", True, "E008"),
    ("MAX_RETRIES", 2.0, "E008"),
    ("MAX_RETRIES", "2", "E008"),
    ("MAX_RETRIES", None, "E008"),
    ("MAX_RETRIES", defaults.MAX_RETRIES_LIMIT + 1, "E008"),
    ("WEBHOOK_SECRETS", SECRET, "E009"),
    ("WEBHOOK_SECRETS", None, "E009"),
    ("WEBHOOK_SECRETS", [SECRET + " "], "E009"),
    ("WEBHOOK_SECRETS", [" " + SECRET], "E009"),
    ("WEBHOOK_SECRETS", ["not-base62!"], "E009"),
    ("WEBHOOK_SECRETS", [""], "E009"),
    ("WEBHOOK_SECRETS", [123], "E009"),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": ""}, "E009"),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": []}, "E009"),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": [SECRET, "bad!"]}, "E009"),
    ("WEBHOOK_SECRETS", {"endpoint_test_a1": SECRET}, "E009"),
    ("WEBHOOK_SECRETS", {" webhookendpoint_test_a1": SECRET}, "E009"),
    ("WEBHOOK_SECRETS", {"webhookendpoint_live_a1": SECRET}, "E009"),
    ("WEBHOOK_SECRETS", {1: SECRET}, "E009"),
    ("WEBHOOK_TOLERANCE", None, "E010"),
    ("WEBHOOK_TOLERANCE", math.nan, "E010"),
    ("WEBHOOK_TOLERANCE", math.inf, "E010"),
    ("WEBHOOK_TOLERANCE", -math.inf, "E010"),
    ("WEBHOOK_TOLERANCE", "300", "E010"),
    ("WEBHOOK_TOLERANCE", True, "E010"),
    ("WEBHOOK_TOLERANCE", False, "E010"),
    ("WEBHOOK_TOLERANCE", -1, "E010"),
    ("WEBHOOK_TOLERANCE", 0, "E010"),
    ("WEBHOOK_TOLERANCE", 10**12, "E010"),
    ("WEBHOOK_TOLERANCE", [300], "E010"),
    ("PROCESS_WEBHOOKS", "later", "E011"),
    ("PROCESS_WEBHOOKS", "SYNC", "E011"),
    ("PROCESS_WEBHOOKS", None, "E011"),
    ("PROCESS_WEBHOOKS", True, "E011"),
    ("WEBHOOK_TRUSTED_PROXIES", "10.0.0.1", "E012"),
    ("WEBHOOK_TRUSTED_PROXIES", ["10.0.0.0/8", "proxy.example"], "E012"),
    ("WEBHOOK_TRUSTED_PROXIES", [10], "E012"),
    ("WEBHOOK_TRUSTED_PROXIES", None, "E012"),
    ("CHECKOUT_SUCCESS_URL", "thanks/", "E014"),
    ("CHECKOUT_SUCCESS_URL", "//evil.example/x", "E014"),
    ("CHECKOUT_SUCCESS_URL", "javascript:alert(1)", "E014"),
    ("CHECKOUT_SUCCESS_URL", " /thanks", "E014"),
    ("CHECKOUT_CANCEL_URL", 123, "E014"),
    ("CHECKOUT_CANCEL_URL", "https://user@shop.example/x", "E014"),
    ("CHECKOUT_REDIRECT_HOSTS", "shop.example", "E015"),
    ("CHECKOUT_REDIRECT_HOSTS", ["shop.example", ""], "E015"),
    ("CHECKOUT_REDIRECT_HOSTS", [" shop.example"], "E015"),
    ("CHECKOUT_REDIRECT_HOSTS", [None], "E015"),
    ("DUNNING_RETRY_DAYS", "1,3,7", "E020"),
    ("DUNNING_RETRY_DAYS", [3, 1], "E020"),
    ("DUNNING_RETRY_DAYS", [1, 1], "E020"),
    ("DUNNING_RETRY_DAYS", [0], "E020"),
    ("DUNNING_RETRY_DAYS", [True], "E020"),
    ("DUNNING_RETRY_DAYS", [400], "E020"),
    ("DUNNING_FINAL_STATUS", "canceled", "E021"),
    ("DUNNING_FINAL_STATUS", None, "E021"),
]


def _check_ids(smartpay: dict) -> list[tuple[str, str]]:
    with override_settings(SMARTPAY=smartpay):
        return [
            (message.id, message.msg) for message in check_settings() if message.id.startswith("smartpay.E")
        ]


def test_every_setting_is_covered():
    assert {key for key, _value, _id in BAD} == set(conf.DEFAULTS)


@pytest.mark.parametrize(("key", "value", "check_id"), BAD, ids=[f"{k}={v!r}" for k, v, _ in BAD])
def test_bad_value_is_an_error_naming_the_key_and_refused_at_run_time(key, value, check_id):
    smartpay = {**GOOD, key: value}
    found = _check_ids(smartpay)
    assert [found_id for found_id, _msg in found] == [f"smartpay.{check_id}"]
    assert f'SMARTPAY["{key}"]' in found[0][1]
    with override_settings(SMARTPAY=smartpay):
        with pytest.raises(SmartpayConfigurationError) as raised:
            conf.get_setting(key)
    assert raised.value.setting == key
    assert raised.value.check_id == f"smartpay.{check_id}"
    assert f'SMARTPAY["{key}"]' in str(raised.value)
    assert raised.value.hint and raised.value.hint in str(raised.value)
    if key in ("SECRET_KEY", "PUBLIC_KEY", "WEBHOOK_SECRETS"):
        text = str(raised.value) + repr(raised.value) + found[0][1]
        for part in value if isinstance(value, list | dict) else [value]:
            if isinstance(part, str) and part.strip():
                assert part.strip() not in text  # a refused value may be a secret


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [row for row in BAD if row[0] in ("SECRET_KEY", "PUBLIC_KEY", "API_BASE", "TIMEOUT", "MAX_RETRIES")],
)
def test_the_settings_client_is_never_built_from_a_refused_value(key, value, check_id):
    with override_settings(SMARTPAY={**GOOD, key: value}):
        with pytest.raises(SmartpayConfigurationError) as raised:
            conf.get_client()
    assert raised.value.check_id == f"smartpay.{check_id}"


GOOD_VALUES = [
    ("SECRET_KEY", "sk_live_abc123", {"PUBLIC_KEY": None}),
    ("PUBLIC_KEY", None, {}),
    ("API_BASE", "https://api.smartpay.co/v1", {}),
    ("API_BASE", "http://127.0.0.1:8765/v1", {}),
    ("API_BASE", "http://[::1]:8765/v1", {}),
    ("API_BASE", "http://smartpay.simulator/v1", {}),
    ("TIMEOUT", 30, {}),
    ("TIMEOUT", 2.5, {}),
    ("TIMEOUT", (5, 30), {}),
    ("TIMEOUT", [5, 30.0], {}),
    ("TIMEOUT", defaults.MAX_TIMEOUT, {}),
    ("MAX_RETRIES", 0, {}),
    ("MAX_RETRIES", defaults.MAX_RETRIES_LIMIT, {}),
    ("WEBHOOK_SECRETS", [], {}),
    ("WEBHOOK_SECRETS", (SECRET, "MOCKSECRETKEY"), {}),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": SECRET}, {}),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": [SECRET, "AAAB"]}, {}),
    ("WEBHOOK_TOLERANCE", 1, {}),
    ("WEBHOOK_TOLERANCE", 0.5, {}),
    ("WEBHOOK_TOLERANCE", defaults.MAX_WEBHOOK_TOLERANCE, {}),
    ("PROCESS_WEBHOOKS", "async", {}),
    ("WEBHOOK_TRUSTED_PROXIES", ("127.0.0.1", "10.0.0.0/8", "::1"), {}),
    ("CHECKOUT_SUCCESS_URL", "/thanks", {}),
    ("CHECKOUT_SUCCESS_URL", "", {}),
    ("CHECKOUT_CANCEL_URL", "https://shop.example/cancel", {}),
    ("CHECKOUT_REDIRECT_HOSTS", [".shop.example", "localhost"], {}),
    ("CHECKOUT_REDIRECT_HOSTS", [], {}),
]


@pytest.mark.parametrize(
    ("key", "value", "extra"), GOOD_VALUES, ids=[f"{k}={v!r}" for k, v, _ in GOOD_VALUES]
)
def test_what_the_checks_accept_works_at_run_time(key, value, extra):
    smartpay = {**GOOD, **extra, key: value}
    assert _check_ids(smartpay) == []
    with override_settings(SMARTPAY=smartpay):
        assert conf.get_setting(key) == value
        client = conf.get_client()
        assert client.timeout == conf.timeout() and client.max_retries == conf.max_retries()
        assert conf.webhook_tolerance() > 0 and math.isfinite(conf.webhook_tolerance())
        conf.trusted_proxies()
        conf.webhook_secrets_for("webhookendpoint_test_a1")
        conf.process_webhooks_async()


def test_webhook_tolerance_accessor_is_never_off():
    with override_settings(SMARTPAY=GOOD):
        assert conf.webhook_tolerance() == defaults.DEFAULT_WEBHOOK_TOLERANCE
    for value in (None, math.nan, math.inf, "300", True, -5, 0):
        with override_settings(SMARTPAY={**GOOD, "WEBHOOK_TOLERANCE": value}):
            with pytest.raises(SmartpayConfigurationError, match=r'SMARTPAY\["WEBHOOK_TOLERANCE"\]'):
                conf.webhook_tolerance()


def test_one_table_of_defaults_for_the_client_conf_and_the_charging_policy():
    """conf.DEFAULTS is the client's table; a client built without options uses the same values."""
    assert conf.DEFAULTS["TIMEOUT"] == defaults.DEFAULT_TIMEOUT
    assert conf.DEFAULTS["MAX_RETRIES"] == defaults.DEFAULT_MAX_RETRIES
    assert conf.DEFAULTS["API_BASE"] == defaults.DEFAULT_API_BASE
    assert conf.DEFAULTS["WEBHOOK_TOLERANCE"] == defaults.DEFAULT_WEBHOOK_TOLERANCE
    bare = SmartpayClient("sk_test_abc123")
    with override_settings(SMARTPAY={"SECRET_KEY": "sk_test_abc123"}):
        built = conf.get_client()
        assert (built.timeout, built.max_retries, built.api_base) == (
            bare.timeout,
            bare.max_retries,
            bare.api_base,
        )
        # connect + read per try, three tries, and the two backoff waits of 0.5 and 1 second
        assert conf.attempt_seconds() == pytest.approx((5 + 30) * 3 + 0.5 + 1)
    bare.close()


def test_accessors_normalise():
    smartpay = {
        **GOOD,
        "TIMEOUT": 12,
        "WEBHOOK_SECRETS": {"webhookendpoint_test_a1": SECRET, "webhookendpoint_test_b2": [SECRET, "AAAB"]},
        "WEBHOOK_TRUSTED_PROXIES": [" 10.0.0.0/8 "],
    }
    with override_settings(SMARTPAY=smartpay):
        assert conf.timeout() == (12.0, 12.0)
        assert conf.webhook_secrets_for("webhookendpoint_test_a1") == [SECRET]
        assert conf.webhook_secrets_for("webhookendpoint_test_b2") == [SECRET, "AAAB"]
        assert conf.webhook_secrets_for("webhookendpoint_test_zz") == []
        assert [str(net) for net in conf.trusted_proxies()] == ["10.0.0.0/8"]
    with override_settings(SMARTPAY={**GOOD, "WEBHOOK_SECRETS": [SECRET]}):
        assert conf.webhook_secrets_for("webhookendpoint_test_zz") == [SECRET]


DAY_MS = 24 * 3600 * 1000


@pytest.mark.django_db
@pytest.mark.parametrize("tolerance", [None, math.nan, math.inf, "300", True, -1, 10**12])
def test_a_bad_tolerance_never_lets_a_replayed_webhook_through(
    tolerance, settings, smartpay_send_webhook, smartpay_simulator
):
    """End to end through the webhook view: a signed delivery of an unknown event, older than the
    redelivery window (tests/webhooks/test_redelivery.py), is refused, never applied."""
    token = TokenFactory.build()
    stale = int(time.time() * 1000) - REDELIVERY_WINDOW * 1000 - DAY_MS
    assert smartpay_send_webhook(token, timestamp=stale).status_code == 400  # the default tolerance holds
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_TOLERANCE": tolerance}
    try:
        response = smartpay_send_webhook(token, timestamp=stale)
    except SmartpayConfigurationError as refused:
        assert refused.setting == "WEBHOOK_TOLERANCE"
    else:
        assert response.status_code >= 400
    assert not Token.objects.filter(smartpay_id=token.smartpay_id).exists()
    assert not WebhookEvent.objects.filter(status="processed").exists()
