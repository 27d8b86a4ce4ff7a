"""Token charges, charge schedules and webhook events in the admin."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from django_smartpay import charging, services
from django_smartpay.models import (
    ChargeScheduleStatus,
    TokenChargeStatus,
    TokenStatus,
    WebhookEvent,
)
from django_smartpay.webhooks import applying

from .conftest import ADDRESS, Admin, changelist, messages_of, mutating, offered, who

pytestmark = pytest.mark.django_db

CHARGE = {
    "items": [{"name": "Monthly matcha box", "amount": 3000}],
    "shipping_info": {"address": ADDRESS, "feeAmount": 0},
    "customer_info": {},
}


# --- token charges ------------------------------------------------------------------------------


def test_charge_now_sends_a_pending_charge_once(shop, staff, simulator):
    token = shop.token()
    charge = charging.charge_token(token, 3000, **CHARGE)  # its Celery message never runs here
    assert charge.status == TokenChargeStatus.PENDING
    client = staff("smartpay.change_tokencharge")
    admin = Admin(client, "tokencharge", "charge_now")
    page = admin.select(charge)
    assert "¥3,000" in page.content.decode()

    first = admin.submit(page)
    second = admin.submit(page)
    (message,) = messages_of(first)
    assert message == f"{who(charge)}: Charge is now succeeded."
    assert "already done" in messages_of(second)[0]
    (sent,) = mutating(simulator, "POST", "/v1/orders")
    assert sent["idempotency_key"] == charge.idempotency_key  # the charge's own key, not the page's
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.SUCCEEDED
    listing = client.get(changelist("tokencharge")).content.decode()
    assert f'href="{reverse("admin:smartpay_order_change", args=[charge.order.pk])}"' in listing


def test_charge_actions_need_the_change_permission(shop, staff, simulator):
    charge = charging.charge_token(shop.token(), 3000, **CHARGE)
    client = staff()
    assert offered(client, "tokencharge") == {"sync_from_smartpay"}
    assert offered(staff("smartpay.change_tokencharge", username="lead"), "tokencharge") == {
        "charge_now",
        "cancel_charges",
        "sync_from_smartpay",
    }
    start = len(simulator.ledger)
    Admin(client, "tokencharge", "charge_now").select(charge)
    assert len(simulator.ledger) == start
    charge.refresh_from_db()
    assert charge.status == TokenChargeStatus.PENDING


def test_sync_fetches_the_order_a_charge_made(shop, staff, smartpay_client):
    pending = charging.charge_token(shop.token(), 3000, **CHARGE)
    sent = charging.charge_token(shop.token(), 3000, capture_method="manual", **CHARGE)
    charging.run_charge(sent.pk)
    sent.refresh_from_db()
    smartpay_client.cancel_order(sent.order_id)  # at Smartpay only
    admin = Admin(staff(), "tokencharge", "sync_from_smartpay")
    page = admin.select(pending, sent)
    [left_out] = page.context["left_out"]
    assert (left_out["object"], left_out["reason"]) == (
        pending,
        "No Smartpay object is linked to this row yet.",
    )
    (synced,) = messages_of(admin.submit(page))
    assert synced == f"{who(sent)}: Synced {sent.order_id} from Smartpay (status: canceled)."
    assert sent.order.status == "canceled"


def test_cancel_charge_only_before_it_is_sent(shop, staff):
    token = shop.token()
    pending = charging.charge_token(token, 1000, **CHARGE)
    sent = charging.charge_token(token, 2000, **CHARGE)
    charging.run_charge(sent.pk)
    admin = Admin(staff("smartpay.change_tokencharge"), "tokencharge", "cancel_charges")
    page = admin.select(pending, sent)
    [left_out] = page.context["left_out"]
    assert left_out["object"] == sent
    assert "Only a pending charge that was never sent can be canceled" in left_out["reason"]
    assert page.context["button"] == "Yes, cancel 1 charge"
    (canceled,) = messages_of(admin.submit(page))
    assert canceled == f"{who(pending)}: Charge is now canceled."


# --- charge schedules ---------------------------------------------------------------------------


def test_pause_and_resume_a_schedule(shop, staff, simulator):
    token = shop.token()
    schedule = charging.create_schedule(
        token, 3000, interval="monthly", start_at=timezone.now() + dt.timedelta(days=1), **CHARGE
    )
    client = staff("smartpay.change_chargeschedule")
    start = len(simulator.ledger)
    response = Admin(client, "chargeschedule", "pause_schedules").run(schedule)
    assert messages_of(response) == [f"{who(schedule)}: Schedule is now paused."]
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAUSED
    page = Admin(client, "chargeschedule", "pause_schedules").select(schedule)
    assert "Only an active schedule can be paused" in page.context["left_out"][0]["reason"]
    assert page.context["button"] is None  # nothing to confirm
    assert 'id="smartpay-confirm-form"' not in page.content.decode()
    response = Admin(client, "chargeschedule", "resume_schedules").run(schedule)
    assert messages_of(response)[0].startswith(f"{who(schedule)}: Schedule is now active; next charge ")
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.ACTIVE
    assert len(simulator.ledger) == start  # nothing of this goes to Smartpay


def test_resume_refused_while_the_token_is_disabled(shop, staff):
    token = shop.token()
    schedule = charging.create_schedule(
        token, 3000, interval="monthly", start_at=timezone.now() + dt.timedelta(days=1), **CHARGE
    )
    charging.pause_schedule(schedule)
    assert services.disable_token(token).status == TokenStatus.DISABLED
    response = Admin(staff("smartpay.change_chargeschedule"), "chargeschedule", "resume_schedules").run(
        schedule
    )
    (message,) = messages_of(response)
    assert message.startswith(f"{who(schedule)}: not done (nothing was sent to Smartpay): ")
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAUSED


# --- webhook events -----------------------------------------------------------------------------


class Receiver:
    """The simulator's webhook sender: posts each signed delivery into the webhook view."""

    def __init__(self) -> None:
        self.client = Client()

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> int:
        forwarded = {name: value for name, value in headers.items() if name.lower() != "content-type"}
        response = self.client.post(
            urlsplit(url).path, data=body, content_type="application/json", headers=forwarded
        )
        return response.status_code


