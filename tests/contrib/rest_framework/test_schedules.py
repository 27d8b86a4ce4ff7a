"""Charge schedules through the REST endpoints: create, pause, resume, cancel; only the user's own."""

from __future__ import annotations

import pytest

from django_smartpay import charging
from django_smartpay.models import ChargeSchedule

from .conftest import API
from .rows import SHIPPING

pytestmark = pytest.mark.django_db


def _create(client, token_id, **extra):
    body = {"token": token_id, "amount": 980, "interval": "monthly", "shipping_info": SHIPPING, **extra}
    return client.post(API + "schedules/", body, format="json")


@pytest.fixture
def alice_token(alice_shops):
    return alice_shops.active_token()


def test_create_a_monthly_schedule_of_an_own_token(alice_token, as_alice):
    response = _create(as_alice, alice_token.smartpay_id, description="Matcha club")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"] == alice_token.smartpay_id
    assert (body["amount"], body["currency"], body["interval"], body["status"]) == (
        980,
        "JPY",
        "monthly",
        "active",
    )
    assert body["items"][0]["name"] == "Matcha club"
    assert body["charges"] == []
    assert ChargeSchedule.objects.get(pk=body["id"]).token_id == alice_token.smartpay_id


def test_a_due_schedule_is_charged_through_smartpay_and_shows_its_charge(
    alice_token, as_alice, simulator, django_capture_on_commit_callbacks
):
    schedule_id = _create(as_alice, alice_token.smartpay_id).json()["id"]
    assert simulator.objects(kind="order") == []

    with django_capture_on_commit_callbacks(execute=True):
        charging.charge_due_schedules()

    [charge] = as_alice.get(f"{API}schedules/{schedule_id}/").json()["charges"]
    assert charge["status"] == "succeeded"
    assert charge["amount"] == 980
    order = simulator.get_object(charge["order"])
    assert (order["amount"], order["status"], order["tokenId"]) == (980, "succeeded", alice_token.smartpay_id)


def test_a_token_of_another_user_cannot_be_scheduled(alice_token, as_bob):
    response = _create(as_bob, alice_token.smartpay_id)

    assert response.status_code == 400
    assert set(response.json()) == {"token"}
    assert ChargeSchedule.objects.count() == 0


def test_invalid_schedules_are_refused_before_anything_is_written(alice_token, as_alice):
    weekly_on_a_day = _create(as_alice, alice_token.smartpay_id, interval="weekly", day_of_month=3)
    zero = _create(as_alice, alice_token.smartpay_id, amount=0)

    assert weekly_on_a_day.status_code == 400
    assert "monthly" in weekly_on_a_day.json()[0]
    assert zero.status_code == 400 and set(zero.json()) == {"amount"}
    assert ChargeSchedule.objects.count() == 0


def test_pause_resume_and_cancel(alice_token, as_alice):
    schedule_id = _create(as_alice, alice_token.smartpay_id).json()["id"]
    url = f"{API}schedules/{schedule_id}/"

    assert as_alice.post(url + "pause/").json()["status"] == "paused"
    again = as_alice.post(url + "pause/")
    assert again.status_code == 400
    assert as_alice.post(url + "resume/").json()["status"] == "active"
    assert as_alice.post(url + "cancel/").json()["status"] == "canceled"
    assert ChargeSchedule.objects.get(pk=schedule_id).status == "canceled"


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "pause/"), ("post", "cancel/")])
def test_another_users_schedule_is_not_found_and_unchanged(alice_token, as_alice, as_bob, method, suffix):
    schedule_id = _create(as_alice, alice_token.smartpay_id).json()["id"]

    response = getattr(as_bob, method)(f"{API}schedules/{schedule_id}/{suffix}")

    assert response.status_code == 404
    assert ChargeSchedule.objects.get(pk=schedule_id).status == "active"
    assert as_bob.get(API + "schedules/").json()["results"] == []
