"""A signed body is applied only when every field fits its column: otherwise 400, recorded, no traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from django_smartpay.models import Payment, Token, WebhookEvent, WebhookEventStatus
from django_smartpay.testing import factories
from django_smartpay.testing.webhooks import build_event, event_body
from django_smartpay.webhooks.verification import claimed_object

from .conftest import post, sign

pytestmark = pytest.mark.django_db


def payment_event(**changes: Any) -> dict[str, Any]:
    event = build_event(factories.PaymentFactory.build())
    event["eventData"]["data"].update(changes)
    return event


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "2000"}, "amount"),
        ({"amount": 2000.0}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": 2**32}, "amount"),
        ({"amount": 10**30}, "amount"),
        ({"createdAt": "1653028523020"}, "createdAt"),
        ({"updatedAt": -5}, "updatedAt"),
        ({"updatedAt": 10**20}, "updatedAt"),
        ({"id": "payment_test_" + "A" * 60}, "id"),
        ({"id": "order_test_wrongKindOfId000001"}, "id"),
        ({"order": "order_test_" + "B" * 60}, "order"),
        ({"order": {"id": 12}}, "order"),
        ({"order": ["order_test_inAList0000000001"]}, "order"),
        ({"metadata": "not an object"}, "metadata"),
        ({"status": "exploded"}, "status"),
        ({"status": None}, "status"),
        ({"currency": "JPYEN"}, "currency"),
        ({"reference": "r" * 256}, "reference"),
        ({"lineItems": "li_test_notAList000000001"}, "lineItems"),
        ({"test": "true"}, "test"),
        ({"order": "order_live_otherModeOrder0000001"}, "order"),
        ({"order": {"id": "order_live_otherModeOrder0000001"}}, "order"),
    ],
)
def test_a_field_of_the_wrong_type_or_range_is_400_and_recorded(
    hand_signed: None, caplog: pytest.LogCaptureFixture, changes: dict[str, Any], field: str
) -> None:
    event = payment_event(**changes)
    body = event_body(event)
    with caplog.at_level(logging.DEBUG):
        response = post(body, sign(body))
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "webhook.malformed-event"
    assert f"eventData.data.{field}" in answer["message"]
    row = WebhookEvent.objects.get(event_id=event["id"])
    assert (row.status, row.attempts, row.traceback) == (WebhookEventStatus.FAILED, 1, "")
    assert field in row.error
    assert not Payment.objects.exists()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda e: e.update(createdAt="1653028523052"), "createdAt"),
        (lambda e: e.update(createdAt=-1), "createdAt"),
        (lambda e: e.update(test="yes"), "test"),
        (lambda e: e.update(object="order"), "event object"),
        (lambda e: e["eventData"].update(type="payment.exploded"), "event name"),
        (lambda e: e["eventData"].update(type=["payment.created"]), "event name"),
        (lambda e: e["eventData"].update(version=20220218), "version"),
        (lambda e: e["eventData"].update(data="payment_test_justAnId000000001"), "payment object"),
    ],
)
def test_an_envelope_of_the_wrong_shape_is_400(hand_signed: None, mutate: Any, words: str) -> None:
    event = payment_event()
    mutate(event)
    body = event_body(event)
    response = post(body, sign(body))
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert WebhookEvent.objects.get(event_id=event["id"]).status == WebhookEventStatus.FAILED


def test_a_redelivery_of_a_poison_event_is_400_again_and_counted(hand_signed: None) -> None:
    event = payment_event(amount=-100)
    body = event_body(event)
    assert post(body, sign(body)).status_code == 400
    assert post(body, sign(body)).status_code == 400
    assert WebhookEvent.objects.get(event_id=event["id"]).attempts == 2


def test_a_known_but_unhandled_type_is_ignored_an_unknown_one_refused(hand_signed: None) -> None:
    payout = build_event({"id": "payout_test_1", "object": "payout", "amount": 1}, "payout.paid")
    assert post(event_body(payout), sign(event_body(payout))).json()["status"] == "ignored"
    unknown = build_event(factories.TokenFactory.build(), "token.exploded")
    response = post(event_body(unknown), sign(event_body(unknown)))
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_failed_event_id_redelivered_with_another_body_is_409_and_changes_nothing(
    hand_signed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_smartpay.webhooks import applying

    token = factories.TokenFactory.build()
    event = build_event(token, "token.approved")
    with monkeypatch.context() as patch:
        patch.setitem(applying.HANDLERS, "token.approved", lambda data: 1 / 0)
        assert post(event_body(event), sign(event_body(event))).status_code == 500
    forged = {**event, "eventData": {**event["eventData"], "data": {**event["eventData"]["data"]}}}
    forged["eventData"]["data"]["status"] = "disabled"
    response = post(event_body(forged), sign(event_body(forged)))
    assert response.status_code == 409
    assert response.json()["error"] == "webhook.event-id-reused"
    row = WebhookEvent.objects.get()
    assert (row.status, row.attempts, row.body) == ("failed", 1, event_body(event).decode())
    assert not Token.objects.exists()
    # The genuine retry (same body) is applied.
    assert post(event_body(event), sign(event_body(event))).json()["status"] == "processed"
    assert Token.objects.get().status == "active"


@pytest.mark.parametrize(
    ("body", "claimed"),
    [
        (
            b'{"eventData":{"type":"order.authorized","data":{"id":"order_test_1"}}}',
            ("order", "order_test_1"),
        ),
        (b'{"eventData":{"type":"token.used","data":{"id":"paytok_test_1"}}}', ("token", "paytok_test_1")),
        (b'{"eventData":{"type":"order.updated","data":{"id":"order_test_1"}}}', None),  # not handled
        (b'{"eventData":{"type":["order.authorized"],"data":{"id":"order_test_1"}}}', None),
        (b'{"eventData":{"type":"order.authorized","data":{"id":7}}}', None),
        (b'{"eventData":{"type":"order.authorized","data":{"id":""}}}', None),
        (b'{"eventData":{"type":"order.authorized","data":["order_test_1"]}}', None),
        (b'{"eventData":"order.authorized"}', None),
        (b'["eventData"]', None),
        (b"not json", None),
        (b"\xff\xfe", None),
        (b"[" * 100_000, None),  # too large to read before verification
        (b"[" * 5_000 + b"]" * 5_000, None),  # too deep for the parser
    ],
)
def test_claimed_object_reads_what_a_body_names_and_nothing_else(body: bytes, claimed: Any) -> None:
    assert claimed_object(body) == claimed
