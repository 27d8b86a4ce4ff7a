"""Concurrent deliveries of one event apply it once (PostgreSQL: real row locks, real threads)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from django_smartpay.models import Token, WebhookEvent
from django_smartpay.webhooks import applying

from .conftest import WEBHOOK_PATH, Shop, SignalLog

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("endpoint"),
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
    barrier = threading.Barrier(THREADS)
    statuses: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    forwarded = {name: value for name, value in headers.items() if name != "Content-Type"}

    def worker() -> None:
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

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


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
