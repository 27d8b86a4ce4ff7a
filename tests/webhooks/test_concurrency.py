"""Concurrent deliveries of one event apply it once (PostgreSQL: real row locks, real threads)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from django_smartpay.models import Payment, Token, WebhookEvent
from django_smartpay.testing import factories
from django_smartpay.testing.webhooks import build_event, event_body
from django_smartpay.webhooks import applying

from .conftest import SECRET, WEBHOOK_PATH, Shop, SignalLog, sign

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("simulator"),
]

THREADS = 8


class Capture:
    """A webhook sender that keeps deliveries instead of sending them (answering 503)."""

    def __init__(self) -> None:
        self.kept: list[tuple[dict[str, str], bytes]] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.kept.append((headers, body))
        return 503


def deliver_concurrently(headers: dict[str, str], body: bytes) -> list[tuple[int, str]]:
    """POST the same delivery from THREADS threads at once, each with its own connection."""
    return deliver_each_concurrently([(headers, body)] * THREADS)


def deliver_each_concurrently(deliveries: list[tuple[dict[str, str], bytes]]) -> list[tuple[int, str]]:
    """POST each delivery from a thread of its own, all released at once."""
    barrier = threading.Barrier(len(deliveries))
    statuses: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def worker(headers: dict[str, str], body: bytes) -> None:
        forwarded = {name: value for name, value in headers.items() if name != "Content-Type"}
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                WEBHOOK_PATH, data=body, content_type="application/json", headers=forwarded
            )
            answer = response.json()
            statuses.append((response.status_code, answer.get("status") or answer.get("error")))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=delivery) for delivery in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


@pytest.mark.usefixtures("endpoint")
def test_eight_concurrent_first_deliveries_process_once(shop: Shop, signal_log: SignalLog) -> None:
    capture = Capture()
    shop.sim.webhook_sender = capture
    token_id = shop.token(approve=False)
    ((headers, body),) = capture.kept
    statuses = deliver_concurrently(headers, body)
    assert sorted(statuses) == [(200, "duplicate")] * (THREADS - 1) + [(200, "processed")]
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("processed", 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert len(signal_log.of("webhook_processed")) == 1
    assert len(signal_log.of("webhook_received")) == 1
    assert len(signal_log.of("token_status_changed")) == 1


@pytest.mark.usefixtures("endpoint")
def test_eight_concurrent_retries_of_a_failed_event_process_once(
    shop: Shop, signal_log: SignalLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    capture = Capture()
    shop.sim.webhook_sender = capture
    token_id = shop.token(approve=False)
    ((headers, body),) = capture.kept
    real = applying.HANDLERS["token.created"]
    monkeypatch.setitem(applying.HANDLERS, "token.created", lambda data: 1 / 0)
    assert deliver_concurrently(headers, body) == [(500, "webhook.processing-failed")] * THREADS
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", THREADS)
    monkeypatch.setitem(applying.HANDLERS, "token.created", real)
    signal_log.clear()
    statuses = deliver_concurrently(headers, body)
    assert sorted(statuses) == [(200, "duplicate")] * (THREADS - 1) + [(200, "processed")]
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", THREADS + 1)
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"
    assert len(signal_log.of("webhook_processed")) == 1
    assert len(signal_log.of("token_status_changed")) == 1


def signed(event: dict) -> tuple[dict[str, str], bytes]:
    body = event_body(event)
    return sign(body), body


def test_eight_concurrent_deliveries_of_a_poison_event_are_400_and_counted(hand_signed: None) -> None:
    event = build_event(factories.PaymentFactory.build())
    event["eventData"]["data"]["amount"] = -1
    statuses = deliver_concurrently(*signed(event))
    assert statuses == [(400, "webhook.malformed-event")] * THREADS
    row = WebhookEvent.objects.get()
    assert (row.status, row.attempts) == ("failed", THREADS)
    assert not Payment.objects.exists()


def test_eight_concurrent_deliveries_of_an_event_of_the_other_mode_apply_nothing(
    hand_signed: None, settings: Any, signal_log: SignalLog
) -> None:
    settings.SMARTPAY = {
        **settings.SMARTPAY,
        "SECRET_KEY": "sk_live_concurrentModes000001",
        "PUBLIC_KEY": None,
        "WEBHOOK_SECRETS": [SECRET],
    }
    event = build_event(factories.TokenFactory.build())
    statuses = deliver_concurrently(*signed(event))
    assert sorted(statuses) == [(200, "duplicate")] * (THREADS - 1) + [(200, "ignored")]
    assert WebhookEvent.objects.get().status == "ignored"
    assert not Token.objects.exists()
    assert signal_log.names() == []


@pytest.mark.parametrize("round_", range(5))
def test_every_state_of_one_token_delivered_at_once_ends_at_the_newest(
    hand_signed: None, signal_log: SignalLog, round_: int
) -> None:
    """Eight different events of one token, all at once and in any order: the newest state wins."""
    token = factories.TokenFactory.build(status="requires_authorization")
    base = build_event(token)["eventData"]["data"]
    statuses = [
        "requires_authorization",
        "active",
        "disabled",
        "active",
        "disabled",
        "active",
        "disabled",
        "deleted",
    ]
    deliveries = []
    for step, status in enumerate(statuses):
        data = {**base, "status": status, "updatedAt": base["updatedAt"] + step * 1000}
        event_type = {"requires_authorization": "token.created", "active": "token.enabled"}.get(
            status, f"token.{status}"
        )
        deliveries.append(signed(build_event(data, event_type)))
    answers = deliver_each_concurrently(deliveries)
    assert sorted(answers) == [(200, "processed")] * len(statuses)
    assert Token.objects.get().status == "deleted"
    assert WebhookEvent.objects.filter(status="processed").count() == len(statuses)
