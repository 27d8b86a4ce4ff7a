"""Whatever arrives — headers, bodies, signatures, good or bad — the view never answers 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_smartpay.models import WebhookEvent
from django_smartpay.webhooks.verification import EVENT_OBJECTS

from .conftest import now_ms, post, sign

pytestmark = pytest.mark.django_db(transaction=True)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
valid_event_ids = st.from_regex(r"evt_test_[A-Za-z0-9]{1,22}", fullmatch=True)
event_ids = st.one_of(valid_event_ids, valid_event_ids, valid_event_ids, st.text(max_size=20))
objects = st.sampled_from(
    ["token", "order", "payment", "refund", "coupon", "promotionCode", "checkoutSession"]
)
valid_object_ids = st.from_regex(r"[a-z]{2,8}_test_[A-Za-z0-9]{4,22}", fullmatch=True)
object_ids = st.one_of(valid_object_ids, valid_object_ids, valid_object_ids, st.text(max_size=70))
known_types = st.sampled_from([*EVENT_OBJECTS, "payout.paid", "merchant_user.created"])
event_types = st.one_of(known_types, known_types, known_types, st.text(max_size=70))


@st.composite
def events(draw: Any) -> bytes:
    shaped = st.builds(
        lambda kind, object_id, extra: {**extra, "object": kind, "id": object_id},
        objects,
        object_ids,
        st.dictionaries(st.text(min_size=7, max_size=10), json_values, max_size=2),
    )
    data = draw(st.one_of(shaped, shaped, shaped, json_values))
    if draw(st.integers(0, 3)):  # mostly a matching pair of event type and object
        event_type = draw(known_types)
        if event_type in EVENT_OBJECTS and isinstance(data, dict):
            data["object"] = EVENT_OBJECTS[event_type]
    else:
        event_type = draw(event_types)
    event: dict[str, Any] = {
        "id": draw(event_ids),
        "object": "event",
        "createdAt": draw(st.integers() | json_values),
        "test": draw(st.booleans() | json_values),
        "eventData": {
            "type": event_type,
            "version": "2022-02-18",
            "data": data,
        },
    }
    if not draw(st.integers(0, 4)):
        del event[draw(st.sampled_from(["id", "eventData", "test", "createdAt"]))]
    return json.dumps(event, ensure_ascii=draw(st.booleans())).encode()


bodies = st.one_of(
    events(),
    events(),
    events(),
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
)


@st.composite
def deliveries(draw: Any) -> tuple[bytes, dict[str, str]]:
    """A signed delivery of a random body; about half of them then have their headers tampered with."""
    body = draw(bodies)
    stamp = draw(st.sampled_from(["now", "now", "now", "stale", "future", "junk"]))
    offsets = {"now": 0, "stale": -3_600_000, "future": 3_600_000, "junk": 0}
    timestamp = now_ms() + offsets[stamp]
    headers = sign(body, timestamp=timestamp)
    if stamp == "junk":
        headers["Smartpay-Signature-Timestamp"] = draw(st.text(max_size=20))
    tampering = draw(st.sampled_from(["none", "none", "signature", "event-id", "subscription", "missing"]))
    if tampering == "signature":
        headers["Smartpay-Signature"] = draw(
            st.text(max_size=70) | st.from_regex(r"[0-9a-f]{64}", fullmatch=True)
        )
    elif tampering == "event-id":
        headers["Smartpay-Event-Id"] = draw(event_ids)
    elif tampering == "subscription":
        headers["Smartpay-Subscription-Id"] = draw(st.text(max_size=70))
    elif tampering == "missing":
        del headers[draw(st.sampled_from(sorted(headers)))]
    return body, headers


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(delivery=deliveries())
def test_no_delivery_gets_a_5xx(hand_signed: None, delivery: tuple[bytes, dict[str, str]]) -> None:
    body, headers = delivery
    response = post(body, headers)
    assert response.status_code < 500, (response.status_code, response.content)
    answer = response.json()
    if response.status_code == 200:
        assert answer["status"] in ("processed", "ignored", "duplicate")
        assert WebhookEvent.objects.filter(event_id=headers["Smartpay-Event-Id"]).exists()
    else:
        assert set(answer) == {"error", "message"}
        assert answer["error"].startswith("webhook.")
