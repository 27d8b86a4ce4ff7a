"""Every list is paginated by cursor, newest first, at a cost that does not grow with the table."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_smartpay.models import Order

from .conftest import API
from .rows import seed_orders, seed_schedules, seed_tokens

pytestmark = pytest.mark.django_db


def _walk(client, url, direction="next"):
    """Every page from ``url`` on, following ``direction`` links: a list of lists of ids."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url = body[direction]
    return pages


def test_walking_next_then_previous_visits_every_order_once_newest_first(alice, as_alice):
    """Ties on the time and rows without one (sorted where the database sorts NULL) included."""
    seed_orders(alice, 21, payments=0, tie_every=4)
    expected = list(
        Order.objects.order_by("-smartpay_created", "-smartpay_id").values_list("smartpay_id", flat=True)
    )
    untimed = {f"order_test_u{alice.pk}n{i}" for i in range(3)}
    assert set(expected[:3]) == untimed or set(expected[-3:]) == untimed

    pages = _walk(as_alice, API + "orders/?page_size=2")

    assert [len(page) for page in pages] == [2] * 10 + [1]
    assert [order_id for page in pages for order_id in page] == expected
    last = as_alice.get(API + "orders/?page_size=2")
    for _ in range(10):
        last = as_alice.get(last.json()["next"])
    backwards = _walk(as_alice, last.json()["previous"], direction="previous")
    assert backwards == pages[-2::-1]


def test_the_first_page_has_no_previous_and_the_last_no_next(alice, as_alice):
    seed_tokens(alice, 3)

    body = as_alice.get(API + "tokens/").json()

    assert (body["next"], body["previous"], len(body["results"])) == (None, None, 3)
    assert as_alice.get(API + "tokens/?page_size=2").json()["next"] is not None


def test_the_default_page_holds_20_and_100_is_the_most(alice, as_alice):
    seed_orders(alice, 120, payments=0)

    assert len(as_alice.get(API + "orders/").json()["results"]) == 20
    assert len(as_alice.get(API + "orders/?page_size=100").json()["results"]) == 100


@pytest.mark.parametrize(
    "size", ["0", "-1", "101", "1e3", "abc", "", "\uff11\uff10", "2.5", "99999999999999999999", " 5", "0x10"]
)
def test_a_page_size_out_of_range_is_a_400_naming_it(alice, as_alice, size):
    response = as_alice.get(API + "orders/", {"page_size": size})

    assert response.status_code == 400
    assert "1 to 100" in response.json()["page_size"][0]


def _next_cursor(client, url):
    return parse_qs(urlsplit(client.get(url).json()["next"]).query)["cursor"][0]


@pytest.mark.parametrize(
    "forge",
    [
        lambda cursor: "abc",
        lambda cursor: cursor[:-1] + ("A" if cursor[-1] != "A" else "B"),
        lambda cursor: cursor + "x" * 600,
        lambda cursor: "",
        lambda cursor: "cD0yMDI2LTAxLTAxKzAwJTNBMDA=",  # a REST framework cursor
    ],
    ids=["garbage", "tampered", "long", "empty", "drf-style"],
)
def test_a_forged_cursor_is_a_400(alice, as_alice, forge):
    seed_orders(alice, 5, payments=0)
    cursor = _next_cursor(as_alice, API + "orders/?page_size=2")

    response = as_alice.get(API + "orders/", {"cursor": forge(cursor), "page_size": 2})

    assert response.status_code == 400
    assert set(response.json()) == {"cursor"}


def test_a_cursor_of_one_list_is_refused_by_another(alice, as_alice):
    seed_orders(alice, 3, payments=0)
    seed_tokens(alice, 3)
    cursor = _next_cursor(as_alice, API + "orders/?page_size=1")

    assert as_alice.get(API + "orders/", {"cursor": cursor}).status_code == 200
    assert as_alice.get(API + "tokens/", {"cursor": cursor}).status_code == 400


# --- nested collections --------------------------------------------------------------------


