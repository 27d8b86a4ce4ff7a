"""An object stamped far in the future is refused, so it cannot freeze its row (sync never moves back)."""

from __future__ import annotations

from typing import Any

import pytest

from django_smartpay.models import Token, WebhookEvent
from django_smartpay.webhooks import applying

from .conftest import event_body, now_ms, post, sign

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_ID = "paytok_test_clockAhead000000000001"
AHEAD_MS = int(applying.MAX_UPDATED_AHEAD.total_seconds() * 1000)


def token(status: str, updated: int) -> dict[str, Any]:
    return {"id": TOKEN_ID, "object": "token", "test": True, "status": status, "createdAt": updated - 10_000}


def deliver(status: str, updated: int, event_id: str) -> Any:
    body = event_body("token.approved", {**token(status, updated), "updatedAt": updated}, event_id)
    return post(body, sign(body))


def test_an_object_updated_far_after_its_event_is_refused_and_recorded(hand_signed: None) -> None:
    now = now_ms()
    assert deliver("requires_authorization", now, "evt_test_clockAhead0000000000001").status_code == 200
    ahead = deliver("disabled", now + AHEAD_MS + 60_000, "evt_test_clockAhead0000000000002")
    assert ahead.status_code == 400
    assert ahead.json()["error"] == "webhook.malformed-event"
    assert "updatedAt" in ahead.json()["message"] and TOKEN_ID in ahead.json()["message"]
    row = WebhookEvent.objects.get(event_id="evt_test_clockAhead0000000000002")
    assert (row.status, row.attempts, row.traceback) == ("failed", 1, "")
    assert row.error.startswith("webhook.malformed-event: ")
    # The row did not move, and a later genuine update still applies.
    assert Token.objects.get(smartpay_id=TOKEN_ID).status == "requires_authorization"
    later = deliver("active", now + 1000, "evt_test_clockAhead0000000000003")
    assert later.status_code == 200 and later.json()["status"] == "processed"
    assert Token.objects.get(smartpay_id=TOKEN_ID).status == "active"


def test_a_redelivery_is_refused_the_same_way(hand_signed: None) -> None:
    now = now_ms()
    for attempt in (1, 2):
        response = deliver("active", now + AHEAD_MS + 60_000, "evt_test_clockAhead0000000000004")
        assert response.status_code == 400
        row = WebhookEvent.objects.get(event_id="evt_test_clockAhead0000000000004")
        assert (row.status, row.attempts) == ("failed", attempt)
    assert not Token.objects.filter(smartpay_id=TOKEN_ID).exists()


def test_a_small_skew_is_accepted(hand_signed: None) -> None:
    now = now_ms()
    response = deliver("active", now + AHEAD_MS - 1000, "evt_test_clockAhead0000000000005")
    assert response.status_code == 200 and response.json()["status"] == "processed"
    assert Token.objects.get(smartpay_id=TOKEN_ID).status == "active"


@pytest.mark.parametrize("as_text", [False, True], ids=["integer", "text"])
def test_an_expanded_object_is_checked_too(hand_signed: None, as_text: bool) -> None:
    now = now_ms()
    ahead = now + AHEAD_MS + 60_000
    order = {
        "id": "order_test_clockAhead000000000001",
        "object": "order",
        "test": True,
        "status": "requires_capture",
        "amount": 1000,
        "currency": "JPY",
        "createdAt": now,
        "updatedAt": now,
        "token": {**token("active", now), "updatedAt": str(ahead) if as_text else ahead},
    }
    body = event_body("order.authorized", order, "evt_test_clockAhead0000000000007")
    response = post(body, sign(body))
    assert response.status_code == 400
    # As an integer it is refused for its time; as text, already for its type.
    expected = "eventData.data.token.updatedAt must be an integer" if as_text else TOKEN_ID
    assert expected in response.json()["message"]
    assert not Token.objects.filter(smartpay_id=TOKEN_ID).exists()


def test_the_stored_path_refuses_it_too(hand_signed: None) -> None:
    """The task, the command and the admin apply stored events through ``process_stored``."""
    body = event_body(
        "token.approved",
        {**token("active", now_ms()), "updatedAt": now_ms() + AHEAD_MS + 60_000},
        "evt_test_clockAhead0000000000008",
    )
    row = WebhookEvent.objects.create(event_id="evt_test_clockAhead0000000000008", body=body.decode())
    outcome = applying.process_stored(row.pk)
    assert outcome.result == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.error.startswith("webhook.malformed-event: ")
    assert not Token.objects.filter(smartpay_id=TOKEN_ID).exists()
