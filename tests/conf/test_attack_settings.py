"""Odd values the first pass at the settings rules did not list: the check and the run time still agree.

A number too big for a float, a Decimal or Fraction, a complex number: each is an ``E`` naming
the key (never a crash of ``manage.py check``) and refused when read, never "replay protection off".
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.test import override_settings

from django_smartpay import conf
from django_smartpay.checks import check_settings
from django_smartpay.exceptions import SmartpayConfigurationError

SECRET = "gybcsjixKyBW2d4z6iNPlaYzHUMtawnodwZt3W0q"
GOOD = {"SECRET_KEY": "sk_test_abc123", "WEBHOOK_SECRETS": [SECRET]}

ODD = [
    ("WEBHOOK_TOLERANCE", 10**400, "E010"),
    ("WEBHOOK_TOLERANCE", -(10**400), "E010"),
    ("WEBHOOK_TOLERANCE", Decimal("300"), "E010"),
    ("WEBHOOK_TOLERANCE", Decimal("NaN"), "E010"),
    ("WEBHOOK_TOLERANCE", Fraction(300), "E010"),
    ("WEBHOOK_TOLERANCE", complex(300, 0), "E010"),
    ("WEBHOOK_TOLERANCE", " 300", "E010"),
    ("WEBHOOK_TOLERANCE", (300,), "E010"),
    ("TIMEOUT", 10**400, "E007"),
    ("TIMEOUT", (5, 10**400), "E007"),
    ("TIMEOUT", [10**400, 5], "E007"),
    ("TIMEOUT", Decimal("30"), "E007"),
    ("MAX_RETRIES", 10**400, "E008"),
    ("MAX_RETRIES", Decimal("2"), "E008"),
    ("WEBHOOK_SECRETS", {SECRET}, "E009"),
    ("WEBHOOK_SECRETS", {"webhookendpoint_test_a1": {SECRET: SECRET}}, "E009"),
    ("WEBHOOK_SECRETS", [SECRET + "\u3000"], "E009"),
    ("WEBHOOK_SECRETS", ["\u200b" + SECRET], "E009"),
    ("SECRET_KEY", "sk_test_abc123\u3000", "E003"),
    ("SECRET_KEY", "\ufeffsk_test_abc123", "E003"),
    ("PUBLIC_KEY", "pk_test_abc123\t", "E004"),
]


def _errors(smartpay: dict) -> list[str]:
    with override_settings(SMARTPAY=smartpay):
        return [message.id for message in check_settings() if message.id.startswith("smartpay.E")]


@pytest.mark.parametrize(("key", "value", "check_id"), ODD, ids=[f"{k}={v!r:.30}" for k, v, _ in ODD])
def test_odd_value_is_an_error_and_refused_at_run_time(key, value, check_id):
    smartpay = {**GOOD, key: value}
    assert _errors(smartpay) == [f"smartpay.{check_id}"]
    with override_settings(SMARTPAY=smartpay), pytest.raises(SmartpayConfigurationError) as raised:
        conf.get_setting(key)
    assert raised.value.check_id == f"smartpay.{check_id}"


@pytest.mark.parametrize("value", [1, 1.5, 300, 3600.0, math.nextafter(0, 1)])
def test_every_tolerance_the_check_accepts_is_a_positive_finite_window(value):
    smartpay = {**GOOD, "WEBHOOK_TOLERANCE": value}
    assert _errors(smartpay) == []
    with override_settings(SMARTPAY=smartpay):
        tolerance = conf.webhook_tolerance()
    assert math.isfinite(tolerance) and tolerance > 0


@pytest.mark.parametrize(
    "key", ["WEBHOOK_SECRETS ", " WEBHOOK_TOLERANCE", "webhook_tolerance", "Secret_Key", "SECRET_KEY\t"]
)
def test_a_known_key_with_stray_whitespace_or_case_is_an_error_not_a_silent_default(key):
    """At run time such a key is not read (the default is), so the check must refuse it."""
    smartpay = {**GOOD, key: 60 if "TOLERANCE" in key.upper() else GOOD["WEBHOOK_SECRETS"]}
    with override_settings(SMARTPAY=smartpay):
        messages = check_settings()
    name = "".join(key.split()).upper()
    [error] = [message for message in messages if message.id == "smartpay.E016"]
    assert name in error.msg and name in error.hint
    assert SECRET not in error.msg + error.hint
    assert not [message for message in messages if message.id == "smartpay.W003"]


def test_unknown_keys_are_still_only_a_warning():
    with override_settings(SMARTPAY={**GOOD, "WEBHOOK_TOLERANCES": 60}):
        ids = [message.id for message in check_settings()]
    assert "smartpay.W003" in ids and "smartpay.E016" not in ids
