"""Retries signed afresh or with their first timestamp: no event is lost, no replay applies twice (§11).

The simulator's clock starts an hour and a bit in the past, so its last retry (1 h after the
event) happens now by the receiver's clock, and nothing sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_smartpay import services
from django_smartpay.models import Token, WebhookEvent, WebhookEventStatus
from django_smartpay.webhooks import errors
from django_smartpay.webhooks.verification import REDELIVERY_WINDOW, check_timestamp

from .conftest import Receiver, now_ms

URLS = {"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}
RETRIES_S = (5, 30, 120, 600, 3600)  # the simulator's schedule after the first attempt


def _approve_with_first_deliveries_lost(simulator: Any, receiver: Receiver, start_ms: int) -> str:
    simulator.clock.freeze(start_ms)
    session = services.create_token_checkout_session(**URLS)
    receiver.hold.add("token.approved")  # attempts 1-5 never reach the view
    simulator.approve_token(session.token_id)
    for seconds in RETRIES_S[:-1]:
        simulator.clock.set(start_ms + seconds * 1000)
        simulator.deliver_webhooks()
    receiver.hold.clear()
    simulator.clock.set(start_ms + RETRIES_S[-1] * 1000)
    simulator.deliver_webhooks()
    return session.token_id


def _delivery(simulator: Any) -> dict[str, Any]:
    [delivery] = [d for d in simulator.delivery_log() if d["eventType"] == "token.approved"]
    return delivery


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["fresh", "original"])
def test_an_event_whose_first_deliveries_failed_is_applied_by_the_retry_an_hour_later(
    simulator: Any, receiver: Receiver, endpoint: Any, mode: str
) -> None:
    simulator.webhook_timestamps = mode
    start = now_ms() - 3600 * 1000 - 2000
    token_id = _approve_with_first_deliveries_lost(simulator, receiver, start)

    delivery = _delivery(simulator)
    stamps = [attempt["signatureTimestamp"] for attempt in delivery["attempts"]]
    if mode == "original":
        assert set(stamps) == {start}  # the last retry carries a timestamp an hour old
    else:
        assert stamps[-1] == start + 3600 * 1000 and len(set(stamps)) == 6
    assert [attempt["status"] for attempt in delivery["attempts"]] == [503] * 5 + [200]
    assert delivery["status"] == "succeeded"
    assert Token.objects.get(smartpay_id=token_id).status == "active"
    event = WebhookEvent.objects.get(type="token.approved")
    assert event.status == WebhookEventStatus.PROCESSED

    # A replay of the applied event (same body, same old signature) is harmless: a duplicate.
    simulator.webhook_timestamps = "original"
    replay = simulator.redeliver(delivery["id"])
    assert replay["status"] == 200
    assert receiver.answers[-1][2]["status"] == "duplicate"
    assert WebhookEvent.objects.get(pk=event.pk).processed_at == event.processed_at


@pytest.mark.django_db
def test_an_unknown_event_signed_beyond_the_redelivery_window_is_refused(
    simulator: Any, receiver: Receiver, endpoint: Any
) -> None:
    simulator.webhook_timestamps = "original"
    start = now_ms() - (REDELIVERY_WINDOW + 3600) * 1000 - 2000
    token_id = _approve_with_first_deliveries_lost(simulator, receiver, start)
    assert receiver.answers[-1][1] == 400 and receiver.answers[-1][2]["error"] == errors.STALE_TIMESTAMP
    assert _delivery(simulator)["status"] == "failed"
    assert not WebhookEvent.objects.filter(type="token.approved").exists()
    assert Token.objects.get(smartpay_id=token_id).status == "requires_authorization"


NOW = 1_800_000_000_000
HOUR = 3600 * 1000


@pytest.mark.parametrize(
    ("age_ms", "stored", "code"),
    [
        (0, None, None),
        (-299_000, None, None),  # a little in the future: clock skew
        (-301_000, None, errors.FUTURE_TIMESTAMP),
        (-301_000, "failed", errors.FUTURE_TIMESTAMP),  # never in the future, stored or not
        (HOUR, None, None),  # new: its first deliveries may have been lost
        (REDELIVERY_WINDOW * 1000, None, None),
        (REDELIVERY_WINDOW * 1000 + 1, None, errors.STALE_TIMESTAMP),  # new and too old: maybe pruned
        (10 * REDELIVERY_WINDOW * 1000, "received", None),  # stored, not applied yet: apply it now
        (10 * REDELIVERY_WINDOW * 1000, "failed", None),
        (10 * REDELIVERY_WINDOW * 1000, "processed", None),  # applied: answered as a duplicate
    ],
)
def test_check_timestamp(age_ms: int, stored: str | None, code: str | None) -> None:
    stamp = str(NOW - age_ms)
    if code is None:
        check_timestamp(stamp, stored, 300, now_ms=NOW)
    else:
        with pytest.raises(errors.WebhookRequestError) as info:
            check_timestamp(stamp, stored, 300, now_ms=NOW)
        assert info.value.code == code and info.value.status == 400


def test_check_timestamp_reads_seconds_like_the_client() -> None:
    check_timestamp(str(NOW // 1000 - 10), None, 300, now_ms=NOW)
    with pytest.raises(errors.WebhookRequestError):
        check_timestamp(str(NOW // 1000 + 600), None, 300, now_ms=NOW)
