"""Whatever arrives — headers, bodies, signatures, any real field made wrong — never a 5xx, never a bad row."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_smartpay.models import WebhookEvent
from django_smartpay.testing import factories
from django_smartpay.testing.webhooks import build_event
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


# --- the real fields of each event kind, one at a time made wrong ---------------------------------

#: Event types by the kind of object they carry, with a testing-kit factory that builds a valid one.
KINDS = {
    "token": factories.TokenFactory,
    "order": factories.OrderFactory,
    "payment": factories.PaymentFactory,
    "refund": factories.RefundFactory,
    "coupon": factories.CouponFactory,
    "promotionCode": factories.PromotionCodeFactory,
}
TYPES = {kind: sorted(t for t, k in EVENT_OBJECTS.items() if k == kind) for kind in KINDS}
ID_PREFIX = {
    "token": "paytok",
    "order": "order",
    "payment": "payment",
    "refund": "refund",
    "coupon": "coupon",
    "promotionCode": "promotioncode",
}
#: The fields sync writes to a column (read from sync_fields), by kind: a wrong value there must be refused.
_COMMON = {"id", "object", "test", "metadata", "createdAt", "updatedAt"}
_CHARGE = _COMMON | {"status", "amount", "currency", "reference", "description"}
_REDEEMABLE = _COMMON | {"active", "currency", "expiresAt", "maxRedemptionCount", "redemptionCount"}
COLUMN_FIELDS = {
    "token": _COMMON | {"status", "reference"},
    "order": _CHARGE | {"expiresAt", "tokenId", "token"},
    "payment": _CHARGE | {"order"},
    "refund": _CHARGE | {"reason", "payment"},
    "coupon": _REDEEMABLE
    | {"name", "description", "discountType", "discountAmount", "discountPercentage", "sponsored"},
    "promotionCode": _REDEEMABLE
    | {"code", "coupon", "minimumAmount", "firstTimeTransaction", "onePerCustomer"},
}
#: Values that are wrong for every column field, whatever its type (another JSON type, out of
#: range, longer than any column), and values that may be harmless (null, a short string).
WRONG = [
    "1653028612220",
    "12",
    1.5,
    True,
    False,
    [],
    [1, 2],
    {},
    {"id": 5},
    {"nested": {"id": "x" * 80}},
    -1,
    2**53,
    2**64,
    "x" * 300,
    "order_test_" + "A" * 60,
]
MAYBE = [None, "a", 0]
_counter = itertools.count()


def json_type(value: Any) -> str:
    return "bool" if isinstance(value, bool) else type(value).__name__


def is_wrong(value: Any, original: Any) -> bool:
    """Whether ``value`` cannot be right where the valid object had ``original``."""
    if value is None:
        return False
    if original is None:  # a field the object did not have: only what fits no column
        return isinstance(value, str) and len(value) > 255
    if json_type(value) != json_type(original):
        return True
    if json_type(value) == "int":
        return value < 0 or value >= 2**53
    return isinstance(value, str) and len(value) > 255


def fresh_id(prefix: str) -> str:
    return f"{prefix}_test_fuzz{next(_counter):018d}"


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """A valid API object of each kind, built (not saved) by the testing kit's factories."""
    return {kind: factory.build().data or {} for kind, factory in KINDS.items()}


def mirrored(kind: str) -> Any:
    from django_smartpay.models import MODELS_BY_OBJECT

    return MODELS_BY_OBJECT[kind]


def assert_row_is_sound(row: Any) -> None:
    """Every column holds what its field accepts (length, range, choices)."""
    relations = [field.name for field in row._meta.get_fields() if field.is_relation]
    row.full_clean(exclude=relations, validate_unique=False)


@st.composite
def mutated_events(draw: Any, templates: dict[str, dict[str, Any]]) -> tuple[str, str, Any, bool, dict]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    data = json.loads(json.dumps(templates[kind]))
    data["id"] = fresh_id(ID_PREFIX[kind])
    event = build_event(data, draw(st.sampled_from(TYPES[kind])), event_id=fresh_id("evt"))
    data = event["eventData"]["data"]
    where = draw(st.sampled_from(["data", "data", "data", "data", "envelope"]))
    if where == "data":
        name = draw(st.sampled_from(sorted(set(data) | COLUMN_FIELDS[kind])))
        target, original = data, data.get(name)
        must_refuse = name in COLUMN_FIELDS[kind]
    else:
        name = draw(st.sampled_from(["createdAt", "test", "object"]))
        target, original = event, event[name]
        must_refuse = True
    value = draw(st.sampled_from(WRONG) | st.sampled_from(MAYBE))
    if value == original and json_type(value) == json_type(original):
        value = "x" * 300
    target[name] = value
    return kind, name, value, must_refuse and is_wrong(value, original), event


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_wrong_value_in_any_real_field_is_400_never_500_never_stored(
    hand_signed: None, templates: dict[str, dict[str, Any]], data: Any
) -> None:
    kind, name, value, must_refuse, event = data.draw(mutated_events(templates))
    body = json.dumps(event, separators=(",", ":")).encode()
    response = post(body, sign(body))
    assert response.status_code in (200, 400), (name, value, response.content)
    answer = response.json()
    object_id = event["eventData"]["data"]["id"]
    row = WebhookEvent.objects.get(event_id=event["id"])
    if response.status_code == 400:
        assert answer["error"] == "webhook.malformed-event", answer
        assert name in answer["message"], (name, answer)
        assert (row.status, row.attempts, row.traceback) == ("failed", 1, "")
        assert row.error.startswith("webhook.malformed-event: ") and name in row.error
        assert not mirrored(kind).objects.filter(smartpay_id=object_id).exists()
    else:
        assert not must_refuse, (kind, name, value)
        assert answer["status"] == "processed", answer
        stored = mirrored(kind).objects.get(smartpay_id=object_id)
        assert_row_is_sound(stored)


@pytest.mark.parametrize("event_type", sorted(EVENT_OBJECTS))
def test_the_valid_event_of_every_type_is_processed(
    hand_signed: None, templates: dict[str, dict[str, Any]], event_type: str
) -> None:
    """The control of the test above: unmutated, each kind's event is applied."""
    kind = EVENT_OBJECTS[event_type]
    data = {**templates[kind], "id": fresh_id(ID_PREFIX[kind])}
    event = build_event(data, event_type, event_id=fresh_id("evt"))
    body = json.dumps(event, separators=(",", ":")).encode()
    response = post(body, sign(body))
    assert response.json() == {"status": "processed", "event": event["id"]}
    assert_row_is_sound(mirrored(kind).objects.get(smartpay_id=data["id"]))
