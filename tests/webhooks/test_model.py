"""The WebhookEvent model: its link to the local object, its text forms, its translated names."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.functional import Promise

from django_smartpay.models import Order, Token, WebhookEvent, WebhookEventStatus

from .conftest import Receiver, Shop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("endpoint")
def test_the_event_links_to_its_object(shop: Shop, receiver: Receiver) -> None:
    order_id = shop.order(capture_method="manual")
    event = WebhookEvent.objects.get(type="order.authorized")
    assert event.object_class is Order
    assert event.obj == Order.objects.get(smartpay_id=order_id)
    assert str(event) == f"{event.event_id} (order.authorized)"
    assert repr(event) == f"<WebhookEvent {event.pk} {event.event_id} order.authorized processed>"
    assert event.smartpay_created is not None
    assert event.test is True


def test_an_event_about_nothing_mirrored_has_no_object() -> None:
    event = WebhookEvent.objects.create(event_id="evt_test_payout", type="payout.paid", status="ignored")
    assert (event.object_class, event.obj) == (None, None)
    stale = WebhookEvent(
        event_id="evt_test_x", object_model="smartpay.token", object_smartpay_id="paytok_test_gone"
    )
    assert stale.object_class is Token and stale.obj is None
    assert WebhookEvent(object_model="nope.nothing").object_class is None


def test_names_are_translatable() -> None:
    meta: Any = WebhookEvent._meta
    assert isinstance(meta.verbose_name, Promise) and isinstance(meta.verbose_name_plural, Promise)
    for field in meta.get_fields():
        if hasattr(field, "verbose_name") and field.name != "id":
            assert isinstance(field.verbose_name, Promise), field.name
    assert all(isinstance(label, Promise) for _, label in WebhookEventStatus.choices)
