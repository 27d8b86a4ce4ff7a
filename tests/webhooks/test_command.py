"""``manage.py smartpay_webhooks reprocess|prune|register``."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_smartpay.models import Token, WebhookEndpoint, WebhookEvent
from django_smartpay.webhooks import applying

from .conftest import WEBHOOK_PATH, Receiver, Shop, SignalLog

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("smartpay_webhooks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def failed_token(shop: Shop, receiver: Receiver, endpoint: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A token whose token.approved event failed (status failed, the token not yet active)."""
    token_id = shop.token(approve=False)
    with monkeypatch.context() as patch:
        patch.setitem(applying.HANDLERS, "token.approved", lambda data: 1 / 0)
        shop.tick()
        shop.sim.approve_token(token_id)
    assert WebhookEvent.objects.get(type="token.approved").status == "failed"
    return token_id


def test_reprocess_failed(failed_token: str, signal_log: SignalLog) -> None:
    out, _ = run("reprocess", "--failed")
    event = WebhookEvent.objects.get(type="token.approved")
    assert f"{event.event_id} (token.approved): processed" in out
    assert (event.status, event.attempts) == ("processed", 2)
    assert Token.objects.get(smartpay_id=failed_token).status == "active"
    assert signal_log.names() == ["token_status_changed", "webhook_processed"]


def test_reprocess_that_fails_again_says_so(failed_token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(applying.HANDLERS, "token.approved", lambda data: 1 / 0)
    with pytest.raises(CommandError, match="1 event"):
        run("reprocess", "--failed")
    event = WebhookEvent.objects.get(type="token.approved")
    assert (event.status, event.attempts) == ("failed", 2)


def test_reprocess_by_id_forces_a_processed_event(
    shop: Shop, receiver: Receiver, endpoint: Any, signal_log: SignalLog
) -> None:
    shop.token(approve=False)
    event = WebhookEvent.objects.get()
    signal_log.clear()
    out, _ = run("reprocess", "--ids", event.event_id)
    assert "processed" in out
    event.refresh_from_db()
    assert event.attempts == 2
    # Sync found nothing newer, so only the webhook signal is sent again.
    assert signal_log.names() == ["webhook_processed"]


def test_reprocess_needs_a_selection_and_known_ids() -> None:
    with pytest.raises(CommandError, match="--failed"):
        run("reprocess")
    with pytest.raises(CommandError, match="1 unknown"):
        run("reprocess", "--ids", "evt_test_nope")


def test_prune(shop: Shop, receiver: Receiver, endpoint: Any, failed_token: str) -> None:
    old = timezone.now() - dt.timedelta(days=40)
    WebhookEvent.objects.update(received_at=old)
    shop.tick()
    shop.client.disable_token(failed_token)  # a recent event, kept
    assert WebhookEvent.objects.count() == 3
    out, _ = run("prune", "--older-than", "30")
    assert "1 webhook event(s)" in out
    assert sorted(WebhookEvent.objects.values_list("type", "status")) == [
        ("token.approved", "failed"),
        ("token.disabled", "processed"),
    ]
    run("prune", "--older-than", "30", "--include-failed")
    assert list(WebhookEvent.objects.values_list("type", flat=True)) == ["token.disabled"]
    for days in ("-1", "0", "2"):  # younger than the redelivery window: a replay would be new again
        with pytest.raises(CommandError, match="at least 3 days"):
            run("prune", "--older-than", days)


def test_register_prints_the_id_and_stores_the_secret(simulator: Any, receiver: Receiver, shop: Shop) -> None:
    out, err = run(
        "register", "http://localhost" + WEBHOOK_PATH, "--events", "token.created", "token.approved"
    )
    endpoint = WebhookEndpoint.objects.get()
    assert out.strip() == endpoint.smartpay_id
    assert endpoint.signing_secret and endpoint.signing_secret not in out + err
    assert endpoint.event_subscriptions == ["token.created", "token.approved"]
    token_id = shop.token()  # the simulator's deliveries now verify with the stored secret
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    assert receiver.statuses() == [200, 200]


def test_register_refuses_a_bad_url(simulator: Any) -> None:
    with pytest.raises(CommandError, match="not a valid URL"):
        run("register", "not a url")
