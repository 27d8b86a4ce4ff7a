"""Dunning in the admin: the state on schedules, "retry now", "stop retrying", resuming a token's schedules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from django_smartpay import charging, services
from django_smartpay.models import ChargeScheduleStatus, TokenCharge

from .conftest import ADDRESS, Admin, changelist, messages_of, offered, who

pytestmark = pytest.mark.django_db

CHARGE = {
    "items": [{"name": "Monthly matcha box", "amount": 3000}],
    "shipping_info": {"address": ADDRESS, "feeAmount": 0},
    "customer_info": {},
}


@pytest.fixture
def past_due(shop, simulator, django_capture_on_commit_callbacks):
    """A schedule whose first charge the simulator declined (hard): ``past_due``."""
    token = shop.token()
    sent: list[int] = []
    start = timezone.now() - dt.timedelta(minutes=1)
    schedule = charging.create_schedule(token, 3000, interval="monthly", start_at=start, now=start, **CHARGE)
    simulator.set_token_outcome(token.smartpay_id, "decline", count=1)
    with charging.use_publisher(sent.extend), django_capture_on_commit_callbacks(execute=True):
        charging.charge_due_schedules()
    [charge_id] = sent
    charging.run_charge(charge_id)  # what the worker does with the message
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAST_DUE
    return schedule


def test_the_changelist_shows_the_dunning_state_and_offers_its_actions(past_due, staff):
    client = staff("smartpay.change_chargeschedule")
    page = client.get(changelist("chargeschedule")).content.decode()
    assert "past due" in page and "1 failed attempt(s)" in page and "next retry" in page
    assert {"retry_schedules_now", "give_up_schedules"} <= offered(client, "chargeschedule")
    assert not {"retry_schedules_now", "give_up_schedules"} & offered(
        staff(username="viewer"), "chargeschedule"
    )


def test_retry_now_charges_the_open_period_once(past_due, staff, django_capture_on_commit_callbacks):
    """One retry charge for two submits of the page; the worker's run pays the period."""
    admin = Admin(staff("smartpay.change_chargeschedule"), "chargeschedule", "retry_schedules_now")
    page = admin.select(past_due)
    sent: list[int] = []
    with charging.use_publisher(sent.extend), django_capture_on_commit_callbacks(execute=True):
        first = admin.submit(page)
        second = admin.submit(page)
    [retry_id] = sent
    charging.run_charge(retry_id)
    assert messages_of(first)[0].startswith(f"{who(past_due)}: Unpaid period charged again")
    assert "already done" in messages_of(second)[0]
    past_due.refresh_from_db()
    assert past_due.status == ChargeScheduleStatus.ACTIVE
    assert TokenCharge.objects.filter(schedule=past_due, status="succeeded").count() == 1


def test_give_up_makes_the_schedule_unpaid(past_due, staff):
    response = Admin(staff("smartpay.change_chargeschedule"), "chargeschedule", "give_up_schedules").run(
        past_due
    )
    assert messages_of(response) == [f"{who(past_due)}: Schedule is now unpaid."]
    past_due.refresh_from_db()
    assert (past_due.status, past_due.status_reason) == ("unpaid", "dunning.given-up")


def test_resume_the_schedules_a_reenabled_token_paused(shop, staff, django_capture_on_commit_callbacks):
    token = shop.token()
    schedule = charging.create_schedule(
        token, 3000, interval="monthly", start_at=timezone.now() + dt.timedelta(days=1), **CHARGE
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.disable_token(token)
    with django_capture_on_commit_callbacks(execute=True):
        services.enable_token(token)
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.PAUSED
    client = staff("smartpay.manage_token")
    assert "resume_token_schedules" in offered(client, "token")
    response = Admin(client, "token", "resume_token_schedules").run(token)
    assert messages_of(response) == [f"{who(token)}: 1 schedule(s) resumed."]
    schedule.refresh_from_db()
    assert schedule.status == ChargeScheduleStatus.ACTIVE


def test_the_schedule_page_shows_the_dunning_state_in_words(past_due, staff):
    page = staff().get(reverse("admin:smartpay_chargeschedule_change", args=[past_due.pk])).content.decode()
    dunning = page.split("Dunning</h2>")[1].split("</fieldset>")[0]
    assert "1 failed attempt(s)" in dunning and "next retry" in dunning
    assert "+00:00" not in dunning and ">None<" not in page
    assert "Monthly matcha box" in page and "¥3,000" in page  # the items, as a table
