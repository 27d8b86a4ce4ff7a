"""Which signing secrets are accepted: settings (a list, or a dict by endpoint id) and endpoint rows."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_smartpay.models import Token, WebhookEndpoint, WebhookEvent

from .conftest import WEBHOOK_PATH, Receiver, Shop

pytestmark = pytest.mark.django_db(transaction=True)

OLD_SECRET = "RetiredSigningSecret0123456789abcdefghij"


@pytest.fixture
def remote_endpoint(shop: Shop, receiver: Receiver) -> dict[str, Any]:
    """An endpoint created at Smartpay by hand: its secret is known only to whoever copies it."""
    endpoint = shop.client.create_webhook_endpoint("http://localhost" + WEBHOOK_PATH)
    assert not WebhookEndpoint.objects.exists()
    return endpoint


def use_secrets(settings: Any, secrets: Any) -> None:
    settings.SMARTPAY = {**settings.SMARTPAY, "WEBHOOK_SECRETS": secrets}


def endpoint_queries(shop: Shop) -> tuple[str, list[str]]:
    """Make a token; return its local status and the SQL that touched webhook endpoints."""
    with CaptureQueriesContext(connection) as queries:
        token_id = shop.token(approve=False)
    touched = [q["sql"] for q in queries.captured_queries if "smartpay_webhookendpoint" in q["sql"]]
    token = Token.objects.filter(smartpay_id=token_id).first()
    return (token.status if token else "missing"), touched


@pytest.mark.parametrize("order", ["old-first", "new-first"])
def test_rotation_any_listed_secret_works(
    settings: Any, shop: Shop, receiver: Receiver, remote_endpoint: dict[str, Any], order: str
) -> None:
    secrets = [OLD_SECRET, remote_endpoint["signingSecret"]]
    use_secrets(settings, secrets if order == "old-first" else secrets[::-1])
    status, touched = endpoint_queries(shop)
    assert status == "requires_authorization"
    assert touched == []  # the settings settled it: no endpoint lookup
    assert receiver.statuses() == [200]


def test_a_list_without_the_secret_refuses(
    settings: Any, shop: Shop, receiver: Receiver, remote_endpoint: Any
) -> None:
    use_secrets(settings, [OLD_SECRET])
    status, _ = endpoint_queries(shop)
    assert status == "missing"
    assert receiver.statuses() == [400]
    assert receiver.answers[-1][2]["error"] == "webhook.invalid-signature"


@pytest.mark.parametrize("shape", ["secret", "list"])
def test_mapping_by_subscription_id(
    settings: Any, shop: Shop, receiver: Receiver, remote_endpoint: dict[str, Any], shape: str
) -> None:
    secret = remote_endpoint["signingSecret"]
    use_secrets(settings, {remote_endpoint["id"]: secret if shape == "secret" else [OLD_SECRET, secret]})
    status, touched = endpoint_queries(shop)
    assert status == "requires_authorization"
    assert touched == []


def test_mapping_of_another_endpoint_does_not_apply(
    settings: Any, shop: Shop, receiver: Receiver, remote_endpoint: dict[str, Any]
) -> None:
    use_secrets(settings, {"webhookendpoint_test_someOtherEndpoint01": remote_endpoint["signingSecret"]})
    status, touched = endpoint_queries(shop)
    assert status == "missing"
    assert receiver.answers[-1][2]["error"] == "webhook.unknown-subscription"
    assert len(touched) == 1  # the endpoint row was looked for, and there is none


def test_secret_stored_on_the_endpoint_row(shop: Shop, receiver: Receiver, endpoint: WebhookEndpoint) -> None:
    assert endpoint.signing_secret
    status, touched = endpoint_queries(shop)
    assert status == "requires_authorization"
    assert len(touched) == 1  # one query: the secret and the duplicate check together


def test_row_secret_when_the_settings_list_does_not_match(
    settings: Any, shop: Shop, receiver: Receiver, endpoint: WebhookEndpoint
) -> None:
    use_secrets(settings, [OLD_SECRET])
    status, touched = endpoint_queries(shop)
    assert status == "requires_authorization"
    assert len(touched) == 1


def test_deleted_endpoint_row_secret_stops_working(
    shop: Shop, receiver: Receiver, endpoint: WebhookEndpoint
) -> None:
    secret = endpoint.signing_secret
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    status, _ = endpoint_queries(shop)
    assert status == "missing"
    assert receiver.answers[-1][2]["error"] == "webhook.unknown-subscription"
    assert secret not in str(receiver.answers)


def test_no_secret_or_signature_in_logs_responses_rows_or_reprs(
    shop: Shop,
    receiver: Receiver,
    endpoint: WebhookEndpoint,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: Any,
) -> None:
    from django_smartpay.webhooks import applying
    from django_smartpay.webhooks.verification import SignedHeaders

    secret = endpoint.signing_secret
    with caplog.at_level(logging.DEBUG):
        monkeypatch.setitem(applying.HANDLERS, "token.approved", lambda data: 1 / 0)
        token_id = shop.token()  # token.created applied, token.approved fails (500, traceback logged)
        monkeypatch.undo()
        shop.tick(5)
        shop.sim.deliver_webhooks()  # the retry is applied
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    stored = json.dumps(list(WebhookEvent.objects.values("headers", "body", "error", "traceback")))
    for text in (logged, stored, str(receiver.answers)):
        assert secret not in text
    headers = SignedHeaders("0" * 64, "1", "evt_test_x", "webhookendpoint_test_x")
    assert "0" * 64 not in repr(headers)
    assert all(
        row["Smartpay-Signature"] == "[redacted]"
        for row in WebhookEvent.objects.values_list("headers", flat=True)
    )
