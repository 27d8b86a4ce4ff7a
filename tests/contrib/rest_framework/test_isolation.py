"""Owner isolation: a customer never sees or touches another's rows, by id, cursor or nested link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from django_smartpay.models import ChargeSchedule

from .conftest import API
from .rows import seed_orders, seed_schedules, seed_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_rows(alice):
    seed_tokens(alice, 3)
    seed_orders(alice, 3)
    return seed_schedules(alice, 3, charges=3)


@pytest.mark.parametrize("path", ["tokens/", "orders/", "schedules/"])
def test_bob_lists_nothing_of_alices(alices_rows, as_bob, path):
    body = as_bob.get(API + path, {"page_size": 100}).json()

    assert body == {"next": None, "previous": None, "results": []}


def test_every_link_of_alices_is_404_for_bob(alices_rows, as_alice, as_bob):
    schedule = as_alice.get(API + "schedules/").json()["results"][0]
    order = as_alice.get(API + "orders/").json()["results"][0]
    token = as_alice.get(API + "tokens/").json()["results"][0]

    for url in (
        schedule["charges_url"],
        f"{API}schedules/{schedule['id']}/",
        f"{API}orders/{order['id']}/",
        f"{API}tokens/{token['id']}/",
    ):
        assert as_bob.get(url).status_code == 404, url
    for suffix in ("pause/", "resume/", "cancel/"):
        assert as_bob.post(f"{API}schedules/{schedule['id']}/{suffix}").status_code == 404
    assert ChargeSchedule.objects.get(pk=schedule["id"]).status == "active"


@pytest.mark.parametrize("path", ["tokens/", "orders/", "schedules/"])
def test_alices_cursor_is_refused_for_bob_even_when_he_has_rows(alices_rows, bob, as_alice, as_bob, path):
    seed_tokens(bob, 3)
    seed_orders(bob, 3)
    seed_schedules(bob, 3)
    next_url = as_alice.get(API + path, {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]

    response = as_bob.get(API + path, {"cursor": cursor, "page_size": 1})

    assert response.status_code == 400
    assert as_alice.get(next_url).status_code == 200


def test_a_cursor_of_one_schedules_charges_is_refused_for_another_schedule(alice, as_alice):
    first, second = seed_schedules(alice, 2, charges=3)
    next_url = as_alice.get(f"{API}schedules/{first.pk}/charges/", {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]

    assert as_alice.get(f"{API}schedules/{second.pk}/charges/", {"cursor": cursor}).status_code == 400


def test_bob_cannot_reach_alices_charges_by_guessing_ids(alices_rows, as_bob):
    highest = max(schedule.pk for schedule in alices_rows)

    statuses = {as_bob.get(f"{API}schedules/{pk}/charges/").status_code for pk in range(1, highest + 2)}

    assert statuses == {404}
