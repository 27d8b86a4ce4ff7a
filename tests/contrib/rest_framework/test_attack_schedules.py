"""A hostile customer against the schedule endpoints: every odd body is a 4xx, never a 500,
never a schedule that starts in the past or charges more than one period in a run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from django_smartpay import charging
from django_smartpay.models import ChargeSchedule, TokenCharge

from .conftest import API
from .rows import SHIPPING

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_token(alice_shops):
    return alice_shops.active_token()


def _body(token_id: str, **extra: Any) -> dict[str, Any]:
    return {"token": token_id, "amount": 980, "interval": "daily", "shipping_info": SHIPPING, **extra}


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def past_starts() -> list[Any]:
    now = timezone.now()
    return [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "1970-01-01T00:00:00Z",
        _iso(now - dt.timedelta(days=60)),
        _iso(now - dt.timedelta(seconds=5)),
        # the same instant written in another offset: still in the past
        _iso((now - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=14)))),
        _iso((now - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=-12)))),
        (now - dt.timedelta(days=2)).strftime("%Y-%m-%d"),
        int((now - dt.timedelta(days=60)).timestamp()),
        int((now - dt.timedelta(days=60)).timestamp() * 1000),
        (now - dt.timedelta(days=60)).timestamp(),
        _iso(now - dt.timedelta(days=60)).replace("+00:00", ""),
        "-0001-01-01T00:00:00Z",
        "yesterday",
        "9999-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        [],
        {"$date": 0},
        True,
    ]


@pytest.mark.parametrize("index", range(len(past_starts())))
def test_no_start_in_the_past_or_odd_start_is_accepted(alice_token, as_alice, index):
    start = past_starts()[index]
    response = as_alice.post(
        API + "schedules/", _body(alice_token.smartpay_id, start_at=start), format="json"
    )
    assert response.status_code == 400, (start, response.status_code, response.content)
    assert "start_at" in response.json(), response.content
    assert not ChargeSchedule.objects.exists()


ODD_FIELDS: list[tuple[str, Any]] = [
    ("amount", 10**30),
    ("amount", -(10**30)),
    ("amount", 2**63),
    ("amount", 980.0),
    ("amount", "980"),
    ("amount", True),
    ("amount", None),
    ("interval_count", 2**63),
    ("interval_count", 0),
    ("max_count", 2**63),
    ("max_count", 0),
    ("day_of_month", 0),
    ("day_of_month", 2**40),
    ("end_at", "0001-01-01T00:00:00Z"),
    ("end_at", "99999-01-01T00:00:00Z"),
    ("token", "paytok_test_" + "A" * 5000),
    ("token", "paytok_test_\x00abc"),
    ("token", ["paytok_test_abc"]),
    ("token", {"id": "x"}),
    ("items", [{"name": "x", "amount": 10**30}]),
    ("items", [{"name": "x", "amount": 1, "quantity": 2**40}]),
    ("items", [{"name": "\x00", "amount": 1}]),
    ("items", [{"name": "x" * 100_000, "amount": 1}]),
    ("items", "not a list"),
    ("items", [[]]),
    ("shipping_info", []),
    ("shipping_info", {"address": {"line1": {"a": {"b": {"c": {"d": "deep"}}}}}}),
    ("shipping_info", "x"),
    ("customer_info", [1]),
    ("interval", "yearly"),
    ("interval", ["daily"]),
    ("currency", "USD"),
    ("description", "\x00"),
]


@pytest.mark.parametrize(("field", "value"), ODD_FIELDS, ids=[f"{f}={v!r:.24}" for f, v in ODD_FIELDS])
def test_out_of_range_and_wrong_type_fields_are_a_400_with_a_message(alice_token, as_alice, field, value):
    response = as_alice.post(
        API + "schedules/", _body(alice_token.smartpay_id, **{field: value}), format="json"
    )
    assert response.status_code == 400, (field, value, response.status_code, response.content[:300])
    assert response.json(), response.content
    assert not ChargeSchedule.objects.exists()


RAW_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"[]"),
    ("application/json", b'"x"'),
    ("application/json", b"null"),
    ("application/json", b"1e999999"),
    ("application/json", b'{"amount": NaN}'),
    ("application/json", b'{"amount": Infinity}'),
    ("application/json", b"{" * 50_000),
    ("application/json", b"[" * 100_000),
    ("application/json", b'{"shipping_info": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}"),
    ("application/json", b"\xff\xfe"),
    ("application/json", b'{"token": "\\ud800"}'),
    ("application/xml", b"<a/>"),
    ("text/plain", b"token=x"),
    ("application/x-www-form-urlencoded", b"token=x&amount=980&interval=daily"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
]


@pytest.mark.parametrize(
    ("content_type", "raw"), RAW_BODIES, ids=[f"{c[:20]}:{r[:12]!r}" for c, r in RAW_BODIES]
)
def test_odd_request_bodies_are_a_4xx(alice_token, as_alice, content_type, raw):
    response = as_alice.generic("POST", API + "schedules/", raw, content_type=content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert not ChargeSchedule.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_schedule_cannot_be_moved_into_the_past_by_put_or_patch(alice_token, as_alice, method):
    created = as_alice.post(API + "schedules/", _body(alice_token.smartpay_id), format="json").json()
    before = ChargeSchedule.objects.get(pk=created["id"])
    body = {
        **_body(alice_token.smartpay_id),
        "start_at": "2000-01-01T00:00:00Z",
        "next_run_at": "2000-01-01T00:00:00Z",
    }
    response = getattr(as_alice, method)(f"{API}schedules/{created['id']}/", body, format="json")
    assert response.status_code == 405, response.content
    after = ChargeSchedule.objects.get(pk=created["id"])
    assert (after.next_run_at, after.anchor_at) == (before.next_run_at, before.anchor_at)


@pytest.mark.parametrize("pk", ["0", "-1", "99999999999999999999999", "1e3", "%00", "1.0", "٣"])
def test_odd_schedule_ids_are_404(alice_token, as_alice, pk):
    for suffix in ("", "pause/", "resume/", "cancel/", "charges/"):
        method = as_alice.get if suffix in ("", "charges/") else as_alice.post
        response = method(f"{API}schedules/{pk}/{suffix}")
        assert response.status_code == 404, (pk, suffix, response.status_code)


def test_resume_after_a_long_pause_charges_one_period_in_one_run(
    alice_token, as_alice, simulator, django_capture_on_commit_callbacks
):
    created = as_alice.post(API + "schedules/", _body(alice_token.smartpay_id), format="json").json()
    url = f"{API}schedules/{created['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        charging.charge_due_schedules()
    assert as_alice.post(url + "pause/").status_code == 200
    # Sixty days pass while the schedule is paused (the row is what a late run would see).
    ChargeSchedule.objects.filter(pk=created["id"]).update(
        next_run_at=timezone.now() - dt.timedelta(days=60),
        anchor_at=timezone.now() - dt.timedelta(days=61),
    )
    assert as_alice.post(url + "resume/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        charging.charge_due_schedules()
        charging.charge_due_schedules()
    charges = TokenCharge.objects.filter(schedule_id=created["id"])
    dates = list(charges.values_list("period_date", flat=True))
    # Today's period was charged before the pause: the late runs catch up nothing.
    assert dates == [
        timezone.localdate(timezone.now(), ZoneInfo(ChargeSchedule.objects.get(pk=created["id"]).time_zone))
    ], dates
    assert ChargeSchedule.objects.get(pk=created["id"]).next_run_at > timezone.now()
    assert json.loads(as_alice.get(url).content)["status"] == "active"
