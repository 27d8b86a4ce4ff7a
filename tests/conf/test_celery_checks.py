"""smartpay.W101 to W105: the Celery settings token charges rely on."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings

from django_smartpay import celery_checks
from django_smartpay.charging import longest_countdown

GOOD = {
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CELERY_TASK_ALWAYS_EAGER": False,
    "CELERY_TASK_ACKS_LATE": True,
    "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
    "CELERY_TASK_SERIALIZER": "json",
    "CELERY_ACCEPT_CONTENT": ["json"],
    "CELERY_BROKER_TRANSPORT_OPTIONS": {"visibility_timeout": 3600},
}


def ids(**overrides) -> list[str]:
    with override_settings(**{**GOOD, **overrides}):
        return sorted(message.id for message in celery_checks.check_celery_settings())


def test_silent_when_configured_well(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert ids() == []


def test_registered_under_the_smartpay_tag():
    with override_settings(**{**GOOD, "CELERY_TASK_ACKS_LATE": False}):
        found = [m.id for m in checks.run_checks(tags=["smartpay"]) if m.id.startswith("smartpay.W1")]
    assert found == ["smartpay.W101"]


def test_acks_late_missing():
    assert ids(CELERY_TASK_ACKS_LATE=False) == ["smartpay.W101"]


def test_reject_on_worker_lost_missing():
    assert ids(CELERY_TASK_REJECT_ON_WORKER_LOST=False) == ["smartpay.W102"]


def test_celerys_defaults_warn_about_both(settings):
    for name in list(GOOD):
        if hasattr(settings, name):
            delattr(settings, name)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    found = sorted(m.id for m in celery_checks.check_celery_settings())
    assert found == ["smartpay.W101", "smartpay.W102"]  # Celery's default visibility timeout is long enough


@pytest.mark.parametrize("broker", ["redis://h/0", "rediss://h/0", "sentinel://h:26379", "sqs://"])
def test_short_visibility_timeout(broker):
    short = {"visibility_timeout": int(longest_countdown())}
    assert ids(CELERY_BROKER_URL=broker, CELERY_BROKER_TRANSPORT_OPTIONS=short) == ["smartpay.W103"]


def test_visibility_timeout_hint_names_a_sufficient_value():
    with override_settings(**{**GOOD, "CELERY_BROKER_TRANSPORT_OPTIONS": {"visibility_timeout": 60}}):
        (message,) = celery_checks.check_celery_settings()
    assert "visibility_timeout" in message.hint
    assert str(int(longest_countdown())) in message.msg


def test_visibility_timeout_does_not_matter_for_amqp():
    assert (
        ids(CELERY_BROKER_URL="amqp://guest@h//", CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 1})
        == []
    )


def test_pickle():
    assert ids(CELERY_TASK_SERIALIZER="pickle", CELERY_ACCEPT_CONTENT=["json", "pickle"]) == [
        "smartpay.W104",
        "smartpay.W105",
    ]


@pytest.mark.parametrize(
    "settings_",
    [
        {"CELERY_BROKER_URL": "memory://"},
        {"CELERY_TASK_ALWAYS_EAGER": True},
        {"CELERY_BROKER_URL": ""},
    ],
)
def test_silent_without_a_real_broker(settings_):
    assert ids(CELERY_TASK_ACKS_LATE=False, CELERY_TASK_SERIALIZER="pickle", **settings_) == []


def test_silent_without_celery(monkeypatch):
    real = celery_checks.importlib.util.find_spec
    monkeypatch.setattr(
        celery_checks.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "celery" else real(name, *a),
    )
    assert ids(CELERY_TASK_ACKS_LATE=False) == []