def test_a_schedule_nests_its_5_latest_charges_and_links_to_all_of_them(alice, as_alice):
    [schedule] = seed_schedules(alice, 1, charges=12)

    body = as_alice.get(f"{API}schedules/{schedule.pk}/").json()
    listed = as_alice.get(API + "schedules/").json()["results"][0]

    newest = list(schedule.charges.order_by("-pk").values_list("pk", flat=True))
    assert [charge["id"] for charge in body["charges"]] == newest[:5]
    assert listed["charges"] == body["charges"]
    assert body["charges_url"] == f"http://testserver{API}schedules/{schedule.pk}/charges/"
    pages = _walk(as_alice, body["charges_url"] + "?page_size=5")
    assert [len(page) for page in pages] == [5, 5, 2]
    assert [pk for page in pages for pk in page] == newest


def test_an_order_nests_at_most_20_payments_and_20_refunds_each(alice, as_alice):
    [order] = seed_orders(alice, 1, payments=25, refunds=22)

    body = as_alice.get(f"{API}orders/{order.smartpay_id}/").json()

    assert len(body["payments"]) == 20
    assert body["payments"][0]["id"].endswith("p0")  # oldest first
    assert {len(payment["refunds"]) for payment in body["payments"]} == {20}


# --- cost ----------------------------------------------------------------------------------

#: Statements per list page: the page itself, then one per nested level.
BUDGETS = {"tokens/": 1, "orders/": 3, "schedules/": 2, "charges": 2}


def _seed(user, endpoint, rows):
    if endpoint == "tokens/":
        seed_tokens(user, rows)
    elif endpoint == "orders/":
        seed_orders(user, rows, payments=2, refunds=2)
    elif endpoint == "schedules/":
        seed_schedules(user, rows, charges=8)
    else:
        [schedule] = seed_schedules(user, 1, charges=rows)
        return f"schedules/{schedule.pk}/charges/"
    return endpoint


@pytest.mark.parametrize("endpoint", list(BUDGETS))
def test_a_list_page_costs_the_same_statements_at_10_and_1000_rows(
    endpoint, django_user_model, as_alice, alice
):
    counts = {}
    for rows in (10, 1000):
        user = django_user_model.objects.create_user(username=f"u{rows}")
        as_alice.force_authenticate(user)
        path = _seed(user, endpoint, rows)
        with CaptureQueriesContext(connection) as queries:
            response = as_alice.get(API + path)
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(rows, 20)
        with CaptureQueriesContext(connection) as deep:
            deeper = as_alice.get(response.json()["next"] or API + path)
        assert deeper.status_code == 200
        counts[rows] = (len(queries), len(deep))

    budget = BUDGETS[endpoint]
    assert counts == {10: (budget, budget), 1000: (budget, budget)}


def test_walking_schedules_and_their_charges_both_ways(alice, as_alice):
    schedules = seed_schedules(alice, 23, charges=1)
    expected = [schedule.pk for schedule in reversed(schedules)]

    pages = _walk(as_alice, API + "schedules/?page_size=5")
    assert [pk for page in pages for pk in page] == expected
    last = as_alice.get(API + "schedules/?page_size=5")
    while last.json()["next"]:
        last = as_alice.get(last.json()["next"])
    assert _walk(as_alice, last.json()["previous"], direction="previous") == pages[-2::-1]


def test_a_cursor_holds_only_what_the_page_already_shows(alice, as_alice):
    """No primary key or user id: a cursor cannot tell how many rows or users the shop has."""
    seed_orders(alice, 3, payments=0)
    body = as_alice.get(API + "orders/?page_size=2").json()
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]

    payload = json.loads(signing.b64_decode(cursor.split(":")[0].encode()))

    last = body["results"][-1]
    back, moment, key = payload
    assert (back, dt.datetime.fromisoformat(moment), key) == (
        False,
        dt.datetime.fromisoformat(last["created_at"]),
        last["id"],
    )
