"""Bad input is a 400 with a message naming the field, never a 500, and nothing is written or sent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from django_smartpay.client.constants import MAX_AMOUNT
from django_smartpay.models import ChargeSchedule

from .conftest import API
from .rows import ADDRESS, SHIPPING, seed_schedules, seed_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice):
    return seed_token(alice)


def _post(client, url, body):
    """POST ``body`` as ASCII JSON (lone surrogates escaped, as a hostile client may send them)."""
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


def _body(token_row, **changes):
    body = {"token": token_row.smartpay_id, "amount": 980, "interval": "monthly", "shipping_info": SHIPPING}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def _future(**delta):
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


BAD_FIELDS = [
    # a schedule cannot start in the past, nor too far ahead, nor without its UTC offset
    ("start_at", "2000-01-01T00:00:00+09:00"),
    ("start_at", "0001-01-01T00:00:00+00:00"),
    ("start_at", "0001-01-01T00:00:00+14:00"),
    ("start_at", "0001-01-01"),
    ("start_at", "9999-12-31T23:59:59+00:00"),
    ("start_at", "9999-12-31T23:59:59-23:59"),
    ("start_at", "2030-01-01T09:00:00"),
    ("start_at", "tomorrow"),
    ("start_at", ""),
    ("start_at", 1767225600000),
    ("start_at", True),
    ("start_at", []),
    ("end_at", "2000-01-01T00:00:00Z"),
    ("end_at", "9999-12-31T00:00:00Z"),
    ("end_at", "2031-01-01T00:00:00"),
    # amounts: positive whole yen within Smartpay's limit, as a JSON integer
    ("amount", 0),
    ("amount", -1),
    ("amount", MAX_AMOUNT + 1),
    ("amount", 2**63),
    ("amount", 10**30),
    ("amount", True),
    ("amount", 9.5),
    ("amount", 980.0),
    ("amount", "980"),
    ("amount", None),
    ("amount", {}),
    # counts within their columns
    ("interval_count", 0),
    ("interval_count", 367),
    ("interval_count", 2**40),
    ("interval_count", "1"),
    ("interval_count", 1.0),
    ("max_count", 0),
    ("max_count", -5),
    ("max_count", 2**31),
    ("max_count", 2**63),
    ("day_of_month", 0),
    ("day_of_month", 32),
    ("day_of_month", "3"),
    # choices, text and objects
    ("currency", "USD"),
    ("currency", ["JPY"]),
    ("interval", "yearly"),
    ("interval", None),
    ("interval", "\ud800"),  # echoed by the error message: still a 400
    ("token", ""),
    ("token", "paytok_test_" + "x" * 60),
    ("token", "paytok_test_\x00"),
    ("token", "paytok_test_\ud800"),
    ("token", ["paytok_test_x"]),
    ("description", "x" * 81),
    ("description", "抹茶\x00"),
    ("items", []),
    ("items", "matcha"),
    ("items", [1, 2]),
    ("items", [{}]),
    ("items", [{"name": "Matcha"}]),
    ("items", [{"name": "Matcha", "amount": -1}]),
    ("items", [{"name": "Matcha", "amount": MAX_AMOUNT + 1}]),
    ("items", [{"name": "Matcha", "amount": 1, "quantity": 0}]),
    ("items", [{"name": "Matcha", "amount": 1, "quantity": 2**16}]),
    ("items", [{"name": "x" * 256, "amount": 1}]),
    ("items", [{"name": "Matcha", "amount": 1, "kind": "gift"}]),
    ("items", [{"name": "Matcha", "amount": 1, "kind": "\ud800"}]),
    ("items", [{"name": "Matcha", "amount": 1}] * 51),
    ("shipping_info", "Tokyo"),
    ("shipping_info", []),
    ("shipping_info", {}),
    ("shipping_info", {"address": "Tokyo"}),
    ("shipping_info", {"address": {**ADDRESS, "line1": 5}}),
    ("shipping_info", {"address": {**ADDRESS, "line1": "x" * 5000}}),
    ("shipping_info", {"address": {**ADDRESS, "line1": "\ud800"}}),
    ("shipping_info", {"address": ADDRESS, "a\x00": 1}),
    ("customer_info", []),
    ("customer_info", {"emailAddress": 5}),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS, ids=[f"{f}={v!r:.40}" for f, v in BAD_FIELDS])
def test_a_bad_schedule_field_is_a_400_and_nothing_is_written(token, as_alice, simulator, field, value):
    response = _post(as_alice, API + "schedules/", _body(token, **{field: value}))

    assert response.status_code == 400, response.content
    body = response.json()
    assert body, "a 400 says why"
    assert field in body or isinstance(body, list), body
    assert ChargeSchedule.objects.count() == 0
    assert simulator.objects(kind="order") == []


def test_required_fields_are_named(token, as_alice):
    response = as_alice.post(API + "schedules/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"token", "amount", "interval", "shipping_info"}


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        ("[]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("null", "application/json", 400),
        ("12", "application/json", 400),
        ("{", "application/json", 400),
        ('{"amount": NaN}', "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ('{"amount": 1' + "0" * 5000 + "}", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        ('{"description": "' + "x" * 300_000 + '"}', "application/json", 413),
        ("token=x&amount=980", "application/x-www-form-urlencoded", 415),
        ("amount=980", "text/plain", 415),
        ("<schedule/>", "application/xml", 415),
    ],
    ids=[
        "list",
        "string",
        "null",
        "number",
        "truncated",
        "nan",
        "deep",
        "huge-int",
        "bad-utf8",
        "too-large",
        "form",
        "text",
        "xml",
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(token, as_alice, content, content_type, expected):
    response = as_alice.generic("POST", API + "schedules/", content, content_type=content_type)

    assert response.status_code == expected, response.content
    assert ChargeSchedule.objects.count() == 0


def test_the_limits_themselves_are_accepted(token, as_alice):
    start = _future(days=365)
    response = as_alice.post(
        API + "schedules/",
        _body(
            token,
            amount=MAX_AMOUNT,
            interval="every_n_days",
            interval_count=366,
            max_count=2**31 - 1,
            start_at=start,
            end_at=_future(days=366 * 49),
            description="抹茶の定期便🍵" * 10,
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["interval_count"], body["max_count"]) == (MAX_AMOUNT, 366, 2**31 - 1)
    assert body["items"][0]["name"] == "抹茶の定期便🍵" * 10


def test_a_start_with_an_offset_is_kept_as_that_instant(token, as_alice):
    start = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=9)))

    response = as_alice.post(
        API + "schedules/",
        _body(token, interval="daily", start_at=start.isoformat()),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert ChargeSchedule.objects.get().next_run_at == start


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[zz]/",
        "https://shop.example.jp:99999999/",
        "http://\ud800.example/",
        "http://\x00/",
        "//testserver/ok",
        "x" * 3000,
        5,
        None,
        ["http://testserver/"],
    ],
)
def test_a_bad_checkout_url_is_a_400(as_alice, simulator, url):
    response = _post(
        as_alice, API + "tokens/checkout/", {"success_url": url, "cancel_url": "http://testserver/cancel/"}
    )

    assert response.status_code == 400, response.content
    assert "success_url" in response.json()
    assert simulator.objects(kind="checkoutSession") == []


def test_an_unknown_key_answers_502_and_a_busy_smartpay_503(alice_shops, as_alice, simulator):
    token = alice_shops.active_token()
    url = f"{API}tokens/{token.smartpay_id}/disable/"

    simulator.faults.add(method="PUT", path="/v1/tokens/*", status=401, count=1)
    unknown_key = as_alice.post(url)
    simulator.faults.add(method="PUT", path="/v1/tokens/*", status=429, count=10)
    rate_limited = as_alice.post(url)

    assert unknown_key.status_code == 502
    assert rate_limited.status_code == 503
    for response in (unknown_key, rate_limited):
        assert "sk_test" not in response.content.decode()
        assert json.loads(response.content)["detail"]
    assert simulator.get_object(token.smartpay_id)["status"] == "active"


def test_other_methods_and_media_types_are_answered_without_a_500(token, alice, as_alice):
    [schedule] = seed_schedules(alice, 1)
    urls = [
        API + "tokens/",
        f"{API}tokens/{token.smartpay_id}/",
        API + "orders/",
        API + "schedules/",
        f"{API}schedules/{schedule.pk}/",
        f"{API}schedules/{schedule.pk}/charges/",
    ]
    for url in urls:
        assert as_alice.options(url).status_code == 200, url
        assert as_alice.head(url).status_code == 200, url
        assert as_alice.put(url, {}, format="json").status_code == 405, url
        assert as_alice.patch(url, {}, format="json").status_code == 405, url
        assert as_alice.get(url, HTTP_ACCEPT="text/html").status_code == 406, url
        assert as_alice.get(url, {"format": "api"}).status_code == 404, url
        assert as_alice.get(url, HTTP_ACCEPT="application/json; charset=utf-16").status_code == 200, url


@pytest.mark.parametrize("locale", ["%", "%(x)s", "%s%%", "'%'"])
def test_a_refused_choice_is_a_400_that_does_not_echo_the_input(as_alice, simulator, locale):
    """REST framework 3.15 formats messages with ``%``: an echoed ``%`` was a 500 there."""
    response = _post(as_alice, API + "tokens/checkout/", {"locale": locale})

    assert response.status_code == 400, response.content
    assert locale not in response.content.decode()
    assert simulator.objects(kind="checkoutSession") == []
