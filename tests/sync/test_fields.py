"""The sync field map and the mirrored models agree, column for column.

Every concrete column of a mirrored model is filled from the API object by
``sync_fields.FIELDS`` or listed in ``sync_fields.LOCAL_COLUMNS``; every column the map
fills exists.  Adding a column to a model without teaching sync (or the other way round)
fails here.
"""

from __future__ import annotations

import pytest

from django_smartpay.models import MODELS_BY_OBJECT
from django_smartpay.sync_fields import FIELDS, LOCAL_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def samples(api, smartpay_client) -> dict[str, list[dict]]:
    """Real objects of every mirrored kind, together using every optional reference."""
    token = api.token()
    order = api.token_order(token["id"])
    payment = smartpay_client.get_payment(order["payments"][0])
    coupon = smartpay_client.create_coupon("Spring", "amount", discount_amount=100, currency="JPY")
    return {
        "checkoutSession": [api.checkout(), api.token_session()],
        "order": [order, api.order()],
        "payment": [payment],
        "refund": [api.refund(payment["id"])],
        "token": [token],
        "coupon": [coupon, smartpay_client.create_coupon("Half", "percentage", discount_percentage=50)],
        "promotionCode": [smartpay_client.create_promotion_code(coupon["id"], "SPRING")],
        "webhookEndpoint": [smartpay_client.create_webhook_endpoint("https://shop.example/hook")],
    }


def disagreements(fields, local, samples) -> list[str]:
    problems = []
    for kind, model in MODELS_BY_OBJECT.items():
        columns = {f.attname for f in model._meta.concrete_fields}
        mapped = set().union(*(fields[kind](data) for data in samples[kind]))
        problems += [
            f"{kind}: FIELDS fills {name!r}, which is no column" for name in sorted(mapped - columns)
        ]
        unfilled = columns - mapped - local[kind]
        problems += [f"{kind}: column {name!r} is neither mapped nor local" for name in sorted(unfilled)]
        both = mapped & local[kind]
        problems += [f"{kind}: column {name!r} is mapped and listed as local" for name in sorted(both)]
    return problems


def test_every_column_is_mapped_or_local(samples):
    assert set(FIELDS) == set(LOCAL_COLUMNS) == set(MODELS_BY_OBJECT)
    assert disagreements(FIELDS, LOCAL_COLUMNS, samples) == []


def test_a_forgotten_column_or_a_stray_field_is_reported(samples):
    def without_reference(data):
        return {k: v for k, v in FIELDS["order"](data).items() if k != "reference"}

    def with_stray(data):
        return {**FIELDS["token"](data), "nickname": "x"}

    broken = {**FIELDS, "order": without_reference, "token": with_stray}
    assert disagreements(broken, LOCAL_COLUMNS, samples) == [
        "order: column 'reference' is neither mapped nor local",
        "token: FIELDS fills 'nickname', which is no column",
    ]