@pytest.fixture
def webhooks(simulator) -> Any:
    simulator.webhook_sender = Receiver()
    return services.create_webhook_endpoint("http://localhost/smartpay/webhook/", description="admin tests")


def test_event_changelist_links_objects_and_reprocess_applies_again(shop, staff, webhooks, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a receiver")

    with monkeypatch.context() as patch:
        for event_type in list(applying.HANDLERS):
            patch.setitem(applying.HANDLERS, event_type, broken)
        token = shop.token()  # its events arrive, and fail
    failed = WebhookEvent.objects.filter(status="failed")
    assert failed.exists()
    event = failed.first()
    assert "a bug in a receiver" in event.error

    client = staff("smartpay.change_webhookevent")
    listing = client.get(changelist("webhookevent")).content.decode()
    assert f"/admin/smartpay/token/?smartpay_id={token.smartpay_id}" in listing
    page = client.get(reverse("admin:smartpay_webhookevent_change", args=[event.pk])).content.decode()
    assert "a bug in a receiver" in page
    assert "&quot;eventData&quot;" in page  # the raw body, pretty-printed and escaped

    # The bug is fixed (the context above restored the handlers).
    response = Admin(client, "webhookevent", "reprocess_events").run(event)
    assert messages_of(response) == [f"{who(event)}: Reprocessed: processed."]
    event.refresh_from_db()
    assert (event.status, event.error) == ("processed", "")


def test_sync_fetches_the_object_of_an_event(shop, staff, webhooks, simulator, smartpay_client):
    token = shop.token()
    event = WebhookEvent.objects.filter(object_smartpay_id=token.smartpay_id).latest("pk")
    simulator.webhook_sender = lambda url, headers, body: 503  # the next webhooks are lost
    simulator.clock.advance(1)
    smartpay_client.disable_token(token.smartpay_id)
    token.refresh_from_db()
    assert token.status == TokenStatus.ACTIVE
    response = Admin(staff(), "webhookevent", "sync_from_smartpay").run(event)
    assert messages_of(response) == [
        f"{who(event)}: Synced {token.smartpay_id} from Smartpay (status: disabled)."
    ]
    token.refresh_from_db()
    assert token.status == TokenStatus.DISABLED


def test_reprocess_needs_the_permission_and_events_are_read_only(shop, staff, webhooks):
    shop.token()
    event = WebhookEvent.objects.first()
    client = staff()
    assert offered(client, "webhookevent") == {"sync_from_smartpay"}
    attempts = event.attempts
    response = client.post(
        changelist("webhookevent"),
        {"action": "reprocess_events", "index": "0", "_selected_action": [event.pk]},
    )
    assert response.status_code == 302  # "No action selected": Django refuses an action it does not offer
    event.refresh_from_db()
    assert event.attempts == attempts
    url = reverse("admin:smartpay_webhookevent_change", args=[event.pk])
    assert client.post(url, {"status": "failed"}).status_code == 403
    assert json.loads(event.body)["id"] == event.event_id
