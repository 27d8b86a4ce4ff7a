"""A new payment method for a schedule through REST: owner-only, usable tokens only, recovers the schedule."""

from __future__ import annotations

import pytest

from django_smartpay import charging
from django_smartpay.models import ChargeSchedule, Token, TokenCharge

from .conftest import API
from .rows import SHIPPING, seed_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def declined_schedule(alice_shops, as_alice, simulator, django_capture_on_commit_callbacks):
    """Alice's monthly schedule whose first charge the simulator declined (hard)."""
    token = alice_shops.active_token()
    body = {"token": token.smartpay_id, "amount": 980, "interval": "monthly", "shipping_info": SHIPPING}
    schedule_id = as_alice.post(API + "schedules/", body, format="json").json()["id"]
    simulator.set_token_outcome(token.smartpay_id, "decline", count=1)
    with django_capture_on_commit_callbacks(execute=True):
        charging.charge_due_schedules()
    schedule = ChargeSchedule.objects.get(pk=schedule_id)
    assert schedule.status == "past_due"
    return schedule


def test_a_new_own_token_pays_the_period_and_the_schedule_is_active_again(
    declined_schedule, alice_shops, as_alice, simulator, django_capture_on_commit_callbacks
):
    new = alice_shops.active_token()
    url = f"{API}schedules/{declined_schedule.pk}/"
    assert as_alice.get(url).json()["status"] == "past_due"
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.post(url + "token/", {"token": new.smartpay_id}, format="json")
    assert response.status_code == 200, response.content
    body = as_alice.get(url).json()
    assert (body["status"], body["token"], body["failed_attempts"], body["open_period"]) == (
        "active",
        new.smartpay_id,
        0,
        None,
    )
    retry = TokenCharge.objects.get(schedule=declined_schedule, period_attempt=2)
    assert simulator.get_object(retry.order_id)["status"] == "succeeded"


def test_another_users_token_or_schedule_is_refused(declined_schedule, as_alice, as_bob, bob, alice_shops):
    bobs = seed_token(bob)
    url = f"{API}schedules/{declined_schedule.pk}/token/"
    response = as_alice.post(url, {"token": bobs.smartpay_id}, format="json")
    assert response.status_code == 400
    assert "token" in response.json()
    mine = alice_shops.active_token()
    assert as_bob.post(url, {"token": mine.smartpay_id}, format="json").status_code == 404
    assert ChargeSchedule.objects.get(pk=declined_schedule.pk).token_id == declined_schedule.token_id
    assert not TokenCharge.objects.filter(period_attempt=2).exists()


def test_an_inactive_own_token_is_refused(declined_schedule, as_alice, alice_shops):
    token_id = alice_shops.start_token_checkout()["token"]  # not approved: not active
    assert Token.objects.get(smartpay_id=token_id).status != "active"
    response = as_alice.post(
        f"{API}schedules/{declined_schedule.pk}/token/", {"token": token_id}, format="json"
    )
    assert response.status_code == 400, response.content
    assert ChargeSchedule.objects.get(pk=declined_schedule.pk).status == "past_due"


def test_a_malformed_body_is_a_400(declined_schedule, as_alice):
    url = f"{API}schedules/{declined_schedule.pk}/token/"
    assert as_alice.post(url, {}, format="json").status_code == 400
    assert as_alice.post(url, {"token": ["x"]}, format="json").status_code == 400
