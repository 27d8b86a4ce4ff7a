"""Mode isolation: an event of the other mode (test or live) than SECRET_KEY is stored, never applied."""

from __future__ import annotations

import logging
from io import StringIO
from typing import Any

import pytest
from django.core import checks as django_checks
from django.core.management import call_command

from django_smartpay.checks import check_webhook_mode
from django_smartpay.models import Order, Token, WebhookEvent, WebhookEventStatus
from django_smartpay.testing import factories
from django_smartpay.testing.webhooks import build_event, event_body

from .conftest import SECRET, SignalLog, post, sign

pytestmark = pytest.mark.django_db(transaction=True)

LIVE_KEY = "sk_live_modeIsolation0000000001"


def use_key(settings: Any, key: str) -> None:
    """``key`` as SECRET_KEY, no public key, and the hand-signing secret for any endpoint."""
    settings.SMARTPAY = {
        **settings.SMARTPAY,
        "SECRET_KEY": key,
        "PUBLIC_KEY": None,
        "WEBHOOK_SECRETS": [SECRET],
    }


def deliver(obj: Any, event_type: str | None = None) -> tuple[Any, dict[str, Any]]:
    event = build_event(obj, event_type)
    body = event_body(event)
    return post(body, sign(body)), event


@pytest.mark.parametrize(
    ("key", "live_event"),
    [(LIVE_KEY, False), ("sk_test_modeIsolation0000000001", True)],
    ids=["test-event-with-live-key", "live-event-with-test-key"],
)
@pytest.mark.parametrize("factory", [factories.TokenFactory, factories.OrderFactory])
def test_an_event_of_the_other_mode_is_stored_as_ignored_and_applies_nothing(
    settings: Any,
    hand_signed: None,
    signal_log: SignalLog,
    caplog: pytest.LogCaptureFixture,
    key: str,
    live_event: bool,
    factory: Any,
) -> None:
    use_key(settings, key)
    obj = factory.build(test=not live_event)
    with caplog.at_level(logging.WARNING, logger="django_smartpay.webhooks"):
        response, event = deliver(obj)
    assert response.status_code == 200
    assert response.json() == {"status": "ignored", "event": event["id"]}
    row = WebhookEvent.objects.get()
    assert (row.status, row.test, row.attempts) == (WebhookEventStatus.IGNORED, not live_event, 0)
    assert row.error.startswith("webhook.wrong-mode")
    assert not Token.objects.exists() and not Order.objects.exists()
    assert signal_log.names() == []
    assert any("mode event: stored as ignored" in record.getMessage() for record in caplog.records)
    # Smartpay's retry is a duplicate; forcing a reprocess still applies nothing.
    assert post(event_body(event), sign(event_body(event))).json()["status"] == "duplicate"
    call_command("smartpay_webhooks", "reprocess", "--ids", event["id"], stdout=StringIO())
    assert WebhookEvent.objects.get().status == WebhookEventStatus.IGNORED
    assert not Token.objects.exists() and not Order.objects.exists()
    assert signal_log.names() == []


def test_the_same_event_in_the_right_mode_is_applied(hand_signed: None, signal_log: SignalLog) -> None:
    """The control: with the test key of the test settings, a test event is applied."""
    response, _ = deliver(factories.TokenFactory.build(test=True))
    assert response.json()["status"] == "processed"
    assert Token.objects.exists()
    assert "token_status_changed" in signal_log.names()


def test_an_event_whose_object_is_of_another_mode_is_refused(hand_signed: None) -> None:
    event = build_event(factories.TokenFactory.build(test=False))
    event["test"] = True  # the envelope says test, the object and its id say live
    event["id"] = event["id"].replace("_live_", "_test_")
    body = event_body(event)
    response = post(body, sign(body))
    assert response.status_code == 400
    assert "same mode" in response.json()["message"]
    assert not Token.objects.exists()


def test_the_check_with_a_database_warns_of_registered_endpoints_of_the_other_mode(settings: Any) -> None:
    test = factories.WebhookEndpointFactory(test=True, active=True)
    factories.WebhookEndpointFactory(test=True, active=False)  # inactive: not a concern
    live = factories.WebhookEndpointFactory(test=False, active=True)
    assert check_webhook_mode() == []  # without --database, no query
    (message,) = check_webhook_mode(databases=["default"])
    assert message.id == "smartpay.W050" and live.smartpay_id in message.msg
    assert live.signing_secret not in f"{message.msg} {message.hint}"
    use_key(settings, LIVE_KEY)
    (message,) = check_webhook_mode(databases=["default"])
    assert test.smartpay_id in message.msg and live.smartpay_id not in message.msg


def test_the_mode_check_is_a_database_check_run_only_for_named_databases(settings: Any) -> None:
    factories.WebhookEndpointFactory(test=False, active=True)
    # Django 6 hands every alias to checks when none is named: a database-tagged check is
    # left out then, so `manage.py check` and `runserver` never query the endpoint table.
    assert "smartpay.W050" not in [m.id for m in django_checks.run_checks()]
    assert "smartpay.W050" not in [m.id for m in django_checks.run_checks(tags=["smartpay"])]
    assert "smartpay.W050" in [m.id for m in django_checks.run_checks(databases=["default"])]
