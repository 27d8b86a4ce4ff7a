"""Fuzzing the writable endpoints with their real field names: every answer is a 2xx or a 4xx, never a 500.

Each field gets a valid value most of the time and anything JSON can carry otherwise (huge and
negative integers, floats, booleans, lone surrogates, NUL, nested objects), so the checks behind
the first one are reached too.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_smartpay.client.constants import LINE_ITEM_KINDS, MAX_AMOUNT
from django_smartpay.models import ScheduleInterval

from .conftest import API
from .rows import ADDRESS, SHIPPING, seed_schedules, seed_token

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, MAX_AMOUNT, MAX_AMOUNT + 1, 2**31, 2**63, 10**30]),
    st.floats(),
    text,
    st.sampled_from(["", "\x00", "\ud800", "抹茶🍵", "x" * 5000, "1e3", "true", "2030-01-01"]),
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


def _moment(offset_days: int, zone: dt.tzinfo | None) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=offset_days, seconds=30)
    return (moment.astimezone(zone) if zone else moment.replace(tzinfo=None)).isoformat()


moments = st.one_of(
    st.builds(
        _moment,
        st.integers(-400, 400 * 50),
        st.one_of(st.none(), st.timezones(), st.just(dt.timezone(dt.timedelta(hours=9)))),
    ),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda moment: moment.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "now"]),
)
items = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.one_of(st.just("Matcha"), text),
            "amount": st.one_of(st.integers(0, MAX_AMOUNT), scalars),
        },
        optional={
            "quantity": st.one_of(st.integers(1, 10), scalars),
            "kind": st.one_of(st.sampled_from(LINE_ITEM_KINDS), text),
            "currency": st.one_of(st.just("JPY"), text),
            "description": text,
        },
    ),
    max_size=3,
)
shipping = st.one_of(
    st.just(SHIPPING),
    st.fixed_dictionaries(
        {
            "address": st.fixed_dictionaries(
                {key: st.one_of(st.just(value), scalars) for key, value in ADDRESS.items()}
            )
        }
    ),
)


def _either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, valid, anything)


def schedule_bodies(token_id: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "token": _either(st.just(token_id)),
            "amount": _either(st.integers(1, MAX_AMOUNT)),
            "interval": _either(st.sampled_from(ScheduleInterval.values)),
            "shipping_info": _either(shipping),
        },
        optional={
            "currency": _either(st.just("JPY")),
            "description": _either(st.text(max_size=80)),
            "items": _either(items),
            "customer_info": _either(
                st.dictionaries(
                    st.sampled_from(["emailAddress", "phoneNumber", "email", "firstName"]), scalars
                )
            ),
            "interval_count": _either(st.integers(1, 366)),
            "day_of_month": _either(st.integers(1, 31)),
            "start_at": _either(moments),
            "end_at": _either(moments),
            "max_count": _either(st.integers(1, 2**31 - 1)),
        },
    )


def _post(client, url, body):
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


def test_fuzz_schedule_creation(alice, as_alice):
    token = seed_token(alice)
    seen = set()

    @FUZZ
    @given(body=schedule_bodies(token.smartpay_id))
    def check(body):
        response = _post(as_alice, API + "schedules/", body)
        assert response.status_code in (201, 400), (response.status_code, body, response.content[:500])
        seen.add(response.status_code)

    check()
    assert seen == {201, 400}


def test_fuzz_the_json_objects_of_an_otherwise_valid_schedule(alice, as_alice):
    """Valid scalars, so that whatever the objects hold reaches the checks before the database."""
    token = seed_token(alice)
    address = st.dictionaries(
        st.one_of(st.sampled_from(list(ADDRESS)), text),
        st.one_of(st.sampled_from(list(ADDRESS.values())), scalars),
    )

    @FUZZ
    @given(
        shipping_info=st.one_of(st.fixed_dictionaries({"address": address}), anything),
        customer_info=st.dictionaries(
            st.one_of(st.sampled_from(["emailAddress", "email", "firstName"]), text), scalars
        ),
        items=st.one_of(items, anything),
    )
    def check(shipping_info, customer_info, items):
        body = {
            "token": token.smartpay_id,
            "amount": 980,
            "interval": "weekly",
            "shipping_info": shipping_info,
            "customer_info": customer_info,
            "items": items,
        }
        response = _post(as_alice, API + "schedules/", body)
        assert response.status_code in (201, 400), (response.status_code, body, response.content[:500])

    check()


def test_fuzz_token_checkout(as_alice, simulator):
    urls = st.sampled_from(["http://testserver/ok/", "https://testserver/cancel/"])

    @FUZZ
    @given(
        body=st.fixed_dictionaries(
            {},
            optional={
                "success_url": _either(urls),
                "cancel_url": _either(urls),
                "locale": _either(st.sampled_from(["en", "ja"])),
            },
        )
    )
    def check(body):
        response = _post(as_alice, API + "tokens/checkout/", body)
        assert response.status_code in (201, 400), (response.status_code, body, response.content[:500])

    check()


def test_fuzz_any_json_to_every_writable_url(alice, as_alice):
    token = seed_token(alice, "w")
    [schedule] = seed_schedules(alice, 1)
    urls = [
        API + "schedules/",
        API + "tokens/checkout/",
        f"{API}schedules/{schedule.pk}/pause/",
        f"{API}schedules/{schedule.pk}/resume/",
        f"{API}tokens/{token.smartpay_id}x/disable/",
    ]

    @FUZZ
    @given(url=st.sampled_from(urls), body=anything)
    def check(url, body):
        response = _post(as_alice, url, body)
        assert response.status_code < 500, (response.status_code, url, body, response.content[:500])

    check()


def test_fuzz_list_query_strings(alice, as_alice):
    seed_schedules(alice, 3, charges=3)
    names = st.sampled_from(
        ["page_size", "cursor", "ordering", "search", "format", "limit", "offset", "page"]
    )

    @FUZZ
    @given(
        path=st.sampled_from(["tokens/", "orders/", "schedules/", "schedules/1/charges/"]),
        params=st.dictionaries(st.one_of(names, st.text(max_size=10)), st.text(max_size=40), max_size=4),
    )
    def check(path, params):
        response = as_alice.get(API + path, params)
        assert response.status_code in (200, 400, 404), (response.status_code, path, params)

    check()
